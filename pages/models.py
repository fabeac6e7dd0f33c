"""Models: how good the bundled models and their ensemble are, from the stored evaluations.

Every figure on this page is read from ``assets/evaluation/<model>.json`` (verified
against the manifest); nothing is typed by hand.
"""

from __future__ import annotations

import mimetypes

import pandas as pd
import streamlit as st

from mgc_core import plotting
from mgc_core.errors import MGCError
from mgc_core.evaluation import EVALUATE_COMMAND, METRICS, agreement
from mgc_core.evaluation.calibration import SURE
from mgc_core.evaluation.records import Evaluation, Score, evaluation_path
from mgc_core.models.registry import ENSEMBLE, MODEL_NAMES, RESULT_NAMES, short_label, title
from mgc_core.plotting.evaluation import reliability_figure
from ui.evaluations import calibration, calibration_in_words, calibration_kind, evaluation
from ui.input_panel import gtzan_dataset, select_gtzan_clip
from ui.results import in_words, learns_from_gtzan

METRIC_TITLES = {"accuracy": "Accuracy", "balanced_accuracy": "Balanced accuracy",
                 "macro_f1": "Macro-F1"}
METRIC_HELP = {
    "accuracy": "Share of clips whose genre the model named correctly. With imbalanced "
                "genres it mostly reflects the big genres.",
    "balanced_accuracy": "The recall of each genre (share of its clips found), averaged over "
                         "the genres: every genre counts the same, however few clips it has.",
    "macro_f1": "The F1 of each genre (balance of precision and recall), averaged over the "
                "genres.",
}
PERCENT = st.column_config.NumberColumn(format="%.1f%%")  # tables hold percentages
N_MODELS = in_words(len(MODEL_NAMES))

st.title("Models: how good are they?")
st.caption(
    f"Scores of the {N_MODELS} models and of their ensemble on GTZAN clips they never saw "
    "in training, with 95% intervals, where they go wrong, whether their confidence can be "
    "trusted, and how often they agree."
)

missing = [f"{n}.json" for n in RESULT_NAMES if not evaluation_path(n).is_file()]
if missing:
    st.info(
        f"The stored evaluations are not built yet (missing in assets/evaluation: "
        f"{', '.join(missing)}). Build them from a copy of GTZAN with `{EVALUATE_COMMAND}`."
    )
    st.stop()
try:
    records = {name: evaluation(name) for name in RESULT_NAMES}
    common = agreement.common_clips({name: e.clips for name, e in records.items()})
    calibrations = {name: calibration(name) for name in RESULT_NAMES}
except MGCError as err:
    st.error(str(err))
    st.stop()


def _protocol_in_words(rec: Evaluation) -> str:
    p, d = rec.protocol, rec.data
    left_out = f" ({d['excluded']} more left out as faulty)" if d.get("excluded") else ""
    if p["name"] == "grouped-cv":
        groups = f" ({d['n_groups']} artist groups)" if d.get("n_groups") else ""
        shuffles = len(p["fold_seeds"])
        return (
            f"**{d['n_clips']} GTZAN clips**{left_out}, **{p['n_splits']}-fold "
            f"cross-validation where all songs of one artist are on the same side**{groups}, "
            f"repeated with **{shuffles} shuffle{'s' * (shuffles != 1)}**. Every clip is "
            "scored by a model that never heard it, nor its artist."
        )
    return (f"**{d['n_clips']} GTZAN clips**{left_out}; protocol *{p['name']}*: scored on "
            f"{len(rec.clips)} clips the models never saw.")


def _ci(score: Score) -> str:
    return f"95% CI {score.low:.1%}–{score.high:.1%}"


# ------------------------------------------------------------------ comparison
st.markdown(_protocol_in_words(records["knn"]))
with st.expander("How the models were tested", icon=":material/science:"):
    st.markdown(records["knn"].protocol["description"])
    st.caption(f"Built by `{records['knn'].command}` on {records['knn'].created}.")

