"""A throwaway embedded server and a store on it, for the benchmarks and the soak run:
a measurement never touches the service's own data."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis

from matcher.settings import Settings
from matcher.store.embedded import EmbeddedServer
from matcher.store.facade import Store


@contextlib.asynccontextmanager
async def private_store(clock: Any, **overrides: Any) -> AsyncIterator[Store]:
    """A throwaway embedded server and a store on it."""
    with tempfile.TemporaryDirectory(prefix="kzs", dir="/tmp") as tmp:
        server = EmbeddedServer(Path(tmp))
        url = await asyncio.to_thread(server.start)
        pool = BlockingConnectionPool.from_url(url, max_connections=32, decode_responses=True)
        redis = Redis(connection_pool=pool)
        try:
            settings = Settings(redis_url=url, data_dir=Path(tmp), secret="bench", **overrides)
            store = Store(redis, settings, clock)
            await store.probe()
            yield store
        finally:
            await redis.aclose()
            await pool.disconnect()
            await asyncio.to_thread(server.stop)
