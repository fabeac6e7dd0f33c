"""The input panel: every page that takes music gets it from here.

Four sources (upload, microphone, a GTZAN clip, a built-in signal) end in one
:class:`Selection` kept in ``st.session_state["selection"]``, so the chosen music
persists across pages. Decoding is cached by the file's bytes, never by a path.
Errors are shown with ``st.error`` and the previous selection is kept.

A reload starts a new session: so that it keeps the music, the last few selections of
the server are also kept in memory (:data:`KEPT_MUSIC` of them, at most
:data:`KEPT_MUSIC_MB` MB, in a :class:`ui.state.KeptStore`) and the page's URL names
the current one (``?music=<key>``, a key that cannot be guessed). A reload, or the
link opened on the same server, brings it back while it is kept.

An uploaded file's name is only a label (shortened and cleaned by
:func:`mgc_core.audio.uploads.display_name`, escaped for Markdown) and a hint for the
player's MIME type; it is never used as a path, and nothing is written to disk.
Uploads larger than ``server.maxUploadSize`` are refused here too, not only by
Streamlit in the browser.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

import streamlit as st

from mgc_core.audio import SUPPORTED_EXTENSIONS, Audio, load_audio, to_wav_bytes
from mgc_core.audio.uploads import (
    check_extension,
    check_upload_size,
    display_name,
    extension,
    plain_message,
)
from mgc_core.errors import AudioError, MGCError
from ui.state import KeptStore, update_query_params

__all__ = [
    "Selection", "input_panel", "current_selection", "MAX_SECONDS", "load_bytes",
    "gtzan_dataset", "select_gtzan_clip", "md_escape", "upload_limit_mb", "music_link_key",
    "MUSIC_PARAM", "KEPT_MUSIC", "KEPT_MUSIC_MB",
]

#: Longest stretch of a file that is analysed (longer files are cut, with a warning).
MAX_SECONDS = 600
#: Sample rate of every analysis in the app.
ANALYSIS_SR = 22050
_STATE = "selection"
_ERROR = "selection_error"
#: The URL query parameter that names the music chosen (a key of the kept music).
MUSIC_PARAM = "music"
#: The server keeps this many of the last selections, and at most this many MB of them.
KEPT_MUSIC = 8
KEPT_MUSIC_MB = 256


@dataclass(frozen=True)
class Selection:
    """The music chosen in the input panel.

    Attributes
    ----------
    audio : Audio
        Decoded mono audio at the analysis rate.
    label : str
        What to call it on screen (file name, clip id, signal title).
    source : str
        One of ``"upload"``, ``"recording"``, ``"gtzan"``, ``"signal"``.
    playable : bytes
        Bytes for the audio player (the original file where we have one).
    mime : str
        MIME type of ``playable``.
    gtzan_id : str or None
        The GTZAN id when the music is a dataset clip.
    """

    audio: Audio
    label: str
    source: str
    playable: bytes
    mime: str
    gtzan_id: str | None = None


@st.cache_data(max_entries=16, show_spinner="Decoding audio…")
def load_bytes(data: bytes, name: str) -> Audio:
    """Decode ``data`` (any supported format) at the analysis rate, cached by content.

    ``name`` is only part of the cache key (pass :func:`display_name` of the file's
    name); the format is told from the bytes. Its errors and warnings are in plain
    words (:func:`~mgc_core.audio.uploads.plain_message`): they are shown to the
    person who chose the file, not to a programmer.
    """
    try:
        audio = load_audio(data, sr=ANALYSIS_SR, max_seconds=MAX_SECONDS)
    except AudioError as err:
        raise AudioError(plain_message(str(err))) from err
    return replace(audio, warnings=tuple(plain_message(w) for w in audio.warnings))


def upload_limit_mb() -> int:
    """Streamlit's ``server.maxUploadSize`` (MB), which the uploaders enforce in the browser."""
    return st.get_option("server.maxUploadSize")


_MD_SPECIAL = frozenset("\\`*_[]<>|~$:")


def md_escape(text: str) -> str:
    """Backslash-escape what Markdown (and Streamlit's :color[...] and $math$) would format.

    For user-supplied text such as file names shown with ``st.markdown`` or ``st.error``.
    """
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in text)


def current_selection() -> Selection | None:
    """Return the music chosen in this session, or None."""
    return st.session_state.get(_STATE)


@st.cache_resource(show_spinner=False)
def _kept_music() -> KeptStore:
    """The server's store of the last selections (one per process, shared by sessions)."""
    return KeptStore(max_items=KEPT_MUSIC, max_bytes=KEPT_MUSIC_MB * 2**20)


