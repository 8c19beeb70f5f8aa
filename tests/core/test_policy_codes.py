"""The Binance code table: every code placed, by the parser in every form a reject comes in, and
documented (docs/error_policy.md's table is generated from the same data)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nautilus_exec_kit.core.policy import BINANCE_CODES, ErrorCategory, parse_reason
from nautilus_exec_kit.core.policy.codes import HTTP_STATUS_CATEGORIES
from nautilus_exec_kit.core.policy.doc_table import BEGIN, END, generated_part, render
from nautilus_exec_kit.core.policy.table import DEFAULT_CATEGORY_ACTIONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "error_policy.md"
CODES = sorted(BINANCE_CODES)

#: Every form a reject with a code reaches a strategy in (Python adapter, JSON, Rust adapter,
#: batch cancel, NautilusTrader 2's WS API, wrapped by the Python adapter's batch cancel).
FORMS = {
    "python_adapter": lambda code, msg: str({"code": code, "msg": msg}),
    "json": lambda code, msg: json.dumps({"code": code, "msg": msg}),
    "rust_adapter": lambda code, msg: f"HTTP error: Binance error {code}: {msg}",
    "batch": lambda code, msg: f"batch-cancel-error: code={code}, msg={msg}",
    "nautilus2_adapter": lambda code, msg: f"code={code}: {msg}",
    "wrapped": lambda code, msg: "Batch cancel failed: " + str({"code": code, "msg": msg}),
}
#: Messages the parser reads on purpose (a -2010 taker reject, a -1003 IP ban), kept out of the
#: random ones: the table decides every other reject by its code alone.
_SPECIAL = ("Order would immediately match and take.", "banned until")
#: Printable text without the characters that make a message look like another form.
_MESSAGES = st.one_of(
    st.sampled_from([info.meaning for info in BINANCE_CODES.values()]),
    st.text(
        alphabet=st.characters(
            min_codepoint=32, max_codepoint=0x2FFF, blacklist_characters="{}",
            blacklist_categories=("Cs",),
        ),
        max_size=120,
    ).filter(lambda m: "Binance error" not in m and not any(s in m for s in _SPECIAL)),
)


def test_the_table_holds_every_code_of_binances_page() -> None:
    assert len(BINANCE_CODES) >= 205
    for code in (-4400, -4401, -4087, -4088, -2027, -2028, -4140, -4141, -5043, -4189):
        assert code in BINANCE_CODES
    for code, info in BINANCE_CODES.items():
        assert code < 0 and info.name and info.meaning, code
        assert info.category in DEFAULT_CATEGORY_ACTIONS, code
        assert info.category is not ErrorCategory.UNCLASSIFIED, code


@settings(max_examples=300, deadline=None)
@given(code=st.sampled_from(CODES), form=st.sampled_from(sorted(FORMS)), msg=_MESSAGES)
def test_every_code_in_every_form_is_placed_by_the_table(code: int, form: str, msg: str) -> None:
    reason = parse_reason(FORMS[form](code, msg))
    assert reason.code == code
    assert reason.category is BINANCE_CODES[code].category


@pytest.mark.parametrize("code", CODES)
def test_every_code_with_its_own_meaning_is_placed(code: int) -> None:
    info = BINANCE_CODES[code]
    for form in FORMS.values():
        reason = parse_reason(form(code, info.meaning))
        assert (reason.code, reason.category) == (code, info.category)


def test_the_doc_table_is_the_data() -> None:
    """docs/error_policy.md shows exactly what the code decides: regenerate it with
    ``python -m nautilus_exec_kit.core.policy.doc_table`` after changing a code or action."""
    text = DOC.read_text(encoding="utf-8")
    assert BEGIN in text and END in text
    assert generated_part(text) == render()


def test_every_code_and_category_is_in_the_doc() -> None:
    section = generated_part(DOC.read_text(encoding="utf-8"))
    rows = {line.split(" | ")[0].lstrip("| ") for line in section.splitlines()}
    assert {str(code) for code in BINANCE_CODES} <= rows
    assert {category.value for category in ErrorCategory} <= rows
    assert {str(status) for status in HTTP_STATUS_CATEGORIES} <= rows
