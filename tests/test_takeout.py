"""Taking runs out: the kept .keras model (`mnist-tui model`), TensorBoard event files with HParams
(`mnist-tui tensorboard`, read back with TensorBoard's own reader) and `show --csv` (CSVLogger's columns)."""

from __future__ import annotations

import csv
import io
import json
import os
import stat

import pytest
from known_runs import add_run, fill_exercise

from engine.store import Store
from engine.takeout.keras_model import keep_trained_model
from engine.takeout.model_files import model_file, models_folder
from tui.cli import main


def cli(store_path, *args) -> int:
    return main([*args, "--store", str(store_path)])


# -- the kept model ----------------------------------------------------------------------------------------
@pytest.mark.slow
def test_a_completed_run_keeps_its_model_and_load_model_evaluates_to_its_test_accuracy(
    sample_npz, tmp_path, capsys, monkeypatch
):
    monkeypatch.delenv("MNIST_TUI_KEEP_MODELS", raising=False)
    store_path = tmp_path / "runs.sqlite3"
    args = ["train", "part1-small", "--epochs", "1", "--subset", "300", "--data", str(sample_npz), "--json"]
    assert cli(store_path, *args) == 0
    end = json.loads(capsys.readouterr().out.splitlines()[-1])
    run_id = end["run_id"]
    kept = model_file(store_path, run_id)
    assert stat.S_IMODE(os.stat(kept).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(models_folder(store_path)).st_mode) == 0o700

    out = tmp_path / "mine.keras"
    assert cli(store_path, "model", str(run_id), "--out", str(out)) == 0
    assert "model written to" in capsys.readouterr().out

    import keras

    from engine.data import load_splits

    splits = load_splits(str(sample_npz), 1 / 6, 300)
    model = keras.saving.load_model(out)
    loss, accuracy = model.evaluate(splits.x_test, splits.y_test, verbose=0)
    # the same weights on the same images: at most one image's argmax may differ in the last float bit
    assert abs(accuracy - end["test_accuracy"]) <= 1 / len(splits.x_test)
    assert loss == pytest.approx(end["test_loss"], rel=1e-4)

    # never overwritten without --force; with it, replaced
    out.write_bytes(b"mine")
    assert cli(store_path, "model", str(run_id), "--out", str(out)) == 1
    err = capsys.readouterr().err
    assert "already exists" in err and err.count("\n") == 1 and out.read_bytes() == b"mine"
    assert cli(store_path, "model", str(run_id), "--out", str(out), "--force") == 0
    assert out.read_bytes() == kept.read_bytes()

    # deleting the run deletes its model
    assert cli(store_path, "rm", str(run_id), "--yes") == 0
    assert not kept.exists()


def test_model_errors_are_one_line(tmp_path, capsys):
    store_path = tmp_path / "runs.sqlite3"
    store = Store(store_path)
    done = add_run(store, "part1-small", [48], train=0.9, val=0.9, test=0.9)  # stored by hand: no model kept
    cancelled = add_run(store, "part1-small", [48], train=0.5, val=0.5, test=0.5, status="cancelled")
    store.close()
    cases = [
        (["model", str(done), "--out", str(tmp_path / "m.h5")], 2, "must end in .keras"),
        (["model", "99", "--out", str(tmp_path / "m.keras")], 1, "no run 99"),
        (["model", str(cancelled), "--out", str(tmp_path / "m.keras")], 1, "only a completed run keeps its model"),
        (["model", str(done), "--out", str(tmp_path / "m.keras")], 1, "has no kept model"),
    ]
    for args, code, words in cases:
        assert cli(store_path, *args) == code
        err = capsys.readouterr().err
        assert words in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "m.keras").exists()


class FakeTrainer:
    trained_weights = [1]


def test_keeping_models_is_a_setting_and_an_environment_switch(store, monkeypatch, capsys):
    saved = []
    monkeypatch.setattr("engine.takeout.keras_model.save_trained_model", lambda spec, w, path: saved.append(path))
    monkeypatch.delenv("MNIST_TUI_KEEP_MODELS", raising=False)
    spec = None
    assert keep_trained_model(store, FakeTrainer(), spec, 1) is not None and len(saved) == 1
    monkeypatch.setenv("MNIST_TUI_KEEP_MODELS", "0")
    assert keep_trained_model(store, FakeTrainer(), spec, 2) is None and len(saved) == 1
    monkeypatch.delenv("MNIST_TUI_KEEP_MODELS")
    assert cli(store.path, "settings", "keep_models", "off") == 0
    assert keep_trained_model(store, FakeTrainer(), spec, 3) is None and len(saved) == 1
    assert cli(store.path, "settings", "keep_models", "maybe") == 2
    assert cli(store.path, "settings", "keep_models", "on") == 0
    assert keep_trained_model(store, FakeTrainer(), spec, 4) is not None and len(saved) == 2
    assert stat.S_IMODE(os.stat(models_folder(store.path)).st_mode) == 0o700


def test_a_link_where_the_models_folder_belongs_is_not_followed(store, tmp_path, monkeypatch, capsys):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    models_folder(store.path).symlink_to(elsewhere)
    monkeypatch.delenv("MNIST_TUI_KEEP_MODELS", raising=False)
    saved = []
    monkeypatch.setattr("engine.takeout.keras_model.save_trained_model", lambda spec, w, path: saved.append(path))
    assert keep_trained_model(store, FakeTrainer(), None, 1) is None and saved == []
    assert "not a folder" in capsys.readouterr().err and list(elsewhere.iterdir()) == []


