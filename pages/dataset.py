"""Dataset: browse GTZAN, listen to its clips, and see how its genres spread out on 2-D maps."""

from __future__ import annotations

import mimetypes

import pandas as pd
import streamlit as st

from mgc_core import plotting
from mgc_core.datasets.gtzan import ENV_VAR, LAYOUTS, usable_ids
from mgc_core.errors import MGCError
from mgc_core.explore import maps as datamap
from ui.input_panel import gtzan_dataset, md_escape, select_gtzan_clip
from ui.similar import chosen_music_on_maps

st.title("Dataset: GTZAN explorer")
st.caption(
    "GTZAN (Tzanetakis and Cook, 2002): 30-second clips labelled with one of ten genres. "
    "See how many clips each genre has, listen to them, check the known faults, and see "
    "on a map which genres the models' inputs keep apart."
)
#: The two counts of clips, worded alike here and on the About page.
HELD, USABLE = "held", "usable (after removing known faults)"


def _maps(titles: dict[str, tuple[str | None, str | None]], selected: str | None) -> None:
    """The stored 2-D maps, hand-made features beside transfer embeddings."""
    st.subheader("Maps of the clips")
    try:
        record = datamap.read_map()
    except MGCError as err:
        st.error(str(err))
        return
    method = st.radio("Projection", ["pca", "tsne"], horizontal=True, key="dataset_map_method",
                      format_func={"pca": "PCA", "tsne": "t-SNE"}.__getitem__)
    clips = record["clips"]
    ids = [c["id"] for c in clips]
    genres = [c["genre"] for c in clips]
    hover = [  # the artist is stored; the title comes from the dataset's index when there is one
        " – ".join(x for x in (c.get("artist"), titles.get(c["id"], (None, None))[1]) if x)
        for c in clips
    ]
    music = chosen_music_on_maps()  # the music chosen in this session as a point, or None
    for col, (source, spec) in zip(st.columns(2), record["sources"].items(), strict=False):
        name = f"{source}_{method}"
        info = record["maps"][name]
        if method == "pca":
            x_title, y_title = (f"PC {k + 1} ({v:.0%} of the spread)"
                                for k, v in enumerate(info["explained_variance"]))
        else:
            x_title, y_title = "t-SNE 1", "t-SNE 2"
        fig = plotting.clip_map_figure(
            datamap.map_coordinates(record, name), genres, ids=ids, hover=hover,
            highlight=selected, title=f"{spec['title']} ({spec['dimensions']} numbers per clip)",
            x_title=x_title, y_title=y_title,
        )
        if music is not None:
            music.add_to(fig, name)
        col.plotly_chart(fig, key=f"fig_map_{source}")
    if music is not None:
        st.caption(music.note(method))
    st.markdown(
        f"Each dot is one of the {len(clips)} clips {USABLE}; the clips left out as faulty are "
        "not drawn. Its numbers, the hand-made features on the left and the musicnn "
        "embeddings on the right, are squeezed down to two so they can be drawn: clips "
        "with similar numbers land close together. **Where a genre forms its own island, "
        "the models that read those numbers find it easy; where the colours of two genres "
        "mix, those are the genres the models confuse.** Click a genre in the legend to "
        "hide or show it."
    )
    st.caption(
        "PCA is a straight view from the angle that shows the most spread; the axis titles "
        "say how much of the spread each direction holds, so the rest is hidden. t-SNE "
        "bends the space to keep each clip near its closest neighbours: trust who is next "
        "to whom, not the distances between islands nor the axes. Both were computed once "
        f"by `{datamap.MAP_COMMAND}` and are read from the app's bundled files."
    )


# ------------------------------------------------------------------ no dataset: explain, map
try:
    dataset = gtzan_dataset()
except MGCError:
    layouts = "\n".join(
        f"- `<root>/{'' if layout == '.' else layout + '/'}<genre>/<genre>.000NN.<ext>`"
        for layout in LAYOUTS
    )
    st.info(
        f"**No GTZAN dataset is configured.** Set the environment variable `{ENV_VAR}` to "
        "the folder that holds it before starting the app, for example "
        f"`{ENV_VAR}=/path/to/gtzan make run`. Any of these layouts works, with .wav, .au, "
        f".ogg, .flac or .mp3 files:\n{layouts}\n\nOptional: a `splits/` folder beside the "
        "audio with the published lists (Sturm's artist and title index, the known faults, "
        "the fault-filtered split). The maps below are bundled with the app, so they show "
        "even without the dataset."
    )
    _maps({}, None)
    st.stop()

