"""What every subcommand shares: argument types that explain a bad value in one line, the run store the
arguments name, and a console for tables."""

from __future__ import annotations

import argparse
import sys


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number (got {text!r})") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive whole number (got {text!r})")
    return value


def number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number (got {text!r})") from None


def whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number (got {text!r})") from None


def open_store(args):
    from engine.store import Store

    return Store(getattr(args, "store", None))


def console():
    from rich.console import Console

    # piped output is not squeezed to 80 columns: a table that folds is useless to grep
    return Console() if sys.stdout.isatty() else Console(width=200)


def silence_stdout() -> None:
    """After a broken pipe Python would complain again while flushing stdout at exit."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
