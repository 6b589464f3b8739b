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

import asyncio
from typing import Any, cast

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import ClusterNode, ClusterPipeline, RedisCluster

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
    differently asks ``is_cluster``. Like the single-server pool, a burst waits for a
    connection instead of failing (``WaitingCluster``).
    """
    if is_cluster_url(url):
        cluster = WaitingCluster.from_url(
            seed_url(url), decode_responses=True, max_connections=pool_size
        )
        return cast(Redis, cluster)
    pool = BlockingConnectionPool.from_url(
        url, max_connections=pool_size, timeout=timeout, decode_responses=True
    )
    return Redis(connection_pool=pool)


class WaitingCluster(RedisCluster):
    """A cluster client whose callers wait for a connection instead of failing.

    redis-py's cluster client opens up to ``max_connections`` per node and raises
    ``MaxConnectionsError`` beyond that (its error handling then drops the node's other
    connections, some of them mid-handshake). kuaizhao promises that a burst of requests
    waits (fault 6), so commands and pipelines each take a place first: half the pool for
    single commands, half for pipelines (one connection per node each), so that no node
    ever needs more than ``max_connections``. A pipeline's retry of a redirected command
    goes through the commands' half: it cannot wait on its own places.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        size = max(2, int(kwargs.get("max_connections", 100)))
        self._commands = asyncio.Semaphore(size - size // 2)
        self._pipelines = asyncio.Semaphore(size // 2)

    async def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        async with self._commands:
            return await super().execute_command(*args, **kwargs)

    def pipeline(
        self, transaction: Any | None = None, shard_hint: Any | None = None
    ) -> ClusterPipeline:
        if shard_hint:
            return super().pipeline(transaction, shard_hint)  # refused there
        # redis-py declares _event_dispatcher abstract on its own (concrete) pipeline.
        return _WaitingPipeline(self, transaction)  # type: ignore[abstract]


class _WaitingPipeline(ClusterPipeline):
    def __init__(self, client: WaitingCluster, transaction: Any | None = None) -> None:
        super().__init__(client, transaction)
        self._places = client._pipelines

    async def execute(self, raise_on_error: bool = True, allow_redirections: bool = True) -> Any:
        async with self._places:
            return await super().execute(raise_on_error, allow_redirections)


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
