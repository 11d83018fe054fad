"""The personal API tokens page (under the language prefix): create, list, revoke."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from api import tokens
from api.forms import TokenForm
from outreach.permissions import require


@require(tokens.may_hold_tokens)
@require_http_methods(["GET", "POST"])
def token_list(request):
    """Lists the person's tokens; a valid POST creates one and shows it, this once."""
    form = TokenForm(request.POST if request.method == "POST" else None)
    created = None
    if request.method == "POST" and form.is_valid():
        token, text = tokens.create_token(
            request.user,
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            days=form.cleaned_data["days"],
            by=request.user,
        )
        created = {"token": token, "text": text}
        form = TokenForm()
    response = render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "created": created,
            "tokens": tokens.tokens_of(request.user),
            "now": timezone.now(),
        },
        status=400 if form.errors else 200,
    )
    # The token is in this page once: no cache keeps it.
    response["Cache-Control"] = "no-store"
    return response


@require(tokens.may_hold_tokens)
@require_POST
def revoke(request, pk: int):
    token = get_object_or_404(tokens.tokens_of(request.user), pk=pk)
    tokens.revoke_token(token, by=request.user)
    messages.success(request, _("The token %(prefix)s… is revoked.") % {"prefix": token.prefix})
    return redirect("api-tokens:list")
