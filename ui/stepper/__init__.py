"""A stepper that keeps up with the keyboard: Previous, a slider and Next over a few choices.

Streamlit's own slider sends a keyboard step to Python only when it loses focus, so quick
arrow presses left it on one segment while the page showed another. This component
(``frontend/index.html``: plain HTML and JS, no network, no build step) shows every
press at once and sends the choice 250 ms after the last one (at once when a drag
ends): one rerun per burst, and the stepper and the page end on the same choice. It
never moves back to an older choice while a rerun that began before the newest one
finishes.

The choice lives in ``st.session_state[key]`` (an int), which the caller may set before
drawing the stepper; the component's own value (``key + "_picked"``) is only the
message that carries a new choice.

Examples
--------
>>> from ui.stepper import stepper                                     # doctest: +SKIP
>>> i = stepper(["0–3 s", "3–6 s"], key="segment_abc")               # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import streamlit as st
import streamlit.components.v1 as components

__all__ = ["stepper"]

FRONTEND = Path(__file__).resolve().parent / "frontend"
_component = components.declare_component("stepper", path=str(FRONTEND))


def _picked(key: str, n: int, on_change: Callable[[], None] | None) -> None:
    """The component sent a choice: keep it (clipped to the choices) as ``key``'s value."""
    value = st.session_state.get(f"{key}_picked")
    if isinstance(value, dict) and isinstance(value.get("i"), int):
        st.session_state[key] = min(max(value["i"], 0), n - 1)
        if on_change is not None:
            on_change()


def stepper(labels: Sequence[str], *, key: str, title: str = "Segment",
            on_change: Callable[[], None] | None = None) -> int:
    """Draw the stepper over ``labels`` and return the index chosen.

    Parameters
    ----------
    labels : sequence of str
        One label per choice, in order (at least one).
    key : str
        Session-state key of the choice (an int index; 0 when unset).
    title : str
        Shown above the slider.
    on_change : callable, optional
        Called (with no arguments, before the rerun) when the user chose another index.

    Returns
    -------
    int
        The index chosen, in ``range(len(labels))``.
    """
    n = len(labels)
    if n == 0:
        raise ValueError("stepper needs at least one label.")
    value = st.session_state.get(key, 0)
    value = min(max(int(value), 0), n - 1) if isinstance(value, int) else 0
    st.session_state[key] = value
    _component(labels=list(labels), value=value, title=title, key=f"{key}_picked",
               default=None, on_change=partial(_picked, key, n, on_change))
    return value
