"""Certificates, mounted under the language prefix by outreach/urls.py."""

from django.urls import path

from registrations.certificates import views

app_name = "certificates"

urlpatterns = [
    path("certificates/", views.find, name="find"),
    path("certificates/<str:certificate>/", views.verify, name="verify"),
    path("certificates/<str:certificate>/download/", views.download, name="download"),
    path("certificate-links/<str:token>/", views.download_by_link, name="download-link"),
    path(
        "manage/sessions/<int:pk>/certificates/",
        views.session_certificates,
        name="session-certificates",
    ),
    path("manage/certificates/<str:certificate>/revoke/", views.revoke, name="revoke"),
]
