from django.urls import path

from impact import export_views

# Included under /<lang>/impact/ in the `impact` namespace (impact/urls.py).
urlpatterns = [
    path(
        "export/rows/<str:what>.<str:fmt>",
        export_views.export_rows,
        name="export-rows",
    ),
    path("export/<str:by>.<str:fmt>", export_views.export_aggregate, name="export-aggregate"),
]
