"""Classify several uploaded files at once: one table row per file, and its CSV.

File names are labels only (see :func:`mgc_core.audio.uploads.display_name`); each file is
checked against the upload size limit and the accepted extensions before decoding.
"""

from __future__ import annotations

import streamlit as st

from mgc_core.analysis.rows import summary_columns, summary_row
from mgc_core.audio import SUPPORTED_EXTENSIONS
from mgc_core.audio.uploads import check_upload, display_name
from mgc_core.errors import MGCError
from mgc_core.models import AUDIOSET_ATTRIBUTION as ATTRIBUTION
from mgc_core.models import MODEL_NAMES
from ui.input_panel import load_bytes, md_escape, upload_limit_mb
from ui.results import in_words, run_classify

__all__ = ["batch_rows", "batch_section"]


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
        One row per file, in upload order: the columns of
        :func:`mgc_core.analysis.rows.summary_row` (``file``, the name shortened and
        cleaned for display; ``duration_s``; ``content`` and ``music p``, the gate's
        music, speech, silence or noise and AudioSet's probability of music; ``<model>``
        and ``<model> p``, top genre and its probability, for each model; ``verdict`` and
        ``verdict p``, the ensemble's, both empty when the file is not music;
        ``audioset genre``, AudioSet's own top music genre), shown rounded (durations to
        0.01 s, probabilities to 0.001), and ``error`` (empty unless the file failed; the
        other columns are then empty).
    """
    rows = []
    limit_mb = upload_limit_mb()
    for i, f in enumerate(files):
        label = display_name(f.name)
        row: dict = {**dict.fromkeys(summary_columns()), "file": label, "error": ""}
        try:
            data = f.getvalue()
            check_upload(f.name, len(data), limit_mb=limit_mb)
            audio = load_bytes(data, label)
            result = run_classify(audio.key, audio)
        except MGCError as err:
            row["error"] = str(err)
        else:
            row.update({column: _shown(column, value)
                        for column, value in summary_row(result, file=label).items()})
            if row["verdict"] == "":  # not music: no verdict, and no confidence in one
                row["verdict p"] = None
        rows.append(row)
        if progress is not None:
            progress.progress((i + 1) / len(files),
                              text=f"{i + 1} of {len(files)}: {md_escape(label)}")
    return rows


def _shown(column: str, value):  # noqa: ANN001, ANN202
    """A summary value as the table shows it: seconds to 0.01, probabilities to 0.001."""
    if column == "duration_s":
        return round(value, 2)
    if column.endswith(" p") and value is not None:
        return round(value, 3)
    return value


_COLUMNS = {
    "content": st.column_config.TextColumn(
        "content", help="What AudioSet hears: music, speech, silence or noise. Only music "
                        "gets a genre verdict."),
    "music p": st.column_config.NumberColumn(
        "music p", help="AudioSet's probability that this is music."),
    "verdict": st.column_config.TextColumn(
        "verdict", help="The ensemble's genre; empty when the file is not music (see "
                        "content)."),
    "audioset genre": st.column_config.TextColumn(
        "AudioSet genre", help="AudioSet's own most likely music genre (its list is wider "
                               "than GTZAN's ten)."),
}


def batch_section() -> None:
    """The "Classify several files" expander: uploader, progress, table, CSV download."""
    import pandas as pd

    with st.expander("Classify several files", icon=":material/library_add:"):
        files = st.file_uploader(
            "Upload several songs", accept_multiple_files=True,
            type=list(SUPPORTED_EXTENSIONS), key="batch_upload",
        )
        st.caption(
            f"Each file gets the {in_words(len(MODEL_NAMES))} models' top genres and the "
            "ensemble verdict. A file that is not music gets none: its *content* says what "
            "AudioSet heard instead (speech, silence or noise) and its verdict stays empty. "
            "A file that cannot be read gets its error and the rest still run."
        )
        if not files:
            return
        bar = st.progress(0.0, text="Classifying…")
        table = pd.DataFrame(batch_rows(files, progress=bar))
        bar.empty()
        st.dataframe(table, hide_index=True, column_config=_COLUMNS)
        st.caption("*AudioSet genre*: AudioSet's own top music genre, from a list much wider "
                   f"than GTZAN's ten. {ATTRIBUTION}")
        st.download_button("Download this table (CSV)", table.to_csv(index=False),
                           file_name="mgc_batch.csv", mime="text/csv", key="batch_csv")
