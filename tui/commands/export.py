"""`mnist-tui export [--out FILE|-]`: the answers summary in markdown, from the stored runs."""

from __future__ import annotations

import sys

from engine.errors import MnistTuiError
from tui.commands.common import open_store


def add_parser(sub, common) -> None:
    p = sub.add_parser("export", parents=[common], help="write the answers summary in markdown")
    p.add_argument("--out", metavar="FILE", default="answers.md", help="output file, or - for stdout")


def cmd_export(args) -> int:
    """The answers summary: to stdout with --out -, else written atomically (default answers.md)."""
    from engine.report import export_markdown, write_answers

    text = export_markdown(open_store(args))
    if args.out == "-":  # the same UTF-8 bytes the file would hold, whatever the locale
        if sys.stdout is None:  # started with fd 1 closed (a later open may have reused it: never write there)
            raise MnistTuiError("--out -: standard output is closed; give a file with --out FILE")
        out = getattr(sys.stdout, "buffer", None)
        if out is None:  # a text-only stand-in for stdout
            sys.stdout.write(text)
        else:
            sys.stdout.flush()
            out.write(text.encode("utf-8"))
            out.flush()
        return 0
    path = write_answers(text, args.out)
    print(f"answers written to {path}", file=sys.stderr)
    return 0
