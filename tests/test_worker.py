"""The queue in the store and the worker that drains it: order and edits, claiming without races, one
worker per store (a lock that a killed worker never keeps), a dead worker's jobs, cancel flags set by any
process, live rows, and a worker that cannot run a job (the reason goes on the job)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from helpers import ROOT, child_env, wait_for
from tui_fakes import FakeTrainer, fake_loader

from engine.errors import DataError
from engine.presets import find_preset
from engine.runner import Runner
from engine.store import Store
from engine.worker.client import worker_running
from engine.worker.lock import WorkerLock
from engine.worker.process import serve


def add(store: Store, preset: str = "part1-small", **kwargs) -> int:
    p = find_preset(preset)
    return store.jobs.add(p.id, p.part, p.spec, **kwargs)


def runner_with(trainer, loader=fake_loader):
    return lambda store: Runner(store, trainer, loader)


def start_worker(store: Store, trainer, loader=fake_loader, idle_exit: float = 0.1) -> threading.Thread:
    """The worker loop in a thread (a stand-in for the detached process), with a fake trainer."""
    kwargs = dict(runner_factory=runner_with(trainer, loader), idle_exit=idle_exit)
    t = threading.Thread(target=serve, args=(store.path,), kwargs=kwargs)
    t.start()
    return t


# -- the queue ------------------------------------------------------------------------------------------
def test_jobs_keep_their_order_and_can_be_moved_removed_and_cleared(store):
    ids = [add(store, p) for p in ("part1-large", "part1-small", "part2-narrow", "part3")]
    assert [j.job_id for j in store.jobs.waiting()] == ids
    assert store.jobs.move(ids[3], -2)
    assert [j.preset for j in store.jobs.waiting()] == ["part1-large", "part3", "part1-small", "part2-narrow"]
    assert not store.jobs.move(ids[0], -1)  # already first
    assert store.jobs.remove(ids[1])
    assert [j.preset for j in store.jobs.waiting()] == ["part1-large", "part3", "part2-narrow"]
    assert store.jobs.clear() == 3 and store.jobs.waiting() == []


def test_a_queued_job_cancelled_never_runs(store):
    first, second = add(store), add(store, "part2-narrow")
    assert store.jobs.cancel(first)
    assert store.jobs.get(first).state == "cancelled"
    assert store.jobs.claim_next().job_id == second


def test_two_processes_claiming_at_once_never_take_the_same_job(tmp_path):
    path = tmp_path / "runs.sqlite3"
    Store(path).close()
    store = Store(path)
    for _ in range(40):
        add(store)
    claimed: list[int] = []
    lock = threading.Lock()

    def claim_all():
        mine = Store(path)  # a connection of its own, as another process would have
        while (job := mine.jobs.claim_next()) is not None:
            with lock:
                claimed.append(job.job_id)
        mine.close()

    threads = [threading.Thread(target=claim_all) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == list(range(1, 41))  # each exactly once


# -- the lock -----------------------------------------------------------------------------------------
def test_one_worker_per_store(tmp_path):
    path = tmp_path / "runs.sqlite3"
    Store(path).close()
    first, second = WorkerLock(path), WorkerLock(path)
    assert first.acquire()
    assert worker_running(path)
    assert not second.acquire()
    first.release()
    assert not worker_running(path)
    assert second.acquire()
    second.release()


def test_a_second_worker_leaves_the_queue_to_the_first(store):
    trainer = FakeTrainer(hold_after=1)
    add(store)
    codes = []
    first = threading.Thread(target=lambda: codes.append(serve(store.path, runner_with(trainer), idle_exit=0.2)))
    first.start()
    assert trainer.holding.wait(10)
    assert serve(store.path, runner_with(FakeTrainer()), idle_exit=0.2) == 3  # the lock is taken: it leaves at once
    trainer.release.set()
    first.join(10)
    assert codes == [0]
    assert [r.status for r in store.runs()] == ["completed"]


def test_the_worker_drains_the_queue_in_order_and_exits_when_idle(store):
    for preset in ("part2-narrow", "part1-small", "part3"):
        add(store, preset)
    trainer = FakeTrainer()
    assert serve(store.path, runner_with(trainer), idle_exit=0.1) == 0
    assert trainer.trained == ["Part Two, narrow", "Part One, small", "Part Three"]
    # each run is told what the queue trains next, so that network can compile meanwhile
    assert trainer.next_seen == ["Part One, small", "Part Three", None]
    assert [j.state for j in store.jobs.recent()] == ["completed", "completed", "completed"]
    assert all(j.run_id is not None for j in store.jobs.recent())
    assert store.progress.all() == {}  # live rows go when their run ends


def test_a_job_added_while_the_worker_goes_idle_still_runs(store, monkeypatch):
    """A job queued at the very moment an idle worker lets go of the lock to exit: no new worker has taken
    the lock, so this one takes it back and runs the job instead of leaving it queued with no worker."""
    real_release = WorkerLock.release
    added: list[int] = []

    def release_then_queue(lock) -> None:
        real_release(lock)
        if not added:  # the idle worker's release: a TUI queues a job right then, on a connection of its own
            other = Store(store.path)
            added.append(add(other, "part2-narrow"))
            other.close()

    monkeypatch.setattr(WorkerLock, "release", release_then_queue)
    add(store)
    assert serve(store.path, runner_with(FakeTrainer()), idle_exit=0.1) == 0
    assert added, "the worker never let go of the lock"
    assert [j.state for j in store.jobs.recent()] == ["completed", "completed"]


# -- faults --------------------------------------------------------------------------------------------
WORKER_THAT_HANGS = """
from tui_fakes import FakeTrainer, fake_loader
from engine.runner import Runner
from engine.worker.process import serve
trainer = FakeTrainer(hold_after=2)
serve({path!r}, runner_factory=lambda store: Runner(store, trainer, fake_loader))
"""


def test_a_killed_worker_leaves_its_run_interrupted_and_the_next_worker_runs_the_rest(store):
    for preset in ("part1-small", "part2-narrow", "part3"):
        add(store, preset)
    code = WORKER_THAT_HANGS.format(path=str(store.path))
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=child_env())
    deadline = time.monotonic() + 60
    while not (store.runs() and store.runs()[0].epochs_completed == 2):
        assert time.monotonic() < deadline and proc.poll() is None, "the worker never trained two epochs"
        time.sleep(0.1)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    [run] = store.runs()
    assert run.status == "interrupted" and run.epochs_completed == 2
    assert [j.state for j in store.jobs.waiting()] == ["queued", "queued"]
    assert serve(store.path, runner_with(FakeTrainer()), idle_exit=0.1) == 0
    states = {j.preset: j.state for j in store.jobs.recent()}
    assert states == {"part1-small": "interrupted", "part2-narrow": "completed", "part3": "completed"}
    assert sorted(r.status for r in store.runs()) == ["completed", "completed", "interrupted"]


def test_cancel_flag_from_another_connection_stops_the_run_within_a_block(store):
    trainer = FakeTrainer(hold_after=2)
    add(store)
    add(store, "part2-narrow")
    t = start_worker(store, trainer)
    assert trainer.holding.wait(10)
    trainer.hold_after = None
    other = Store(store.path)  # `mnist-tui cancel` in another terminal
    [run] = other.running_runs()
    assert other.request_cancel(run.run_id)
    t.join(10)
    runs = {r.preset: r for r in store.runs()}
    assert runs["part1-small"].status == "cancelled" and runs["part1-small"].epochs_completed == 2
    assert runs["part2-narrow"].status == "completed"  # cancel stops one run, not the queue


def test_cancelling_the_job_of_a_training_run_stops_the_run(store):
    """Once a job's run exists the worker reads only the run's flag; cancelling the job sets it too."""
    trainer = FakeTrainer(hold_after=1)
    job = add(store)
    t = start_worker(store, trainer)
    assert trainer.holding.wait(10)
    time.sleep(0.6)  # past a few job-watcher ticks, which stop reading the job once its run exists
    assert Store(store.path).jobs.cancel(job)  # x on the queue panel's running job, in another process
    t.join(10)
    [run] = store.runs()
    assert run.status == "cancelled" and run.epochs_completed == 1
    assert store.jobs.get(job).state == "cancelled"


def test_a_job_cancelled_while_it_loads_stores_no_run(store):
    gate = threading.Event()

    def slow_loader(*args, **kwargs):
        gate.wait(10)
        return fake_loader()

    job = add(store)
    t = start_worker(store, FakeTrainer(), slow_loader)
    wait_for(lambda: store.jobs.get(job).state == "running", "the job to start loading")
    store.jobs.cancel(job)
    time.sleep(0.5)
    gate.set()
    t.join(10)
    assert store.jobs.get(job).state == "cancelled"
    assert store.runs() == []


def test_a_job_that_cannot_start_carries_the_reason(store):
    def no_data(*args, **kwargs):
        raise DataError("/nowhere/mnist.npz: no such file")

    job = add(store)
    assert serve(store.path, runner_with(FakeTrainer(), no_data), idle_exit=0.1) == 0
    record = store.jobs.get(job)
    assert record.state == "failed" and record.error == "/nowhere/mnist.npz: no such file"


def test_live_rows_carry_progress_and_resources_while_a_run_trains(store):
    trainer = FakeTrainer(steps=20, step_seconds=0.05)
    add(store)
    t = start_worker(store, trainer)
    wait_for(lambda: any(r.step for r in store.progress.all().values()), "a live row with progress")
    row = next(iter(store.progress.all().values()))
    assert row.phase == "training" and row.epochs == 10 and row.steps == 20 and 0 < row.step <= 20
    assert row.rss_bytes > 0 and row.cpu_percent is not None and row.elapsed >= 0
    assert isinstance(row.gpus, list)  # the GPUs this process sees; none on a CPU box, never an error
    assert row.slot == 0 and row.host and row.device == "Test Device"
    store.request_cancel(row.run_id)
    t.join(10)


@pytest.mark.slow
def test_ensure_worker_starts_a_detached_process_that_survives_its_parent(tmp_path, sample_npz, monkeypatch):
    """The real thing: `mnist-tui queue` from a shell that then goes away; the worker (its own session, no
    terminal) trains on the repo's digits with Keras and exits when the queue is empty."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    store_path = tmp_path / "runs.sqlite3"
    cmd = [sys.executable, "-m", "tui.cli", "queue", "part1-small", "--epochs", "1", "--subset", "500"]
    cmd += ["--data", str(sample_npz), "--store", str(store_path)]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    store = Store(store_path)
    deadline = time.monotonic() + 180
    while not store.runs() or store.runs()[0].status == "running" or worker_running(store_path):
        assert time.monotonic() < deadline, (tmp_path / "state" / "mnist-tui" / "worker.log").read_text()
        time.sleep(0.5)
    [run] = store.runs()
    assert run.status == "completed" and run.epochs_completed == 1, run.error
    assert store.jobs.recent()[0].state == "completed"
    log = (tmp_path / "state" / "mnist-tui" / "worker.log").read_text()
    assert "job 1: part1-small" in log


