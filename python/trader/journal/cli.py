"""`trader audit`: verify a journal, print its head for publishing, repair a crash-torn tail."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any

import typer

from trader.errors import JournalError
from trader.journal.checkpoint import KEY_ENV, HmacSigner, load_key
from trader.journal.repair import RepairRefusedError, repair_torn_tail
from trader.journal.verify import VerifyReport, verify_journal

audit_app = typer.Typer(
    name="audit", help="Verify, publish and repair the hash-chained audit journal.", no_args_is_help=True
)

_ANCHOR = re.compile(r"^(\d+):([0-9a-f]{64})$")

PathArg = Annotated[Path, typer.Argument(help="A journal file (.jsonl) or a journal directory.")]
KeyFileOpt = Annotated[
    Path | None,
    typer.Option("--key-file", help=f"Checkpoint key file (else ${KEY_ENV}, when set)."),
]
NoKeyOpt = Annotated[
    bool, typer.Option("--no-key", help=f"Ignore ${KEY_ENV}: check the chain only (unsigned journals).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


@audit_app.command("verify")
def verify_command(
    path: PathArg,
    key_file: KeyFileOpt = None,
    anchor: Annotated[
        list[str] | None,
        typer.Option("--anchor", help="A published head SEQ:HASH that must still be in the chain."),
    ] = None,
    no_key: NoKeyOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Check the chain, the sequence and the checkpoints; exit 0 intact, 1 broken, 2 on a usage error."""
    anchors = dict(_parse_anchor(text) for text in anchor or [])
    report = verify_journal(path, signer=_signer(key_file, no_key), anchors=anchors)
    if as_json:
        typer.echo(json.dumps(_report_json(report), indent=2))
    elif report.problem is None:
        typer.echo(
            f"intact: {report.records} record(s) in {len(report.files)} file(s); head seq {report.head_seq} "
            f"hash {report.head_hash}; {report.checkpoints} checkpoint(s), "
            f"{report.signatures_checked} signature(s) verified"
        )
        for note in report.notes:
            typer.echo(f"note: {note}")
    else:
        label = "TORN TAIL" if report.problem.kind.value == "torn_tail" else "BROKEN"
        typer.echo(f"{label}: {report.problem.render()}")
    raise typer.Exit(0 if report.ok else 1)


@audit_app.command("head")
def head_command(
    path: PathArg, key_file: KeyFileOpt = None, no_key: NoKeyOpt = False, as_json: JsonOpt = False
) -> None:
    """Verify, then print the head as SEQ:HASH to publish outside (check later with --anchor)."""
    report = verify_journal(path, signer=_signer(key_file, no_key))
    if report.problem is not None:
        typer.echo(f"BROKEN: {report.problem.render()}", err=True)
        raise typer.Exit(1)
    if as_json:
        head = {
            "seq": report.head_seq,
            "hash": report.head_hash,
            "ts": report.head_ts,
            "last_signed_checkpoint_seq": report.last_checkpoint_seq,
        }
        typer.echo(json.dumps(head, indent=2))
    else:
        typer.echo(f"{report.head_seq}:{report.head_hash}")


@audit_app.command("repair")
def repair_command(path: PathArg) -> None:
    """Cut a crash-torn last line (kept in a .torn file); refuse, exit 1, when anything else is wrong."""
    try:
        result = repair_torn_tail(path)
    except RepairRefusedError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    report = result.report
    if result.torn_copy is None:
        typer.echo(f"nothing to repair: journal intact up to seq {report.head_seq}")
        return
    typer.echo(
        f"removed {result.removed} torn byte(s) from {result.file} (kept in {result.torn_copy}); "
        f"journal intact up to seq {report.head_seq}"
    )
    if report.problem is not None:
        typer.echo(f"BROKEN: {report.problem.render()}", err=True)
        raise typer.Exit(1)


def _signer(key_file: Path | None, no_key: bool) -> HmacSigner | None:
    if no_key:
        if key_file is not None:
            raise JournalError("--no-key and --key-file contradict each other; give one")
        return None
    # An explicit --key-file wins over the environment.
    key = load_key(key_file, environ={}) if key_file is not None else load_key(None)
    return None if key is None else HmacSigner(key)


def _parse_anchor(text: str) -> tuple[int, str]:
    match = _ANCHOR.match(text.strip())
    if match is None:
        raise JournalError(
            f"--anchor: expected SEQ:HASH with a 64-character lowercase hex hash (got {text!r})"
        )
    return int(match.group(1)), match.group(2)


def _report_json(report: VerifyReport) -> dict[str, Any]:
    problem = report.problem
    return {
        "ok": report.ok,
        "files": [str(f) for f in report.files],
        "records": report.records,
        "head_seq": report.head_seq,
        "head_hash": report.head_hash,
        "checkpoints": report.checkpoints,
        "signatures_checked": report.signatures_checked,
        "problem": None
        if problem is None
        else {
            "kind": problem.kind.value,
            "seq": problem.seq,
            "file": None if problem.file is None else str(problem.file),
            "line": problem.line,
            "detail": problem.detail,
        },
        "notes": report.notes,
    }
