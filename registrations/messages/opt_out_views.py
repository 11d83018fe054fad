"""The "Stop these messages" link of every non-essential email (registrations.messages.opt_out)."""

from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from registrations.messages import opt_out as services


def _bad_link(request):
    return render(request, "registrations/bad_link.html", status=404)


@require_http_methods(["GET", "POST"])
def opt_out(request, token):
    """The page asks (mail scanners open links: a GET changes nothing); its button stops the
    person's non-essential messages, and the next page's button starts them again."""
    person = services.person_for_token(token)
    if person is None:
        return _bad_link(request)
    changed = ""
    if request.method == "POST":
        if request.POST.get("action") == "resume":
            person = services.opt_in(person)
            changed = "resumed"
        else:
            person = services.opt_out(person)
            changed = "stopped"
    return render(
        request,
        "registrations/opt_out.html",
        {"person": person, "opted_out": person.opted_out_at is not None, "changed": changed},
    )


# RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" without cookies, so without a
# CSRF token; the signed token in the address is the proof, as for the page above.
@csrf_exempt
@require_POST
def opt_out_one_click(request, token):
    person = services.person_for_token(token)
    if person is None:
        return _bad_link(request)
    person = services.opt_out(person)
    return render(
        request,
        "registrations/opt_out.html",
        {"person": person, "opted_out": True, "changed": "stopped"},
    )
