from django.urls import path

from impact import export_views, views

app_name = "impact"

# Included under /<lang>/impact/ by outreach/urls.py: the dashboard's pages and the exports.
# The co-host workspace's pages are in impact/cohost_urls.py, mounted with events' under "cohost".
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("economies/<str:code>/", views.economy, name="economy"),
    path("sessions/<int:pk>/", views.session, name="session"),
    path("reach/", views.reach, name="reach"),
    path("export/rows/<str:what>.<str:fmt>", export_views.export_rows, name="export-rows"),
    path("export/<str:by>.<str:fmt>", export_views.export_aggregate, name="export-aggregate"),
]
