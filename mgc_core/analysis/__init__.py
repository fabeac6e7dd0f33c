"""One piece of music, analysed: every model's verdict, the verdict shown, and why.

:mod:`~mgc_core.analysis.classify`
    :func:`~mgc_core.analysis.classify.classify`: one shared front end, every model,
    the ensemble; a :class:`~mgc_core.analysis.classify.Result`.
:mod:`~mgc_core.analysis.rows`
    One way from a result to rows: the CSV, the several-files table, the JSON and the
    CLI's printout.
:mod:`~mgc_core.analysis.verdict`
    The headline a person reads: the genre, how sure, who decided.
:mod:`~mgc_core.analysis.saliency`
    Occlusion maps: which parts of the spectrogram moved the CNN's answer.
"""
