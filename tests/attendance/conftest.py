import threading
from http.server import ThreadingHTTPServer

import pytest

from tests.attendance.fake_zoom import FakeZoom, FakeZoomState


@pytest.fixture
def fake_zoom(settings):
    """A fake Zoom on loopback, with the settings pointing at it; yields what it knows and was
    asked (tests.attendance.fake_zoom.FakeZoomState)."""
    state = FakeZoomState()
    handler = type("FakeZoomForTest", (FakeZoom,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    settings.ZOOM_ACCOUNT_ID = "account"
    settings.ZOOM_CLIENT_ID = "client"
    settings.ZOOM_CLIENT_SECRET = "secret"
    settings.ZOOM_OAUTH_URL = f"{base}/oauth/token"
    settings.ZOOM_API_URL = f"{base}/v2"
    yield state
    server.shutdown()
    server.server_close()
