"""A point e in embedding space: the one value type the Embedding space and Interpolation pages
pass around (a clicked point, an interpolation endpoint, a point named in a URL).

    EmbeddingPoint(emb=(e_1, …, e_D), uv=(u, v) | None)

`emb` holds the D coordinates as float32 values (stored as a tuple of Python floats, each exactly
a float32, so the point is hashable and is its own cache key); `uv` holds the plane coordinates
when the point was picked on a plane (`landscape.Plane`: e = origin + u·b₁ + v·b₂). A point is
built once, from where it comes from:

    EmbeddingPoint.of(emb [D])                        an array (a learned task embedding, …)
    EmbeddingPoint.on_plane(plane, (u, v))             plane coordinates
    EmbeddingPoint.from_click(point, plane)            a Plotly selection point (customdata [u, v])
    EmbeddingPoint.from_url("0.1,-0.2", dim, plane)    a URL value (`to_url()` writes it)

and read once, as `to_array()` ([D] float32: what the hypernetwork takes). No float64 round trip:
a click on the plane's grid gives exactly the embedding that grid point was evaluated at.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

MAX_DIM = 4096  # coordinates a URL value may hold (the app's emb_dim limit is far below)
MAX_ABS = 1e6  # |coordinate| a URL value may hold
MAX_URL_CHARS = 64 * MAX_DIM


def _f32(values) -> tuple[float, ...]:
    return tuple(float(x) for x in np.asarray(values, dtype=np.float32).ravel())


@dataclass(frozen=True)
class EmbeddingPoint:
    emb: tuple[float, ...]  # [D] float32 values
    uv: tuple[float, float] | None = None  # plane coordinates, when picked on a plane

    def __post_init__(self) -> None:
        emb = _f32(self.emb)
        if not emb:
            raise ValueError("an embedding point needs at least one coordinate")
        if not all(math.isfinite(x) for x in emb):
            raise ValueError("embedding coordinates must be finite")
        object.__setattr__(self, "emb", emb)
        if self.uv is not None:
            u, v = _f32(self.uv)
            object.__setattr__(self, "uv", (u, v))

    # ------------------------------------------------------------------ constructors
    @classmethod
    def of(cls, emb, uv: Sequence[float] | None = None) -> EmbeddingPoint:
        """From an embedding [D] (any float dtype; stored as float32)."""
        return cls(_f32(emb), None if uv is None else tuple(uv))

    @classmethod
    def on_plane(cls, plane, uv: Sequence[float]) -> EmbeddingPoint:
        """The point with plane coordinates (u, v): e = plane.to_emb([u, v])."""
        uv32 = np.asarray(uv, dtype=np.float32).reshape(1, 2)
        return cls(_f32(plane.to_emb(uv32)[0]), (float(uv32[0, 0]), float(uv32[0, 1])))

    @classmethod
    def from_click(cls, point: Mapping, plane) -> EmbeddingPoint | None:
        """From a point of `st.plotly_chart`'s selection event: its customdata [u, v] (a list, or
        a dict {"0": u, "1": v} when plotly sent a typed array), else its x / y. None when the
        point carries no usable coordinates."""
        cd = point.get("customdata")
        try:
            if isinstance(cd, Mapping):
                uv = (float(cd["0"]), float(cd["1"]))
            elif isinstance(cd, (list, tuple)) and len(cd) >= 2:
                uv = (float(cd[0]), float(cd[1]))
            else:
                uv = (float(point["x"]), float(point["y"]))
        except (KeyError, TypeError, ValueError):
            return None
        if not all(math.isfinite(x) for x in uv):
            return None
        return cls.on_plane(plane, uv)

    @classmethod
    def from_url(cls, text: str, dim: int, plane=None) -> tuple[EmbeddingPoint | None, str | None]:
        """Parse "e_1,…,e_D" (what `to_url` writes): (the point, None), or (None, why not) in
        one line. With a plane (D >= 2), `uv` is the point's projection onto it."""
        raw = str(text).strip()
        if len(raw) > MAX_URL_CHARS:
            return None, "is too long"
        parts = [p for p in raw.split(",") if p.strip()]
        if len(parts) != dim:
            return None, f"has {len(parts)} coordinates; this run's embeddings have {dim}"
        try:
            vals = [float(p) for p in parts]
        except ValueError:
            return None, "is not a list of numbers"
        if not all(math.isfinite(x) and abs(x) <= MAX_ABS for x in vals):
            return None, f"has a coordinate that is not a finite number up to {MAX_ABS:g}"
        emb = np.asarray(vals, dtype=np.float32)
        uv = None
        if plane is not None and dim >= 2:
            uv = tuple(float(x) for x in plane.to_plane(emb[None])[0])
        return cls(_f32(emb), uv), None

    # ------------------------------------------------------------------ readers
    @property
    def dim(self) -> int:
        return len(self.emb)

    def to_array(self) -> np.ndarray:
        """[D] float32: the embedding the hypernetwork takes."""
        return np.asarray(self.emb, dtype=np.float32)

    def to_url(self) -> str:
        """"e_1,…,e_D", each the shortest text that reads back as the same float32."""
        return ",".join(str(np.float32(x)) for x in self.emb)

    def coords_text(self) -> str:
        """'(0.10, -0.20)': the plane coordinates, else the embedding (up to 4 coordinates)."""
        xs = self.uv if self.uv is not None else self.emb
        if len(xs) > 4:
            return f"({', '.join(f'{x:.2f}' for x in xs[:3])}, … {len(xs)}-D)"
        return f"({', '.join(f'{x:.2f}' for x in xs)})"
