"""UI helpers without a Streamlit session: tick sizing, run files folder, param counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from hnviz.core.presets import default_config
from hnviz.core.trainer import Trainer
from hnviz.ui import live, storage
from hnviz.ui.model_info import param_counts, regression_view, task_names


def test_steps_for_tick_targets_the_budget() -> None:
    assert live.steps_for_tick(None) == live.FIRST_TICK_STEPS
    assert live.steps_for_tick(0.001) == 150
    assert live.steps_for_tick(10.0) == 1
    assert live.steps_for_tick(1e-9) == live.MAX_TICK_STEPS
    assert live.tick_budget(None) == live.TICK_BUDGET_S
    assert live.tick_budget(0.1) == live.TICK_BUDGET_S
    assert live.tick_budget(0.6) == pytest.approx(0.3)
    assert live.tick_budget(5.0) == live.MAX_BUDGET_S


def _small_trainer() -> Trainer:
    return Trainer(default_config("regression1d").replace(train={"iters_per_task": 20}))


def test_storage_save_list_delete(tmp_path: Path) -> None:
    t = _small_trainer()
    t.run()
    path = storage.save(t, "HNET β=0.005 · my run", tmp_path)
    assert path.name == "HNET-0.005-my-run.pt"
    (tmp_path / "junk.pt").write_bytes(b"not a run")
    listed = {s.path.name: s for s in storage.list_saved(tmp_path)}
    assert listed[path.name].name == "HNET β=0.005 · my run"
    assert listed[path.name].tasks_done == 3 and listed[path.name].error is None
    assert "not a readable hnviz run file" in listed["junk.pt"].error
    with pytest.raises(ValueError):
        storage.delete(tmp_path.parent / "elsewhere.pt", tmp_path)
    storage.delete(path, tmp_path)
    assert not path.exists()
    assert storage.slugify("///") == "run"


def test_param_counts_and_regression_view() -> None:
    pc = param_counts(default_config("regression1d", "hnet"))
    assert pc.target == 163 and pc.hnet and pc.compression == pytest.approx(pc.hnet / 163)
    assert param_counts(default_config("regression1d", "ewc")).hnet is None
    t = _small_trainer()
    train, grid, preds = regression_view(t, n_grid=50)
    assert len(train) == 3 and len(grid) == 50 and len(preds) == 3 and len(preds[0]) == 50
    assert task_names(t)[0] == "task 1: y = x + 3"
