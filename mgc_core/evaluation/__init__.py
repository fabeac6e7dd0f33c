"""How good the models really are: metrics, honest splits, protocols and the stored records.

:mod:`~mgc_core.evaluation.metrics`
    Clip-level accuracy, balanced accuracy, macro-F1, bootstrap intervals, confusion.
:mod:`~mgc_core.evaluation.splits`
    The one grouped splitter: artist-grouped, genre-stratified folds.
:mod:`~mgc_core.evaluation.protocols`
    Honest cross-validation, the leaky protocol shown for contrast, the protocol choice.
:mod:`~mgc_core.evaluation.nested`
    The nested evaluation of the ensemble rule.
:mod:`~mgc_core.evaluation.records`
    The JSON schema of ``assets/evaluation/<model>.json``, its checks and its reading.
:mod:`~mgc_core.evaluation.agreement`
    How often models agree, and where they disagree.
:mod:`~mgc_core.evaluation.ensemble`
    The ensemble rule: a weighted soft vote with weights chosen by nested CV.
:mod:`~mgc_core.evaluation.calibration`
    Can a model's "% sure" be trusted: reliability bins, calibration error, overconfidence.

Models do not grade themselves: everything that scores a model lives here. Importing
this package is light (NumPy only); the protocols import the models on demand.
"""

from __future__ import annotations

from mgc_core.evaluation.metrics import (
    METRICS,
    N_RESAMPLES,
    bootstrap_ci,
    clip_metrics,
    confusion_matrix,
    metrics_with_ci,
    per_genre,
    seed_summary,
)
from mgc_core.evaluation.records import (
    EVALUATE_COMMAND,
    GROUPS,
    SCHEMA,
    Evaluation,
    evaluation_path,
    evaluation_record,
    load_evaluation,
    read_evaluation,
    validate_evaluation,
    write_evaluation,
)

__all__ = [
    "SCHEMA", "METRICS", "GROUPS", "N_RESAMPLES", "EVALUATE_COMMAND",
    "clip_metrics", "bootstrap_ci", "metrics_with_ci", "per_genre", "confusion_matrix",
    "seed_summary", "evaluation_record", "validate_evaluation", "write_evaluation",
    "read_evaluation", "Evaluation", "evaluation_path", "load_evaluation",
]
