"""The duplicates screens' addresses, mounted in registrations/urls.py."""

from django.urls import path

from registrations.organisations import views

urlpatterns = [
    path("manage/organisations/duplicates/", views.duplicates, name="duplicates"),
    path("manage/organisations/duplicates/merge/", views.merge, name="duplicates-merge"),
]
