"""Secret never shows its value; redact() removes whole values and PEM fragments."""

from __future__ import annotations

import logging
import pickle

from conftest import HMAC_SECRET, ed25519_pem
from hypothesis import given
from hypothesis import strategies as st

from nautilus_exec_kit.secrets import MASK, RedactingFilter, Secret, redact


def test_secret_repr_str_format_hide_the_value() -> None:
    secret = Secret(HMAC_SECRET)
    shown = [
        repr(secret),
        str(secret),
        f"{secret}",
        f"{secret!r}",
        repr([secret]),
        repr({"k": secret}),
    ]
    for text in shown:
        assert HMAC_SECRET not in text
    assert repr(secret) == "Secret('****')"
    assert secret.reveal() == HMAC_SECRET


def test_masked_shows_only_the_tail() -> None:
    assert Secret(HMAC_SECRET).masked() == MASK + HMAC_SECRET[-4:]
    assert Secret("short").masked() == MASK


@given(
    secret=st.text(
        alphabet=st.characters(codec="ascii", categories=["L", "N"]), min_size=8, max_size=80
    ),
    prefix=st.text(max_size=30),
    suffix=st.text(max_size=30),
)
def test_redact_removes_every_occurrence(secret: str, prefix: str, suffix: str) -> None:
    text = f"{prefix}{secret}{suffix} again {secret}"
    assert secret not in redact(text, [Secret(secret)])


def test_redact_pem_whole_lines_and_escaped() -> None:
    pem = ed25519_pem()
    body_line = pem.splitlines()[1]
    escaped = pem.replace("\n", "\\n")
    text = f"whole={pem} line={body_line} json={escaped!s}"
    out = redact(text, [pem])
    assert body_line not in out
    assert "PRIVATE KEY-----\n" + body_line not in out


def test_redact_ignores_none_and_short_values() -> None:
    assert redact("a b c", [None, "", "a"]) == "a b c"


def test_logging_filter_redacts_message_args_and_traceback(caplog: object) -> None:
    logger = logging.getLogger("exec_kit_test_secrets")
    handler_records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            handler_records.append(self.format(record))

    handler = Collect()
    handler.addFilter(RedactingFilter([Secret(HMAC_SECRET)]))
    logger.addHandler(handler)
    try:
        logger.error("signing with %s", HMAC_SECRET)
        try:
            raise ValueError(f"bad secret {HMAC_SECRET}")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    assert handler_records, "the handler saw nothing"
    assert all(HMAC_SECRET not in line for line in handler_records)
    assert any(MASK in line for line in handler_records)


def test_secret_survives_pickle_without_changing_repr() -> None:
    secret = pickle.loads(pickle.dumps(Secret(HMAC_SECRET)))
    assert secret.reveal() == HMAC_SECRET
    assert HMAC_SECRET not in repr(secret)
