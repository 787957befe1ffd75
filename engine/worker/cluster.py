"""Slots on a Ray cluster, the worker's side: each slot is a Ray actor on one of the cluster's nodes (one per
GPU, or one per node where nodes have none; engine/worker/ray_actor.py is what runs there), and the worker
on this machine drives it.

The store stays on this machine: no actor opens SQLite (WAL does not work over network file systems). The
worker loads a job's MNIST once per data source and puts it in Ray's object store, so the nodes get the
digits through Ray, never by a local path. An actor trains with the same trainer as a local slot and keeps
the events it emits; the worker polls them a few times a second and records them through the same
RunRecorder as a local run, so the TUI, `watch` and the answers see a remote run exactly as a local one.
Cancel travels the other way: the worker reads the run's flag in the store and tells the actor, which
stops after its current block. A node lost mid-run: the poll fails, the run ends `interrupted` with every
epoch it finished, and its job is marked `interrupted` too (not queued again: the run may have been what
brought the node down, and the queue should not retry it blindly; re-queue it by hand). A node with another
mnist-tui, Python or Ray version fails the job with that reason.

Ray is imported only here and in ray_actor.py, and these only with `--cluster` (the `[cluster]` extra
brings Ray).
"""

from __future__ import annotations

import dataclasses
import os
import platform
import threading
import time
import types

from engine.errors import MnistTuiError, one_line
from engine.events import Finished, Phase
from engine.progress_reporter import ProgressReporter
from engine.run_request import RunRequest
from engine.status import JobStatus, RunStatus
from engine.store import HEARTBEAT_SECONDS, JobRecord, Store
from engine.watchers import CANCEL_POLL
from engine.worker.job import JobListener, job_state, request_of
from engine.worker.log import log
from engine.worker.ray_actor import SlotActorBody, import_ray
from engine.worker.slots import ThreadedSlot

POLL_SECONDS = CANCEL_POLL  # the worker asks each actor for its new events this often
LOST_AFTER = 60.0  # seconds without an answer from an actor before its node counts as lost


def connect(address: str, env: dict[str, str] | None = None):
    """Join the cluster at `address` (host:port, or auto for one started on this machine with
    `ray start --head`) as its driver; the actors get this process's Keras backend and GPU-safe settings.
    Ray's own C++ logging is kept to errors: the worker's log is for its own lines."""
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "error")
    return _connect(address, env)


def _connect(address: str, env: dict[str, str] | None = None):
    ray = import_ray()
    if not ray.is_initialized():
        try:
            ray.init(
                address=address,
                logging_level="ERROR",
                log_to_driver=False,
                runtime_env={"env_vars": env or {}},
            )
        except Exception as exc:  # ConnectionError, a version mismatch, a bad address: one line
            raise MnistTuiError(f"cannot join the Ray cluster at {address}: {one_line(exc)}") from None
    return ray


def this_machine() -> dict[str, str]:
    import engine

    ray = import_ray()
    return {"mnist-tui": engine.__version__, "python": platform.python_version(), "ray": ray.__version__}


def version_mismatch(node: dict[str, str], here: dict[str, str]) -> str | None:
    """Why a node cannot run this machine's jobs: another mnist-tui, Python (major.minor) or Ray."""
    problems = []
    for key in ("mnist-tui", "ray"):
        if node.get(key) != here[key]:
            problems.append(f"{key} {node.get(key)} (here {here[key]})")
    if node.get("python", "").rsplit(".", 1)[0] != here["python"].rsplit(".", 1)[0]:
        problems.append(f"Python {node.get('python')} (here {here['python']})")
    if not problems:
        return None
    return f"the Ray node {node.get('host', '?')} runs " + ", ".join(problems)


class RemoteSampler:
    """The live row's resources, as the actor last reported them."""

    def __init__(self) -> None:
        self.last = (None, None, [])

    def sample(self):
        return self.last

    def close(self) -> None:
        pass


