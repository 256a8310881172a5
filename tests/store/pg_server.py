"""A real PostgreSQL server for the `system` store tests: initdb into a temp dir, started once per session."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

PASSWORD = "pg-s3cret-pw"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(args: list[str], prefix: list[str]) -> None:
    done = subprocess.run([*prefix, *args], capture_output=True, text=True, check=False, timeout=120)
    if done.returncode != 0:
        pytest.fail(f"{args[0]} failed ({done.returncode}): {done.stdout}\n{done.stderr}")


@pytest.fixture(scope="session")
def postgres_url(postgres_bin_dir: Path) -> Iterator[str]:
    """`postgresql://trader:<password>@127.0.0.1:<port>/postgres` of a fresh server (password auth on TCP).

    PostgreSQL refuses to run as root, so as root the server runs as `nobody` in a directory it owns.
    """
    root = Path(tempfile.mkdtemp(prefix="trader-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        os.chown(root, nobody.pw_uid, nobody.pw_gid)
        prefix = ["runuser", "-u", "nobody", "--"]
    root.chmod(0o700)
    pwfile = root / "pwfile"
    pwfile.write_text(PASSWORD + "\n")
    if prefix:
        os.chown(pwfile, pwd.getpwnam("nobody").pw_uid, pwd.getpwnam("nobody").pw_gid)
    data, port = root / "data", _free_port()
    _run(
        [str(postgres_bin_dir / "initdb"), "-D", str(data), "-U", "trader", f"--pwfile={pwfile}",
         "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync"],
        prefix,
    )  # fmt: skip
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    pg_ctl = str(postgres_bin_dir / "pg_ctl")
    _run([pg_ctl, "-D", str(data), "-l", str(root / "log"), "-o", options, "-w", "start"], prefix)
    try:
        yield f"postgresql://trader:{PASSWORD}@127.0.0.1:{port}/postgres"
    finally:
        _run([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"], prefix)
        shutil.rmtree(root, ignore_errors=True)


def fresh_database(server_url: str, name: str) -> str:
    """Create database `name` on the server and return its URL."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"
