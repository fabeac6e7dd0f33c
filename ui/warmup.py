"""Warm the analysis code once per server process, in the background.

Even with numba's on-disk cache filled at set-up time (``python -m mgc_core warmup``),
a new process spends a few seconds loading librosa's compiled kernels on its first
STFT and beat tracking, and more loading the models (LiteRT interpreters; TensorFlow is
never imported by the app) and running the networks the first time. Starting that work
when the first page is served, in a background thread, means it is done by the time a person has
chosen some music. The models are loaded into the app's own model cache
(:func:`ui.results.run_classify`, the call the Classify page makes), so every session
then shares them.
"""

from __future__ import annotations

import threading

import streamlit as st

__all__ = ["warm_up_in_background"]


def _warm() -> None:
    from mgc_core import features
    from mgc_core.audio import Audio
    from mgc_core.audio.signals import make_signal
    from mgc_core.errors import MGCError
    from ui.results import run_classify

    # What the first verdict needs comes first: the models (LiteRT, no TensorFlow) into
    # the app's cache and one short classification (librosa's kernels for the KNN's
    # features, the networks' first runs); then the Audio features page's kernels.
    audio = Audio(make_signal("drum_pattern", sr=22050, duration=6.0), sr=22050)
    try:
        run_classify(audio.key, audio)
    except MGCError:
        pass  # models not bundled: the Classify page says which command builds them
    features.warm_up()


@st.cache_resource(show_spinner=False)
def warm_up_in_background() -> threading.Thread:
    """Start the warm-up thread once per process and return it."""
    # Import pandas fully here, before the thread starts: should a library the thread
    # imports import pandas too, plotly takes whatever sys.modules holds, so a page
    # drawing a chart meanwhile could get a half-initialised pandas.
    import pandas  # noqa: F401
    thread = threading.Thread(target=_warm, name="mgc-warm-up", daemon=True)
    thread.start()
    return thread