def music_link_key(selection: Selection) -> str:
    """The key that names ``selection`` in the URL (``?music=``) while the server keeps it."""
    return _kept_music().key_for(f"{selection.audio.key}/{selection.source}/{selection.label}")


def _set(selection: Selection) -> None:
    st.session_state[_STATE] = selection
    st.session_state[_ERROR] = None
    _kept_music().put(music_link_key(selection), selection,
                      nbytes=selection.audio.samples.nbytes + len(selection.playable))


def _restore_from_link() -> None:
    """With no music chosen in this session, bring back the music the URL names."""
    key = st.query_params.get(MUSIC_PARAM)
    if key is None or current_selection() is not None:
        return
    selection = _kept_music().get(key) if KeptStore.is_key(key) else None
    if selection is None:
        update_query_params({MUSIC_PARAM: None})
        st.info(
            "The music this link named is no longer kept on the server (it keeps only the "
            f"last {KEPT_MUSIC} pieces chosen, in memory, until it restarts). Choose it "
            "again below."
        )
        return
    st.session_state[_STATE] = selection


def _fail(message: str) -> None:
    st.session_state[_ERROR] = message


def _mime_for(name: str) -> str:
    ext = extension(name)
    return {
        "wav": "audio/wav", "mp3": "audio/mpeg", "ogg": "audio/ogg", "oga": "audio/ogg",
        "opus": "audio/ogg", "flac": "audio/flac", "m4a": "audio/mp4", "aac": "audio/aac",
        "mp4": "audio/mp4", "webm": "audio/webm",
    }.get(ext, "")


def _from_file_bytes(data: bytes, name: str, source: str, gtzan_id: str | None = None) -> None:
    label = display_name(name)
    try:
        if source == "upload":
            check_extension(name)
        if source in ("upload", "recording"):
            check_upload_size(len(data), upload_limit_mb())
        audio = load_bytes(data, label)
    except MGCError as err:
        _fail(f"Could not use **{md_escape(label)}**: {err}")
        return
    mime = _mime_for(name)
    playable = data if mime else to_wav_bytes(audio)
    _set(Selection(audio, label, source, playable, mime or "audio/wav", gtzan_id))


def _on_upload() -> None:
    uploaded = st.session_state.get("input_upload")
    if uploaded is not None:
        _from_file_bytes(uploaded.getvalue(), uploaded.name, "upload")


def _on_record() -> None:
    recorded = st.session_state.get("input_record")
    if recorded is not None:
        _from_file_bytes(recorded.getvalue(), "microphone recording.wav", "recording")


def _upload_tab() -> None:
    limit = upload_limit_mb()
    st.file_uploader(
        "Upload a song",
        type=list(SUPPORTED_EXTENSIONS),
        key="input_upload",
        on_change=_on_upload,
        help=(
            f"Up to {limit} MB. Formats: {', '.join(SUPPORTED_EXTENSIONS)}. "
            f"Songs longer than {MAX_SECONDS // 60} minutes are cut to the first "
            f"{MAX_SECONDS // 60}."
        ),
    )
    st.caption(
        f"Any common audio format (or a video's sound track), up to {limit} MB. "
        "Uploads stay in the server's memory, never on disk: the last few pieces chosen are "
        "kept a while, so that reloading the page (or its link, on this server) brings "
        "them back."
    )


def _record_tab() -> None:
    st.audio_input(
        "Record with your microphone",
        key="input_record",
        sample_rate=ANALYSIS_SR,  # 22050 Hz, the analysis rate, not the 16 kHz default
        on_change=_on_record,
    )
    st.caption("Hold your phone or speaker near the microphone. At least 1 s is needed.")


def _gtzan_tab() -> None:
    try:
        dataset = gtzan_dataset()
    except MGCError as err:
        st.info(
            "No GTZAN dataset is configured, so its clips are not offered here. "
            f"{err}"
        )
        return
    genre = st.selectbox("Genre", dataset.genres_present(), key="input_gtzan_genre")
    ids = dataset.track_ids(genre)
    def _label(track_id: str) -> str:
        track = dataset.tracks[track_id]  # artist and title read once, with the tracks
        who = " – ".join(x for x in (track.artist, track.title) if x)
        return f"{track_id}  {who}" if who else track_id

    track_id = st.selectbox("Clip", ids, format_func=_label, key="input_gtzan_id")
    st.button("Use this clip", key="input_gtzan_go", disabled=track_id is None,
              on_click=lambda: select_gtzan_clip(st.session_state["input_gtzan_id"]))


