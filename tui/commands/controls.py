"""`mnist-tui controls [PRESET...] [--repeats N]`: train the control runs in the foreground.

Each Part Two net (or each preset named) is trained again with one change at a time (engine/experiment_controls.py),
stored as kind "control": outside the exercise rules, never an exercise answer, read by the answers to
say which change lets the deep nets learn.
"""

from __future__ import annotations

from engine.errors import SpecError
from engine.experiment_controls import DEFAULT_PRESETS


def add_controls_parser(sub, common) -> None:
    from tui.commands.common import positive_int, whole

    p = sub.add_parser(
        "controls",
        parents=[common],
        help="train the Part Two nets with one change each (ReLU; 10x learning rate), outside the rules",
    )
    p.add_argument(
        "presets", nargs="*", metavar="PRESET", help=f"presets to control (default: {' '.join(DEFAULT_PRESETS)})"
    )
    p.add_argument("--only", choices=("relu", "lr-x10"), action="append", help="run only this control (repeatable)")
    p.add_argument("--repeats", type=positive_int, default=1, metavar="N", help="train each control N times")
    p.add_argument("--epochs", type=whole, help="override the epochs")
    p.add_argument("--subset", type=positive_int, metavar="N", help="train on the first N training examples")
    p.add_argument("--json", action="store_true", help="JSON lines: one per epoch, then an end event")
    p.add_argument("--detach", action="store_true", help="queue for the background worker instead (see watch)")
    from tui.commands.queue import add_worker_options

    add_worker_options(p)  # --slots, --cluster: with --detach


def control_requests(args) -> list:
    from engine.experiment_controls import CONTROL_KEYS, control_specs
    from engine.presets import find_preset
    from engine.repeats import expand_repeats
    from engine.run_request import RunRequest
    from engine.spec import make_spec

    keys = tuple(k for k in CONTROL_KEYS if not args.only or k in args.only)
    out = []
    for name in args.presets or DEFAULT_PRESETS:
        preset = find_preset(name)
        spec = preset.spec
        if args.epochs is not None:
            spec = make_spec(source=preset.id, **{**spec.model_dump(), "epochs": args.epochs})
        for control in control_specs(spec, keys):
            for seeded, group in expand_repeats(control.spec, args.repeats):
                out.append(
                    RunRequest(
                        preset.id,
                        preset.part,
                        seeded,
                        data=getattr(args, "data", None),
                        subset=args.subset,
                        repeat_group=group,
                        kind="control",
                        label=control.label,
                    )
                )
    if not out:
        raise SpecError("no control to run")
    return out


def cmd_controls(args) -> int:
    from tui.commands.train import train_requests

    if args.detach:
        from tui.commands.queue import queue_requests

        return queue_requests(args, control_requests(args))
    return train_requests(args, control_requests(args))
