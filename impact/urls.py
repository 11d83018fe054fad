from impact import dashboard_urls, export_urls

app_name = "impact"

# The dashboard's pages and the exports, in one namespace.
urlpatterns = dashboard_urls.urlpatterns + export_urls.urlpatterns
