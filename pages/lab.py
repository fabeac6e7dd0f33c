"""Lab: train your own genre classifier in seconds, and watch a careless test flatter it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from mgc_core.errors import MGCError
from mgc_core.explore.lab import CLASSIFIERS, FEATURE_SETS, HOLD_OUT, N_TREES, SPLITS
from mgc_core.explore.similar import SPACES
from ui.lab import lab_run, segment_confusion_figure, segment_store

_RUNS = "lab_runs"  # this session's runs, newest last
C_OPTIONS = (0.001, 0.01, 0.1, 1.0, 10.0, 100.0)

st.title("Lab: train your own classifier")
st.caption(
    "Train a small genre classifier in a few seconds on numbers already measured from the "
    "GTZAN clips, then see how well it does on music it did not train on, and how a "
    "careless test can make it look far better than it is. No audio is needed: the "
    "numbers are stored with the app."
)
try:
    store = segment_store()
except MGCError as err:
    st.error(str(err))
    st.stop()
n_clips = len(store.ids)

# ------------------------------------------------------------------ 1. the numbers
st.subheader("1. What it reads")
features = st.multiselect(
    "Numbers describing each 3-second segment", FEATURE_SETS, default=["musicnn"],
    format_func=lambda s: SPACES[s]["title"], key="lab_features",
)
lines = []
for name in FEATURE_SETS:
    reduced = ("" if store.kept[name] >= 0.999 else
               f" Stored as their {store.x[name].shape[1]} main directions (PCA), which keep "
               f"{store.kept[name]:.0%} of their spread, so the app stays small.")
    lines.append(f"- **{SPACES[name]['title']}**: {SPACES[name]['words']}.{reduced}")
st.markdown("\n".join(lines))
st.caption(f"Every one of the {n_clips} usable GTZAN clips is cut into 3-second segments: "
           f"{len(store)} segments, each one example to learn from or to test on.")

# ------------------------------------------------------------------ 2. the classifier
st.subheader("2. How it learns")
classifier = st.radio("Classifier", list(CLASSIFIERS), format_func=CLASSIFIERS.get,
                      horizontal=True, key="lab_classifier")
k, C = 5, 1.0
if classifier == "knn":
    k = st.slider("k: how many nearest segments vote", 1, 50, 5, key="lab_k")
    st.caption("It learns nothing in advance: for a new segment it finds the k training "
               "segments with the closest numbers and lets them vote. Small k follows "
               "single examples; large k listens to a crowd.")
elif classifier == "logistic":
    C = st.select_slider("C: how closely it may follow the training data", C_OPTIONS,
                         value=1.0, key="lab_C")
    st.caption("It gives every number a weight per genre and adds them up: straight "
               "borders between genres. A small C keeps the weights small (simple, "
               "cautious); a large C lets it fit the training segments closely. Each genre "
               "counts the same, however many segments it has.")
else:
    st.caption(f"{N_TREES} decision trees, each asking yes/no questions about the numbers "
               "(\"is this one above 0.3?\") on a random part of the training data, then "
               "voting. Each genre counts the same, however many segments it has.")

# ------------------------------------------------------------------ 3. the test
st.subheader("3. How it is tested")
split = st.radio(f"Hold out one segment in {HOLD_OUT} for the test, chosen", list(SPLITS),
                 format_func=SPLITS.get, key="lab_split")
st.caption(
    "**Random segments**: the held-out segments are drawn at random, so the other pieces "
    "of the same song, same recording, same singer, are almost all in the training part. "
    "The classifier can recognise the *recording* instead of the genre. **By artist**: "
    "every song of an artist is either trained on or held out, so each test segment comes "
    "from an artist it never heard, as with a new song. That is the honest test."
)
seed = st.number_input("Draw (change it to hold out another fifth)", 0, 99, 0,
                       key="lab_seed")

if not features:
    st.info("Choose at least one kind of numbers in step 1 to train a classifier.")
    st.stop()

# ------------------------------------------------------------------ 4. the result
try:
    with st.spinner("Training and testing…"):
        result = lab_run(tuple(features), classifier, split, k=k, C=C, seed=int(seed))
except MGCError as err:
    st.error(str(err))
    st.stop()

st.subheader("4. How it did on the held-out segments")
left, middle, right = st.columns(3)
left.metric("Accuracy", f"{result.accuracy:.0%}")
middle.metric("Balanced accuracy", f"{result.balanced_accuracy:.0%}")
right.metric("Test segments whose song it trained on", f"{result.songs_seen:.0%}")
counts = store.clips_per_genre
most, least = max(counts, key=counts.get), min(counts, key=counts.get)
st.caption(
    f"Trained on {result.n_train} segments, tested on {result.n_test}, in "
    f"{result.seconds:.1f} s. **Accuracy**: the share of test segments it got right. "
    "**Balanced accuracy**: the share it got right within each genre, averaged over the "
    f"genres, so the {counts[least]} {least} clips count as much as the {counts[most]} "
    f"{most} ones. GTZAN as held here is that uneven, so trust this one more."
)
if split == "random":
    st.warning(
        f"**Leak**: {result.songs_seen:.0%} of the test segments come from songs it also "
        f"trained on, and {result.artists_seen:.0%} from artists it trained on. Switch "
        "step 3 to *by artist* and watch the score drop: the difference is how much of "
        "this score came from recognising the recordings."
    )
else:
    st.success(
        f"**Honest**: {result.artists_seen:.0%} of the test segments come from an artist it "
        "trained on. This is about how it would do on a song it has never heard."
    )
for note in result.notes:
    st.caption(note)
st.plotly_chart(segment_confusion_figure(result), key="fig_lab_confusion")
st.caption(
    "Each row is a true genre, each column the genre it guessed; a row's numbers are the "
    "shares of that genre's test segments. The diagonal is what it got right; a bright "
    "square off the diagonal is a pair of genres it confuses."
)

# ------------------------------------------------------------------ this session's runs
runs = st.session_state.setdefault(_RUNS, [])
row = {
    "reads": " + ".join(SPACES[f]["title"] for f in result.features),
    "classifier": CLASSIFIERS[classifier] + (f" (k={k})" if classifier == "knn" else
                                             f" (C={C:g})" if classifier == "logistic" else ""),
    "test": SPLITS[split], "draw": int(seed),
    "accuracy": f"{result.accuracy:.0%}", "balanced accuracy": f"{result.balanced_accuracy:.0%}",
}
if not runs or runs[-1] != row:
    runs.append(row)
    del runs[:-10]
st.subheader("Your runs")
st.dataframe(pd.DataFrame(runs[::-1]), hide_index=True, key="lab_runs_table")
st.caption("Your last ten runs, newest first. Try the same classifier with both tests.")
