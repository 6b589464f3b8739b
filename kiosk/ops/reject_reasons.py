"""Why an operator did not approve a post: a reason from a short list (shown to the
employer in their language) and the operator's own note (shown as written).

The reason travels in the job's ``review_reason`` text as ``[code] note``, so the API's
free-text reason (``POST .../review``) and the operators' form share one field.
"""

from __future__ import annotations

import re

REASONS = ("discrimination", "fee", "pay", "contact", "duplicate", "unclear", "other")
_CODED = re.compile(r"^\[([a-z_]+)\]\s*(.*)$", re.DOTALL)


def encode(code: str, note: str) -> str:
    return f"[{code}] {note}".strip()


def decode(text: str) -> tuple[str | None, str]:
    """(catalog key of the reason or None, the note)."""
    m = _CODED.match(text or "")
    if m and m.group(1) in REASONS:
        return f"reject.{m.group(1)}", m.group(2).strip()
    return None, (text or "").strip()
