from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from outreach import audit, queries, services
from outreach.forms import CohostInviteForm, ProfileForm, TimeZonePickForm
from outreach.middleware import TIME_ZONE_COOKIE
from outreach.permissions import is_organiser, is_signed_in, require
from outreach.timezones import is_known_zone


@require(is_signed_in)
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        person = services.update_profile(request.user, **form.cleaned_data)
        messages.success(request, _("Your profile is saved."))
        with translation.override(person.language):
            return redirect("outreach:profile")
    return render(request, "outreach/profile.html", {"form": form})


def _safe_next(request, target: str) -> str:
    """Back to the page the visitor came from, on this site only; else home."""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("events:home")


@require_http_methods(["GET", "POST"])
def set_time_zone(request):
    """The time-zone page (GET): every zone, named in the visitor's language, their likely ones
    first. Picking one (POST) remembers it in a cookie; signed-in people use their profile."""
    if request.method == "GET":
        target = _safe_next(request, request.GET.get("next", ""))
        form = TimeZonePickForm(
            initial={"time_zone": timezone.get_current_timezone_name(), "next": target}
        )
        return render(request, "outreach/time_zone.html", {"form": form, "next": target})
    zone = request.POST.get("time_zone", "")
    target = _safe_next(request, request.POST.get("next", ""))
    response = HttpResponseRedirect(target)  # not redirect(): "next=home" is no view name
    if is_known_zone(zone):
        response.set_cookie(TIME_ZONE_COOKIE, zone, max_age=365 * 24 * 3600, samesite="Lax")
    else:
        messages.error(request, _("That time zone is not known."))
    return response


@require(is_organiser)
@require_http_methods(["GET", "POST"])
def cohost_members(request):
    """Organisers see every co-host and its members, and invite new members by email."""
    organisations = queries.cohost_organisations()
    form = CohostInviteForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.invite_cohost_member(by=request.user, **form.cleaned_data)
        except services.ProgrammeStaff:
            form.add_error("email", _("This address belongs to programme staff."))
        else:
            messages.success(
                request,
                _("%(email)s is invited and will sign in by code.") % {"email": person.email},
            )
            return redirect("outreach:cohost-members")
    return render(
        request,
        "outreach/cohost_members.html",
        {"form": form, "organisations": organisations.prefetch_related("people")},
    )


AUDIT_PAGE_SIZE = 50


@require(is_organiser)
@require_GET
def audit_log(request):
    """Organisers read who changed, exported or erased what, and when; newest first."""
    people = list(audit.actors())
    form = audit.AuditFilterForm(request.GET or None, people=people)
    filters = {}
    if form.is_bound:
        form.is_valid()  # a bad value is shown as an error and left out; the others apply
        filters = {name: value for name, value in form.cleaned_data.items() if value}
    page = Paginator(audit.entries(**filters), AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "outreach/audit_log.html",
        {"form": form, "page": page, "entries": list(page.object_list), "query": query.urlencode()},
    )
