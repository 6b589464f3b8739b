"""Server-Sent Events: the wire format, waiting on a market's events stream, and
ending every open stream when the app shuts down.

A page's live regions are pushed as named events whose data is the region's HTML (the
htmx SSE extension swaps each into the element with the matching ``sse-swap``). A
stream wakes when the market's events stream (``kz:{m}:events``) gets an entry,
through ``XREAD BLOCK`` with a timeout, and writes a comment line as a heartbeat when
nothing happened: proxies keep the connection, and a client that has gone is noticed at
the next write. A stream also ends by itself after ``STREAM_MAX_S`` (the browser
reconnects at once and gets a fresh snapshot), so a server stopping gracefully never
waits on a dashboard for longer than that.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import AsyncIterator
from typing import Any

from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.responses import StreamingResponse

HEARTBEAT_S = 15.0
STREAM_MAX_S = 120.0
# The browser waits this long before reconnecting a stream that ended.
RECONNECT_MS = 1000
# Events come in bursts (an accepted offer withdraws others, enqueues, counts): wait
# this long after the first so one push carries the whole burst.
COALESCE_S = 0.2
# At most this many events read per wake-up; the rest come at the next read.
READ_COUNT = 500

MEDIA_TYPE = "text/event-stream"


def event(name: str, data: str) -> str:
    """One named event; every line of the data gets its own ``data:`` field."""
    lines = data.splitlines() or [""]
    return f"event: {name}\n" + "".join(f"data: {line}\n" for line in lines) + "\n"


def comment(text: str) -> str:
    return f": {text}\n\n"


def retry(ms: int = RECONNECT_MS) -> str:
    return f"retry: {ms}\n\n"


def response(body: AsyncIterator[str]) -> StreamingResponse:
    return StreamingResponse(
        body,
        media_type=MEDIA_TYPE,
        headers={
            "Cache-Control": "no-store",
            # nginx: pass each event on at once instead of buffering the response.
            "X-Accel-Buffering": "no",
        },
    )


class Streams:
    """The open streams of one app: told to end when the app shuts down."""

    def __init__(self) -> None:
        self.closing = asyncio.Event()
        self._restore: dict[int, Any] = {}

    def close(self) -> None:
        self.closing.set()

    def end_on_exit_signals(self) -> None:
        """Chain the server's SIGINT/SIGTERM handlers (uvicorn's) so that open streams
        end as soon as a stop is asked for: uvicorn waits for responses in flight before
        it runs the lifespan's shutdown, and a stream would not end before its lifetime.
        Only in the main thread (signals are delivered there), only over a handler that
        is a function (a server's, not the default action)."""
        if threading.current_thread() is not threading.main_thread():
            return
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous = signal.getsignal(sig)
            if not callable(previous):
                continue

            def handler(signum: int, frame: Any, previous: Any = previous) -> None:
                loop.call_soon_threadsafe(self.close)
                previous(signum, frame)

            signal.signal(sig, handler)
            self._restore[sig] = (previous, handler)

    def restore_signals(self) -> None:
        for sig, (previous, handler) in self._restore.items():
            # Put back only what is still ours: the server may have restored its own.
            if signal.getsignal(sig) is handler:
                signal.signal(sig, previous)
        self._restore.clear()


def start(app: Starlette) -> Streams:
    """At the lifespan's start: a fresh set of streams (a restarted app's new streams
    must not inherit the last shutdown)."""
    streams = app.state.kz_streams = Streams()
    streams.end_on_exit_signals()
    return streams


def stop(app: Starlette) -> None:
    """At the lifespan's end: every open stream ends."""
    streams = streams_of(app)
    streams.close()
    streams.restore_signals()


def streams_of(app: Starlette) -> Streams:
    found = getattr(app.state, "kz_streams", None)
    if not isinstance(found, Streams):
        found = Streams()
        app.state.kz_streams = found
    return found


async def last_id(redis: Redis, key: str) -> str:
    """The id of the newest entry, so that only later ones wake the reader."""
    newest = await redis.xrevrange(key, count=1)
    return str(newest[0][0]) if newest else "0-0"


async def changes(
    redis: Redis,
    key: str,
    closing: asyncio.Event,
    *,
    heartbeat_s: float = HEARTBEAT_S,
    max_s: float = STREAM_MAX_S,
) -> AsyncIterator[bool]:
    """Yields True when the stream ``key`` got new entries, False after ``heartbeat_s``
    of quiet; ends when ``closing`` is set or after ``max_s``."""
    loop = asyncio.get_running_loop()
    after = await last_id(redis, key)
    end = loop.time() + max_s
    while not closing.is_set():
        left = end - loop.time()
        if left <= 0:
            return
        block_ms = max(1, int(min(heartbeat_s, left) * 1000))
        read = asyncio.ensure_future(redis.xread({key: after}, count=READ_COUNT, block=block_ms))
        stop = asyncio.ensure_future(closing.wait())
        try:
            done, _ = await asyncio.wait({read, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (read, stop):
                if not task.done():
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task
        if read not in done:
            return
        reply: list[Any] = list(read.result() or [])
        if reply:
            after = str(reply[0][1][-1][0])
            yield True
        else:
            yield False
