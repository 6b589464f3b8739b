"""Lua scripts: every state change that touches more than one key.

Each script is a named constant with a KEYS/ARGV header (``matcher.store.lua``) and one
typed wrapper on ``Scripts`` (here). Scripts never read the server clock: "now" comes
in ARGV so that tests can pin the market's day, and every key comes through KEYS (one
``{market}`` slot).
Results are JSON strings: ``{"ok": ...}`` or ``{"err": "<code>"}``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import ConnectionError as LostConnection
from redis.exceptions import NoScriptError, ResponseError

from matcher.store.client import is_cluster, node_of
from matcher.store.keys import DAY_TTL_S, IDEM_TTL_S, MarketKeys
from matcher.store.lua import (
    ACCEPT_OFFER,
    AFTER_WORK,
    CHECK_IN,
    CLOSE_JOB,
    COUNT_WRITE,
    CREATE_OFFERS,
    DECLINE_OFFER,
    EDIT_HELD_JOB,
    EXPIRE_OFFERS,
    LIFT_BLOCK,
    POST_JOB,
    PRELUDE,
    RECORD_OUTCOME,
    REMEMBER_RESPONSE,
    REVIEW_JOB,
    SCRUB_PHONES,
    SET_BLOCK,
    SET_MARKET_SETTINGS,
    SETTLE_ARREARS,
    WITHDRAW_OFFER,
)
from matcher.store.write_lane import WriteLane

Arg = str | int | float


class ScriptError(Exception):
    """A script refused a transition; ``code`` says why (e.g. ``job_full``), ``detail``
    carries what the script found (e.g. the block that refused a post) as JSON."""

    def __init__(self, code: str, detail: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Result:
    value: Any
    replay: bool = False
    status: int | None = None


def _decode(raw: Any) -> Result:
    data = json.loads(raw)
    if "err" in data:
        detail = data.get("detail")
        raise ScriptError(str(data["err"]), detail if isinstance(detail, str) else None)
    return Result(data["ok"], bool(data.get("replay", False)), data.get("status"))


class Scripts:
    """The scripts registered on one client; one typed method per script."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        # Set by Store.probe(): acknowledge a write only once the server has fsynced it
        # to the AOF (WAITAOF, Redis/Valkey >= 7.2 with appendonly yes).
        self.waitaof = False
        self._lane = None if is_cluster(redis) else WriteLane(redis.connection_pool)
        self._post_job = _register(redis, POST_JOB)
        self._check_in = _register(redis, CHECK_IN)
        self._create_offers = _register(redis, CREATE_OFFERS)
        self._accept_offer = _register(redis, ACCEPT_OFFER)
        self._decline_offer = _register(redis, DECLINE_OFFER)
        self._expire_offers = _register(redis, EXPIRE_OFFERS)
        self._close_job = _register(redis, CLOSE_JOB)
        self._record_outcome = _register(redis, RECORD_OUTCOME)
        self._remember_response = _register(redis, REMEMBER_RESPONSE)
        self._withdraw_offer = _register(redis, WITHDRAW_OFFER)
        self._review_job = _register(redis, REVIEW_JOB)
        self._after_work = _register(redis, AFTER_WORK)
        self._all = [
            self._post_job,
            self._check_in,
            self._create_offers,
            self._accept_offer,
            self._decline_offer,
            self._expire_offers,
            self._close_job,
            self._record_outcome,
            self._remember_response,
            self._withdraw_offer,
            self._review_job,
            self._after_work,
        ]
        self._edit_held_job = _register(redis, EDIT_HELD_JOB)
        self._settle_arrears = _register(redis, SETTLE_ARREARS)
        self._set_block = _register(redis, SET_BLOCK)
        self._lift_block = _register(redis, LIFT_BLOCK)
        self._set_market_settings = _register(redis, SET_MARKET_SETTINGS)
        self._count_write = _register(redis, COUNT_WRITE)
        self._scrub_phones = _register(redis, SCRUB_PHONES)
        self._all += [
            self._scrub_phones,
            self._edit_held_job,
            self._settle_arrears,
            self._set_block,
            self._lift_block,
            self._set_market_settings,
            self._count_write,
        ]

    async def post_job(
        self,
        k: MarketKeys,
        *,
        day: str,
        request_id: str,
        job_id: str,
        job_json: str,
        body_hash: str,
        now_ms: int,
        headcount: int,
        skills: Sequence[str],
        response_json: str,
        employer_id: str,
        block_subject: str,
        rules_rev: str = "",
        review: bool = False,
    ) -> Result:
        keys = [
            k.jobs,
            k.jobs_open,
            k.jobs_day(day),
            k.queue,
            k.events,
            k.stats(day),
            k.idem(request_id),
            k.jobs_review,
            k.employers,
            k.blocks,
            k.blocks_until,
            k.rules_rev,
            *(k.jobs_by_skill(s) for s in skills),
        ]
        args: list[Arg] = [
            job_id,
            job_json,
            body_hash,
            now_ms,
            IDEM_TTL_S,
            headcount,
            response_json,
            "review" if review else "open",
            employer_id,
            block_subject,
            rules_rev,
        ]
        return _decode(await self._call(self._post_job, keys, args))

    async def check_in(
        self,
        k: MarketKeys,
        *,
        day: str,
        request_id: str,
        worker_id: str,
        checkin_json: str,
        body_hash: str,
        now_ms: int,
        profile_json: str,
        skills: Sequence[str],
        block_subject: str,
        rules_rev: str = "",
    ) -> Result:
        keys = [
            k.checkins(day),
            k.workers,
            k.queue,
            k.events,
            k.stats(day),
            k.idem(request_id),
            k.blocks,
            k.blocks_until,
            k.rules_rev,
            *(k.workers_by_skill(day, s) for s in skills),
        ]
        args: list[Arg] = [
            worker_id,
            checkin_json,
            body_hash,
            now_ms,
            IDEM_TTL_S,
            DAY_TTL_S,
            profile_json,
            day,
            block_subject,
            rules_rev,
        ]
        return _decode(await self._call(self._check_in, keys, args))

    async def create_offers(
        self,
        k: MarketKeys,
        *,
        day: str,
        job_id: str,
        now_ms: int,
        expires_ms: int,
        offers_per_slot: int,
        max_pending: int,
        offers: Sequence[tuple[str, str, str]],
    ) -> Result:
        keys = [
            k.jobs,
            k.checkins(day),
            k.offers,
            k.offers_pending,
            k.events,
            k.stats(day),
            k.tickets,
        ]
        args: list[Arg] = [job_id, now_ms, expires_ms, offers_per_slot, max_pending, day]
        for worker_id, offer_id, offer_json in offers:
            args += [worker_id, offer_id, offer_json]
        return _decode(await self._call(self._create_offers, keys, args))

    async def accept_offer(
        self,
        k: MarketKeys,
        *,
        day: str,
        offer_id: str,
        worker_id: str | None,
        now_ms: int,
        ticket_prefix: str,
    ) -> Result:
        keys = [
            k.jobs,
            k.checkins(day),
            k.offers,
            k.offers_pending,
            k.tickets,
            k.seq(day),
            k.queue,
            k.events,
            k.stats(day),
            k.minutes_to_booking(day),
            k.minutes_to_fill(day),
            k.jobs_open,
        ]
        args: list[Arg] = [offer_id, worker_id or "", now_ms, day, ticket_prefix, DAY_TTL_S]
        return _decode(await self._call(self._accept_offer, keys, args))

    async def decline_offer(
        self, k: MarketKeys, *, day: str, offer_id: str, worker_id: str | None, now_ms: int
    ) -> Result:
        keys = [
            k.jobs,
            k.checkins(day),
            k.offers,
            k.offers_pending,
            k.queue,
            k.events,
            k.stats(day),
        ]
        args: list[Arg] = [offer_id, worker_id or "", now_ms, day]
        return _decode(await self._call(self._decline_offer, keys, args))

    async def expire_offers(self, k: MarketKeys, *, day: str, now_ms: int, limit: int) -> int:
        keys = [
            k.jobs,
            k.checkins(day),
            k.offers,
            k.offers_pending,
            k.queue,
            k.events,
            k.stats(day),
        ]
        return int(_decode(await self._call(self._expire_offers, keys, [now_ms, day, limit])).value)

    async def close_job(
        self, k: MarketKeys, *, day: str, job_day: str, job_id: str, now_ms: int, mode: str
    ) -> Result:
        keys = [
            k.jobs,
            k.jobs_open,
            k.checkins(day),
            k.offers,
            k.offers_pending,
            k.tickets,
            k.queue,
            k.events,
            k.stats(job_day),
            k.employers,
        ]
        return _decode(await self._call(self._close_job, keys, [job_id, now_ms, mode, day]))

    async def record_outcome(
        self,
        k: MarketKeys,
        *,
        day: str,
        job_day: str,
        job_id: str,
        worker_id: str,
        outcome: str,
        now_ms: int,
        reason: str,
        keep_from: str,
        not_before_ms: int,
    ) -> Result:
        keys = [
            k.jobs,
            k.jobs_open,
            k.checkins(job_day),
            k.tickets,
            k.queue,
            k.events,
            k.stats(job_day),
            k.workers,
        ]
        args: list[Arg] = [
            job_id,
            worker_id,
            outcome,
            now_ms,
            reason,
            day,
            keep_from,
            not_before_ms,
        ]
        return _decode(await self._call(self._record_outcome, keys, args))

    async def withdraw_offer(
        self, k: MarketKeys, *, day: str, offer_id: str, now_ms: int, reason: str
    ) -> Result:
        keys = [k.jobs, k.checkins(day), k.offers, k.offers_pending, k.events]
        args: list[Arg] = [offer_id, now_ms, day, reason]
        return _decode(await self._call(self._withdraw_offer, keys, args))

    async def review_job(
        self,
        k: MarketKeys,
        *,
        job_day: str,
        job_id: str,
        skills: Sequence[str],
        decision: str,
        now_ms: int,
        reason: str,
        who: str,
    ) -> Result:
        keys = [
            k.jobs,
            k.jobs_open,
            k.jobs_review,
            k.queue,
            k.events,
            k.stats(job_day),
            *(k.jobs_by_skill(s) for s in skills),
        ]
        args: list[Arg] = [job_id, decision, now_ms, reason, who]
        return _decode(await self._call(self._review_job, keys, args))

    async def after_work(
        self,
        k: MarketKeys,
        *,
        day: str,
        ticket_day: str,
        ref: str,
        what: str,
        report_json: str,
        now_ms: int,
        arrears_id: str,
        block_at: int,
    ) -> Result:
        keys = [
            k.tickets,
            k.employers,
            k.arrears,
            k.arrears_open,
            k.disputes,
            k.workers,
            k.events,
            k.stats(ticket_day),
            k.checkins(day),
        ]
        args: list[Arg] = [ref, what, report_json, now_ms, arrears_id, block_at]
        return _decode(await self._call(self._after_work, keys, args))

    async def scrub_phones(
        self,
        k: MarketKeys,
        *,
        job_ids: Sequence[str],
        refs: Sequence[str],
        worker_id: str = "",
        checkin_days: Sequence[str] = (),
    ) -> int:
        keys = [k.jobs, k.tickets, *(k.checkins(d) for d in checkin_days)]
        args: list[Arg] = [" ".join(job_ids), " ".join(refs), worker_id]
        return int(_decode(await self._call(self._scrub_phones, keys, args)).value)

    async def count_write(self, key: str, *, ttl_ms: int) -> int:
        """Count one write in a rate-limit window. Not acknowledged after WAITAOF: a
        count lost in a crash only lets a few more writes through."""
        return int(await self._count_write(keys=[key], args=[ttl_ms]))

    async def remember_response(
        self, k: MarketKeys, *, request_id: str, body_hash: str, response_json: str, status: int
    ) -> Result:
        keys = [k.idem(request_id)]
        args: list[Arg] = [body_hash, response_json, IDEM_TTL_S, status]
        return _decode(await self._call(self._remember_response, keys, args))

    async def edit_held_job(
        self, k: MarketKeys, *, job_id: str, changes_json: str, now_ms: int, who: str
    ) -> Result:
        args: list[Arg] = [job_id, changes_json, now_ms, who]
        return _decode(await self._call(self._edit_held_job, [k.jobs, k.events], args))

    async def settle_arrears(
        self,
        k: MarketKeys,
        *,
        arrears_id: str,
        outcome: str,
        who: str,
        note: str,
        now_ms: int,
        block_at: int,
    ) -> Result:
        keys = [k.arrears, k.arrears_open, k.employers, k.events]
        args: list[Arg] = [arrears_id, outcome, who, note, now_ms, block_at]
        return _decode(await self._call(self._settle_arrears, keys, args))

    async def set_block(
        self, k: MarketKeys, *, subject: str, block_json: str, end_ms: int, now_ms: int
    ) -> Result:
        keys = [k.blocks, k.blocks_until, k.events]
        args: list[Arg] = [subject, block_json, end_ms, now_ms]
        return _decode(await self._call(self._set_block, keys, args))

    async def lift_block(self, k: MarketKeys, *, subject: str, now_ms: int, who: str) -> Result:
        keys = [k.blocks, k.blocks_until, k.events]
        args: list[Arg] = [subject, now_ms, who]
        return _decode(await self._call(self._lift_block, keys, args))

    async def set_market_settings(
        self, k: MarketKeys, *, changes_json: str, now_ms: int, who: str
    ) -> Result:
        args: list[Arg] = [changes_json, now_ms, who]
        keys = [k.settings, k.events, k.rules_rev]
        return _decode(await self._call(self._set_market_settings, keys, args))

    async def _call(self, script: AsyncScript, keys: Sequence[str], args: Sequence[Arg]) -> Any:
        if not self.waitaof:
            return await script(keys=keys, args=args)
        try:
            return await self._durable(script, keys, args)
        except NoScriptError:
            # The server does not know the script (a restart, a failover, a flush):
            # load it, then send again. It did not run, so it is applied once.
            await self.redis.script_load(script.script)
            return await self._durable(script, keys, args)

    async def _durable(self, script: AsyncScript, keys: Sequence[str], args: Sequence[Arg]) -> Any:
        # WAITAOF covers the writes of its own connection only, so the script and the
        # wait travel together, on one connection of the pool.
        evalsha = ("EVALSHA", script.sha, len(keys), *keys, *args)
        if self._lane is None:
            # A cluster: the wait goes to the node that owns the script's slot; the cluster
            # pipeline sends each node's commands over one connection.
            async with self.redis.pipeline(transaction=False) as pipe:
                # The raw EVALSHA: redis-py's cluster pipeline refuses evalsha(), and a
                # script the server lacks is loaded on NOSCRIPT instead (``_call``).
                pipe.execute_command(*evalsha)
                node = node_of(self.redis, keys[0])
                pipe.execute_command("WAITAOF", 1, 0, 0, target_nodes=node)
                result, (local, _replicas) = await pipe.execute()
        else:
            result, local = await _with_wait(self._lane, evalsha)
        if int(local) < 1:
            raise ScriptError("not_durable")
        return result

    async def load(self) -> None:
        """Load every script on the server (on a cluster: on every primary)."""
        for script in self._all:
            await self.redis.script_load(script.script)


def _register(redis: Redis, body: str) -> AsyncScript:
    return redis.register_script(PRELUDE + body)


async def _with_wait(lane: WriteLane, command: tuple[Arg, ...]) -> tuple[Any, int]:
    """``command`` then ``WAITAOF 1 0 0`` in one write on one connection of the
    write lane, and both replies. This is every acknowledged write, so it skips
    redis-py's pipeline (its command stack, retry wrapper and per-operation hooks)."""
    try:
        return await _with_wait_once(lane, command)
    except LostConnection:
        # A connection the server dropped while it sat in the lane (a restart, a
        # failover): the lane connects again. Sent again, the write is applied once:
        # every script is idempotent on its request id.
        return await _with_wait_once(lane, command)


async def _with_wait_once(lane: WriteLane, command: tuple[Arg, ...]) -> tuple[Any, int]:
    async with lane.connection() as conn:
        await conn.send_packed_command(conn.pack_commands([command, ("WAITAOF", 1, 0, 0)]))
        try:
            result: Any = await conn.read_response()
        except ResponseError as exc:
            # Still read the wait's reply, so the connection stays in step.
            result = exc
        local, _replicas = await conn.read_response()
    if isinstance(result, ResponseError):
        raise result
    return result, int(local)
