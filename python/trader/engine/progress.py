"""A rich progress bar for long runs, drawn only on a terminal (never into captured or redirected output)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

ProgressCallback = Callable[[int, int], None]


class _LazyBar:
    """Starts the bar at the first report, so a run too short to report never draws one."""

    def __init__(self, console: Console, label: str) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self._label = label
        self._task: TaskID | None = None

    def __call__(self, done: int, total: int) -> None:
        if self._task is None:
            if done >= total:
                return
            self._progress.start()
            self._task = self._progress.add_task(self._label, total=total)
        self._progress.update(self._task, completed=done, total=total)

    def stop(self) -> None:
        if self._task is not None:
            self._progress.stop()


@contextmanager
def progress_bar(console: Console, label: str) -> Iterator[ProgressCallback | None]:
    """A `progress(done, total)` callback drawing on `console` when it is a terminal; else None."""
    if not console.is_terminal:
        yield None
        return
    bar = _LazyBar(console, label)
    try:
        yield bar
    finally:
        bar.stop()
