"""RunHost: many trainers in one process, advanced in fair time slices (no processes here)."""

import pytest

from hnviz.core.io import RunFileError, load_run, read_run_dict
from hnviz.live.host import RunHost
from hnviz.live.options import HostOptions
from tests.live_helpers import (
    fresh_bytes,
    reference,
    same_tensors,
    toy_cfg,
    without_wall,
)


@pytest.fixture(scope="module")
def ref():
    return reference(toy_cfg())


def drain(host: RunHost, limit: int = 100_000) -> list:
    updates = []
    for _ in range(limit):
        if not host.busy:
            return updates
        updates += host.work(0.0)
    raise AssertionError("host never went idle")


def test_sliced_run_with_pauses_and_steps_is_bit_identical(ref):
    host = RunHost(HostOptions(slice_s=0.002))  # many small slices
    host.add("a", "u", fresh_bytes(toy_cfg()), play=True)
    for _ in range(7):
        host.work(0.0)
    host.pause("a")
    paused_at = host.trainer("a").global_step
    assert host.work(0.0) == [] and host.trainer("a").global_step == paused_at
    host.step("a", 123)
    drain(host)
    assert host.trainer("a").global_step == paused_at + 123
    host.play("a")
    drain(host)
    t = host.trainer("a")
    assert t.finished and t.error is None
    assert without_wall(t.history) == without_wall(ref.history)
    exported = read_run_dict(host.export("a"))
    assert same_tensors(exported["state"], ref.state_dict())
    assert exported["meta"] == {"name": "test"}


def test_playing_runs_get_slices_alternately():
    host = RunHost(HostOptions(slice_s=0.005, publish_s=0.0))  # publish_s=0: one update a slice
    host.add("a", "u", fresh_bytes(toy_cfg(seed=0)), play=True)
    host.add("b", "v", fresh_bytes(toy_cfg(seed=1)), play=True)
    host.add("c", "v", fresh_bytes(toy_cfg(seed=2)))  # paused: never served
    order = [u.run_id for _ in range(20) for u in host.work(0.0)]
    assert order == ["a", "b"] * 10
    # a budget covering several slices still serves them in turn
    order = [u.run_id for u in host.work(0.05)]
    assert len(order) >= 2 and all(x != y for x, y in zip(order, order[1:]))
    assert host.trainer("c").global_step == 0


def test_slice_size_follows_the_measured_step_cost():
    host = RunHost(HostOptions(slice_s=0.05, publish_s=0.0, first_slice_steps=10,
                               max_slice_steps=500))
    assert host.slice_steps(None) == 10
    assert host.slice_steps(0.001) == 50
    assert host.slice_steps(1.0) == 1  # a slow step: still one step per slice
    assert host.slice_steps(1e-6) == 500
    host.add("a", "u", fresh_bytes(toy_cfg()), play=True)
    [first] = host.work(0.0)  # the first slice is first_slice_steps
    assert first.progress.global_step == 10 and first.progress.sec_per_step > 0
    host.work(0.0)
    expected = host.slice_steps(first.progress.sec_per_step)
    assert host.trainer("a").global_step == 10 + expected


def test_pause_stops_and_play_resumes():
    host = RunHost(HostOptions(slice_s=0.005))
    host.add("a", "u", fresh_bytes(toy_cfg()), play=True)
    host.work(0.0)
    [u] = host.pause("a")
    assert u.state == "paused" and u.reason == "pause" and not host.busy
    assert u.checkpoint is not None  # it moved since it was added
    step = host.trainer("a").global_step
    for _ in range(3):
        assert host.work(0.0) == []
    assert host.trainer("a").global_step == step
    [u] = host.pause("a")  # pausing again: nothing new to checkpoint
    assert u.checkpoint is None
    host.play("a")
    host.work(0.0)
    assert host.trainer("a").global_step > step


@pytest.mark.parametrize("n", [1, 37, 200])  # 200 crosses the end of task 1 (150 steps)
def test_step_advances_exactly_n(n):
    host = RunHost(HostOptions(slice_s=0.005))
    host.add("a", "u", fresh_bytes(toy_cfg()))
    assert host.step("a", n, token=7) == []
    updates = drain(host)
    done = [u for u in updates if u.step_token == 7]
    assert len(done) == 1 and done[0] is updates[-1]
    assert done[0].steps_done == n and done[0].progress.global_step == n
    assert done[0].state == "paused" and done[0].checkpoint is not None
    assert host.trainer("a").global_step == n


def test_step_interrupted_by_pause_reports_its_steps():
    host = RunHost(HostOptions(slice_s=0.005))
    host.add("a", "u", fresh_bytes(toy_cfg()))
    host.step("a", 400, token=3)
    host.work(0.0)
    made = host.trainer("a").global_step
    [u] = host.pause("a")
    assert u.step_token == 3 and u.steps_done == made and 0 < made < 400 and not host.busy


