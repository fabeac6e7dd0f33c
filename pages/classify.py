"""Classify: what the bundled models say about the chosen music."""

from __future__ import annotations

import streamlit as st

from ui.input_panel import input_panel

st.title("Classify")
st.caption("Which of ten genres is this? Four models answer side by side.")

selection = input_panel()
st.info(
    "The four genre models (KNN on hand-made features, a CNN on log-mel spectrograms, an "
    "LSTM on MFCC sequences and a transfer model on the pretrained musicnn network) are "
    "being trained and are not bundled yet, so this page cannot classify. Meanwhile the "
    "**Audio features** page shows what the models will look at."
)
if selection is not None:
    st.page_link("pages/audio_features.py", label="Open the Audio features page", icon=":material/graphic_eq:")
