"""The Train page's settings: widgets <-> the pending RunConfig <-> the URL.

The pending config lives in state (a key no widget owns), so it survives page switches; the
widgets are re-filled from it whenever they are (re)created. Opening a URL with config query
parameters (hnviz.ui.url.config) pre-fills the widgets (a value out of range is reported, never
clamped); every change is written back to the URL, so the address bar is always a shareable
link to this setup. Every method's regularizer strength (β, λ, c) has its widget, labelled by the
method registry. Where the run trains (cpu | cuda | auto) is not part of the config: a Device
selector shows only when torch sees a CUDA GPU, and its choice is kept in state for the buttons.
"""

from __future__ import annotations

import os

import streamlit as st

from hnviz.core import devices
from hnviz.core.admission import admit, check_names
from hnviz.core.benchmarks import BENCHMARKS, available_benchmarks
from hnviz.core.config import HNET_KINDS, MAX_INFERRED_TASKS, ConfigError, RunConfig
from hnviz.core.devices import DEFAULT_DEVICE, DEVICE_CHOICES
from hnviz.core.limits import app_limits
from hnviz.core.method_specs import DEFAULT_METHOD, METHODS, method_spec
from hnviz.core.presets import default_config
from hnviz.core.scenarios import DEFAULT_SCENARIO, SCENARIOS
from hnviz.core.sizes import param_counts
from hnviz.ui import state
from hnviz.ui.labels import benchmark_label, method_label, target_label
from hnviz.ui.page import reported
from hnviz.ui.text import MESSAGE_CHARS, md
from hnviz.ui.url import config as urlstate
from hnviz.ui.url.query import PageUrl

K = "train.form."  # widget key prefix
URL = PageUrl("train", urlstate.KEYS)  # the setup in the address bar
STRENGTH_HELP = {
    "beta": "Strength β of the HNET output regularizer that keeps old tasks' generated weights "
            "in place. 0 = no protection.",
    "ewc_lambda": "Strength λ of the EWC penalty (weights pulled back, weighted by the Fisher).",
    "si_c": "Strength c of the SI penalty (weights pulled back, weighted by path importance).",
}


@st.cache_data(show_spinner=False, ttl=60)
def benchmark_availability(data_root: str | None) -> dict[str, tuple[bool, str]]:
    """available_benchmarks of the data root (cached per root for a minute)."""
    return available_benchmarks(data_root)




def _long_from(bench: str) -> str:
    long = BENCHMARKS[bench].long
    return str(long.min_tasks) if long is not None else "—"


def strength_field(method: str) -> str | None:
    s = method_spec(method).strength
    return s.field if s else None


def widget_values(cfg: RunConfig) -> dict:
    """The widget values that show `cfg`."""
    field = strength_field(cfg.train.method)
    return {"benchmark": cfg.task.benchmark, "method": cfg.train.method,
            "strength": float(getattr(cfg.train, field)) if field else 0.0,
            "lr": float(cfg.train.lr), "iters": int(cfg.train.iters_per_task),
            "emb_dim": int(cfg.hnet.emb_dim), "hnet_kind": cfg.hnet.kind,
            "hnet_hidden": ",".join(str(h) for h in cfg.hnet.hidden),
            "seed": int(cfg.train.seed), "target": cfg.target.kind,
            "scenario": cfg.task.scenario,
            "tasks": BENCHMARKS[cfg.task.benchmark].n_tasks(cfg.task),
            "subset": int(cfg.task.subset or BENCHMARKS[cfg.task.benchmark].preset_subset or 1)}


def offers_tasks(bench: str) -> bool:
    """Does the benchmark offer more tasks than its default (the permuted ones): the form shows
    a Tasks input."""
    b = BENCHMARKS[bench]
    return b.max_n_tasks > b.default_n_tasks


def _fill_widgets(cfg: RunConfig, overwrite: bool) -> None:
    for name, value in widget_values(cfg).items():
        if overwrite or state.widget_value(K + name) is None:
            state.set_widget(K + name, value)


def _on_benchmark() -> None:
    """A new benchmark starts from its preset (keeping method and seed)."""
    bench = state.widget_value(K + "benchmark")
    method = state.widget_value(K + "method") or DEFAULT_METHOD
    seed = int(state.widget_value(K + "seed") or 0)
    scn = state.widget_value(K + "scenario") or DEFAULT_SCENARIO
    if BENCHMARKS[bench].kind != "classification":
        scn = DEFAULT_SCENARIO  # regression: the task is always given
    cfg = default_config(bench, method).replace(train={"seed": seed},
                                                task={"seed": seed, "scenario": scn})
    state.set_config(cfg)
    _fill_widgets(cfg, overwrite=True)


