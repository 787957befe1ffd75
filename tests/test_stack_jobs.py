"""Seeds of one network waiting in the queue trained as one stacked program by the worker
(engine/worker/stack_jobs.py): which waiting jobs go together, a queued repeat group of 3 trained as one
stacked run that completes 3 jobs with 3 runs, and one job of a group cancelled alone."""

from __future__ import annotations

import threading

import pytest
from helpers import wait_for

from engine.spec import make_spec
from engine.store import Store
from engine.worker.process import serve
from engine.worker.stack_jobs import stack_mates

SPEC = make_spec(name="n", hidden_layers=[16], learning_rate=0.3, epochs=2, seed=5)


@pytest.fixture(autouse=True)
def stacking_on(monkeypatch):
    monkeypatch.setenv("MNIST_TUI_STACK", "1")


def queue_group(store: Store, n: int, group: str = "n:g", spec=SPEC, **kwargs) -> list[int]:
    return [
        store.jobs.add("p", None, spec.model_copy(update={"seed": spec.seed + i}), repeat_group=group, **kwargs)
        for i in range(n)
    ]


def test_a_jobs_mates_are_the_waiting_seeds_of_its_group_and_shape(store, monkeypatch):
    ids = queue_group(store, 3)
    queue_group(store, 2, group="other")  # another group: never mates
    queue_group(store, 1, spec=SPEC.model_copy(update={"epochs": 3}))  # same group, another program
    store.jobs.add("p", None, SPEC, repeat_group=None)  # in no group
    job = store.jobs.claim_next()
    assert job.job_id == ids[0]
    assert [m.job_id for m in stack_mates(job, store.jobs.waiting())] == ids[1:]
    assert [m.job_id for m in stack_mates(job, store.jobs.waiting(), limit=2)] == ids[1:2]
    monkeypatch.setenv("MNIST_TUI_STACK", "0")
    assert stack_mates(job, store.jobs.waiting()) == []


def test_a_claimed_mate_is_running_and_cannot_be_claimed_twice(store):
    ids = queue_group(store, 2)
    first = store.jobs.claim(ids[1], slot=0)
    assert first.state == "running" and first.slot == 0
    assert store.jobs.claim(ids[1], slot=0) is None
    assert store.jobs.claim_next().job_id == ids[0]


def serve_in_thread(store: Store) -> threading.Thread:
    t = threading.Thread(target=serve, args=(store.path,), kwargs=dict(idle_exit=0.1, processes=False))
    t.start()
    return t


@pytest.mark.slow
@pytest.mark.parametrize("slots", ["thread", "processes"])
def test_a_queued_repeat_group_trains_as_one_stacked_run_each_job_its_own(store, sample_npz, slots):
    """In the worker's own slot and in a slot process alike, so the runs (and the answers) do not depend
    on how many slots the worker has."""
    ids = queue_group(store, 3, data=str(sample_npz), subset=300)
    if slots == "thread":
        serve_in_thread(store).join(300)
    else:
        assert serve(store.path, idle_exit=0.1, slots=2, processes=True) == 0
    jobs = [store.jobs.get(i) for i in ids]
    assert [j.state for j in jobs] == ["completed", "completed", "completed"], jobs
    runs = [store.get_run(j.run_id) for j in jobs]
    assert len({r.run_id for r in runs}) == 3
    assert [r.spec.seed for r in runs] == [5, 6, 7]
    assert all(r.status == "completed" and r.epochs_completed == 2 for r in runs)
    assert all(r.extra["stacked"] == 3 and r.repeat_group == "n:g" for r in runs)  # one program, three runs


@pytest.mark.slow
def test_one_job_of_a_stacked_group_cancelled_stops_alone(store, sample_npz):
    long = SPEC.model_copy(update={"epochs": 150})
    ids = queue_group(store, 3, spec=long, data=str(sample_npz), subset=300)
    worker = serve_in_thread(store)

    def has_an_epoch() -> bool:
        run_id = store.jobs.get(ids[1]).run_id
        return run_id is not None and store.get_run(run_id).epochs_completed >= 1

    wait_for(has_an_epoch, "the middle job's first epoch", timeout=240)
    assert store.jobs.cancel(ids[1])
    worker.join(600)
    jobs = [store.jobs.get(i) for i in ids]
    assert [j.state for j in jobs] == ["completed", "cancelled", "completed"], jobs
    runs = [store.get_run(j.run_id) for j in jobs]
    assert runs[0].epochs_completed == runs[2].epochs_completed == 150
    assert 1 <= runs[1].epochs_completed < 150 and runs[1].status == "cancelled"
    assert runs[1].extra["evaluated"] == f"after epoch {runs[1].epochs_completed}"  # its own last epoch
    assert 0 <= runs[1].metrics["test_accuracy"] <= 1
