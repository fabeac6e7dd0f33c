"""Classify several uploaded files at once: one table row per file, and its CSV.

File names are labels only (see :func:`mgc_core.audio.uploads.display_name`); each file is
checked against the upload size limit and the accepted extensions before decoding.
"""

from __future__ import annotations

import streamlit as st

from mgc_core.audio import SUPPORTED_EXTENSIONS
from mgc_core.audio.uploads import check_upload, display_name
from mgc_core.errors import MGCError
from mgc_core.models import MODEL_NAMES
from ui.input_panel import load_bytes, md_escape, upload_limit_mb
from ui.results import run_classify

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
        One row per file, in upload order: ``file`` (the name, shortened and cleaned
        for display), ``duration_s``, ``<model>`` and ``<model> p`` (top genre and its
        probability) for each model, ``verdict`` and ``verdict p`` (the ensemble), and
        ``error`` (empty unless the file failed).
    """
    rows = []
    limit_mb = upload_limit_mb()
    for i, f in enumerate(files):
        label = display_name(f.name)
        row: dict = {"file": label, "duration_s": None}
        for name in MODEL_NAMES:
            row[name], row[f"{name} p"] = None, None
        row.update({"verdict": None, "verdict p": None, "error": ""})
        try:
            data = f.getvalue()
            check_upload(f.name, len(data), limit_mb=limit_mb)
            audio = load_bytes(data, label)
            result = run_classify(audio.key, audio)
        except MGCError as err:
            row["error"] = str(err)
        else:
            row["duration_s"] = round(float(result.duration_s), 2)
            for name, r in result.models.items():
                genre, p = r.top(1)[0]
                row[name], row[f"{name} p"] = genre, round(p, 3)
            row["verdict"] = result.genre
            row["verdict p"] = round(float(result.ensemble.max()), 3)
        rows.append(row)
        if progress is not None:
            progress.progress((i + 1) / len(files),
                              text=f"{i + 1} of {len(files)}: {md_escape(label)}")
    return rows


def batch_section() -> None:
    """The "Classify several files" expander: uploader, progress, table, CSV download."""
    import pandas as pd

    with st.expander("Classify several files", icon=":material/library_add:"):
        files = st.file_uploader(
            "Upload several songs", accept_multiple_files=True,
            type=list(SUPPORTED_EXTENSIONS), key="batch_upload",
        )
        st.caption("Each file gets the four models' top genres and the ensemble verdict. "
                   "A file that cannot be read gets its error and the rest still run.")
        if not files:
            return
        bar = st.progress(0.0, text="Classifying…")
        table = pd.DataFrame(batch_rows(files, progress=bar))
        bar.empty()
        st.dataframe(table, hide_index=True)
        st.download_button("Download this table (CSV)", table.to_csv(index=False),
                           file_name="mgc_batch.csv", mime="text/csv", key="batch_csv")