def gtzan_dataset():  # noqa: ANN201 - mgc_core.datasets.gtzan.GTZAN
    """The GTZAN dataset configured by ``MGC_GTZAN_DIR`` (cached per process).

    Raises
    ------
    MGCError
        ``DatasetNotFoundError`` saying how to configure one when none is found.
    """
    from mgc_core.datasets import gtzan

    return _dataset(os.environ.get(gtzan.ENV_VAR, ""))


def select_gtzan_clip(track_id: str) -> bool:
    """Make the GTZAN clip ``track_id`` the session's music (as if picked in the panel).

    Used by the pages that open a clip elsewhere ("open on Classify"). Returns True on
    success; on failure the panel shows the reason on the next render.
    """
    try:
        dataset = gtzan_dataset()
        path = dataset.track(track_id).path
        data = path.read_bytes()
    except MGCError as err:
        _fail(f"Could not open {md_escape(display_name(track_id))}: {err}")
        return False
    except OSError as err:  # its text would show the server's path: say what, not where
        _fail(f"Could not read the clip {md_escape(display_name(track_id))}: its file is "
              f"missing or unreadable ({(err.strerror or 'read error').lower()}). Choose "
              "another clip, or ask whoever runs mgc to check the GTZAN files.")
        return False
    _from_file_bytes(data, path.name, "gtzan", gtzan_id=track_id)
    return current_selection() is not None and current_selection().gtzan_id == track_id


@st.cache_resource(max_entries=2, show_spinner=False)
def _dataset(root: str):  # noqa: ANN202 - returns mgc_core.datasets.gtzan.GTZAN
    from mgc_core.datasets import gtzan

    return gtzan.GTZAN(root or None)


@st.cache_data(max_entries=16, show_spinner=False)
def _signal(name: str, duration: float) -> Audio:
    from mgc_core.audio.signals import make_signal

    samples = make_signal(name, sr=ANALYSIS_SR, duration=duration)
    return Audio(samples, sr=ANALYSIS_SR, original_format="built-in signal", name=name)


def _signal_tab() -> None:
    from mgc_core.audio.signals import SIGNALS

    name = st.selectbox(
        "Built-in signal",
        list(SIGNALS),
        format_func=lambda key: SIGNALS[key].title,
        key="input_signal",
    )
    st.caption(SIGNALS[name].description)
    st.slider("Length (s)", 2.0, 30.0, 8.0, 1.0, key="input_signal_seconds")
    # A callback: the selection is set before the page renders, so the panel folds at once.
    st.button("Use this signal", key="input_signal_go", on_click=_use_signal)


def _use_signal() -> None:
    from mgc_core.audio.signals import SIGNALS

    name = st.session_state["input_signal"]
    audio = _signal(name, float(st.session_state["input_signal_seconds"]))
    _set(Selection(audio, SIGNALS[name].title, "signal", to_wav_bytes(audio), "audio/wav"))


def _summary(selection: Selection) -> None:
    audio = selection.audio
    channels = {1: "mono", 2: "stereo"}.get(audio.original_channels,
                                            f"{audio.original_channels} channels")
    st.markdown(f"**Now analysing:** {md_escape(selection.label)}")
    st.caption(
        f"{audio.duration:.1f} s · {audio.original_format} · "
        f"{audio.original_sr / 1000:g} kHz {channels} · analysed as mono at "
        f"{audio.sr / 1000:g} kHz (the genre models hear it at 16 kHz)"
    )
    st.audio(selection.playable, format=selection.mime)
    for warning in audio.warnings:
        st.warning(warning)


def input_panel() -> Selection | None:
    """Render the input panel and return the current selection (or None).

    Returns
    -------
    Selection or None
        The music chosen in this session, on this page or an earlier one.
    """
    st.session_state.setdefault(_STATE, None)
    st.session_state.setdefault(_ERROR, None)
    _restore_from_link()
    selection = current_selection()
    # Nothing chosen: the panel is a plain bordered box, always open. Something chosen: it
    # folds into an expander. (An expander's "expanded" is only its first state, which the
    # browser may keep from an earlier render, so the panel sometimes loaded collapsed.)
    if selection is None:
        panel = st.container(border=True)
        panel.markdown(":material/library_music: **Choose music**")
    else:
        panel = st.expander("Choose music", expanded=False, icon=":material/library_music:")
    with panel:
        upload, record, dataset, signal = st.tabs(
            ["Upload", "Record", "GTZAN clip", "Built-in signal"]
        )
        with upload:
            _upload_tab()
        with record:
            _record_tab()
        with dataset:
            _gtzan_tab()
        with signal:
            _signal_tab()
    if st.session_state[_ERROR]:
        st.error(st.session_state[_ERROR])
    selection = current_selection()
    if selection is not None:
        update_query_params({MUSIC_PARAM: music_link_key(selection)})
        _summary(selection)
    return selection
