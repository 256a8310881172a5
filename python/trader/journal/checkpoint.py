"""Signed checkpoints: an HMAC-SHA256 over a head (seq, hash), and where the key comes from."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from trader.errors import JournalError

ALGORITHM = "hmac-sha256"
KEY_ENV = "TRADER_JOURNAL_KEY"
MIN_KEY_BYTES = 16
_FIELDS = frozenset({"alg", "head_hash", "head_seq", "key_id", "sig"})


def checkpoint_message(head_seq: int, head_hash: str) -> bytes:
    """The exact bytes a checkpoint signs."""
    return f"trader-journal-checkpoint/v1\n{head_seq}\n{head_hash}".encode("ascii")


class HmacSigner:
    """Signs and checks checkpoints with one secret key; never shows the key."""

    __slots__ = ("_key", "key_id")

    def __init__(self, key: bytes) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise JournalError(f"journal key too short: {len(key)} bytes, need at least {MIN_KEY_BYTES}")
        self._key = key
        # A public fingerprint: tells "signed with another key" apart from "forged" without revealing the key.
        self.key_id = hashlib.sha256(b"trader-journal-key-id\n" + key).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"HmacSigner(key_id={self.key_id})"

    @property
    def secret_text(self) -> str:
        """The key as text, for the redactor (so the key can never be journaled)."""
        return self._key.decode("utf-8", "replace")

    def sign(self, head_seq: int, head_hash: str) -> dict[str, Any]:
        """The payload of a checkpoint record sealing the journal up to `head_seq`."""
        sig = hmac.new(self._key, checkpoint_message(head_seq, head_hash), hashlib.sha256).hexdigest()
        return {
            "alg": ALGORITHM,
            "head_hash": head_hash,
            "head_seq": head_seq,
            "key_id": self.key_id,
            "sig": sig,
        }

    def check(self, payload: Mapping[str, Any]) -> str | None:
        """None when `payload` carries a valid signature by this key, else what is wrong (no secrets)."""
        if payload.get("key_id") != self.key_id:
            return f"signed with another key (key id {payload.get('key_id')!s:.16}, ours {self.key_id})"
        message = checkpoint_message(payload["head_seq"], payload["head_hash"])
        expected = hmac.new(self._key, message, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, str(payload.get("sig", ""))):
            return "signature does not match: checkpoint forged or the records before it rewritten"
        return None


def checkpoint_shape_problem(payload: Mapping[str, Any], seq: int, prev: str) -> str | None:
    """Checks needing no key: the fields are there and the checkpoint seals the record right before it."""
    if payload.keys() != _FIELDS or payload.get("alg") != ALGORITHM:
        return f"checkpoint payload must be exactly {sorted(_FIELDS)} with alg {ALGORITHM}"
    if payload["head_seq"] != seq - 1 or payload["head_hash"] != prev:
        return "checkpoint does not seal the record before it (head seq/hash differ)"
    return None


def load_key(
    key_file: Path | None = None, *, create: bool = False, environ: Mapping[str, str] | None = None
) -> bytes | None:
    """The key from $TRADER_JOURNAL_KEY, else from `key_file` (made 0600 with 32 random bytes if asked)."""
    env = os.environ if environ is None else environ
    from_env = env.get(KEY_ENV)
    if from_env:
        return from_env.encode("utf-8")
    if key_file is None:
        return None
    if not key_file.exists():
        if not create:
            raise JournalError(f"{key_file}: journal key file not found")
        _create_key_file(key_file)
    mode = stat.S_IMODE(key_file.stat().st_mode)
    if mode & 0o077:
        raise JournalError(
            f"{key_file}: journal key file is readable by others (mode {mode:o}); chmod 600 it"
        )
    try:
        key = key_file.read_bytes().strip()
    except OSError as exc:
        raise JournalError(f"{key_file}: cannot read journal key file ({exc.strerror})") from None
    return key


def _create_key_file(key_file: Path) -> None:
    key_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process created it first: use theirs
    try:
        os.write(fd, secrets.token_hex(32).encode("ascii") + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
