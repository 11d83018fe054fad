"""/api/v1/: mounted outside the language prefix (the language comes from Accept-Language)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api.views import public

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("sessions/", public.SessionList.as_view(), name="sessions"),
    path("sessions/<str:key>/", public.SessionDetail.as_view(), name="session"),
    path("series/", public.SeriesList.as_view(), name="series"),
    path("staff/", include("api.staff_urls")),
]
