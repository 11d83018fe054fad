from django.urls import path

from events import organiser_views, views

app_name = "events"

urlpatterns = [
    path("", views.home, name="home"),
    path("sessions/", views.catalogue, name="catalogue"),
    path("sessions/<int:pk>/", views.session_detail, name="session-detail"),
    path("sessions/<int:pk>/calendar.ics", views.session_ics, name="session-ics"),
    path("manage/sessions/", organiser_views.session_list, name="manage-sessions"),
    path("manage/sessions/new/", organiser_views.session_create, name="session-create"),
    path("manage/sessions/plan-quarter/", organiser_views.plan_quarter, name="plan-quarter"),
    path("manage/sessions/<int:pk>/edit/", organiser_views.session_edit, name="session-edit"),
    path(
        "manage/sessions/<int:pk>/duplicate/",
        organiser_views.session_duplicate,
        name="session-duplicate",
    ),
    path(
        "manage/sessions/<int:pk>/publish/", organiser_views.session_publish, name="session-publish"
    ),
    path(
        "manage/sessions/<int:pk>/reschedule/",
        organiser_views.session_reschedule,
        name="session-reschedule",
    ),
    path("manage/sessions/<int:pk>/cancel/", organiser_views.session_cancel, name="session-cancel"),
    path("manage/proposals/", organiser_views.proposals, name="proposals"),
    path(
        "manage/proposals/<int:pk>/decline/",
        organiser_views.proposal_decline,
        name="proposal-decline",
    ),
    path("manage/series/", organiser_views.series_list, name="series-list"),
    path("manage/series/<slug:slug>/edit/", organiser_views.series_edit, name="series-edit"),
    path(
        "manage/suggestions/<int:pk>/",
        organiser_views.suggestion_review,
        name="suggestion-review",
    ),
]
