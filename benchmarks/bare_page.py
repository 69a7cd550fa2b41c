"""The baseline page for fresh-load figures: a bare Streamlit page (a title and one line), so
bench_live.py can report the app's first page load as a ratio against what Streamlit itself costs
in the same browser on the same machine (JS bundle download and parse, websocket, first run)."""

import streamlit as st

st.title("Bare Streamlit page")
st.write("The baseline for a fresh session's first page load.")