class DataShipper:
    """Each data source loaded once on this machine and put in Ray's object store once: the nodes read the
    digits from there."""

    def __init__(self, ray, loader=None) -> None:
        from engine.data import load_raw

        self.ray, self.loader = ray, loader or load_raw
        self.refs: dict[str | None, object] = {}
        self.lock = threading.Lock()

    def ref(self, source: str | None):
        with self.lock:
            if source not in self.refs:
                self.refs[source] = self.ray.put(self.loader(source))
            return self.refs[source]


class RaySlot(ThreadedSlot):
    """A slot whose job trains in a Ray actor; a thread of the worker drives it and writes its rows."""

    def __init__(self, index: int, make_actor, store: Store, data: DataShipper, stopping, wake) -> None:
        super().__init__(index, wake)
        self.make_actor, self.store, self.data, self.stopping = make_actor, store, data, stopping
        self.actor = None
        self.facts: dict[str, str] = {}

    def describe(self) -> str:
        where = self.facts.get("host", "a Ray node")
        return f"slot {self.index}: a Ray actor on {where}"

    def _ensure_actor(self):
        ray = import_ray()
        if self.actor is None:
            self.actor = self.make_actor()
            self.facts = ray.get(self.actor.hello.remote(), timeout=LOST_AFTER)
        return ray

    def bug(self, job: JobRecord, exc: Exception) -> None:
        try:
            self.store.jobs.finish(job.job_id, JobStatus.FAILED, one_line(f"{exc.__class__.__name__}: {exc}"))
        except MnistTuiError:
            pass

    def work(self, job: JobRecord, expected: int | None = None) -> None:  # an actor compiles nothing ahead
        listener = JobListener(self.store, job)
        try:
            req = request_of(job)
            ray = self._ensure_actor()
        except MnistTuiError as exc:
            self.store.jobs.finish(job.job_id, JobStatus.FAILED, one_line(exc))
            return
        except Exception as exc:  # no node can host the actor, the cluster went away
            self.actor = None
            self.store.jobs.finish(job.job_id, JobStatus.FAILED, one_line(f"no Ray actor for slot {self.index}: {exc}"))
            return
        if problem := version_mismatch(self.facts, this_machine()):
            self.store.jobs.finish(job.job_id, JobStatus.FAILED, problem)
            self.actor = None
            return
        listener(Phase(f"sending MNIST to {self.facts['host']} through Ray"))
        try:
            data = self.data.ref(req.data)
        except MnistTuiError as exc:
            self.store.jobs.finish(job.job_id, JobStatus.FAILED, one_line(exc))
            return
        run_id = self._start_run(req)
        self.store.jobs.attach_run(job.job_id, run_id)
        self.store.jobs.set_phase(job.job_id, f"training on {self.facts['host']}")
        from engine.runner import RunRecorder

        sampler = RemoteSampler()
        record = RunRecorder(
            self.store, run_id, listener, ProgressReporter(self.store, sampler=sampler, slot=self.index)
        )
        self.actor.start.remote(req.spec.model_dump_json(), data, req.subset)
        result = self._follow(ray, run_id, record, sampler)
        self.store.jobs.finish(job.job_id, job_state(result.status), result.error, run_id=run_id)

    def _start_run(self, req: RunRequest) -> int:
        from engine.runner import start_run_of

        source = req.data or "keras.datasets.mnist"
        return start_run_of(
            self.store, req, source, slot=self.index, host=self.facts["host"], pid=int(self.facts["pid"])
        )

    def _follow(self, ray, run_id: int, record, sampler: RemoteSampler) -> Finished:
        """Record the actor's events until its run ends; pass a cancel on; a silent or dead actor is a lost node."""
        seen, last_beat, cancelled = 0, time.monotonic(), False
        answered = time.monotonic()
        while True:
            if not cancelled and (self.stopping.is_set() or self.store.cancel_requested(run_id)):
                cancelled = True
                self.actor.stop.remote()
            try:
                events, sampler.last = ray.get(self.actor.poll.remote(seen), timeout=LOST_AFTER)
                answered = time.monotonic()
            except ray.exceptions.ActorDiedError as exc:  # the actor or its node is gone
                return self._lost(run_id, record, exc)
            except (ray.exceptions.ActorUnavailableError, ray.exceptions.GetTimeoutError) as exc:
                # unreachable for now (another node going down shakes the cluster for a moment): lost
                # only once it has not answered for LOST_AFTER seconds
                if time.monotonic() - answered >= LOST_AFTER:
                    return self._lost(run_id, record, exc)
                time.sleep(POLL_SECONDS)
                continue
            except Exception as exc:  # the cluster itself went away
                return self._lost(run_id, record, exc)
            seen += len(events)
            for ev in events:
                if isinstance(ev, Finished) and ev.status == RunStatus.COMPLETED:  # kept before it reads as completed
                    self._keep_model(ray, run_id)
                record(ev)
                if isinstance(ev, Finished):
                    return dataclasses.replace(ev, run_id=run_id)
            if time.monotonic() - last_beat >= HEARTBEAT_SECONDS:  # readers on other hosts see it alive
                last_beat = time.monotonic()
                self.store.heartbeat(run_id)
            time.sleep(POLL_SECONDS)

    def _keep_model(self, ray, run_id: int) -> None:
        """The completed run's model beside the store, as a local run keeps it: its weights come from the
        actor, the file is written here (the store's machine)."""
        from engine.takeout.keras_model import keep_trained_model

        try:
            weights = ray.get(self.actor.trained_weights.remote(), timeout=LOST_AFTER)
        except Exception as exc:  # the run still completed; it simply has no model
            log(f"run {run_id}: model not kept ({exc.__class__.__name__})")
            return
        spec = self.store.get_run(run_id).spec
        if weights is not None and spec is not None:
            keep_trained_model(self.store, types.SimpleNamespace(trained_weights=weights), spec, run_id)

    def _lost(self, run_id: int, record, exc: Exception) -> Finished:
        host = self.facts.get("host", "?")
        self.actor = None
        log(f"slot {self.index}: the Ray node {host} was lost mid-run ({exc.__class__.__name__})")
        reason = f"the Ray node {host} was lost mid-run ({exc.__class__.__name__})"
        return record.finish(Finished(run_id, RunStatus.INTERRUPTED, record.epochs_completed(), error=reason))

    def close(self, timeout: float | None = 60) -> None:
        super().close(timeout)
        if self.actor is not None:
            try:
                import_ray().kill(self.actor)
            except Exception:
                pass
            self.actor = None


