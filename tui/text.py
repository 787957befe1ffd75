"""Outside text -> display text: the one way a user's or a file's words reach the screen or the console.

Rich and Textual read a plain `str` as markup almost everywhere: `Static`/`Label` (`update` too), `notify`,
`DataTable` cells, rich `Table` cells, border titles, `Select` and `OptionList` prompts. There `[/` raises a
MarkupError that ends the app, `[red]x` prints as a red `x` and `[@click=app.quit]` becomes a live link.
So anything a user or a file supplies (preset names, ids and descriptions, run names, paths, notes, error
messages that quote input) goes through this module:

- a widget, a border title, a `DataTable` or rich `Table` cell, a `Select`/`OptionList` prompt, an
  `Input` validation message: `literal(value)` (or `literal(value, "bold red")`), a `rich.text.Text` that is
  never parsed. Build longer lines with `text.append_text(literal(value))` (`Text.append(str)` never parses
  markup either, but lets control characters through).
- a notification: `notify_literal(node, message, title=..., severity=..., timeout=...)` (sent with markup off);
- `Markdown`: markdown is its own syntax, not Rich markup; the text is passed as is;
- the CLI's rich tables: every cell that holds stored or user text as `literal(value)`.

For example: `label.update(literal(f"✗ {error}"))`, `table.add_row(literal(run.name), pct(acc))`,
`notify_literal(self, exc, title="Not saved", severity="error")`.

Only text the code writes itself (labels, key names, fixed hints) may stay a markup `str`. Control characters
(an ESC from a file name, a bell) and bidirectional controls (a right-to-left override, U+202E, would show
the rest of a line backwards) are shown as visible escapes such as `\\x1b` and `\\u202e`, so no text can
move the terminal's cursor or reorder what follows; line breaks stay (a notification may list several
problems, one a line).

Widths are terminal cells, not characters: a CJK character takes two, a combining accent none. `fit` cuts
outside text to a number of cells (never between a letter and its accents) and `pad` fills it out to them.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text

if TYPE_CHECKING:  # the CLI's tables use literal() too: no Textual import for them
    from rich.style import StyleType
    from textual.dom import DOMNode
    from textual.notifications import SeverityLevel


def printable(value: object) -> str:
    """str(value) with every control character except the line break made visible (`\\x1b`, `\\t`).
    Other invisible characters (a zero-width joiner inside an emoji) stay: they cannot move the cursor."""
    text = str(value)
    if text.isprintable():
        return text
    return "".join(_escape(c) if c != "\n" and (c in BIDI or unicodedata.category(c) in UNSAFE) else c for c in text)


# control characters, lone surrogates (cannot be encoded) and line/paragraph separators (break lines)
UNSAFE = frozenset({"Cc", "Cs", "Zl", "Zp"})
# the invisible marks, embeddings, overrides and isolates that reorder the text after them
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ELLIPSIS = "…"


def fit(value: object, width: int) -> str:
    """printable(value) in at most `width` terminal cells, an ellipsis marking a cut. Accents and other
    zero-width marks stay with the letter before them."""
    text = printable(value)
    if cell_len(text) <= width:
        return text
    room, used, out = max(0, width - 1), 0, []
    for char in text:
        cells = cell_len(char)
        if used + cells > room:
            break
        out.append(char)
        used += cells
    return "".join(out) + ELLIPSIS if width > 0 else ""


def pad(value: object, width: int) -> str:
    """fit(value, width) followed by spaces to exactly `width` cells (str.ljust counts characters)."""
    text = fit(value, width)
    return text + " " * max(0, width - cell_len(text))


def _escape(char: str) -> str:
    return repr(char)[1:-1] if unicodedata.category(char) != "Cs" else f"\\u{ord(char):04x}"


def literal(value: object, style: StyleType = "") -> Text:
    """Outside text as a Text shown exactly as written: brackets stay brackets, never styles or links."""
    return Text(printable(value), style=style, end="")


def notify_literal(
    node: DOMNode,
    message: object,
    *,
    title: object = "",
    severity: SeverityLevel = "information",
    timeout: float | None = None,
) -> None:
    """`node.notify` for a message that may quote outside text: shown literally (markup off).
    Thread-safe like Textual's own notify."""
    node.notify(printable(message), title=printable(title), severity=severity, timeout=timeout, markup=False)
