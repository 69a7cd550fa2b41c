"""The command-line options that describe one run, shared by `train` and `sweep`.

Choices come from the registries: every benchmark and method, and one `--<strength>` option per
regularizer strength a method declares (`--beta`, `--ewc-lambda`, `--si-c`). `--device`
(auto | cpu | cuda[:N]) says where the run computes; it is not part of the run's config (run
files are portable). `--allow-large`
(`add_limit_args`, `limits_from_args`) chooses the size limits a run is checked against, and
`check_out_arg` checks an output file before any work.
"""

from __future__ import annotations

import argparse

from .core.benchmarks import BENCHMARKS, DEFAULT_BENCHMARK
from .core.config import ACTIVATIONS, HNET_KINDS, REG_CHOICES, TARGET_KINDS, ConfigError, RunConfig
from .core.devices import DEFAULT_DEVICE, DEVICE_CHOICES
from .core.io import OutputPathError, check_output_path
from .core.limits import HARD, LIBRARY, Limits
from .core.method_specs import DEFAULT_METHOD, METHODS, param_symbol, strength_fields
from .core.presets import default_config
from .core.scenarios import DEFAULT_SCENARIO, SCENARIOS


def parse_floats(s: str) -> tuple[float, ...]:
    """'0,1e-3, 0.01' -> (0.0, 0.001, 0.01)."""
    return tuple(float(v) for v in s.split(",") if v.strip())


def parse_ints(s: str) -> tuple[int, ...]:
    """'50,50' -> (50, 50)."""
    return tuple(int(v) for v in s.split(",") if v.strip())


def _strength_help(field: str) -> str:
    owners = [m.short for m in METHODS.values() if m.strength and m.strength.field == field]
    return f"{' / '.join(owners)} regularizer strength {param_symbol(field)}"


def add_run_args(p: argparse.ArgumentParser) -> None:
    """The options that describe one run."""
    p.add_argument("--benchmark", default=DEFAULT_BENCHMARK, choices=tuple(BENCHMARKS))
    p.add_argument("--method", default=DEFAULT_METHOD, choices=tuple(METHODS))
    p.add_argument("--scenario", default=DEFAULT_SCENARIO, choices=tuple(SCENARIOS),
                   help="cl1: task given at test time; cl2: one shared head, task not given; "
                        "cl3: the task must be inferred too (classification benchmarks)")
    for field in strength_fields():
        p.add_argument("--" + field.replace("_", "-"), type=float, help=_strength_help(field))
    p.add_argument("--lr", type=float, help="learning rate (Adam)")
    p.add_argument("--iters", type=int, help="training iterations per task")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--n-tasks", type=int, help="number of tasks (benchmark default if omitted)")
    p.add_argument("--hnet", choices=HNET_KINDS, help="hypernetwork kind")
    p.add_argument("--emb-dim", type=int, help="task-embedding dimension")
    p.add_argument("--hnet-hidden", type=parse_ints, help="hypernet hidden widths, e.g. 50,50")
    p.add_argument("--hnet-activation", choices=ACTIVATIONS,
                   help="hypernet hidden units' nonlinearity (preset: relu)")
    p.add_argument("--chunk-size", type=int, help="chunked hypernet: weights per chunk")
    p.add_argument("--chunk-emb-dim", type=int, help="chunked hypernet: chunk-embedding size")
    p.add_argument("--chunk-emb-init-std", type=float,
                   help="chunked hypernet: std of the chunk embeddings' initial draw")
    p.add_argument("--target", choices=TARGET_KINDS,
                   help="target network (default: the benchmark's; conv nets need image inputs)")
    p.add_argument("--target-hidden", type=parse_ints,
                   help="MLP target hidden widths, e.g. 100,100")
    p.add_argument("--multi-head", action=argparse.BooleanOptionalAction, default=None,
                   help="one output head per task in the target (the baselines' preset); "
                        "--no-multi-head: one head (HNET's preset: each generated network "
                        "holds its own task's head)")
    p.add_argument("--lookahead", action=argparse.BooleanOptionalAction, default=None,
                   help="HNET: the paper's lookahead Δθ (preset: on for regression1d)")
    p.add_argument("--reg-tasks", type=int,
                   help="HNET: previous tasks regularized per step (0 = all; k: a subset of k, "
                        "chosen by --reg-choice)")
    p.add_argument("--reg-choice", choices=REG_CHOICES,
                   help="HNET with --reg-tasks k: which k previous tasks a step regularizes: "
                        "cycle (deterministic, each once every ⌈(t-1)/k⌉ steps) or random (k "
                        "drawn per step, as the authors' re-run)")
    p.add_argument("--eval-every", type=int)
    p.add_argument("--replay-beta", type=float, help="HNET+R: β of the replay hypernetwork")
    p.add_argument("--latent-dim", type=int, help="HNET+R: the VAE's latent size")
    p.add_argument("--replay-hidden", type=parse_ints,
                   help="HNET+R: decoder hidden widths (the encoder mirrors them), e.g. 100,100")
    p.add_argument("--classifier-hidden", type=parse_ints,
                   help="HNET+R: task classifier hidden widths, e.g. 100,100")
    p.add_argument("--replay-batch", type=int,
                   help="HNET+R: replayed samples of old tasks per step")
    p.add_argument("--classifier-dropout", type=float,
                   help="HNET+R: input dropout of the task classifier in training, in [0, 1)")
    p.add_argument("--subset", type=int,
                   help="images per class kept for training and testing (split-cifar: a "
                        "reduced version; 0 = all images, the full benchmark)")
    p.add_argument("--data-root", help="benchmarks on files: folder with the datasets "
                                       "(env HNVIZ_DATA)")
    p.add_argument("--download", action="store_true",
                   help="benchmarks on files: download if missing (needs internet)")
    p.add_argument("--device", default=DEFAULT_DEVICE, metavar="{" + ",".join(DEVICE_CHOICES) + "}",
                   help="where to compute: cpu (default), cuda (or cuda:N), auto = cuda when "
                        "available; not part of the run file")