st.subheader("Comparison")
st.dataframe(
    pd.DataFrame([{
        "model": title(n),
        "balanced accuracy": 100 * r.balanced_accuracy.value,
        "95% CI": _ci(r.balanced_accuracy).removeprefix("95% CI "),
        "accuracy": 100 * r.scores["accuracy"].value,
        "macro-F1": 100 * r.scores["macro_f1"].value,
        "sd over shuffles": 100 * r.seeds["balanced_accuracy"].std,
    } for n, r in records.items()]),
    hide_index=True, key="comparison",
    column_config={c: PERCENT for c in ("balanced accuracy", "accuracy", "macro-F1",
                                         "sd over shuffles")},
)
st.caption(
    "Balanced accuracy is the headline: the genres are very unequal in size, and a model "
    "could score a high plain accuracy by ignoring the small ones. The interval comes from "
    "re-sampling the clips (bootstrap); *sd over shuffles* is how much balanced accuracy "
    "moved when the cross-validation was repeated with other shuffles."
)

# ------------------------------------------------------------------ calibration
st.subheader("Can you trust how sure they are?")
st.markdown(
    "Each model gives every genre a probability, and the top one is how sure it is. A model "
    "is **calibrated** when that number can be taken at its word: a good weather forecaster "
    "who says \"70% chance of rain\" on ten days sees rain on about seven of them, and of "
    "the clips a calibrated model is 70% sure about, about 70% are right. The **calibration "
    "error** is how far, on average, a model's confidence is from how often it is right "
    "(0%: perfect; 20%: off by 20 points). An **overconfident** model says \"96% sure\" and "
    "is right far less often: trust its answer less than its number suggests."
)
st.dataframe(
    pd.DataFrame([{
        "model": title(n),
        "calibration error": 100 * c.ece,
        "sure answers": c.n_sure,
        "how sure, on average": 100 * c.sure_confidence,
        "how often right": 100 * c.sure_accuracy,
        "on the whole": calibration_kind(c),
    } for n, c in calibrations.items()]),
    hide_index=True, key="calibration",
    column_config={
        **{c: PERCENT for c in ("calibration error", "how sure, on average",
                                "how often right")},
        "sure answers": st.column_config.NumberColumn(
            f"answers at least {SURE:.0%} sure", format="%d"),
    },
)
st.caption(
    f"Computed from the same out-of-fold predictions as the scores above. The middle "
    f"columns look only at the answers a model gave with at least {SURE:.0%} confidence, "
    "the ones people take as settled: how sure it was on them, and how often they were "
    "right. Each model's tab below draws its reliability diagram."
)


