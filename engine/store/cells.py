"""Reading a store row's cells by their types, so a damaged or hand-edited row is one clear line naming the
row and the column (BadRow) instead of a wrong value on a screen or a crash: text where a number belongs, a
blob where text belongs, JSON that is not JSON, too deep or of the wrong shape. A listing leaves such a row
out and reports it (read_rows); the worker fails the job with the reason."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import types
import typing
from enum import StrEnum

from engine.errors import MnistTuiError, one_line

E = typing.TypeVar("E", bound=StrEnum)

MAX_JSON_DEPTH = 16  # our own JSON cells nest 3 deep; deeper is damage, and would overflow the printers' stacks
MAX_SHOWN = 40  # characters of a bad value quoted in the message


class BadRow(MnistTuiError):
    """A row holds a value its column cannot hold (a damaged or hand-edited store). Names the row and the
    column, so a listing can skip the row with one line and the worker can fail the job with the reason."""

    def __init__(self, what: str, row_id: object, column: str, problem: str):
        self.what, self.row_id, self.column = what, row_id, column
        super().__init__(one_line(f"{what} {row_id}: {column} {problem}"))


class Cells:
    """One row's cells read by type. Every getter returns the value or raises BadRow naming the row
    (`what` and its id) and the column: text where a number belongs, a blob where text belongs, JSON that
    is not JSON, too deep, or of the wrong shape. A column an older store lacks reads as its default."""

    def __init__(self, row: sqlite3.Row, what: str, id_column: str = "id"):
        self.row, self.what = row, what
        self.where = ""  # said after the column's name, e.g. " of epoch 3"
        self.keys = set(row.keys())
        self.row_id = row[id_column] if id_column in self.keys else "?"

    def bad(self, column: str, problem: str) -> BadRow:
        return BadRow(self.what, self.row_id, f"{column}{self.where}", problem)

    def raw(self, column: str, default=None):
        return self.row[column] if column in self.keys else default

    def text(self, column: str, default: str | None = None, required: bool = False) -> str | None:
        value = self.raw(column)
        if value is None:
            if required and default is None:
                raise self.bad(column, "is empty")
            return default
        if isinstance(value, str):
            return value
        raise self.bad(column, f"holds {_kind(value)}, not text")

    def number(self, column: str) -> float | None:
        value = self.raw(column)
        if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
            return value
        raise self.bad(column, f"holds {_kind(value)}, not a number")

    def integer(self, column: str, default: int | None = None) -> int | None:
        value = self.raw(column)
        if value is None:
            return default
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise self.bad(column, f"holds {_kind(value)}, not a whole number")

    def json(self, column: str, shape: type, default):
        """A JSON cell that must decode to `shape` (dict or list); NULL or '' reads as default."""
        text = self.text(column)
        if not text:
            return default
        try:
            value = json.loads(text)
        except RecursionError:
            raise self.bad(column, "holds JSON nested too deep to read") from None
        except ValueError:
            raise self.bad(column, f"holds damaged JSON ({_shown(text)})") from None
        if not isinstance(value, shape):
            raise self.bad(column, f"holds a JSON {_json_kind(value)} where a {_json_kind(shape())} belongs")
        if _depth(value) > MAX_JSON_DEPTH:
            raise self.bad(column, f"holds JSON nested deeper than {MAX_JSON_DEPTH} levels")
        return value

    def member(self, column: str, kind: type[E], older: dict[str, E] | None = None) -> E:
        """A required text cell as a member of the StrEnum `kind`; a value an older version wrote (a store
        opened read-only is not migrated) reads as the member `older` maps it to. Any other value is a BadRow."""
        value = self.text(column, required=True)
        if older and value in older:
            return older[value]
        try:
            return kind(value)
        except ValueError:
            raise self.bad(column, f"holds {value!r}, not one of {', '.join(kind)}") from None

    def record(self, cls: type, id_field: str, **given):
        """A `cls` dataclass whose fields are read from the columns of the same names, each by its type: text
        (or a str enum), a whole number, a number, a flag stored as 0/1. A field that may be None reads
        NULL as None; one with a default reads it as the default; any other reads it as BadRow("is empty").
        `given` holds the fields read some other way (JSON cells, renamed columns); the id is the row's."""
        values = {id_field: self.row_id, **given}
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            if f.name not in values:
                values[f.name] = self._typed(f, hints[f.name], cls.__name__)
        return cls(**values)

    def _typed(self, f: dataclasses.Field, hint, owner: str):
        optional = type(None) in typing.get_args(hint) and isinstance(hint, types.UnionType)
        kind = next(a for a in typing.get_args(hint) if a is not type(None)) if optional else hint
        default = None if f.default is dataclasses.MISSING else f.default
        if kind is bool:
            return bool(self.integer(f.name, int(default or 0)))
        if kind is int:
            value = self.integer(f.name, default)
        elif kind is float:
            value = self.number(f.name)
            value = default if value is None else value
        elif isinstance(kind, type) and issubclass(kind, str):
            value = self.text(f.name, default)
            if value is not None and kind is not str:
                try:
                    value = kind(value)
                except ValueError:
                    raise self.bad(f.name, f"holds {_shown(value)}, which this version does not know") from None
        else:
            raise TypeError(f"{owner}.{f.name}: a {kind} is not read from one cell; pass it in `given`")
        if value is None and not optional:
            raise self.bad(f.name, "is empty")
        return value

    def numbers(self, column: str) -> list[float] | None:
        """A JSON list of numbers (NULL: None)."""
        values = self.json(column, list, None)
        if values is not None and not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            raise self.bad(column, "holds a JSON list with something other than numbers")
        return values


def _depth(value) -> int:
    """How deep a decoded JSON value nests, counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_JSON_DEPTH:
            break
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def _kind(value: object) -> str:
    if isinstance(value, bytes):
        return f"a blob ({len(value)} bytes)"
    if isinstance(value, str):
        return f"text ({_shown(value)})"
    return f"{type(value).__name__} {_shown(value)}"


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _json_kind(value: object) -> str:
    return {dict: "object", list: "list", str: "string", bool: "boolean", type(None): "null"}.get(type(value), "number")


def read_rows(rows, parse, report) -> list:
    """Every row parsed by `parse`; a BadRow is handed to `report` and the row left out."""
    out = []
    for row in rows:
        try:
            out.append(parse(row))
        except BadRow as bad:
            report(bad)
    return out
