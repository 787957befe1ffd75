"""Memory: a run whose estimated peak (batch x widths, parameters with their gradients and optimizer
slots, the data) exceeds what the machine has available is refused with the figure, in the foreground and
when it is queued (nothing is queued then); and the live row of a run whose process was killed does not
show progress for ever: a reader leaves it out and deletes it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from engine import memory
from engine.memory import MemoryRefused, estimate
from engine.presets import find_preset
from engine.spec import make_spec
from engine.store import Store
from tui.cli import main

GB = 2**30
HUGE = make_spec(name="64 x 550", hidden_layers=[550] * 64, batch_size=60_000)


def test_the_estimate_covers_the_measured_peak():
    # measured: 64 x 550 at batch 60,000 on 6,667 images peaked at 3.0 GB
    need = estimate(HUGE, 6_667, 1_333, 2_000)
    assert 3.0 * GB <= need.total <= 4.5 * GB
    assert need.activations > need.parameters > 0
    small = estimate(find_preset("part1-small").spec, 50_000, 10_000, 10_000)
    assert small.total < 1.5 * GB  # the exercise's nets on full MNIST fit a small machine


def test_an_optimizer_with_slots_needs_more():
    sgd = make_spec(name="n", hidden_layers=[512])
    adam = sgd.model_copy(update={"optimizer": "adam"})
    assert estimate(adam, 100, 10, 10).parameters == 2 * estimate(sgd, 100, 10, 10).parameters


WIDE = 'name = "wide"\nhidden_layers = [4096, 2048, 2048]\nbatch_size = 60000\nepochs = 1\n'


@pytest.fixture
def wide_spec(tmp_path):
    path = tmp_path / "wide.toml"
    path.write_text(WIDE)
    return str(path)


def free(monkeypatch, size: float) -> None:
    monkeypatch.setattr(memory, "available_bytes", lambda: int(size * GB))


def test_a_foreground_run_that_cannot_fit_is_refused_with_the_figure(
    wide_spec, sample_npz, tmp_path, capsys, monkeypatch
):
    free(monkeypatch, 1.0)
    code = main(["train", wide_spec, "--data", str(sample_npz)])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1, err
    assert err.startswith("mnist-tui: error: wide: needs about 1.2 GB of memory at its peak (activations ")
    assert "batch 5,000 x 8,986 units on 5,000 training images), more than the 1.0 GB available" in err
    assert Store(tmp_path / "runs.sqlite3").runs() == []  # nothing stored, nothing trained


def test_a_job_that_can_never_run_is_not_queued(wide_spec, tmp_path, capsys, monkeypatch):
    import engine.worker.client

    free(monkeypatch, 2.0)  # part1-small needs about 1 GB on full MNIST, the wide net 6.3 GB
    started = []
    monkeypatch.setattr(engine.worker.client, "ensure_worker", lambda *a, **k: started.append(a))
    code = main(["queue", "part1-small", wide_spec])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("mnist-tui: error: wide: needs about 6.3 GB") and "2.0 GB available" in err
    assert Store(tmp_path / "runs.sqlite3").jobs.recent() == [] and started == []  # not even part1-small


def test_the_queue_itself_refuses_it(store, monkeypatch):
    free(monkeypatch, 1.0)
    with pytest.raises(MemoryRefused, match=r"64 x 550: needs about \d+\.\d GB"):
        store.jobs.add("mine", None, HUGE)
    assert store.jobs.recent() == []


# -- live rows of killed runs ----------------------------------------------------------------------------
def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_the_live_row_of_a_killed_run_is_left_out_and_deleted(store, tmp_path):
    spec = find_preset("part1-small").spec
    killed, alive = store.start_run("p", None, spec), store.start_run("p", None, spec)
    for run_id in (killed, alive):
        store.db.write("INSERT INTO live (run_id, phase, updated_at) VALUES (?, 'training', 1.0)", (run_id,))
    store.db.write("UPDATE runs SET pid=?, process=NULL WHERE id=?", (dead_pid(), killed))

    other = Store(tmp_path / "runs.sqlite3")  # any reader: another TUI, watch
    assert list(other.progress.all()) == [alive] and other.progress.get(killed) is None
    assert [r[0] for r in store.db.read("SELECT run_id FROM live")] == [alive]  # gone from the store too
    other.close()


def test_the_next_run_clears_a_killed_runs_live_row(store):
    spec = find_preset("part1-small").spec
    killed = store.start_run("p", None, spec)
    store.db.write("INSERT INTO live (run_id, phase, updated_at) VALUES (?, 'training', 1.0)", (killed,))
    store.db.write("UPDATE runs SET pid=?, process=NULL WHERE id=?", (dead_pid(), killed))
    store.start_run("p", None, spec)
    assert store.db.read("SELECT run_id FROM live") == []


def test_a_read_only_reader_leaves_the_row_but_does_not_show_it(store, tmp_path):
    spec = find_preset("part1-small").spec
    killed = store.start_run("p", None, spec)
    store.db.write("INSERT INTO live (run_id, phase, updated_at) VALUES (?, 'training', 1.0)", (killed,))
    store.db.write("UPDATE runs SET status='completed' WHERE id=?", (killed,))
    store.db.read_only = True
    assert store.progress.all() == {}
    assert len(store.db.read("SELECT run_id FROM live")) == 1
    store.db.read_only = False
    assert os.path.exists(tmp_path / "runs.sqlite3")
