"""Calendar feeds: outside the language prefix, so that a subscription address never changes."""

from django.urls import path

from events import views

app_name = "feeds"

urlpatterns = [
    path("sessions.ics", views.feed_all, name="all"),
    path("sessions/<str:language>.ics", views.feed_language, name="language"),
    path("series/<slug:slug>.ics", views.feed_series, name="series"),
]
