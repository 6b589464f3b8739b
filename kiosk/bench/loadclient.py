"""A minimal HTTP/1.1 keep-alive client for ``kuaizhao bench load``.

The load generator shares the machine's cores with the server it measures, so its own
cost per request must be small: httpx spends a few milliseconds of CPU per request,
several times what the server spends on a bare endpoint, and would measure itself.
This client does only what the load needs: a fixed pool of keep-alive connections to
one loopback address, a request written in one piece, a response read by its
``Content-Length`` (or chunks). It is for the benchmark only, never for the service.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any


class LoadError(Exception):
    """The connection failed or the response could not be read."""


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


Conn = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class LoadClient:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        connections: int,
        headers: dict[str, str] | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.host, self.port = host, port
        self.timeout = timeout
        self._base = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        self._idle: asyncio.Queue[Conn] = asyncio.Queue()
        self._slots = asyncio.Semaphore(connections)
        self._open: set[asyncio.StreamWriter] = set()

    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        json_body: Any = None,
    ) -> Reply:
        body = b"" if json_body is None else json.dumps(json_body).encode()
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        if json_body is not None:
            extra += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{self._base}{extra}\r\n"
        )
        data = head.encode() + body
        async with self._slots:
            conn, reused = await self._connection()
            try:
                reply, keep = await asyncio.wait_for(self._exchange(conn, data), self.timeout)
            except (TimeoutError, ValueError) as exc:
                self._discard(conn)
                raise LoadError(f"{type(exc).__name__}: {exc}") from exc
            except (OSError, asyncio.IncompleteReadError) as exc:
                self._discard(conn)
                stale = isinstance(exc, OSError) or not exc.partial
                if not (reused and stale):
                    raise LoadError(f"{type(exc).__name__}: {exc}") from exc
                # The server closed an idle keep-alive connection (uvicorn does after a
                # few seconds) before reading this request: send it on a new one.
                conn, _ = await self._connection(fresh=True)
                reply, keep = await self._once(conn, data)
            if keep:
                self._idle.put_nowait(conn)
            else:
                self._discard(conn)
            return reply

    async def get(self, path: str, headers: dict[str, str] | None = None) -> Reply:
        return await self.request("GET", path, headers=headers)

    async def post(self, path: str, json_body: Any, headers: dict[str, str] | None = None) -> Reply:
        return await self.request("POST", path, headers=headers, json_body=json_body)

    async def _once(self, conn: Conn, data: bytes) -> tuple[Reply, bool]:
        try:
            return await asyncio.wait_for(self._exchange(conn, data), self.timeout)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            self._discard(conn)
            raise LoadError(f"{type(exc).__name__}: {exc}") from exc

    async def _connection(self, *, fresh: bool = False) -> tuple[Conn, bool]:
        """A connection and whether it was reused (an idle keep-alive one)."""
        if not fresh:
            try:
                return self._idle.get_nowait(), True
            except asyncio.QueueEmpty:
                pass
        try:
            reader, writer = await asyncio.open_connection(self.host, self.port)
        except OSError as exc:
            raise LoadError(f"connect: {exc}") from exc
        self._open.add(writer)
        return (reader, writer), False

    async def _exchange(self, conn: Conn, data: bytes) -> tuple[Reply, bool]:
        reader, writer = conn
        writer.write(data)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                fields[name.strip().lower()] = value.strip()
        if "content-length" in fields:
            body = await reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while size := int((await reader.readline()).split(b";")[0], 16):
                parts.append(await reader.readexactly(size))
                await reader.readexactly(2)
            await reader.readline()  # the blank line after the last chunk
            body = b"".join(parts)
        else:
            body = b""  # 204 / 304: no body
        keep = fields.get("connection", "").lower() != "close"
        return Reply(status, body), keep

    def _discard(self, conn: Conn) -> None:
        conn[1].close()
        self._open.discard(conn[1])

    async def aclose(self) -> None:
        for writer in list(self._open):
            writer.close()
        self._open.clear()
