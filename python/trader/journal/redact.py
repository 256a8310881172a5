"""Secret scrubbing for journal payloads: secret-named fields and secret-shaped strings become "***"."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping

MASK = "***"

# Field names whose value is a credential, compared after lower-casing and dropping "_" and "-".
_SECRET_WORDS = (
    "secret",
    "password",
    "passwd",
    "passphrase",
    "token",
    "authorization",
    "cookie",
    "credential",
    "apikey",
    "privatekey",
    "accesskey",
    "sessionkey",
    "signingkey",
)
_SECRET_EXACT = frozenset({"key", "auth", "pwd", "pin", "otp"})
# LLM usage counters ("prompt_tokens", "max_tokens") are numbers worth auditing, not credentials.
_COUNTER = re.compile(r"^(?:n|num|max|total|prompt|completion|input|output|cached|reasoning)_?tokens?$")

# Known credential shapes. Every alternative starts with a literal character on purpose: the regex
# engine then skips ahead to candidate characters instead of trying each branch at every position
# (8x faster on ordinary text). Hence no (?i) or \b at the front, and one branch per spelling.
_TOKEN = r"[A-Za-z0-9._~+/=-]{8,}"
_SHAPES = (
    r"://[^/\s:@]+:[^/\s@]+(?=@)",
    r"(?<![A-Za-z0-9_-])sk-(?:ant-|proj-)?[A-Za-z0-9_\-]{16,}",  # not inside a word: "risk-stop-..."
    r"AK[A-Z0-9]{16,}\b",
    r"PK[A-Z0-9]{16,}\b",
    r"CK[A-Z0-9]{16,}\b",
    r"gh[pousr]_[A-Za-z0-9]{30,}",
    r"github_pat_[A-Za-z0-9_]{20,}",
    r"xox[abprs]-[A-Za-z0-9-]{10,}",
    r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}",
    *(rf"{scheme}\s+{_TOKEN}" for scheme in ("Bearer", "bearer", "BEARER", "Basic", "basic", "BASIC")),
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)",
)
_KEEP = re.compile(r"^(?:://[^:]+:|[A-Za-z]+\s+(?=[A-Za-z0-9._~+/=-]{8,}$))")
_CACHE_SIZE = 4096
_CACHED_TEXT = 128
_MIN_KNOWN_SECRET = 8  # shorter env values ("1", "true") would mask ordinary text


def is_secret_name(name: str) -> bool:
    """Whether a payload field called `name` holds a credential (its value is then masked whole)."""
    lowered = name.lower()
    if _COUNTER.match(lowered):
        return False
    if lowered in _SECRET_EXACT or lowered.endswith(("_key", "-key")):
        return True
    squashed = lowered.replace("_", "").replace("-", "")
    return any(word in squashed for word in _SECRET_WORDS)


def secrets_from_env(environ: Mapping[str, str] | None = None) -> list[str]:
    """Values of secret-named environment variables (APCA_API_SECRET_KEY, TRADER_JOURNAL_KEY, ...)."""
    env = os.environ if environ is None else environ
    return [value for name, value in env.items() if is_secret_name(name) and len(value) >= _MIN_KNOWN_SECRET]


class Redactor:
    """Masks secrets in names and strings; known secret values are masked wherever they appear."""

    __slots__ = ("_known", "_pattern", "name_cache", "text_cache")

    def __init__(self, known_secrets: Iterable[str] = (), *, from_env: bool = True) -> None:
        known = {s for s in known_secrets if len(s) >= _MIN_KNOWN_SECRET}
        if from_env:
            known.update(secrets_from_env())
        self._known = frozenset(known)
        # Longest first so a secret that contains another is masked whole.
        literals = [re.escape(s) for s in sorted(known, key=len, reverse=True)]
        self._pattern = re.compile("|".join([*literals, *_SHAPES]))
        # Hot-path caches, read directly by the canonical encoder: name -> secret?, text -> scrubbed.
        self.name_cache: dict[str, bool] = {}
        self.text_cache: dict[str, str] = {}

    def __repr__(self) -> str:
        return "Redactor(<secrets hidden>)"

    def secret_name(self, name: str) -> bool:
        """Cached `is_secret_name`: payload keys repeat across records."""
        hit = self.name_cache.get(name)
        if hit is None:
            if len(self.name_cache) > _CACHE_SIZE:  # keys built from data (symbols, ids) must not grow this
                self.name_cache.clear()
            hit = self.name_cache[name] = is_secret_name(name)
        return hit

    def scrub(self, text: str) -> str:
        """`text` with every secret-shaped or known-secret span replaced by "***"."""
        done = self.text_cache.get(text)
        if done is not None:
            return done
        clean = text if self._pattern.search(text) is None else self._pattern.sub(self._mask, text)
        if len(text) <= _CACHED_TEXT:  # symbols, sides and reasons repeat; long free text rarely does
            if len(self.text_cache) > _CACHE_SIZE:
                self.text_cache.clear()
            self.text_cache[text] = clean
        return clean

    def _mask(self, match: re.Match[str]) -> str:
        # A URL keeps "://user:" and an Authorization value its scheme: only the secret part is masked.
        found = match.group()
        kept = None if found in self._known else _KEEP.match(found)
        return MASK if kept is None else f"{kept.group()}{MASK}"
