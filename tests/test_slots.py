"""Several runs at once: the worker's slots (threads with a fake trainer, child processes on their own
devices), how each slot's device and CPUs are planned, a slot whose process dies, cancel of one of two."""

from __future__ import annotations

import os
import threading

import pytest
from helpers import wait_for
from tui_fakes import (
    FakeTrainer,
    RendezvousTrainer,
    dying_runner,
    fake_loader,
    fake_runner,
    rendezvous_runner,
)

from engine.presets import find_preset
from engine.runner import Runner
from engine.worker.devices import plan_slots, visible_gpus
from engine.worker.process import serve


def add(store, preset: str = "part1-small") -> int:
    p = find_preset(preset)
    return store.jobs.add(p.id, p.part, p.spec)


@pytest.fixture
def rendezvous(tmp_path, monkeypatch):
    folder = tmp_path / "rendezvous"
    folder.mkdir()
    monkeypatch.setenv("MNIST_TUI_TEST_RENDEZVOUS", str(folder))
    return folder


# -- dispatch --------------------------------------------------------------------------------------------
def test_two_slots_train_two_jobs_at_the_same_time(store, rendezvous):
    add(store, "part1-small")
    add(store, "part2-narrow")
    trainer = RendezvousTrainer()
    code = serve(store.path, lambda s: Runner(s, trainer, fake_loader), idle_exit=0.1, slots=2, processes=False)
    assert code == 0
    runs = store.runs()
    assert sorted(r.status for r in runs) == ["completed", "completed"], [r.error for r in runs]
    assert sorted(r.slot for r in runs) == [0, 1]
    assert sorted(j.slot for j in store.jobs.recent()) == [0, 1]


def test_one_slot_trains_one_job_at_a_time(store, rendezvous):
    """The rendezvous can fail: with one slot the two runs never meet."""
    add(store, "part1-small")
    add(store, "part2-narrow")
    trainer = RendezvousTrainer(timeout=1)
    trainer_runs = lambda s: Runner(s, trainer, fake_loader)  # noqa: E731
    assert serve(store.path, trainer_runs, idle_exit=0.1, slots=1, processes=False) == 0
    assert [r.status for r in store.runs()] == ["failed", "failed"]


def test_process_slots_train_at_the_same_time_each_in_its_own_process(store, rendezvous):
    add(store, "part1-small")
    add(store, "part2-narrow")
    assert serve(store.path, rendezvous_runner, idle_exit=0.2, slots=2, processes=True) == 0
    runs = store.runs()
    assert sorted(r.status for r in runs) == ["completed"] * 2, [r.error for r in runs]
    pids = {f.name.removeprefix("done-").split("-")[0] for f in rendezvous.iterdir()}
    assert len(pids) == 2 and str(os.getpid()) not in pids


def test_a_slot_process_lives_across_jobs(store):
    """Its compiled models and warm-up carry over: the same process trains the slot's next job."""
    add(store, "part1-small")
    add(store, "part2-narrow")
    assert serve(store.path, fake_runner, idle_exit=0.2, slots=1, processes=True) == 0
    runs = store.runs()
    assert [r.status for r in runs] == ["completed", "completed"]
    [pid] = {store.db.read("SELECT pid FROM runs WHERE id=?", (r.run_id,))[0][0] for r in runs}
    assert pid != os.getpid()


def test_a_slot_whose_process_dies_fails_its_job_and_the_next_job_still_runs(store):
    first, second = add(store, "part1-small"), add(store, "part2-narrow")
    assert serve(store.path, dying_runner, idle_exit=0.2, slots=1, processes=True) == 0
    dead, ok = store.jobs.get(first), store.jobs.get(second)
    assert dead.state == "failed" and "process died" in dead.error
    assert ok.state == "completed"
    runs = {r.preset: r for r in store.runs()}
    assert runs["part1-small"].status == "interrupted" and runs["part1-small"].epochs_completed == 1
    assert runs["part2-narrow"].status == "completed"


def test_cancelling_one_of_two_running_runs_leaves_the_other_training(store):
    trainer = FakeTrainer(hold_after=1)
    add(store, "part1-small")
    add(store, "part2-narrow")
    t = threading.Thread(
        target=serve,
        args=(store.path, lambda s: Runner(s, trainer, fake_loader)),
        kwargs=dict(idle_exit=0.1, slots=2, processes=False),
    )
    t.start()
    both = lambda: len(runs := store.running_runs()) == 2 and all(r.history for r in runs)  # noqa: E731
    wait_for(both, "two runs training side by side")
    one = {r.preset: r for r in store.running_runs()}["part1-small"]
    assert store.request_cancel(one.run_id)
    # the other holds until released: only the cancelled one can end
    wait_for(lambda: [r.preset for r in store.running_runs()] == ["part2-narrow"], "part1-small to stop alone")
    trainer.release.set()
    t.join(10)
    statuses = {r.preset: r.status for r in store.runs()}
    assert statuses == {"part1-small": "cancelled", "part2-narrow": "completed"}


