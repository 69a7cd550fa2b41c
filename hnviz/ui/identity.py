"""Who this browser is: a random token in a cookie, so that a reload or a second tab finds the
same user's runs and saved files, and no other browser does.

The token (24 random bytes, URL-safe) is made on a browser's first visit and written into a
cookie by a line of JavaScript; Streamlit sends the browser's cookies with every new session
(`st.context.cookies`). The server never shows it and stores files under a hash of it
(hnviz.serve.userstore). A browser that refuses cookies simply gets a fresh token per session.
"""

from __future__ import annotations

import secrets

import streamlit as st

from hnviz.serve.userstore import valid_token
from hnviz.ui import state

COOKIE = "hnviz_user"
MAX_AGE_S = 365 * 24 * 3600
_KEY = "user_token"


def _cookie_token() -> str | None:
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # noqa: BLE001 - no client context (bare mode, AppTest)
        return None
    return value if valid_token(value) else None


def user_token() -> str:
    """This session's user token (from the cookie, else a new one, then remembered)."""
    token = state.get(_KEY)
    if token:
        return token
    token = _cookie_token()
    if token is None:
        token = secrets.token_urlsafe(24)
        state.put("set_cookie", True)
    state.put(_KEY, token)
    return token


def write_cookie() -> None:
    """Send the cookie to the browser once per new token (call where a zero-height element
    does not disturb the layout, e.g. at the end of the sidebar)."""
    if not state.get("set_cookie"):
        return
    token = user_token()
    st.html(f"<script>document.cookie = '{COOKIE}={token}; path=/; max-age={MAX_AGE_S}; "
            "SameSite=Lax';</script>", unsafe_allow_javascript=True, width=1)
    state.put("set_cookie", False)
