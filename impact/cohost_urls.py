from django.urls import path

from impact import cohost_views

urlpatterns = [
    path("", cohost_views.home, name="home"),
    path("sessions/<int:pk>/", cohost_views.session, name="session"),
    path("sessions/<int:pk>/registrants.csv", cohost_views.registrants_csv, name="registrants-csv"),
    # A co-host's invitation link as a QR code: an SVG to print, a PNG to download.
    path(
        "sessions/<int:pk>/invitation/<int:organisation>/qr.svg",
        cohost_views.invitation_qr,
        {"fmt": "svg"},
        name="invitation-qr",
    ),
    path(
        "sessions/<int:pk>/invitation/<int:organisation>/qr.png",
        cohost_views.invitation_qr,
        {"fmt": "png"},
        name="invitation-qr-png",
    ),
]