def cluster_slots(store: Store, address: str, slots: int | None, stopping, wake, trainer_factory=None, loader=None):
    """The worker's slots on the cluster at `address`: `slots` actors (default one per GPU of the cluster,
    else one per node), spread over its nodes, each asking for a GPU where the cluster has them."""
    from engine.backend import GPU_SAFE_ENV, requested_backend

    env = {"KERAS_BACKEND": requested_backend(), **GPU_SAFE_ENV}
    ray = connect(address, env)
    resources = ray.cluster_resources()
    gpus = int(resources.get("GPU", 0))
    # nodes that can host a slot (a head started with --num-cpus 0 hosts none)
    nodes = [n for n in ray.nodes() if n.get("Alive") and n.get("Resources", {}).get("CPU", 0) >= 1]
    count = slots or gpus or len(nodes) or 1
    body = ray.remote(SlotActorBody)
    options = {"num_gpus": 1, "num_cpus": 1} if gpus else {"num_cpus": 1}
    options["scheduling_strategy"] = "SPREAD"

    def make_actor():
        return body.options(**options).remote(trainer_factory, env)

    data = DataShipper(ray, loader)
    log(f"on the Ray cluster at {address}: {len(nodes)} node(s), {gpus} GPU(s), {count} slot(s)")
    return [RaySlot(i, make_actor, store, data, stopping, wake) for i in range(count)]
