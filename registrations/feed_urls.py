from django.urls import path

from registrations import views

app_name = "personal-feeds"

urlpatterns = [
    path("<str:token>.ics", views.personal_feed, name="person"),
]
