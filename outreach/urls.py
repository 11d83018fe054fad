from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from outreach import views

outreach_patterns = [
    path("profile/", views.profile, name="profile"),
    path("time-zone/", views.set_time_zone, name="set-time-zone"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("feeds/", include("events.feed_urls")),
    path("feeds/people/", include("registrations.feed_urls")),
    *i18n_patterns(
        path("", include("events.urls")),
        path("", include("registrations.urls")),
        path("", include((outreach_patterns, "outreach"))),
        path("accounts/", include("allauth.urls")),
    ),
]
