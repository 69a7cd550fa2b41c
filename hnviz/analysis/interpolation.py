"""Walks through embedding space: from task i's embedding a to task j's embedding b.

Linear:     e(α) = (1 − α)·a + α·b
Spherical:  e(α) = sin((1 − α)Ω)/sin Ω · a + sin(αΩ)/sin Ω · b,   cos Ω = a·b / (‖a‖ ‖b‖)
            (slerp, Shoemake 1985; as used for latent walks by White 2016). It follows the great
            arc between the directions of a and b; the norm varies smoothly between ‖a‖ and ‖b‖.
            For (nearly) parallel or antipodal a, b the arc is undefined and it falls back to the
            linear path.

Both reproduce the endpoints exactly (α = 0 → a, α = 1 → b: the coefficients are exactly 1 and 0
in floating point), so the networks generated at the ends of a path are the tasks' own networks.
α outside [0, 1] extrapolates beyond the endpoints. Paths keep the endpoints' precision
(float32 embeddings give a float32 path; float64 only when an endpoint is float64).
"""

from __future__ import annotations

import numpy as np

KINDS = ("linear", "spherical")
_EPS = 1e-6


def alpha_grid(steps_per_unit: int = 20, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
    """α values from lo to hi in steps of 1/steps_per_unit, with 0 and 1 hit exactly
    (α = i / steps_per_unit for integer i). [A] float64."""
    s = int(steps_per_unit)
    if s < 1 or hi <= lo:
        raise ValueError("need steps_per_unit >= 1 and lo < hi")
    return np.arange(int(np.floor(lo * s + 1e-9)), int(np.ceil(hi * s - 1e-9)) + 1) / s


def _endpoints(a, b) -> tuple[np.ndarray, np.ndarray]:
    """a, b as arrays of one float dtype: float32 unless either is float64."""
    a, b = np.asarray(a), np.asarray(b)
    dt = np.result_type(a.dtype, b.dtype, np.float32)
    return a.astype(dt, copy=False), b.astype(dt, copy=False)


def lerp(a: np.ndarray, b: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """e(α) = (1 − α)·a + α·b.  a, b [D], alphas [A] -> [A, D] (the endpoints' dtype)."""
    a, b = _endpoints(a, b)
    al = np.asarray(alphas, dtype=a.dtype)[:, None]  # [A, 1]
    return (1 - al) * a + al * b


def slerp_angle(a: np.ndarray, b: np.ndarray) -> float:
    """Ω, the angle between a and b in radians (0 when either is the zero vector)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na < _EPS or nb < _EPS:
        return 0.0
    return float(np.arccos(np.clip(np.dot(a, b) / (na * nb), -1.0, 1.0)))


def slerp(a: np.ndarray, b: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """e(α) = sin((1 − α)Ω)/sin Ω · a + sin(αΩ)/sin Ω · b.  a, b [D], alphas [A] -> [A, D].

    Falls back to `lerp` when sin Ω ≈ 0 (parallel or antipodal directions)."""
    a, b = _endpoints(a, b)
    omega = a.dtype.type(slerp_angle(a, b))
    so = np.sin(omega)
    if so < _EPS:
        return lerp(a, b, alphas)
    al = np.asarray(alphas, dtype=a.dtype)[:, None]  # [A, 1]
    return np.sin((1 - al) * omega) / so * a + np.sin(al * omega) / so * b


def interpolate(a: np.ndarray, b: np.ndarray, alphas: np.ndarray,
                kind: str = "linear") -> np.ndarray:
    """The path of embeddings [A, D] for `kind` in KINDS."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    return lerp(a, b, alphas) if kind == "linear" else slerp(a, b, alphas)


def is_degenerate_slerp(a: np.ndarray, b: np.ndarray) -> bool:
    """True when slerp falls back to the linear path for these endpoints."""
    return np.sin(slerp_angle(np.asarray(a, float), np.asarray(b, float))) < _EPS
