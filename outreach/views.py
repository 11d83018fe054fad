from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from outreach import queries
from outreach.forms import ProfileForm


def home(request):
    return render(request, "outreach/home.html", {"reach": queries.programme_reach()})


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