def test_a_store_that_fails_mid_run_stops_the_worker_and_loses_no_finished_epoch(store, monkeypatch):
    """A full disk after two epochs: the worker cannot record anything more, so it stops (its run then
    reads as interrupted, with the epochs it did record) instead of training on into the void."""
    from engine.errors import StoreError
    from engine.store import Store as StoreClass

    real_add_epoch = StoreClass.add_epoch

    def add_epoch(self, run_id, ev):
        if ev.epoch >= 3:
            raise StoreError(f"{self.path}: write failed (database or disk is full)")
        real_add_epoch(self, run_id, ev)

    def finish_run(self, run_id, result):
        raise StoreError(f"{self.path}: write failed (database or disk is full)")

    add(store)
    add(store, "part2-narrow")
    monkeypatch.setattr(StoreClass, "add_epoch", add_epoch)
    monkeypatch.setattr(StoreClass, "finish_run", finish_run)
    assert serve(store.path, runner_with(FakeTrainer()), idle_exit=0.1) == 1
    monkeypatch.undo()
    [run] = store.runs()
    assert run.epochs_completed == 2
    assert [j.state for j in store.jobs.waiting()] == ["queued"]  # the next job waits for a healthy store


def test_a_worker_starting_while_a_reader_probes_the_lock_still_takes_it(store):
    """A TUI asks `worker_running` a few times a second: that probe takes the lock shared for a moment,
    and a worker starting at that very moment must not take it for another worker's and leave."""
    import fcntl

    from engine.worker.lock import lock_path, open_lock

    path = lock_path(store.path)
    probe = open_lock(path)
    fcntl.flock(probe, fcntl.LOCK_SH | fcntl.LOCK_NB)  # a probe caught in the act
    threading.Timer(0.2, lambda: os.close(probe)).start()
    lock = WorkerLock(store.path)
    assert lock.acquire()  # waited out the probe
    lock.release()


