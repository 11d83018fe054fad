"""A course's addresses; mounted in registrations/urls.py, so their names are
registrations:course-…"""

from django.urls import path

from registrations.courses import views

urlpatterns = [
    path("courses/<slug:slug>/enrol/", views.enrol, name="course-enrol"),
    path("courses/<slug:slug>/enrolled/", views.enrolled, name="course-enrolled"),
    path("courses/leave/<str:token>/", views.leave, name="course-leave"),
    path("manage/series/<slug:slug>/course/", views.course, name="course-manage"),
]
