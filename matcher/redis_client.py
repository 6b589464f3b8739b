"""Opening the Redis client: one server, or a Redis Cluster.

``REDIS_URL`` decides. ``redis://``, ``rediss://`` and ``unix://`` name one server, reached
through a ``BlockingConnectionPool`` (a burst of requests waits for a connection instead
of failing). ``redis+cluster://host:port`` (or ``rediss+cluster://``) names any node of a
Redis/Valkey Cluster as a seed: redis-py's ``RedisCluster`` learns the slot map from it
and keeps a pool per node. Every key of a market carries the hash tag ``{market}``, so
each script and MULTI runs in one slot on one node; the global keys (``kz:tokens``,
``kz:matchers``, ``kz:rl:*``) are only ever touched one key per command.

The app's lifespan, the ``kuaizhao`` commands and the test fixtures all open their
client here, so that a cluster URL works everywhere a plain one does.
"""

from __future__ import annotations

from typing import Any, cast

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster

CLUSTER_SCHEMES = {"redis+cluster": "redis", "rediss+cluster": "rediss"}


def is_cluster_url(url: str) -> bool:
    return url.split("://", 1)[0].lower() in CLUSTER_SCHEMES


def seed_url(url: str) -> str:
    """The plain URL of the seed node that redis-py's cluster client takes."""
    scheme, rest = url.split("://", 1)
    return f"{CLUSTER_SCHEMES[scheme.lower()]}://{rest}"


def open_client(url: str, *, pool_size: int, timeout: float = 30) -> Redis:
    """A client for ``url`` (responses decoded), not yet connected.

    A cluster client is returned typed as ``Redis``: ``RedisCluster`` offers the same
    commands kuaizhao uses (it is not a subclass), and code that must treat a cluster
    differently asks ``is_cluster``. Its pool is per node and does not wait: a burst
    beyond ``pool_size`` connections to one node fails, so size the pool for the peak.
    """
    if is_cluster_url(url):
        cluster = RedisCluster.from_url(
            seed_url(url), decode_responses=True, max_connections=pool_size
        )
        return cast(Redis, cluster)
    pool = BlockingConnectionPool.from_url(
        url, max_connections=pool_size, timeout=timeout, decode_responses=True
    )
    return Redis(connection_pool=pool)


def is_cluster(redis: Any) -> bool:
    return isinstance(redis, RedisCluster)


def node_of(redis: Redis, key: str) -> ClusterNode:
    """The cluster node that serves ``key`` (a cluster client only)."""
    node = cast(RedisCluster, redis).get_node_from_key(key)
    if node is None:
        # Slot map not learnt yet: the client learns it on its first command.
        raise RuntimeError(f"no cluster node known for {key}")
    return node


async def close_client(redis: Redis) -> None:
    """Close the client and every connection it opened."""
    await redis.aclose()
    if not is_cluster(redis):
        # A pool handed to Redis() is not closed with it.
        await redis.connection_pool.disconnect()
