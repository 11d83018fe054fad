"""The staff endpoints' addresses (api.views.staff), under /api/v1/staff/ (api/urls.py)."""

from django.urls import path

from api.views import staff

urlpatterns = [
    path("sessions/", staff.SessionList.as_view(), name="staff-sessions"),
    path("sessions/<int:pk>/", staff.SessionDetail.as_view(), name="staff-session"),
    path(
        "sessions/<int:pk>/publish/", staff.SessionPublish.as_view(), name="staff-session-publish"
    ),
    path("sessions/<int:pk>/cancel/", staff.SessionCancel.as_view(), name="staff-session-cancel"),
    path(
        "sessions/<int:pk>/registrations/",
        staff.SessionRegistrations.as_view(),
        name="staff-session-registrations",
    ),
    path(
        "sessions/<int:pk>/attendance/preview/",
        staff.AttendancePreview.as_view(),
        name="staff-attendance-preview",
    ),
    path(
        "sessions/<int:pk>/attendance/",
        staff.AttendanceImport.as_view(),
        name="staff-attendance-import",
    ),
    path("impact/figures/", staff.ImpactFigures.as_view(), name="staff-impact-figures"),
    path(
        "impact/breakdowns/<slug:dimension>/",
        staff.ImpactBreakdown.as_view(),
        name="staff-impact-breakdown",
    ),
]
