"""Size limits, the memory budget and the arithmetic parameter counts (core/limits.py,
core/sizes.py): counts equal to built models, limits named in one-line messages, nothing built
when a config is refused."""

from __future__ import annotations

import dataclasses
import random

import pytest

from hnviz.core import sizes
from hnviz.core.admission import admit
from hnviz.core.benchmarks import BENCHMARKS
from hnviz.core.config import ConfigError, RunConfig
from hnviz.core.hnets import compression_ratio, count_params
from hnviz.core.limits import (
    APP_DEFAULTS,
    HARD,
    LIBRARY,
    LIMIT_FIELDS,
    app_limits,
    env_name,
)
from hnviz.core.method_specs import METHODS
from hnviz.core.presets import default_config
from hnviz.core.trainer import Trainer
from tests.test_datasets_cifar import write_cifar
from tests.test_tasks import _write_dataset


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    """MNIST and FashionMNIST as tiny IDX files and CIFAR-10/100 as tiny pickles, so every
    benchmark can be built."""
    root = tmp_path_factory.mktemp("data")
    for ds in ("MNIST", "FashionMNIST"):
        _write_dataset(root, ds, gz=False)
    write_cifar(root)
    return str(root)


def assert_counts_match_built(cfg: RunConfig) -> None:
    counts = sizes.param_counts(cfg)
    tr = Trainer(cfg, limits=HARD)
    assert counts.target == tr.target_params
    if cfg.target.kind == "mlp":
        assert sizes.target_widths(cfg) == [tr.target.linear_shapes[0][1],
                                            *(n_out for n_out, _ in tr.target.linear_shapes)]
    if not tr.method.spec.has_embeddings:
        assert counts.hnet is None and counts.compression is None
        return
    hnet = tr.method.hnet
    assert counts.hnet == count_params(hnet)
    assert counts.generated == hnet.target_numel
    assert counts.chunks == hnet.n_chunks
    assert counts.compression == pytest.approx(compression_ratio(hnet, tr.target_params))


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("name", list(BENCHMARKS))
def test_counts_equal_the_built_models_for_every_preset(name, method, tiny_data):
    cfg = default_config(name, method).replace(task={"data_root": tiny_data})
    assert_counts_match_built(cfg)


@pytest.mark.parametrize("seed", range(8))
def test_counts_equal_the_built_models_for_random_configs(seed):
    rnd = random.Random(seed)
    name = rnd.choice(["regression1d", "split-digits", "permuted-digits"])
    cfg = default_config(name, "hnet").replace(
        task={"n_tasks": rnd.randint(1, BENCHMARKS[name].max_n_tasks if name != "permuted-digits"
                                     else 12)},
        target={"hidden": tuple(rnd.randint(1, 40) for _ in range(rnd.randint(0, 3)))},
        hnet={"kind": rnd.choice(["mlp", "chunked"]), "emb_dim": rnd.randint(1, 9),
              "hidden": tuple(rnd.randint(1, 20) for _ in range(rnd.randint(0, 2))),
              "chunk_size": rnd.randint(1, 700), "chunk_emb_dim": rnd.randint(1, 5)},
        train={"multi_head": rnd.random() < 0.7})
    assert_counts_match_built(cfg)


FINISHED_CASES = [("split-digits", m, {}) for m in METHODS] + [
    ("split-cifar", "hnet", {"n_tasks": 2}), ("split-cifar", "ewc", {"n_tasks": 2}),
    ("split-mnist", "hnet", {"n_tasks": 2})]


@pytest.mark.parametrize("name, method, task", FINISHED_CASES)
def test_a_finished_runs_tensors_fit_what_its_config_declares(name, method, task, tiny_data):
    """`sizes.file_tensor_bytes` bounds what a run file may declare before it is read
    (run_checks.check_declared): every method's finished run (all grown buffers full), conv
    targets with their per-task batch-norm statistics included, fits under it."""
    import io

    import torch

    from hnviz.core.io import read_run_dict, run_to_bytes
    from hnviz.core.run_archive import scan, skeleton, tensor_bytes

    cfg = default_config(name, method).replace(
        task={"data_root": tiny_data, **task},
        train={"iters_per_task": 2, "eval_every": 2, "batch_size": 8})
    tr = Trainer(cfg, limits=HARD)
    tr.run()
    data = run_to_bytes(tr)
    have = tensor_bytes(skeleton(scan(io.BytesIO(data))))
    state = torch.load(io.BytesIO(data), weights_only=True)["state"]
    assert have >= sum(t.numel() * t.element_size() for t in _tensors(state))
    assert have <= sizes.file_tensor_bytes(cfg), (have, sizes.file_tensor_bytes(cfg))
    read_run_dict(data, HARD)


