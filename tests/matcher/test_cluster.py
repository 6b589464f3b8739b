"""What only a Redis Cluster can get wrong: slots, per-node durability, every primary.

The store and matcher suites run unchanged on the ``cluster`` backend (conftest); these
tests check the cluster-specific parts of ``matcher.store.client`` and ``Store.probe``
against the same real three-master cluster.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from conftest import MORNING, drain, make_settings
from redis.asyncio.cluster import RedisCluster
from support.cluster import LocalCluster
from support.invariants import check_invariants
from test_store import check_in, post

from matcher.clock import FixedClock
from matcher.markets import MARKETS
from matcher.matching.worker import Matcher
from matcher.store.client import close_client, is_cluster, is_cluster_url, open_client, seed_url
from matcher.store.facade import Store
from matcher.store.keys import MarketKeys


def test_cluster_urls_are_recognised() -> None:
    assert is_cluster_url("redis+cluster://10.0.0.5:6379")
    assert is_cluster_url("rediss+cluster://:pw@node1:6380")
    assert not is_cluster_url("redis://127.0.0.1:6379/0")
    assert not is_cluster_url("unix:///run/valkey.sock")
    assert seed_url("rediss+cluster://:pw@node1:6380") == "rediss://:pw@node1:6380"


async def test_the_fixture_is_a_three_master_cluster(cluster_server: LocalCluster) -> None:
    redis = open_client(cluster_server.url, pool_size=8)
    try:
        assert is_cluster(redis)
        cluster: Any = redis
        await cluster.initialize()  # learn the slot map
        primaries = cluster.get_primaries()
        assert len(primaries) == 3
        # The four markets do not all live on one node: the cluster really spreads them.
        owners = {cluster.get_node_from_key(MarketKeys(m).jobs).name for m in MARKETS}
        assert len(owners) >= 2, owners
    finally:
        await close_client(redis)


async def test_writes_are_acknowledged_after_waitaof_on_their_node(
    cluster_server: LocalCluster, tmp_path: Path
) -> None:
    redis = open_client(cluster_server.url, pool_size=8)
    try:
        await redis.flushdb()
        clock = FixedClock(MORNING)
        store = Store(redis, make_settings(cluster_server.url, tmp_path), clock)
        assert (await store.probe())["waitaof"] is True
        assert store.scripts.waitaof, "a cluster write waits for its node's AOF"
        await check_in(store, clock, 1)
        job = await post(store, clock, "c1", headcount=1)
        # Scripts forgotten by every node (a restart, a failover): loaded again, once.
        await redis.script_flush()
        matcher = Matcher(store, ["kaili"], name="cluster-test")
        await matcher.ensure_groups()
        assert await drain(matcher) == 2
        record = await store.get_job_record("kaili", job["id"])
        assert record is not None and record["pending"] == 1
        await check_invariants(redis, "kaili", settled=True)
    finally:
        await redis.flushdb()
        await close_client(redis)


async def test_probe_refuses_eviction_on_any_primary(
    cluster_server: LocalCluster, tmp_path: Path
) -> None:
    redis = open_client(cluster_server.url, pool_size=8)
    cluster: Any = redis
    await cluster.initialize()
    # Not the default node: a probe that asked one node only would miss it.
    default = cluster.get_default_node()
    other = next(n for n in cluster.get_primaries() if n.name != default.name)
    await cluster.config_set("maxmemory-policy", "allkeys-lru", target_nodes=other)
    try:
        store = Store(redis, make_settings(cluster_server.url, tmp_path), FixedClock(MORNING))
        with pytest.raises(RuntimeError, match="allkeys-lru"):
            await store.probe()
    finally:
        await cluster.config_set("maxmemory-policy", "noeviction", target_nodes=other)
        await close_client(redis)
    assert isinstance(cluster, RedisCluster)


async def test_a_burst_of_ten_times_the_pool_waits_on_a_cluster(
    cluster_server: LocalCluster, tmp_path: Path
) -> None:
    """Fault 6 on a cluster: redis-py's cluster client fails a command past its
    per-node pool; kuaizhao's waits, like the single-server pool."""
    pool_size = 4
    redis = open_client(cluster_server.url, pool_size=pool_size)
    try:
        await redis.flushdb()
        clock = FixedClock(MORNING)
        store = Store(redis, make_settings(cluster_server.url, tmp_path), clock)
        await store.probe()  # durable writes: script and WAITAOF in one pipeline

        async def one(i: int) -> object:
            if i % 3 == 0:
                return await post(store, clock, f"burst{i}", headcount=1, title=f"突发{i}")
            if i % 3 == 1:
                return await check_in(store, clock, i)
            return await store.stats("kaili", "2026-11-27")  # a plain pipeline

        n = 10 * pool_size
        results = await asyncio.gather(*(one(i) for i in range(n)), return_exceptions=True)
        assert [r for r in results if isinstance(r, BaseException)] == []
        cluster: Any = redis
        for node in cluster.get_nodes():
            assert len(node._connections) <= pool_size, node.name
        state = await check_invariants(redis, "kaili")
        assert len(state.jobs) == len(range(0, n, 3))
    finally:
        await redis.flushdb()
        await close_client(redis)