def _on_tasks() -> None:
    """A number of tasks on the other side of the benchmark's long-sequence threshold
    (`Benchmark.long`) starts from that preset (keeping method, seed and target); otherwise
    only the count changes. Long sequences are evaluated with the task given (CL1)."""
    bench = state.widget_value(K + "benchmark")
    n = int(state.widget_value(K + "tasks") or BENCHMARKS[bench].default_n_tasks)
    cfg = state.get_config()
    b = BENCHMARKS[bench]
    scn = cfg.task.scenario if n <= MAX_INFERRED_TASKS else DEFAULT_SCENARIO
    if b.is_long(n) != b.is_long(b.n_tasks(cfg.task)):
        seed = int(state.widget_value(K + "seed") or 0)
        cfg = default_config(bench, cfg.train.method, n_tasks=n).replace(
            train={"seed": seed}, task={"seed": seed, "scenario": scn},
            target={"kind": cfg.target.kind})
        state.set_config(cfg)
        _fill_widgets(cfg, overwrite=True)
        return
    state.set_config(cfg.replace(task={"n_tasks": n, "scenario": scn}))
    state.set_widget(K + "scenario", scn)


def _on_method() -> None:
    """A new method shows its own strength (from the pending config, which holds every
    method's preset strength)."""
    method = state.widget_value(K + "method")
    cfg = state.get_config().replace(train={"method": method,
                                            "multi_head": method_spec(method).multi_head})
    state.set_config(cfg)
    state.set_widget(K + "strength", widget_values(cfg)["strength"])
    _on_target()  # Split CIFAR: the lr depends on method and target


def _on_target() -> None:
    """A new target shows the learning rate the benchmark's preset gives the method with it
    (`Benchmark.hnet_lr`: HNET generating ZenkeNet in Split CIFAR trains at 1e-4); elsewhere
    the rate the user set stays."""
    bench = state.widget_value(K + "benchmark")
    if not BENCHMARKS[bench].target_hnet_lr:
        return
    method = state.widget_value(K + "method") or DEFAULT_METHOD
    lr = default_config(bench, method, state.widget_value(K + "target")).train.lr
    state.set_config(state.get_config().replace(train={"lr": lr}))
    state.set_widget(K + "lr", float(lr))


def _apply_url() -> list[str]:
    """Take a config from the URL once per distinct query string; returns the problems of the
    link (until the setup changes)."""
    params = URL.incoming()
    if params is not None:
        cfg, problems = urlstate.decode(params)
        if cfg is not None:
            state.set_config(cfg)
            _fill_widgets(cfg, overwrite=True)
        URL.notes(problems)
    return URL.notes()


def parse_widths(text: str, key: str) -> tuple[tuple[int, ...] | None, str | None]:
    """'10, 10' -> ((10, 10), None); a problem message instead when it is not usable."""
    try:
        widths = tuple(int(v) for v in text.replace(" ", "").split(",") if v)
    except ValueError:
        return None, "must be comma-separated positive integers, e.g. 10,10"
    why = urlstate.out_of_range(key, widths)
    return (None, why) if why else (widths, None)


def _number(col, label: str, key: str, url_key: str, **kw):
    f = urlstate.FIELDS[url_key]
    return col.number_input(label, min_value=type(kw.get("step", 1))(f.lo),
                            max_value=type(kw.get("step", 1))(f.upper()), key=K + key, **kw)


