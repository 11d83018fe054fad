"""The personal API tokens page, mounted under the language prefix at /<lang>/account/tokens/."""

from django.urls import path

from api.views import tokens

app_name = "api-tokens"

urlpatterns = [
    path("", tokens.token_list, name="list"),
    path("<int:pk>/revoke/", tokens.revoke, name="revoke"),
]
