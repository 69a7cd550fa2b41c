"""hnviz: a browser lab for continual learning with task-conditioned hypernetworks."""

__version__ = "0.1.0"
