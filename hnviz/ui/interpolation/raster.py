"""A heatmap drawn as a picture: a Plotly layout image instead of a heatmap trace.

Plotly animates frames with `redraw=False` by moving scatter traces only; a heatmap *trace*
is not redrawn and vanishes from the figure while the animation runs (plotly.js #4491). A layout
image is not a trace, so an animated figure keeps it. `heatmap_image` turns z [G_v, G_u] into
such an image (colours from a Plotly colour scale, a PNG data URI made with numpy and zlib);
`colorbar_trace` gives it the colour bar a heatmap would have had.
"""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Sequence

import numpy as np
import plotly.colors as pcolors
import plotly.graph_objects as go


def _rgb(color: str) -> tuple[float, float, float]:
    if color.startswith("#"):
        return tuple(float(c) for c in pcolors.hex_to_rgb(color))
    return tuple(float(c) for c in pcolors.unlabel_rgb(color))


def scale_stops(colorscale: str | Sequence) -> tuple[np.ndarray, np.ndarray]:
    """A Plotly colour scale (name or [[position, colour], ...]) as positions [S] and RGB
    [S, 3] (0-255)."""
    scale = pcolors.get_colorscale(colorscale) if isinstance(colorscale, str) else colorscale
    pos = np.asarray([float(p) for p, _ in scale])
    rgb = np.asarray([_rgb(c) for _, c in scale])
    return pos, rgb


def colorize(z: np.ndarray, colorscale: str | Sequence, zmin: float, zmax: float
             ) -> np.ndarray:
    """z [H, W] -> RGBA [H, W, 4] uint8 as Plotly colours a heatmap with this scale and
    zmin/zmax (values beyond them take the end colours); NaN is transparent."""
    pos, rgb = scale_stops(colorscale)
    z = np.asarray(z, np.float64)
    t = np.clip((z - zmin) / (zmax - zmin if zmax > zmin else 1.0), 0.0, 1.0)
    t = np.where(np.isfinite(z), t, 0.0)
    out = np.empty(z.shape + (4,), np.uint8)
    for c in range(3):
        out[..., c] = np.round(np.interp(t, pos, rgb[:, c])).astype(np.uint8)
    out[..., 3] = np.where(np.isfinite(z), 255, 0)
    return out


def png_data_uri(rgba: np.ndarray) -> str:
    """RGBA [H, W, 4] uint8 -> 'data:image/png;base64,…' (8-bit RGBA, no filtering)."""
    h, w = rgba.shape[:2]
    raw = b"".join(b"\x00" + rgba[r].tobytes() for r in range(h))  # filter byte 0 per row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def extent(u: np.ndarray, v: np.ndarray) -> tuple[list[float], list[float]]:
    """The x and y ranges a heatmap over the grid u [G_u], v [G_v] covers (cell edges)."""
    du = float(u[1] - u[0]) if len(u) > 1 else 1.0
    dv = float(v[1] - v[0]) if len(v) > 1 else 1.0
    return ([float(u[0]) - du / 2, float(u[-1]) + du / 2],
            [float(v[0]) - dv / 2, float(v[-1]) + dv / 2])


def heatmap_image(u: np.ndarray, v: np.ndarray, z: np.ndarray, colorscale: str | Sequence,
                  zmin: float, zmax: float, xref: str = "x", yref: str = "y",
                  opacity: float = 1.0) -> dict:
    """A layout image drawing z [G_v, G_u] (z[i, j] at (u_j, v_i)) over the cells a heatmap
    would fill, below the traces."""
    xr, yr = extent(u, v)
    rgba = colorize(np.asarray(z)[::-1], colorscale, zmin, zmax)  # row 0 = the top (largest v)
    return dict(source=png_data_uri(rgba), xref=xref, yref=yref, x=xr[0], y=yr[1],
                sizex=xr[1] - xr[0], sizey=yr[1] - yr[0], xanchor="left", yanchor="top",
                sizing="stretch", layer="below", opacity=opacity)


def colorbar_trace(colorscale: str | Sequence, zmin: float, zmax: float, colorbar: dict,
                   xaxis: str = "x", yaxis: str = "y") -> go.Scatter:
    """An invisible trace that only draws a colour bar (for a heatmap drawn as an image)."""
    return go.Scatter(x=[None], y=[None], mode="markers", xaxis=xaxis, yaxis=yaxis,
                      showlegend=False, hoverinfo="skip",
                      marker=dict(color=[zmin], colorscale=colorscale, cmin=zmin, cmax=zmax,
                                  showscale=True, colorbar=colorbar))
