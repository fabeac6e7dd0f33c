"""Sounds like: the GTZAN clips nearest to the chosen music, and its place on the 2-D maps.

:func:`sounds_like` is the Classify page's section: for each of the three ways the models
describe music (:data:`mgc_core.explore.similar.SPACES`), the five nearest GTZAN clips
with genre, artist and distance, and a player when the dataset is configured.
:func:`chosen_music_on_maps` places the chosen music on the Dataset page's maps.

Caches: the stored clips (``st.cache_resource``, keyed by the files' sha256, shared and
never mutated) and each song's vectors (``st.cache_data``, keyed by the audio's content,
the transfer model's files and the front end's settings), which the Classify and
Dataset pages share: the networks run once per song, and not at all for a song already
classified (its stored result keeps the KNN's and the transfer model's inputs).
"""

from __future__ import annotations

import mimetypes
from collections import Counter
from dataclasses import dataclass

import numpy as np
import streamlit as st

from mgc_core.errors import MGCError
from mgc_core.explore.similar import (
    CLIPS_FILE,
    K_PLACE,
    SPACES,
    ClipStore,
    K,
    nearest,
    place_on_maps,
    pool_song,
    read_clip_store,
    song_vectors,
)
from mgc_core.models import FRONTEND
from mgc_core.models.frontend import SEGMENT_SECONDS, FrontendSettings
from ui.input_panel import current_selection, gtzan_dataset, md_escape
from ui.results import KEPT_INPUTS, ModelFiles, cached_result, loaded_model, model_files

__all__ = ["clip_store", "music_vectors", "sounds_like", "MusicOnMaps", "chosen_music_on_maps"]

#: Songs whose vectors are kept (each is a few kB).
_ENTRIES = 32


def clip_store() -> ClipStore:
    """The stored GTZAN clips, verified, cached by the files' sha256 (shared: do not mutate).

    Raises
    ------
    AssetError
        If ``maps/gtzan_map.json`` or ``maps/gtzan_clips.npz`` is missing or altered.
    """
    from mgc_core import assets
    from mgc_core.explore.maps import MAP_FILE

    root = assets.ASSETS_DIR
    digests = tuple(assets.sha256_file(root / name) if (root / name).is_file() else ""
                    for name in (MAP_FILE, CLIPS_FILE))
    return _store(str(root), digests)


@st.cache_resource(max_entries=2, show_spinner=False)
def _store(assets_dir: str, digests: tuple[str, ...]) -> ClipStore:
    """``digests`` only key the cache: a changed file is read (and verified) again."""
    return read_clip_store(assets_dir=assets_dir)


def music_vectors(audio, *, clip_id: str | None = None,  # noqa: ANN001 - Audio
                  store: ClipStore | None = None) -> dict[str, np.ndarray]:
    """The music's vector in each space, computed once per song (the networks run here).

    A GTZAN clip of the store (``clip_id``) gets its stored numbers: the app decodes a
    clip at 22.05 kHz, and for the clips held only at 16 kHz that round trip moves the
    hand-made features (the top band of the spectral contrast) far enough to hide the
    clip from itself.

    Raises
    ------
    MGCError
        If the bundled networks are missing or altered, or the audio gives no usable numbers.
    """
    if store is not None and clip_id is not None and clip_id in store.ids:
        return store.vectors(clip_id)
    result = cached_result(audio.key)  # classified already: its kept inputs, no network run
    if result is not None and all(name in result.inputs for name in KEPT_INPUTS):
        return pool_song(result.inputs)
    return _vectors(audio.key, model_files("transfer"), FRONTEND, audio)


@st.cache_data(max_entries=_ENTRIES, show_spinner=False)
def _vectors(key: str, transfer: ModelFiles, frontend: FrontendSettings,  # noqa: ARG001
             _audio) -> dict[str, np.ndarray]:  # noqa: ANN001
    return song_vectors(_audio, loaded={"transfer": loaded_model(transfer)})


def _caveats(audio) -> list[str]:  # noqa: ANN001 - mgc_core.audio.Audio
    """What about this recording may move its neighbours, in plain words."""
    notes = []
    rate = audio.original_sr or audio.sr
    if rate < 16000:
        notes.append(
            f"It was recorded at {rate / 1000:g} kHz, so nothing above {rate / 2000:g} kHz "
            "survived (the GTZAN clips reach 8 kHz): its neighbours may be clips that "
            "sound as dull as a phone, not clips of its genre.")
    if audio.duration < SEGMENT_SECONDS:
        notes.append(f"It is shorter than one {SEGMENT_SECONDS:.0f}-second segment, so it "
                     "was repeated to fill one: few numbers to go on.")
    elif audio.duration > 60:
        notes.append(f"Its {audio.duration / 60:.0f} minutes are averaged into one set of "
                     "numbers (the GTZAN clips are 30 seconds): a song that changes style "
                     "lands between its styles.")
    return notes


def _player(space: str, neighbours) -> None:  # noqa: ANN001 - tuple of Neighbour
    """One player for the neighbour chosen in a select box (when the dataset is there)."""
    try:
        dataset = gtzan_dataset()
    except MGCError:
        st.caption("Set up the GTZAN dataset (`MGC_GTZAN_DIR`) to listen to these clips.")
        return
    ids = [n.id for n in neighbours if n.id in dataset.tracks]
    chosen = st.selectbox("Listen to", ids, index=None, key=f"similar_play_{space}",
                          placeholder="Choose a clip to listen to")
    if chosen is None:
        return
    path = dataset.track(chosen).path
    try:
        st.audio(path.read_bytes(), format=mimetypes.guess_type(path.name)[0] or "audio/wav")
    except OSError as err:  # its text holds the server's path: say what, not where
        st.error(f"Could not read the clip {chosen} ({(err.strerror or 'read error').lower()}).")


