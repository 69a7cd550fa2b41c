"""Hostile links: every size a URL can ask for is bounded before anything is allocated, out of
range values are reported (never clamped to another meaning), and the page stays usable."""

from __future__ import annotations

import pytest

from hnviz.core import benchmarks, trainer
from hnviz.serve.demos import demos
from hnviz.ui.services import services
from tests.apptest_helpers import open_app

TRAIN = "pages/1_Train.py"


@pytest.fixture
def nothing_built(monkeypatch):
    """Fail the test if the page builds a model, or task data of a linked setup (the shown
    demo's own, preset data may be read), while rendering."""
    assert services().pool.ready(60)  # started before the spies (its warm-up builds a model)
    for d in demos():
        if d.view.is_regression:
            d.extras()  # the shown demo's shared model (built once per server, not per link)
    calls = []
    build_tasks = benchmarks.build_tasks

    def refuse_model(*args, **kwargs):
        calls.append(("Trainer", args))
        raise AssertionError("the page built a model for a link")

    def tasks_of_presets_only(cfg):
        if cfg.n_tasks is not None:
            calls.append(("build_tasks", cfg))
            raise AssertionError(f"the page built the data of a linked setup: {cfg}")
        return build_tasks(cfg)

    monkeypatch.setattr(trainer.Trainer, "__init__", refuse_model)
    monkeypatch.setattr(benchmarks, "build_tasks", tasks_of_presets_only)
    yield calls
    assert not calls


@pytest.mark.parametrize("query,key", [
    ({"benchmark": "permuted-digits", "tasks": "8000", "seed": "3"}, "tasks=8000"),
    ({"target_hidden": "1500000"}, "target_hidden=1500000"),
    ({"hnet_hidden": "999999,999999"}, "hnet_hidden=999999,999999"),
    ({"chunk_size": "1000000000", "hnet": "chunked"}, "chunk_size=1000000000"),
    ({"iters": "99999999999"}, "iters=99999999999"),
    ({"emb_dim": "-3"}, "emb_dim=-3"),
    ({"lr": "nan"}, "lr=nan"),
    ({"seed": "1e9999"}, "seed="),
])
def test_oversized_link_values_are_refused_before_allocation(nothing_built, query, key) -> None:
    at = open_app(TRAIN, **query)
    text = " ".join(w.value for w in at.warning)
    assert key in text, text
    assert not at.exception


def test_setup_over_the_memory_budget_is_reported_and_shows_the_preset(nothing_built) -> None:
    # every field is within its own limit, together they exceed the app's parameter budget
    at = open_app(TRAIN, benchmark="permuted-digits", tasks="50", target_hidden="1024,1024",
                  hnet="mlp", hnet_hidden="1024,1024")
    text = " ".join(w.value for w in at.warning)
    assert "too large for this server" in text
    assert at.number_input(key="train.form.iters").value == 1000  # the permuted preset
    assert not at.exception


def test_garbage_parameters_do_not_break_the_page() -> None:
    at = open_app(TRAIN, benchmark="<script>", method="x" * 5000, beta="1e400",
                  target_hidden=",,,")
    text = " ".join(w.value for w in at.warning)
    assert "is unknown" in text and "beta=" in text and "target_hidden" in text
    assert not at.exception and not at.error
