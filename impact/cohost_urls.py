from django.urls import path

from impact import cohost_views

urlpatterns = [
    path("", cohost_views.home, name="home"),
    path("sessions/<int:pk>/", cohost_views.session, name="session"),
    path("sessions/<int:pk>/registrants.csv", cohost_views.registrants_csv, name="registrants-csv"),
]