def _space_view(space: str, neighbours, typical: float) -> None:  # noqa: ANN001
    import pandas as pd

    st.caption(f"**What it compares**: {SPACES[space]['words']}.")
    st.dataframe(
        pd.DataFrame({
            "clip": [n.id for n in neighbours],
            "genre": [n.genre for n in neighbours],
            "artist": [n.artist or "" for n in neighbours],
            "distance": [round(n.distance, 3) for n in neighbours],
        }),
        hide_index=True, key=f"similar_table_{space}",
    )
    genre, votes = Counter(n.genre for n in neighbours).most_common(1)[0]
    st.markdown(f"**{votes} of {len(neighbours)}** are *{genre}*. Two GTZAN clips picked "
                f"at random are typically **{typical:.2f}** apart here.")
    if neighbours[0].distance > typical:
        st.caption("Nothing in GTZAN is really near: even the nearest clip is farther away "
                   "than two GTZAN clips picked at random usually are. These neighbours say "
                   "little about its genre.")
    _player(space, neighbours)


@st.fragment
def sounds_like(audio, *, clip_id: str | None = None) -> None:  # noqa: ANN001
    """The "Sounds like" section: the nearest GTZAN clips by each kind of numbers.

    A fragment: choosing a clip to listen to reruns only this section.

    Parameters
    ----------
    audio : mgc_core.audio.Audio or None
        The chosen music (``None``: the section says how to choose some).
    clip_id : str, optional
        Its GTZAN id when it is a dataset clip (``Selection.gtzan_id``).
    """
    st.subheader("Sounds like")
    st.caption(
        f"The {K} GTZAN clips whose numbers are closest to this music's, in each of the "
        "three ways the models describe music. Each way hears different things, so the "
        "neighbours differ: that is what a model reading those numbers has to go on. "
        "A KNN model decides exactly this way, by a vote of the nearest clips."
    )
    if audio is None:
        st.info("Choose some music above to see which GTZAN clips it sounds like.")
        return
    try:
        store = clip_store()
        with st.spinner("Comparing it with every GTZAN clip…"):
            vectors = music_vectors(audio, clip_id=clip_id, store=store)
        found = nearest(store, vectors, k=K, clip_id=clip_id)
    except MGCError as err:
        st.error(str(err))
        return
    for note in _caveats(audio):
        st.caption(note)
    if clip_id is not None and clip_id in store.ids:
        st.caption(f"This is the GTZAN clip {clip_id} itself: its stored numbers are "
                   "used, so its nearest clip is itself, at distance 0.")
    tabs = st.tabs([SPACES[space]["title"] for space in found])
    for tab, (space, neighbours) in zip(tabs, found.items(), strict=True):
        with tab:
            _space_view(space, neighbours, store.typical[space])
    st.caption(
        "**Distance** counts how far apart the two sets of numbers are, each number measured "
        "in its usual spread over GTZAN: 0 means the same numbers. The genres are GTZAN's "
        "labels, mistakes included; a near clip of another genre shows where the models "
        "may go wrong."
    )


@dataclass(frozen=True)
class MusicOnMaps:
    """Where the chosen music lands on each 2-D map (by map name), and what to call it."""

    label: str
    positions: dict[str, tuple[float, float]]

    def add_to(self, fig, name: str) -> None:  # noqa: ANN001 - plotly go.Figure
        """Draw the music on the figure of map ``name`` (a black cross, with its label)."""
        import plotly.graph_objects as go

        x, y = self.positions[name]
        how = "placed exactly" if name.endswith("_pca") else "placed approximately"
        fig.add_trace(go.Scatter(
            x=[x], y=[y], mode="markers", name="your music",
            marker={"symbol": "x", "size": 16, "color": "black",
                    "line": {"width": 2, "color": "white"}},
            customdata=[[self.label, how]],
            hovertemplate="<b>%{customdata[0]}</b><br>your music, %{customdata[1]}"
                          "<extra></extra>",
        ))

    def note(self, method: str) -> str:
        """How the music was placed on the maps of ``method`` ("pca" or "tsne"), in words."""
        where = f"The black cross is **{md_escape(self.label)}**, the music you chose. "
        if method == "pca":
            return where + ("PCA is a fixed view, so it is placed exactly where PCA puts "
                            "its numbers, as it placed every clip.")
        return where + (
            "t-SNE has no rule for a newcomer: it arranged only the GTZAN clips. So the "
            f"cross is an **approximation**: the average position of the {K_PLACE} clips "
            "nearest to it in the map's numbers, the nearest counting most.")


def chosen_music_on_maps() -> MusicOnMaps | None:
    """The music chosen in this session, placed on the maps; ``None`` without any.

    When it cannot be placed, says why with ``st.warning`` and returns ``None``.
    """
    selection = current_selection()
    if selection is None:
        return None
    try:
        store = clip_store()
        with st.spinner("Placing your music on the maps…"):
            positions = place_on_maps(store, music_vectors(
                selection.audio, clip_id=selection.gtzan_id, store=store))
    except MGCError as err:
        st.warning(f"The chosen music cannot be drawn on the maps: {err}")
        return None
    return MusicOnMaps(label=selection.label, positions=positions)
