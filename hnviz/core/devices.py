"""Where a run computes: `--device auto|cpu|cuda` (and `cuda:N`) resolved to a torch.device.

The device is a runtime choice, not part of a run's config: a run trained on a GPU is saved with
its tensors on the CPU (`io.run_to_dict`) and loads anywhere; the same config trains the same
initial weights on every device (models are built on the CPU, then moved). CPU is the default
everywhere; `auto` takes the first CUDA GPU when torch sees one.

    resolve_device("auto") -> torch.device("cuda") or torch.device("cpu")
    resolve_device("cuda") -> ConfigError (one line) when no CUDA GPU is usable
    amp_dtype(device)      -> torch.bfloat16 | torch.float16 for mixed precision (`--amp`), CUDA
                              only: ConfigError (one line) on any other device
"""

from __future__ import annotations

import torch

from .config import ConfigError

DEVICE_CHOICES = ("auto", "cpu", "cuda")  # and "cuda:N"
DEFAULT_DEVICE = "cpu"


def cuda_unavailable_reason() -> str | None:
    """Why no CUDA GPU can be used (one line), or None when one can."""
    if torch.version.cuda is None:
        return f"this torch ({torch.__version__}) is a CPU-only build"
    if not torch.cuda.is_available():
        return f"torch {torch.__version__} (CUDA {torch.version.cuda}) sees no CUDA GPU"
    return None


def amp_dtype(device: torch.device) -> torch.dtype:
    """The autocast dtype of mixed precision on `device`: bfloat16 where the GPU has it (no
    loss scaling needed), else float16 (the trainer then scales the loss with a GradScaler).
    CUDA only: on the CPU autocast would make these tiny networks slower, not faster, and it
    was never measured there; ConfigError with a one-line reason."""
    if device.type != "cuda":
        raise ConfigError(f"--amp (mixed precision) needs a CUDA device; this run computes on "
                          f"{device}: drop --amp or use --device cuda")
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def resolve_device(name: str | torch.device | None = None) -> torch.device:
    """"auto" | "cpu" | "cuda" | "cuda:N" (or a torch.device; None = DEFAULT_DEVICE) -> the
    torch.device to compute on. ConfigError with a one-line reason for anything unusable."""
    if isinstance(name, torch.device):
        name = str(name)
    name = (name or DEFAULT_DEVICE).strip().lower()
    if name == "auto":
        return torch.device("cuda" if cuda_unavailable_reason() is None else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda" or name.startswith("cuda:"):
        reason = cuda_unavailable_reason()
        if reason is not None:
            raise ConfigError(f"device {name!r} is not available: {reason}; use --device cpu "
                              "(or auto)")
        try:
            dev = torch.device(name)
        except RuntimeError:
            raise ConfigError(f"device {name!r} is not a device name (cuda or cuda:N)") from None
        count = torch.cuda.device_count()
        if dev.index is not None and dev.index >= count:
            raise ConfigError(f"device {name!r} does not exist: torch sees {count} CUDA GPU(s)")
        return dev
    raise ConfigError(f"device must be one of {', '.join(DEVICE_CHOICES)} or cuda:N, "
                      f"got {name!r}")
