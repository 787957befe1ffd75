"""The data source is remembered per store: a TUI opened again (after an SSH drop) without --data shows and
queues with the data it was last given, Home says so and D changes it; MNIST_TUI_DATA still wins. Without
any data and without network the loader fails at once with the reason, before TensorFlow is imported."""

from __future__ import annotations

import errno
import socket
import sys

import pytest
from tui_fakes import text_of

import engine.data
from engine.data_choice import remembered_data
from engine.errors import DataError
from tui.cli import main


async def test_data_given_once_is_remembered_and_shown_on_home(app_factory, store, sample_npz, monkeypatch, tmp_path):
    monkeypatch.delenv("MNIST_TUI_DATA", raising=False)
    first = app_factory(data=str(sample_npz))
    assert first.data == str(sample_npz.resolve()) and remembered_data(store) == first.data
    again = app_factory()  # no --data: a reconnect

    async with again.run_test(size=(100, 32)) as pilot:
        assert again.data == str(sample_npz.resolve())
        line = text_of(again.screen.query_one("#data-line"))
        assert "✓" in line and "remembered · D changes" in line
        await pilot.press("D")
        await pilot.pause()
        await pilot.press(*["backspace"] * (len(again.data or "") + 1))
        await pilot.press(*str(tmp_path / "nowhere.npz"), "enter")
        await pilot.pause()
        assert again.data == str(sample_npz.resolve())  # a path that does not exist is refused
        await pilot.press("D")
        await pilot.pause()
        await pilot.press(*["backspace"] * (len(again.data or "") + 1))
        await pilot.press("enter")  # empty: Keras's own MNIST
        await pilot.pause()
        assert again.data is None and remembered_data(store) is None


def test_the_environment_beats_what_the_store_remembers(app_factory, store, sample_npz, monkeypatch):
    monkeypatch.delenv("MNIST_TUI_DATA", raising=False)
    app_factory(data=str(sample_npz))
    monkeypatch.setenv("MNIST_TUI_DATA", "/elsewhere/mnist.npz")
    assert app_factory().data is None  # the loader reads MNIST_TUI_DATA itself


def test_settings_data_sets_and_forgets_it(store, sample_npz, capsys):
    assert main(["settings", "data", str(sample_npz), "--store", str(store.path)]) == 0
    assert remembered_data(store) == str(sample_npz.resolve())
    assert main(["settings", "data", "default", "--store", str(store.path)]) == 0
    assert remembered_data(store) is None


def test_offline_without_a_cached_mnist_fails_at_once_with_the_reason(monkeypatch, tmp_path):
    monkeypatch.setattr(engine.data, "KERAS_CACHE", tmp_path / "mnist.npz")

    def unreachable(*_a, **_kw):
        raise OSError(errno.ENETUNREACH, "Network is unreachable")

    monkeypatch.setattr(socket, "create_connection", unreachable)
    monkeypatch.setitem(sys.modules, "keras.datasets", None)  # any import of the downloader would fail loudly
    with pytest.raises(DataError) as err:
        engine.data._load_keras()
    message = str(err.value)
    assert "cannot be downloaded" in message and "Network is unreachable" in message and "--data" in message


def test_a_failed_download_names_its_reason_not_only_its_class(monkeypatch, tmp_path):
    monkeypatch.setattr(engine.data, "KERAS_CACHE", tmp_path / "mnist.npz")
    monkeypatch.setattr(engine.data, "keras_download_blocked", lambda: None)

    class Mnist:
        @staticmethod
        def load_data():
            raise Exception("URL fetch failure on https://storage.googleapis.com/...: 403 Forbidden")

    fake = type(sys)("keras.datasets")
    fake.mnist = Mnist
    monkeypatch.setitem(sys.modules, "keras.datasets", fake)
    with pytest.raises(DataError) as err:
        engine.data._load_keras()
    assert "(Exception: URL fetch failure" in str(err.value) and "403 Forbidden" in str(err.value)