# ------------------------------------------------------------------ one model
def _model_tab(name: str, rec: Evaluation) -> None:
    st.markdown(f"**{title(name)}**")
    if name != ENSEMBLE and not learns_from_gtzan(name):
        st.markdown(
            f":material/school: The {short_label(name)} model was **never trained** on "
            "GTZAN: it learned nothing from these clips, so fitting it on a fold's training "
            "part changes nothing. Every fold and every shuffle is the same model, and its "
            "scores below are simply its scores on every clip: a fair test by construction."
        )
    if name == ENSEMBLE:
        st.caption(rec.rule)
        weights = {"used by the app": dict(rec.weights),
                   **{f"chosen for test fold {f}": dict(w)
                      for f, w in sorted((rec.weights_by_fold or {}).items())}}
        st.markdown("**Weights** of each model in the vote: the app's, and the ones chosen "
                    "inside each training part for its test fold (they should look alike; "
                    "if they swing, the choice is noisy).")
        short = {m: short_label(m) for m in rec.weights}
        st.dataframe(100 * pd.DataFrame(weights).T.rename(columns=short),
                     key="ensemble_weights",
                     column_config={c: st.column_config.NumberColumn(format="%.0f%%")
                                    for c in short.values()})
    for col, m in zip(st.columns(len(METRICS)), METRICS, strict=True):
        col.metric(METRIC_TITLES[m], f"{rec.scores[m].value:.1%}", _ci(rec.scores[m]),
                   help=METRIC_HELP[m], delta_color="off", delta_arrow="off")
    st.markdown("**Seed spread**: the same test repeated with other shuffles of the folds.")
    st.dataframe(
        pd.DataFrame({
            METRIC_TITLES[m]: {**{f"shuffle {s}": 100 * v for s, v in
                                  zip(rec.fold_seeds, rec.seeds[m].values, strict=True)},
                               "mean": 100 * rec.seeds[m].mean, "sd": 100 * rec.seeds[m].std}
            for m in METRICS
        }).T,
        key=f"seeds_{name}", column_config={c: PERCENT for c in
                                            [*(f"shuffle {s}" for s in rec.fold_seeds),
                                             "mean", "sd"]},
    )
    normalise = st.toggle("Row-normalised (share of each true genre)", key=f"cm_norm_{name}")
    st.plotly_chart(
        plotting.confusion_figure(rec.confusion, normalize=normalise,
                                  title=f"Confusion matrix: {title(name)}"),
        key=f"fig_confusion_{name}", theme=None,
    )
    st.caption("Each row is a true genre, each column the genre the model named; the "
               "diagonal holds the right answers. Hover a cell for its number of clips.")
    st.dataframe(
        pd.DataFrame({g: dict(v) for g, v in rec.per_genre.items()}).T.rename_axis("genre")
        * {"precision": 100, "recall": 100, "f1": 100, "support": 1}, key=f"per_genre_{name}",
        column_config={"precision": PERCENT, "recall": PERCENT, "f1": PERCENT,
                       "support": st.column_config.NumberColumn("clips", format="%d")},
    )
    st.caption("Precision: of the clips the model called this genre, the share that were. "
               "Recall: of this genre's clips, the share it found. F1 balances the two.")
    cal = calibrations[name]
    st.markdown("**Can you trust how sure it is?**")
    left, right = st.columns([3, 1])
    left.plotly_chart(
        reliability_figure(cal.edges, cal.confidence, cal.accuracy, cal.counts,
                           title=f"Reliability diagram: {title(name)}"),
        key=f"fig_reliability_{name}", theme=None,
    )
    right.metric("Calibration error", f"{cal.ece:.1%}",
                 help="How far the model's confidence is from how often it is right, on "
                      "average over its answers (0%: it is right exactly as often as it "
                      "says).")
    right.markdown(calibration_in_words(name, cal))
    st.caption(
        "Each bar gathers the clips the model answered with a confidence in its range (the "
        "number inside is how many clips) and shows how often it was right on them; the red "
        "mark shows how sure it said it was. On the dashed diagonal a model is right exactly "
        "as often as it says; bars below it are overconfidence, bars above it modesty."
    )


st.subheader("Each model")
for tab, name in zip(st.tabs([short_label(n) for n in RESULT_NAMES], key="model_tab"),
                     RESULT_NAMES, strict=True):
    with tab:
        _model_tab(name, records[name])


# ------------------------------------------------------------------ leakage lesson
st.subheader("Why the split matters: a leaky evaluation")
leaky = records["knn"].leaky
if leaky is None:
    st.info("The KNN evaluation holds no leaky-split comparison. Rebuild it with "
            f"`{EVALUATE_COMMAND}`.")
