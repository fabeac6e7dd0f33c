"""Classify: is it music, and what the bundled models say about it, side by side."""

from __future__ import annotations

import time

import numpy as np
import streamlit as st

from mgc_core import plotting
from mgc_core.analysis.verdict import and_list, verdict
from mgc_core.errors import MGCError
from mgc_core.genres import GENRES
from mgc_core.models import AUDIOSET_ATTRIBUTION as ATTRIBUTION
from mgc_core.models import FRONTEND, MODEL_NAMES, MODEL_TITLES
from mgc_core.models.registry import ENSEMBLE, short_label
from ui.batch import batch_section
from ui.evaluations import (
    confidence_hint,
    stored_balanced_accuracy,
    stored_clip_predictions,
    stored_evaluation_errors,
)
from ui.flips import what_flips_section
from ui.input_panel import input_panel
from ui.playhead import playhead
from ui.results import (
    cached_result,
    cnn_occlusion,
    in_words,
    learns_from_gtzan,
    percent,
    result_csv,
    result_json,
    run_classify,
    who_decided,
)
from ui.similar import sounds_like
from ui.stepper import stepper

N_MODELS = in_words(len(MODEL_NAMES))
#: Models that learned nothing from GTZAN (zero-shot), by name.
ZERO_SHOT = tuple(name for name in MODEL_NAMES if not learns_from_gtzan(name))


def _audioset_view(result) -> None:  # noqa: ANN001 - mgc_core.analysis.classify.Result
    """The "AudioSet hears" block: the gate's view and AudioSet's own genres."""
    content, genres = result.content, result.audioset_genres
    if content is None and not genres:
        return
    with st.container(border=True, key="audioset_view"):
        heard = []
        if content is not None:
            heard.append(f"music {percent(content.music_probability)}")
            if content.heard:
                heard.append(f"besides music, mostly *{content.heard}*")
        st.markdown("**AudioSet hears**: " + "; ".join(heard) if heard else "**AudioSet hears**")
        if genres:
            named = [f"{name} {percent(p)}" for name, p in genres if p >= 0.01]
            st.markdown("Its own music genres: " + (" · ".join(named) if named else
                                                    "none of them reaches 1%"))
        st.caption(
            "AudioSet is a collection of about two million 10-second YouTube clips, labelled "
            "with 527 kinds of sound (speech, dog barks, guitars, Reggae, …). The network "
            "listening here learned from it and never heard GTZAN. Its own list of genres is "
            "much wider than GTZAN's ten (Electronic music, Funk, Soul music, Folk music, …), "
            "so music outside the ten genres gets an honest name. Each number is how sure it "
            "is of that one label, so they need not add up to 100%. It also decides whether "
            "this is music at all, before any genre verdict; that check can be wrong too."
        )
        st.caption(ATTRIBUTION)


st.title("Classify")
st.caption(
    f"Is this music, and which of ten genres? {N_MODELS.capitalize()} models answer side by "
    "side, for the whole piece and for every 3-second segment."
)

selection = input_panel()
batch_section()  # several files at once: a table of verdicts, works without a selection
if selection is None:
    st.info(
        "Choose some music above: upload a song, record one, pick a GTZAN clip or a "
        f"built-in signal. The {N_MODELS} models then give their verdicts here."
    )
    st.stop()

audio = selection.audio

def _classify_with_progress(audio):  # noqa: ANN001, ANN202 - Audio -> classify.Result
    """The stored result, or classify now and show each step as it finishes."""
    result = cached_result(audio.key)
    if result is not None:
        return result
    steps = {"analysis": "Analysing the sound (resampled to 16 kHz, mel spectrogram)",
             **{name: MODEL_TITLES[name] for name in MODEL_NAMES},
             "content": "Is it music at all? (AudioSet's music, speech and silence outputs)"}
    started = time.perf_counter()
    with st.status(f"Listening with the {N_MODELS} models…", expanded=True) as status:
        lines = {step: st.empty() for step in steps}
        for step, line in lines.items():
            line.markdown(f":gray[○ {steps[step]}]")
        last = [started]

        def progress(step: str, done: int, total: int) -> None:
            now = time.perf_counter()
            if step in lines:
                lines[step].markdown(f"✓ {steps[step]} · {now - last[0]:.1f} s")
            last[0] = now
            status.update(label=f"Listening with the {N_MODELS} models… {done} of {total} "
                                "steps done")

        result = run_classify(audio.key, audio, progress=progress)
        status.update(label=f"Done in {time.perf_counter() - started:.1f} s: the "
                            f"{N_MODELS} models have answered", state="complete",
                      expanded=False)
    return result


