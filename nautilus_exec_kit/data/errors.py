"""The one error a market data file raises: ``file:line: problem``, on one line.

Why one class: whatever is wrong with a downloaded file (missing, wrong columns, a bad number, a
gap, mixed timestamp units), the user needs the same three things to fix it: which file, which
line, what. It is a :class:`~nautilus_exec_kit.errors.BarFileError` (itself a
``ConfigurationError``), so the CLI prints it without a traceback and existing callers that catch
bar-file errors catch these too.
"""

from __future__ import annotations

from nautilus_exec_kit.core.errors import BarFileError


class DataFileError(BarFileError):
    """A market data file (or exchangeInfo JSON) cannot be imported.

    ``str(error)`` is ``"<path>:<line>: <problem>"`` (``"<path>: <problem>"`` when no single line
    is at fault); ``path``, ``line`` and ``problem`` are attributes.
    """


__all__ = ["DataFileError"]