def config_from_args(a: argparse.Namespace) -> RunConfig:
    """The preset of --benchmark/--method with every given option applied."""
    return config_for(a, a.benchmark, a.method)


def config_for(a: argparse.Namespace, benchmark: str, method: str) -> RunConfig:
    """The preset of (benchmark, method) with every given option applied (a sweep over several
    benchmarks or methods starts each from its own preset)."""
    # the target's preset lr (HNET); a long sequence's own preset (`Benchmark.long`)
    cfg = default_config(benchmark, method, a.target, a.n_tasks)
    given = {field: getattr(a, field) for field in strength_fields()}
    given.update({"lr": a.lr, "iters_per_task": a.iters, "batch_size": a.batch_size,
                  "seed": a.seed, "eval_every": a.eval_every, "reg_tasks": a.reg_tasks,
                  "reg_choice": getattr(a, "reg_choice", None)})
    train = {k: v for k, v in given.items() if v is not None}
    for flag in ("lookahead", "multi_head"):
        if getattr(a, flag) is not None:
            train[flag] = getattr(a, flag)
    hnet = {k: v for k, v in {"kind": a.hnet, "emb_dim": a.emb_dim, "hidden": a.hnet_hidden,
                              "activation": getattr(a, "hnet_activation", None),
                              "chunk_size": a.chunk_size, "chunk_emb_dim": a.chunk_emb_dim,
                              "chunk_emb_init_std": getattr(a, "chunk_emb_init_std", None),
                              }.items() if v is not None}
    task = {"seed": a.seed, "n_tasks": a.n_tasks, "download": a.download,
            "scenario": getattr(a, "scenario", DEFAULT_SCENARIO)}
    if a.data_root:
        task["data_root"] = a.data_root
    if a.subset is not None:
        if a.subset < 0:
            raise ConfigError("--subset must be >= 0 images per class (0 = all)")
        task["subset"] = a.subset or None
    target = {"hidden": a.target_hidden} if a.target_hidden else {}
    if a.target:
        target["kind"] = a.target
    replay = {k: v for k, v in {
        "beta": getattr(a, "replay_beta", None), "latent_dim": getattr(a, "latent_dim", None),
        "hidden": getattr(a, "replay_hidden", None),
        "classifier_hidden": getattr(a, "classifier_hidden", None),
        "batch": getattr(a, "replay_batch", None),
        "classifier_dropout": getattr(a, "classifier_dropout", None)}.items() if v is not None}
    return cfg.replace(train=train, hnet=hnet, task=task, target=target, replay=replay)


def add_limit_args(p: argparse.ArgumentParser) -> None:
    """--allow-large: only the absolute caps remain (docs/LIMITS.md)."""
    p.add_argument("--allow-large", action="store_true",
                   help="lift the library's size limits and memory budget (only the absolute "
                        "caps remain; see docs/LIMITS.md)")


def limits_from_args(a: argparse.Namespace) -> Limits:
    """The limits a run from the command line is checked against: LIBRARY, or HARD with
    --allow-large."""
    return HARD if getattr(a, "allow_large", False) else LIBRARY


def check_out_arg(path: str | None, option: str = "--out", folder: bool = False) -> None:
    """ConfigError (exit 2, one line: 'error: --out: ...') if `path` cannot be written
    (`io.check_output_path`: a file, or a folder with folder=True, e.g. `sweep --out`); nothing
    for None. Call it before any work."""
    if path is None:
        return
    try:
        check_output_path(path, folder=folder)
    except OutputPathError as e:
        raise ConfigError(f"{option}: {e}") from None
