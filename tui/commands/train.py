"""`mnist-tui train PRESET_OR_SPEC_FILE|--all`: training in the foreground, with the engine's events printed
as lines (or JSON lines); the first Ctrl+C stops after the current step and keeps the run. `--detach` hands
the same requests to the queue instead. `train_requests` is shared with `controls`."""

from __future__ import annotations

import json
import signal
import sys
import threading

from engine.errors import SpecError, one_line
from engine.paths import APP
from engine.status import RunStatus
from tui.commands.common import end_line, epoch_line, number, open_store, positive_int, silence_stdout, whole


def add_parser(sub, common) -> None:
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
    from tui.commands.queue import add_worker_options

    add_worker_options(p)  # --slots, --cluster: with --detach


def requests_from(args):
    from engine.presets import builtin_presets, find_preset
    from engine.repeats import expand_repeats
    from engine.run_request import RunRequest
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

    def __init__(self, as_json: bool, total: int, cancel: threading.Event | None = None, tagged: bool = False):
        self.as_json, self.total, self.cancel = as_json, total, cancel
        self.reader_gone = False
        # runs trained together interleave their lines: each epoch line then names its run
        self.tagged, self.run_id, self.phases = tagged, None, not tagged

    def __call__(self, ev) -> None:
        """A reader that went away (`| head`, or `| tee` killed by the same Ctrl+C) cancels the run, so it
        is kept as cancelled with its epochs instead of failing on a broken pipe."""
        if self.reader_gone:
            return
        try:
            self._print(ev)
        except BrokenPipeError:
            self.reader_gone = True
            silence_stdout()
            if self.cancel is not None:
                self.cancel.set()

    def _print(self, ev) -> None:
        from engine.events import EpochEnd, Finished, Phase, Started

        if isinstance(ev, Started):
            self.run_id = ev.run_id
        if self.as_json:
            if isinstance(ev, EpochEnd):
                print(json.dumps({**ev.as_json(), **({"run_id": self.run_id} if self.tagged else {})}), flush=True)
            elif isinstance(ev, Finished):
                print(json.dumps(ev.as_json()), flush=True)
            return
        if isinstance(ev, Phase):  # progress is part of the run's log: stderr is kept for errors alone
            if self.phases:
                print(f"  {ev.message}...", flush=True)
        elif isinstance(ev, Started):
            print(
                f"run {ev.run_id}: {ev.train_size:,} train / {ev.val_size:,} validation / {ev.test_size:,} test "
                f"examples on {ev.backend}, {ev.device}",
                flush=True,
            )
        elif isinstance(ev, EpochEnd):
            print(f"run {self.run_id}: " * self.tagged + epoch_line(ev, self.total), flush=True)
        elif isinstance(ev, Finished) and ev.run_id is not None:
            print(
                end_line(
                    ev.run_id,
                    ev.status,
                    ev.epochs_completed,
                    ev.train_accuracy,
                    ev.val_accuracy,
                    ev.test_accuracy,
                    ev.seconds_per_epoch,
                    ev.error,
                ),
                flush=True,
            )


def cmd_train(args) -> int:
    if args.detach:
        from tui.commands.queue import queue_requests

        return queue_requests(args, requests_from(args))
    return train_requests(args, requests_from(args))


def train_requests(args, requests) -> int:
    """Train each request in the foreground, in order; the first Ctrl+C stops after the current step."""
    from engine.runner import Runner
    from tui.commands.queue import foreground_refuses_worker_options

    foreground_refuses_worker_options(args)

    store = open_store(args)
    runner = Runner(store)
    cancel = threading.Event()

    def on_sigint(signum, frame):  # first Ctrl+C: stop after the current step and keep the run
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()
        print(f"\n{APP}: stopping (Ctrl+C again to abort)...", file=sys.stderr, flush=True)

    previous = signal.signal(signal.SIGINT, on_sigint)
    worst, at = 0, 0
    try:
        for group in _groups(runner, requests):
            at += len(group)  # requests up to the end of this group
            if cancel.is_set():
                break
            req = group[0]
            if len(requests) > 1 and not args.json:
                seed = f", seed {req.spec.seed}" if req.repeat_group else ""
                if len(group) > 1:
                    seed = f", seeds {req.spec.seed}-{group[-1].spec.seed}: {len(group)} networks in one program"
                print(f"== {req.preset}: {req.label or req.spec.name} ({req.spec.layers_text()}{seed}) ==", flush=True)
            if len(group) > 1:
                printers = [_Printer(args.json, r.spec.epochs, cancel, tagged=True) for r in group]
                printers[0].phases = True
                results = runner.run_stacked(group, printers, cancel)
            else:
                upcoming = requests[at] if at < len(requests) else None
                results = [runner.run(req, _Printer(args.json, req.spec.epochs, cancel), cancel, lambda n=upcoming: n)]
            if any(r.status == RunStatus.CANCELLED and r.run_id is None for r in results):
                print(f"{APP}: cancelled before training started; nothing was stored", file=sys.stderr)
                return 130
            cancelled = [r for r in results if r.status == RunStatus.CANCELLED]
            for result in cancelled:
                print(
                    f"{APP}: run {result.run_id} cancelled; its {result.epochs_completed} finished epoch(s) are "
                    f"kept in {store.path}",
                    file=sys.stderr,
                )
            for result in results:
                if result.status in (RunStatus.DIVERGED, RunStatus.FAILED):
                    why = one_line(result.error)
                    print(f"{APP}: error: run {result.run_id} {result.status}: {why}", file=sys.stderr)
                    worst = 1
            if cancelled:
                return 130
    finally:
        signal.signal(signal.SIGINT, previous)
    return worst


def _groups(runner, requests) -> list[list]:
    """Runs that train together (engine/stacked.py): seeds of one network, unless MNIST_TUI_STACK=0 or the
    runner trains one run at a time (tests' fakes)."""
    if not hasattr(runner, "run_stacked"):
        return [[req] for req in requests]
    from engine.stacked import stack_groups

    return stack_groups(requests)
