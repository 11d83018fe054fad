"""The bare view `make bench` measures the catalogue against (bench/catalogue.py).

A tiny answer through the whole middleware stack (sessions, locale, CSRF, authentication,
messages, CSP, the visitor's time zone): what any page costs before its own view, query and
template. Its URL exists only when OUTREACH_BENCH_BARE_VIEW is true, which bench/common.py sets
for the gunicorn it starts; production and the tests never have it.
"""

from django.http import HttpResponse
from django.urls import path


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare, name="bench-bare")]
