"""Imported first by every page, before anything heavy: starts the live-training pool.

Its worker processes then import PyTorch while the first page the server runs is still importing
and drawing, so the first ▶ after a server start does not wait for them (`services.start_pool`;
later pages find it started). Importing this module has that one effect, on purpose.
"""

from hnviz.ui.services import start_pool

start_pool()
