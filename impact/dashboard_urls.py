from django.urls import path

from impact import views

# Included under /<lang>/impact/ in the `impact` namespace (impact/urls.py).
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("economies/<str:code>/", views.economy, name="economy"),
    path("sessions/<int:pk>/", views.session, name="session"),
    path("reach/", views.reach, name="reach"),
]
