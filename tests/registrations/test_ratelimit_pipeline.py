"""The registration limits on Redis (registrations/ratelimit.py): both keys in one round trip,
with the same answers as the add-and-incr path every other cache takes.

These run against a real Redis on 127.0.0.1:6379, database 11 (claimed as tests/operations
claims its databases, and emptied before and after); they skip where Redis is not running, and
fail in CI, which starts it.
"""

import os
import time

import pytest
import redis
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache
from django.test import RequestFactory, override_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from registrations import ratelimit
from tests.operations.processes import REDIS_CLAIM_KEY, REDIS_HOST, REDIS_PORT, missing

REDIS_DB = 11
REDIS_LOCATION = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


class CountingConnection(redis.Connection):
    """A Redis connection that counts what it sends: one send per command, or one for a whole
    pipeline, each followed by reading the replies — a round trip."""

    sends = 0

    def send_packed_command(self, command, check_health=True):
        type(self).sends += 1
        return super().send_packed_command(command, check_health)


def redis_caches(**extra) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_LOCATION,
            "OPTIONS": {"connection_class": CountingConnection},
            **extra,
        }
    }


@pytest.fixture(scope="module")
def redis_db():
    """Database 11, claimed for this test run and emptied; released (emptied) at the end."""
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB, socket_timeout=2)
    try:
        claimed = client.set(REDIS_CLAIM_KEY, os.getpid(), nx=True, ex=600)
    except redis.exceptions.ConnectionError:
        missing(f"Redis is not reachable at {REDIS_HOST}:{REDIS_PORT}: start redis-server")
    if not claimed:
        pytest.skip(f"Redis database {REDIS_DB} is taken by another test run")
    yield client
    client.flushdb()
    client.close()


def empty(client) -> None:
    for key in client.scan_iter():
        if key != REDIS_CLAIM_KEY.encode():
            client.delete(key)


@pytest.fixture
def on_redis(redis_db):
    """The default cache on Redis database 11, empty."""
    empty(redis_db)
    with override_settings(CACHES=redis_caches()):
        assert isinstance(caches[DEFAULT_CACHE_ALIAS], RedisCache)
        yield redis_db
    empty(redis_db)


def request_from(address: str):
    return RequestFactory().post("/", REMOTE_ADDR=address)


def round_trips(work) -> int:
    before = CountingConnection.sends
    work()
    return CountingConnection.sends - before


def test_both_limits_are_counted_in_one_round_trip(on_redis, settings):
    settings.OUTREACH_REGISTER_LIMIT_PER_EMAIL = "10/h"
    settings.OUTREACH_REGISTER_LIMIT_PER_NETWORK = "60/10m"
    cache.get("warm-up")  # the connection's own handshake is not a registration's
    request = request_from("203.0.113.9")

    trips = [
        round_trips(lambda: ratelimit.may_register(request, "ana@example.cl")) for _ in range(3)
    ]

    assert trips == [1, 1, 1]
    # Both counters were counted, each with its own window.
    assert cache.get("ratelimit:register:email:ana@example.cl") == 3
    assert cache.get("ratelimit:register:net:203.0.113.0/24") == 3
    email_ttl = on_redis.ttl(cache.make_key("ratelimit:register:email:ana@example.cl"))
    network_ttl = on_redis.ttl(cache.make_key("ratelimit:register:net:203.0.113.0/24"))
    assert 3590 < email_ttl <= 3600
    assert 590 < network_ttl <= 600


def test_a_single_limit_is_one_round_trip_too(on_redis):
    cache.get("warm-up")

    trips = round_trips(lambda: ratelimit.allow("sign-in:someone", "2/h"))

    assert trips == 1
    assert cache.get("ratelimit:sign-in:someone") == 1


@pytest.mark.parametrize(("limit", "rate"), [(1, "1/h"), (3, "3/10m"), (10, "10/h")])
def test_the_limit_is_allowed_and_one_more_is_refused(on_redis, settings, limit, rate):
    settings.OUTREACH_REGISTER_LIMIT_PER_EMAIL = rate
    settings.OUTREACH_REGISTER_LIMIT_PER_NETWORK = "1000/h"

    answers = [
        ratelimit.may_register(request_from("203.0.113.9"), "ana@example.cl")
        for _ in range(limit + 2)
    ]

    assert answers == [True] * limit + [False, False]


def test_the_network_limit_refuses_too_and_every_refusal_still_counts(on_redis, settings):
    settings.OUTREACH_REGISTER_LIMIT_PER_EMAIL = "1000/h"
    settings.OUTREACH_REGISTER_LIMIT_PER_NETWORK = "2/10m"

    answers = [
        ratelimit.may_register(request_from(f"203.0.113.{n}"), f"p{n}@example.org")
        for n in range(4)
    ]

    assert answers == [True, True, False, False]
    assert cache.get("ratelimit:register:net:203.0.113.0/24") == 4
    assert cache.get("ratelimit:register:email:p3@example.org") == 1


def test_two_emails_and_two_networks_count_apart(on_redis, settings):
    settings.OUTREACH_REGISTER_LIMIT_PER_EMAIL = "1/h"
    settings.OUTREACH_REGISTER_LIMIT_PER_NETWORK = "1/h"
    here, there = request_from("203.0.113.9"), request_from("2001:db8:1::5")

    first = [
        ratelimit.may_register(here, "ana@example.cl"),
        ratelimit.may_register(there, "li@example.cn"),
    ]
    # Each network and each address has used its one; a new address on a used network, or a
    # used address on a new network, is refused all the same.
    second = [
        ratelimit.may_register(here, "new@example.org"),
        ratelimit.may_register(request_from("198.51.100.1"), "li@example.cn"),
    ]
    third = ratelimit.may_register(request_from("192.0.2.1"), "other@example.org")

    assert first == [True, True]
    assert second == [False, False]
    assert third is True


