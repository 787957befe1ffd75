"""`mnist-tui model RUN --out FILE.keras`: the run's trained model, as kept beside the store when the run
completed. `keras.saving.load_model(FILE)` reads it in any Keras 3; an existing FILE is replaced only with
--force."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.errors import MnistTuiError, SpecError
from engine.percent import pct
from engine.status import RunStatus
from tui.commands.show import find_run

if TYPE_CHECKING:
    from engine.store import Store


def add_arguments(parser) -> None:
    parser.add_argument("run", type=int, metavar="RUN", help="a completed run (see mnist-tui runs)")
    parser.add_argument("--out", metavar="FILE.keras", required=True, help="where to write the model")
    parser.add_argument("--force", action="store_true", help="replace FILE if it exists")


def run(args, store: Store, console) -> int:
    from engine.fileio import TargetExists, write_bytes
    from engine.takeout.model_files import KEEP_ENV, kept_model, read_model

    if not str(args.out).endswith(".keras"):
        raise SpecError(f"--out {args.out}: the file name must end in .keras (keras.saving.load_model needs it)")
    record = find_run(store, args.run)
    if kept_model(store.path, record.run_id) is None:
        if record.status != RunStatus.COMPLETED:
            raise MnistTuiError(f"run {record.run_id} is {record.status}: only a completed run keeps its model")
        raise MnistTuiError(
            f"run {record.run_id} has no kept model (trained before models were kept, or with keeping off:"
            f" `mnist-tui settings keep_models on`, {KEEP_ENV})"
        )
    data = read_model(store.path, record.run_id)
    try:
        path = write_bytes(args.out, data, replace=args.force)
    except TargetExists:
        raise MnistTuiError(f"{args.out}: already exists (not replaced; --force replaces it)") from None
    test = record.metrics.get("test_accuracy")
    print(
        f"run {record.run_id} ({record.name}, test {pct(test, '-')}): model written to {path}"
        f" ({len(data) / 1e6:.1f} MB)"
    )
    return 0
