from django.urls import path

from registrations import organiser_views, views
from registrations.bulk import views as bulk_views
from registrations.courses import urls as courses_urls
from registrations.embed import views as embed_views
from registrations.messages import opt_out_views
from registrations.organisations import urls as organisations_urls
from registrations.questions import urls as questions_urls
from registrations.zoom import views as zoom_views

app_name = "registrations"

urlpatterns = [
    path("sessions/<int:pk>/register/", views.register, name="register"),
    path("sessions/<int:pk>/registered/", views.thanks, name="thanks"),
    path("registrations/<str:token>/cancel/", views.cancel, name="cancel"),
    path(
        "registrations/confirm/<str:token>/",
        views.confirm_registration,
        name="confirm-registration",
    ),
    path("my-sessions/", views.my_sessions, name="my-sessions"),
    path("privacy/", views.privacy_notice, name="privacy"),
    path("my-data.json", views.my_data, name="my-data"),
    path("erase-me/", views.erase_me, name="erase-me"),
    path("surveys/<str:token>/", views.survey, name="survey"),
    path("messages/stop/<str:token>/", opt_out_views.opt_out, name="opt-out"),
    path(
        "messages/stop/<str:token>/one-click/",
        opt_out_views.opt_out_one_click,
        name="opt-out-one-click",
    ),
    path(
        "manage/sessions/<int:pk>/attendance/",
        organiser_views.attendance,
        name="attendance",
    ),
    path(
        "manage/sessions/<int:pk>/attendance/preview/",
        organiser_views.attendance_preview,
        name="attendance-preview",
    ),
    path(
        "manage/sessions/<int:pk>/attendance/import/",
        organiser_views.attendance_import,
        name="attendance-import",
    ),
    path(
        "manage/sessions/<int:pk>/attendance/zoom/",
        organiser_views.attendance_zoom,
        name="attendance-zoom",
    ),
    path(
        "manage/sessions/<int:pk>/attendance/<int:record_pk>/link/",
        organiser_views.attendance_link,
        name="attendance-link",
    ),
    path("manage/sessions/<int:pk>/zoom/retry/", zoom_views.retry, name="zoom-retry"),
    path("manage/sessions/<int:pk>/check-in/", organiser_views.check_in, name="check-in"),
    path(
        "manage/sessions/<int:pk>/registrations/",
        organiser_views.registration_list,
        name="manage",
    ),
    path(
        "manage/sessions/<int:pk>/registrations.csv",
        organiser_views.registration_csv,
        name="manage-csv",
    ),
    path(
        "manage/sessions/<int:pk>/registrations/<int:registration_pk>/",
        organiser_views.registration_action,
        name="manage-action",
    ),
    path(
        "manage/sessions/<int:pk>/messages/<int:message_pk>/retry/",
        organiser_views.retry_message,
        name="retry-message",
    ),
    path("manage/sessions/<int:pk>/write/", bulk_views.write_to_session, name="bulk-session"),
    # Registration framed on a co-host's own site, and the sites that may frame it.
    path("embed/sessions/<int:pk>/<str:via>/", embed_views.register, name="embed-register"),
    path("workspace/embed-sites/", embed_views.sites, name="embed-sites"),
    path("manage/series/<slug:slug>/write/", bulk_views.write_to_series, name="bulk-series"),
    path(
        "manage/sessions/<int:pk>/fill-from-waitlist/",
        organiser_views.fill_from_waitlist,
        name="fill-from-waitlist",
    ),
    path(
        "manage/sessions/<int:pk>/move-to-sibling/",
        organiser_views.move_to_sibling,
        name="move-to-sibling",
    ),
    # The question builder's screens (registrations/questions/urls.py).
    *questions_urls.urlpatterns,
    # A course's enrolment pages (registrations/courses/urls.py).
    *courses_urls.urlpatterns,
    # Duplicate organisations (registrations/organisations/urls.py).
    *organisations_urls.urlpatterns,
]
