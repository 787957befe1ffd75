"""The app's one home for where things are kept and which environment variables steer it: the user's
data, config, state and cache folders (platformdirs, XDG on Linux) and every `MNIST_TUI_*` name. Folders
the app creates for itself are private to the user (0700)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from platformdirs import user_cache_path, user_config_path, user_data_path, user_state_path

from engine.errors import MnistTuiError, os_reason
from engine.fileio import PRIVATE_FOLDER_MODE, create_private_folders

APP = "mnist-tui"  # the command, and the name of every folder of the app

# environment variables (each also has a flag where the command line takes one)
STORE_ENV = "MNIST_TUI_STORE"
DATA_ENV = "MNIST_TUI_DATA"
CONFIG_ENV = "MNIST_TUI_CONFIG"
SLOTS_ENV = "MNIST_TUI_SLOTS"
CLUSTER_ENV = "MNIST_TUI_CLUSTER"
PRECISION_ENV = "MNIST_TUI_PRECISION"  # "float32": full-precision matmuls on a GPU that would round to TF32
GPU_MEMORY_ENV = "MNIST_TUI_GPU_MEMORY_FRACTION"  # a slot's share of its GPU's memory (set by the worker)
COMPILE_CACHE_ENV = "MNIST_TUI_COMPILE_CACHE"
STACK_ENV = "MNIST_TUI_STACK"  # "1": a net's seeds train as one stacked program; "shared": with one batch order
DEBUG_ENV = "MNIST_TUI_DEBUG"


def data_dir() -> Path:
    return user_data_path(APP)


def config_dir() -> Path:
    base = os.environ.get(CONFIG_ENV)
    return Path(base).expanduser().absolute() if base else user_config_path(APP)


def state_dir() -> Path:
    """Logs and locks: XDG_STATE_HOME/mnist-tui, usually ~/.local/state/mnist-tui."""
    return user_state_path(APP)


def cache_dir() -> Path:
    return user_cache_path(APP)


def absolute(path: str | os.PathLike) -> Path:
    """`~` expanded and made absolute against this process's directory: what another process (the worker
    runs in `/`) must be handed. Symbolic links are kept: the user named the path."""
    return Path(os.path.abspath(Path(path).expanduser()))


def private_folder(path: Path) -> Path:
    """Make `path` (and its missing parents, each private: engine.fileio.create_private_folders) as the user's
    private folder; unlike a folder the user names for an export, the app's own must be a folder of this user
    and private even when it already exists: refuse a file where a folder belongs or a symbolic link planted
    in its place, and make an existing one private."""
    try:
        create_private_folders(path)
        info = os.lstat(path)
    except OSError as exc:
        raise MnistTuiError(f"{path}: cannot make the folder ({os_reason(exc)})") from None
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise MnistTuiError(f"{path}: not a folder (a link or a file is in its place)")
    if info.st_uid != os.getuid():
        raise MnistTuiError(f"{path}: owned by another user (uid {info.st_uid})")
    if stat.S_IMODE(info.st_mode) & ~PRIVATE_FOLDER_MODE:  # made by an older version, or by hand: ours, so private
        try:
            os.chmod(path, PRIVATE_FOLDER_MODE)
        except OSError as exc:
            raise MnistTuiError(f"{path}: cannot make the folder private ({os_reason(exc)})") from None
    return path
