"""Importing Keras quietly (GPU-safe, the compile cache on: engine/compile_cache.py), and naming the backend,
device and precision a run uses (TensorFlow or JAX)."""

from __future__ import annotations

import gc
import os
import platform
import threading
from contextlib import contextmanager
from functools import cache
from importlib import metadata

from engine.compile_cache import enable_jax_cache, enable_tensorflow_cache
from engine.errors import MnistTuiError
from engine.paths import GPU_MEMORY_ENV, PRECISION_ENV


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


SUPPORTED_BACKENDS = ("tensorflow", "jax")  # the block model has a compiled loop for each (engine/block_model.py)


def requested_backend() -> str:
    """The Keras backend this process trains on (KERAS_BACKEND, else TensorFlow), known without importing Keras."""
    return os.environ.get("KERAS_BACKEND") or "tensorflow"


GPU_SAFE_ENV = {
    "TF_FORCE_GPU_ALLOW_GROWTH": "true",  # TensorFlow takes GPU memory as it needs it, not nearly all at once
    "XLA_PYTHON_CLIENT_PREALLOCATE": "false",  # JAX likewise (it preallocates 75% by default)
}


@cache
def import_keras():
    """Import keras once (and its backend), quietly, with the persistent compile cache on, and GPU-safe:
    no process of mnist-tui takes a whole GPU's memory, so a second one (a foreground train beside the
    worker, another slot, the tests) still starts."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # also hides "cuInit failed" on CPU boxes
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    for name, value in GPU_SAFE_ENV.items():
        os.environ.setdefault(name, value)
    if os.environ["KERAS_BACKEND"] not in SUPPORTED_BACKENDS:
        raise MnistTuiError(f"KERAS_BACKEND={os.environ['KERAS_BACKEND']}: mnist-tui trains on tensorflow or jax")
    if os.environ["KERAS_BACKEND"] == "tensorflow":
        enable_tensorflow_cache()
    with native_stderr_silenced():
        import keras

        if keras.backend.backend() == "tensorflow":
            import tensorflow  # noqa: F401  (its first import is what logs)

            _configure_tensorflow_gpus()
        elif keras.backend.backend() == "jax":
            enable_jax_cache()
            _configure_jax_precision()
    # TensorFlow/JAX bring millions of long-lived objects; every full garbage collection walked them all,
    # a 200-300 ms pause of the whole process (the TUI's keys included). Frozen, collections skip them.
    gc.freeze()
    return keras


def full_precision_asked() -> bool:
    """MNIST_TUI_PRECISION=float32: matmuls in full float32 on GPUs that would round them to TF32 (Ampere
    and later do by default: faster, about 3 decimal digits per product)."""
    return os.environ.get(PRECISION_ENV, "").strip().lower() in ("float32", "full", "highest")


def _configure_tensorflow_gpus() -> None:
    """Full precision when asked; a slot sharing its GPU keeps to its share of the memory."""
    import tensorflow as tf

    if full_precision_asked():
        tf.config.experimental.enable_tensor_float_32_execution(False)
    share = os.environ.get(GPU_MEMORY_ENV)
    if not share:
        return
    try:
        gpus = tf.config.list_physical_devices("GPU")
        for gpu, total in zip(gpus, _gpu_memory_totals(), strict=False):
            limit = int(float(share) * total / 2**20)
            tf.config.experimental.set_memory_growth(gpu, False)
            tf.config.set_logical_device_configuration(gpu, [tf.config.LogicalDeviceConfiguration(memory_limit=limit)])
    except (ValueError, RuntimeError):  # already initialised, or no such GPU: growth alone still applies
        pass


def _gpu_memory_totals() -> list[int]:
    """Total memory of each GPU this process sees (NVML, in CUDA_VISIBLE_DEVICES order)."""
    from engine.resources import visible_gpu_memory

    return visible_gpu_memory()


def _configure_jax_precision() -> None:
    if full_precision_asked():
        import jax

        jax.config.update("jax_default_matmul_precision", "highest")


def backend_name() -> str:
    return import_keras().backend.backend()


def float_precision() -> str:
    """The precision of this process's float32 matmuls: "tf32" on a GPU that rounds them to TF32 (compute
    capability 8.0 and later, unless full precision was asked), else "float32"."""
    if full_precision_asked():
        return "float32"
    backend = backend_name()
    try:
        if backend == "tensorflow":
            import tensorflow as tf

            gpus = tf.config.list_physical_devices("GPU")
            if not gpus or not tf.config.experimental.tensor_float_32_execution_enabled():
                return "float32"
            capability = tf.config.experimental.get_device_details(gpus[0]).get("compute_capability", (0, 0))
            return "tf32" if tuple(capability) >= (8, 0) else "float32"
        if backend == "jax":
            import jax

            dev = jax.devices()[0]
            if dev.platform != "gpu":
                return "float32"
            capability = float(getattr(dev, "compute_capability", "0") or 0)
            return "tf32" if capability >= 8.0 else "float32"
    except Exception:  # a device query must never break training
        pass
    return "float32"


def gpu_mismatch_warning(device: str) -> str | None:
    """When NVML sees a GPU this process may use but the framework trains on the CPU (CUDA libraries
    missing, a CPU-only build): a warning that says so, instead of a silent fallback."""
    if not device.startswith("CPU"):
        return None
    from engine.resources import visible_gpu_names

    names = visible_gpu_names()
    if not names:
        return None
    return (
        f"{len(names)} GPU(s) visible ({', '.join(names)}) but {backend_name()} trains on the CPU: its CUDA "
        "libraries are missing or it is a CPU-only build (pip install -e '.[gpu]')"
    )


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
                return f"GPU{_physical_gpu()}: {details.get('device_name', gpus[0].name)}"
        elif backend == "jax":
            import jax

            dev = jax.devices()[0]
            if dev.platform != "cpu":
                return f"{dev.platform.upper()}{_physical_gpu()}: {dev.device_kind}"
    except Exception:  # a device query must never break training
        pass
    return cores


def _physical_gpu() -> str:
    """' 3' when CUDA_VISIBLE_DEVICES maps this process's first GPU to the machine's GPU 3."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",")[0].strip()
    return f" {visible}" if visible else ""


def versions() -> dict[str, str]:
    """Versions for the run record and the answers' environment block."""
    keras = import_keras()
    out = {
        "python": platform.python_version(),
        "keras": keras.__version__,
        "backend": backend_name(),
        "device": device_name(),
        "precision": float_precision(),
        "platform": platform.platform(terse=True),
    }
    if warning := gpu_mismatch_warning(out["device"]):
        out["gpu_warning"] = warning
    # read from the installed packages' metadata: importing TensorFlow just for its version would cost a
    # JAX run seconds and hundreds of MB
    for package in ("tensorflow", "numpy", out["backend"]):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return out
