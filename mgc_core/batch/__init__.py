"""Classifying a whole library: thousands of files into one resumable results file.

:mod:`~mgc_core.batch.discover`
    Finds the audio files under paths and folders, and accounts for everything else
    (other files, hidden ones, unreadable folders, symlink loops).
:mod:`~mgc_core.batch.rows`
    :func:`file_row`, the one way from a classification to a row (CLI, engines, the app's
    several-files table).
:mod:`~mgc_core.batch.output`
    The CSV/JSONL results file: appended and flushed a row at a time, repaired and resumed.
:mod:`~mgc_core.batch.work`
    The work on one file: hash, skip when done, decode; classify into its row.
:mod:`~mgc_core.batch.engine`
    :func:`run_batch`, the job: decode in a worker pool while the models classify,
    resume, tag; the local engine.
:mod:`~mgc_core.batch.ray_engine`
    The same job on Ray Data (optional: ``pip install .[ray]``).
:mod:`~mgc_core.batch.tags`
    Writes the verdict into each file's genre tag (mutagen), logged, undoable.
:mod:`~mgc_core.batch.report`
    The progress line and the summary, as text for the CLI.

Examples
--------
>>> from mgc_core.batch import run_batch
>>> summary = run_batch(["~/Music"], out="genres.csv", recursive=True)   # doctest: +SKIP
>>> summary.classified, summary.failed, summary.exit_status              # doctest: +SKIP
(1234, 2, 2)
"""

from __future__ import annotations

from mgc_core.batch.engine import Summary, models_sha256, run_batch
from mgc_core.batch.rows import ROW_COLUMNS, error_row, file_row

__all__ = ["run_batch", "Summary", "models_sha256", "file_row", "error_row", "ROW_COLUMNS"]
