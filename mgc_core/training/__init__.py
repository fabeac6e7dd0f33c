"""Building the bundled assets from a dataset.

:mod:`~mgc_core.training.inputs`
    Every model's per-segment inputs for every clip, decoded and analysed once and
    cached on disk (``.mgc_cache/``).
:mod:`~mgc_core.training.jobs`
    :func:`~mgc_core.training.jobs.train_all` and
    :func:`~mgc_core.training.jobs.evaluate_all`, which write ``assets/models/`` and
    ``assets/evaluation/`` (``python -m mgc_core train|evaluate``).
"""
