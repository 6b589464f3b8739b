"""Every Redis key kuaizhao uses, with its type and lifetime.

All keys of one market carry the hash tag ``{market}`` so that each Lua script and
MULTI touches a single cluster slot. Records are JSON values in per-market hashes
(rather than a key per record) so that scripts reach every record they change
through a declared KEY, which keeps them correct on Redis Cluster.

| key                                   | type   | lifetime                         |
|---------------------------------------|--------|----------------------------------|
| kz:{m}:jobs                           | HASH   | job id -> job JSON; kept         |
| kz:{m}:jobs:open                      | ZSET   | open job ids by post time        |
| kz:{m}:jobs:day:{d}                   | ZSET   | job ids posted on day d; kept    |
| kz:{m}:jobs:review                    | ZSET   | posts held by screening          |
| kz:{m}:idx:jobs:{skill}               | ZSET   | open jobs by skill; cleaned lazily |
| kz:{m}:checkins:{d}                   | HASH   | worker id -> check-in JSON; DAY_TTL |
| kz:{m}:idx:workers:{d}:{skill}        | ZSET   | workers by skill, score check-in ms; DAY_TTL |
| kz:{m}:workers                        | HASH   | worker id -> profile JSON; kept  |
| kz:{m}:offers                         | HASH   | offer id -> offer JSON; kept     |
| kz:{m}:offers:pending                 | ZSET   | pending offer ids by expiry ms   |
| kz:{m}:tickets                        | HASH   | ticket ref -> ticket JSON; kept  |
| kz:{m}:seq:{d}                        | STRING | ticket counter of day d; DAY_TTL |
| kz:{m}:q                              | STREAM | work queue, group ``matchers``   |
| kz:{m}:q:dead                         | STREAM | dead-lettered queue entries      |
| kz:{m}:events                         | STREAM | every state change (screens, audit, stats) |
| kz:{m}:stats:{d}                      | HASH   | daily counters; kept             |
| kz:{m}:ttb:{d} / kz:{m}:ttf:{d}       | LIST   | minutes to first booking / to filled |
| kz:{m}:idem:{request id}              | STRING | idempotent response; IDEM_TTL    |
| kz:{m}:employers                      | HASH   | employer id -> arrears, incidents, ratings |
| kz:{m}:arrears                        | HASH   | arrears id -> wage-arrears record; kept |
| kz:{m}:arrears:open                   | ZSET   | open arrears ids by report ms    |
| kz:{m}:disputes                       | ZSET   | disputes, no-show reasons (operators) |
| kz:{m}:rollover                       | STRING | last local day closed by the day rollover |
| kz:{m}:settings                       | HASH   | operators' overrides of MARKETS; kept |
| kz:{m}:rev                            | STRING | revision of settings + API tokens (writes) |
| kz:{m}:blocks                         | HASH   | "e:"/"w:" + id -> block JSON; kept |
| kz:{m}:blocks:until                   | ZSET   | live blocks' subjects by end ms |
| kz:{m}:rollup:{d}                     | HASH   | closed day's figures (JSON fields); kept |
| kz:{m}:codetries:{job id}             | STRING | wrong job codes typed for a job; CODE_TRIES_TTL |
| kz:tokens                             | HASH   | sha256(token) -> token JSON (role, market) |
| kz:matchers                           | HASH   | matcher consumer -> heartbeat ms |
| kz:accounts                           | HASH   | username -> account JSON (argon2 hash) |
| kz:opsess:{sha256(session id)}        | STRING | operator session JSON; OP_SESSION_TTL |
| kz:login:{who}                        | STRING | failed logins of a name/address; LOGIN_WINDOW |
| kz:audit                              | STREAM | operator actions, before/after; kept |
| kz:devices                            | HASH   | sha256(credential) -> enrolled kiosk JSON |
| kz:enrol:{code}                       | STRING | one-time enrolment code; ENROL_CODE_TTL |
"""

from __future__ import annotations

DAY_TTL_S = 8 * 24 * 3600
IDEM_TTL_S = 2 * 24 * 3600
QUEUE_GROUP = "matchers"
EVENTS_MAXLEN = 500_000
QUEUE_MAXLEN = 200_000

TOKENS = "kz:tokens"


def rate_limit(who: str, window: int) -> str:
    """STRING counter of writes by one token or address in one minute; 2 min TTL."""
    return f"kz:rl:{who}:{window}"


MATCHERS = "kz:matchers"

ACCOUNTS = "kz:accounts"
AUDIT = "kz:audit"
# Roughly ten years of a busy prefecture's operator actions; trimmed only past that.
AUDIT_MAXLEN = 2_000_000
DEVICES = "kz:devices"
OP_SESSION_TTL_S = 12 * 3600
LOGIN_WINDOW_S = 15 * 60
ENROL_CODE_TTL_S = 30 * 60
# A job whose code was typed wrong this often is locked this long (a kiosk is shared).
CODE_TRIES_MAX = 5
CODE_TRIES_TTL_S = 15 * 60


