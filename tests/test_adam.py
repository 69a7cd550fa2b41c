"""hnviz's Adam (core/adam.py) is torch.optim.Adam(fused=True): same numbers, same state format."""

import copy
import subprocess
import sys

import torch

from hnviz.core.adam import Adam
from hnviz.core.trainer import make_optimizer


def _params(seed: int) -> list[torch.nn.Parameter]:
    g = torch.Generator().manual_seed(seed)
    return [torch.nn.Parameter(torch.randn(*s, generator=g)) for s in ((7, 5), (5,), (3,))]


def _run(opt_of, steps: int, skip_last_from: int = 3) -> tuple[list[torch.Tensor], object]:
    """`steps` steps of a fixed loss; the last tensor gets no gradient from step
    `skip_last_from` on (like a frozen task embedding)."""
    ps = _params(0)
    opt = opt_of(ps)
    for s in range(steps):
        loss = (ps[0].sin().sum() * (s + 1) + ps[1].pow(2).sum()
                + (ps[2].exp().sum() if s < skip_last_from else 0.0))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return [p.detach().clone() for p in ps], opt


def test_steps_equal_torch_fused_adam_bit_for_bit():
    ours, a = _run(lambda ps: Adam(ps, 1e-2), 8)
    ref, b = _run(lambda ps: torch.optim.Adam(ps, lr=1e-2, fused=True), 8)
    for x, y in zip(ours, ref, strict=True):
        assert torch.equal(x, y)
    assert not torch.equal(ours[0], _params(0)[0])  # it did move
    sa, sb = a.state_dict(), b.state_dict()
    assert sa["param_groups"][0] == sb["param_groups"][0]
    for i in sb["state"]:
        for k in ("step", "exp_avg", "exp_avg_sq"):
            assert torch.equal(sa["state"][i][k], sb["state"][i][k]), (i, k)
    assert float(sa["state"][2]["step"]) == 3.0  # no gradient, no step


def test_state_dict_moves_between_the_two_both_ways():
    """A run file's optimizer state written by either loads into the other and continues
    with the same numbers."""
    _, ref_opt = _run(lambda ps: torch.optim.Adam(ps, lr=1e-2, fused=True), 4)
    sd = ref_opt.state_dict()
    for make_from, make_to in ((lambda ps: torch.optim.Adam(ps, lr=1e-2, fused=True), Adam),
                               (lambda ps: Adam(ps, 1e-2),
                                lambda ps, lr: torch.optim.Adam(ps, lr=lr, fused=True))):
        ps_a, ps_b = _params(1), _params(1)
        a, b = make_from(ps_a), make_to(ps_b, 1e-2)
        a.load_state_dict(sd)
        b.load_state_dict(copy.deepcopy(a.state_dict()))  # as through a run file
        for opt, ps in ((a, ps_a), (b, ps_b)):
            opt.zero_grad()
            (ps[0].sum() + ps[1].sum() + ps[2].sum()).backward()
            opt.step()
        for x, y in zip(ps_a, ps_b, strict=True):
            assert torch.equal(x, y)


def test_zero_grad_without_set_to_none_keeps_zeroed_tensors():
    ps = _params(2)
    opt = Adam(ps, 1e-3)
    ps[0].sum().backward()
    opt.zero_grad(set_to_none=False)
    assert ps[0].grad is not None and not ps[0].grad.any() and ps[1].grad is None


def test_trainer_optimizer_is_ours_on_the_cpu():
    assert isinstance(make_optimizer(_params(3), 1e-3), Adam)


def test_training_never_imports_torch_dynamo():
    """The reason for core/adam.py: a CLI run's first step pays no torch._dynamo import."""
    code = ("import sys\n"
            "from hnviz.core.presets import default_config\n"
            "from hnviz.core.trainer import Trainer\n"
            "cfg = default_config('regression1d', 'hnet')\n"
            "tr = Trainer(cfg)\n"
            "tr.advance(3)\n"
            "assert tr.opt is not None\n"
            "print('torch._dynamo' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"
