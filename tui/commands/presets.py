"""`mnist-tui presets [--json]`: every preset with its layers, parameters (weights / biases) and rule checks."""

from __future__ import annotations

import json
import sys

from engine.paths import APP
from tui.commands.common import console


def add_parser(sub, common) -> None:
    p = sub.add_parser("presets", parents=[common], help="list every preset with params and rule checks")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def cmd_presets(args) -> int:
    from engine.presets import all_presets

    problems: list[str] = []
    presets = all_presets(problems)
    for line in problems:
        print(f"{APP}: warning: skipped a user preset: {line}", file=sys.stderr)
    if args.json:
        print(json.dumps([p.as_json() for p in presets], indent=2))
        return 0
    from rich.table import Table

    from tui.text import literal

    table = Table(title="mnist-tui presets", box=None, header_style="bold")
    for col in ("id", "part", "hidden layers", "params", "weights", "biases", "lr", "epochs", "rules"):
        table.add_column(col, justify="right" if col in ("params", "weights", "biases", "lr", "epochs") else "left")
    for p in presets:
        c = p.params
        bad = [r.rule for r in p.rules if not r.ok]
        table.add_row(  # ids and names come from files: shown literally, never as markup
            literal(p.id),
            p.part or "-",
            p.spec.layers_text(),
            f"{c.total:,}",
            f"{c.weights:,}",
            f"{c.biases:,}",
            f"{p.spec.learning_rate:g}",
            str(p.spec.epochs),
            "ok" if not bad else literal("outside: " + "; ".join(bad)),
        )
    console().print(table)
    return 0
