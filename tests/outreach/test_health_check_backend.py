"""The PostgreSQL backend's health check (outreach/postgres): no round trip for a connection the
server has said nothing on; a connection the server ended is found unusable."""

import time

import pytest
from django.db import connection, connections
from django.db.backends.postgresql import base

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend"),
]


def test_production_settings_use_the_backend():
    from outreach.config import database_from_url

    config = database_from_url("postgres://u@127.0.0.1:5432/outreach", conn_max_age=60)

    assert config["ENGINE"] == "outreach.postgres"
    assert connection.vendor == "postgresql"


@pytest.fixture
def asked(monkeypatch):
    """The times Django's own check (a `SELECT 1` round trip) ran."""
    calls = []
    original = base.DatabaseWrapper.is_usable

    def is_usable(self):
        calls.append(self.alias)
        return original(self)

    monkeypatch.setattr(base.DatabaseWrapper, "is_usable", is_usable)
    return calls


def test_an_open_connection_is_usable_without_asking_the_server(asked):
    connection.ensure_connection()

    assert connection.is_usable() is True
    assert asked == []


def test_a_connection_the_server_ended_is_not_usable(asked):
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()

    try:
        deadline = time.monotonic() + 5
        while connection.is_usable() and time.monotonic() < deadline:
            time.sleep(0.01)  # the server's goodbye arrives in a moment
        assert connection.is_usable() is False
        assert asked  # the server had said something: it was asked
    finally:
        connection.close()