# -- devices ---------------------------------------------------------------------------------------------
def test_without_a_gpu_one_slot_has_every_cpu():
    [plan] = plan_slots(None, gpus=[], cpus=[0, 1])
    assert plan.gpu is None and plan.cpus == (0, 1)
    assert plan.env()["CUDA_VISIBLE_DEVICES"] == ""


def test_one_slot_per_gpu_by_default_each_seeing_only_its_own():
    plans = plan_slots(None, gpus=["0", "1", "2", "3"], cpus=list(range(16)))
    assert [p.gpu for p in plans] == ["0", "1", "2", "3"]
    assert [p.cpus for p in plans] == [tuple(range(i * 4, i * 4 + 4)) for i in range(4)]
    assert all(p.gpu_memory_share is None for p in plans)  # alone on its GPU: memory grows as needed
    env = plans[2].env()
    assert env["CUDA_VISIBLE_DEVICES"] == "2" and env["TF_FORCE_GPU_ALLOW_GROWTH"] == "true"
    assert env["XLA_PYTHON_CLIENT_PREALLOCATE"] == "false"


def test_slots_sharing_a_gpu_each_get_a_share_of_its_memory():
    plans = plan_slots(4, gpus=["0", "1"], cpus=list(range(8)))
    assert [p.gpu for p in plans] == ["0", "1", "0", "1"]
    assert [p.gpu_memory_share for p in plans] == [0.45] * 4
    assert plans[0].env()["XLA_PYTHON_CLIENT_MEM_FRACTION"] == "0.450"


def test_cpu_slots_share_every_cpu_and_gpu_slots_split_them():
    assert [p.cpus for p in plan_slots(3, gpus=[], cpus=[0, 1])] == [(0, 1)] * 3
    assert [p.cpus for p in plan_slots(2, gpus=[], cpus=[0, 1, 2, 3])] == [(0, 1, 2, 3)] * 2
    assert [p.cpus for p in plan_slots(3, gpus=["0"], cpus=[0, 1])] == [(0,), (1,), (0,)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2,3", ["2", "3"]), ("", []), ("-1", []), ("0,-1,1", ["0"]), ("GPU-1a2b", ["GPU-1a2b"])],
)
def test_visible_gpus_follow_cuda_visible_devices(monkeypatch, value, expected):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", value)
    assert visible_gpus() == expected


def test_a_free_slot_takes_another_network_than_the_ones_training(store):
    """Each network's repeats stay with the slot that has it compiled: with part1-small training in the
    other slot, the next part1-small waits and part2-narrow goes first; with nothing else left, it is taken."""
    from engine.model_pool import program_key

    first, second, other = add(store, "part1-small"), add(store, "part1-small"), add(store, "part2-narrow")
    running = store.jobs.claim_next(slot=0)
    assert running.job_id == first
    busy = frozenset({program_key(running.spec_json)})
    assert store.jobs.next_for(busy=busy).job_id == other  # the same choice, not claimed
    assert store.jobs.get(other).state == "queued"
    assert store.jobs.claim_next(slot=1, busy=busy).job_id == other
    assert store.jobs.claim_next(slot=1, busy=busy).job_id == second  # nothing of another network is left


class ExpectationTrainer(RendezvousTrainer):
    """Records, for each run, the network it was told to compile ahead (asked after its first epoch)."""

    def __init__(self) -> None:
        super().__init__()
        self.expected: list[tuple[str, str | None]] = []

    def train(self, spec, splits, emit, cancel, next_up=None):
        def asked():
            upcoming = next_up() if next_up is not None else None
            self.expected.append((spec.name, upcoming.name if upcoming else None))
            return upcoming

        return super().train(spec, splits, emit, cancel, asked)


def test_each_slot_compiles_ahead_the_network_it_takes_next(store, rendezvous):
    """Two networks' repeats on two slots: each slot is told to compile ahead its own network's next
    repeat (nothing, since it has it compiled), never the queue's head, which the other slot then trains
    while this one throws its warm-up away."""
    for preset in ("part1-small", "part1-small", "part2-narrow", "part2-narrow"):
        add(store, preset)
    trainer = ExpectationTrainer()
    code = serve(store.path, lambda s: Runner(s, trainer, fake_loader), idle_exit=0.1, slots=2, processes=False)
    assert code == 0
    assert sorted(r.status for r in store.runs()) == ["completed"] * 4, [r.error for r in store.runs()]
    assert len(trainer.expected) == 4
    assert all(upcoming in (ran, None) for ran, upcoming in trainer.expected), trainer.expected
    by_network = {name: {r.slot for r in store.runs() if r.spec.name == name} for name, _ in trainer.expected}
    assert all(len(slots) == 1 for slots in by_network.values()), by_network
