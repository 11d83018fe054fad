"""Registration embedded on a co-host's own site: a light page, framable only by the sites the
co-host lists (frame-ancestors names exactly those; every other page stays 'none'), counted
for that co-host like its invitation link; and the co-host managers' page listing those sites.

The framed page works without cookies (embed.tokens): it never reads a signed-in session, so a
visitor registers there as on the public form while signed out.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from events import permissions as events_permissions
from outreach import permissions as base
from outreach.languages import active_language
from outreach.permissions import require
from registrations import cohost_links, queries, ratelimit, services
from registrations.embed import tokens
from registrations.embed.forms import EmbedOriginsForm
from registrations.embed.services import set_embed_origins
from registrations.forms import RegistrationForm
from registrations.models import PRIVACY_NOTICE_VERSION, Registration, RegistrationState


def _framable_by(response, origins: list[str]):
    """Let exactly `origins` frame this response (and nothing else change in the policy)."""
    response._csp_config = {**settings.SECURE_CSP, "frame-ancestors": list(origins)}
    return response


@csrf_exempt  # no cookies in a frame: embed.tokens and the Origin header stand in for CSRF
@xframe_options_exempt  # frame-ancestors says who may frame it, and it is never '*'
@require_http_methods(["GET", "POST"])
def register(request, pk, via):
    session = get_object_or_404(
        events_permissions.visible_sessions(AnonymousUser()).prefetch_related(
            "cohosts", "target_economies"
        ),
        pk=pk,
    )
    organisation = cohost_links.organisation_from_link(session, via)
    if organisation is None or not organisation.embed_origins:
        raise Http404
    state = services.registration_state(session)
    survey = queries.registration_survey(session) if state == RegistrationState.OPEN else None
    form = RegistrationForm(
        request.POST or None,
        initial={},
        person=None,
        language=active_language(),
        cohost_names=[cohost.name for cohost in session.cohosts.all()],
        target_economies=session.target_economies.all(),
        questions=survey.questions.all() if survey else (),
        listening_languages=services.listening_languages(session),
    )
    context = {
        "session": session,
        "organisation": organisation,
        "form": form,
        "state": state,
        "states": RegistrationState,
        "privacy_version": PRIVACY_NOTICE_VERSION,
        "course": session.series if session.series_id and session.series.is_course else None,
        "full_page": cohost_links.invitation_path(session, organisation),
        "embed_token": tokens.form_token(session, organisation),
    }

    def page(template, status=200):
        return _framable_by(
            render(request, f"registrations/embed/{template}.html", context, status=status),
            organisation.embed_origins,
        )

    if request.method == "GET" or state != RegistrationState.OPEN or context["course"]:
        return page("register")
    if not tokens.comes_from_here(request) or not tokens.spend_form_token(
        request.POST.get("embed_token", ""), session, organisation
    ):
        context["expired"] = True
        return page("register", status=403)
    if not form.is_valid():
        return page("register", status=400)
    if form.is_robot():
        return page("thanks")
    email = form.cleaned_data["email"]
    if not ratelimit.may_register(request, email):
        return page("too_many", status=429)
    try:
        outcome = services.register_from_form(
            session,
            data=form.cleaned_data,
            person=None,
            language=active_language(),
            brought_by=organisation,
            survey=survey,
            answers=form.answers(),
        )
    except services.RegistrationClosed:
        context["state"] = services.registration_state(session)
        return page("register", status=409)
    except services.SeatsBusy:
        response = page("busy", status=503)
        response["Retry-After"] = "5"
        return response
    # A new address registers at once and may see its outcome; for an address already known
    # the page says only that an email went if it is known (as the public form does).
    new = isinstance(outcome, Registration) and getattr(outcome.person, "_created_just_now", False)
    context.update(
        email=email,
        registration=outcome if new else None,
        place=queries.waitlist_place(outcome) if new else None,
    )
    return page("thanks")


@require(base.is_cohost_manager)
@require_http_methods(["GET", "POST"])
def sites(request):
    """A co-host manager lists the sites of their organisation that may embed registration."""
    organisation = request.user.organisation
    initial = {"origins": "\n".join(organisation.embed_origins or [])}
    form = EmbedOriginsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if set_embed_origins(organisation, form.cleaned_data["origins"], by=request.user):
            messages.success(request, _("The list of your sites is saved."))
        return redirect("registrations:embed-sites")
    return render(
        request,
        "registrations/embed/sites.html",
        {"form": form, "organisation": organisation},
        status=400 if form.errors else 200,
    )
