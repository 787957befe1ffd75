"""The compile cache: a folder another user owns or may write to is never used (its programs would run as
this user's code), a damaged entry is left out and removed with a warning naming it instead of failing
every run with a DataLossError that names nothing, and a run that trained no epoch is never `completed`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tui_fakes import FakeTrainer, fake_loader

from engine import compile_cache
from engine.compile_cache import damaged_entry
from engine.events import Finished
from engine.presets import find_preset
from engine.runner import Runner, RunRequest
from engine.store import Store


def varint(n: int) -> bytes:
    out = b""
    while True:
        byte, n = n & 0x7F, n >> 7
        out += bytes([byte | (0x80 if n else 0)])
        if not n:
            return out


def field(number: int, payload: bytes) -> bytes:
    return varint(number << 3 | 2) + varint(len(payload)) + payload


# an entry shaped like TensorFlow's XlaSerializedCacheEntry: key (fingerprints, device), HLO module, executable
KEY = varint(1 << 3) + varint(12345) + varint(2 << 3) + varint(678) + field(3, b"XLA_CPU_JIT")
ENTRY = field(1, KEY) + field(2, field(1, b"jit_train_step") + field(2, b"entry")) + field(3, os.urandom(300))


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("MNIST_TUI_COMPILE_CACHE", str(folder))
    monkeypatch.setenv("TF_XLA_FLAGS", "")  # (recorded, so the flag set here is undone after the test)
    monkeypatch.delenv("TF_XLA_FLAGS")
    monkeypatch.setattr(compile_cache.atexit, "register", lambda *a: None)  # no publishing at the test's exit
    return folder


def staging_of() -> Path:
    flag = os.environ["TF_XLA_FLAGS"].split("--tf_xla_persistent_cache_directory=")[1]
    return Path(flag.split()[0])


# -- who may write the cache -----------------------------------------------------------------------------
def test_a_new_cache_folder_is_private_and_used(cache):
    assert compile_cache.cache_folder("tensorflow") == cache / "tensorflow"
    assert (cache.stat().st_mode & 0o777, (cache / "tensorflow").stat().st_mode & 0o777) == (0o700, 0o700)


@pytest.mark.parametrize("which", ["base", "backend"])
def test_a_cache_folder_writable_by_others_is_not_used(which, cache, capsys):
    (cache / "tensorflow").mkdir(parents=True)
    folder = cache if which == "base" else cache / "tensorflow"
    folder.chmod(0o777)
    assert compile_cache.cache_folder("tensorflow") is None
    err = capsys.readouterr().err
    assert err == (
        f"mnist-tui: warning: compile cache {folder} is writable by other users (mode 0777): not used "
        "(training goes on, compiling every program)\n"
    )
    compile_cache.enable_tensorflow_cache()
    assert "TF_XLA_FLAGS" not in os.environ  # TensorFlow is never pointed at it


def test_a_cache_folder_owned_by_another_user_is_not_used(cache, capsys, monkeypatch):
    (cache / "tensorflow").mkdir(parents=True, mode=0o700)
    monkeypatch.setattr(os, "geteuid", lambda: os.stat(cache).st_uid + 4242)  # (as if run by someone else)
    assert compile_cache.cache_folder("tensorflow") is None
    assert "is owned by another user" in capsys.readouterr().err


# -- damaged entries -------------------------------------------------------------------------------------
def test_a_whole_entry_passes_and_damaged_ones_are_named(tmp_path):
    path = tmp_path / "entry.pb"
    path.write_bytes(ENTRY)
    assert damaged_entry(path) is None
    for damaged, why in [
        (ENTRY[: len(ENTRY) // 2], "is damaged (cut short)"),
        (ENTRY[:-1], "is damaged (cut short)"),
        (b"", "is not a compile cache entry"),
        (b"\x0e" * 64, "is damaged (wire type 6)"),
        (field(3, b"x"), "is not a compile cache entry"),
    ]:
        path.write_bytes(damaged)
        assert damaged_entry(path) == why


def test_a_damaged_entry_is_left_out_removed_and_named(cache, capsys):
    folder = cache / "tensorflow"
    folder.mkdir(parents=True, mode=0o700)
    cache.chmod(0o700)
    (folder / "good.pb").write_bytes(ENTRY)
    (folder / "cut.pb").write_bytes(ENTRY[:100])
    compile_cache.enable_tensorflow_cache()
    assert sorted(p.name for p in staging_of().iterdir()) == ["good.pb"]  # what TensorFlow reads
    assert not (folder / "cut.pb").exists() and (folder / "good.pb").exists()
    assert capsys.readouterr().err == (
        f"mnist-tui: warning: compile cache entry {folder / 'cut.pb'} is damaged (cut short): removed, its "
        "program is compiled again\n"
    )


# -- no epoch, no completion -----------------------------------------------------------------------------
class NothingTrained(FakeTrainer):
    """Ends 'completed' without an epoch, as a run did once over a damaged cache."""

    def train(self, spec, splits, emit, cancel, next_up=None) -> Finished:
        return Finished(None, "completed", 0, train_accuracy=0.1, val_accuracy=0.1, test_accuracy=0.1)


def test_a_run_that_trained_no_epoch_is_never_completed(store):
    request = RunRequest("part1-small", "part1-small", find_preset("part1-small").spec)
    result = Runner(store, NothingTrained(), fake_loader).run(request)
    assert (result.status, result.test_accuracy) == ("failed", None)
    run = store.get_run(result.run_id)
    assert (run.status, run.error, run.metrics["test_accuracy"]) == (
        "failed",
        "no epoch was trained, so there is nothing to evaluate",
        None,
    )


def test_the_store_itself_never_stores_an_empty_completion(tmp_path):
    store = Store(tmp_path / "runs.sqlite3")
    run_id = store.start_run("p", None, find_preset("part1-small").spec)
    stored = store.finish_run(run_id, Finished(run_id, "completed", 0, test_accuracy=0.5))
    assert stored.status == "failed" and store.get_run(run_id).status == "failed"
    store.close()
