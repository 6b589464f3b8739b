"""Full phone numbers at rest: sealed, and opened only for a booked counterpart.

A worker and an employer who have booked an interview must be able to call each other
(a bus is late, the site moved), so the full numbers are kept, but never in the clear:
each is sealed with AES-GCM under a key derived (HKDF-SHA256) from the service secret
``KUAIZHAO_SECRET``, and bound to the record it belongs to (the associated data names
the employer's job or the worker's id), so a sealed number copied onto another record
does not open there. A dump of the store, a backup or an export holds only the masked
form and these sealed strings.

Opening is the store's business (``Store.reveal_phone``), which audits every reveal.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# A prefix per key generation: a later rotation can tell old seals from new ones.
VERSION = "p1"
_INFO = b"kuaizhao phone numbers v1"
_NONCE_BYTES = 12


def employer_binding(job_id: str) -> str:
    """What an employer's sealed number is bound to: the job it was posted with (the
    ticket copies the job's seal and knows the job)."""
    return f"employer:{job_id}"


def worker_binding(worker_id: str) -> str:
    return f"worker:{worker_id}"


class PhoneBox:
    """Seals and opens phone numbers with the service's key."""

    __slots__ = ("_aead",)

    def __init__(self, secret: str) -> None:
        if not secret:
            # An empty secret would seal every number under a key anyone can derive.
            raise ValueError("phone numbers need the service secret (KUAIZHAO_SECRET)")
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
            secret.encode()
        )
        self._aead = AESGCM(key)

    def seal(self, phone: str, bound_to: str) -> str:
        # A fresh random nonce per seal: the same number sealed twice looks different,
        # so sealed strings cannot be compared to find one person's records.
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, phone.encode(), bound_to.encode())
        return f"{VERSION}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, sealed: object, bound_to: str) -> str | None:
        """The number, or None for anything that does not open (absent, another key,
        another record, tampered)."""
        if not isinstance(sealed, str) or not sealed.startswith(f"{VERSION}:"):
            return None
        try:
            raw = base64.urlsafe_b64decode(sealed[len(VERSION) + 1 :])
        except (binascii.Error, ValueError):
            return None
        if len(raw) <= _NONCE_BYTES:
            return None
        try:
            plain = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], bound_to.encode())
        except InvalidTag:
            return None
        return plain.decode()


__all__ = ["PhoneBox", "employer_binding", "worker_binding"]
