"""Config <-> query parameters round trip (pure)."""

from __future__ import annotations

import pytest

from hnviz.core.presets import default_config
from hnviz.ui import urlstate


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
