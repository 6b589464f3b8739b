"""The one place settings are read from the environment.

Every setting has an environment variable, a default, and a line of documentation;
``deploy/`` templates and the README are checked against ``FIELDS`` by the tests.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Settings:
    redis_url: str | None = field(
        default=None,
        metadata={
            "env": "REDIS_URL",
            "doc": "Redis/Valkey URL (redis+cluster://HOST:PORT: a cluster, any node); "
            "absent: start the embedded server",
        },
    )
    data_dir: Path = field(
        default=Path("var"),
        metadata={"env": "KUAIZHAO_DATA", "doc": "data directory (embedded server under redis/)"},
    )
    api_token: str | None = field(
        default=None,
        metadata={"env": "KUAIZHAO_API_TOKEN", "doc": "extra integration token for every market"},
    )
    secret: str = field(
        default="",
        metadata={
            "env": "KUAIZHAO_SECRET",
            "doc": "key for phone-number hashes; absent: generated once into DATA/secret",
        },
    )
    offer_ttl_minutes: int = field(
        default=15, metadata={"env": "KUAIZHAO_OFFER_TTL_MIN", "doc": "minutes an offer stays open"}
    )
    offers_per_slot: int = field(
        # Two workers asked per place: fast enough if one is slow to answer, few enough
        # that the batch pass can steer people to where they raise total fills.
        default=2,
        metadata={"env": "KUAIZHAO_OFFERS_PER_SLOT", "doc": "pending offers per open headcount"},
    )
    max_pending_offers: int = field(
        # One offer at a time: one question per screen for the worker, and the batch
        # pass can then steer each worker to where they raise total fills.
        default=1,
        metadata={"env": "KUAIZHAO_MAX_PENDING", "doc": "pending offers one worker may hold"},
    )
    claim_idle_ms: int = field(
        default=10_000,
        metadata={
            "env": "KUAIZHAO_CLAIM_IDLE_MS",
            "doc": "queue entries idle this long are claimed by another matcher",
        },
    )
    max_deliveries: int = field(
        default=5,
        metadata={"env": "KUAIZHAO_MAX_DELIVERIES", "doc": "deliveries before dead-lettering"},
    )
    batch_interval_s: float = field(
        default=5.0,
        metadata={
            "env": "KUAIZHAO_BATCH_INTERVAL_S",
            "doc": "seconds between batch passes that move offers to raise total fills",
        },
    )
    hold_forecast_days: int = field(
        # "Keep for scarce work" (matcher/matching/forecast.py) changes who is asked first for
        # many jobs in a thin market: operators can turn it off with 0.
        default=7,
        metadata={
            "env": "KUAIZHAO_HOLD_FORECAST_DAYS",
            "doc": "earlier days the keep-for-scarce-work rule learns later posts from (0: off)",
        },
    )
    live_graph: bool = field(
        # Offers that keep today's maximum matching reachable (matcher/matching/live_graph.py);
        # false only to measure what it adds (kuaizhao bench sim).
        default=True,
        metadata={
            "env": "KUAIZHAO_LIVE_GRAPH",
            "doc": "ask only workers today's open places can spare (false: greedy order only)",
        },
    )
    decision_window_ms: int = field(
        # Posts arriving together (a burst after every check-in) are repaired together.
        default=250,
        metadata={
            "env": "KUAIZHAO_DECISION_WINDOW_MS",
            "doc": "arrivals within this window have pending offers moved together",
        },
    )
    write_limit_per_min: int = field(
        default=1200,
        metadata={
            "env": "KUAIZHAO_WRITE_LIMIT",
            "doc": "writes per minute per API token or client address (0: no limit)",
        },
    )
    retention_days: int = field(
        default=30,
        metadata={
            "env": "KUAIZHAO_RETENTION_DAYS",
            "doc": "days events and offers are kept (daily figures, jobs, tickets stay)",
        },
    )
    redis_pool_size: int = field(
        default=64,
        metadata={"env": "KUAIZHAO_REDIS_POOL", "doc": "connections per process (requests wait)"},
    )
    durable_writes: bool = field(
        default=True,
        metadata={
            "env": "KUAIZHAO_DURABLE",
            "doc": "acknowledge writes only after WAITAOF (when the server supports it)",
        },
    )
    run_matcher: bool = field(
        default=True,
        metadata={
            "env": "KUAIZHAO_RUN_MATCHER",
            "doc": "run a matcher inside each web process (false: web only, beside "
            "`kuaizhao matcher` processes)",
        },
    )
    freeze_heap: bool = field(
        default=True,
        metadata={
            "env": "KUAIZHAO_FREEZE_HEAP",
            "doc": "after start-up, keep what lives as long as the process out of the "
            "collector's full passes (gc.freeze: they were the API's p99)",
        },
    )

    fake_now: str | None = field(
        default=None,
        metadata={
            "env": "KUAIZHAO_FAKE_NOW",
            "doc": "tests and demos only: the clock starts at this ISO time and runs on",
        },
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f.metadata["env"])
            if raw is None or raw == "":
                continue
            if f.type in ("int", int):
                values[f.name] = int(raw)
            elif f.type in ("float", float):
                values[f.name] = float(raw)
            elif f.type in ("bool", bool):
                values[f.name] = raw.strip().lower() in {"1", "true", "yes", "on"}
            elif f.type in ("Path", Path):
                values[f.name] = Path(raw)
            else:
                values[f.name] = raw
        return cls(**values)  # type: ignore[arg-type]

    def with_secret(self) -> Settings:
        """Return settings whose secret is set, creating DATA/secret on first use.

        The secret keys worker ids (hashes of phone numbers): it must stay the same
        across restarts or every returning worker becomes a stranger.
        """
        if self.secret:
            return self
        path = self.data_dir / "secret"
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written to a temporary name and linked into place: a process starting at the
        # same moment never reads a half-written (empty) secret.
        if not path.exists():
            tmp = path.with_name(f".secret.{os.getpid()}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass  # another process won the race; use its secret
            finally:
                tmp.unlink()
        return _replace(self, secret=path.read_text().strip())


def _replace(settings: Settings, **changes: object) -> Settings:
    from dataclasses import replace

    return replace(settings, **changes)  # type: ignore[arg-type]


FIELDS: dict[str, str] = {f.metadata["env"]: f.metadata["doc"] for f in fields(Settings)}
