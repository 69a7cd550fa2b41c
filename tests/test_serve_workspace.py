"""A user's workspace: runs of every kind behind one handle, live runs in the pool, autosaves
that bring runs back after the server forgot them, limits before anything is built."""

from __future__ import annotations

import time

import pytest

from hnviz.core.config import ConfigError
from hnviz.core.io import RunFileError, run_to_bytes
from hnviz.core.limits import APP_DEFAULTS
from hnviz.core.presets import default_config
from hnviz.core.trainer import Trainer
from hnviz.live import InlinePool
from hnviz.serve.demos import demos
from hnviz.serve.workspace import Workspaces

TOKEN, OTHER = "t" * 24, "u" * 24


@pytest.fixture(scope="module")
def pool():
    p = InlinePool()
    assert p.ready(60)
    yield p
    p.close()


@pytest.fixture
def spaces(tmp_path, pool):
    return Workspaces(tmp_path, lambda: pool, ttl_s=3600)


def _wait(pred, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_demos_first_then_own_runs_newest_first(spaces) -> None:
    ws = spaces.get(TOKEN)
    assert [h.name for h in ws.handles()] == [d.name for d in demos()]
    cfg = default_config("regression1d").replace(train={"iters_per_task": 20})
    a = ws.new_run(cfg, "a")
    b = ws.new_run(cfg, "a")  # same base name: made unique
    assert [h.name for h in ws.handles()[:2]] == ["a (2)", "a"] and b.own and not a.is_demo
    assert spaces.get(OTHER).handles()[0].is_demo  # another user sees none of them


def test_live_run_trains_in_the_pool_and_settles_when_done(spaces, pool) -> None:
    ws = spaces.get(TOKEN)
    h = ws.new_run(default_config("regression1d").replace(train={"iters_per_task": 30}), "r",
                   play=True)
    assert h.hosted and h.run_id in pool.runs(TOKEN)
    _wait(lambda: h.view().done)
    ws.settle(h)
    assert not h.hosted and h.run_id not in pool.runs()  # its worker memory is freed
    v = h.view()
    assert v.tasks_done == 3 and v.state == "done" and h.trainer().finished
    assert len(h.extras()["preds"]) == 3


def test_checkpoints_are_autosaved_and_restored_for_a_new_workspace(tmp_path, pool) -> None:
    spaces = Workspaces(tmp_path, lambda: pool)
    pool.on_checkpoint = spaces.on_checkpoint
    try:
        ws = spaces.get(TOKEN)
        h = ws.new_run(default_config("regression1d").replace(train={"iters_per_task": 30}),
                       "kept", play=True)
        _wait(lambda: h.view().done)

        def restored():
            # the server forgets the workspace (restart, idle eviction): the run comes back.
            # The autosave of the finished run is written after `done` is published, and an
            # earlier task's autosave may still be the newest one for a moment: wait for it.
            fresh = Workspaces(tmp_path, lambda: pool).get(TOKEN)
            return [x for x in fresh.handles() if x.own]

        _wait(lambda: (back := restored()) and back[0].view().tasks_done == 3)
        back = restored()
        assert [x.name for x in back] == ["kept"] and back[0].source == "autosave"
        assert back[0].view().tasks_done == 3
    finally:
        pool.on_checkpoint = None


def test_limits_before_anything_is_built(spaces) -> None:
    ws = spaces.get(TOKEN)
    n = APP_DEFAULTS.max_tasks + 10
    big = default_config("permuted-digits").replace(task={"n_tasks": n})
    with pytest.raises(ConfigError, match=f"n_tasks={n} exceeds the limit {APP_DEFAULTS.max_tasks}"):
        ws.new_run(big, "big", limits=APP_DEFAULTS)
    t = Trainer(big.replace(train={"iters_per_task": 1}))
    with pytest.raises(RunFileError, match="exceeds the limit"):
        ws.add_file(run_to_bytes(t), "big", "upload", limits=APP_DEFAULTS)
    assert not [h for h in ws.handles() if h.own]


def test_idle_workspaces_are_dropped_but_training_ones_stay(spaces) -> None:
    idle, busy = spaces.get(TOKEN), spaces.get(OTHER)
    h = busy.new_run(default_config("regression1d").replace(train={"iters_per_task": 20000}),
                     "long", play=True)
    now = time.time() + 2 * spaces.ttl_s
    assert spaces.evict_idle(now) == 1 and len(spaces) == 1
    assert spaces.get(OTHER) is busy and spaces.get(TOKEN) is not idle
    busy.pause(h)
    assert not h.playing


def test_a_run_that_trained_and_left_the_pool_shows_its_final_state(spaces) -> None:
    """Read while static (untrained), trained in the pool, settled: the handle's extras, model
    and version are the finished run's, not a cached copy of its start (both used to share the
    version "<id>:0")."""
    import numpy as np

    from hnviz.analysis.views import train_extras
    from hnviz.core.io import load_run

    cfg = default_config("regression1d").replace(train={"iters_per_task": 60, "eval_every": 30})
    ws = spaces.get(TOKEN)
    h = ws.add_file(run_to_bytes(Trainer(cfg), {"name": "toy"}), "toy", "file")
    before = (h.version, np.asarray(h.extras()["preds"]))
    assert h.trainer().global_step == 0
    ws.play(h)
    _wait(lambda: h.view().done)
    ws.settle(h)
    assert not h.hosted
    final = Trainer(cfg)
    final.run()
    assert h.trainer().global_step == final.global_step
    assert h.version != before[0]
    preds = np.asarray(h.extras()["preds"])
    np.testing.assert_allclose(preds, train_extras(final)["preds"], rtol=1e-5, atol=1e-6)
    assert not np.allclose(preds, before[1])
    assert load_run(h.data())[0].global_step == final.global_step


class _SlowPlayPool:
    """The pool, except that Play reaches the worker only after `delay_s` (a busy server)."""

    def __init__(self, pool, delay_s: float):
        self._pool, self._delay_s = pool, delay_s

    def __getattr__(self, name):
        return getattr(self._pool, name)

    def play(self, run_id: str) -> None:
        import threading

        threading.Timer(self._delay_s, self._pool.play, args=(run_id,)).start()


def test_a_run_counts_as_playing_from_the_click_until_the_worker_says_otherwise(
        tmp_path, pool) -> None:
    """The page redrawn right after Play must show Pause and keep polling, even when the worker
    has not acknowledged yet (else the click looks lost and the page stops updating)."""
    spaces = Workspaces(tmp_path, lambda: _SlowPlayPool(pool, 1.5), ttl_s=3600)
    ws = spaces.get(TOKEN)
    h = ws.new_run(default_config("regression1d").replace(train={"iters_per_task": 5000}), "p")
    assert h.hosted and not h.playing
    ws.play(h)
    assert h.playing and h._mirror.state == "paused"  # not acknowledged yet, still shown playing
    _wait(lambda: h._mirror.state == "playing")
    assert h.playing
    ws.pause(h)
    _wait(lambda: h._mirror.state == "paused")
    assert not h.playing


def test_one_trainer_per_run_built_by_its_worker(spaces, pool, monkeypatch) -> None:
    """Play on a new run: the server admits its config once and builds nothing; the worker
    (here the InlinePool's thread) builds the run's only Trainer. The run shows its task names,
    total steps and metric from its config before the worker has published anything."""
    import threading

    import hnviz.core.run_checks as run_checks
    import hnviz.core.trainer as trainer_mod
    import hnviz.live.host as live_host
    import hnviz.serve.workspace as workspace_mod

    admitted, built, worker_threads = [], [], set()
    for mod in (workspace_mod, trainer_mod, run_checks):  # every caller of the admission
        real_admit = mod.admit
        monkeypatch.setattr(mod, "admit", lambda cfg, limits=None, _real=real_admit:
                            admitted.append(limits) or _real(cfg, limits))
    real_init, real_build = trainer_mod.Trainer.__init__, live_host.build_run

    def init(self, *a, **k):
        built.append(threading.current_thread())
        real_init(self, *a, **k)

    def build(source, device=None):
        worker_threads.add(threading.current_thread())
        return real_build(source, device)

    monkeypatch.setattr(trainer_mod.Trainer, "__init__", init)
    monkeypatch.setattr(live_host, "build_run", build)
    ws = spaces.get(TOKEN)
    cfg = default_config("split-digits").replace(train={"iters_per_task": 40})
    h = ws.new_run(cfg, "one", play=True, limits=APP_DEFAULTS)
    _wait(lambda: h.view().global_step > 0)
    ws.pause(h)
    ws.step(h, 5)
    assert admitted == [APP_DEFAULTS]  # once, where the run was admitted
    assert len(built) == 1 and built[0] in worker_threads
    assert threading.current_thread() not in built  # the web process's thread built none
    # before the worker publishes: the view from the config alone
    cfg_view = workspace_mod.view_from_config(cfg)
    assert cfg_view.task_names == h.view().task_names and cfg_view.total_steps == 5 * 40
    assert cfg_view.metric == "accuracy" and cfg_view.history["R"] == []


def test_a_new_run_waiting_for_the_workers_shows_its_config(tmp_path) -> None:
    """Right after a server start the pool is not ready: the run is there at once, drawn from
    its config (no model built, no file yet), and starts when the workers are."""
    p = InlinePool()
    spaces = Workspaces(tmp_path, lambda: p, ttl_s=3600)
    ws = spaces.get(TOKEN)
    h = ws.new_run(default_config("regression1d").replace(train={"iters_per_task": 30}), "s",
                   play=True)
    if h.starting:  # the pool's worker was not ready yet (the usual case here)
        v = h.view()
        assert v.state == "playing" and v.global_step == 0 and v.n_tasks == 3
        assert v.task_names[0] == "task 1: y = x + 3" and "Starting the training" in v.message
    # ▶'s wait for the first steps includes the wait for the workers (issue 21: the first ▶
    # after a server start then shows progress as soon as they have started)
    assert h.wait_started(60) and not h.starting and h.view().global_step > 0
    _wait(lambda: h.view().done)
    assert h.view().tasks_done == 3
    p.close()
