import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from outreach.forms import ProfileForm
from outreach.middleware import TIME_ZONE_COOKIE


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        person = form.save()
        messages.success(request, _("Your profile is saved."))
        with translation.override(person.language):
            return redirect("outreach:profile")
    return render(request, "outreach/profile.html", {"form": form})


@require_http_methods(["POST"])
def set_time_zone(request):
    """Remember the zone a visitor picked (a cookie); signed-in people use their profile instead."""
    zone = request.POST.get("time_zone", "")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("events:home")
    response = redirect(target)
    if zone in zoneinfo.available_timezones():
        response.set_cookie(TIME_ZONE_COOKIE, zone, max_age=365 * 24 * 3600, samesite="Lax")
    else:
        messages.error(request, _("That time zone is not known."))
    return response
