"""One moving playhead: a player whose position moves one line across the waveform, the
spectrogram and the genre timeline; a click on any of them plays from that moment.

Streamlit tells Python nothing of a player's position, and draws each chart on its
own, so this is one custom component (``frontend/index.html``: plain HTML and JS, no
network, no build step) that draws its three strips itself and plays the audio with an
HTML5 ``<audio>`` element. Python prepares the data
(:func:`mgc_core.plotting.playhead.audio_payload`, cached by the audio's content key,
and :func:`~mgc_core.plotting.playhead.timeline_payload`); the component reports a
click's time back (never the position while it plays).

Examples
--------
>>> from ui.playhead import playhead                       # doctest: +SKIP
>>> playhead(audio, result)                                 # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st
import streamlit.components.v1 as components

from mgc_core.errors import MGCError
from mgc_core.plotting.playhead import audio_payload, timeline_payload

if TYPE_CHECKING:  # pragma: no cover
    from mgc_core.analysis.classify import Result
    from mgc_core.audio import Audio

__all__ = ["playhead"]

FRONTEND = Path(__file__).resolve().parent / "frontend"
_component = components.declare_component("playhead", path=str(FRONTEND))


@st.cache_data(max_entries=4, show_spinner=False)  # a WAV of up to 10 MB each
def _audio_part(key: str, _audio: Audio) -> dict[str, Any]:
    return audio_payload(_audio)


def playhead(
    audio: Audio | None,
    result: Result | None = None,
    *,
    model: str | None = None,
    key: str | None = None,
) -> float | None:
    """Show the playhead for ``audio``, with ``result``'s genre timeline if given.

    Parameters
    ----------
    audio : Audio or None
        The music; ``None`` shows a note instead.
    result : Result or None
        Its classification (:func:`mgc_core.analysis.classify.classify`).
    model : str or None
        Whose segments the timeline shows; ``None``: the ensemble.
    key : str or None
        Streamlit key of the component.

    Returns
    -------
    float or None
        The time (s) last clicked on a strip, or ``None``.
    """
    if audio is None:
        st.info("Choose some music above to play it with a moving playhead.")
        return None
    try:
        key_of_audio = getattr(audio, "key", None)  # not an Audio: the library says so
        part = audio_payload(audio) if key_of_audio is None else _audio_part(key_of_audio, audio)
        timeline = timeline_payload(result, model=model, duration=part["duration"])
    except MGCError as err:
        st.error(str(err))
        return None
    notes = []
    if part["rate"] < audio.sr:
        notes.append(f"Played at {part['rate'] / 1000:g} kHz to keep the page light.")
    if part["cut_s"] is not None:
        notes.append(f"Only the first {part['cut_s']:.0f} s are played and drawn.")
    if timeline["timeline"]:
        notes.append(f"Bottom strip: the {timeline['timeline']}'s genre probabilities "
                     "for each segment (darker is more probable).")
    notes.append("Click any strip to play from there.")
    value = _component(
        **part, **timeline, wav_key=key_of_audio, note=" ".join(notes), key=key, default=None,
    )
    return float(value["t"]) if isinstance(value, dict) and "t" in value else None
