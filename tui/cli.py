"""The `mnist-tui` command: no subcommand opens the TUI; every other command lives in tui/commands/ and
calls the engine. This file only parses, dispatches and turns every failure into one line.

Heavy imports (TensorFlow, Textual) happen inside the command that needs them, so --help, --version and
`presets` answer at once. Errors are one line on stderr (a traceback only with --debug); exit 0 on success,
2 on bad usage or an invalid spec, 1 on a runtime failure.
"""

from __future__ import annotations

import argparse
import re
import sys

from engine import __version__
from engine.errors import MnistTuiError, one_line
from engine.paths import APP
from tui.commands.common import silence_stdout


class ArgParser(argparse.ArgumentParser):
    def error(self, message: str):  # one line instead of usage + message
        self.exit(2, f"{self.prog}: error: {one_line(cut_quoted(message))} (see {self.prog} --help)\n")


QUOTED_LIMIT = 80  # a value quoted back in a message: enough to recognise it, never 5,000 digits
_QUOTED = re.compile(rf"(?<!\w)'([^'\n]{{{QUOTED_LIMIT + 1},}}?)'(?!\w)")


def cut_quoted(message: str, limit: int = QUOTED_LIMIT) -> str:
    """Every 'quoted value' in a message longer than limit characters cut to limit, an ellipsis marking
    the cut: a message echoes what was typed, and what was typed may be a page long."""
    return _QUOTED.sub(lambda m: "'" + m[1][: limit - 1] + "…'", message)


# commands whose whole point is what they print: with standard output closed they say so and stop
SHOWING = ("runs", "show", "presets", "watch")


def build_parser() -> ArgParser:
    common = ArgParser(add_help=False)
    common.add_argument(
        "--data",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="an mnist.npz or a folder of MNIST IDX files (default: $MNIST_TUI_DATA, then Keras)",
    )
    common.add_argument(
        "--store",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="the run store (default: $MNIST_TUI_STORE, then the user data dir)",
    )
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks on errors")

    parser = ArgParser(
        prog=APP,
        parents=[common],
        description="A keyboard-driven terminal workbench for the Keras MNIST exercise. "
        "Without a command, opens the TUI.",
    )
    parser.add_argument("--version", action="version", version=f"{APP} {__version__}")
    from tui.commands.queue import add_worker_options

    add_worker_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgParser)

    from tui.commands import cancel, controls, export, presets, queue, runs, settings, sweep, takeout, train

    presets.add_parser(sub, common)
    train.add_parser(sub, common)
    controls.add_controls_parser(sub, common)
    queue.add_parsers(sub, common)  # queue, watch
    cancel.add_parser(sub, common)
    runs.add_run_parsers(sub, common)  # runs, show, rm, label, model
    export.add_parser(sub, common)
    sweep.add_parsers(sub, common)  # sweep, sweeps
    takeout.add_parser(sub, common)  # tensorboard
    settings.add_parser(sub, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    _tolerant_output()
    args = build_parser().parse_args(argv)
    debug = getattr(args, "debug", False)
    try:
        if args.command is None:
            from tui.app import run_app

            return run_app(
                data=getattr(args, "data", None),
                store=getattr(args, "store", None),
                slots=getattr(args, "slots", None),
                cluster=getattr(args, "cluster", None),
            )
        if sys.stdout is None and (args.command in SHOWING or _lists_queue(args)):
            raise MnistTuiError("standard output is closed, so there is nowhere to show it (redirect it to a file)")
        from tui.commands.cancel import cmd_cancel
        from tui.commands.controls import cmd_controls
        from tui.commands.export import cmd_export
        from tui.commands.presets import cmd_presets
        from tui.commands.queue import cmd_queue, cmd_watch
        from tui.commands.runs import run_handlers
        from tui.commands.settings import cmd_settings
        from tui.commands.sweep import handlers as sweep_handlers
        from tui.commands.takeout import cmd_tensorboard
        from tui.commands.train import cmd_train

        handler = {
            "queue": cmd_queue,
            "watch": cmd_watch,
            "cancel": cmd_cancel,
            "presets": cmd_presets,
            "train": cmd_train,
            **run_handlers(),  # runs, show, rm, label, model
            "export": cmd_export,
            "controls": cmd_controls,
            **sweep_handlers(),  # sweep, sweeps
            "tensorboard": cmd_tensorboard,
            "settings": cmd_settings,
        }
        return handler[args.command](args)
    except MnistTuiError as exc:
        if debug:
            raise
        print(f"{APP}: error: {one_line(cut_quoted(str(exc)))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        if debug:
            raise
        print(f"{APP}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `mnist-tui runs --json | head`: the reader left, nothing to say
        silence_stdout()
        return 1
    except Exception as exc:  # a bug or an environment we did not foresee: still one line, no traceback
        if debug:
            raise
        print(
            f"{APP}: error: {one_line(f'{exc.__class__.__name__}: {exc}')} (run with --debug for the traceback)",
            file=sys.stderr,
        )
        return 1


def _lists_queue(args) -> bool:
    return args.command == "queue" and not args.presets and not args.all


def _tolerant_output() -> None:
    """A terminal or pipe that cannot encode a run's name (LANG=C, PYTHONIOENCODING=ascii) shows '?' for
    the character instead of ending the command with a UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace" if stream is sys.stdout else "backslashreplace")
        except (AttributeError, ValueError, OSError):  # closed, None, or not a text stream of ours
            pass


if __name__ == "__main__":
    sys.exit(main())
