"""A certificate as a PDF: A4 landscape, in the certificate's language, with its verification
code, the address of its public page and a QR code of that address.

fpdf2 and segno are pure Python; the font (DejaVu Sans, cut down to the letters of Latin,
Greek and Cyrillic scripts, fonts/LICENSE) is in the repository, because fpdf2's core fonts
are Latin-1 only (no œ, no curly apostrophe) and a fresh machine has no system font to borrow.
"""

import io
import logging
from pathlib import Path

import segno
from babel.lists import format_list
from babel.numbers import format_decimal
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from fpdf import FPDF

from outreach.links import absolute_url
from outreach.timezones import format_day
from registrations.models import Certificate, CertificateKind

# fpdf2 cuts the font down with fontTools, which tells every step at INFO: not for our logs.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "DejaVuSans"
PROGRAMME = "Outreach"
# The page: A4 landscape, in millimetres.
WIDTH, HEIGHT = 297, 210
MARGIN = 18
INK = (33, 37, 41)
ACCENT = (13, 80, 140)
MUTED = (90, 96, 104)


def verification_url(certificate: Certificate) -> str:
    """The public page of the certificate, in its language: /<lang>/certificates/<code>/."""
    with translation.override(certificate.language):
        return absolute_url(reverse("certificates:verify", args=[certificate.code]))


def hours_text(minutes: int, language: str) -> str:
    """ "1.5 hours" in the language: hours with at most one decimal."""
    hours = round(minutes / 60, 1)
    count = int(hours) if hours == int(hours) else 2
    return ngettext("%(hours)s hour", "%(hours)s hours", count) % {
        "hours": format_decimal(hours, format="#,##0.#", locale=language)
    }


def dates_text(certificate: Certificate) -> str:
    language = certificate.language
    if certificate.starts_on == certificate.ends_on:
        return _("on %(date)s") % {"date": format_day(certificate.starts_on, "long", language)}
    return _("from %(start)s to %(end)s") % {
        "start": format_day(certificate.starts_on, "long", language),
        "end": format_day(certificate.ends_on, "long", language),
    }


def cohosts_text(certificate: Certificate) -> str:
    if not certificate.cohost_names:
        return ""
    return _("In partnership with %(cohosts)s") % {
        "cohosts": format_list(list(certificate.cohost_names), locale=certificate.language)
    }


def _qr_png(url: str) -> io.BytesIO:
    image = io.BytesIO()
    segno.make(url, error="m").save(image, kind="png", scale=8, border=2)
    image.seek(0)
    return image


def build_pdf(certificate: Certificate) -> bytes:
    """The certificate's PDF, every word in its language."""
    with translation.override(certificate.language):
        return _build(certificate)


# The foot holds the QR code and the code; what the certificate says stays above it.
QR_SIZE = 34
FOOT = HEIGHT - MARGIN - QR_SIZE
# A long title or name is set smaller until it fits above the foot.
SCALES = (1.0, 0.85, 0.7, 0.55)


def _build(certificate: Certificate) -> bytes:
    for scale in SCALES:
        pdf, bottom = _page(certificate, scale)
        if bottom <= FOOT - 3 or scale == SCALES[-1]:
            break
        _discard(pdf)
    _foot(pdf, certificate)
    return bytes(pdf.output())


def _discard(pdf: FPDF) -> None:
    """Close the font files of a page set too large (output() closes those of the one kept)."""
    for font in pdf.fonts.values():
        if getattr(font, "ttfont", None) is not None:
            font.ttfont.close()


def _page(certificate: Certificate, scale: float) -> tuple[FPDF, float]:
    """A page with its frame and what the certificate says, set at `scale`; and where it ends."""
    language = certificate.language
    attendance = certificate.kind == CertificateKind.ATTENDANCE
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_lang(language)
    pdf.set_title(str(certificate.get_kind_display()))
    pdf.set_author(PROGRAMME)
    pdf.set_creator(PROGRAMME)
    pdf.set_creation_date(certificate.issued_at)
    pdf.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_page()

    # A double frame.
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, WIDTH - 16, HEIGHT - 16)
    pdf.set_line_width(0.3)
    pdf.rect(11, 11, WIDTH - 22, HEIGHT - 22)

    def line(text: str, *, size: float, bold: bool = False, color=INK):
        size *= scale
        pdf.set_font(FAMILY, "B" if bold else "", size)
        pdf.set_text_color(*color)
        pdf.multi_cell(0, size * 0.5, text, align="C", new_x="LMARGIN", new_y="NEXT")

    def gap(millimetres: float):
        pdf.ln(millimetres * scale)

    pdf.set_y(22)
    line(PROGRAMME, size=14, bold=True, color=ACCENT)
    line(_("Webinars for small firms that trade"), size=10, color=MUTED)
    gap(8)
    line(str(certificate.get_kind_display()), size=28, bold=True, color=ACCENT)
    gap(6)
    line(_("This certifies that"), size=12, color=MUTED)
    gap(2)
    line(certificate.name or "—", size=24, bold=True)
    if certificate.organisation_name:
        line(certificate.organisation_name, size=13, color=MUTED)
    gap(4)
    line(
        _("attended the session") if attendance else _("completed the course"),
        size=12,
        color=MUTED,
    )
    gap(1)
    line(certificate.title, size=17, bold=True)
    gap(2)
    line(f"{dates_text(certificate)} · {hours_text(certificate.minutes, language)}", size=12)
    cohosts = cohosts_text(certificate)
    if cohosts:
        gap(1)
        line(cohosts, size=11, color=MUTED)
    return pdf, pdf.get_y()


def _foot(pdf: FPDF, certificate: Certificate) -> None:
    """How to check it: the date of issue, the code, the address and its QR code."""
    url = verification_url(certificate)
    pdf.image(_qr_png(url), x=WIDTH - MARGIN - QR_SIZE, y=FOOT, w=QR_SIZE, h=QR_SIZE)
    text_width = WIDTH - 2 * MARGIN - QR_SIZE - 6
    pdf.set_xy(MARGIN, FOOT + 2)
    pdf.set_text_color(*INK)
    pdf.set_font(FAMILY, "", 10)
    issued_on = format_day(timezone.localdate(certificate.issued_at), "long", certificate.language)
    pdf.multi_cell(
        text_width, 5, _("Issued on %(date)s") % {"date": issued_on}, new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font(FAMILY, "B", 12)
    pdf.multi_cell(
        text_width,
        7,
        _("Verification code: %(code)s") % {"code": certificate.code},
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font(FAMILY, "", 10)
    pdf.multi_cell(
        text_width,
        5,
        _("Check this certificate at %(url)s or with the QR code.") % {"url": url},
        new_x="LMARGIN",
        new_y="NEXT",
    )
