"""The shared cache's backend: Django's Redis cache, with one client per connection pool.

Django's Redis cache builds a new redis-py client object for every call (`get_client`), which
costs more CPU than the call's own round trip on loopback (about a millisecond on a busy 2-core
machine); a registration asks the cache several times. A client only wraps its connection pool
and is safe to share between threads, so one per pool is kept and reused.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusedClients(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class SharedCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClients
