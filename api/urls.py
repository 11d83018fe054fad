"""/api/v1/: mounted outside the language prefix (the language comes from Accept-Language)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api.views import cohost, public

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
    path("sessions/", public.SessionList.as_view(), name="sessions"),
    path("sessions/<str:key>/", public.SessionDetail.as_view(), name="session"),
    path("series/", public.SeriesList.as_view(), name="series"),
    path("cohost/sessions/", cohost.SessionList.as_view(), name="cohost-sessions"),
    path("cohost/sessions/<str:key>/", cohost.SessionDetail.as_view(), name="cohost-session"),
    path(
        "cohost/sessions/<str:key>/registrants/",
        cohost.RegistrantList.as_view(),
        name="cohost-registrants",
    ),
    path(
        "cohost/sessions/<str:key>/figures/", cohost.SessionFigures.as_view(), name="cohost-figures"
    ),
    path("cohost/proposals/", cohost.Proposals.as_view(), name="cohost-proposals"),
    path("staff/", include("api.staff_urls")),
]
