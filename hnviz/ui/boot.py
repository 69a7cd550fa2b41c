"""Imported first by every page, before anything heavy: starts the live-training pool, and warms
the rest of the server's shared state in the background.

The pool's worker processes then import PyTorch while the first page the server runs is still
importing and drawing, so the first ▶ after a server start does not wait for them
(`services.start_pool`). A daemon thread meanwhile builds the services (the users' workspaces)
and parses the bundled demos, which a session's first workspace needs: otherwise a page that did
not need them yet (the lecture's live step) paid for them in its first ▶ (~1-3 s on a loaded
machine). Later pages find everything started. Importing this module has these effects, on
purpose; each runs once per process.
"""

import threading

from hnviz.ui.services import start_pool, warm_up

start_pool()
threading.Thread(target=warm_up, daemon=True, name="hnviz-warm-up").start()
