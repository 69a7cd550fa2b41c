"""The engine's errors that users see, each a one-line message. A leaf: imports nothing.

    ConfigError    a config (dict, URL, form, CLI flags) that does not describe an admissible
                   run: names the offending field, or the limit it passes
    RunFileError   a run file that cannot be loaded: says why

`config`, `run_checks` and `io` re-export them (`from hnviz.core.config import ConfigError`,
`from hnviz.core.io import RunFileError`), so callers import them from where they meet them.
"""

from __future__ import annotations


class ConfigError(ValueError):
    """A config dict that does not describe a valid run (names the offending field)."""


class RunFileError(ValueError):
    """A run file that cannot be loaded; the message says why, in one line."""