def _tensors(obj):
    import torch

    if isinstance(obj, torch.Tensor):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _tensors(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _tensors(v)


def test_presets_fit_the_app_defaults():
    """The app's default limits admit every preset of every benchmark and method, and the
    long-sequence presets at 100 tasks (HNET and the baselines that keep one state, not one per
    task: EWC's [T, P] anchors and Fishers may not fit; the message says so)."""
    for name in BENCHMARKS:
        for method in METHODS:
            admit(default_config(name, method), APP_DEFAULTS)
        if BENCHMARKS[name].long is not None:
            for method in ("hnet", "finetune", "online-ewc", "si"):
                admit(default_config(name, method, n_tasks=100), APP_DEFAULTS)


def test_the_time_budget_bounds_tasks_times_iterations():
    cfg = default_config("permuted-digits", "hnet", n_tasks=100)
    per_task = APP_DEFAULTS.max_steps // 100
    admit(cfg.replace(train={"iters_per_task": per_task}), APP_DEFAULTS)
    with pytest.raises(ConfigError, match=r"^training steps \(tasks × iterations per task\)="
                       rf"{100 * (per_task + 1)} exceeds the limit {APP_DEFAULTS.max_steps} "
                       r"\(HNVIZ_LIMIT_MAX_STEPS\)$"):
        admit(cfg.replace(train={"iters_per_task": per_task + 1}), APP_DEFAULTS)
    admit(cfg.replace(train={"iters_per_task": per_task + 1}), LIBRARY)


def test_memory_estimate_grows_with_what_is_stored():
    base = default_config("permuted-digits", "ewc")
    small = sizes.memory_estimate(base.replace(task={"n_tasks": 10}))
    big = sizes.memory_estimate(base.replace(task={"n_tasks": 100}))
    assert big.total > small.total
    assert dict(big.parts)["EWC anchors and Fishers [100, " + str(
        sizes.param_counts(base.replace(task={"n_tasks": 100})).target) + "]"] > 0
    hnet = default_config("permuted-digits", "hnet").replace(task={"n_tasks": 40})
    p = sizes.param_counts(hnet)
    assert dict(sizes.memory_estimate(hnet).parts)[f"HNET snapshot [40, {p.generated}]"] == (
        40 * p.generated * 4)
    assert sizes.format_bytes(3.3e9) == "3.1 GB" and sizes.format_bytes(512) == "512 B"


@pytest.mark.parametrize("change, message", [
    ({"target": {"hidden": (2_000_000,)}},
     r"^target\.hidden\[0\]=2000000 exceeds the limit 4096 \(library limit"),
    ({"task": {"benchmark": "permuted-digits", "n_tasks": 3000}},
     r"^task\.n_tasks=3000 exceeds the limit 1000 "),
    ({"train": {"iters_per_task": 10**9}}, r"^train\.iters_per_task=1000000000 exceeds"),
    ({"hnet": {"hidden": (10,) * 17}}, r"^len\(hnet\.hidden\)=17 exceeds the limit 16"),
    ({"hnet": {"chunk_size": 2**21}}, r"^hnet\.chunk_size=2097152 exceeds"),
    ({"train": {"batch_size": 10**6}}, r"^train\.batch_size=1000000 exceeds"),
    ({"target": {"hidden": (4096, 4096, 4096, 4096)}},
     r"^target parameters=50\d+ exceeds the limit 50000000"),
])
def test_library_limits_name_field_value_and_limit(change, message):
    cfg = default_config().replace(**change)
    with pytest.raises(ConfigError, match=message) as e:
        admit(cfg, LIBRARY)
    assert "\n" not in str(e.value)
    admit(cfg, HARD)  # --allow-large: only the absolute caps


def test_memory_budget_message_names_the_need_and_the_budget():
    # one head per generated network: 1000 tasks × ~1.07M weights of a 64-1000-1000-10 target
    cfg = default_config("permuted-digits", "hnet").replace(task={"n_tasks": 1000},
                                                            target={"hidden": (1000, 1000)})
    with pytest.raises(ConfigError, match=r"^this run needs ~\d+\.\d GB, more than the 4096 MB "
                       r"budget .*; the largest part: HNET snapshot"):
        admit(cfg, LIBRARY)


def test_app_limits_from_environment():
    assert app_limits({}) == dataclasses.replace(APP_DEFAULTS)
    lim = app_limits({"HNVIZ_LIMIT_MAX_WIDTH": "64", "HNVIZ_LIMIT_MAX_MEMORY_MB": "256.5",
                      "UNRELATED": "x"})
    assert lim.max_width == 64 and lim.max_memory_mb == 256.5 and lim.origin == "app"
    cfg = default_config().replace(target={"hidden": (100,)})
    with pytest.raises(ConfigError, match=r"^target\.hidden\[0\]=100 exceeds the limit 64 "
                                          r"\(HNVIZ_LIMIT_MAX_WIDTH\)$"):
        admit(cfg, lim)
    for bad in ("abc", "0", "-3", str(HARD.max_width + 1)):
        with pytest.raises(ConfigError, match="HNVIZ_LIMIT_MAX_WIDTH"):
            app_limits({"HNVIZ_LIMIT_MAX_WIDTH": bad})
    assert {env_name(f) for f in LIMIT_FIELDS} >= {"HNVIZ_LIMIT_MAX_TASKS",
                                                   "HNVIZ_LIMIT_MAX_MEMORY_MB"}


def test_limits_are_ordered():
    for f in LIMIT_FIELDS:
        assert getattr(APP_DEFAULTS, f) <= getattr(LIBRARY, f) <= getattr(HARD, f), f


def test_from_dict_applies_limits_before_building(monkeypatch):
    import hnviz.core.trainer as trainer_mod

    def never(*a, **k):
        raise AssertionError("built something")

    monkeypatch.setattr(trainer_mod, "build_tasks", never)
    monkeypatch.setattr(trainer_mod, "build_target", never)
    d = default_config("permuted-digits").to_dict()
    d["task"]["n_tasks"] = 160
    assert RunConfig.from_dict(d).task.n_tasks == 160  # no limits given: only validation
    with pytest.raises(ConfigError, match=r"task\.n_tasks=160 exceeds the limit 100 "
                                          r"\(HNVIZ_LIMIT_MAX_TASKS\)"):
        admit(RunConfig.from_dict(d), app_limits({}))
    with pytest.raises(ConfigError, match="exceeds the limit"):
        Trainer(default_config().replace(target={"hidden": (2_000_000,)}))  # library limits


@pytest.mark.parametrize("section, values, message", [
    ("target", {"hidden": (2**24 + 1,)}, r"target\.hidden\[0\]=16777217 exceeds the limit \d+ \(an absolute cap\)"),
    ("target", {"hidden": (1,) * 257}, r"len\(target\.hidden\)=257 exceeds the limit \d+ \(an absolute cap\)"),
    ("train", {"iters_per_task": 10**12}, r"train\.iters_per_task=\d+ exceeds the limit \d+ \(an absolute cap\)"),
    ("train", {"seed": 2**64}, r"train\.seed must be an integer"),
    ("train", {"reg_tasks": -1}, r"train\.reg_tasks must be >= 0"),
    ("task", {"n_train": 10**9}, r"task\.n_train=1000000000 exceeds the limit \d+ \(an absolute cap\)"),
    ("hnet", {"emb_dim": 2**17}, r"hnet\.emb_dim=131072 exceeds the limit \d+ \(an absolute cap\)"),
])
def test_hard_caps_in_the_dataclasses(section, values, message):
    with pytest.raises(ConfigError, match=message):
        default_config().replace(**{section: values})


def test_docs_list_every_limit_with_its_values():
    """docs/LIMITS.md's table states the code's values (docs true to the code)."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "LIMITS.md").read_text()

    def n(v) -> str:
        v = float(v)
        return f"{int(v):,}".replace(",", " ") if v.is_integer() else f"{v:g}"

    for f in LIMIT_FIELDS:
        row = next((line for line in text.splitlines() if line.startswith(f"| `{f}` |")), None)
        assert row is not None, f
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[2:] == [n(getattr(LIBRARY, f)), n(getattr(APP_DEFAULTS, f)),
                             f"`{env_name(f)}`", n(getattr(HARD, f))], row