def op_session(digest: str) -> str:
    return f"kz:opsess:{digest}"


def login_failures(who: str) -> str:
    return f"kz:login:{who}"


def enrol_code(code: str) -> str:
    return f"kz:enrol:{code}"


class MarketKeys:
    """Key names of one market."""

    __slots__ = ("market", "p")

    def __init__(self, market: str) -> None:
        if not market or not market.isascii() or "}" in market or "{" in market:
            raise ValueError(f"bad market id {market!r}")
        self.market = market
        self.p = f"kz:{{{market}}}"

    @property
    def jobs(self) -> str:
        return f"{self.p}:jobs"

    @property
    def jobs_open(self) -> str:
        return f"{self.p}:jobs:open"

    @property
    def jobs_review(self) -> str:
        return f"{self.p}:jobs:review"

    def jobs_day(self, day: str) -> str:
        return f"{self.p}:jobs:day:{day}"

    def jobs_by_skill(self, skill: str) -> str:
        return f"{self.p}:idx:jobs:{skill}"

    def checkins(self, day: str) -> str:
        return f"{self.p}:checkins:{day}"

    def workers_by_skill(self, day: str, skill: str) -> str:
        return f"{self.p}:idx:workers:{day}:{skill}"

    @property
    def workers(self) -> str:
        return f"{self.p}:workers"

    @property
    def offers(self) -> str:
        return f"{self.p}:offers"

    @property
    def offers_pending(self) -> str:
        return f"{self.p}:offers:pending"

    @property
    def tickets(self) -> str:
        return f"{self.p}:tickets"

    def seq(self, day: str) -> str:
        return f"{self.p}:seq:{day}"

    @property
    def queue(self) -> str:
        return f"{self.p}:q"

    @property
    def dead(self) -> str:
        return f"{self.p}:q:dead"

    @property
    def events(self) -> str:
        return f"{self.p}:events"

    def stats(self, day: str) -> str:
        return f"{self.p}:stats:{day}"

    @property
    def stats_scan(self) -> str:
        """SCAN pattern of every day's counters: a day with any activity has them."""
        return f"{self.p}:stats:*"

    def stats_day(self, key: str) -> str:
        """The day of a key matched by ``stats_scan``."""
        return key.removeprefix(f"{self.p}:stats:")

    def minutes_to_booking(self, day: str) -> str:
        return f"{self.p}:ttb:{day}"

    def minutes_to_fill(self, day: str) -> str:
        return f"{self.p}:ttf:{day}"

    @property
    def employers(self) -> str:
        return f"{self.p}:employers"

    @property
    def arrears(self) -> str:
        return f"{self.p}:arrears"

    @property
    def arrears_open(self) -> str:
        return f"{self.p}:arrears:open"

    @property
    def disputes(self) -> str:
        return f"{self.p}:disputes"

    def idem(self, request_id: str) -> str:
        return f"{self.p}:idem:{request_id}"

    @property
    def batch_lock(self) -> str:
        """STRING held for a few seconds by the matcher running the batch pass."""
        return f"{self.p}:batch-lock"

    @property
    def repair_lock(self) -> str:
        """STRING held while a matcher repairs pending offers right after an arrival the
        live graph could not place (``matcher.matching.live_graph``)."""
        return f"{self.p}:repair-lock"

    @property
    def rollover(self) -> str:
        return f"{self.p}:rollover"

    @property
    def settings(self) -> str:
        return f"{self.p}:settings"

    @property
    def rules_rev(self) -> str:
        """Counted up by every change of ``settings`` and every revocation of an API
        token that may write to the market: a post or check-in checked under a
        remembered revision is refused by its script when the rules moved on."""
        return f"{self.p}:rev"

    @property
    def blocks(self) -> str:
        return f"{self.p}:blocks"

    @property
    def blocks_until(self) -> str:
        return f"{self.p}:blocks:until"

    def rollup(self, day: str) -> str:
        """HASH of the closed day's figures, written once at the day rollover."""
        return f"{self.p}:rollup:{day}"

    def code_tries(self, job_id: str) -> str:
        """STRING counting wrong job codes typed for a job at the kiosks (the code lets
        an employer back to the job's outcomes and the workers' full numbers)."""
        return f"{self.p}:codetries:{job_id}"


# The fields of a market's daily stats hash (``MarketKeys.stats``), in report order.
STATS_COUNTERS = (
    "jobs_posted",
    "headcount_posted",
    "checkins",
    "offers",
    "bookings",
    "hired",
    "not_hired",
    "no_shows",
    "declined",
    "offers_expired",
    "jobs_cancelled",
    "jobs_expired",
    "bookings_cancelled",
    "jobs_flagged",
    "jobs_rejected",
    "arrears_reported",
    "disputes",
)
