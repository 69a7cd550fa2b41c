"""Config <-> query parameters round trip (pure), and one URL-state mechanism for every page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hnviz.core.presets import default_config
from hnviz.ui.url import config as urlstate


@pytest.mark.parametrize("bench,method", [("regression1d", "hnet"), ("split-digits", "ewc"),
                                          ("permuted-digits", "si")])
def test_preset_encodes_to_benchmark_and_method_only(bench: str, method: str) -> None:
    cfg = default_config(bench, method)
    assert urlstate.encode(cfg) == {"benchmark": bench, "method": method}
    assert urlstate.decode(urlstate.encode(cfg)) == (cfg, [])


def test_round_trip_of_edited_config() -> None:
    cfg = default_config("regression1d", "hnet").replace(
        train={"beta": 0.05, "lr": 0.003, "iters_per_task": 200, "seed": 7},
        task={"seed": 7, "n_tasks": 4}, hnet={"kind": "chunked", "emb_dim": 3, "hidden": (5,)})
    params = urlstate.encode(cfg)
    assert params["iters"] == "200" and params["hnet_hidden"] == "5"
    back, problems = urlstate.decode(params)
    assert problems == [] and back == cfg


def test_decode_partial_and_bad_params() -> None:
    assert urlstate.decode({}) == (None, [])
    assert urlstate.decode({"run": "x"}) == (None, [])
    cfg, problems = urlstate.decode({"iters": "200"})
    assert cfg.train.iters_per_task == 200 and cfg.task.benchmark == "regression1d"
    cfg, problems = urlstate.decode({"benchmark": "nope", "lr": "-1", "iters": "abc",
                                     "beta": "0.1"})
    assert cfg.task.benchmark == "regression1d" and cfg.train.beta == 0.1
    assert len(problems) == 3 and any("lr" in p for p in problems)


def test_out_of_range_values_are_reported_never_mapped(monkeypatch) -> None:
    monkeypatch.setenv("HNVIZ_LIMIT_MAX_ITERS", "20000")
    preset = default_config("regression1d", "hnet")
    cfg, problems = urlstate.decode({"iters": "200000", "lr": "1000", "emb_dim": "300",
                                     "beta": "2000000000", "tasks": "99"})
    assert cfg.train.iters_per_task == preset.train.iters_per_task  # not clamped to 20000 or 1
    assert cfg.train.lr == preset.train.lr and cfg.hnet.emb_dim == preset.hnet.emb_dim
    assert cfg.train.beta == 2e9  # in range: taken as written, never mapped to 0
    assert cfg.task.n_tasks is None  # regression1d offers 8 tasks
    text = " | ".join(problems)
    assert f"iters=200000 is above the most allowed, 20000; kept {preset.train.iters_per_task}" in text
    assert "lr=1000" in text and "emb_dim=300" in text and "tasks=99" in text
    assert len(problems) == 4


def test_strength_of_every_method_round_trips() -> None:
    for method, field in (("ewc", "ewc_lambda"), ("si", "si_c"), ("online-ewc", "ewc_lambda")):
        cfg = default_config("split-digits", method)
        cfg = cfg.replace(train={field: getattr(cfg.train, field) * 3})
        params = urlstate.encode(cfg)
        assert field in params
        assert urlstate.decode(params) == (cfg, [])


@pytest.mark.parametrize("method", ["hnet", "finetune"])
def test_a_target_with_its_own_preset_lr_round_trips_without_writing_it(method: str) -> None:
    """Split CIFAR with ZenkeNet: HNET's preset learning rate differs from the benchmark's
    (`Benchmark.hnet_lr`); a link naming the target alone opens that preset, and a config at
    it writes no lr, while a baseline keeps the benchmark's rate."""
    cfg = default_config("split-cifar", method, "zenke")
    params = urlstate.encode(cfg)
    assert params == {"benchmark": "split-cifar", "method": method, "target": "zenke"}
    assert urlstate.decode(params) == (cfg, [])
    base = default_config("split-cifar", method)
    assert (cfg.train.lr != base.train.lr) == (method == "hnet")


@pytest.mark.parametrize("params, problem", [
    ({"benchmark": "regression1d", "scenario": "cl2"},
     "scenario='cl2' not used (task.scenario must be cl1 for regression1d"),
    ({"benchmark": "split-digits", "subset": "10"},
     "subset='10' not used (task.subset must be null for split-digits"),
    ({"benchmark": "regression1d", "target": "zenke"},
     "target='zenke' not used (target.kind=zenke does not fit regression1d"),
])
def test_a_value_the_benchmark_cannot_take_is_named_and_left_out(params, problem) -> None:
    """The registries' checks run per link value (`admission.check_names`), as when the
    configs asked the registries themselves (the same messages as then): the rest of the link
    is kept."""
    cfg, problems = urlstate.decode({**params, "iters": "300"})
    assert any(p.startswith(problem) for p in problems), problems
    assert cfg.train.iters_per_task == 300
    assert cfg == default_config(params["benchmark"]).replace(train={"iters_per_task": 300})


def test_only_the_url_mechanism_touches_the_query_parameters() -> None:
    """Every page reads and writes its link parameters through `hnviz.ui.url.query.PageUrl`
    (links to another page pass them to st.page_link / st.switch_page as `query_params=`)."""
    root = Path(__file__).resolve().parents[1]
    sources = [*(root / "hnviz").rglob("*.py"), root / "app.py", *(root / "pages").glob("*.py")]
    direct = re.compile(r"\bst\.query_params\b|\bquery_params\s*\[|\.query_params\.")
    offenders = sorted(str(p.relative_to(root)) for p in sources
                       if p != root / "hnviz" / "ui" / "url" / "query.py"
                       and direct.search(p.read_text()))
    assert offenders == [], f"read or write query parameters through PageUrl: {offenders}"
