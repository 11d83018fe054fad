from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from outreach import views

outreach_patterns = [
    path("", views.home, name="home"),
    path("profile/", views.profile, name="profile"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    *i18n_patterns(
        path("", include((outreach_patterns, "outreach"))),
        path("accounts/", include("allauth.urls")),
    ),
]
