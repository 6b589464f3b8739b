"""QR codes for tickets, as inline SVG (segno: no image library, no network), and the
signed, expiring link a ticket's QR code holds.

The link opens the ticket's public view on any phone, without a session: what it
shows is masked (no full number), and it is good only for the ticket it names and
only until it expires, because it carries an HMAC of both made with the service
secret. A link copied from a slip therefore neither opens another ticket nor works
for ever.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import date, datetime, time, timedelta

import segno

from matcher.clock import TZ

# The public view is good while the ticket's after-work questions may still come up
# (matcher.desk.after_work.UNMARKED_DAYS): the day of the work and a week after it.
LINK_DAYS = 7
_SIG_BYTES = 16


def qr_svg(data: str, *, scale: int = 5) -> str:
    code = segno.make(data, error="m")
    # A viewBox, not a fixed size: the screen shows it at 220 px, the 80 mm slip at 40 mm,
    # and a fixed-size SVG would be cropped rather than scaled.
    svg: str = code.svg_inline(scale=scale, dark="#000", light="#fff", border=2, omitsize=True)
    return svg


def link_expiry(ticket_day: str) -> int:
    """When a ticket's public link stops working (unix seconds): the end of the
    ``LINK_DAYS``-th day after the ticket's day, market time."""
    last = date.fromisoformat(ticket_day) + timedelta(days=LINK_DAYS + 1)
    return int(datetime.combine(last, time(0, 0), tzinfo=TZ).timestamp())


def _mac(secret: str, market: str, ref: str, expires: int) -> str:
    message = f"ticket-link:{market}:{ref}:{expires}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()[:_SIG_BYTES]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign_ticket(secret: str, market: str, ref: str, expires: int) -> str:
    """The signature of the public link to ``ref`` that stops working at ``expires``."""
    return _mac(secret, market, ref, expires)


def ticket_link_valid(
    secret: str, market: str, ref: str, expires: str, signature: str, now: datetime
) -> bool:
    """Whether a public link's expiry and signature are the service's own, for this
    ticket, and not yet past (``now``: the service clock)."""
    try:
        until = int(expires)
    except ValueError:
        return False
    if now.timestamp() >= until:
        return False
    return hmac.compare_digest(_mac(secret, market, ref, until), signature)


__all__ = ["LINK_DAYS", "link_expiry", "qr_svg", "sign_ticket", "ticket_link_valid"]
