"""A run's per-epoch table exactly as Keras's CSVLogger writes it for `model.fit(..., metrics=["accuracy"])`
with validation data: the header `epoch` then the log keys sorted (accuracy, loss, val_accuracy, val_loss),
epochs counted from 0, values as Python prints them, rows ended by "\\r\\n" (the csv module's excel dialect,
CSVLogger's). A value the store does not have (a NaN loss is stored as none) is "NA", as CSVLogger writes a
missing key."""

from __future__ import annotations

import csv
import io

from engine.store import RunRecord

COLUMNS = ("accuracy", "loss", "val_accuracy", "val_loss")  # sorted(logs.keys()), as CSVLogger orders them


def csv_text(run: RunRecord) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=["epoch", *COLUMNS], dialect=csv.excel)
    writer.writeheader()
    for e in run.history:
        values = {"accuracy": e.accuracy, "loss": e.loss, "val_accuracy": e.val_accuracy, "val_loss": e.val_loss}
        writer.writerow({"epoch": e.epoch - 1, **{k: "NA" if v is None else v for k, v in values.items()}})
    return buffer.getvalue()
