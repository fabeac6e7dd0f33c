"""Classify several uploaded files at once: one table row per file, its CSV, and "open it".

The rows are the library run's (:func:`mgc_core.batch.rows.file_row`, the same function the
CLI's results file uses): verdict, confidence, the gate and the error first, then the
loader's warnings and each model's guess. Any file classified can be opened in the full
analysis on this page (it becomes the chosen music, as if uploaded in the input panel).

File names are labels only (see :func:`mgc_core.audio.uploads.display_name`); each file is
checked against the upload size limit and the accepted extensions before decoding.
"""

from __future__ import annotations

import hashlib

import streamlit as st

from mgc_core.audio import SUPPORTED_EXTENSIONS
from mgc_core.audio.uploads import check_upload, display_name
from mgc_core.batch.rows import ROW_COLUMNS, error_row, file_row
from mgc_core.errors import AssetError, MGCError
from mgc_core.models import AUDIOSET_ATTRIBUTION as ATTRIBUTION
from mgc_core.models import MODEL_NAMES
from ui.input_panel import _from_file_bytes, load_bytes, md_escape, upload_limit_mb
from ui.results import in_words, run_classify

__all__ = ["batch_rows", "batch_section", "open_row", "SHOWN_COLUMNS"]

_UPLOAD_KEY = "batch_upload"
_OPEN_KEY = "batch_open"
#: Columns the table shows, in order (the CSV has every column of ``ROW_COLUMNS``).
SHOWN_COLUMNS: tuple[str, ...] = tuple(
    c for c in ROW_COLUMNS if c not in ("tags", "sha256", "models_sha256"))
_TEXT_COLUMNS = ("content", *MODEL_NAMES, "audioset_genre")


def _models_key() -> str | None:
    from mgc_core.batch import models_sha256

    try:
        return models_sha256()
    except AssetError:
        return None  # the analysis itself then reports the missing or altered file


def batch_rows(files, *, progress=None) -> list[dict]:  # noqa: ANN001
    """Decode and classify each uploaded file; a bad file gives a row with its error.

    Parameters
    ----------
    files : sequence of UploadedFile
        What ``st.file_uploader(accept_multiple_files=True)`` returns.
    progress : st.progress element, optional
        Advanced after each file.

    Returns
    -------
    list of dict
        One row per file, in upload order, with the columns
        :data:`~mgc_core.batch.rows.ROW_COLUMNS` of :func:`~mgc_core.batch.rows.file_row`
        (``file`` is the name shortened and cleaned for display). A file that failed has
        its ``error`` and empty text columns (no "None").
    """
    rows = []
    limit_mb = upload_limit_mb()
    key = _models_key() if files else None
    for i, f in enumerate(files):
        label = display_name(f.name)
        sha256 = None
        try:
            data = f.getvalue()
            sha256 = hashlib.sha256(data).hexdigest()
            check_upload(f.name, len(data), limit_mb=limit_mb)
            audio = load_bytes(data, label)
            result = run_classify(audio.key, audio)
        except MGCError as err:
            row = error_row(label, str(err), sha256=sha256, models_sha256=key)
        else:
            row = file_row(result, file=label, warnings=audio.warnings, sha256=sha256,
                           models_sha256=key)
        rows.append(row)
        if progress is not None:
            progress.progress((i + 1) / len(files),
                              text=f"{i + 1} of {len(files)}: {md_escape(label)}")
    return rows


def _shown(rows: list[dict]):  # noqa: ANN202 - pandas.DataFrame
    """The rows as the table shows them: text columns of failed files empty, not "None"."""
    import pandas as pd

    table = pd.DataFrame(rows, columns=list(ROW_COLUMNS))
    for column in _TEXT_COLUMNS:
        table[column] = table[column].fillna("")
    return table


def open_row(index: int) -> None:
    """Make the ``index``-th uploaded file the chosen music (the page then analyses it)."""
    files = st.session_state.get(_UPLOAD_KEY) or []
    if 0 <= index < len(files):
        f = files[index]
        _from_file_bytes(f.getvalue(), f.name, "upload")


def _on_open() -> None:
    index = st.session_state.get(_OPEN_KEY)
    if index is not None:
        open_row(index)


def _columns() -> dict:
    number = st.column_config.NumberColumn
    config = {
        "file": st.column_config.TextColumn("file", width="medium", pinned=True),
        "genre": st.column_config.TextColumn(
            "verdict", help="The ensemble's genre, as on the Classify page; empty when the "
                            "file is not music (see content)."),
        "confidence": number("confidence", format="percent",
                             help="The ensemble's probability of its verdict."),
        "content": st.column_config.TextColumn(
            "content", help="What AudioSet hears: music, speech, silence or noise. Only "
                            "music gets a verdict."),
        "music_p": number("music", format="percent",
                          help="AudioSet's probability that this is music."),
        "error": st.column_config.TextColumn("error", width="medium",
                                             help="Why the file could not be classified."),
        "warnings": st.column_config.TextColumn(
            "warnings", help="What the loader noticed: a cut, silence, a low sample rate, "
                             "a damaged end."),
        "duration_s": number("seconds", format="%.1f"),
        "audioset_genre": st.column_config.TextColumn(
            "AudioSet genre", help="AudioSet's own most likely music genre (its list is "
                                   "wider than GTZAN's ten)."),
    }
    for name in MODEL_NAMES:
        config[f"{name}_p"] = number(f"{name} p", format="percent")
    return config


def batch_section() -> None:
    """The "Classify several files" expander: uploader, progress, table, open, CSV."""
    with st.expander("Classify several files", icon=":material/library_add:"):
        files = st.file_uploader(
            "Upload several songs", accept_multiple_files=True,
            type=list(SUPPORTED_EXTENSIONS), key=_UPLOAD_KEY,
        )
        st.caption(
            f"Each file gets the verdict of the {in_words(len(MODEL_NAMES))} models' "
            "ensemble and each model's guess. A file that is not music gets none: its "
            "*content* says what AudioSet heard instead (speech, silence or noise) and its "
            "verdict stays empty. A file that cannot be read gets its error and the rest "
            "still run. For a whole library: `mgc classify FOLDER --recursive --out "
            "results.csv`."
        )
        if not files:
            return
        bar = st.progress(0.0, text="Classifying…")
        rows = batch_rows(files, progress=bar)
        bar.empty()
        table = _shown(rows)
        st.dataframe(table, hide_index=True, column_order=SHOWN_COLUMNS,
                     column_config=_columns(), key="batch_table")
        st.caption("*AudioSet genre*: AudioSet's own top music genre, from a list much wider "
                   f"than GTZAN's ten. {ATTRIBUTION}")
        usable = [i for i, row in enumerate(rows) if not row["error"]]
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        left.selectbox("Open a file in the full analysis", usable, key=_OPEN_KEY,
                       format_func=lambda i: rows[i]["file"], disabled=not usable,
                       placeholder="no file could be classified" if not usable else None)
        right.button("Open on Classify", key="batch_open_go", on_click=_on_open,
                     disabled=not usable, icon=":material/open_in_full:")
        st.download_button("Download this table (CSV)", table.to_csv(index=False),
                           file_name="mgc_batch.csv", mime="text/csv", key="batch_csv")
