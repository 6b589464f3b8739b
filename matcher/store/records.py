"""Shapes of the records kept in Redis and their public (API) views.

Records are plain dicts (JSON in hashes, changed by Lua); this module is the one
place that knows which fields are private (e.g. the ``offered`` map, hashes of phone
numbers) and how a record is shown to the outside.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Any

from matcher.clock import from_ms, iso

_ID_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o/1/l/i: read aloud at a desk


def new_id(prefix: str, n: int = 10) -> str:
    # One draw from the system's randomness, spelled in the alphabet (secrets.choice
    # per character was n reads of it, on every write).
    value = secrets.randbelow(len(_ID_ALPHABET) ** n)
    chars = []
    for _ in range(n):
        value, digit = divmod(value, len(_ID_ALPHABET))
        chars.append(_ID_ALPHABET[digit])
    return prefix + "".join(chars)


def worker_id_for(phone: str, secret: str) -> str:
    """A worker's id: a keyed hash of the phone number, stable across days and markets."""
    digest = hmac.new(secret.encode(), phone.encode(), hashlib.sha256).hexdigest()
    return "w" + digest[:20]


def employer_id_for(phone: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), b"employer:" + phone.encode(), hashlib.sha256).hexdigest()
    return "e" + digest[:20]


def mask_phone(phone: str) -> str:
    """138****1234: what may be shown in public."""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def body_hash(body: Any) -> str:
    canon = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canon.encode()).hexdigest()


def strs(values: Any) -> list[str]:
    """Redis replies typed loosely by redis-py; with decode_responses they are str."""
    return [str(v) for v in values]


def dumps(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def loads(raw: str | bytes | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    data = json.loads(raw)
    assert isinstance(data, dict)
    return data


JOB_PUBLIC_FIELDS = (
    "id",
    "market",
    "status",
    "title",
    "description",
    "skills",
    "headcount",
    "remaining",
    "wage_yuan",
    "wage_unit",
    "wage_day_yuan",
    "township",
    "county_adcode",
    "start_at",
    "end_at",
    "interview_at",
    "interview_place",
    # Where an on-site interview is (an address or landmark); empty at a market desk.
    "interview_address",
    "employer_name",
    "employer_phone_masked",
    "meals",
    "transport",
    "tools",
    "created_at",
    "day",
    "flags",
    # An operator's reason for not approving a held post: the employer reads it.
    "review_reason",
)


def job_public(
    job: dict[str, Any], tickets: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    out = {f: job[f] for f in JOB_PUBLIC_FIELDS if f in job}
    out["offers_pending"] = job.get("pending", 0)
    bookings = []
    for worker_id, ref in job.get("bookings", {}).items():
        ticket = (tickets or {}).get(ref, {})
        bookings.append(
            {
                "worker_id": worker_id,
                "ticket": ref,
                "status": ticket.get("status", "booked"),
                "worker_name": ticket.get("worker_name", ""),
                "worker_phone_masked": ticket.get("worker_phone_masked", ""),
                "employer_rating": (ticket.get("ratings") or {}).get("employer", {}).get("thumbs"),
            }
        )
    out["bookings"] = bookings
    if job.get("first_booking_ms"):
        out["first_booking_at"] = iso(from_ms(int(job["first_booking_ms"])))
    if job.get("filled_ms"):
        out["filled_at"] = iso(from_ms(int(job["filled_ms"])))
    return out


def offer_public(offer: dict[str, Any], job: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": offer["id"],
        "job_id": offer["job_id"],
        "worker_id": offer["worker_id"],
        "score": offer.get("score", 0),
        "explanation": offer.get("explanation", ""),
        # Offers written before the English text existed have none: callers fall back.
        "explanation_en": offer.get("explanation_en", ""),
        "expires_at": iso(from_ms(int(offer["expires_ms"]))),
        "created_at": iso(from_ms(int(offer["created_ms"]))),
        "status": offer["status"],
    }
    if offer.get("ticket"):
        out["ticket"] = offer["ticket"]
    if offer.get("why"):
        # Why a withdrawn offer went (moved, filled, cancelled, day_end, booked): the
        # worker is told, never left to see it vanish.
        out["reason"] = offer["why"]
    if job is not None:
        out["job"] = {
            f: job[f]
            for f in (
                "title",
                "skills",
                "wage_yuan",
                "wage_unit",
                "township",
                "start_at",
                "end_at",
                "interview_at",
                "interview_place",
                "interview_address",
                "employer_name",
                "remaining",
                "status",
            )
            if f in job
        }
    return out


# Never shown as they are: the sealed full numbers (``matcher.desk.phones``; a counterpart's
# view opens one through ``Store.reveal_phone``) and the times kept for the scripts.
_TICKET_PRIVATE = frozenset(
    {
        "created_ms",
        "outcome_ms",
        "employer_phone_enc",
        "worker_phone_enc",
        "from_ms",
        "to_ms",
        "interview_ms",
    }
)


def ticket_public(ticket: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in ticket.items() if k not in _TICKET_PRIVATE}
    out["created_at"] = iso(from_ms(int(ticket["created_ms"])))
    return out


def checkin_public(ck: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        k: ck[k]
        for k in (
            "worker_id",
            "status",
            "skills",
            "skills_text",
            "township",
            "county_adcode",
            "reach",
            "min_wage_yuan",
            "available_until",
            "name",
            "phone_masked",
            "booking",
            "day",
        )
        if k in ck
    }
    out["checked_in_at"] = iso(from_ms(int(ck["checked_in_ms"])))
    out["offers_pending"] = ck.get("pending", 0)
    return out
