"""Links from a row of the reproduction table to the Train page (pure; no Streamlit).

    params = train_params(cfg)        # {"benchmark", "method", "scenario", "iters", "seed", ...}
    href = train_href(params)         # "Train?benchmark=...": relative to the Paper page's URL
    lost = not_carried(cfg, params)   # what the Train page will not take from the link

The parameters are the Train page's URL state (`urlstate.encode`: what differs from the preset),
with the benchmark, method, scenario, iterations and seed always written, so a link reads as the
run it opens.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from hnviz.core.config import RunConfig
from hnviz.ui.nav import TRAIN
from hnviz.ui.url import config as urlstate

TRAIN_PAGE = TRAIN.script
TRAIN_PATH = TRAIN.url_path  # "Train": relative to the Paper page's URL
IGNORED = {"name", "task.data_root", "task.download", "train.eval_every"}  # not the run's result


def train_params(cfg: RunConfig) -> dict[str, str]:
    """The Train page's query parameters for `cfg`."""
    rest = urlstate.encode(cfg)
    return {"benchmark": rest.pop("benchmark"), "method": rest.pop("method"),
            "scenario": cfg.task.scenario, "iters": str(cfg.train.iters_per_task),
            "seed": str(cfg.train.seed), **rest}


def train_href(params: dict[str, str]) -> str:
    return f"{TRAIN_PATH}?{urlencode(params)}"


def _flat(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def not_carried(cfg: RunConfig, params: dict[str, str]) -> list[str]:
    """What opening the link on the Train page would not reproduce: the problems its URL state
    reports, and each config field that differs ('train.batch_size=128 (the Train page: 32)').
    Empty when the link opens exactly this run."""
    decoded, problems = urlstate.decode(params)
    if decoded is None:
        return ["the Train page reads no configuration from the link"]
    want, got = _flat(cfg.to_dict()), _flat(decoded.to_dict())
    diffs = [f"{k}={_text(want.get(k))} (the Train page: {_text(got.get(k))})"
             for k in sorted(set(want) | set(got))
             if k not in IGNORED and want.get(k) != got.get(k)]
    return list(problems) + diffs


def _text(v: Any) -> str:
    if isinstance(v, (list, tuple)):
        return "-".join(map(str, v))
    return "—" if v is None else f"{v:g}" if isinstance(v, float) else str(v)