def test_step_past_the_end_stops_at_done():
    host = RunHost()
    host.add("a", "u", fresh_bytes(toy_cfg(iters=30)))
    host.step("a", 10_000, token=1)
    last = drain(host)[-1]
    assert last.state == "done" and last.step_token == 1 and last.steps_done == 90
    [u] = host.step("a", 5, token=2)  # nothing left: answered at once
    assert u.step_token == 2 and u.steps_done == 0


def test_export_round_trips_through_load_run():
    host = RunHost(HostOptions(slice_s=0.005))
    host.add("a", "u", fresh_bytes(toy_cfg()))
    host.step("a", 170)
    drain(host)
    t, meta = load_run(host.export("a"))
    live = host.trainer("a")
    assert (t.task, t.step_in_task, t.global_step) == (1, 20, 170)
    assert t.history == live.history and meta == {"name": "test"}
    assert same_tensors(t.state_dict(), live.state_dict())


def test_publishes_task_ends_done_and_checkpoints(ref):
    host = RunHost(HostOptions(slice_s=0.005, publish_s=60.0))  # only forced publishes
    [first] = host.add("a", "u", fresh_bytes(toy_cfg()), play=True,
                       extras="tests.live_helpers:extras_probe")
    assert first.reason == "add" and first.config == toy_cfg().to_dict()
    assert first.appended["loss"] == (0, []) and first.scalars["R0"] == ref.history["R0"]
    tick, *updates = drain(host)
    # the first steps are published at once (what the page waiting after ▶ shows), without a
    # checkpoint; afterwards only forced publishes
    assert tick.reason == "tick" and 0 < tick.progress.global_step and tick.checkpoint is None
    assert [u.reason for u in updates] == ["task_end", "task_end", "done"]
    assert all(u.checkpoint is not None for u in updates)
    assert [u.seq for u in [first, tick, *updates]] == [1, 2, 3, 4, 5]
    for u in [tick, *updates]:  # extras are computed at publish time, from the trainer then
        assert u.extras == {"step": u.progress.global_step, "task": u.progress.task,
                            "pid_marker": "probe"}
    t, _ = load_run(updates[0].checkpoint)
    assert t.task == 1 and t.history["R"] == ref.history["R"][:1]


def test_periodic_checkpoint_while_playing():
    clock = [0.0]
    host = RunHost(HostOptions(publish_s=0.0, checkpoint_s=20.0), clock=lambda: clock[0])
    host.add("a", "u", fresh_bytes(toy_cfg(iters=1000)), play=True)
    assert host.work(0.0)[0].checkpoint is None
    clock[0] += 21.0
    assert host.work(0.0)[0].checkpoint is not None
    assert host.work(0.0)[0].checkpoint is None


def test_broken_extras_do_not_stop_training():
    host = RunHost(HostOptions(slice_s=0.005))
    [u] = host.add("a", "u", fresh_bytes(toy_cfg(iters=30)), play=True,
                   extras="tests.live_helpers:extras_broken")
    assert u.extras is None and u.extras_error == "ValueError: probe failed at step 0"
    assert drain(host)[-1].state == "done"
    with pytest.raises(ValueError, match="not found"):
        host.add("b", "u", fresh_bytes(toy_cfg()), extras="tests.live_helpers:no_such_function")


def test_divergence_is_reported_and_kept():
    host = RunHost()
    host.add("a", "u", fresh_bytes(toy_cfg(lr=1e12, beta=1e12)), play=True)
    last = drain(host)[-1]
    assert last.state == "diverged" and last.reason == "diverged"
    assert "loss became" in last.message and last.progress.error == last.message
    assert last.checkpoint is not None and not host.busy
    host.play("a")
    assert not host.busy  # a diverged run does not train again


def test_bad_input_is_refused_in_one_line():
    host = RunHost()
    with pytest.raises(RunFileError, match="not a readable hnviz run file"):
        host.add("a", "u", b"not a run file")
    host.add("a", "u", fresh_bytes(toy_cfg()))
    with pytest.raises(ValueError, match="already hosted"):
        host.add("a", "u", fresh_bytes(toy_cfg()))
    with pytest.raises(KeyError, match="no hosted run"):
        host.play("zz")
    host.remove("a")
    assert "a" not in host and host.run_ids() == []


def test_a_worker_rehearses_the_first_run_before_the_first_click():
    """A worker's warm-up (issue 21: the first ▶ after a server start paid ~0.25 s per worker
    for what a first run builds once) hosts, trains and drops a throwaway run of the toy's
    preset. Its errors are swallowed by the warm-up, so the rehearsal itself is checked here:
    it trains its steps and leaves nothing hosted."""
    from hnviz.live import worker

    assert worker._rehearse(HostOptions()) == worker.REHEARSAL_STEPS
