"""Classify: what the four bundled models say about the chosen music, side by side."""

from __future__ import annotations

import numpy as np
import streamlit as st

from mgc_core import plotting
from mgc_core.analysis.verdict import verdict
from mgc_core.errors import MGCError
from mgc_core.genres import GENRES
from mgc_core.models import FRONTEND, MODEL_TITLES
from mgc_core.models.registry import ENSEMBLE, short_label
from ui.batch import batch_section
from ui.evaluations import (
    stored_balanced_accuracy,
    stored_clip_predictions,
    stored_evaluation_errors,
)
from ui.input_panel import input_panel
from ui.results import (
    cnn_occlusion,
    result_csv,
    result_json,
    run_classify,
)

st.title("Classify")
st.caption(
    "Which of ten genres is this? Four models answer side by side, for the whole piece "
    "and for every 3-second segment."
)

selection = input_panel()
batch_section()  # several files at once: a table of verdicts, works without a selection
if selection is None:
    st.info(
        "Choose some music above: upload a song, record one, pick a GTZAN clip or a "
        "built-in signal. The four models then give their verdicts here."
    )
    st.stop()

audio = selection.audio
try:
    with st.spinner("Running the four models…"):
        result = run_classify(audio.key, audio)
except MGCError as err:
    st.error(str(err))
    st.stop()

v = verdict(result)

# ------------------------------------------------------------------ GTZAN: truth first
if selection.gtzan_id:
    true_genre = selection.gtzan_id.split(".")[0]
    stored = stored_clip_predictions(selection.gtzan_id)
    st.subheader(f"True genre: {true_genre}")
    if stored:
        st.markdown(
            "**Out-of-fold predictions** — what each model said about this clip when it was "
            "in a *test* fold of the artist-grouped cross-validation (never trained on it):"
        )
        cols = st.columns(len(stored))
        for col, (name, clip) in zip(cols, stored.items()):
            mark = "✓" if clip.right else "✗"
            col.metric(
                short_label(name),
                f"{clip.predicted} {mark}",
                f"{clip.probabilities[clip.predicted]:.0%} sure",
                delta_color="off", delta_arrow="off",
            )
    else:
        st.info("This clip is not in the stored evaluation (it is excluded as faulty or "
                "the evaluation has not been run).")
    st.caption(
        "Below: the live predictions of the bundled models. They were fit on every usable "
        "clip, this one included, so they have **seen this clip in training** and are "
        "not a fair test."
    )

# ------------------------------------------------------------------ verdict
st.subheader(f"Verdict: {v.genre}" + (" (seen in training)" if selection.gtzan_id else ""))
(st.warning if v.unsure else st.success if v.agree else st.info)(v.summary)
weights = ", ".join(f"{short_label(name)} {w:.0%}"
                    for name, w in result.ensemble_weights.items())
st.caption(
    f"The verdict is the ensemble: a weighted mean of the models' probabilities ({weights}). "
    "The weights are the ones that scored best on songs the models had not seen, and the "
    "Models page shows how this rule does on songs whose weights were chosen without them. "
    "Each model pools its 3-second segments by the mean of their log-probabilities."
)
for message in stored_evaluation_errors():  # altered files: say so, don't just drop them
    st.error(message)
scores = {name: stored_balanced_accuracy(name) for name in (*result.models, ENSEMBLE)}
if all(v is not None for v in scores.values()):
    best = max(result.models, key=lambda name: scores[name])
    if scores[best] > scores[ENSEMBLE] + 0.02:  # more than noise of a clip or two
        st.caption(
            f"In the stored evaluation the ensemble reaches {scores[ENSEMBLE]:.0%} balanced "
            f"accuracy, while the {short_label(best)} model alone reaches "
            f"{scores[best]:.0%}: when they differ, give its answer more weight."
        )

