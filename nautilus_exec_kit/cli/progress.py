"""The progress bar of long CLI commands (``exec-kit backtest``, ``exec-kit data import``).

rich draws it on stderr when stderr is a terminal; when it is not (a pipe, a log, a test), rich
shows no live bar and this prints the final state once, so logs get one line, not thousands.
Warnings found while the bar runs are printed above it (:meth:`ProgressBar.note`).
"""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from nautilus_exec_kit.cli.console import cli_console


class ProgressBar:
    """``with ProgressBar("backtest", "data points") as bar: bar(fraction, done)``."""

    def __init__(self, description: str, unit: str, console: Console | None = None) -> None:
        self.unit = unit
        self.console = console or cli_console(stderr=True)
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[done]:>12,} " + unit),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self._task = self._progress.add_task(description, total=1.0, done=0)

    def __enter__(self) -> ProgressBar:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def __call__(self, fraction: float, done: int) -> None:
        self._progress.update(self._task, completed=min(fraction, 1.0), done=done)

    def note(self, message: str) -> None:
        """Print ``message`` above the bar (on stderr)."""
        self.console.print(message, highlight=False, markup=False, soft_wrap=True)


__all__ = ["ProgressBar"]
