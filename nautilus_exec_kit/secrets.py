"""Credentials as values that cannot leak: :class:`Secret`, :func:`redact`, a logging filter.

Why a value type: a credential held in a plain ``str`` ends up in a repr, an f-string, an exception
or a log line sooner or later. A :class:`Secret` prints as ``Secret('****')`` everywhere, and the
only way to the text is the explicit :meth:`Secret.reveal`, which the node-config factory calls
once, when it hands the value to the Binance adapter.

Text the kit did not write (adapter errors, user messages) goes through :func:`redact` before it
is shown::

    >>> redact("signed with abc123secret", [Secret("abc123secret")])
    'signed with ****'
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import attrs

#: What a hidden value is replaced with.
MASK = "****"

#: Shorter values are not searched for in text: masking every "a" would garble messages and a
#: credential that short is not a credential (Binance keys are 64 characters).
MIN_REDACTED_LENGTH = 4

#: Lines of a PEM body are redacted one by one (a traceback may show a single line); lines this
#: short are too generic to search for.
MIN_PEM_LINE_LENGTH = 16


@attrs.frozen(repr=False)
class Secret:
    """A credential whose text is shown only on request.

    >>> s = Secret("my-api-secret")
    >>> s, str(s), f"{s}"
    (Secret('****'), '****', '****')
    >>> s.reveal()
    'my-api-secret'
    """

    _value: str = attrs.field(alias="value")

    def reveal(self) -> str:
        """The credential's text. Call it only where the adapter needs the value."""
        return self._value

    def masked(self) -> str:
        """An identifier that is safe to print: the last 4 characters of a long value.

        Binance API keys are public identifiers in their own right, but the kit still shows only
        their tail so two keys can be told apart in a log without the log holding the key.
        """
        if len(self._value) < 16:
            return MASK
        return f"{MASK}{self._value[-4:]}"

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    def __str__(self) -> str:
        return MASK

    def __format__(self, format_spec: str) -> str:
        return MASK

    def __bool__(self) -> bool:
        return bool(self._value)


def _fragments(value: str) -> list[str]:
    """The substrings of ``value`` that must never appear in text (whole value, PEM body lines)."""
    fragments = [value]
    if "-----BEGIN" in value:
        body_lines = [
            line.strip() for line in value.splitlines() if line and not line.startswith("-----")
        ]
        fragments.append("".join(body_lines))
        fragments.extend(line for line in body_lines if len(line) >= MIN_PEM_LINE_LENGTH)
        # The same key escaped into a one-line JSON/repr string.
        fragments.append(value.replace("\n", "\\n"))
    return fragments


def redact(text: str, secrets: Iterable[Secret | str | None]) -> str:
    """Return ``text`` with every occurrence of each secret replaced by ``****``.

    PEM keys are also redacted line by line and as their joined base64 body, since that is how
    they show up in tracebacks and escaped strings. ``None`` and empty secrets are ignored, so
    optional credentials can be passed as they are.

    >>> redact("key=AKIA1234567890 ok", ["AKIA1234567890"])
    'key=**** ok'
    """
    fragments: list[str] = []
    for secret in secrets:
        if secret is None:
            continue
        value = secret.reveal() if isinstance(secret, Secret) else secret
        if len(value) < MIN_REDACTED_LENGTH:
            continue
        fragments.extend(_fragments(value))
    # Longest first, so a whole PEM is masked before its lines are.
    for fragment in sorted(set(fragments), key=len, reverse=True):
        if len(fragment) >= MIN_REDACTED_LENGTH:
            text = text.replace(fragment, MASK)
    return text


class RedactingFilter(logging.Filter):
    """A :mod:`logging` filter that redacts the given secrets from every record it passes.

    Install it on the handlers of any Python logger that may see adapter errors::

        handler.addFilter(RedactingFilter([credentials.api_secret]))

    (Nautilus' own logger is written in Rust and never sees Python handlers; the kit therefore
    keeps credentials out of everything it hands to Nautilus for printing.)
    """

    def __init__(self, secrets: Iterable[Secret | str | None]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s is not None]

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), self._secrets)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(
                logging.Formatter().formatException(record.exc_info), self._secrets
            )
            record.exc_info = None
        return True


__all__ = ["MASK", "RedactingFilter", "Secret", "redact"]
