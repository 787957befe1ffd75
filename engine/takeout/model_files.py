"""Where each run's trained model is kept: `<store>.models/run-<id>.keras` beside the store (folder 0700,
files 0600, like the store itself), whether models are kept at all (the store's `keep_models` setting, or
MNIST_TUI_KEEP_MODELS=0 for one process), and removing a run's model with the run.

No Keras here: the TUI and the CLI find, copy and delete these files without loading TensorFlow. The
folder is never followed through a symbolic link: a link where the folder should be is refused.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from engine.errors import MnistTuiError, os_reason

KEEP_SETTING = "keep_models"
KEEP_ENV = "MNIST_TUI_KEEP_MODELS"
OFF_WORDS = ("0", "off", "no", "false")
ON_WORDS = ("1", "on", "yes", "true")
MAX_MODEL_BYTES = 512 * 2**20  # far above the largest preset (about 1.2 MB): anything bigger is not ours


def models_folder(store_path: str | os.PathLike) -> Path:
    store_path = Path(store_path)
    return store_path.with_name(store_path.name + ".models")


def model_file(store_path: str | os.PathLike, run_id: int) -> Path:
    return models_folder(store_path) / f"run-{int(run_id)}.keras"


def parse_switch(text: str) -> bool:
    """on/off, yes/no, 1/0, true/false -> bool; anything else is a one-line error."""
    word = text.strip().lower()
    if word in ON_WORDS:
        return True
    if word in OFF_WORDS:
        return False
    raise MnistTuiError(f"{text!r} is not on or off (use on/off, yes/no or 1/0)")


def keep_models(store) -> bool:
    """Whether a completed run keeps its model: MNIST_TUI_KEEP_MODELS when set, else the store's setting
    (default on)."""
    env = os.environ.get(KEEP_ENV)
    if env is not None and env.strip():
        try:
            return parse_switch(env)
        except MnistTuiError:
            return True
    try:
        value = store.settings.get(KEEP_SETTING)
    except MnistTuiError:
        value = None
    return True if value is None else value.strip().lower() not in OFF_WORDS


def ensure_folder(store_path: str | os.PathLike) -> Path:
    """The models folder, created 0700 if missing. A symbolic link or a file in its place is refused."""
    folder = models_folder(store_path)
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise MnistTuiError(f"{folder}: cannot create the models folder ({os_reason(exc)})") from None
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode):
        raise MnistTuiError(f"{folder}: not a folder (a link or a file is in its place); models are not kept there")
    return folder


def kept_model(store_path: str | os.PathLike, run_id: int) -> Path | None:
    """The run's kept model file, or None when there is none (or something other than a plain file is there)."""
    path = model_file(store_path, run_id)
    try:
        folder = os.lstat(path.parent)
        info = os.lstat(path)
    except OSError:
        return None
    return path if stat.S_ISDIR(folder.st_mode) and stat.S_ISREG(info.st_mode) else None


def read_model(store_path: str | os.PathLike, run_id: int) -> bytes:
    """The kept model's bytes, opened without following a link."""
    path = kept_model(store_path, run_id)
    if path is None:
        raise MnistTuiError(f"run {run_id} has no kept model (at {model_file(store_path, run_id)})")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise MnistTuiError(f"{path}: cannot read ({os_reason(exc)})") from None
    with os.fdopen(fd, "rb") as fh:
        if os.fstat(fh.fileno()).st_size > MAX_MODEL_BYTES:
            raise MnistTuiError(f"{path}: larger than {MAX_MODEL_BYTES // 2**20} MiB; not a model this app kept")
        return fh.read()


def remove_model(store_path: str | os.PathLike, run_id: int) -> bool:
    """Delete the run's kept model, if any (a missing one is not an error). True when a file was removed."""
    path = kept_model(store_path, run_id)
    if path is None:
        return False
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
        return True
    return False