try:
    result = _classify_with_progress(audio)
except MGCError as err:
    st.error(str(err))
    st.stop()

v = verdict(result)
is_music = result.content is None or result.content.is_music

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
        for col, (name, clip) in zip(cols, stored.items(), strict=True):
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
    zero_shot = [short_label(n) for n in ZERO_SHOT]
    st.caption(
        "Below: the live predictions of the bundled models. Those trained on GTZAN were fit "
        "on every usable clip, this one included, so they have **seen this clip in "
        "training** and are not a fair test"
        + (f"; {and_list(zero_shot)} learned nothing from GTZAN, so "
           f"{'its answer is' if len(zero_shot) == 1 else 'their answers are'} fair."
           if zero_shot else ".")
    )

# ------------------------------------------------------------------ the gate, then the verdict
if is_music:
    st.subheader(f"Verdict: {v.genre}" + (" (seen in training)" if selection.gtzan_id else ""))
    (st.warning if v.unsure else st.success if v.agree else st.info)(v.summary)
    st.caption(who_decided(result.ensemble_weights))
else:
    st.warning(result.content.statement, icon=":material/hearing_disabled:")
_audioset_view(result)
st.subheader("Listen along")
st.caption("Press play: the line follows the music across the waveform, the spectrogram and "
           "the ensemble's genres over time. Click anywhere to play from that moment.")
playhead(audio, result, key="playhead_classify")
for message in stored_evaluation_errors():  # altered files: say so, don't just drop them
    st.error(message)
scores = {name: stored_balanced_accuracy(name) for name in (*result.models, ENSEMBLE)}
if is_music and all(v is not None for v in scores.values()):
    best = max(result.models, key=lambda name: scores[name])
    if scores[best] > scores[ENSEMBLE] + 0.02:  # more than noise of a clip or two
        st.caption(
            f"In the stored evaluation the ensemble reaches {scores[ENSEMBLE]:.0%} balanced "
            f"accuracy, while the {short_label(best)} model alone reaches "
            f"{scores[best]:.0%}: when they differ, give its answer more weight."
        )

# ------------------------------------------------------------------ side by side
if not is_music:
    st.markdown("**Genre guesses anyway**")
    st.caption(
        f"The genre models always name one of the ten genres, even for {result.content.kind}. "
        f"The ensemble would guess {v.genre} ({v.confidence:.0%}), but that is no verdict. "
        + who_decided(result.ensemble_weights).replace("**Who decided**", "Who would decide")
    )
side_by_side = st.container() if is_music else st.expander(
    f"Each model's guess ({N_MODELS} models)", icon=":material/visibility:")
with side_by_side:
    cols = st.columns(len(result.models))
    for col, (name, r) in zip(cols, result.models.items(), strict=True):
        with col:
            short = short_label(name)
            st.metric(f"**{short}** {MODEL_TITLES[name].removeprefix(short).strip()}", r.genre,
                      f"{float(np.max(r.probabilities)):.0%} sure",
                      delta_color="off", delta_arrow="off")
            if hint := confidence_hint(name):
                st.caption(f":material/warning: {hint}")
            st.plotly_chart(plotting.genre_bars_figure(r.probabilities, height=280),
                            key=f"fig_bars_{name}")
            score = stored_balanced_accuracy(name)
            ms = r.seconds * 1000  # <1 ms: it reads outputs another model already computed
            st.caption((f"{ms:.0f} ms" if ms >= 0.5 else "<1 ms") + (
                f" · balanced accuracy {score:.0%} in the stored evaluation" if score is not None
                else ""))
            if name in ZERO_SHOT:
                st.caption("**Learned nothing from GTZAN**: it only compares what its network "
                           "already knew about the ten genres, so no clip here was ever its "
                           "training data.")
    st.caption(
        f"Shared analysis (resampling to 16 kHz, one spectrogram): "
        f"{result.analysis_seconds * 1000:.0f} ms; total {result.seconds:.2f} s."
    )

