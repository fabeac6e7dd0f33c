"""About mgc: the models, the data they learned from, their limits, licences, privacy.

The data summary (clips per genre, faulty clips left out, artist groups) is read from
``assets/manifest.json``, and the test protocol from the stored evaluation; nothing
about the data is typed by hand.
"""

from __future__ import annotations

import streamlit as st

from mgc_core import assets, plotting
from mgc_core.errors import MGCError
from mgc_core.evaluation import EVALUATE_COMMAND
from mgc_core.evaluation.records import evaluation_path
from mgc_core.models import AUDIOSET_ATTRIBUTION as ATTRIBUTION
from mgc_core.models import FRONTEND
from mgc_core.models.registry import MODEL_NAMES, MODELS
from ui.evaluations import evaluation
from ui.results import in_words

KHZ, SEG = f"{FRONTEND.sr / 1000:g} kHz", f"{FRONTEND.segment_seconds:.0f}-second"
TRAIN_COMMAND = "python -m mgc_core train --gtzan DIR"
#: The two counts of clips, worded alike here and on the Dataset page.
HELD, USABLE = "held", "usable (after removing known faults)"
N_MODELS = in_words(len(MODEL_NAMES))

st.title("About mgc")
st.caption(f"What the {N_MODELS} models are, what they learned from, where they fail, and "
           "whose work they build on.")
root = assets.ASSETS_DIR

# ------------------------------------------------------------------ models
st.subheader(f"The {N_MODELS} models")
for m in MODELS.values():
    st.markdown(f"**{m.title}**: {m.details}")
st.caption(
    f"All {N_MODELS} analyse the music at {KHZ}, cut into {SEG} segments, and give one "
    "probability per genre for each segment; a clip's verdict pools its segments. The "
    f"verdict of the app is the ensemble, a weighted average of the {N_MODELS} models' "
    "probabilities; the weights were chosen on songs the models had not seen (the Models "
    "page shows them and how the rule scores). Before any verdict, the AudioSet network "
    "checks whether the sound is music at all (see the known limits below)."
)


# ------------------------------------------------------------------ data
def _training_data() -> None:
    try:
        files = assets.read_manifest(root / "manifest.json")["files"]
    except MGCError as err:
        st.error(str(err))
        return
    entries = [files.get(f"models/{MODELS[m].files[0]}") for m in MODEL_NAMES]
    data = next((e["data"] for e in entries if e and isinstance(e.get("data"), dict)), None)
    if data is None or "clips_per_genre" not in data:
        st.info("The bundled models are not recorded in assets/manifest.json, so their "
                f"training data cannot be described. Train them with `{TRAIN_COMMAND}`.")
        return
    counts = data["clips_per_genre"]
    excluded = data.get("excluded", 0)
    cols = st.columns(4)
    cols[0].metric(f"GTZAN clips {HELD}", data["n_clips"] + excluded)
    cols[1].metric("Left out as faulty", excluded)
    cols[2].metric("Usable", data["n_clips"], help=f"Clips {USABLE}: the models were "
                   "trained and tested on these only.")
    if "n_groups" in data:
        cols[3].metric("Artist groups", data["n_groups"])
    st.markdown(f"Trained on {data.get('trained_on', 'the clips below')}.")
    st.plotly_chart(plotting.genre_counts_figure(counts, title=f"Clips {USABLE} per genre"),
                    key="fig_clips_per_genre")
    big, small = max(counts, key=counts.get), min(counts, key=counts.get)
    st.markdown(
        f"The genres are **imbalanced**: {big} has {counts[big]} clips {USABLE}, {small} "
        f"only {counts[small]} ({counts[big] / max(counts[small], 1):.1f} times fewer). The "
        "Dataset page counts the clips held as well, before the faulty ones are left out, so "
        "some genres have a few more there. The models use balanced sampling or class weights "
        "where they can, and the Models page reports balanced accuracy and macro-F1, which "
        "give each genre the same weight."
    )
    if not evaluation_path("knn").is_file():
        st.info("How the models were tested appears here once the evaluation is built: "
                f"run `{EVALUATE_COMMAND}`.")
        return
    try:
        protocol = evaluation("knn").protocol
    except MGCError as err:  # there but altered, unlisted or malformed
        st.error(str(err))
        return
    st.markdown(f"**How they were tested** ({protocol['name']}): {protocol['description']}")


st.subheader("What they were trained on")
_training_data()

