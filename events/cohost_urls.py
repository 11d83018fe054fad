from django.urls import path

from events import cohost_views

urlpatterns = [
    path("propose/", cohost_views.propose, name="propose"),
    path("sessions/<int:pk>/suggest/", cohost_views.suggest, name="suggest"),
]