# ------------------------------------------------------------------ timeline
def _segment_clip(audio, t0: float, t1: float) -> bytes:  # noqa: ANN001 - Audio
    """Exactly the samples of one segment, as WAV bytes for its own player."""
    from mgc_core.audio import Audio, to_wav_bytes

    start, stop = round(t0 * audio.sr), min(round(t1 * audio.sr), audio.samples.size)
    return to_wav_bytes(Audio(audio.samples[start:stop], sr=audio.sr))


@st.fragment
def _segments(result, audio, is_music: bool) -> None:  # noqa: ANN001
    """The timeline, one segment's details and the CNN's reasons for it.

    A fragment: choosing another segment reruns only this part of the page, so stepping
    through segments with the keyboard keeps up (:func:`ui.stepper.stepper`).
    """
    st.subheader("Genre over time")
    if not is_music:
        st.caption("Not music, so these are guesses too: watch them wander.")
    n = len(result.segment_times)
    labels = [f"{t0:.0f}–{t1:.0f} s" for t0, t1 in result.segment_times]
    segment = 0
    if n > 1:
        # Streamlit's slider sends a keyboard step only when it loses focus, so quick arrow
        # presses left it on one segment and the page on another: the stepper shows each
        # press at once and sends the last one. Its choice is kept per song in the session
        # (plain session state, not a widget's, so leaving the page keeps it).
        segment = stepper(labels, key=f"segment_{audio.key}")
    for name, r in result.models.items():
        st.plotly_chart(
            plotting.timeline_figure(result.segment_times, r.segment_probabilities,
                                     title=MODEL_TITLES[name], selected=segment),
            key=f"fig_timeline_{name}", theme=None,
        )
    st.caption(
        "Each column is one 3-second segment, each row a genre; darker means more probable. "
        "A song that changes style shows it as a change of row."
    )
    t0, t1 = (float(x) for x in result.segment_times[segment])
    t1 = min(t1, audio.duration)
    st.markdown(f"**Segment {labels[segment]}**")
    st.audio(_segment_clip(audio, t0, t1), format="audio/wav")
    st.caption(f"Plays exactly this segment: {t0:.2f}–{t1:.2f} s of the song.")
    seg_cols = st.columns(len(result.models))
    for col, (name, r) in zip(seg_cols, result.models.items(), strict=True):
        p = r.segment_probabilities[segment]
        top = np.argsort(-p)[:3]
        col.markdown(f"*{short_label(name)}*: " +
                     ", ".join(f"{GENRES[i]} {p[i]:.0%}" for i in top))

    # -------------------------------------------------------------- why the CNN decided
    st.subheader("Why the CNN decided")
    with st.spinner("Hiding one patch of the spectrogram at a time…"):
        logmel, saliency, cnn_genre, cnn_p = cnn_occlusion(audio.key, audio, segment)
    st.markdown(f"In segment **{labels[segment]}**{' (chosen above)' if n > 1 else ''} the "
                f"CNN says **{cnn_genre}** ({cnn_p:.0%}).")
    st.plotly_chart(plotting.occlusion_figure(logmel, saliency, sr=FRONTEND.sr,
                                              hop_length=FRONTEND.hop_length, start_s=t0),
                    key="fig_occlusion", theme=None)
    st.caption(
        "Top: the sound as the CNN sees it, time across, pitch (mel bands) up. Bottom: we "
        "hid one small patch at a time (0.27 s × 8 bands, filled with the segment's average) "
        "and asked the CNN again. **Red** regions are the parts of the sound that, when "
        f"hidden, lower its belief in *{cnn_genre}* the most: it relied on them. Blue ones "
        "raise it when hidden; white ones did not matter on their own. Occlusion shows "
        "*where* the model looked, not *why* that sounds like the genre; it tests one patch "
        "at a time, so evidence that appears in several places can look unimportant "
        "everywhere, and an average-filled patch is itself a sound the model never heard in "
        "training."
    )


_segments(result, audio, is_music)
sounds_like(audio, clip_id=selection.gtzan_id)
what_flips_section(audio, result)

# ------------------------------------------------------------------ downloads
left, right = st.columns(2)
left.download_button("Download predictions (CSV)", result_csv(result, file=selection.label),
                     file_name="mgc_predictions.csv", mime="text/csv")
right.download_button("Download predictions (JSON)", result_json(result, file=selection.label),
                      file_name="mgc_predictions.json", mime="application/json")
