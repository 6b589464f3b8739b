"""The store: every read and write of kuaizhao's state, over one Redis connection pool.

Writes go through the Lua scripts in ``matcher.store.scripts``; this module builds their
records, turns their refusals into ``ScriptError`` codes, and waits for durability
(WAITAOF) before a write is acknowledged.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from matcher.clock import TZ, Clock, day_key, day_start, iso, to_ms
from matcher.desk import audit
from matcher.desk.blocks import BlockBook, Blocked, subject
from matcher.desk.market_settings import MarketSettings
from matcher.desk.phones import PhoneBox, employer_binding, worker_binding
from matcher.markets import MARKETS, Market
from matcher.matching.scoring import NOSHOW_WINDOW_DAYS
from matcher.settings import Settings
from matcher.specs import CheckinSpec, JobSpec
from matcher.store import rollup
from matcher.store.client import is_cluster
from matcher.store.keys import CODE_TRIES_MAX, CODE_TRIES_TTL_S, MarketKeys
from matcher.store.records import (
    body_hash,
    checkin_public,
    dumps,
    employer_id_for,
    job_public,
    loads,
    mask_phone,
    new_id,
    offer_public,
    strs,
    ticket_public,
    worker_id_for,
)
from matcher.store.scripts import Result, ScriptError, Scripts
from matcher.store.stream_trim import first_at_or_after, parse_id, trim_before

log = logging.getLogger(__name__)


__all__ = ["ScriptError", "Store"]

# Open wage-arrears records that stop an employer from posting.
ARREARS_BLOCK_AT = 2
ARREARS_OUTCOMES = ("recovered", "referred", "closed")
# Tickets whose counterpart's full number may be shown: the booking stands, or stood
# (a cancelled booking's people have nothing left to arrange).
REVEALABLE = ("booked", "hired", "not_hired", "no_show")
JOB_CODE_DIGITS = 6
# Days the sealed full numbers of a day's jobs and tickets are kept: the day and a week
# after it (as long as the ticket's public link, kiosk.web.qr.LINK_DAYS).
PHONES_KEPT_DAYS = 8
# Days a check-in is kept (keys.DAY_TTL_S): a forgotten worker's sealed number is
# scrubbed from all of them.
CHECKIN_DAYS = 8
CodeCheck = Literal["ok", "wrong", "locked"]


def new_job_code() -> str:
    """The digits an employer types at any kiosk of the market to come back to a job
    (with their phone number): printed on the job page and its slip."""
    return f"{secrets.randbelow(10**JOB_CODE_DIGITS):0{JOB_CODE_DIGITS}d}"


class Store:
    def __init__(self, redis: Redis, settings: Settings, clock: Clock) -> None:
        self.redis = redis
        self.settings = settings
        self.clock = clock
        self.scripts = Scripts(redis)
        self._keys = {m: MarketKeys(m) for m in MARKETS}
        self.blocks = BlockBook(redis, self.scripts, clock, settings.secret)
        self.phones = PhoneBox(settings.secret)
        self.market_settings = MarketSettings(redis, self.scripts, settings)
        # None: not probed yet. WAITAOF exists from Redis 7.2 / Valkey 7.2 and needs AOF on.
        self.waitaof: bool | None = None

    # -- plumbing -------------------------------------------------------------------

    def keys(self, market: str) -> MarketKeys:
        try:
            return self._keys[market]
        except KeyError:
            return MarketKeys(market)

    def market(self, market_id: str) -> Market:
        return MARKETS[market_id]

    def today(self) -> str:
        return day_key(self.clock.now())

    async def probe(self) -> dict[str, Any]:
        """Check the server at start: refuse eviction, learn whether WAITAOF works."""
        policy = None
        for policy in await self._on_every_primary("maxmemory-policy"):
            if policy not in (None, "noeviction"):
                raise RuntimeError(
                    f"the Redis server evicts keys (maxmemory-policy {policy}); kuaizhao "
                    "needs noeviction or it could silently lose jobs and bookings"
                )
        try:
            command: Any = self.redis.execute_command
            if is_cluster(self.redis):
                # Every primary must promise it: any of them may own a market's slot.
                await command("WAITAOF", 1, 0, 0, target_nodes="primaries")
            else:
                await command("WAITAOF", 1, 0, 0)
            self.waitaof = True
            # Durable writes send the raw EVALSHA: have every script there first.
            await self.scripts.load()
        except ResponseError as exc:
            # Redis 7.0 has no WAITAOF, and a server without AOF cannot promise it:
            # writes are then as durable as that server's own configuration.
            self.waitaof = False
            log.warning("durable acknowledgement unavailable (%s); relying on the server", exc)
        self.scripts.waitaof = bool(self.waitaof and self.settings.durable_writes)
        return {"maxmemory_policy": policy, "waitaof": self.waitaof}

    async def _on_every_primary(self, name: str) -> list[str | None]:
        """A config value as every primary has it (one server: just that one)."""
        if not is_cluster(self.redis):
            return [(await self.redis.config_get(name)).get(name)]
        command: Any = self.redis.execute_command
        replies = await command("CONFIG GET", name, target_nodes="primaries")
        # One reply per node, keyed by node name (a single node answers bare).
        per_node = replies.values() if name not in replies else [replies]
        return [reply.get(name) for reply in per_node]

    # -- jobs -----------------------------------------------------------------------

    async def post_job(
        self,
        market: str,
        spec: JobSpec,
        *,
        request_id: str,
        fingerprint: Any,
        rules_rev: str = "",
    ) -> Result:
        """Store a parsed post. With ``rules_rev`` (the revision of the market's
        settings ``spec`` was checked under) the script refuses it with
        ``rules_changed`` when the operators changed the rules since."""
        employer_id = employer_id_for(spec.employer_phone, self.settings.secret)
        now = self.clock.now()
        day = day_key(now)
        job_id = new_id("j")
        code = new_job_code()
        record = {
            "id": job_id,
            "market": market,
            "title": spec.title,
            "description": spec.description,
            "skills": list(spec.skills),
            "headcount": spec.headcount,
            "remaining": spec.headcount,
            "active": 0,
            "pending": 0,
            "wage_yuan": spec.wage_yuan,
            "wage_unit": spec.wage_unit,
            "wage_day_yuan": spec.wage_per_day(),
            "township": spec.township,
            "county_adcode": spec.county_adcode,
            "start_at": iso(spec.start_at),
            "end_at": iso(spec.end_at),
            "interview_at": iso(spec.interview_at),
            "interview_place": spec.interview_place,
            "interview_address": spec.interview_address,
            # For the scripts, which compare times as numbers: a worker is due from the
            # interview to the end of the work (no two bookings overlap).
            "interview_ms": to_ms(spec.interview_at),
            "from_ms": to_ms(min(spec.interview_at, spec.start_at)),
            "end_ms": to_ms(spec.end_at),
            "employer_name": spec.employer_name,
            "employer_phone_masked": mask_phone(spec.employer_phone),
            "employer_phone_enc": self.phones.seal(spec.employer_phone, employer_binding(job_id)),
            "employer_id": employer_id,
            "code": code,
            "meals": spec.meals,
            "transport": spec.transport,
            "tools": spec.tools,
            "status": "review" if spec.review else "open",
            "flags": " ".join(spec.review),
            "created_ms": to_ms(now),
            "created_at": iso(now),
            "day": day,
            "offered": {},
            "bookings": {},
        }
        # The poster (and only the poster: a job read later never shows it) learns the
        # job's code, to come back to it at a kiosk.
        response = {**job_public(record), "code": code}
        try:
            # The script refuses an employer barred for unpaid wages or under an
            # operator's live block, so the post is one round trip with its WAITAOF.
            result = await self.scripts.post_job(
                self.keys(market),
                day=day,
                request_id=request_id,
                job_id=job_id,
                job_json=dumps(record),
                body_hash=body_hash(fingerprint),
                now_ms=to_ms(now),
                headcount=spec.headcount,
                skills=spec.skills,
                response_json=dumps(response),
                employer_id=employer_id,
                block_subject=subject("employer", employer_id),
                rules_rev=rules_rev,
                review=bool(spec.review),
            )
        except ScriptError as exc:
            raise _with_block(exc) from None
        return Result(loads(result.value), result.replay)

    async def get_job_record(self, market: str, job_id: str) -> dict[str, Any] | None:
        return loads(await self.redis.hget(self.keys(market).jobs, job_id))

    async def get_job(self, market: str, job_id: str) -> dict[str, Any] | None:
        job = await self.get_job_record(market, job_id)
        if job is None:
            return None
        refs = list(job.get("bookings", {}).values())
        tickets = await self._tickets(market, refs)
        return job_public(job, tickets)

    async def _tickets(self, market: str, refs: list[str]) -> dict[str, dict[str, Any]]:
        if not refs:
            return {}
        raw = await self.redis.hmget(self.keys(market).tickets, refs)
        return {ref: t for ref, r in zip(refs, raw, strict=True) if (t := loads(r)) is not None}

    async def list_jobs(
        self, market: str, *, status: str | None = None, day: str | None = None
    ) -> list[dict[str, Any]]:
        k = self.keys(market)
        today = self.today()
        if status == "open" and day in (None, today):
            ids = strs(await self.redis.zrange(k.jobs_open, 0, -1))
        else:
            ids = strs(await self.redis.zrange(k.jobs_day(day or today), 0, -1))
        if not ids:
            return []
        raw = await self.redis.hmget(k.jobs, ids)
        jobs = [j for r in raw if (j := loads(r)) is not None]
        if status == "open":
            # A job left open past midnight is expired even before the rollover ran.
            jobs = [j for j in jobs if j["status"] == "open" and j["day"] == today]
        elif status:
            jobs = [j for j in jobs if j["status"] == status]
        refs = [ref for j in jobs for ref in j.get("bookings", {}).values()]
        tickets = await self._tickets(market, refs)
        return [job_public(j, tickets) for j in jobs]

    # -- the hall board: reads whose cost does not grow with the day's volume ---------
    # (kiosk/web/board_view.py keeps the board's order in memory and asks only for these.)

    async def open_job_count(self, market: str) -> int:
        """Today's open jobs, counted without reading them (one ZCOUNT): the open index
        is scored by post time, and a job reopened or approved keeps its own."""
        since = to_ms(day_start(self.clock.now()))
        return int(await self.redis.zcount(self.keys(market).jobs_open, since, "+inf"))

    async def jobs_posted_since(
        self, market: str, day: str, since_ms: int, limit: int
    ) -> list[tuple[str, int]]:
        """Up to ``limit`` of the jobs posted on ``day`` at or after ``since_ms`` (the
        day's index only grows), oldest first, with their post times in ms."""
        raw: Any = await self.redis.zrangebyscore(
            self.keys(market).jobs_day(day), since_ms, "+inf", start=0, num=limit, withscores=True
        )
        return [(str(m), int(score)) for m, score in raw]

    async def job_records(self, market: str, ids: list[str]) -> list[dict[str, Any] | None]:
        """The stored jobs of ``ids`` in order (None where there is none): one HMGET."""
        if not ids:
            return []
        return [loads(r) for r in await self.redis.hmget(self.keys(market).jobs, ids)]

    async def open_among(self, market: str, ids: list[str]) -> list[bool]:
        """Which of ``ids`` are open now: one ZMSCORE."""
        if not ids:
            return []
        scores = await self.redis.zmscore(self.keys(market).jobs_open, ids)
        return [s is not None for s in scores]

    async def recent_tickets(self, market: str, day: str, limit: int) -> list[dict[str, Any]]:
        """The day's last ``limit`` bookings, the newest first. A ticket's reference
        counts up through the day (KL1127-001, -002, ...), so the day's counter names
        them without an index."""
        k = self.keys(market)
        last = int(await self.redis.get(k.seq(day)) or 0)
        prefix = f"{self.market(market).ticket_prefix}{day[5:7]}{day[8:10]}-"
        refs = [f"{prefix}{n:03d}" for n in range(last, max(0, last - limit), -1)]
        if not refs:
            return []
        raw = await self.redis.hmget(k.tickets, refs)
        return [ticket_public(t) for r in raw if (t := loads(r)) is not None]

    async def events_head(self, market: str) -> str:
        """The id of the market's newest event ("" before the first): every change the
        hall shows (a post, an offer, a booking, a fill, an outcome) moves it."""
        newest = await self.redis.xrevrange(self.keys(market).events, count=1)
        return str(newest[0][0]) if newest else ""

    # -- after the interview (pay, disputes, ratings) ---------------------------------

    async def _after_work(
        self,
        market: str,
        ref: str,
        what: str,
        report: dict[str, Any],
        ticket: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        # A caller that already read the ticket passes it: one round trip fewer.
        ticket = ticket or await self.get_ticket(market, ref)
        if ticket is None:
            raise ScriptError("no_ticket")
        result = await self.scripts.after_work(
            self.keys(market),
            day=self.today(),
            ticket_day=ticket["day"],
            ref=ref,
            what=what,
            report_json=dumps(report),
            now_ms=to_ms(self.clock.now()),
            arrears_id=new_id("a"),
            block_at=ARREARS_BLOCK_AT,
        )
        out = loads(result.value)
        assert out is not None
        return ticket_public(out)

    async def report_pay(
        self, market: str, ref: str, *, paid: str, paid_yuan: float | None = None
    ) -> dict[str, Any]:
        """The worker's answer to "今天的工钱拿到了吗?"; no/partial opens an arrears record."""
        ticket = await self.get_ticket(market, ref)
        if ticket is None:
            raise ScriptError("no_ticket")
        job = await self.get_job_record(market, ticket["job_id"])
        agreed = float(job["wage_day_yuan"]) if job else float(ticket["wage_yuan"])
        report = {"paid": paid, "agreed_yuan": agreed}
        report["paid_yuan"] = agreed if paid == "yes" else float(paid_yuan or 0)
        return await self._after_work(market, ref, "pay", report, ticket)

    async def worker_answer(
        self, market: str, ref: str, *, answer: str, reason: str
    ) -> dict[str, Any]:
        """The worker's word on the employer's outcome: confirm, dispute ("I went, the
        boss wasn't there") or, after a no-show, explain ("I had something on")."""
        return await self._after_work(market, ref, "answer", {"answer": answer, "reason": reason})

    async def review_answer(
        self, market: str, ref: str, *, decision: str, by: str, note: str = ""
    ) -> dict[str, Any]:
        """An operator settles a dispute or a no-show explanation: ``accepted`` or
        ``rejected`` (a rejected explanation counts the no-show against reliability)."""
        report = {"decision": decision, "by": by, "note": note}
        return await self._after_work(market, ref, "review", report)

    async def rate(
        self, market: str, ref: str, *, by: str, thumbs: str, reason: str, block: bool
    ) -> dict[str, Any]:
        report = {"by": by, "thumbs": thumbs, "reason": reason, "block": block}
        return await self._after_work(market, ref, "rate", report)

    async def settle_arrears(
        self, market: str, arrears_id: str, *, outcome: str, by: str, note: str = ""
    ) -> dict[str, Any]:
        """An operator closes a wage-arrears record after follow-up (``recovered``,
        ``referred`` to the labour inspectorate, or ``closed``); returns it as it was."""
        if outcome not in ARREARS_OUTCOMES:
            raise ScriptError("bad_outcome")
        r = await self.scripts.settle_arrears(
            self.keys(market),
            arrears_id=arrears_id,
            outcome=outcome,
            who=by,
            note=note,
            now_ms=to_ms(self.clock.now()),
            block_at=ARREARS_BLOCK_AT,
        )
        before = loads(r.value)
        assert before is not None
        return before

    async def arrears(self, market: str, *, open_only: bool = True) -> list[dict[str, Any]]:
        k = self.keys(market)
        if open_only:
            ids = strs(await self.redis.zrange(k.arrears_open, 0, -1))
            raw = await self.redis.hmget(k.arrears, ids) if ids else []
        else:
            raw = list((await self.redis.hgetall(k.arrears)).values())
        return [a for r in raw if (a := loads(r)) is not None]

    async def disputes(self, market: str) -> list[dict[str, Any]]:
        k = self.keys(market)
        refs = strs(await self.redis.zrange(k.disputes, 0, -1))
        return [ticket_public(t) for t in (await self._tickets(market, refs)).values()]

    async def employer(self, market: str, employer_id: str) -> dict[str, Any] | None:
        return loads(await self.redis.hget(self.keys(market).employers, employer_id))

    async def review_job(
        self, market: str, job_id: str, *, approve: bool, reason: str, who: str
    ) -> Result:
        job = await self.get_job_record(market, job_id)
        if job is None:
            raise ScriptError("no_job")
        return await self.scripts.review_job(
            self.keys(market),
            job_day=job["day"],
            job_id=job_id,
            skills=job["skills"],
            decision="approve" if approve else "reject",
            now_ms=to_ms(self.clock.now()),
            reason=reason,
            who=who,
        )

    async def held_for_review(self, market: str) -> list[dict[str, Any]]:
        k = self.keys(market)
        ids = strs(await self.redis.zrange(k.jobs_review, 0, -1))
        raw = await self.redis.hmget(k.jobs, ids) if ids else []
        return [job_public(j) for r in raw if (j := loads(r)) is not None]

    async def cancel_job(self, market: str, job_id: str) -> Result:
        job = await self.get_job_record(market, job_id)
        if job is None:
            raise ScriptError("no_job")
        now = self.clock.now()
        result = await self.scripts.close_job(
            self.keys(market),
            day=day_key(now),
            job_day=job["day"],
            job_id=job_id,
            now_ms=to_ms(now),
            mode="cancel",
        )
        return result

    async def record_outcome(
        self, market: str, job_id: str, worker_id: str, outcome: str, reason: str = ""
    ) -> dict[str, Any]:
        job = await self.get_job_record(market, job_id)
        if job is None:
            raise ScriptError("no_job")
        now = self.clock.now()
        result = await self.scripts.record_outcome(
            self.keys(market),
            day=day_key(now),
            job_day=job["day"],
            job_id=job_id,
            worker_id=worker_id,
            outcome=outcome,
            now_ms=to_ms(now),
            reason=reason,
            keep_from=(
                date.fromisoformat(day_key(now)) - timedelta(NOSHOW_WINDOW_DAYS)
            ).isoformat(),
            not_before_ms=to_ms(datetime.fromisoformat(str(job["interview_at"]))),
        )
        ticket = loads(result.value)
        assert ticket is not None
        return ticket_public(ticket)

    # -- check-ins and workers --------------------------------------------------------

    def worker_id(self, phone: str) -> str:
        return worker_id_for(phone, self.settings.secret)

    async def check_in(
        self,
        market: str,
        spec: CheckinSpec,
        *,
        request_id: str,
        fingerprint: Any,
        rules_rev: str = "",
    ) -> Result:
        """Store a parsed check-in; ``rules_rev`` as for ``post_job``."""
        now = self.clock.now()
        day = day_key(now)
        wid = self.worker_id(spec.phone)
        given = {
            "name": spec.name,
            "phone_masked": mask_phone(spec.phone),
            # Opened only for an employer this worker is booked with (reveal_phone).
            "phone_enc": self.phones.seal(spec.phone, worker_binding(wid)),
            # A hired worker asks for more work that does not overlap (CHECK_IN).
            "again": spec.again,
            "skills": list(spec.skills),
            "skills_text": spec.skills_text,
            "township": spec.township,
            "county_adcode": spec.county_adcode,
            "reach": spec.reach,
            "min_wage_yuan": spec.min_wage_yuan,
            "available_until": iso(spec.available_until),
            "available_until_ms": to_ms(spec.available_until),
            # Recorded only with the worker's consent (validation refuses it otherwise).
            "priority_groups": " ".join(spec.priority_groups),
            "priority_consent": bool(spec.priority_groups),
        }
        profile = {
            "worker_id": wid,
            "name": spec.name,
            "phone_masked": mask_phone(spec.phone),
            "skills": list(spec.skills),
            "township": spec.township,
            "county_adcode": spec.county_adcode,
            "reach": spec.reach,
            "min_wage_yuan": spec.min_wage_yuan,
            "priority_groups": " ".join(spec.priority_groups),
            "last_day": day,
        }
        try:
            result = await self.scripts.check_in(
                self.keys(market),
                day=day,
                request_id=request_id,
                worker_id=wid,
                checkin_json=dumps(given),
                body_hash=body_hash(fingerprint),
                now_ms=to_ms(now),
                profile_json=dumps(profile),
                skills=spec.skills,
                block_subject=subject("worker", wid),
                rules_rev=rules_rev,
            )
        except ScriptError as exc:
            raise _with_block(exc) from None
        return Result(loads(result.value), result.replay)

    async def get_checkin_record(
        self, market: str, worker_id: str, day: str | None = None
    ) -> dict[str, Any] | None:
        key = self.keys(market).checkins(day or self.today())
        return loads(await self.redis.hget(key, worker_id))

    async def get_checkin(self, market: str, worker_id: str) -> dict[str, Any] | None:
        ck = await self.get_checkin_record(market, worker_id)
        return None if ck is None else checkin_public(ck)

    async def get_profile(self, market: str, worker_id: str) -> dict[str, Any] | None:
        return loads(await self.redis.hget(self.keys(market).workers, worker_id))

    async def count_checkins(self, market: str) -> int:
        return int(await self.redis.hlen(self.keys(market).checkins(self.today())))

    # -- offers and tickets -------------------------------------------------------------

    async def offers_for_worker(self, market: str, worker_id: str) -> list[dict[str, Any]]:
        ck = await self.get_checkin_record(market, worker_id)
        if ck is None or not ck.get("offers"):
            return []
        k = self.keys(market)
        ids = ck["offers"].split()
        offers = [o for r in await self.redis.hmget(k.offers, ids) if (o := loads(r)) is not None]
        job_ids = list({o["job_id"] for o in offers})
        jobs = {
            j["id"]: j
            for r in await self.redis.hmget(k.jobs, job_ids)
            if (j := loads(r)) is not None
        }
        now_ms = to_ms(self.clock.now())
        for o in offers:
            # The sweep may lag a little; nobody should be shown an offer they can no
            # longer take.
            if o["status"] == "pending" and o["expires_ms"] <= now_ms:
                o["status"] = "expired"
        offers.sort(key=lambda o: (o["status"] != "pending", -float(o.get("score", 0))))
        return [offer_public(o, jobs.get(o["job_id"])) for o in offers]

    async def get_offer(self, market: str, offer_id: str) -> dict[str, Any] | None:
        return loads(await self.redis.hget(self.keys(market).offers, offer_id))

    async def accept_offer(
        self, market: str, offer_id: str, *, worker_id: str | None = None
    ) -> dict[str, Any]:
        now = self.clock.now()
        result = await self.scripts.accept_offer(
            self.keys(market),
            day=day_key(now),
            offer_id=offer_id,
            worker_id=worker_id,
            now_ms=to_ms(now),
            ticket_prefix=self.market(market).ticket_prefix,
        )
        ticket = loads(result.value)
        assert ticket is not None
        return ticket_public(ticket)

    async def decline_offer(
        self, market: str, offer_id: str, *, worker_id: str | None = None
    ) -> None:
        now = self.clock.now()
        await self.scripts.decline_offer(
            self.keys(market),
            day=day_key(now),
            offer_id=offer_id,
            worker_id=worker_id,
            now_ms=to_ms(now),
        )

    async def get_ticket(self, market: str, ref: str) -> dict[str, Any] | None:
        t = loads(await self.redis.hget(self.keys(market).tickets, ref))
        return None if t is None else ticket_public(t)

    # -- reaching each other: full numbers for the booked counterpart, job codes --------

    async def reveal_phone(
        self,
        market: str,
        ref: str,
        *,
        whose: Literal["employer", "worker"],
        device: str = "",
    ) -> str | None:
        """The full number of one side of a booking, for the other side's own view
        (the worker's ticket, the employer's job page), or None when the booking no
        longer stands or no number was kept. Every reveal is in the audit trail: who
        saw whose number of which ticket, at which kiosk (``device``). The caller has
        checked that the viewer is the booking's other side."""
        t = loads(await self.redis.hget(self.keys(market).tickets, ref))
        if t is None or t.get("status") not in REVEALABLE:
            return None
        if whose == "employer":
            phone = self.phones.open(t.get("employer_phone_enc"), employer_binding(t["job_id"]))
        else:
            phone = self.phones.open(t.get("worker_phone_enc"), worker_binding(t["worker_id"]))
        if phone is None:
            return None
        viewer = str(t.get("worker_id") if whose == "employer" else t.get("employer_id"))
        await audit.record(
            self.redis,
            at=self.clock.now(),
            who=viewer,
            role="worker" if whose == "employer" else "employer",
            action="phone.reveal",
            market=market,
            target=ref,
            after={"whose": whose, "device": device},
        )
        return phone

    async def job_code(self, market: str, job_id: str) -> str | None:
        """The job's code, for its owner's page and slip only."""
        job = await self.get_job_record(market, job_id)
        code = (job or {}).get("code")
        return str(code) if code else None

    async def check_job_code(self, market: str, job_id: str, typed: str) -> CodeCheck:
        """Whether ``typed`` is the job's code. A shared kiosk could be used to guess:
        after CODE_TRIES_MAX wrong codes the job is locked for a while, right code or
        not."""
        k = self.keys(market)
        async with self.redis.pipeline(transaction=False) as p:
            p.hget(k.jobs, job_id)
            p.get(k.code_tries(job_id))
            raw_job, raw_tries = await p.execute()
        if int(raw_tries or 0) >= CODE_TRIES_MAX:
            return "locked"
        job = loads(raw_job)
        code = str((job or {}).get("code") or "")
        if code and hmac.compare_digest(code.encode(), typed.strip().encode()):
            return "ok"
        tries = await self.scripts.count_write(k.code_tries(job_id), ttl_ms=CODE_TRIES_TTL_S * 1000)
        return "locked" if tries >= CODE_TRIES_MAX else "wrong"

    async def booking_today(self, market: str, worker_id: str) -> dict[str, Any] | None:
        """The ticket of the booking a worker holds today (booked, or hired and not
        asking for more work), or None: a worker who types their number again is shown
        it rather than checked in over it."""
        ck = await self.get_checkin_record(market, worker_id)
        if ck is None or ck.get("status") not in ("booked", "hired") or not ck.get("booking"):
            return None
        ticket = await self.get_ticket(market, str(ck["booking"]))
        if ticket is None or ticket.get("status") not in ("booked", "hired"):
            return None
        return ticket

    # -- daily figures ------------------------------------------------------------------

    async def stats(self, market: str, day: str) -> dict[str, Any]:
        k = self.keys(market)
        async with self.redis.pipeline(transaction=False) as p:
            p.hgetall(k.stats(day))
            p.lrange(k.minutes_to_fill(day), 0, -1)
            p.lrange(k.minutes_to_booking(day), 0, -1)
            raw, ttf, ttb = await p.execute()
        return rollup.counters(market, day, raw, ttf, ttb)

    # -- day boundary -------------------------------------------------------------------

    async def roll_day(self, market: str) -> int:
        """Close every job of an earlier day that is still open or filled.

        Check-ins need no closing: their keys are per day. Returns jobs closed.
        """
        k = self.keys(market)
        now = self.clock.now()
        today = day_key(now)
        # Only jobs posted before today can be an earlier day's (jobs:open is scored by
        # the post time): the tick reads none of today's, however many are open.
        today_ms = to_ms(day_start(now))
        ids = strs(await self.redis.zrangebyscore(k.jobs_open, "-inf", f"({today_ms}"))
        closed = 0
        if ids:
            for job in [j for r in await self.redis.hmget(k.jobs, ids) if (j := loads(r))]:
                if job["day"] < today:
                    try:
                        await self.scripts.close_job(
                            k,
                            day=today,
                            job_day=job["day"],
                            job_id=job["id"],
                            now_ms=to_ms(now),
                            mode="day_end",
                        )
                        closed += 1
                    except ScriptError:
                        pass
        # Filled jobs are not in jobs:open; close yesterday's ones by day index.
        raw_last = await self.redis.get(k.rollover)
        last = str(raw_last) if raw_last is not None else None
        if last is None or last < today:
            start = date.fromisoformat(last) if last else date.fromisoformat(today) - timedelta(7)
            d = start
            while d.isoformat() < today:
                for job_id in strs(await self.redis.zrange(k.jobs_day(d.isoformat()), 0, -1)):
                    old = await self.get_job_record(market, job_id)
                    if old and old["status"] in ("open", "filled"):
                        try:
                            await self.scripts.close_job(
                                k,
                                day=today,
                                job_day=old["day"],
                                job_id=job_id,
                                now_ms=to_ms(now),
                                mode="day_end",
                            )
                            closed += 1
                        except ScriptError:
                            pass
                d += timedelta(days=1)
            # The closed days' figures are kept before anything of them may be trimmed;
            # should this fail, the rollover is retried on the next tick.
            await rollup.roll_up_closed(self, market)
            await self.redis.set(k.rollover, today)
            await self.trim(market)
        return closed

    async def trim(self, market: str) -> dict[str, int]:
        """Keep what is old only as long as it is needed: the events and queue streams
        are trimmed by age and old offers deleted, but never past a closed day whose
        figures are not rolled up yet (``matcher.store.rollup``). Daily counters, roll-ups,
        jobs and tickets stay for reports."""
        k = self.keys(market)
        now = self.clock.now()
        removed = {"events": 0, "queue": 0, "offers": 0}
        days = self.settings.retention_days
        # Retention counts market days: streams are cut where their entries' own stamps
        # (the service clock) pass the cutoff, whatever the server's clock says
        # (matcher/store/stream_trim.py).
        seconds, micros = await self.redis.time()
        offset = to_ms(now) - (int(seconds) * 1000 + int(micros) // 1000)
        events_cutoff = to_ms(now) - days * 86_400_000
        unrolled = await rollup.unrolled_days(self, market)
        if unrolled:
            # Nothing of a day not yet rolled up is trimmed: the cutoff stops at its start.
            start = datetime.combine(date.fromisoformat(unrolled[0]), time(0), tzinfo=TZ)
            events_cutoff = min(events_cutoff, to_ms(start))
        keep = await first_at_or_after(self.redis, k.events, events_cutoff, server_offset_ms=offset)
        removed["events"] = await trim_before(self.redis, k.events, keep)
        # Queue entries are handled within seconds; two days covers any claim or retry,
        # and nothing still pending or not yet delivered is ever trimmed.
        keep = await first_at_or_after(
            self.redis, k.queue, to_ms(now) - 2 * 86_400_000, server_offset_ms=offset
        )
        groups = await self.redis.xinfo_groups(k.queue) if await self.redis.exists(k.queue) else []
        for group in groups:
            delivered = str(group.get("last-delivered-id", "0-0"))
            limits = [f"{parse_id(delivered)[0]}-0"]
            pending = await self.redis.xpending(k.queue, str(group["name"]))
            if pending.get("pending"):
                limits.append(f"{parse_id(str(pending['min']))[0]}-0")
            if keep is not None:
                limits.append(keep)
            keep = min(limits, key=parse_id)
        removed["queue"] = await trim_before(self.redis, k.queue, keep)
        today = date.fromisoformat(day_key(now))
        for back in range(days, days + 8):
            day = (today - timedelta(days=back)).isoformat()
            if day in unrolled:
                continue
            ids = strs(await self.redis.zrange(k.jobs_day(day), 0, -1))
            if not ids:
                continue
            jobs = [j for r in await self.redis.hmget(k.jobs, ids) if (j := loads(r))]
            offer_ids = [oid for j in jobs for oid in j.get("offered", {}).values()]
            if offer_ids:
                removed["offers"] += int(await self.redis.hdel(k.offers, *offer_ids))
        removed["phones"] = await self._scrub_old_phones(market, today)
        return removed

    async def _scrub_old_phones(self, market: str, today: date) -> int:
        """Drop the sealed full numbers of days past PHONES_KEPT_DAYS (a week of days
        back, so a rollover missed for a while catches up); masked forms stay."""
        k = self.keys(market)
        scrubbed = 0
        for back in range(PHONES_KEPT_DAYS, PHONES_KEPT_DAYS + 8):
            day = (today - timedelta(days=back)).isoformat()
            ids = strs(await self.redis.zrange(k.jobs_day(day), 0, -1))
            if not ids:
                continue
            jobs = [j for r in await self.redis.hmget(k.jobs, ids) if (j := loads(r))]
            refs = [ref for j in jobs for ref in j.get("bookings", {}).values()]
            scrubbed += await self.scripts.scrub_phones(k, job_ids=ids, refs=refs)
        return scrubbed

    async def forget_worker(self, market: str, worker_id: str) -> int:
        """Delete a worker's profile and today's check-in on their request (tickets of
        past work keep only the masked number, needed for wage-arrears follow-up: the
        sealed full number goes from them and from the days' check-ins kept)."""
        k = self.keys(market)
        today = date.fromisoformat(self.today())
        days = [(today - timedelta(days=n)).isoformat() for n in range(CHECKIN_DAYS)]
        async with self.redis.pipeline(transaction=False) as p:
            for day in days:
                p.hget(k.checkins(day), worker_id)
            checkins = [ck for r in await p.execute() if (ck := loads(r))]
        refs = {str(r) for ck in checkins for r in [*str(ck.get("tickets", "")).split()]}
        refs |= {str(ck["booking"]) for ck in checkins if ck.get("booking")}
        await self.scripts.scrub_phones(
            k, job_ids=(), refs=sorted(refs), worker_id=worker_id, checkin_days=days
        )
        removed = int(await self.redis.hdel(k.workers, worker_id))
        removed += int(await self.redis.hdel(k.checkins(self.today()), worker_id))
        return removed

    async def expire_offers(self, market: str, limit: int = 500) -> int:
        now = self.clock.now()
        n = await self.scripts.expire_offers(
            self.keys(market), day=day_key(now), now_ms=to_ms(now), limit=limit
        )
        return n


def _with_block(exc: ScriptError) -> ScriptError:
    """A script's refusal for an operator's block carries the block (its last day)."""
    if exc.code in ("employer_suspended", "worker_suspended"):
        return Blocked(exc.code, loads(exc.detail) or {})
    return exc
