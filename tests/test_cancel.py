"""`mnist-tui cancel` says what will happen and it happens: a run stopped partway is kept as cancelled; a
run that has trained every epoch is evaluating and completes; a cancel that reaches a run during its last
epoch, too late for the trainer to stop, still ends it as cancelled; a job whose run just ended or that
is loading is never answered with "nothing is training"."""

from __future__ import annotations

import threading

from tui_fakes import FakeTrainer, curve, fake_loader

from engine.events import EpochEnd, Finished, Phase, Started
from engine.presets import find_preset
from engine.runner import Runner, RunRequest
from tui.cli import main


class LastEpochThenEvaluation:
    """Trains `epochs` epochs without looking at cancel in the last one (Keras's last validation pass), then
    evaluates until released. Events mark where it is, so a test can cancel at exactly that moment."""

    def __init__(self):
        self.in_last_epoch, self.evaluating = threading.Event(), threading.Event()
        self.go_on, self.release = threading.Event(), threading.Event()

    def prepare(self, emit):
        pass

    def train(self, spec, splits, emit, cancel, next_up=None):
        emit(Started(None, spec.epochs, 1, 10, 2, 2, backend="fake", device="Test Device"))
        for epoch in range(1, spec.epochs + 1):
            if epoch == spec.epochs:
                self.in_last_epoch.set()
                self.go_on.wait(10)
            emit(EpochEnd(epoch, **curve(epoch), seconds=1.0))
        emit(Phase("evaluating"))
        self.evaluating.set()
        self.release.wait(10)
        return Finished(None, "completed", spec.epochs, **FakeTrainer._final(spec.epochs))


def start(store, trainer, epochs=2):
    p = find_preset("part1-small")
    req = RunRequest(p.id, p.part, p.spec.model_copy(update={"epochs": epochs}))
    thread = threading.Thread(target=Runner(store, trainer, fake_loader).run, args=(req,), daemon=True)
    thread.start()
    return thread


def cancel(store, capsys, *args) -> str:
    assert main(["cancel", *args, "--store", str(store.path)]) == 0
    return capsys.readouterr().out


def test_cancel_while_evaluating_says_it_completes_and_it_does(store, capsys):
    trainer = LastEpochThenEvaluation()
    trainer.go_on.set()
    thread = start(store, trainer)
    assert trainer.evaluating.wait(10)
    out = cancel(store, capsys)
    assert "evaluating: they complete" in out and "kept as cancelled" not in out
    assert "nothing is training" not in out
    trainer.release.set()
    thread.join(10)
    [run] = store.runs()
    assert run.status == "completed" and run.epochs_completed == 2


def test_a_cancel_in_the_last_epoch_that_the_trainer_misses_still_ends_as_cancelled(store, capsys):
    trainer = LastEpochThenEvaluation()
    thread = start(store, trainer)
    assert trainer.in_last_epoch.wait(10)
    [running] = store.running_runs()
    out = cancel(store, capsys, str(running.run_id))
    assert f"stopping run(s) {running.run_id}" in out and "kept as cancelled" in out
    trainer.go_on.set()
    trainer.release.set()
    thread.join(10)
    run = store.get_run(running.run_id)
    assert run.status == "cancelled" and run.epochs_completed == 2  # as it was told: kept as cancelled


def test_cancel_all_with_a_job_whose_run_just_ended_does_not_say_nothing_is_training(store, capsys):
    from known_runs import add_run

    run_id = add_run(store, "part1-small", [48], train=0.9, val=0.9, test=0.9)
    p = find_preset("part1-small")
    job = store.jobs.add(p.id, p.part, p.spec)
    store.db.write("UPDATE jobs SET state='running', run_id=?, phase='evaluating' WHERE id=?", (run_id, job))
    out = cancel(store, capsys, "--all")
    assert "nothing is training" not in out and f"run(s) {run_id} just ended" in out


def test_cancel_all_names_a_job_cancelled_while_loading(store, capsys):
    p = find_preset("part1-small")
    job = store.jobs.add(p.id, p.part, p.spec)
    store.db.write("UPDATE jobs SET state='running', phase='loading TensorFlow' WHERE id=?", (job,))
    out = cancel(store, capsys, "--all")
    assert f"job(s) {job} cancelled while loading" in out and "nothing is training" not in out


def test_a_job_whose_run_row_exists_but_is_not_linked_yet_is_not_called_loading(store, capsys):
    """The worker writes the run row before the job learns its id: that job is its run, reported once."""
    p = find_preset("part1-small")
    job = store.jobs.add(p.id, p.part, p.spec)
    store.db.write("UPDATE jobs SET state='running', phase='building model' WHERE id=?", (job,))
    run_id = store.start_run(p.id, p.part, p.spec)
    out = cancel(store, capsys, "--all")
    assert f"stopping run(s) {run_id}" in out and "loading" not in out
