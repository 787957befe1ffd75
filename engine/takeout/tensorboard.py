"""Stored runs as TensorBoard event files, laid out as Keras's own TensorBoard callback lays them out, so
`tensorboard --logdir DIR` shows them beside the user's other Keras experiments:

    DIR/run-<id>-<name>/train/        epoch_loss, epoch_accuracy (step = epoch index from 0, as Keras)
    DIR/run-<id>-<name>/validation/   epoch_loss, epoch_accuracy
    DIR/run-<id>-<name>/              the run's hyperparameters (HParams session), its final evaluation
                                      (test_accuracy, test_loss, final_train_accuracy ...) and the per-layer
                                      gradient magnitudes (mean_abs_gradient/hidden_1 ... /output)
    DIR/                              the HParams experiment: which hyperparameters and metrics to tabulate

Written with TensorBoard's own summary protos and record writer (the `tensorboard` package, without
TensorFlow: no TensorFlow import, so an export takes a fraction of a second). Wall times are the run's own:
its start plus each epoch's measured seconds.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from engine.errors import MnistTuiError, os_reason
from engine.spec import SETTINGS, NetworkSpec, count_params, format_layers
from engine.store import RunRecord

EVENT_GLOB = "events.out.tfevents.*"
SUBFOLDERS = ("train", "validation")
# (tag, group) of the metrics the HParams table shows: group is the run's subfolder, "" the run itself
METRICS = (
    ("epoch_accuracy", "validation"),
    ("epoch_loss", "validation"),
    ("epoch_accuracy", "train"),
    ("epoch_loss", "train"),
    ("test_accuracy", ""),
    ("test_loss", ""),
    ("final_train_accuracy", ""),
    ("final_val_accuracy", ""),
)
FINAL = (
    ("test_accuracy", "test_accuracy"),
    ("test_loss", "test_loss"),
    ("final_train_accuracy", "train_accuracy"),
    ("final_train_loss", "train_loss"),
    ("final_val_accuracy", "val_accuracy"),
    ("final_val_loss", "val_loss"),
)


@dataclass
class Written:
    run_id: int
    folder: Path
    epochs: int


def run_folder_name(run: RunRecord) -> str:
    from engine.presets import slugify

    return f"run-{run.run_id}-{slugify(run.name)}"


def hparams_of(run: RunRecord) -> dict:
    """The run's hyperparameters as HParams values (str, float, int, bool only)."""
    spec = run.spec_json
    layers = list(spec.get("hidden_layers") or [])
    values: dict = {
        "preset": run.preset,
        "part": run.part or "own",
        "kind": str(run.kind),
        "status": str(run.status),  # the plain value: HParams takes no enum
        "hidden_layers": format_layers(layers) if layers else "",
        "depth": len(layers),
        "trainable_params": count_params(layers).total,
        "epochs_completed": run.epochs_completed,
        "backend": run.backend or "",
        "device": run.device or "",
        "data": run.data_source or "Keras MNIST",
    }
    for key in SETTINGS:  # each setting as its field's type; the layers as text, above
        kind = NetworkSpec.model_fields[key].annotation
        if kind is float and isinstance(spec.get(key), int | float):
            values[key] = float(spec[key])
        elif kind is int and isinstance(spec.get(key), int):
            values[key] = int(spec[key])
        elif key != "hidden_layers" and kind not in (int, float):
            values[key] = str(spec.get(key, ""))
    return values


def _start_seconds(run: RunRecord) -> float:
    try:
        return datetime.fromisoformat(run.started_at).timestamp()
    except (TypeError, ValueError):
        return time.time()


class EventFile:
    """One event file in a folder, written through TensorBoard's record writer (length, CRCs, proto)."""

    def __init__(self, folder: Path, run_id: int, wall_time: float):
        from tensorboard.compat.proto import event_pb2
        from tensorboard.summary.writer.record_writer import RecordWriter

        self.event_pb2 = event_pb2
        folder.mkdir(parents=True, exist_ok=True)
        # TensorBoard reads every file named *tfevents*: the time, host and a random part keep names unique
        unique = secrets.token_hex(4)
        name = f"events.out.tfevents.{int(wall_time):010d}.{socket.gethostname()}.mnist-tui.run-{run_id}.{unique}"
        fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
        self.writer = RecordWriter(os.fdopen(fd, "wb"))
        self.add(event_pb2.Event(wall_time=wall_time, file_version="brain.Event:2"))

    def add(self, event) -> None:
        self.writer.write(event.SerializeToString())

    def summary(self, summary, step: int, wall_time: float) -> None:
        self.add(self.event_pb2.Event(wall_time=wall_time, step=step, summary=summary))

    def scalar(self, tag: str, value: float, step: int, wall_time: float) -> None:
        from tensorboard.plugins.scalar.summary_v2 import scalar_pb

        self.summary(scalar_pb(tag, float(value)), step, wall_time)

    def close(self) -> None:
        self.writer.flush()
        self.writer.close()


