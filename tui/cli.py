"""The `mnist-tui` command: no subcommand opens the TUI; presets/train/runs/export call the engine.

Heavy imports (TensorFlow, Textual) happen inside the command that needs them, so --help, --version and
`presets` answer at once. Errors are one line on stderr (a traceback only with --debug); exit 0 on success,
2 on bad usage or an invalid spec, 1 on a runtime failure.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from engine import __version__
from engine.errors import MnistTuiError, SpecError, one_line

PROG = "mnist-tui"


class ArgParser(argparse.ArgumentParser):
    def error(self, message: str):  # one line instead of usage + message
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


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
        prog=PROG,
        parents=[common],
        description="A keyboard-driven terminal workbench for the Keras MNIST exercise. "
        "Without a command, opens the TUI.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgParser)

    p = sub.add_parser("presets", parents=[common], help="list every preset with params and rule checks")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("train", parents=[common], help="train a preset or a spec file headless")
    p.add_argument("preset", nargs="?", metavar="PRESET_OR_SPEC_FILE", help="a preset id or a .toml spec file")
    p.add_argument("--all", action="store_true", help="train every built-in preset in order (the whole exercise)")
    p.add_argument("--epochs", type=whole, help="override the spec's epochs")
    p.add_argument("--learning-rate", type=number, help="override the spec's learning rate")
    p.add_argument("--batch-size", type=whole, help="override the spec's batch size")
    p.add_argument("--seed", type=whole, help="override the spec's seed")
    p.add_argument("--subset", type=positive_int, metavar="N", help="train on the first N training examples")
    p.add_argument(
        "--repeats", type=positive_int, default=1, metavar="N", help="train each spec N times (seeds seed, seed+1, ...)"
    )
    p.add_argument("--json", action="store_true", help="JSON lines: one per epoch, then an end event")
    p.add_argument("--detach", action="store_true", help="queue for the background worker instead (see watch)")

    from tui.commands.controls import add_controls_parser
    from tui.commands.queue import add_parsers as add_queue_parsers

    add_controls_parser(sub, common)
    add_queue_parsers(sub, common)

    from tui.commands.runs import add_run_parsers

    add_run_parsers(sub, common)  # runs, show, rm, label

    p = sub.add_parser("export", parents=[common], help="write the answers summary in markdown")
    p.add_argument("--out", metavar="FILE", default="answers.md", help="output file, or - for stdout")
    return parser


def main(argv: list[str] | None = None) -> int:
    _tolerant_output()
    args = build_parser().parse_args(argv)
    debug = getattr(args, "debug", False)
    try:
        if args.command is None:
            from tui.app import run_app

            return run_app(data=getattr(args, "data", None), store=getattr(args, "store", None))
        from tui.commands.controls import cmd_controls
        from tui.commands.queue import cmd_cancel, cmd_queue, cmd_watch
        from tui.commands.runs import run_handlers

        handler = {
            "queue": cmd_queue,
            "watch": cmd_watch,
            "cancel": cmd_cancel,
            "presets": cmd_presets,
            "train": cmd_train,
            **run_handlers(),  # runs, show, rm, label
            "export": cmd_export,
            "controls": cmd_controls,
        }
        return handler[args.command](args)
    except MnistTuiError as exc:
        if debug:
            raise
        print(f"{PROG}: error: {one_line(exc)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        if debug:
            raise
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `mnist-tui runs --json | head`: the reader left, nothing to say
        _silence_stdout()
        return 1
    except Exception as exc:  # a bug or an environment we did not foresee: still one line, no traceback
        if debug:
            raise
        print(
            f"{PROG}: error: {one_line(f'{exc.__class__.__name__}: {exc}')} (run with --debug for the traceback)",
            file=sys.stderr,
        )
        return 1


def _tolerant_output() -> None:
    """A terminal or pipe that cannot encode a run's name (LANG=C, PYTHONIOENCODING=ascii) shows '?' for
    the character instead of ending the command with a UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace" if stream is sys.stdout else "backslashreplace")
        except (AttributeError, ValueError, OSError):  # closed, None, or not a text stream of ours
            pass


