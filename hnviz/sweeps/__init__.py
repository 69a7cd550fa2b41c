"""Sweeps: a grid of runs trained in parallel, locally or on a cluster, into a folder of run files
and a manifest (`sweep.json`, read by `hnviz.analysis.sweeps`).

    grid.py         the grid: benchmarks × methods × values of config fields × seeds
    manifest.py     the manifest as the client writes it (atomically), and resume
    one_run.py      one grid point, trained on a worker, returned as bytes + record
    backends.py     the backend interface and its events; open_backend(name)
    local.py        worker processes on this machine (default)
    inline.py       this process, one run after another (debugging, tests)
    dask_backend.py a Dask cluster (--address) or a LocalCluster
    ray_backend.py  a Ray cluster (--address) or a local Ray
    engine.py       run_sweep: resume, submit, retry lost runs, record results
    progress.py     the terminal's progress bars
    cli.py          `python -m hnviz sweep`
"""

from .engine import run_sweep
from .grid import Grid, make_grid

__all__ = ["Grid", "make_grid", "run_sweep"]
