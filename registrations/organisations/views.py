"""Organisers' screens for duplicate organisations: the likely duplicates of an economy (or of
all), each group with a form to choose the one to keep and those to merge into it; a POST of
that form shows what will move and asks to confirm; the confirmed POST merges
(registrations.organisations.services.merge) and goes back to the list (POST-redirect-GET).
Organisers only; everything works without JavaScript."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from outreach.permissions import is_organiser, require
from registrations.organisations import queries, services
from registrations.organisations.forms import DuplicatesFilterForm, MergeForm

CONFIRMED = "merge"  # the confirmation page's button


@require(is_organiser)
@require_GET
def duplicates(request):
    form = DuplicatesFilterForm(request.GET or None)
    economy = form.cleaned_data["economy"] if form.is_valid() else None
    return render(
        request,
        "registrations/manage/duplicates.html",
        {"form": form, "groups": queries.likely_duplicates(economy), "economy": economy},
    )


@require(is_organiser)
@require_POST
def merge(request):
    back = reverse("registrations:duplicates")
    if economy := request.POST.get("economy", ""):
        back += f"?economy={economy}" if economy.isalpha() and len(economy) == 2 else ""
    form = MergeForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    keep, duplicates = form.cleaned_data["keep"], list(form.cleaned_data["merge"])
    try:
        if request.POST.get("step") != CONFIRMED:
            services.check_mergeable(keep, duplicates)
            return render(
                request,
                "registrations/manage/duplicates_confirm.html",
                {
                    "keep": keep,
                    "duplicates": duplicates,
                    "moves": services.what_moves(duplicates),
                    "back": back,
                    "economy": economy,
                },
            )
        services.merge(keep, duplicates, by=request.user)
    except services.MergeRefused as refused:
        messages.error(request, str(refused))
        return redirect(back)
    messages.success(
        request,
        _("Merged into %(name)s: %(names)s.")
        % {"name": keep.name, "names": ", ".join(d.name for d in duplicates)},
    )
    return redirect(back)
