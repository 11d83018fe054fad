"""When the database cannot be reached, pages answer 503 with Retry-After, never a traceback.

Django answers every uncaught exception with a 500. A database that is restarting, failing over
or refusing connections is not a fault of the page: the visitor should come back in a moment,
and a load balancer or crawler should treat it as passing. This handler (`handler500` in the
root URLs) tells those errors apart. The request's transaction was rolled back when the error
left it, so nothing half-written stays behind.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views import defaults

RETRY_AFTER_SECONDS = 30


def is_database_unavailable(error: BaseException | None) -> bool:
    """OperationalError covers a refused or dropped connection and a server shutting down;
    InterfaceError a connection that was already closed under us."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, OperationalError | InterfaceError):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def service_unavailable():
    """The 503 page, rendered without the request: context processors would query the
    database (the signed-in user) that is not answering."""
    response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    """Django's 500 handler, except for an unreachable database (503)."""
    if is_database_unavailable(sys.exc_info()[1]):
        return service_unavailable()
    return defaults.server_error(request, template_name)
