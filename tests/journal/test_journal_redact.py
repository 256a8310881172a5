"""Secrets never reach the journal file: secret-named fields, secret-shaped strings, known secret values."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trader.journal import FsyncPolicy, HmacSigner, Journal, JournalOptions, Redactor, verify_journal
from trader.journal.redact import is_secret_name, secrets_from_env

ALPACA_KEY_ID = "PKTESTABCDEFGHIJ1234"
ALPACA_SECRET = "q7Zx0pLmN3vB8cR2tY6uW1eA9sD4fG5hJ0kQ7wE3"


@pytest.mark.parametrize(
    "name",
    ["api_key", "APCA_API_SECRET_KEY", "password", "token", "access_token", "Authorization", "apiKey",
     "private_key", "hmac_key", "client-secret", "key", "session_cookie", "db_credentials"],
)  # fmt: skip
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name", ["symbol", "qty", "client_order_id", "prompt_tokens", "max_tokens", "total_tokens", "monkey"]
)
def test_ordinary_names(name: str) -> None:
    assert not is_secret_name(name)


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        (f"key id {ALPACA_KEY_ID} rejected", "key id *** rejected"),
        ("sk-ant-api03-abcdefghijklmnopqrstuvwxyz", "***"),
        ("sk-proj-ABCDEFGHIJKLMNOPQRSTUV", "***"),
        ("header Authorization: Bearer abc.def-ghi_jkl", "header Authorization: Bearer ***"),
        ("postgresql://trader:hunter2@db:5432/trader", "postgresql://trader:***@db:5432/trader"),
        ("ghp_" + "a1" * 18, "***"),
        ("jwt eyJhbGciOiJI.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2Q", "jwt ***"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", "***"),
        ("AAPL sma(20) crossed above sma(50)", "AAPL sma(20) crossed above sma(50)"),
        # An order id ending in "...sk-" plus 16 characters is not a key: the shape starts a word.
        ("risk-stop-BTCUSDT-100", "risk-stop-BTCUSDT-100"),
        ("stop risk-stop-BTCUSDT-1000, sk-ABCDEFGHIJKLMNOPQRST", "stop risk-stop-BTCUSDT-1000, ***"),
    ],
)
def test_secret_shapes_are_masked_in_any_string(text: str, clean: str) -> None:
    assert Redactor(from_env=False).scrub(text) == clean


def test_secret_env_values_are_known_secrets() -> None:
    env = {"APCA_API_SECRET_KEY": ALPACA_SECRET, "HOME": "/home/someone", "TRADER_JOURNAL_KEY": "short"}
    assert secrets_from_env(env) == [ALPACA_SECRET]
    redactor = Redactor([ALPACA_SECRET], from_env=False)
    assert redactor.scrub(f"login with {ALPACA_SECRET}!") == "login with ***!"


# "Zq" keeps a generated secret from being a run of hex digits that a hash could contain by chance.
_secret = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=10, max_size=40
).map(lambda s: f"Zq{s}")


@settings(max_examples=40, deadline=None)
@given(secret=_secret, prefix=st.text(max_size=20), suffix=st.text(max_size=20))
def test_a_registered_secret_never_appears_in_the_file_bytes(secret: str, prefix: str, suffix: str) -> None:
    signer_key = (secret + "-hmac").encode()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "journal.jsonl"
        options = JournalOptions(fsync=FsyncPolicy.NEVER, checkpoint_every=2)
        with Journal(path, options=options, signer=HmacSigner(signer_key), redactor=Redactor([secret])) as j:
            j.append("config_change", {"api_secret": secret, "note": f"{prefix}{secret}{suffix}"})
            j.append("llm_call", {"messages": [{"content": f"use {secret}"}], "prompt_tokens": 12})
            j.append("manual_action", {"reason": "rotate"}, actor=f"ops {signer_key.decode()}")
        data = path.read_bytes()
        assert secret.encode() not in data
        assert signer_key not in data
        assert b'"prompt_tokens":12' in data
        assert verify_journal(path, signer=HmacSigner(signer_key)).ok


def test_the_journal_key_is_masked_even_without_an_explicit_redactor(tmp_path: Path) -> None:
    key = b"my-journal-hmac-key-0123456789"
    path = tmp_path / "journal.jsonl"
    with Journal(path, signer=HmacSigner(key), options=JournalOptions(fsync=FsyncPolicy.NEVER)) as journal:
        journal.append("config_change", {"echo": f"key={key.decode()}"})
    assert key not in path.read_bytes()


def test_env_secrets_are_masked_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APCA_API_SECRET_KEY", ALPACA_SECRET)
    path = tmp_path / "journal.jsonl"
    with Journal(path, options=JournalOptions(fsync=FsyncPolicy.NEVER)) as journal:
        journal.append("gateway_reject", {"error": f"401 for secret {ALPACA_SECRET}"})
    assert ALPACA_SECRET.encode() not in path.read_bytes()


def test_verification_messages_never_show_record_contents(tmp_path: Path) -> None:
    secret_looking = "correct-horse-battery-staple-42"
    path = tmp_path / "journal.jsonl"
    with Journal(
        path, options=JournalOptions(fsync=FsyncPolicy.NEVER), redactor=Redactor(from_env=False)
    ) as j:
        j.append("signal", {"note": secret_looking})
        j.append("signal", {"note": "second"})
    data = path.read_bytes()
    path.write_bytes(data.replace(b"correct-horse", b"correct-h0rse"))
    report = verify_journal(path)
    assert report.problem is not None
    assert report.problem.seq == 1
    assert "h0rse" not in report.problem.render()
    assert "horse" not in report.problem.render()
