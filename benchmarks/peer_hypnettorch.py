"""The peer side of `bench_peer.py`: HNET continual learning written with hypnettorch 0.0.4,
the authors' library (von Oswald, Henning et al.), the way its own example script
(`hypnettorch/examples/hypercl/run.py`) does it:

    mnet = MLP(n_in, n_out, hidden, no_weights=True)            # target, weights come from hnet
    hnet = HMLP | ChunkedHMLP(mnet.param_shapes, num_cond_embs=T, ...)
    per task t:  targets = hreg.get_current_targets(t, hnet)     # snapshot f_h(e_t', θ*), t' < t
                 fresh Adam; per step:
                 W = hnet.forward(cond_id=t); Y = mnet.forward(x, weights=W)
                 loss = CE(Y, y) + β · hreg.calc_fix_target_reg(hnet, t, targets=targets, ...)

`calc_fix_target_reg` is the paper's output regularizer 1/(t) Σ_{t'<t} ‖f_h(e_t', θ*) − f_h(e_t', θ)‖²;
hypnettorch evaluates it with one hypernet forward per previous task (a Python loop), and
`batch_size` picks a random subset of previous tasks (hnviz's `reg_tasks`).

The data are hnviz's own task tensors (`hnviz.core.tasks.build_tasks`), so both sides train and
test on identical numbers; accuracy metrics are hnviz's (`hnviz.core.metrics.summarize`, same R
matrix definition). Mini-batches: `batch_size` indices drawn with replacement per step from a
seeded generator (hnviz draws the same way).

Usage (one run, prints ONE JSON line on stdout; `bench_peer.py` calls it as a subprocess):
    python benchmarks/peer_hypnettorch.py '{"benchmark": "split-digits", ...}'

Spec keys (all required; see bench_peer.peer_spec):
    benchmark, n_tasks (null = default), seed, iters, eval_every, batch_size, lr, beta,
    reg_tasks (0 = all previous tasks, k = random subset of k per step),
    heads ("multi": one output head per task inside every generated network, hnviz's HNET target
           today; "single": each generated network holds only its task's head, the paper's),
    target_hidden [..], hnet {kind: "mlp"|"chunked", hidden [..], emb_dim, chunk_size,
    chunk_emb_dim}, opt_params ("theta+emb": θ_h and the current task embedding, previous ones
    frozen, as hnviz and the original hypercl code; "all": hnet.parameters(), as the hypnettorch
    example), eval ("seen": every eval_every steps all tasks seen so far, as hnviz's Trainer;
    "current": only the current task, as the hypnettorch example's `evaluate`).

torch 2.14: hypnettorch 0.0.4 runs unchanged (no monkeypatch needed; checked with torch 2.14.1).
It imports matplotlib at import time, hence that development requirement.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from hypnettorch.hnets import HMLP, ChunkedHMLP  # noqa: E402
from hypnettorch.mnets import MLP  # noqa: E402
from hypnettorch.utils import hnet_regularizer as hreg  # noqa: E402

from hnviz.core.benchmarks import build_tasks  # noqa: E402
from hnviz.core.config import TaskConfig  # noqa: E402
from hnviz.core.metrics import summarize  # noqa: E402


def build_nets(spec: dict, in_dim: int, out_dim: int, n_tasks: int):
    """(mnet, hnet) as hypnettorch builds them; `n_heads` output heads of `out_dim` units."""
    n_heads = n_tasks if spec["heads"] == "multi" else 1
    mnet = MLP(n_in=in_dim, n_out=out_dim * n_heads, hidden_layers=tuple(spec["target_hidden"]),
               no_weights=True, verbose=False)
    h = spec["hnet"]
    common = dict(cond_in_size=h["emb_dim"], layers=tuple(h["hidden"]), num_cond_embs=n_tasks,
                  verbose=False)
    if h["kind"] == "chunked":
        hnet = ChunkedHMLP(mnet.param_shapes, chunk_size=h["chunk_size"],
                           chunk_emb_size=h["chunk_emb_dim"], **common)
    else:
        hnet = HMLP(mnet.param_shapes, **common)
    return mnet, hnet, n_heads


def run(spec: dict) -> dict:
    torch.set_num_threads(1)
    t_start = time.perf_counter()
    seq = build_tasks(TaskConfig(benchmark=spec["benchmark"], n_tasks=spec["n_tasks"],
                                 seed=spec["seed"]))
    T, out_dim = seq.n_tasks, seq.out_dim
    torch.manual_seed(spec["seed"])
    mnet, hnet, n_heads = build_nets(spec, seq.in_dim, out_dim, T)
    gen = torch.Generator().manual_seed(spec["seed"])

    def head(y: torch.Tensor, t: int) -> torch.Tensor:  # [B, out * heads] -> [B, out]
        return y if n_heads == 1 else y[:, t * out_dim:(t + 1) * out_dim]

    @torch.no_grad()
    def accuracy(t: int) -> float:
        tk = seq.tasks[t]
        y = head(mnet.forward(tk.x_test, weights=hnet.forward(cond_id=t)), t)
        return (y.argmax(dim=1) == tk.y_test).float().mean().item()

    R0 = [accuracy(j) for j in range(T)]
    R: list[list[float]] = []
    ms_per_step: list[float] = []
    iters, every, beta = spec["iters"], spec["eval_every"], spec["beta"]
    reg_bs = spec["reg_tasks"] if spec["reg_tasks"] > 0 else None
    t_train = time.perf_counter()
    for t in range(T):
        t0 = time.perf_counter()
        tk = seq.tasks[t]
        n = tk.x_train.shape[0]
        calc_reg = t > 0 and beta > 0
        targets = hreg.get_current_targets(t, hnet) if calc_reg else None
        if spec["opt_params"] == "all":
            params = list(hnet.parameters())
        else:
            params = [*hnet.unconditional_params, hnet.conditional_params[t]]
        opt = torch.optim.Adam(params, lr=spec["lr"])
        for i in range(iters):
            idx = torch.randint(n, (min(spec["batch_size"], n),), generator=gen)
            x, y = tk.x_train[idx], tk.y_train[idx]
            opt.zero_grad()
            W = hnet.forward(cond_id=t)
            loss_task = F.cross_entropy(head(mnet.forward(x, weights=W), t), y)
            loss_reg = 0
            if calc_reg:
                loss_reg = hreg.calc_fix_target_reg(hnet, t, targets=targets, mnet=mnet,
                                                    batch_size=reg_bs)
            loss = loss_task + beta * loss_reg
            loss.backward()
            opt.step()
            if (i + 1) % every == 0 or i + 1 == iters:
                if spec["eval"] == "current":
                    accuracy(t)
                else:
                    [accuracy(j) for j in range(t + 1)]
        R.append([accuracy(j) for j in range(T)])
        ms_per_step.append(1000 * (time.perf_counter() - t0) / iters)
    t_end = time.perf_counter()
    return {
        "side": "peer", **summarize(R, R0), "acc_matrix": R,
        "target_params": mnet.num_params, "hnet_params": hnet.num_params,
        "train_s": t_end - t_train, "setup_s": t_train - t_start,
        "ms_per_step_by_task": ms_per_step, "torch": torch.__version__,
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: peer_hypnettorch.py SPEC_JSON", file=sys.stderr)
        return 2
    print(json.dumps(run(json.loads(argv[0]))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
