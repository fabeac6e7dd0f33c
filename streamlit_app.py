"""mgc — music-genre-classification studio. Entry point: ``streamlit run streamlit_app.py``.

A frame only: page config, shared session state, and the pages. Each page's
``url_path`` differs from its file name on purpose: with a ``pages/`` folder present,
Streamlit would otherwise treat a deep link such as ``/audio_features`` as an old-style
(v1) page and show the wrong navigation.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

import mgc_core  # noqa: F401  (sets numba/TensorFlow environment defaults before they load)
from ui.warmup import warm_up_in_background

# The favicon is an SVG of our own, sent inline as a data: URL. A ":material/...:" page
# icon would be fetched from fonts.gstatic.com: the app asks nothing of the internet.
st.set_page_config(
    page_title="mgc — music genre studio", page_icon=Path(__file__).parent / "ui" / "icon.svg",
    layout="wide",
)
st.session_state.setdefault("selection", None)
warm_up_in_background()

pages = [
    st.Page("pages/classify.py", title="Classify", icon=":material/label:", default=True),
    st.Page(
        "pages/audio_features.py", title="Audio features", icon=":material/graphic_eq:",
        url_path="features",
    ),
    st.Page("pages/models.py", title="Models", icon=":material/leaderboard:",
            url_path="evaluation"),
    st.Page("pages/dataset.py", title="Dataset", icon=":material/dataset:", url_path="explore"),
    st.Page("pages/lab.py", title="Lab", icon=":material/science:", url_path="train"),
    st.Page("pages/about.py", title="About", icon=":material/info:", url_path="info"),
]
st.navigation(pages, position="top").run()  # in the header; a narrow screen: a sidebar menu
