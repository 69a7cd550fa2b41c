"""A Plotly slider's position in the URL: the browser-side half of a page's URL state.

The Interpolation walk and the β explorer's scrubber are Plotly animations: frames, a Plotly
slider and ▶ Play run in the browser without a Streamlit rerun, so Python never sees where the
slider is. `follow(chart_key, url, param, on_value)` mounts a hidden component (st.components.v2;
fixed, trusted JavaScript, no user input in it) that watches the slider of the chart drawn with
`key=chart_key`. Each time the slider settles (a drag or click on it, a frame of ▶ Play; debounced)
it

  1. writes the current step's label into the address bar as `?<param>=<label>`
     (history.replaceState), so the link in the address bar is always the view on screen, and
  2. reports the label to Python: `on_value(label)` runs in a rerun of this component's fragment
     only (cheap; the page is not redrawn), so the next full run starts the figure there.

(1) is needed because query parameters written during a fragment rerun do not reach the browser
(Streamlit 1.67). The label is the slider step's text (α "0.75", β "0.005"); the page parses it
and picks the nearest frame. In AppTest nothing is reported (no browser).
"""

from __future__ import annotations

from collections.abc import Callable

import plotly.graph_objects as go
import streamlit as st

from hnviz.ui.url.query import PageUrl

DEBOUNCE_MS = 250

_JS = """
export default function(component) {
  const { data, setStateValue } = component;
  const { chart, param, debounce, drawn } = data;
  let timer = null;
  let last = null;
  const label = (gd) => {
    const s = gd.layout && gd.layout.sliders && gd.layout.sliders[0];
    const step = s && s.steps && s.steps[s.active];
    return step ? String(step.label) : null;
  };
  const settle = (gd) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const value = label(gd);
      if (value === null) return;
      const url = new URL(window.location.href);
      if (url.searchParams.get(param) !== value) {
        url.searchParams.set(param, value);
        window.history.replaceState(window.history.state, "", url.toString());
      }
      if (value !== last) {
        last = value;
        setStateValue("value", value);
      }
    }, debounce);
  };
  const bind = () => {
    document.querySelectorAll(".st-key-" + chart + " .js-plotly-plot").forEach((gd) => {
      // plotly keeps listeners in gd._ev; a redraw that purges the plot makes a new one
      if (!gd._ev || gd.__hnvizSliderUrl === gd._ev || typeof gd.on !== "function") return;
      gd.__hnvizSliderUrl = gd._ev;
      for (const ev of ["plotly_sliderchange", "plotly_animatingframe", "plotly_animated"]) {
        gd.on(ev, () => settle(gd));
      }
      // moved before this component could listen (it mounts after the chart; a loaded
      // machine can leave seconds between them): catch up with the slider now
      const now = label(gd);
      if (drawn !== null && now !== null && now !== drawn) settle(gd);
    });
  };
  bind();
  const poll = setInterval(bind, 400);  // the chart is redrawn (a new div) on every page run
  return () => { clearInterval(poll); clearTimeout(timer); };
}
"""

_component = st.components.v2.component("hnviz_slider_url", js=_JS)


def drawn_label(fig: go.Figure) -> str | None:
    """The label of the step `fig`'s first slider starts at (what the page drew), or None."""
    sliders = fig.layout.sliders
    if not sliders or not sliders[0].steps:
        return None
    s = sliders[0]
    return str(s.steps[s.active or 0].label)


def follow(chart_key: str, url: PageUrl, param: str, on_value: Callable[[str], None],
           key: str, fig: go.Figure | None = None) -> None:
    """Keep `?param=` (one of the page's keys, `url`) on the slider of the chart with key
    `chart_key` (a key without dots: it is a CSS class), and call `on_value(label)` when it
    moves (see module doc). With `fig` (the figure drawn there), a slider moved before the
    component listened is caught up with as soon as it does. Draws nothing."""
    if param not in url.keys:
        raise ValueError(f"?{param}= is not one of the {url.page} page's query keys")
    drawn = drawn_label(fig) if fig is not None else None

    def changed() -> None:
        value = (st.session_state.get(key) or {}).get("value")
        if value is not None:
            on_value(str(value))

    @st.fragment
    def mount() -> None:
        _component(key=key, data={"chart": chart_key, "param": param, "debounce": DEBOUNCE_MS,
                                     "drawn": drawn},
                   default={"value": None}, on_value_change=changed, height=0)

    mount()
