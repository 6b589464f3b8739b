"""The ``kuaizhao`` command: serve, matcher, token, user, kiosk, skills, demo, report,
bench."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from collections.abc import Sequence
from typing import Any

from kiosk.auth.tokens import ROLES, create_token
from kiosk.cli.accounts import add_parsers as add_account_parsers
from kiosk.cli.accounts import demo_access
from kiosk.cli.backup import backup_command, restore_command
from kiosk.cli.connect import open_redis
from kiosk.http.state import AppState
from kiosk.web.validation import PHONE_RE, normalise_phone, parse_checkin, parse_job
from matcher.clock import SystemClock, clock_from_setting, iso
from matcher.markets import MARKETS
from matcher.matching.worker import Matcher
from matcher.settings import Settings
from matcher.sim.demo import demo_checkins, demo_jobs
from matcher.store.client import close_client, open_client
from matcher.store.embedded import ServerNotFound, find_server_binary
from matcher.store.facade import Store
from matcher.text.places import default_gazetteer
from matcher.text.skills import default_taxonomy
from matcher.text.suggest import parse_entries

log = logging.getLogger("kuaizhao")


async def load_demo(state: AppState) -> dict[str, str]:
    """Demo jobs and check-ins for the four model markets; one API token each."""

    now = state.clock.now()
    for item in demo_checkins(now):
        checkin = parse_checkin(item.body, state.context(MARKETS[item.market]))
        await state.store.check_in(
            item.market, checkin, request_id=item.request_id, fingerprint=item.body
        )
    for item in demo_jobs(now):
        spec = parse_job(item.body, state.context(MARKETS[item.market]))
        await state.store.post_job(
            item.market, spec, request_id=item.request_id, fingerprint=item.body
        )
    tokens = {}
    for m in MARKETS:
        tokens[m] = await create_token(
            state.store.redis, market=m, role="integration", created_at=iso(now)
        )
    return tokens


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    # Only `serve` needs the web application (Starlette, templates, every page): the
    # other commands start without loading it.
    from kiosk.app import create_app

    settings = Settings.from_env()
    shown = "localhost" if args.host in ("127.0.0.1", "0.0.0.0", "::") else args.host
    base = f"http://{shown}:{args.port}"

    announcer: list[asyncio.Task[None]] = []

    async def ready(state: AppState) -> None:
        lines = ["", "kuaizhao is running:"]
        where = (
            "embedded valkey, data in " + str(settings.data_dir.resolve())
            if settings.redis_url is None
            else "REDIS_URL"
        )
        lines.append(f"  store:          {where}")
        lines.append(f"  market picker:  {base}/")
        for m in MARKETS.values():
            lines.append(f"  kiosk {m.id:<10}{base}/m/{m.id}/    hall board: {base}/m/{m.id}/board")
        lines.append(f"  operators:      {base}/ops/")
        lines.append(f"  API:            {base}/api/v1/openapi.json")
        lines.append(f"  health:         {base}/-/health")
        if args.demo:
            tokens = await load_demo(state)
            lines.append("  demo data loaded; API tokens (integration role):")
            for market_id, tok in tokens.items():
                lines.append(f"    {market_id:<10} {tok}")
            lines += await demo_access(state, base)

        async def announce() -> None:
            # Only once the port is bound: a busy port must not print "running".
            while not server.started and not server.should_exit:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            if server.started:
                print("\n".join(lines) + "\n", flush=True)

        announcer.append(asyncio.create_task(announce()))

    if settings.redis_url is None:
        # Say plainly what to install before uvicorn starts, not in a startup traceback.
        try:
            find_server_binary()
        except ServerNotFound as exc:
            print(exc, file=sys.stderr)
            return 2
    app = create_app(settings, on_ready=ready)
    config = uvicorn.Config(
        app, host=args.host, port=args.port, log_level="info", proxy_headers=True
    )
    server = uvicorn.Server(config)
    # uvicorn re-raises a captured SIGTERM once its graceful shutdown is done (so the
    # process would end "killed by SIGTERM", status -15); a clean stop on SIGTERM is a
    # success, so that re-raised signal (or one before uvicorn listens) exits with 0.
    previous = signal.signal(signal.SIGTERM, _exit_ok)
    try:
        server.run()
    except ServerNotFound as exc:
        print(exc, file=sys.stderr)
        return 2
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


def _exit_ok(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _matcher(args: argparse.Namespace) -> int:
    settings = Settings.from_env().with_secret()
    if settings.redis_url is None:
        print("kuaizhao matcher runs beside a server: set REDIS_URL", file=sys.stderr)
        return 2
    markets = args.market or list(MARKETS)

    async def main() -> None:
        redis = open_client(settings.redis_url or "", pool_size=settings.redis_pool_size)
        store = Store(redis, settings, clock_from_setting(settings.fake_now))
        await store.probe()
        matcher = Matcher(store, markets)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, matcher.stop)
        log.info("matcher %s consuming %s", matcher.name, ", ".join(markets))
        try:
            await matcher.run()
        finally:
            await close_client(redis)

    asyncio.run(main())
    return 0


def _token(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if args.market not in MARKETS and args.market != "*":
        print(f"unknown market {args.market!r}; one of: {', '.join(MARKETS)}", file=sys.stderr)
        return 2

    async def main() -> str:
        async with open_redis(settings) as redis:
            return await create_token(
                redis, market=args.market, role=args.role, created_at=iso(SystemClock().now())
            )

    print(asyncio.run(main()))
    return 0


def _skills(args: argparse.Namespace) -> int:
    # The same list as GET /api/v1/skills/parse: hits, then (no accept hit) suggestions.
    entries = parse_entries(default_taxonomy(), args.text)
    if args.json:
        print(json.dumps(entries, ensure_ascii=False))
    else:
        for e in entries:
            print(f"{e['skill_id']:<24} {e['name_zh']:<8} {float(e['score']):6.1f}  {e['band']}")
    return 0


def _report(args: argparse.Namespace) -> int:
    settings = Settings.from_env().with_secret()

    async def main() -> list[dict[str, Any]]:
        async with open_redis(settings) as redis:
            store = Store(redis, settings, clock_from_setting(settings.fake_now))
            day = args.date or store.today()
            return [await store.stats(m, day) for m in (args.market or list(MARKETS))]

    print(json.dumps(asyncio.run(main()), ensure_ascii=False, indent=2))
    return 0


def _demo(args: argparse.Namespace) -> int:
    settings = Settings.from_env().with_secret()

    async def main() -> dict[str, str]:
        async with open_redis(settings) as redis:
            clock = clock_from_setting(settings.fake_now)
            store = Store(redis, settings, clock)
            await store.probe()
            state = AppState(settings, clock, store, default_taxonomy(), default_gazetteer())
            return await load_demo(state)

    for m, tok in asyncio.run(main()).items():
        print(f"{m:<10} {tok}")
    return 0


def _forget(args: argparse.Namespace) -> int:
    """Delete a worker's profile in every market (a person's request)."""

    phone = normalise_phone(args.phone)
    if not PHONE_RE.match(phone):
        print("not a mainland mobile number", file=sys.stderr)
        return 2
    settings = Settings.from_env().with_secret()

    async def main() -> int:
        async with open_redis(settings) as redis:
            store = Store(redis, settings, clock_from_setting(settings.fake_now))
            wid = store.worker_id(phone)
            return sum([await store.forget_worker(m, wid) for m in MARKETS])

    removed = asyncio.run(main())
    print(f"removed {removed} record(s)")
    return 0


def _bench(args: argparse.Namespace) -> int:
    # The measuring tools are never loaded by a command that serves.
    from kiosk.bench.main import run_bench

    print(json.dumps(run_bench(args), ensure_ascii=False, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="kuaizhao", description="即时快招 — same-day hiring for gig markets"
    )
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="run web + matcher (+ embedded server without REDIS_URL)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--demo", action="store_true", help="load demo data and print API tokens")
    s.set_defaults(func=_serve)
    m = sub.add_parser("matcher", help="run a standalone matcher (needs REDIS_URL)")
    m.add_argument("--market", action="append", choices=list(MARKETS))
    m.set_defaults(func=_matcher)
    t = sub.add_parser("token", help="API tokens")
    tsub = t.add_subparsers(dest="token_command", required=True)
    tc = tsub.add_parser("create", help="create a bearer token bound to a market and a role")
    tc.add_argument("--market", required=True)
    tc.add_argument("--role", required=True, choices=ROLES)
    tc.set_defaults(func=_token)
    k = sub.add_parser("skills", help="the skills taxonomy")
    ksub = k.add_subparsers(dest="skills_command", required=True)
    kp = ksub.add_parser("parse", help="free text to skill ids")
    kp.add_argument("text")
    kp.add_argument("--json", action="store_true")
    kp.set_defaults(func=_skills)
    d = sub.add_parser("demo", help="load demo data into the store")
    d.set_defaults(func=_demo)
    r = sub.add_parser("report", help="daily figures as JSON")
    r.add_argument("--market", action="append", choices=list(MARKETS))
    r.add_argument("--date")
    r.set_defaults(func=_report)
    f = sub.add_parser("forget", help="delete a worker's profile on their request")
    f.add_argument("--phone", required=True)
    f.set_defaults(func=_forget)
    bk = sub.add_parser("backup", help="pack the store's AOF and snapshot into DIR")
    bk.add_argument("--to", required=True, metavar="DIR")
    bk.add_argument("--keep", type=int, default=0, help="then delete all but the newest N")
    bk.set_defaults(func=backup_command)
    rs = sub.add_parser("restore", help="copy every key of a backup into the store")
    rs.add_argument("--from", dest="source", required=True, metavar="FILE")
    rs.add_argument("--replace", action="store_true", help="delete the store's keys first")
    rs.set_defaults(func=restore_command)
    add_account_parsers(sub)
    b = sub.add_parser("bench", help="benchmarks, printing JSON")
    b.add_argument(
        "what",
        nargs="?",
        default="latency",
        choices=["latency", "match", "parse", "screening", "sim", "load", "soak"],
    )
    b.add_argument("--posts", type=int, help="latency: rounds (100); load: per phase (5000)")
    b.add_argument("--crowd", type=int, default=0, help="latency: workers checked in beforehand")
    b.add_argument("--seeds", type=int, default=3, help="sim: simulated days")
    b.add_argument("--sim-workers", type=int, default=400, help="sim: workers per day")
    b.add_argument("--sim-jobs", type=int, default=150, help="sim: jobs per day")
    b.add_argument("--no-batch", action="store_true", help="sim: greedy only, no batch pass")
    b.add_argument(
        "--scenarios",
        default="steady_history",
        help="sim: 'all' or a comma list (day_one, burst_after_checkins, late_workers, "
        "scarce_trades, multi_skill, mixed_reach, steady_week_day, steady_history)",
    )
    b.add_argument(
        "--no-live-graph", action="store_true", help="sim: KUAIZHAO_LIVE_GRAPH=false (before)"
    )
    b.add_argument("--in-flight", type=int, default=32, help="load: requests in flight")
    b.add_argument("--rate", type=float, default=1000, help="load: job posts per second")
    b.add_argument("--seconds", type=float, default=10, help="load: seconds at --rate")
    b.add_argument("--kiosks", type=int, default=200, help="load: kiosks polling")
    b.add_argument("--poll-s", type=float, default=2, help="load: seconds between polls")
    b.add_argument("--kiosk-seconds", type=float, default=20, help="load: seconds of polling")
    b.add_argument("--checkins", type=int, default=10_000, help="load: workers for memory")
    b.add_argument("--with-matcher", action="store_true", help="load: matcher in the web process")
    b.add_argument("--max-phase-s", type=float, default=120, help="load: time bound per phase")
    b.add_argument("--no-durable", action="store_true", help="load: KUAIZHAO_DURABLE=false")
    b.add_argument(
        "--stored-token",
        action="store_true",
        help="load: post with a per-market token kept in the store, not KUAIZHAO_API_TOKEN",
    )
    b.add_argument("--days", type=int, default=14, help="soak: simulated days")
    b.add_argument("--retention-days", type=int, default=3, help="soak: KUAIZHAO_RETENTION_DAYS")
    b.add_argument("--json", action="store_true", help="(output is always JSON)")
    b.set_defaults(func=_bench)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
