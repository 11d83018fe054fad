"""The shared cache reuses one Redis client per connection pool (outreach/cache.py)."""

import pytest
import redis

from outreach.cache import SharedCache

LOCATION = "redis://127.0.0.1:6379/12"


@pytest.fixture
def shared():
    cache = SharedCache(LOCATION, {})
    try:
        cache.clear()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    yield cache
    cache.clear()


def test_every_call_uses_the_same_client(shared):
    first = shared._cache.get_client(write=True)

    shared.set("a", 1)
    shared.incr("a")

    assert shared._cache.get_client(write=True) is first
    assert shared._cache.get_client(write=False) is first  # one server: reads go there too
    assert shared.get("a") == 2


def test_it_keeps_djangos_behaviour(shared):
    assert shared.add("k", "v", timeout=60) is True
    assert shared.add("k", "other", timeout=60) is False
    shared.set_many({"x": [1, "é"], "y": None}, timeout=60)

    assert shared.get_many(["k", "x", "y", "missing"]) == {"k": "v", "x": [1, "é"], "y": None}
    shared.delete("k")
    assert shared.get("k", "gone") == "gone"
