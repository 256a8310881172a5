"""When journal bytes reach the disk: the fsync policies and the group-commit thread behind `batch`."""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable
from enum import StrEnum

# fdatasync skips inode timestamps but still flushes the size an append changes: enough for a journal.
datasync: Callable[[int], None] = getattr(os, "fdatasync", os.fsync)


class FsyncPolicy(StrEnum):
    """always: fsync each append; batch: group commit every N records or T ms (default); never: OS decides."""

    ALWAYS = "always"
    BATCH = "batch"
    NEVER = "never"


class GroupCommit:
    """A background thread that syncs at most every `interval_s`, sooner once `every` records are pending.

    Appends reach the OS at once (a crashed process loses nothing); this thread bounds what a power
    failure can lose. The appender never waits for a disk flush.
    """

    def __init__(self, sync: Callable[[], None], *, every: int, interval_s: float) -> None:
        # A weak reference: a journal dropped without close() is collected and this thread then ends.
        self._sync = weakref.WeakMethod(sync)
        self._every = every
        self._interval = interval_s
        self._pending = 0
        self._wake = threading.Event()
        self._stop = False
        self.error: OSError | None = None
        self._thread = threading.Thread(target=self._run, name="journal-group-commit", daemon=True)
        self._thread.start()

    def note(self) -> None:
        """Count one appended record; wake the thread when a batch is full."""
        self._pending += 1
        if self._pending >= self._every:
            self._wake.set()

    def close(self) -> None:
        """Stop the thread after a last sync of whatever is pending."""
        self._stop = True
        self._wake.set()
        self._thread.join()

    def _run(self) -> None:
        while True:
            self._wake.wait(self._interval)
            self._wake.clear()
            sync = self._sync()
            if sync is None:
                return
            if self._pending:
                # Appends counted after this reset were written before the sync below starts or are
                # counted for the next round, so none is forgotten.
                self._pending = 0
                try:
                    sync()
                except OSError as exc:  # surfaced to the appender on its next call
                    self.error = exc
                    return
            del sync
            if self._stop:
                return
