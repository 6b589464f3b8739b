"""One connection for a one-off command, wherever the data lives.

Its own module so that every command module (backup, accounts, the main parser) can
open Redis without importing the parser that imports them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from redis.asyncio import Redis

from matcher.settings import Settings
from matcher.store.client import close_client, open_client
from matcher.store.embedded import EmbeddedServer, socket_alive


@contextlib.asynccontextmanager
async def open_redis(settings: Settings) -> AsyncIterator[Redis]:
    """A connection for one-off commands: REDIS_URL, the running embedded server, or
    a temporary embedded server over the same data."""
    embedded: EmbeddedServer | None = None
    url = settings.redis_url
    if url is None:
        embedded = EmbeddedServer(settings.data_dir / "redis")
        if socket_alive(embedded.data_dir.resolve() / "redis.sock"):
            url = f"unix://{embedded.data_dir.resolve() / 'redis.sock'}"
            embedded = None
        else:
            url = await asyncio.to_thread(embedded.start)
    redis = open_client(url, pool_size=settings.redis_pool_size)
    try:
        yield redis
    finally:
        await close_client(redis)
        if embedded is not None:
            await asyncio.to_thread(embedded.stop)