def test_an_address_counts_as_one_whatever_its_case(on_redis, settings):
    settings.OUTREACH_REGISTER_LIMIT_PER_EMAIL = "1/h"
    settings.OUTREACH_REGISTER_LIMIT_PER_NETWORK = "1000/h"

    answers = [
        ratelimit.may_register(request_from(f"198.51.{n}.1"), email)
        for n, email in enumerate(["Ana@Example.CL", "ana@example.cl"])
    ]

    assert answers == [True, False]


def test_the_window_starts_at_the_first_hit_and_is_not_pushed_back(on_redis, settings):
    settings.OUTREACH_REGISTER_LIMIT_PER_EMAIL = "2/1s"
    settings.OUTREACH_REGISTER_LIMIT_PER_NETWORK = "1000/h"
    request = request_from("203.0.113.9")
    start = time.monotonic()

    first = ratelimit.may_register(request, "ana@example.cl")
    ttl = on_redis.pttl(cache.make_key("ratelimit:register:email:ana@example.cl"))
    time.sleep(max(0, 0.5 - (time.monotonic() - start)))
    second = ratelimit.may_register(request, "ana@example.cl")
    third = ratelimit.may_register(request, "ana@example.cl")
    # Hits later in the window leave its end where the first hit put it.
    assert on_redis.pttl(cache.make_key("ratelimit:register:email:ana@example.cl")) <= ttl
    time.sleep(max(0, 1.15 - (time.monotonic() - start)))
    after = ratelimit.may_register(request, "ana@example.cl")

    assert 0 < ttl <= 1000
    assert [first, second, third, after] == [True, True, False, True]
    assert cache.get("ratelimit:register:email:ana@example.cl") == 1


def test_a_counter_that_lost_its_expiry_gets_one_again(on_redis):
    """EXPIRE … NX sets an expiry wherever there is none, so a counter never stays for good."""
    name = cache.make_key("ratelimit:sign-in:someone")
    on_redis.set(name, 5)

    assert ratelimit.allow("sign-in:someone", "10/h") is True
    assert 3590 < on_redis.ttl(name) <= 3600
    assert on_redis.get(name) == b"6"


def test_the_cache_key_prefix_and_version_are_the_caches_own(redis_db, settings):
    """The counters are named as Django's cache names its keys, so cache.get reads them and
    counters written by the add-and-incr path carry on."""
    empty(redis_db)
    settings.OUTREACH_REGISTER_LIMIT_PER_EMAIL = "3/h"
    settings.OUTREACH_REGISTER_LIMIT_PER_NETWORK = "1000/h"
    with override_settings(CACHES=redis_caches(KEY_PREFIX="outreach", VERSION=7)):
        store = caches[DEFAULT_CACHE_ALIAS]
        store.add("ratelimit:register:email:ana@example.cl", 0, timeout=3600)
        store.incr("ratelimit:register:email:ana@example.cl")  # the old path's first hit

        answers = [
            ratelimit.may_register(request_from("203.0.113.9"), "ana@example.cl") for _ in range(3)
        ]

        assert answers == [True, True, False]
        assert store.get("ratelimit:register:email:ana@example.cl") == 4
        assert redis_db.get("outreach:7:ratelimit:register:email:ana@example.cl") == b"4"
    empty(redis_db)


# The same sequence of registrations gets the same answers on Redis and in local memory.
VISITS = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 3)),  # (network, address)
    min_size=1,
    max_size=30,
)
NETWORKS = ["203.0.113.7", "198.51.100.20", "2001:db8:5::1"]
ADDRESSES = ["ana@example.cl", "LI@example.cn", "li@example.cn ", "kofi@example.gh"]


def answers_for(caches_setting: dict, clear, visits, email_rate: str, network_rate: str) -> list:
    with override_settings(
        CACHES=caches_setting,
        OUTREACH_REGISTER_LIMIT_PER_EMAIL=email_rate,
        OUTREACH_REGISTER_LIMIT_PER_NETWORK=network_rate,
    ):
        clear()
        try:
            return [
                ratelimit.may_register(request_from(NETWORKS[net]), ADDRESSES[address])
                for net, address in visits
            ]
        finally:
            clear()


@hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(visits=VISITS, email_limit=st.integers(1, 4), network_limit=st.integers(1, 6))
def test_redis_and_local_memory_answer_alike(redis_db, visits, email_limit, network_limit):
    rates = (f"{email_limit}/h", f"{network_limit}/10m")

    in_memory = answers_for(LOCMEM, cache.clear, visits, *rates)
    on_redis = answers_for(redis_caches(), lambda: empty(redis_db), visits, *rates)

    assert on_redis == in_memory
    # And both keep the rule itself: a visit is refused exactly when its network or its
    # address has now been seen more often than its limit.
    seen_networks, seen_addresses, expected = {}, {}, []
    for net, address in visits:
        network = ratelimit.network_of(NETWORKS[net])
        email = ADDRESSES[address].strip().lower()
        seen_networks[network] = seen_networks.get(network, 0) + 1
        seen_addresses[email] = seen_addresses.get(email, 0) + 1
        expected.append(
            seen_networks[network] <= network_limit and seen_addresses[email] <= email_limit
        )
    assert in_memory == expected
