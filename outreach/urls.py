from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from events import cohost_urls as events_cohost_urls
from impact import cohost_urls as impact_cohost_urls
from outreach import accounts, bench_views, health, views

# The co-host workspace gathers views of two layers under one namespace: its pages show figures
# protected by the small-number rule, so they live in impact/, the top layer.
cohost_patterns = impact_cohost_urls.urlpatterns + events_cohost_urls.urlpatterns

outreach_patterns = [
    path("profile/", views.profile, name="profile"),
    path("manage/cohosts/", views.cohost_members, name="cohost-members"),
    path("manage/audit/", views.audit_log, name="audit-log"),
    path("time-zone/", views.set_time_zone, name="set-time-zone"),
]

# Staff sign in by emailed code like everyone: the admin's own password form is never shown,
# and its pages to change a password answer 404.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.password_change = admin.site.password_change_done = accounts.no_password_page

urlpatterns = [
    path("admin/", admin.site.urls),
    path("health/", health.health, name="health"),
    path("feeds/", include("events.feed_urls")),
    path("feeds/people/", include("registrations.feed_urls")),
    # The API answers in the language of Accept-Language (LocaleMiddleware), not a prefix.
    path("api/v1/", include("api.urls")),
    *i18n_patterns(
        path("", include("events.urls")),
        path("", include("registrations.urls")),
        path("", include("registrations.certificates.urls")),
        path("", include((outreach_patterns, "outreach"))),
        path("cohost/", include((cohost_patterns, "cohost"))),
        path("impact/", include("impact.urls")),
        path("webhooks/", include("api.webhooks.urls")),
        path("accounts/", include("outreach.account_urls")),
        path("account/tokens/", include("api.token_urls")),
    ),
]

# `make bench` measures pages against a bare view through the same middleware (bench/catalogue.py):
# its URL exists only when the bench's gunicorn sets OUTREACH_BENCH_BARE_VIEW.
if settings.OUTREACH_BENCH_BARE_VIEW:
    urlpatterns += i18n_patterns(path("", include(bench_views)))

# An unreachable database answers 503 with Retry-After; any other error Django's own 500.
handler500 = "outreach.unavailable.server_error"
