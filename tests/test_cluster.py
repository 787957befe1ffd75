"""Slots on a Ray cluster, on this machine: a head and two nodes of ray.cluster_utils.Cluster (each node one
CPU, the head none, so every actor lands on a node), a fake trainer in the actors. The worker drives them
from here and writes the store: jobs land on both nodes, epochs arrive in order, cancel reaches a remote
run, a node killed mid-run leaves its run interrupted with its epochs, a node of another version fails its
job with the reason."""

from __future__ import annotations

import threading
import time

import pytest

ray = pytest.importorskip("ray", reason="the [cluster] extra is not installed (Ray)")  # CI installs it

from helpers import child_env, wait_for  # noqa: E402
from ray.cluster_utils import Cluster  # noqa: E402
from tui_fakes import fake_raw, held_trainer, quick_trainer, weights_trainer  # noqa: E402

from engine.presets import find_preset  # noqa: E402
from engine.worker.process import serve  # noqa: E402


def add(store, preset: str = "part1-small") -> int:
    p = find_preset(preset)
    return store.jobs.add(p.id, p.part, p.spec.model_copy(update={"epochs": 3}))


@pytest.fixture
def cluster(monkeypatch):
    """A head (no CPUs: it hosts no actor) and two one-CPU nodes; Ray's workers import the test fakes."""
    monkeypatch.setenv("PYTHONPATH", child_env()["PYTHONPATH"])
    monkeypatch.setenv("RAY_DEDUP_LOGS", "0")
    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
    nodes = [c.add_node(num_cpus=1) for _ in range(2)]
    c.wait_for_nodes()
    yield c, nodes
    ray.shutdown()
    c.shutdown()


def run_worker(store, address, trainer, **kwargs) -> threading.Thread:
    remote = {"trainer_factory": trainer, "loader": fake_raw}
    t = threading.Thread(
        target=serve, args=(store.path,), kwargs=dict(idle_exit=0.3, cluster=address, remote=remote, **kwargs)
    )
    t.start()
    return t


def test_six_jobs_complete_on_both_nodes_with_their_epochs_in_order(store, cluster):
    c, _ = cluster
    for preset in ("part1-large", "part1-small", "part2-narrow", "part2-medium", "part2-wide", "part3"):
        add(store, preset)
    run_worker(store, c.address, quick_trainer).join(180)
    runs = store.runs()
    assert sorted(r.status for r in runs) == ["completed"] * 6, [r.error for r in runs]
    assert all([e.epoch for e in r.history] == [1, 2, 3] for r in runs)
    assert len({r.versions["ray_node"] for r in runs}) == 2  # both nodes trained
    assert {r.slot for r in runs} == {0, 1}
    assert [j.state for j in store.jobs.recent()] == ["completed"] * 6


def test_a_remote_run_keeps_its_model_beside_the_store(store, cluster):
    from engine.takeout.model_files import model_file

    c, _ = cluster
    add(store, "part1-small")
    run_worker(store, c.address, weights_trainer, slots=1).join(120)
    [run] = store.runs()
    assert run.status == "completed", run.error
    assert model_file(store.path, run.run_id).is_file()


def test_cancel_reaches_a_remote_run(store, cluster):
    c, _ = cluster
    add(store)
    t = run_worker(store, c.address, held_trainer, slots=1)
    wait_for(lambda: store.runs() and store.runs()[0].history, "the remote run's first epoch", timeout=90)
    [run] = store.running_runs()  # a reader here sees the remote run live
    assert store.progress.get(run.run_id) is not None
    assert store.request_cancel(run.run_id)
    t.join(60)
    [run] = store.runs()
    assert run.status == "cancelled" and run.epochs_completed == 1


def test_a_node_lost_mid_run_leaves_its_run_interrupted_with_its_epochs(store, cluster):
    """...and the run on the other node trains on: a node going down is not the cluster going down."""
    c, nodes = cluster
    lost_job, _ = add(store, "part1-small"), add(store, "part2-narrow")
    t = run_worker(store, c.address, held_trainer, slots=2)
    wait_for(
        lambda: len(store.runs()) == 2 and all(r.history for r in store.runs()), "both runs' first epoch", timeout=90
    )
    runs = {r.preset: r for r in store.runs()}
    doomed, survivor = runs["part1-small"], runs["part2-narrow"]
    node = next(n for n in nodes if n.node_id == doomed.versions["ray_node"])
    c.remove_node(node, allow_graceful=False)
    wait_for(lambda: store.get_run(doomed.run_id).status != "running", "the lost node's run to end", timeout=120)
    time.sleep(2)  # the other actor keeps answering through the disturbance
    assert store.get_run(survivor.run_id).status == "running"
    store.request_cancel(survivor.run_id)
    t.join(60)
    doomed = store.get_run(doomed.run_id)
    assert doomed.status == "interrupted" and doomed.epochs_completed == 1 and "was lost" in doomed.error
    assert store.jobs.get(lost_job).state == "interrupted"
    assert store.get_run(survivor.run_id).status == "cancelled"


def test_a_node_of_another_version_fails_the_job_with_the_reason(store, cluster, monkeypatch):
    c, _ = cluster
    job = add(store)
    here = {"mnist-tui": "99.0", "python": "3.99.0", "ray": ray.__version__}
    monkeypatch.setattr("engine.worker.cluster.this_machine", lambda: here)
    run_worker(store, c.address, quick_trainer, slots=1).join(60)
    record = store.jobs.get(job)
    assert record.state == "failed" and "mnist-tui" in record.error and "Python" in record.error
    assert store.runs() == []
