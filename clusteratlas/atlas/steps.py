"""Named, timed build steps shown as Rich progress (used by the build and every preset)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


class Steps:
    """Runs named build steps, each shown as a Rich progress task and timed.

    ``progress`` is a :class:`rich.progress.Progress` (or ``None`` for silent builds).
    """

    def __init__(self, progress: Any = None) -> None:
        self.progress = progress
        self.timings: dict[str, float] = {}

    def run(self, label: str, work: Callable[[], Any], done: Callable[[Any], str] | None = None):
        task = self.progress.add_task(label, total=1) if self.progress is not None else None
        start = time.perf_counter()
        result = work()
        took = time.perf_counter() - start
        self.timings[label] = took
        if self.progress is not None:
            self.progress.update(task, completed=1)
            self.progress.remove_task(task)
            note = f": {done(result)}" if done is not None else ""
            self.progress.console.print(
                f"[green]✓[/] {label}{note} ({took:.1f} s)", highlight=False
            )
        return result

    def bar(self, label: str, total: int) -> Callable[[int], None]:
        """A progress bar of ``total`` units; the returned callable advances it."""
        if self.progress is None:
            return lambda n=1: None
        task = self.progress.add_task(label, total=total)
        done = [0]

        def advance(n: int = 1) -> None:
            done[0] += n
            self.progress.update(task, advance=n)
            if done[0] >= total:
                self.progress.remove_task(task)

        return advance
