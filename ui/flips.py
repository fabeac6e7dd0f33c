"""The Classify page's "What flips it?" section: change the music, ask the models again.

:func:`what_flips_section` lets a class choose a few changes (a phone line, a pitch shift,
a tempo change, drums removed, drums only, added noise), classifies every changed version
with the app's cached models (:func:`ui.results.loaded_models`) through
:func:`mgc_core.analysis.transforms.what_flips`, and shows a compact table of models ×
changes with the answers that changed marked, a sentence per change, and a player for
each version. Long music is judged on a 30-s stretch the user can move.

The last answer is kept in the session (one per session, replaced by the next), so the
table stays while the rest of the page is used; it is shown only while the music, the
changes, their settings and the models are the ones it was computed for.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from mgc_core.analysis import transforms as tr
from mgc_core.audio import Audio, to_wav_bytes
from mgc_core.errors import MGCError
from mgc_core.models.registry import short_label

__all__ = ["what_flips_section", "flips_table"]

_LAST = "flips_last"
_DEFAULT = ("phone", "pitch", "tempo", "harmonic", "percussive", "noise")
_ROWS = {"ensemble": "Verdict (ensemble)", "gate": "Sounds like (gate)"}


def flips_table(flips: tr.Flips):  # noqa: ANN201 - pandas Styler
    """The models × versions table: each cell the genre, ``→ genre`` where it changed
    from the original (highlighted); rows each model, the ensemble's verdict and the
    gate's kind of sound."""
    import pandas as pd

    genres, changed = flips.genres(), flips.changed()
    rows = [*flips.models, "ensemble", "gate"]
    index = [_ROWS.get(r) or short_label(r) for r in rows]
    data = {}
    for label, column in genres.items():
        flags = changed.get(label, {})
        data[label] = [("→ " + column[r]) if flags.get(r) else (column[r] or "—") for r in rows]
    frame = pd.DataFrame(data, index=index)
    marks = pd.DataFrame({label: [bool(changed.get(label, {}).get(r)) for r in rows]
                          for label in genres}, index=index)
    return frame.style.apply(
        lambda col: ["background-color: #EE667766; font-weight: bold" if m else ""
                     for m in marks[col.name]], axis=0)


def _playable(samples: np.ndarray, sr: int) -> bytes:
    """WAV bytes, scaled down (not clipped) when noise pushed the peak above 1."""
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    return to_wav_bytes(Audio(samples / peak if peak > 1 else samples, sr=sr))


def _choices(audio: Audio) -> tuple[list[tr.Transform], float]:
    """The changes and the stretch the user chose (widgets)."""
    kinds = st.multiselect(
        "Changes to try", list(tr.KINDS), default=list(_DEFAULT),
        format_func=lambda k: tr.KINDS[k].title, key="flips_kinds",
        help="Each change is made on its own to the original, then classified again.")
    for kind in kinds:
        st.caption(f"**{tr.KINDS[kind].title}.** {tr.KINDS[kind].explain}")
    amounts = {}
    with_amount = [k for k in kinds if tr.KINDS[k].amount]
    if with_amount:
        for col, kind in zip(st.columns(len(with_amount)), with_amount, strict=True):
            spec = tr.KINDS[kind]
            label = {"pitch": "Pitch shift (semitones)", "tempo": "Tempo (× original)",
                     "noise": "Signal-to-noise ratio (dB, lower is noisier)"}[kind]
            amounts[kind] = col.slider(label, spec.low, spec.high, spec.default,
                                       step=spec.step, key=f"flips_{kind}")
    start_s = 0.0
    if audio.duration > tr.EXCERPT_S:
        start_s = st.slider(
            f"Start of the {tr.EXCERPT_S:.0f}-s stretch judged (s)", 0.0,
            float(audio.duration - tr.EXCERPT_S), 0.0, step=1.0, key="flips_start",
            help="Long music is judged on a stretch so that every version stays quick.")
    return [tr.Transform(k, amounts.get(k)) for k in kinds], start_s


def _run(audio: Audio, transforms: list[tr.Transform], start_s: float, result, loaded
         ) -> tr.Flips:  # noqa: ANN001
    bar = st.progress(0.0, text=f"Classifying the original and {len(transforms)} changed "
                                "versions…")

    def progress(label: str, done: int, total: int) -> None:
        bar.progress(done / total, text=f"Classified {label} ({done} of {total})")

    try:
        return tr.what_flips(audio, loaded, transforms, start_s=start_s, original=result,
                             progress=progress)
    finally:
        bar.empty()


def _show(flips: tr.Flips) -> None:
    if flips.note:
        st.caption(flips.note)
    for v in flips.versions:
        st.markdown(f"- {flips.summary(v)}")
    st.dataframe(flips_table(flips), key="flips_table")
    st.caption(
        "Each column is one version of the music, each row one model. **→ genre** (in red) "
        "marks a model that changed its mind compared with the original. The last rows "
        "are the verdict the page would show and what the gate hears (music, speech, "
        "silence or noise). A model that changes its mind under a small change, such as a "
        "phone line, was relying on what that change removed.")
    st.markdown("**Listen to each version**")
    shown = [v for v in (flips.original, *flips.versions) if v.samples is not None]
    for i in range(0, len(shown), 3):
        for col, v in zip(st.columns(3), shown[i:i + 3], strict=False):
            col.markdown(v.label)
            col.audio(_playable(v.samples, v.sr), format="audio/wav")


def what_flips_section(audio: Audio | None, result=None) -> None:  # noqa: ANN001
    """The "What flips it?" section for ``audio``, whose classification is ``result``.

    Parameters
    ----------
    audio : Audio or None
        The chosen music; None shows a hint.
    result : mgc_core.analysis.classify.Result, optional
        The page's result for ``audio`` with every model (reused for the original when the
        whole audio is judged).
    """
    from ui.results import classify_settings, loaded_models

    st.subheader("What flips it?")
    if audio is None:
        st.info("Choose some music above to see which changes make the models change their "
                "minds.")
        return
    if not isinstance(audio, Audio) or audio.samples.size == 0:
        st.error("This music holds no samples, so there is nothing to change: choose other "
                 "music.")
        return
    st.caption(
        "Change the music in one way, ask every model again, and see who changes their mind. "
        "What a model's answer survives, it does not rely on; what flips it, it does.")
    with st.expander("Choose changes and try them", icon=":material/swap_horiz:"):
        try:
            transforms, start_s = _choices(audio)
        except MGCError as err:
            st.error(str(err))
            return
        settings = classify_settings()
        signature = (audio.key, tuple(transforms), start_s, settings)
        last = st.session_state.get(_LAST)
        if st.button("Try the changes", key="flips_run", icon=":material/play_arrow:",
                     disabled=not transforms):
            try:
                flips = _run(audio, transforms, start_s, result, loaded_models(settings))
            except MGCError as err:
                st.error(str(err))
                return
            st.session_state[_LAST] = last = (signature, flips)
        if not transforms:
            st.info("Choose at least one change.")
        elif last is not None and last[0] == signature:
            _show(last[1])
        else:
            n = len(transforms) + 1
            st.caption(f"Press the button to classify {n} versions (about "
                       f"{2 * n:.0f}–{5 * n:.0f} s).")
