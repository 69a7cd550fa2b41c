"""Core engine: tasks, target and hyper networks, methods, trainer, metrics, run files.

Importing it applies hnviz's CPU threading policy (one intra-op thread; see `threads.py`)."""

from . import threads as _threads

_threads.configure()
