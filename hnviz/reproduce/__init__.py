"""`python -m hnviz reproduce`: the paper's experiments that exist here, one table (see
experiments.py for the registry, run.py for running and tabulating, cli.py for the command)."""
