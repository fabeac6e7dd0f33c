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

__all__ = ["warm_up_in_background", "serialise_ast_parse"]

#: Held by every ``ast.parse`` once :func:`serialise_ast_parse` has run.
AST_LOCK = threading.RLock()


def serialise_ast_parse() -> None:
    """Let one thread at a time run ``ast.parse`` in this process (idempotent).

    CPython 3.11 keeps the AST constructor's recursion depth in state that all threads
    share, so two threads parsing at once can fail with "SystemError: AST constructor
    recursion depth mismatch" (python/cpython#106905 and the reports around it). Here two
    threads do parse at once: Streamlit parses each page's source on its first run (for
    its "magic"), and the warm-up thread imports librosa, whose lazy loader parses a stub
    file (``ast.parse``) for each of its packages. Seen once in the test suite, as a page
    that failed to run. Both call ``ast.parse`` through the module, so wrapping it in a
    lock serialises them; parsing takes milliseconds, so nobody waits long.
    """
    import ast

    if getattr(ast.parse, "_mgc_serialised", False):
        return
    parse = ast.parse

    def serialised(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        with AST_LOCK:
            return parse(*args, **kwargs)

    serialised._mgc_serialised = True  # type: ignore[attr-defined]
    serialised.__doc__ = parse.__doc__
    ast.parse = serialised


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
    serialise_ast_parse()  # before the thread imports librosa (see its docstring)
    thread = threading.Thread(target=_warm, name="mgc-warm-up", daemon=True)
    thread.start()
    return thread
