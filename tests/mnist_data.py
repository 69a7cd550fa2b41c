"""Where the tests find real MNIST, and what they do without it.

The data root is $HNVIZ_TEST_DATA, else `../shared/data` next to the repository (the layout of
the development machine and of CI: `<root>/MNIST/raw/` with torchvision's four IDX files). The
files are never copied into the repository.

Without them a test that needs them is skipped with the reason, unless HNVIZ_MNIST_REQUIRED=1
(`.ci/run` sets it when `../shared/data` exists): then it fails, so CI cannot pass by skipping.

    root = mnist_root()   # a data root holding MNIST (str), or skip / fail saying why not
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ENV_ROOT = "HNVIZ_TEST_DATA"
ENV_REQUIRED = "HNVIZ_MNIST_REQUIRED"
DEFAULT_ROOT = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


def data_root() -> Path:
    """$HNVIZ_TEST_DATA, else ../shared/data beside the repository (resolved)."""
    return Path(os.environ.get(ENV_ROOT) or DEFAULT_ROOT).resolve()


def mnist_root() -> str:
    """The data root (a str for `--data-root` / `TaskConfig.data_root`) if it holds MNIST; else
    skip the test with the reason, or fail when HNVIZ_MNIST_REQUIRED=1."""
    from hnviz.core.datasets_torchvision import missing_reason

    root = data_root()
    reason = missing_reason("MNIST", str(root))
    if reason is None:
        return str(root)
    why = f"real MNIST is not available ({reason}; set {ENV_ROOT} to a data root holding it)"
    if os.environ.get(ENV_REQUIRED) == "1":
        pytest.fail(f"{why} ({ENV_REQUIRED}=1: failing instead of skipping)")
    pytest.skip(why)
