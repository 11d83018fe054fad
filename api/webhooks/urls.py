from django.urls import path

from api.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.subscription_list, name="list"),
    path("new/", views.subscription_create, name="create"),
    path("<int:pk>/", views.subscription_detail, name="detail"),
    path("<int:pk>/pause/", views.subscription_toggle, name="toggle"),
    path("<int:pk>/delete/", views.subscription_delete, name="delete"),
    path("deliveries/<int:pk>/replay/", views.delivery_replay, name="replay"),
]