def _silence_stdout() -> None:
    """After a broken pipe Python would complain again while flushing stdout at exit."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _store(args):
    from engine.store import Store

    return Store(getattr(args, "store", None))


def _console():
    from rich.console import Console

    # piped output is not squeezed to 80 columns: a table that folds is useless to grep
    return Console() if sys.stdout.isatty() else Console(width=200)


# -- presets ---------------------------------------------------------------------------------------
def cmd_presets(args) -> int:
    from engine.presets import all_presets

    problems: list[str] = []
    presets = all_presets(problems)
    for line in problems:
        print(f"{PROG}: warning: skipped a user preset: {line}", file=sys.stderr)
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
    _console().print(table)
    return 0


# -- train -----------------------------------------------------------------------------------------
def _requests(args):
    from engine.presets import builtin_presets, find_preset
    from engine.repeats import expand_repeats
    from engine.runner import RunRequest
    from engine.spec import make_spec

    if args.all and args.preset:
        raise SpecError("give either a preset or --all, not both")
    if not args.all and not args.preset:
        raise SpecError("train needs a preset id or spec file (see mnist-tui presets), or --all")
    presets = builtin_presets() if args.all else [find_preset(args.preset)]
    overrides = {
        k: v
        for k, v in (
            ("epochs", args.epochs),
            ("learning_rate", args.learning_rate),
            ("batch_size", args.batch_size),
            ("seed", args.seed),
        )
        if v is not None
    }
    out = []
    for p in presets:
        spec = make_spec(source=p.id, **{**p.spec.model_dump(), **overrides}) if overrides else p.spec
        for seeded, group in expand_repeats(spec, args.repeats):
            data = getattr(args, "data", None)
            out.append(RunRequest(p.id, p.part, seeded, data=data, subset=args.subset, repeat_group=group))
    return out


class _Printer:
    """Turns engine events into the CLI's output: JSON lines on stdout, or human lines."""

    def __init__(self, as_json: bool, total: int, cancel: threading.Event | None = None):
        self.as_json, self.total, self.cancel = as_json, total, cancel
        self.reader_gone = False

    def __call__(self, ev) -> None:
        """A reader that went away (`| head`, or `| tee` killed by the same Ctrl+C) cancels the run, so it
        is kept as cancelled with its epochs instead of failing on a broken pipe."""
        if self.reader_gone:
            return
        try:
            self._print(ev)
        except BrokenPipeError:
            self.reader_gone = True
            _silence_stdout()
            if self.cancel is not None:
                self.cancel.set()

    def _print(self, ev) -> None:
        from engine.events import EpochEnd, Finished, Phase, Started

        if self.as_json:
            if isinstance(ev, EpochEnd | Finished):
                print(json.dumps(ev.as_json()), flush=True)
            return
        if isinstance(ev, Phase):  # progress is part of the run's log: stderr is kept for errors alone
            print(f"  {ev.message}...", flush=True)
        elif isinstance(ev, Started):
            print(
                f"run {ev.run_id}: {ev.train_size:,} train / {ev.val_size:,} validation / {ev.test_size:,} test "
                f"examples on {ev.backend}, {ev.device}",
                flush=True,
            )
        elif isinstance(ev, EpochEnd):
            print(
                f"epoch {ev.epoch:>3}/{self.total}  loss {_loss(ev.loss)}  acc {ev.accuracy:.2%}  "
                f"val_loss {_loss(ev.val_loss)}  val_acc {ev.val_accuracy:.2%}  {ev.seconds:.2f}s",
                flush=True,
            )
        elif isinstance(ev, Finished) and ev.run_id is not None:
            line = f"run {ev.run_id} {ev.status} after {ev.epochs_completed} epoch(s)"
            if ev.test_accuracy is not None:
                line += (
                    f": train {ev.train_accuracy:.2%}, validation {ev.val_accuracy:.2%}, test {ev.test_accuracy:.2%}"
                )
            if ev.seconds_per_epoch is not None:
                line += f", {ev.seconds_per_epoch:.2f}s/epoch"
            if ev.error:
                line += f" ({one_line(ev.error)})"
            print(line, flush=True)


def _loss(x: float) -> str:
    return f"{x:.4f}" if abs(x) < 1e4 else f"{x:.3g}"  # a blown-up loss is not 20 digits wide


def cmd_train(args) -> int:
    if args.detach:
        from tui.commands.queue import queue_requests

        return queue_requests(args, _requests(args))
    return train_requests(args, _requests(args))


def train_requests(args, requests) -> int:
    """Train each request in the foreground, in order; the first Ctrl+C stops after the current step."""
    from engine.runner import Runner

    store = _store(args)
    runner = Runner(store)
    cancel = threading.Event()

    def on_sigint(signum, frame):  # first Ctrl+C: stop after the current step and keep the run
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()
        print(f"\n{PROG}: stopping (Ctrl+C again to abort)...", file=sys.stderr, flush=True)

    previous = signal.signal(signal.SIGINT, on_sigint)
    worst = 0
    try:
        for req in requests:
            if cancel.is_set():
                break
            if len(requests) > 1 and not args.json:
                seed = f", seed {req.spec.seed}" if req.repeat_group else ""
                print(f"== {req.preset}: {req.label or req.spec.name} ({req.spec.layers_text()}{seed}) ==", flush=True)
            result = runner.run(req, _Printer(args.json, req.spec.epochs, cancel), cancel)
            if result.status == "cancelled" and result.run_id is None:
                print(f"{PROG}: cancelled before training started; nothing was stored", file=sys.stderr)
                return 130
            if result.status == "cancelled":
                print(
                    f"{PROG}: run {result.run_id} cancelled; its {result.epochs_completed} finished epoch(s) are "
                    f"kept in {store.path}",
                    file=sys.stderr,
                )
                return 130
            if result.status in ("diverged", "failed"):
                print(f"{PROG}: error: run {result.run_id} {result.status}: {one_line(result.error)}", file=sys.stderr)
                worst = 1
    finally:
        signal.signal(signal.SIGINT, previous)
    return worst


# -- export ----------------------------------------------------------------------------------------
def cmd_export(args) -> int:
    """The answers summary: to stdout with --out -, else written atomically (default answers.md)."""
    from engine.report import export_markdown, write_answers

    text = export_markdown(_store(args))
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


if __name__ == "__main__":
    sys.exit(main())