else:
    st.markdown(
        "A 30-second song cut into 3-second segments gives several almost identical "
        "examples: the same singer, instruments and recording. If the segments are split "
        "at random, some of a song's segments are used for training and the others for "
        "testing, so the model is tested on songs it has already heard. It can recognise "
        "the recording instead of the genre, and the score goes up without the model "
        "getting any better on new music. The honest split keeps every song, and every "
        "artist, on one side only."
    )
    st.caption(leaky.get("description", ""))
    levels = {"3-s segments": ("segment_level", "honest_segment_level"),
              "whole clips": ("clip_level", "honest_clip_level")}
    levels = {k: v for k, v in levels.items() if all(x in leaky for x in v)}
    series = {"Leaky: random split of segments": 0, "Honest: artist-grouped split": 1}
    st.plotly_chart(
        plotting.grouped_bars_figure(
            {s: {lvl: leaky[keys[i]]["balanced_accuracy"] for lvl, keys in levels.items()}
             for s, i in series.items()},
            colors=dict(zip(series, (plotting.MARKER_COLOR, plotting.LINE_COLOR), strict=True)),
            title="KNN balanced accuracy, leaky vs honest split", y_title="balanced accuracy",
        ),
        key="fig_leaky",
    )
    st.dataframe(
        pd.DataFrame([{"split": s.partition(":")[0], "scored on": lvl,
                       **{METRIC_TITLES[m]: 100 * leaky[keys[i]][m] for m in METRICS}}
                      for lvl, keys in levels.items() for s, i in series.items()]),
        hide_index=True, key="leaky_table",
        column_config={METRIC_TITLES[m]: PERCENT for m in METRICS},
    )
    if "n_segments" in leaky and "clips_on_both_sides" in leaky:
        st.caption(f"Leaky split: {leaky.get('split', '')}; {leaky['n_segments']} segments; "
                   f"counted over its folds, a clip had segments on both sides "
                   f"{leaky['clips_on_both_sides']} times.")


# ------------------------------------------------------------------ agreement
st.subheader("Do the models agree?")
members = {n: common["predicted"][n] for n in MODEL_NAMES}
names, agree = agreement.pairwise_agreement(members)
_, kappa = agreement.pairwise_kappa(members)
labels = [short_label(n) for n in names]
left, right = st.columns(2)
left.plotly_chart(plotting.pairwise_figure(agree, labels, title="Same genre (share of clips)",
                                           value_format=".0%"), key="fig_agreement", theme=None)
right.plotly_chart(plotting.pairwise_figure(kappa, labels, title="Cohen's kappa"),
                   key="fig_kappa", theme=None)
st.caption(
    f"Over the {len(common['ids'])} evaluated clips. Left: how often two models name the same "
    "genre. Right: Cohen's kappa, the same agreement corrected for what two models would "
    "agree on by chance, given how often each names each genre (1: always agree, 0: no "
    "better than chance). Models that make *different* mistakes are what makes an "
    "ensemble better than its members."
)

rows = agreement.disagreements(common["ids"], common["truth"], members)
ensemble = dict(zip(common["ids"], common["predicted"][ENSEMBLE], strict=True))
table = pd.DataFrame([{**r, ENSEMBLE: ensemble[r["clip"]]} for r in rows],
                     columns=["clip", "truth", *RESULT_NAMES, "right"])
st.markdown(f"**Disagreements**: the {len(rows)} clips on which the {N_MODELS} models do not "
            "all name the same genre. Select one to listen to it.")
event = st.dataframe(
    table, hide_index=True, key="disagreements", on_select="rerun",
    selection_mode="single-row",
    column_config={**{n: short_label(n) for n in RESULT_NAMES},
                   "right": st.column_config.NumberColumn("models right", format="%d")},
)
if event.selection.rows:
    clip_id = table.iloc[event.selection.rows[0]]["clip"]
    try:
        path = gtzan_dataset().track(clip_id).path
        data = path.read_bytes()
    except MGCError as err:
        st.info(f"To listen to {clip_id}, configure the GTZAN dataset. {err}")
        st.stop()
    except OSError as err:
        st.error(f"Could not read {clip_id}: {err}. Check the files of the GTZAN dataset.")
        st.stop()
    st.markdown(f"**{clip_id}** (true genre: {common['truth'][common['ids'].index(clip_id)]})")
    st.audio(data, format=mimetypes.guess_type(path.name)[0] or "audio/wav")
    if st.button("Open on Classify", key="open_on_classify", icon=":material/label:"):
        if select_gtzan_clip(clip_id):
            st.switch_page("pages/classify.py")
        st.error(f"Could not open {clip_id}; check the files of the GTZAN dataset.")
