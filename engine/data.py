"""MNIST: the Keras loader by default, or a local npz / IDX directory; split, subset, cache.

Raw uint8 arrays are loaded once per process and shared; the float32 versions are made once too, and
every split is a view into them, so a queue of runs never reloads or copies the dataset.
"""

from __future__ import annotations

import dataclasses
import io
import math
import os
import threading
import weakref
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.lib import format as npy_format

from engine.errors import DataError, os_reason
from engine.idx import read_idx
from engine.mnist import INPUTS, VALIDATION_FRACTION

KERAS_CACHE = Path.home() / ".keras" / "datasets" / "mnist.npz"
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
IDX_STEMS = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


@dataclass(frozen=True, eq=False)  # identity hash: the float cache is keyed weakly by the raw arrays
class RawMnist:
    x_train: np.ndarray  # (N, 28, 28) uint8
    y_train: np.ndarray  # (N,) uint8 in 0-9
    x_test: np.ndarray
    y_test: np.ndarray
    source: str


@dataclass(frozen=True)
class Splits:
    """Model-ready arrays: x float32 in [0, 1] of shape (n, 784), y one-hot float32 of shape (n, 10)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.x_train), "validation": len(self.x_val), "test": len(self.x_test)}


def resolve_source(path: str | os.PathLike | None) -> str | None:
    """--data beats MNIST_TUI_DATA; None means the Keras loader."""
    if path:
        return str(path)
    return os.environ.get("MNIST_TUI_DATA") or None


def describe_source(path: str | os.PathLike | None) -> str:
    src = resolve_source(path)
    return src if src else f"Keras MNIST ({KERAS_CACHE})"


def _check(raw: RawMnist, names: dict[str, str]) -> RawMnist:
    fixed = {}
    for split in ("train", "test"):
        x, y = getattr(raw, f"x_{split}"), getattr(raw, f"y_{split}")
        xname, yname = names[f"x_{split}"], names[f"y_{split}"]
        if x.ndim != 3 or x.shape[1:] != (28, 28):
            raise DataError(f"{xname}: images must have shape (N, 28, 28), got {x.shape}")
        if y.ndim != 1:
            raise DataError(f"{yname}: labels must have shape (N,), got {y.shape}")
        if len(x) != len(y):
            raise DataError(f"{yname}: {len(y)} labels for {len(x)} images in {xname}")
        if len(x) == 0:
            raise DataError(f"{xname}: holds no images")
        if not np.issubdtype(y.dtype, np.integer):
            raise DataError(f"{yname}: labels must be integers, got {y.dtype}")
        if y.min() < 0 or y.max() > 9:
            raise DataError(f"{yname}: labels must be 0-9, found {int(y.min())}..{int(y.max())}")
        if x.dtype != np.uint8:
            # MNIST pixels are bytes; floats (maybe already scaled, maybe NaN) would be silently mis-scaled
            if not np.issubdtype(x.dtype, np.integer):
                raise DataError(f"{xname}: pixels must be integers 0-255 (uint8), got {x.dtype}")
            if x.min() < 0 or x.max() > 255:
                raise DataError(f"{xname}: pixels must be 0-255, found {int(x.min())}..{int(x.max())}")
            fixed[f"x_{split}"] = x.astype(np.uint8)
    return dataclasses.replace(raw, **fixed) if fixed else raw


def load_npz(path: Path) -> RawMnist:
    if not path.is_file():
        raise DataError(f"{path}: not a file (expected an mnist.npz or a folder of IDX files)")
    try:
        if not zipfile.is_zipfile(path):  # np.load would otherwise try it as a pickle and say so
            raise DataError(f"{path}: not an npz archive (corrupt, truncated or another kind of file)")
        _check_npz_members(path)  # sizes from the headers first: a lying header must not allocate terabytes
        with np.load(path, allow_pickle=False) as npz:
            missing = [k for k in NPZ_KEYS if k not in npz.files]
            if missing:
                raise DataError(f"{path}: npz lacks {', '.join(missing)} (needs {', '.join(NPZ_KEYS)})")
            arrays = {k: np.asarray(npz[k]) for k in NPZ_KEYS}
    except DataError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError, zlib.error) as exc:
        reason = str(exc).split(". ")[0] or exc.__class__.__name__
        raise DataError(f"{path}: not a readable npz archive ({reason})") from None
    raw = RawMnist(**arrays, source=str(path))
    return _check(raw, {k: f"{path}[{k}]" for k in NPZ_KEYS})


MAX_ARRAY_BYTES = 512 * 1024 * 1024  # MNIST's largest array is 47 MB; a bigger one is not MNIST


def _check_npz_members(path: Path) -> None:
    """Each array's .npy header (magic, dtype, shape) read from the archive and checked against the bytes
    the member holds and against MAX_ARRAY_BYTES, before numpy allocates anything."""
    with zipfile.ZipFile(path) as archive:
        members = {info.filename.removesuffix(".npy"): info for info in archive.infolist()}
        for key in NPZ_KEYS:
            info = members.get(key)
            if info is None:
                continue  # reported with every missing name by the caller
            where = f"{path}[{key}]"
            if info.file_size > MAX_ARRAY_BYTES:
                raise DataError(f"{where}: {info.file_size:,} bytes uncompressed, too large for MNIST")
            with archive.open(info) as fh:
                shape, dtype, header_bytes = _npy_header(fh, where)
            if dtype.hasobject:  # np.load(allow_pickle=False) refuses it, and says so
                continue
            declared = math.prod(shape) * dtype.itemsize
            if declared != info.file_size - header_bytes:
                raise DataError(
                    f"{where}: header declares shape {shape} of {dtype} = {declared:,} bytes but the archive holds "
                    f"{info.file_size - header_bytes:,} (corrupt or truncated)"
                )


MAX_NPY_HEADER = 10_000  # numpy's own limit for a safe header; MNIST's are 128 bytes


def _npy_header(fh, where: str) -> tuple[tuple[int, ...], np.dtype, int]:
    """(shape, dtype, header length) of one .npy member, reading no more than MAX_NPY_HEADER bytes: the
    length field is checked before the header is read (numpy reads it whole first, however large)."""
    version = npy_format.read_magic(fh)
    size_bytes = 2 if version == (1, 0) else 4
    raw_size = fh.read(size_bytes)
    if len(raw_size) != size_bytes:
        raise DataError(f"{where}: truncated .npy header")
    size = int.from_bytes(raw_size, "little")
    if size > MAX_NPY_HEADER:
        raise DataError(f"{where}: .npy header of {size:,} bytes (corrupt: MNIST's are about 128)")
    header = io.BytesIO(raw_size + fh.read(size))
    read = npy_format.read_array_header_1_0 if version == (1, 0) else npy_format.read_array_header_2_0
    shape, _, dtype = read(header)
    return shape, dtype, 8 + size_bytes + size


def _find_idx(folder: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def load_idx_dir(folder: Path) -> RawMnist:
    found = {key: _find_idx(folder, stem) for key, stem in IDX_STEMS.items()}
    missing = [IDX_STEMS[k] + "[.gz]" for k, p in found.items() if p is None]
    if missing:
        raise DataError(f"{folder}: IDX directory lacks {', '.join(missing)}")
    arrays = {key: read_idx(path) for key, path in found.items()}
    raw = RawMnist(**arrays, source=str(folder))
    return _check(raw, {k: str(p) for k, p in found.items()})


KERAS_HOST = ("storage.googleapis.com", 443)  # where keras.datasets.mnist downloads mnist.npz from
PROBE_SECONDS = 3.0
NO_DATA_FIX = "pass --data PATH (or D on Home, or MNIST_TUI_DATA) with an mnist.npz or a folder of IDX files"


def keras_download_blocked() -> str | None:
    """Why the Keras download cannot work from here (no network, no name resolution), found in at most a
    few seconds before TensorFlow is imported; None when its server answers."""
    import socket

    try:
        socket.create_connection(KERAS_HOST, timeout=PROBE_SECONDS).close()
    except OSError as exc:
        reason = exc.strerror or (f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__)
        return f"{KERAS_HOST[0]} cannot be reached: {reason}"
    return None


def _load_keras() -> RawMnist:
    if KERAS_CACHE.is_file():  # the file keras.datasets.mnist.load_data() caches: read it without TF
        return load_npz(KERAS_CACHE)
    blocked = keras_download_blocked()
    if blocked:  # offline: say so now, not after TensorFlow's import and a download's time-outs
        raise DataError(f"MNIST is not cached at {KERAS_CACHE} and cannot be downloaded ({blocked}); {NO_DATA_FIX}")
    try:
        from keras.datasets import mnist

        (x_train, y_train), (x_test, y_test) = mnist.load_data()
    except Exception as exc:  # a proxy, SSL, a full disk...: say where we looked, why, and how to fix it
        why = f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__
        raise DataError(
            f"MNIST is not cached at {KERAS_CACHE} and the Keras download failed ({why}); {NO_DATA_FIX}"
        ) from None
    return _check(RawMnist(x_train, y_train, x_test, y_test, "keras.datasets.mnist"), dict.fromkeys(NPZ_KEYS, "keras"))


def _load_uncached(src: str | None) -> RawMnist:
    if src is None:
        return _load_keras()
    try:
        return _load_path(Path(src).expanduser())
    except OSError as exc:  # a name too long, a permission denied on the folder...: still one clear line
        raise DataError(f"{src}: cannot read ({os_reason(exc)})") from None


def _load_path(path: Path) -> RawMnist:
    if path.is_dir():
        return load_idx_dir(path)
    if path.is_symlink() and not path.exists():  # a loop or a dangling link: say which, not "no such file"
        try:
            os.stat(path)
        except FileNotFoundError:
            raise DataError(f"{path}: a broken symbolic link (to {os.readlink(path)})") from None
    if not path.exists():
        raise DataError(f"{path}: no such file or directory (expected an mnist.npz or a folder of IDX files)")
    return load_npz(path)


_lock = threading.Lock()
_raw_cache: dict[str, RawMnist] = {}
_float_cache: weakref.WeakKeyDictionary[RawMnist, tuple] = weakref.WeakKeyDictionary()


def load_raw(path: str | os.PathLike | None = None) -> RawMnist:
    """Load once per process per source (thread-safe: the TUI loads from a worker)."""
    src = resolve_source(path)
    key = os.path.realpath(Path(src).expanduser()) if src else "<keras>"  # never raises, even on a link loop
    with _lock:
        if key not in _raw_cache:
            _raw_cache[key] = _load_uncached(src)
        return _raw_cache[key]


def _floats(raw: RawMnist) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    with _lock:
        if raw not in _float_cache:
            eye = np.eye(10, dtype=np.float32)
            _float_cache[raw] = (
                _scaled(raw.x_train),
                eye[raw.y_train.astype(np.int64)],
                _scaled(raw.x_test),
                eye[raw.y_test.astype(np.int64)],
            )
        return _float_cache[raw]


def _scaled(images: np.ndarray) -> np.ndarray:
    """Pixels as float32 in [0, 1], flattened: the same values as `x.astype(float32) / 255`, divided in
    place (one 188 MB array for MNIST's training set instead of two: 0.4 s less at every process start)."""
    x = images.reshape(len(images), INPUTS).astype(np.float32)
    np.divide(x, np.float32(255.0), out=x)
    return x


def validation_size(n_train: int, fraction: float) -> int:
    return max(1, min(n_train - 1, round(n_train * fraction)))


def make_splits(raw: RawMnist, validation_fraction: float = VALIDATION_FRACTION, subset: int | None = None) -> Splits:
    """Validation is the fixed last `fraction` of the training set; --subset keeps the first N of the rest."""
    if subset is not None and subset < 1:
        raise DataError(f"--subset must be a positive number of examples (got {subset})")
    x, y, xt, yt = _floats(raw)
    if len(x) < 2:
        raise DataError(f"{raw.source}: needs at least 2 training images to hold out validation")
    n_val = validation_size(len(x), validation_fraction)
    n_fit = len(x) - n_val
    n_use = min(subset, n_fit) if subset else n_fit
    return Splits(x[:n_use], y[:n_use], x[n_fit:], y[n_fit:], xt, yt, raw.source)


def load_splits(path=None, validation_fraction: float = VALIDATION_FRACTION, subset: int | None = None) -> Splits:
    return make_splits(load_raw(path), validation_fraction, subset)
