"""docs/error_policy.md's default-policy tables, rendered from the data they document.

Why generated: the table of every Binance code (about 200 rows) and the actions of every
category would drift from :data:`~nautilus_exec_kit.core.policy.codes.BINANCE_CODES` and
:data:`~nautilus_exec_kit.core.policy.table.DEFAULT_CATEGORY_ACTIONS` the first time someone
edits one without the other. The doc holds the rendered text between two markers; a core test
fails when it differs from :func:`render`, and this module rewrites it::

    python -m nautilus_exec_kit.core.policy.doc_table [docs/error_policy.md]
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Final

from nautilus_exec_kit.core.policy.codes import BINANCE_CODES, HTTP_STATUS_CATEGORIES, ErrorCategory
from nautilus_exec_kit.core.policy.table import (
    CATEGORY_WHY,
    DEFAULT_CATEGORY_ACTIONS,
    NEVER_RESEND,
)

BEGIN: Final = (
    "<!-- BEGIN GENERATED: python -m nautilus_exec_kit.core.policy.doc_table (do not edit) -->"
)
END: Final = "<!-- END GENERATED -->"
DOC: Final = Path(__file__).resolve().parents[3] / "docs" / "error_policy.md"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def render() -> str:
    """The generated part of the doc: the categories with their default action and why, then
    every code with Binance's name and meaning, its category and action, then HTTP statuses."""
    counts = Counter(info.category for info in BINANCE_CODES.values())
    lines = [
        f"{len(BINANCE_CODES)} Binance codes are classified (every code on Binance's USDⓈ-M "
        "error-code page, plus -2007 from the adapter's enum); any other code is "
        "`unclassified`.",
        "",
        "| category | action | codes | why |",
        "| --- | --- | --- | --- |",
    ]
    for category in ErrorCategory:
        action = DEFAULT_CATEGORY_ACTIONS[category].value
        never = " Never resent, whatever the overrides say." if category in NEVER_RESEND else ""
        lines.append(
            f"| {category.value} | {action} | {counts.get(category, 0)} | "
            f"{_cell(CATEGORY_WHY.get(category, ''))}.{never} |"
        )
    lines += [
        "",
        "| code | Binance name | meaning | category | action |",
        "| --- | --- | --- | --- | --- |",
    ]
    order = {category: i for i, category in enumerate(ErrorCategory)}
    for code, info in sorted(
        BINANCE_CODES.items(), key=lambda item: (order[item[1].category], -item[0]),
    ):
        action = DEFAULT_CATEGORY_ACTIONS[info.category].value
        lines.append(
            f"| {code} | {_cell(info.name)} | {_cell(info.meaning)} | {info.category.value} "
            f"| {action} |"
        )
    lines += ["", "| HTTP status (no code) | category | action |", "| --- | --- | --- |"]
    for status, category in HTTP_STATUS_CATEGORIES.items():
        action = DEFAULT_CATEGORY_ACTIONS[category].value
        lines.append(f"| {status} | {category.value} | {action} |")
    return "\n".join(lines)


def generated_part(text: str) -> str:
    """What ``text`` holds between the markers (raises ``ValueError`` without them)."""
    start = text.index(BEGIN) + len(BEGIN)
    return text[start : text.index(END, start)].strip("\n")


def update(path: Path = DOC) -> bool:
    """Rewrite the generated part of ``path``; True when it changed."""
    text = path.read_text(encoding="utf-8")
    start = text.index(BEGIN) + len(BEGIN)
    end = text.index(END, start)
    new = f"{text[:start]}\n{render()}\n{text[end:]}"
    if new == text:
        return False
    path.write_text(new, encoding="utf-8")
    return True


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DOC
    print(f"{target}: {'updated' if update(target) else 'up to date'}")


__all__ = ["BEGIN", "DOC", "END", "generated_part", "render", "update"]
