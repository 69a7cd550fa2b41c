"""The benchmark and method registries: every entry is consistent with what it describes, and
every entry appears wherever benchmarks or methods are offered (CLI, sweeps, the app)."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from hnviz.cli import build_parser
from hnviz.core.admission import admit
from hnviz.core.benchmarks import BENCHMARKS, benchmark, build_tasks, embedded_benchmarks
from hnviz.core.config import ConfigError, RunConfig, TaskConfig, TrainConfig
from hnviz.core.method_specs import (
    METHODS,
    method_spec,
    param_symbol,
    strength_fields,
    with_strength,
)
from hnviz.core.methods import Method
from hnviz.core.metrics import METRIC_OF_KIND
from hnviz.core.presets import default_config
from hnviz.core.scenarios import n_heads
from hnviz.core.target_kinds import build_target
from hnviz.sweeps import make_grid
from hnviz.sweeps.grid import field_types, resolve_field
from hnviz.ui.labels import benchmark_label, method_label
from tests.apptest_helpers import open_app
from tests.test_datasets_cifar import write_cifar
from tests.test_tasks import _write_dataset

TRAIN_FIELDS = {f.name: f for f in dataclasses.fields(TrainConfig)}


# ------------------------------------------------------------------------------ entries
@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    """MNIST and FashionMNIST as tiny IDX files and CIFAR-10/100 as tiny pickles, so every
    benchmark can be built."""
    root = tmp_path_factory.mktemp("data")
    for ds in ("MNIST", "FashionMNIST"):
        _write_dataset(root, ds, gz=False)
    write_cifar(root)
    return str(root)


@pytest.mark.parametrize("name", list(BENCHMARKS))
def test_benchmark_entry_describes_its_data(name, tiny_data):
    """Sizes, kind, task count and labels that the entry states without data are those of the
    sequence it builds."""
    b = benchmark(name)
    assert b.name == name and b.label and b.kind in METRIC_OF_KIND
    assert 1 <= b.default_n_tasks <= b.max_n_tasks
    preset = b.preset()
    assert preset.task.benchmark == name and preset.train.method == "hnet"
    seq = build_tasks(dataclasses.replace(preset.task, data_root=tiny_data))
    assert (seq.benchmark, seq.kind, seq.n_tasks) == (name, b.kind, b.default_n_tasks)
    assert (seq.in_dim, seq.out_dim, seq.input_shape) == (b.in_dim, b.out_dim, b.input_shape)
    assert seq.metric is b.metric
    names = b.task_names(seq.n_tasks)
    assert [n.split(":")[0] for n in names] == [f"task {j + 1}" for j in range(seq.n_tasks)]
    for name_j, tk in zip(names, seq.tasks, strict=True):
        if len(tk.classes) == 2:  # class pairs are labelled by the classes they hold
            assert name_j.endswith(": " + "/".join(map(str, tk.classes)))
        elif tk.classes:  # bigger splits by their data (split CIFAR: "CIFAR-100 classes 0-9")
            assert name_j.endswith(": " + tk.name)
    with pytest.raises(ConfigError, match="n_tasks"):  # where a run is admitted
        admit(RunConfig(task=TaskConfig(benchmark=name, n_tasks=b.max_n_tasks + 1)))


def test_regression_task_names_are_the_formulas():
    names = benchmark("regression1d").task_names(3)
    assert names == ["task 1: y = x + 3", "task 2: y = 2x² - 1", "task 3: y = (x - 3)³"]


def test_unknown_names_are_config_errors():
    with pytest.raises(ConfigError, match="task.benchmark must be one of"):
        benchmark("cifar")
    with pytest.raises(ConfigError, match="train.method must be one of"):
        method_spec("replay")
    with pytest.raises(ConfigError):
        default_config("regression1d", "replay")


@pytest.mark.parametrize("name", list(METHODS))
def test_method_entry_matches_its_class(name):
    spec = method_spec(name)
    assert spec.name == name and spec.label and spec.short and spec.color.startswith("#")
    cfg = default_config("split-digits", name)
    seq = build_tasks(cfg.task)
    target = build_target(cfg, seq, n_heads(cfg, spec.has_embeddings, seq.n_tasks))
    m = spec.build(cfg, target, seq.n_tasks, torch.Generator().manual_seed(0))
    assert isinstance(m, Method) and m.spec is spec
    assert spec.has_embeddings == hasattr(m, "hnet")
    embs = m.embeddings()  # what the trainer and the analysis read, never method.hnet
    assert (embs is not None) == spec.has_embeddings
    if spec.has_embeddings:
        assert embs.shape == (seq.n_tasks, cfg.hnet.emb_dim)
        assert torch.equal(m.generate(embs[1]), m.weights(1))  # f_h(e_2) is task 2's network
        assert m.generate(embs).shape == (seq.n_tasks, m.weights(0).numel())
    else:
        with pytest.raises(TypeError, match="no weights from embeddings"):
            m.generate(torch.zeros(1, 2))
    step = m.step(0, torch.Generator().manual_seed(0))
    assert step.weights.shape == m.weights(0).shape
    if spec.strength is not None:
        field = TRAIN_FIELDS[spec.strength.field]
        assert "float" in str(field.type) and param_symbol(field.name) == spec.strength.symbol
        lo, hi = spec.strength.range
        assert 0 < lo < hi and spec.strength.sweep_values[0] == 0
        for kind, value in spec.preset_strength.items():
            b = next(b for b in BENCHMARKS.values() if b.kind == kind)
            assert getattr(default_config(b.name, name).train, spec.strength.field) == value


def test_entries_are_distinguishable():
    for attr in ("label", "color"):
        assert len({getattr(m, attr) for m in METHODS.values()}) == len(METHODS), attr
    assert len({b.label for b in BENCHMARKS.values()}) == len(BENCHMARKS)


# ------------------------------------------------------------------------------ where they appear
@pytest.mark.parametrize("sub", ["train", "sweep"])
def test_cli_accepts_every_benchmark_method_and_strength(sub):
    parser = build_parser()
    extra = ["--values", "0,1", "--out", "x"] if sub == "sweep" else []
    for name in BENCHMARKS:
        assert parser.parse_args([sub, "--benchmark", name, *extra]).benchmark == name
    for name in METHODS:
        assert parser.parse_args([sub, "--method", name, *extra]).method == name
    for field in strength_fields():
        a = parser.parse_args([sub, "--" + field.replace("_", "-"), "0.5", *extra])
        assert getattr(a, field) == 0.5
    with pytest.raises(SystemExit):
        parser.parse_args([sub, "--benchmark", "no-such-benchmark", *extra])


def test_every_method_with_a_strength_is_sweepable():
    assert {f"train.{f}" for f in strength_fields()} <= set(field_types())
    for field in strength_fields():
        assert resolve_field(field) == f"train.{field}" and field_types()[f"train.{field}"] == \
            "float"
    for name, spec in METHODS.items():
        base = default_config("regression1d", name)
        if spec.strength is None:
            with pytest.raises(ConfigError, match="no regularizer strength"):
                make_grid([base], None)
        else:
            (point, *_) = make_grid([base], None).points()  # the method's own strength
            assert point.params[0][0] == f"train.{spec.strength.field}"
    assert with_strength() == tuple(n for n, s in METHODS.items() if s.strength)


def test_train_page_offers_every_benchmark_and_method():
    at = open_app("pages/1_Train.py", timeout=60)
    benches = at.selectbox(key="train.form.benchmark").options
    assert [o.removesuffix(" (data not available)") for o in benches] == \
        [benchmark_label(n) for n in BENCHMARKS]
    assert at.selectbox(key="train.form.method").options == [method_label(n) for n in METHODS]


def test_sweep_form_offers_embedded_benchmarks_and_methods_with_a_strength():
    at = open_app("pages/7_Beta_explorer.py", timeout=60)
    form = [s for s in at.selectbox if s.label in ("Benchmark", "Method")]
    bench, method = (next(s for s in form if s.label == lab) for lab in ("Benchmark", "Method"))
    assert bench.options == [benchmark_label(n) for n in embedded_benchmarks()]
    assert {benchmark(n).dataset for n in embedded_benchmarks()} == {None}
    assert len(method.options) == len(with_strength())
    for option, name in zip(method.options, with_strength(), strict=True):
        assert option.startswith(METHODS[name].short)
        assert METHODS[name].strength.symbol in option


def test_code_asks_the_registries_instead_of_comparing_names():
    """Scenario, method and benchmark behaviour comes from their entries (`scenario(name)
    .task_given`, `method_spec(name).online`, ...), and a method's hypernetwork stays inside
    the method (`Method.embeddings()` / `generate()`): no comparison with a scenario or method
    name, no `method.hnet`, outside the registries and the methods themselves."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "hnviz"
    rules = [
        (re.compile(r"""(==|!=)\s*["']cl[123]["']|["']cl[123]["']\s*(==|!=)"""),
         {"core/scenarios.py"}),
        (re.compile(r"""\b(train|tr)\.method\s*(==|!=)\s*["']|\.method\.startswith\("""),
         set()),
        (re.compile(r"""method\.hnet\b|getattr\([^)]*["']hnet["']"""),
         {"core/methods.py", "core/replay.py"}),
    ]
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        for i, line in enumerate(path.read_text().splitlines(), 1):
            for pattern, allowed in rules:
                if rel not in allowed and pattern.search(line):
                    found.append(f"hnviz/{rel}:{i}: {line.strip()}")
    assert not found, "\n".join(found)
