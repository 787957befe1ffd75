"""Hostile locks, paths and environments around the queue: a job is either refused before it is committed,
with one clear line, or it runs; never "queued" for a job no worker can take, never a hang, never a file
written through a planted link."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from engine.errors import MnistTuiError
from engine.presets import find_preset
from engine.run_request import RunRequest
from engine.store import Store
from engine.worker.client import enqueue, ensure_worker, worker_running
from engine.worker.lock import LockError, WorkerLock, lock_path
from engine.worker.log import MAX_LOG_BYTES, log_path, open_log
from tui.cli import main

ROOT = Path(__file__).resolve().parents[1]


def request(data=None) -> RunRequest:
    p = find_preset("part1-small")
    return RunRequest(p.id, p.part, p.spec, data=data)


def within(seconds: float, fn, *args):
    """fn(*args) on a thread; fails the test if it has not returned in time (a hang)."""
    out: dict = {}

    def call():
        try:
            out["value"] = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            out["error"] = exc

    t = threading.Thread(target=call, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"{getattr(fn, '__name__', fn)} hung"
    if "error" in out:
        raise out["error"]
    return out.get("value")


# -- the lock --------------------------------------------------------------------------------------------
def test_a_symlink_planted_at_the_lock_is_refused_and_its_target_untouched(store, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    path = lock_path(store.path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(victim)
    with pytest.raises(LockError, match="cannot open the worker lock"):
        WorkerLock(store.path).acquire()
    with pytest.raises(MnistTuiError, match="worker lock"):
        enqueue(store, request())
    assert victim.read_text() == "precious"
    assert store.jobs.waiting() == []  # nothing was committed


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_a_special_file_at_the_lock_is_refused_at_once(store, kind):
    path = lock_path(store.path)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path) if kind == "fifo" else path.mkdir()
    assert within(5, worker_running, store.path) is False  # the TUI's probe never blocks
    with pytest.raises(MnistTuiError):
        within(5, enqueue, store, request())
    assert store.jobs.waiting() == []


def test_a_lock_of_another_user_is_refused(store):
    if os.getuid() != 0:
        pytest.skip("not root: cannot give a file to another user")  # not in ALLOWED: CI runs as root
    path = lock_path(store.path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    os.chown(path, 12345, 12345)
    with pytest.raises(LockError, match="owned by another user"):
        WorkerLock(store.path).acquire()


def test_one_store_reached_by_a_symlink_or_a_hard_link_has_one_lock(store, tmp_path):
    (tmp_path / "via-link.sqlite3").symlink_to(store.path)
    os.link(store.path, tmp_path / "hard.sqlite3")
    assert lock_path(tmp_path / "via-link.sqlite3") == lock_path(store.path) == lock_path(tmp_path / "hard.sqlite3")
    first = WorkerLock(store.path)
    assert first.acquire()
    assert not WorkerLock(tmp_path / "hard.sqlite3").acquire()
    assert worker_running(tmp_path / "via-link.sqlite3")
    first.release()


def test_the_lock_and_the_log_are_private(store):
    lock = WorkerLock(store.path)
    assert lock.acquire()
    lock.release()
    os.close(open_log())
    for path in (lock_path(store.path), log_path()):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
    assert stat.S_IMODE(os.stat(log_path().parent).st_mode) == 0o700


def test_a_long_log_is_kept_once_and_started_afresh():
    log_path().parent.mkdir(parents=True, exist_ok=True)
    log_path().write_bytes(b"x" * (MAX_LOG_BYTES + 1))
    os.close(open_log())
    assert log_path().stat().st_size == 0
    assert log_path().with_name("worker.log.1").stat().st_size == MAX_LOG_BYTES + 1


def test_a_symlink_planted_at_the_log_is_refused(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    log_path().parent.mkdir(parents=True, exist_ok=True)
    log_path().unlink(missing_ok=True)
    log_path().symlink_to(victim)
    try:
        with pytest.raises(MnistTuiError, match="cannot open the worker log"):
            open_log()
        assert victim.read_text() == "precious"
    finally:
        log_path().unlink()


# -- what a job is handed ----------------------------------------------------------------------------------
def test_a_relative_store_path_reaches_the_worker_as_an_absolute_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = Store("rel.sqlite3")
    assert store.path == tmp_path / "rel.sqlite3"
    store.close()


def test_a_data_path_with_a_tilde_is_expanded_before_it_is_queued(store, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "sample.npz").write_bytes(b"")
    enqueue(store, request(data="~/sample.npz"))
    assert store.jobs.waiting()[0].data == str(tmp_path / "sample.npz")


def test_a_state_folder_that_is_a_file_refuses_the_job_before_it_is_queued(store, tmp_path, monkeypatch, capsys):
    (tmp_path / "state-file").write_text("")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state-file"))
    assert main(["queue", "part1-small", "--store", str(store.path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot make the folder" in err
    assert store.jobs.waiting() == []


def test_an_unknown_backend_refuses_the_job_before_it_is_queued(store, monkeypatch, capsys):
    monkeypatch.setenv("KERAS_BACKEND", "evil")
    assert main(["queue", "part1-small", "--store", str(store.path)]) == 2
    assert "KERAS_BACKEND=evil: mnist-tui trains on tensorflow or jax" in capsys.readouterr().err
    assert store.jobs.waiting() == []


def test_a_worker_that_dies_at_start_is_an_error_not_queued(store, monkeypatch):
    monkeypatch.setattr(sys, "executable", "/bin/false")  # a worker that cannot even start Python
    with pytest.raises(MnistTuiError, match="the training worker could not start"):
        ensure_worker(store.path)


def test_a_bad_slots_setting_refuses_the_job(store, monkeypatch, capsys):
    monkeypatch.setenv("MNIST_TUI_SLOTS", "many")
    assert main(["queue", "part1-small", "--store", str(store.path)]) == 2
    assert "MNIST_TUI_SLOTS=many" in capsys.readouterr().err
    assert store.jobs.waiting() == []


# -- a worker that died ------------------------------------------------------------------------------------
def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_listing_the_queue_recovers_a_dead_workers_job_and_starts_a_worker(store, monkeypatch, capsys):
    p = find_preset("part1-small")
    running = store.jobs.add(p.id, p.part, p.spec)
    waiting = store.jobs.add(p.id, p.part, p.spec)
    store.jobs.claim_next()
    store.db.write("UPDATE jobs SET worker_pid=?, worker_process=NULL WHERE id=?", (dead_pid(), running))
    started = []
    monkeypatch.setattr("engine.worker.client.ensure_worker", lambda path, **kw: started.append(path) or True)
    assert main(["queue", "--store", str(store.path)]) == 0
    assert store.jobs.get(running).state == "interrupted"
    assert store.jobs.get(waiting).state == "queued" and started == [store.path]
    assert "marked interrupted" in capsys.readouterr().err


def test_a_live_workers_job_is_never_recovered(store):
    p = find_preset("part1-small")
    job = store.jobs.add(p.id, p.part, p.spec)
    store.jobs.claim_next()  # this very process is its worker
    assert store.jobs.recover_orphans() == 0 and store.jobs.get(job).state == "running"