# ------------------------------------------------------------------ counts
counts = dataset.genre_counts()
usable = dict.fromkeys(counts, 0)
for track_id in usable_ids(dataset):
    usable[track_id.split(".", 1)[0]] += 1
st.subheader(f"{sum(counts.values())} clips {HELD}, {sum(usable.values())} {USABLE}")
st.caption(
    f"Read in place from the GTZAN folder “{md_escape(dataset.root.name)}” on the server "
    f"(set by `{ENV_VAR}`). **Held**: the clips in that folder. **Usable**: the clips held, "
    "minus those left out for known faults (repetitions, distortions, duplicates); the "
    "models were trained and tested on the usable clips only, so the About page counts those."
)
st.plotly_chart(plotting.genre_counts_figure(counts, title=f"Clips {HELD} per genre"),
                key="fig_genre_counts")
st.dataframe(
    pd.DataFrame({"genre": list(counts), HELD: list(counts.values()),
                  "left out as faulty": [counts[g] - usable[g] for g in counts],
                  USABLE: list(usable.values())}),
    hide_index=True, key="dataset_counts",
)
present = {g: n for g, n in counts.items() if n}
most, least = max(present.values()), min(present.values())
if most == least:
    st.markdown(f"The genres are balanced: {most} clips {HELD} each.")
else:
    largest = [g for g, n in present.items() if n == most]
    smallest = [g for g, n in present.items() if n == least]
    of_them = f", of which {usable[smallest[0]]} {USABLE}" if len(smallest) == 1 else ""
    st.markdown(
        f"The genres are **imbalanced**: {', '.join(largest)} "
        f"{'have' if len(largest) > 1 else 'has'} {most} clips {HELD}, {', '.join(smallest)} "
        f"only {least}{of_them}. A model that always answered *{largest[0]}* would be right "
        f"on {usable[largest[0]] / max(sum(usable.values()), 1):.0%} of the usable clips, so "
        "mgc reports balanced accuracy (the mean of the per-genre recalls) and macro-F1 next "
        "to plain accuracy."
    )

# ------------------------------------------------------------------ browse
st.subheader("Browse the clips")
index = {t: (track.artist, track.title) for t, track in dataset.tracks.items()}
faults = dataset.faults()
excluded = dataset.excluded_ids()
genre = st.selectbox("Genre", dataset.genres_present(), key="dataset_genre")
ids = dataset.track_ids(genre)
table = pd.DataFrame({
    "clip": ids,
    "artist": [index.get(t, (None, None))[0] or "" for t in ids],
    "title": [index.get(t, (None, None))[1] or "" for t in ids],
    "known fault": [faults.get(t, "") for t in ids],
    "usable": [t not in excluded for t in ids],
})
n_left_out = sum(t in excluded for t in ids)
st.caption(
    f"{len(ids)} {genre} clips {HELD}, {len(ids) - n_left_out} {USABLE}. "
    f"{sum(t in faults for t in ids)} have a known fault (repetition, distortion, exact "
    f"duplicate); the {n_left_out} that the fault-filtered split leaves out are not usable: "
    "the models were neither trained nor tested on them. Select a row to listen."
)
event = st.dataframe(table, on_select="rerun", selection_mode="single-row", hide_index=True,
                     key=f"dataset_clips_{genre}")
rows = event.selection.rows
selected = ids[rows[0]] if rows else None
if selected:
    track = dataset.track(selected)
    st.markdown(f"**{selected}** {' – '.join(x for x in (track.artist, track.title) if x)}")
    if selected in faults:
        st.warning(f"Known fault: {faults[selected]}.")
    try:
        st.audio(track.path.read_bytes(), format=mimetypes.guess_type(track.path.name)[0]
                 or "audio/wav")
    except OSError as err:  # its text holds the server's path: say what, not where
        st.error(f"Could not read the clip {selected}: its file is missing or unreadable "
                 f"({(err.strerror or 'read error').lower()}). Choose another clip, or ask "
                 "whoever runs mgc to check the GTZAN files.")
    left, right = st.columns(2)
    if left.button("Open on Classify", key="dataset_open_classify", icon=":material/label:"):
        select_gtzan_clip(selected)
        st.switch_page("pages/classify.py")
    if right.button("Open on Audio features", key="dataset_open_features",
                    icon=":material/graphic_eq:"):
        select_gtzan_clip(selected)
        st.switch_page("pages/audio_features.py")

# ------------------------------------------------------------------ maps
_maps(index, selected)