def settings_form() -> tuple[RunConfig, str | None]:
    """Draw the settings; returns (the pending config, why it cannot run now or None)."""
    problems = _apply_url()
    pending = state.get_config()
    _fill_widgets(pending, overwrite=False)
    avail = benchmark_availability(os.environ.get("HNVIZ_DATA") or None)

    def bench_label(b: str) -> str:
        ok = avail.get(b, (True, ""))[0]
        return benchmark_label(b) + ("" if ok else " (data not available)")

    bench = st.selectbox("Benchmark", tuple(BENCHMARKS), key=K + "benchmark",
                         format_func=bench_label, on_change=_on_benchmark,
                         help="The sequence of tasks learned one after another.")
    blocked = None
    ok, reason = avail.get(bench, (True, ""))
    if not ok:
        blocked = f"{benchmark_label(bench)} is not available: {reason}"
        st.warning(blocked)
    kinds = BENCHMARKS[bench].target_kinds()
    if state.widget_value(K + "target") not in kinds:
        state.set_widget(K + "target", pending.target.kind if pending.target.kind in kinds
                         else kinds[0])
    target = st.selectbox("Target network", kinds, key=K + "target", format_func=target_label,
                          disabled=len(kinds) == 1, on_change=_on_target,
                          help="The network whose weights are generated (or trained). Conv "
                               "nets (ZenkeNet, ResNet-32) need image inputs of at least "
                               "10×10 (ZenkeNet); ResNet-32 keeps batch-norm statistics per "
                               "task.")
    subset = None
    if BENCHMARKS[bench].subset:
        subset = int(_number(st, "Images per class", "subset", "subset", step=10,
                             help="At most this many training and test images per class: a "
                                  "REDUCED version of the benchmark that a CPU trains in "
                                  "minutes (the full one: the command line, "
                                  "docs/REPRODUCTION.md)."))
        st.caption(f"Reduced version: at most {subset} training and test images per class, "
                   "not the full benchmark.")
    method = st.selectbox("Method", tuple(METHODS), key=K + "method", format_func=method_label,
                          on_change=_on_method)
    n_tasks = None
    if offers_tasks(bench):
        n_tasks = int(_number(st, "Tasks", "tasks", "tasks", step=10, on_change=_on_tasks,
                              help="How many tasks are learned one after another. From "
                                   f"{_long_from(bench)} tasks on, the benchmark's "
                                   "long-sequence preset (a hypernetwork smaller than its "
                                   "target: the compressive regime) is loaded."))
        if BENCHMARKS[bench].is_long(n_tasks):
            st.caption(f"Long sequence: the long-sequence preset of {benchmark_label(bench)} "
                       "(compression < 1, the same target and budget for every method); "
                       "evaluated with the task given.")
    classification = BENCHMARKS[bench].kind == "classification"
    inferable = classification and (n_tasks is None or n_tasks <= MAX_INFERRED_TASKS)
    if not inferable:
        state.set_widget(K + "scenario", DEFAULT_SCENARIO)
    scn = st.selectbox("Scenario", tuple(SCENARIOS), key=K + "scenario",
                       format_func=lambda s: SCENARIOS[s].label, disabled=not inferable,
                       help="CL1: the task is given at test time. CL2: one shared output head, "
                            "the task is not given. CL3: the task is not given and must be "
                            "inferred too (HNET infers it from the generated networks' "
                            "predictive entropy, HNET+R from a replay-trained task "
                            "classifier). Regression benchmarks are CL1 only.")
    spec = method_spec(method)
    is_hnet = spec.has_embeddings  # the hypernetwork's settings apply
    c1, c2 = st.columns(2)
    field = strength_field(method)
    strength = c1.number_input(
        f"Strength {spec.strength.symbol}" if spec.strength else "Strength (none)",
        min_value=0.0, max_value=urlstate.STRENGTH_MAX, key=K + "strength", format="%g",
        step=0.001 if field == "beta" else 1.0, disabled=field is None,
        help=STRENGTH_HELP.get(field or "", f"{spec.short} has no regularizer strength."))
    lr = _number(c2, "Learning rate", "lr", "lr", format="%g", step=1e-4, help="Adam step size.")
    c1, c2 = st.columns(2)
    iters = _number(c1, "Iterations / task", "iters", "iters", step=100)
    seed = _number(c2, "Seed", "seed", "seed", step=1)
    c1, c2 = st.columns(2)
    kind = c1.selectbox("Hypernet", HNET_KINDS, key=K + "hnet_kind", disabled=not is_hnet,
                        format_func={"mlp": "full MLP", "chunked": "chunked"}.get,
                        help="full: one output per target weight; chunked: the target is "
                             "generated in chunks, each with its own chunk embedding.")
    emb = _number(c2, "Embedding dim", "emb_dim", "emb_dim", step=1, disabled=not is_hnet)
    hidden_text = st.text_input("Hypernet hidden layers", key=K + "hnet_hidden",
                                disabled=not is_hnet, help="Comma-separated widths, e.g. 10,10")
    hidden, why = parse_widths(hidden_text, "hnet_hidden")
    if hidden is None:
        st.error(f"Hypernet hidden layers {md(why, MESSAGE_CHARS)}; using "
                 f"{list(pending.hnet.hidden)}.")
        hidden = pending.hnet.hidden
    if pending.task.benchmark != bench:  # e.g. the benchmark widget was filled from elsewhere
        pending = default_config(bench, method)
    train = {"method": method, "lr": float(lr), "iters_per_task": int(iters),
             "seed": int(seed)}
    if field:
        train[field] = float(strength)
    task = {"seed": int(seed), "scenario": scn, **({"subset": subset} if subset else {}),
            # no Tasks input (a benchmark with one count): the link's count stays; the
            # benchmark's default count stays None, as in presets, demos and links
            **({} if n_tasks is None else
               {"n_tasks": None if n_tasks == BENCHMARKS[bench].default_n_tasks else n_tasks})}
    cfg = pending.replace(train=train, task=task, target={"kind": target},
                          hnet={"kind": kind, "emb_dim": int(emb), "hidden": hidden})
    state.set_config(cfg)
    URL.publish(urlstate.encode(cfg))  # the address bar: a link to this setup
    for p in problems:
        st.warning(f"Link: {md(p, MESSAGE_CHARS)}.")
    try:  # the registries' names, then every size together, before anything is built
        check_names(cfg)
        refused = None
    except ConfigError as e:
        refused = f"These settings do not fit together: {md(e, MESSAGE_CHARS)}"
    if refused is None:
        try:
            admit(cfg, app_limits())
        except ConfigError as e:
            refused = f"This setup is too large for this server: {md(e, MESSAGE_CHARS)}"
    if refused is not None:
        blocked = blocked or refused
        st.error(blocked)
    else:
        slow_step_note(cfg)
    return cfg, blocked


