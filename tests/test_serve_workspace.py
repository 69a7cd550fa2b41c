"""RunHandle states in a Workspace: what a page reads of a run before, while and after it is
trained in the pool."""

from __future__ import annotations

import numpy as np

from hnviz.analysis.views import train_extras
from hnviz.core.io import load_run
from hnviz.live import InlinePool, Limits
from hnviz.serve.userstore import UserStore
from hnviz.serve.workspace import Workspace
from tests.live_helpers import fresh_bytes, reference, toy_cfg, wait_until

TOKEN = "t" * 32


def test_a_run_that_trained_and_left_the_pool_shows_its_final_state(tmp_path) -> None:
    """Read while static (untrained), trained in the pool, settled: the handle's extras, model
    and version are the finished run's, not a cached copy of its start."""
    cfg = toy_cfg(iters=60)
    with InlinePool(Limits(workers=0)) as pool:
        assert pool.ready(60)
        ws = Workspace(TOKEN, UserStore(tmp_path, TOKEN), lambda: pool)
        h = ws.add_file(fresh_bytes(cfg), "toy", "file")
        before = (h.version, np.asarray(h.extras()["preds"]))
        assert h.trainer().global_step == 0
        ws.play(h)
        assert wait_until(lambda: h.view().done, 60)
        ws.settle(h)
        assert not h.hosted
        final = reference(cfg)
        assert h.trainer().global_step == final.global_step
        assert h.version != before[0]
        preds = np.asarray(h.extras()["preds"])
        np.testing.assert_allclose(preds, train_extras(final)["preds"], rtol=1e-5, atol=1e-6)
        assert not np.allclose(preds, before[1])
        assert load_run(h.data())[0].global_step == final.global_step
