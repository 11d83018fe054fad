# The fake Zoom's fixture, for every test here (tests elsewhere import it from fake_zoom).
from tests.attendance.fake_zoom import fake_zoom  # noqa: F401