# ------------------------------------------------------------------ limits
st.subheader("Known limits")
st.markdown(
    "- **Ten genres only**: blues, classical, country, disco, hip-hop, jazz, metal, pop, "
    "reggae and rock. Anything else (electronic, folk, K-pop, …) is forced into one of them "
    "by the genre models; the Classify page also shows AudioSet's own, wider list of genres "
    "(Electronic music, Folk music, …), so such music at least gets an honest name there.\n"
    "- **The music check can be wrong**: before any genre verdict, the AudioSet network "
    "decides whether the sound is music, speech, silence or noise, and the app gives a "
    "verdict only for music. It was tuned so that every usable GTZAN clip passes, while "
    "speech, silence, white noise and a bare click track do not; but it can be wrong both "
    "ways: a rap verse over a quiet beat may sound like speech to it, a lone tone or a "
    "field recording may pass or not. Its reason is shown, and the genre guesses stay "
    "visible below it.\n"
    "- **Old music**: GTZAN's 30-second clips were collected around 2000 from CDs, radio and "
    "microphone recordings, so nothing newer is in the training data.\n"
    "- **Small, imbalanced genres**: the small genres above have a few dozen clips or fewer, "
    "so their scores are uncertain and their errors frequent. GTZAN also has known faults "
    "(repeated clips, mislabelled clips, distortions); the faulty clips that Sturm and "
    "Kereliuk et al. list are left out.\n"
    f"- **{KHZ} analysis**: everything above {FRONTEND.sr / 2000:g} kHz is discarded, so that the "
    "models cannot tell genres apart by the recording's bandwidth.\n"
    "- **The transfer model's tags** were learned from the Million Song Dataset (Last.fm "
    "tags) and MagnaTagATune (tags from an online game), mostly Western, mostly older "
    "music; their notion of a style comes with those collections' biases. **AudioSet**'s "
    "labels were given by people to YouTube clips, with their own gaps and biases.\n"
    "- A **genre is not a fact** of a song: listeners disagree, and many songs mix styles. "
    "Read the probabilities, not just the top genre."
)

# ------------------------------------------------------------------ credits
st.subheader("Licences and citations")
st.markdown(
    "- **GTZAN**: G. Tzanetakis and P. Cook, \"Musical genre classification of audio "
    "signals\", *IEEE Transactions on Speech and Audio Processing* 10(5), 2002. The audio "
    "is copyrighted music collected for research; mgc ships none of it and reads it from "
    "the folder `MGC_GTZAN_DIR` points to.\n"
    "- **Sturm's artist index and fault analysis**: B. L. Sturm, \"An analysis of the GTZAN "
    "music genre dataset\", *MIRUM workshop, ACM Multimedia*, 2012; B. L. Sturm, \"The GTZAN "
    "dataset: its contents, its faults, their effects on evaluation, and its future use\", "
    "arXiv:1306.1461, 2013. The artists group the clips so that no artist is on both sides "
    "of a test.\n"
    "- **Fault-filtered split**: C. Kereliuk, B. L. Sturm and J. Larsen, \"Deep learning and "
    "music adversaries\", *IEEE Transactions on Multimedia* 17(11), 2015.\n"
    "- **musicnn**: J. Pons and X. Serra, \"musicnn: pre-trained convolutional neural "
    "networks for music audio tagging\", *ISMIR Late-Breaking/Demo*, 2019. Weights "
    "redistributed under the ISC licence (below).\n"
    "- **EfficientAT**: F. Schmid, K. Koutini and G. Widmer, \"Efficient large-scale audio "
    "tagging via transformer-to-CNN knowledge distillation\", *ICASSP* 2023, "
    "arXiv:2211.04772; https://github.com/fschmid56/EfficientAT. The AudioSet network "
    "(`mn04_as`) is redistributed under the MIT licence (below).\n"
    "- **AudioSet** (Google; dataset CC BY 4.0, ontology CC BY-SA 4.0): J. F. Gemmeke et "
    "al., \"Audio Set: an ontology and human-labeled dataset for audio events\", *ICASSP* "
    "2017. The class and genre names the app shows come from its ontology.\n"
    "- **librosa** (ISC licence): B. McFee et al., \"librosa: audio and music signal "
    "analysis in Python\", *Proc. SciPy*, 2015.\n"
    "- **scikit-learn** (BSD-3-Clause): F. Pedregosa et al., \"Scikit-learn: machine "
    "learning in Python\", *JMLR* 12, 2011.\n"
    "- **Keras** (Apache-2.0): F. Chollet et al., Keras, https://keras.io; with TensorFlow "
    "(Apache-2.0). The musicnn and EfficientAT networks run on **LiteRT** (Apache-2.0), "
    "https://ai.google.dev/edge/litert.\n"
    "- **Streamlit** (Apache-2.0), https://streamlit.io; charts by **Plotly** (MIT)."
)
versions = assets.library_versions()
st.caption("Versions in use: " + ", ".join(f"{k} {v}" for k, v in versions.items())
           + f", streamlit {st.__version__}.")
st.caption(ATTRIBUTION)
for label, name in (("musicnn licence notice (ISC)", "MUSICNN_LICENSE.md"),
                    ("EfficientAT licence notice (MIT) and AudioSet attribution",
                     "EFFICIENTAT_LICENSE.md")):
    with st.expander(label, icon=":material/gavel:"):
        try:  # the notice shown is the one the manifest lists, byte for byte
            notice = assets.read_verified(root / "models" / name, root=root)
            st.markdown(notice.decode("utf-8"))
        except MGCError as err:
            st.error(str(err))

# ------------------------------------------------------------------ privacy
st.subheader("Privacy")
st.markdown(
    "Songs you upload and recordings you make **stay in memory** for your session (and in "
    "a small in-memory cache of recently decoded audio, cleared as new audio arrives or when "
    "the app restarts). They are **never stored on disk** and mgc sends them nowhere."
)
