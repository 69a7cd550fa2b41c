"""What users name, shown as text: run and sweep names, uploaded file names, link values and
messages that quote them. Streamlit renders Markdown in st.markdown, captions, alerts, headers
and labels (links, images that the visitor's browser fetches, `:red[…]`, LaTeX), and Plotly
renders a subset of HTML in titles and legends; a name is never either.

    cut(s, n)     one line (control characters become spaces), at most n characters ("…")
    md(s, n)      cut, then backslash-escaped wherever Markdown could start something: the
                  characters of links and images ([ ]), emphasis (* and _ at a word's edge),
                  code, HTML, headings, strike-through, tables, Streamlit's `:color[…]`
                  directives (their [), LaTeX ($), autolinks (`://`, `www.`, `a@b`) and a
                  list marker at the start; what cannot start anything (`snake_case`, `a: b`,
                  `x=-1`) is left as typed
    html(s, n)    cut, then HTML-escaped (Plotly text)

Every page that puts a user's string into Markdown or a figure goes through these
(tests/test_hostile_names.py opens the pages with hostile links and names).
"""

from __future__ import annotations

import html as _html
import re

NAME_CHARS = 80  # names in headings, notes and legends
VALUE_CHARS = 40  # a link's value quoted in a note
MESSAGE_CHARS = 400  # an error message

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_SPECIAL = re.compile(r"([\\`*\[\]<>#~$@|{}]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])|:(?=/))")
_WWW = re.compile(r"(?i)(www)\.")
_LIST = re.compile(r"^(\s*\d*)([-+.)])")


def cut(s: object, n: int = NAME_CHARS) -> str:
    """`s` as one line of at most `n` characters (the rest replaced by "…")."""
    text = _CONTROL.sub(" ", str(s))
    return text if len(text) <= n else text[: max(0, n - 1)] + "…"


def md(s: object, n: int = NAME_CHARS) -> str:
    """`s` cut to `n` characters and escaped so that Streamlit's Markdown shows it as typed."""
    text = _SPECIAL.sub(r"\\\1", cut(s, n))
    text = _WWW.sub(r"\1\\.", text)
    return _LIST.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def html(s: object, n: int = NAME_CHARS) -> str:
    """`s` cut to `n` characters and HTML-escaped (Plotly titles, legends, hover text)."""
    return _html.escape(cut(s, n), quote=True)


def value(s: object) -> str:
    """A link's value quoted in a message (plain text: escape it where it is shown)."""
    return repr(cut(s, VALUE_CHARS))
