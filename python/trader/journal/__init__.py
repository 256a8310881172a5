"""The tamper-evident audit journal: hash-chained JSON Lines, signed checkpoints, verification, repair."""

from __future__ import annotations

from trader.journal.checkpoint import KEY_ENV, HmacSigner, load_key
from trader.journal.durability import FsyncPolicy
from trader.journal.record import GENESIS_HASH, JournalKind, Record
from trader.journal.redact import Redactor
from trader.journal.repair import RepairRefusedError, RepairResult, repair_torn_tail
from trader.journal.verify import Problem, ProblemKind, VerifyReport, read_records, verify_journal
from trader.journal.writer import Journal, JournalOptions

__all__ = [
    "GENESIS_HASH",
    "KEY_ENV",
    "FsyncPolicy",
    "HmacSigner",
    "Journal",
    "JournalKind",
    "JournalOptions",
    "Problem",
    "ProblemKind",
    "Record",
    "Redactor",
    "RepairRefusedError",
    "RepairResult",
    "VerifyReport",
    "load_key",
    "read_records",
    "repair_torn_tail",
    "verify_journal",
]
