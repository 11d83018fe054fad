"""Certificates: the public verification page and its form, the download (the person's own,
or through the signed link of the follow-up message), and the organisers' list with revoke."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from events.models import Session
from events.permissions import can_manage_sessions
from outreach.permissions import is_signed_in, require
from outreach.timezones import format_day
from registrations.certificates import pdf, queries, services
from registrations.certificates.forms import CodeForm
from registrations.models import Certificate, CertificateKind, RevokedBecause


def _not_found(request, typed: str = ""):
    return render(
        request,
        "registrations/certificates/not_found.html",
        {"form": CodeForm(initial={"code": typed}), "typed": typed},
        status=404,
    )


@require_GET
def find(request):
    """The form that takes a code to its verification page."""
    form = CodeForm(request.GET if "code" in request.GET else None)
    if form.is_valid():
        return redirect("certificates:verify", form.cleaned_data["code"])
    return render(request, "registrations/certificates/find.html", {"form": form})


def _shown(certificate: Certificate) -> dict:
    """What the page says of a certificate, its dates in the page's language."""
    language = (translation.get_language() or "en")[:2]
    same_day = certificate.starts_on == certificate.ends_on
    return {
        "starts_on": format_day(certificate.starts_on, "long", language),
        "ends_on": "" if same_day else format_day(certificate.ends_on, "long", language),
        "hours": pdf.hours_text(certificate.minutes, language),
        "issued_on": format_day(timezone.localdate(certificate.issued_at), "long", language),
        "erased": certificate.revoked_because == RevokedBecause.ERASURE,
        "attendance": certificate.kind == CertificateKind.ATTENDANCE,
    }


@require_GET
def verify(request, certificate):
    """Anyone with the code sees what the certificate says and whether it is valid; once
    revoked, why (and, after an erasure, no longer whose it was)."""
    code = services.normalise_code(certificate)
    if code is None:
        return _not_found(request, certificate)
    if code != certificate:
        return redirect("certificates:verify", code, permanent=True)
    found = queries.certificate_by_code(code)
    if found is None:
        return _not_found(request, code)
    return render(
        request,
        "registrations/certificates/verify.html",
        {"certificate": found, "shown": _shown(found)},
    )


def _pdf_response(certificate: Certificate) -> HttpResponse:
    response = HttpResponse(pdf.build_pdf(certificate), content_type="application/pdf")
    filename = f"certificate-{certificate.code}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@require(is_signed_in)
@require_GET
def download(request, certificate):
    """The person's own valid certificate as a PDF; anyone else's is not found."""
    found = queries.own_certificate(request.user, certificate)
    if found is None:
        raise Http404
    return _pdf_response(found)


@require_GET
def download_by_link(request, token):
    """The follow-up message's link: the signed token is the secret, no sign-in needed."""
    found = services.certificate_for_token(token)
    if found is None:
        return render(request, "registrations/bad_link.html", status=404)
    return _pdf_response(found)


@require(can_manage_sessions)
@require_GET
def session_certificates(request, pk):
    """The certificates of attendance issued for a session, each with its "Revoke" button."""
    session = get_object_or_404(Session, pk=pk)
    return render(
        request,
        "registrations/certificates/session_list.html",
        {"session": session, "certificates": queries.session_certificates(session)},
    )


@require(can_manage_sessions)
@require_POST
def revoke(request, certificate):
    found = get_object_or_404(Certificate.objects.select_related("registration"), code=certificate)
    services.revoke(found, by=request.user)
    messages.success(request, _("The certificate %(code)s is revoked.") % {"code": found.code})
    if found.registration is not None:
        return redirect(
            reverse("certificates:session-certificates", args=[found.registration.session_id])
        )
    return redirect("certificates:verify", found.code)
