"""Connections set aside for acknowledged writes on one server.

Every acknowledged write is a script and its ``WAITAOF`` on one connection
(``Scripts._with_wait``). redis-py 8's blocking pool takes a condition, a timeout, a
liveness probe of the socket and several observability hooks to lend a connection, and
again to take it back: about a tenth of a job post's CPU. These writes always read every
reply they asked for, or drop the connection, so a connection comes back ready to use
and a free list is all they need.

The lane borrows its connections from the client's pool once and keeps them, so the
process never holds more than ``KUAIZHAO_REDIS_POOL`` connections, and closing the pool
(``close_client``) closes them too. A dropped connection stays in the lane and connects
again on its next use.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from redis.asyncio.connection import Connection, ConnectionPool

# A quarter of the pool: writes are short, and the rest serves reads and the matcher.
SHARE = 4


class WriteLane:
    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool
        self._free: list[Connection] = []
        self._slots = asyncio.Semaphore(max(1, int(pool.max_connections) // SHARE))

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        """A connected connection of the lane; callers beyond its size wait."""
        async with self._slots:
            if self._free:
                conn = self._free.pop()
            else:
                # redis-py leaves get_connection unannotated; it returns a Connection.
                conn = await self._pool.get_connection()  # type: ignore[no-untyped-call]
            try:
                # At once when connected; again after a drop. (Unannotated in redis-py.)
                await conn.connect()  # type: ignore[no-untyped-call]
                yield conn
            except BaseException:
                # Replies may be half read (an error, a cancelled request): start afresh.
                await conn.disconnect()
                raise
            finally:
                self._free.append(conn)