# -- TensorBoard -------------------------------------------------------------------------------------------
def read_events(folder):
    """Every scalar and the HParams plugin data under folder, read by TensorBoard's own EventAccumulator."""
    from tensorboard.backend.event_processing import event_accumulator as ea
    from tensorboard.util import tensor_util

    acc = ea.EventAccumulator(str(folder), size_guidance={ea.TENSORS: 0})
    acc.Reload()
    scalars = {
        tag: [(t.step, float(tensor_util.make_ndarray(t.tensor_proto))) for t in acc.Tensors(tag)]
        for tag in acc.Tags()["tensors"]
        if acc.SummaryMetadata(tag).plugin_data.plugin_name == "scalars"
    }
    try:
        hparams = acc.PluginTagToContent("hparams")
    except KeyError:
        hparams = {}
    return scalars, hparams


def test_tensorboard_writes_every_epoch_gradients_and_hparams(store, tmp_path, capsys):
    ids = fill_exercise(store)
    narrow = ids["part2-narrow"]
    out = tmp_path / "tb"
    assert cli(store.path, "tensorboard", str(narrow), str(ids["part1-small"]), "--out", str(out)) == 0
    assert "tensorboard --logdir" in capsys.readouterr().out
    run = store.get_run(narrow)
    folder = out / f"run-{narrow}-part2-narrow"
    train, _ = read_events(folder / "train")
    val, _ = read_events(folder / "validation")
    assert train["epoch_loss"] == [(e.epoch - 1, pytest.approx(e.loss)) for e in run.history]
    assert train["epoch_accuracy"] == [(e.epoch - 1, pytest.approx(e.accuracy)) for e in run.history]
    assert val["epoch_loss"] == [(e.epoch - 1, pytest.approx(e.val_loss)) for e in run.history]
    assert val["epoch_accuracy"] == [(e.epoch - 1, pytest.approx(e.val_accuracy)) for e in run.history]
    root, hparams = read_events(folder)
    assert root["mean_abs_gradient/hidden_1"][-1] == (9, pytest.approx(1e-9))
    assert root["mean_abs_gradient/output"][-1] == (9, pytest.approx(1e-2))
    assert len(root["mean_abs_gradient/hidden_1"]) == 10
    assert root["test_accuracy"] == [(9, pytest.approx(0.1150))]

    from tensorboard.plugins.hparams import plugin_data_pb2

    data = plugin_data_pb2.HParamsPluginData.FromString(hparams["_hparams_/session_start_info"])
    values = data.session_start_info.hparams
    assert values["learning_rate"].number_value == pytest.approx(0.01)
    assert values["depth"].number_value == 10 and values["hidden_layers"].string_value == "10 x 8"
    assert values["activation"].string_value == "sigmoid" and values["preset"].string_value == "part2-narrow"
    _, experiment = read_events(out)
    config = plugin_data_pb2.HParamsPluginData.FromString(experiment["_hparams_/experiment"]).experiment
    assert {h.name for h in config.hparam_infos} >= {"learning_rate", "seed", "batch_size", "hidden_layers"}
    assert ("epoch_accuracy", "validation") in {(m.name.tag, m.name.group) for m in config.metric_infos}

    # a second export to the same folder is refused, then replaced with --force (no duplicate points)
    assert cli(store.path, "tensorboard", str(narrow), "--out", str(out)) == 1
    assert "already exists" in capsys.readouterr().err
    assert cli(store.path, "tensorboard", str(narrow), "--out", str(out), "--force") == 0
    train, _ = read_events(folder / "train")
    assert len(train["epoch_loss"]) == 10


def test_tensorboard_all_and_bad_usage(store, tmp_path, capsys):
    fill_exercise(store)
    assert cli(store.path, "tensorboard", "--all", "--out", str(tmp_path / "tb")) == 0
    assert len([p for p in (tmp_path / "tb").iterdir() if p.is_dir()]) == len(store.runs())
    assert cli(store.path, "tensorboard", "--out", str(tmp_path / "x")) == 2
    assert cli(store.path, "tensorboard", "999", "--out", str(tmp_path / "y")) == 1
    assert not (tmp_path / "y").exists()


# -- CSV ---------------------------------------------------------------------------------------------------
def test_show_csv_has_csvloggers_columns_and_rows(store, capsys):
    ids = fill_exercise(store)
    run = store.get_run(ids["part1-small"])
    assert cli(store.path, "show", str(run.run_id), "--csv") == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "epoch,accuracy,loss,val_accuracy,val_loss"  # CSVLogger: epoch, sorted keys
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [int(r["epoch"]) for r in rows] == list(range(run.epochs_completed))  # from 0, as Keras counts
    assert float(rows[-1]["val_accuracy"]) == run.history[-1].val_accuracy
    assert float(rows[0]["loss"]) == run.history[0].loss


def test_show_csv_matches_what_csvlogger_writes(tmp_path, capsys):
    """The same numbers through Keras's own CSVLogger give the same text."""
    import keras

    store = Store(tmp_path / "runs.sqlite3")
    run_id = add_run(store, "part1-small", [48], train=0.9, val=0.9, test=0.9, epochs=3)
    run = store.get_run(run_id)
    logger = keras.callbacks.CSVLogger(str(tmp_path / "keras.csv"))
    logger.on_train_begin()
    for e in run.history:
        logs = {"loss": e.loss, "accuracy": e.accuracy, "val_loss": e.val_loss, "val_accuracy": e.val_accuracy}
        logger.on_epoch_end(e.epoch - 1, logs)
    logger.on_train_end()
    assert cli(store.path, "show", str(run_id), "--csv") == 0
    with open(tmp_path / "keras.csv", newline="") as fh:
        assert capsys.readouterr().out == fh.read()