def write_run(run: RunRecord, out: Path, replace: bool = False) -> Written:
    """Write one run under out/run-<id>-<name>/. An existing folder of that name is refused unless replace:
    then only its event files (never anything else) are removed first."""
    from tensorboard.plugins.hparams import summary_v2 as hp

    folder = out / run_folder_name(run)
    if folder.exists():
        if not replace:
            raise MnistTuiError(f"{folder}: already exists (not replaced; --force replaces its event files)")
        _remove_event_files(folder)
    start = _start_seconds(run)
    root = EventFile(folder, run.run_id, start)
    splits = {name: EventFile(folder / name, run.run_id, start) for name in SUBFOLDERS}
    try:
        root.summary(hp.hparams_pb(hparams_of(run), trial_id=folder.name, start_time_secs=start), 0, start)
        wall = start
        for e in run.history:
            wall += e.seconds or 0.0
            step = e.epoch - 1  # Keras's callbacks count epochs from 0
            for file, loss, acc in (
                (splits["train"], e.loss, e.accuracy),
                (splits["validation"], e.val_loss, e.val_accuracy),
            ):
                if loss is not None:
                    file.scalar("epoch_loss", loss, step, wall)
                if acc is not None:
                    file.scalar("epoch_accuracy", acc, step, wall)
            for layer, value in enumerate(e.gradients or []):
                name = "output" if layer == len(e.gradients) - 1 else f"hidden_{layer + 1}"
                root.scalar(f"mean_abs_gradient/{name}", value, step, wall)
        last_step = max(0, run.epochs_completed - 1)
        for tag, key in FINAL:
            if run.metrics.get(key) is not None:
                root.scalar(tag, run.metrics[key], last_step, wall)
    finally:
        for file in (root, *splits.values()):
            file.close()
    return Written(run.run_id, folder, run.epochs_completed)


def write_experiment(runs: list[RunRecord], out: Path) -> None:
    """The HParams experiment at the top of out: each hyperparameter (with the values these runs took for
    text ones) and the metrics its table shows."""
    from tensorboard.plugins.hparams import summary_v2 as hp

    values: dict[str, set] = {}
    for run in runs:
        for key, value in hparams_of(run).items():
            values.setdefault(key, set()).add(value)
    params = []
    for key in sorted(values):
        seen = values[key]
        if all(isinstance(v, str) for v in seen):
            params.append(hp.HParam(key, hp.Discrete(sorted(seen))))
        else:
            params.append(hp.HParam(key))
    metrics = [hp.Metric(tag, group=group or None) for tag, group in METRICS]
    now = time.time()
    file = EventFile(out, 0, now)
    try:
        file.summary(hp.hparams_config_pb(params, metrics, time_created_secs=now), 0, now)
    finally:
        file.close()


def export_runs(runs: list[RunRecord], out: str | os.PathLike, replace: bool = False) -> list[Written]:
    """Every run under out (created if missing), then the experiment. Folders that exist are checked first,
    so a refusal writes nothing."""
    out = Path(out).expanduser()
    if out.exists() and not out.is_dir():
        raise MnistTuiError(f"{out}: not a folder (give a folder for the event files)")
    if not replace:
        taken = [out / run_folder_name(r) for r in runs if (out / run_folder_name(r)).exists()]
        if taken:
            raise MnistTuiError(f"{taken[0]}: already exists (not replaced; --force replaces its event files)")
    try:
        out.mkdir(parents=True, exist_ok=True)
        written = [write_run(r, out, replace) for r in runs]
        write_experiment(runs, out)
    except OSError as exc:
        raise MnistTuiError(f"{exc.filename or out}: cannot write ({os_reason(exc)})") from None
    return written


def _remove_event_files(folder: Path) -> None:
    for where in (folder, *(folder / name for name in SUBFOLDERS)):
        if where.is_dir() and not where.is_symlink():
            for path in where.glob(EVENT_GLOB):
                if path.is_file() and not path.is_symlink():
                    path.unlink()
