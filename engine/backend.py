"""Importing Keras quietly, and naming the backend and device a run uses (TensorFlow or JAX)."""

from __future__ import annotations

import atexit
import gc
import os
import platform
import shutil
import tempfile
import threading
from contextlib import contextmanager
from functools import cache
from importlib import metadata
from pathlib import Path

from platformdirs import user_cache_path

from engine.errors import MnistTuiError
from engine.store.liveness import pid_alive


@contextmanager
def native_stderr_silenced():
    """Send file descriptor 2 to /dev/null for a while: TensorFlow's C++ logging ignores Python's
    sys.stderr, and in the TUI those lines would scribble over the screen."""
    if os.environ.get("MNIST_TUI_DEBUG"):
        yield
        return
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


BACKGROUND_NICE = 10  # CPU weight about a tenth of a normal thread's when both want the CPU


def background_priority(nice: int = BACKGROUND_NICE) -> None:
    """Training started off the main thread (an embedding app's thread) is background work next to an interface:
    lower that thread's CPU priority. On Linux the priority is per thread and inherited by the threads
    TensorFlow, XLA and tf.data start from it, so a key press preempts the math (measured: key latency
    mid-epoch falls to what it is with nothing training); an idle interface costs the training nothing.
    The CLI trains on the main thread and is left alone. A larger `nice` for work that should take only idle
    CPU (engine/warm_up.py compiles the next network at 19)."""
    if threading.current_thread() is threading.main_thread():
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, max(os.getpriority(os.PRIO_PROCESS, tid), nice))
    except (AttributeError, OSError):  # not Linux, or not allowed: run at normal priority
        pass


COMPILE_CACHE_ENV = "MNIST_TUI_COMPILE_CACHE"  # a folder, or "off"; unset: the user's cache dir
CACHE_OFF = ("", "0", "off", "no", "false")


def compile_cache_dir() -> Path | None:
    """Where compiled XLA programs persist between processes, or None when turned off. Safe to delete:
    a missing entry is compiled again. A re-run of a network (a repeat, the next process, a queue)
    then skips most of its first epoch's compiling."""
    value = os.environ.get(COMPILE_CACHE_ENV)
    if value is not None and value.strip().lower() in CACHE_OFF:
        return None
    return Path(value) if value else user_cache_path("mnist-tui") / "compile-cache"


def _cache_folder(backend: str) -> Path | None:
    base = compile_cache_dir()
    if base is None:
        return None
    try:
        (base / backend).mkdir(parents=True, exist_ok=True)
    except OSError:  # unwritable or odd: compile every time, as without a cache
        return None
    return base / backend


def _enable_tensorflow_cache() -> None:
    """TensorFlow reads TF_XLA_FLAGS once, at its first XLA compile: set before it is imported.

    TensorFlow writes an entry straight to its final name, and a truncated one (a process killed while
    writing, a full disk) fails every later run that reads it. So each process works in a staging folder
    of its own, hard links to the shared entries, and moves its new entries in whole (os.replace) when it
    exits; a killed process's staging folder is removed by the next one."""
    folder = _cache_folder("tensorflow")
    flags = os.environ.get("TF_XLA_FLAGS", "")
    if folder is None or "tf_xla_persistent_cache_directory" in flags:
        return
    try:
        _remove_dead_staging(folder)
        staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=folder))
        for entry in folder.glob("*.pb"):
            os.link(entry, staging / entry.name)
    except OSError:  # no hard links or no room: this process compiles without the cache
        return
    os.environ["TF_XLA_FLAGS"] = f"{flags} --tf_xla_persistent_cache_directory={staging}".strip()
    atexit.register(_publish, staging, folder)


STAGING_PREFIX = "staging-"


def _publish(staging: Path, folder: Path) -> None:
    for entry in staging.glob("*.pb"):
        try:
            if not (folder / entry.name).exists():
                os.replace(entry, folder / entry.name)
        except OSError:
            pass
    shutil.rmtree(staging, ignore_errors=True)


def _remove_dead_staging(folder: Path) -> None:
    for staging in folder.glob(f"{STAGING_PREFIX}*"):
        pid = staging.name.removeprefix(STAGING_PREFIX).split("-")[0]
        if pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(staging, ignore_errors=True)


def _enable_jax_cache() -> None:
    """JAX's persistent cache, with thresholds low enough for these small programs (its defaults skip
    anything that compiled in under a second)."""
    folder = _cache_folder("jax")
    if folder is None:
        return
    import jax

    jax.config.update("jax_compilation_cache_dir", str(folder))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


SUPPORTED_BACKENDS = ("tensorflow", "jax")  # the block model has a compiled loop for each (engine/block_model.py)


def requested_backend() -> str:
    """The Keras backend this process trains on (KERAS_BACKEND, else TensorFlow), known without importing Keras."""
    return os.environ.get("KERAS_BACKEND") or "tensorflow"


@cache
def import_keras():
    """Import keras once (and its backend), quietly, with the persistent compile cache on."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # also hides "cuInit failed" on CPU boxes
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    if os.environ["KERAS_BACKEND"] not in SUPPORTED_BACKENDS:
        raise MnistTuiError(f"KERAS_BACKEND={os.environ['KERAS_BACKEND']}: mnist-tui trains on tensorflow or jax")
    if os.environ["KERAS_BACKEND"] == "tensorflow":
        _enable_tensorflow_cache()
    with native_stderr_silenced():
        import keras

        if keras.backend.backend() == "tensorflow":
            import tensorflow  # noqa: F401  (its first import is what logs)
        elif keras.backend.backend() == "jax":
            _enable_jax_cache()
    # TensorFlow/JAX bring millions of long-lived objects; every full garbage collection walked them all,
    # a 200-300 ms pause of the whole process (the TUI's keys included). Frozen, collections skip them.
    gc.freeze()
    return keras


def backend_name() -> str:
    return import_keras().backend.backend()


@cache
def device_name() -> str:
    """A short human label, e.g. 'CPU (2 cores)' or 'GPU: NVIDIA H100'."""
    backend = backend_name()
    cores = f"CPU ({os.cpu_count()} cores)"
    try:
        if backend == "tensorflow":
            import tensorflow as tf

            gpus = tf.config.list_physical_devices("GPU")
            if gpus:
                details = tf.config.experimental.get_device_details(gpus[0])
                return f"GPU: {details.get('device_name', gpus[0].name)}"
        elif backend == "jax":
            import jax

            dev = jax.devices()[0]
            if dev.platform != "cpu":
                return f"{dev.platform.upper()}: {dev.device_kind}"
    except Exception:  # a device query must never break training
        pass
    return cores


def versions() -> dict[str, str]:
    """Versions for the run record and the answers' environment block."""
    keras = import_keras()
    out = {
        "python": platform.python_version(),
        "keras": keras.__version__,
        "backend": backend_name(),
        "device": device_name(),
        "platform": platform.platform(terse=True),
    }
    # read from the installed packages' metadata: importing TensorFlow just for its version would cost a
    # JAX run seconds and hundreds of MB
    for package in ("tensorflow", "numpy", out["backend"]):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return out