def slow_step_note(cfg) -> None:
    """A warning before training when one step of `cfg` takes a second or more on this
    server's cores (`sizes.step_estimate`): live training would crawl."""
    from hnviz.core.sizes import SLOW_STEP_S, step_estimate

    est = step_estimate(cfg)
    if est.seconds >= SLOW_STEP_S:
        what, _ = est.largest()
        st.warning(f"One training step of this setup takes ~{est.seconds:.1f} s on a core of "
                   f"this server (mostly the {what}), so live training will be slow. Smaller "
                   "networks, fewer tasks or fewer regularized tasks per step train faster.")


DEVICE_LABELS = {"cpu": "CPU", "cuda": "CUDA GPU", "auto": "auto (the GPU)"}


def device_setting() -> str:
    """The Device selector (auto | cpu | cuda), drawn only when torch sees a CUDA GPU; else a
    caption that training runs on the CPU. Returns the device the buttons train on (also kept
    in state: `chosen_device`)."""
    if devices.cuda_unavailable_reason() is not None:
        device = DEFAULT_DEVICE
        st.caption("Training runs on the CPU (no CUDA GPU here).")
    else:
        if state.widget_value(K + "device") not in DEVICE_CHOICES:
            state.set_widget(K + "device", DEFAULT_DEVICE)
        device = st.selectbox("Device", DEVICE_CHOICES, key=K + "device",
                              format_func=DEVICE_LABELS.get,
                              help="Where new runs train (a run keeps its device). The networks "
                                   "here are small, so a GPU is not necessarily faster (not "
                                   "measured); a run file holds CPU tensors either way.")
    state.put("device", device)
    return device


def chosen_device() -> str:
    """The device the Train page's buttons start runs on (the CPU unless a GPU was chosen)."""
    return state.get("device") or DEFAULT_DEVICE


def param_panel(cfg: RunConfig) -> None:
    """Hypernet / target parameter counts and compression ratio, before training."""
    try:
        pc = param_counts(cfg)  # arithmetic: nothing is built
    except Exception as exc:  # noqa: BLE001 - an invalid setting: the form says why
        reported(exc)  # a bug (not a setting the form reports) is re-raised in the tests
        return
    if pc.hnet is None:
        st.markdown(f"**Target network:** {pc.target:,} parameters, trained directly "
                    "(no hypernetwork).")
        return
    verdict = "smaller" if pc.compression < 1 else "larger"
    st.markdown(f"**Hypernetwork:** {pc.hnet:,} parameters  \n"
                f"**Target network:** {pc.target:,} weights (generated)  \n"
                f"**Compression:** {pc.compression:.2f} (hypernet is {verdict})",
                help="Hypernet parameters include θ_h and every task (and chunk) embedding. "
                     "Compression = hypernet params / target params; below 1 the hypernet is "
                     "smaller than the network it generates.")