# ------------------------------------------------------------------ side by side
cols = st.columns(len(result.models))
for col, (name, r) in zip(cols, result.models.items()):
    with col:
        short = short_label(name)
        st.metric(f"**{short}** {MODEL_TITLES[name].removeprefix(short).strip()}", r.genre, f"{float(np.max(r.probabilities)):.0%} sure",
                  delta_color="off", delta_arrow="off")
        st.plotly_chart(plotting.genre_bars_figure(r.probabilities, height=280),
                        key=f"fig_bars_{name}")
        score = stored_balanced_accuracy(name)
        st.caption(f"{r.seconds * 1000:.0f} ms" + (
            f" · balanced accuracy {score:.0%} in the stored evaluation" if score is not None
            else ""))
st.caption(
    f"Shared analysis (resampling to 16 kHz, one spectrogram): "
    f"{result.analysis_seconds * 1000:.0f} ms; total {result.seconds:.2f} s."
)

# ------------------------------------------------------------------ timeline
st.subheader("Genre over time")
n = len(result.segment_times)
labels = [f"{t0:.0f}–{t1:.0f} s" for t0, t1 in result.segment_times]
segment = 0
if n > 1:
    segment = st.select_slider("Segment", options=list(range(n)), format_func=labels.__getitem__,
                               key=f"segment_{audio.key}")
for name, r in result.models.items():
    st.plotly_chart(
        plotting.timeline_figure(result.segment_times, r.segment_probabilities,
                                 title=MODEL_TITLES[name], selected=segment),
        key=f"fig_timeline_{name}",
    )
st.caption(
    "Each column is one 3-second segment, each row a genre; darker means more probable. "
    "A song that changes style shows it as a change of row."
)
t0, t1 = (float(x) for x in result.segment_times[segment])
st.markdown(f"**Segment {labels[segment]}**")
st.audio(selection.playable, format=selection.mime, start_time=t0, end_time=min(t1, audio.duration))
seg_cols = st.columns(len(result.models))
for col, (name, r) in zip(seg_cols, result.models.items()):
    p = r.segment_probabilities[segment]
    top = np.argsort(-p)[:3]
    col.markdown(f"*{short_label(name)}*: " +
                 ", ".join(f"{GENRES[i]} {p[i]:.0%}" for i in top))

# ------------------------------------------------------------------ why the CNN decided
st.subheader("Why the CNN decided")
with st.spinner("Hiding one patch of the spectrogram at a time…"):
    logmel, saliency, cnn_genre, cnn_p = cnn_occlusion(audio.key, audio, segment)
st.markdown(f"In segment **{labels[segment]}**{' (chosen above)' if n > 1 else ''} the CNN "
            f"says **{cnn_genre}** ({cnn_p:.0%}).")
st.plotly_chart(plotting.occlusion_figure(logmel, saliency, sr=FRONTEND.sr,
                                          hop_length=FRONTEND.hop_length, start_s=t0),
                key="fig_occlusion")
st.caption(
    "Top: the sound as the CNN sees it, time across, pitch (mel bands) up. Bottom: we hid "
    "one small patch at a time (0.27 s × 8 bands, filled with the segment's average) and "
    "asked the CNN again. **Red** regions are the parts of the sound that, when hidden, "
    f"lower its belief in *{cnn_genre}* the most: it relied on them. Blue ones raise it "
    "when hidden; white ones did not matter on their own. Occlusion shows *where* the "
    "model looked, not *why* that sounds like the genre; it tests one patch at a time, so "
    "evidence that appears in several places can look unimportant everywhere, and an "
    "average-filled patch is itself a sound the model never heard in training."
)

# ------------------------------------------------------------------ downloads
left, right = st.columns(2)
left.download_button("Download predictions (CSV)", result_csv(result, file=selection.label),
                     file_name="mgc_predictions.csv", mime="text/csv")
right.download_button("Download predictions (JSON)", result_json(result, file=selection.label),
                      file_name="mgc_predictions.json", mime="application/json")
