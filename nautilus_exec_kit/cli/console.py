"""The rich consoles the CLI prints with: styled on a terminal, plain and wide elsewhere.

Off a terminal (a pipe, a log file, a test) rich assumes 80 columns and would wrap summary lines
and cut table cells; output meant for files gets room instead.
"""

from __future__ import annotations

from rich.console import Console

#: Columns of output that does not go to a terminal.
PLAIN_WIDTH = 120


def cli_console(*, stderr: bool = False) -> Console:
    """A console on stdout (or stderr): the terminal's width, or :data:`PLAIN_WIDTH`."""
    console = Console(stderr=stderr)
    if not console.is_terminal:
        console = Console(stderr=stderr, width=PLAIN_WIDTH)
    return console


__all__ = ["PLAIN_WIDTH", "cli_console"]