# -- one Keras backend per worker ------------------------------------------------------------------------
def test_a_job_remembers_the_backend_it_was_queued_under(store, monkeypatch):
    from engine.presets import find_preset
    from engine.runner import RunRequest
    from engine.worker.client import enqueue

    p = find_preset("part1-small")
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    enqueue(store, RunRequest(p.id, p.part, p.spec))
    monkeypatch.delenv("KERAS_BACKEND")
    enqueue(store, RunRequest(p.id, p.part, p.spec))
    assert [j.backend for j in store.jobs.waiting()] == ["jax", "tensorflow"]


def test_a_job_for_another_backend_is_handed_to_a_worker_on_it_in_queue_order(store, monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    add(store, "part2-narrow", backend="tensorflow")
    add(store, "part1-small", backend="jax")
    add(store, "part3")  # queued before jobs carried a backend: any worker runs it
    handed = []
    trainer = FakeTrainer()
    code = serve(store.path, runner_with(trainer), idle_exit=0.1, hand_over=lambda path, b: handed.append(b))
    assert code == 0 and handed == ["jax"]
    assert trainer.trained == ["Part Two, narrow"]  # part3 waits its turn behind the JAX job
    assert [j.preset for j in store.jobs.waiting()] == ["part1-small", "part3"]
    monkeypatch.setenv("KERAS_BACKEND", "jax")  # the worker it handed over to
    assert serve(store.path, runner_with(trainer), idle_exit=0.1, hand_over=lambda path, b: handed.append(b)) == 0
    assert trainer.trained == ["Part Two, narrow", "Part One, small", "Part Three"] and handed == ["jax"]
