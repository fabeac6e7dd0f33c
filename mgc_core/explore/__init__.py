"""Exploring a dataset: 2-D maps of the clips, the clips nearest a song, a classifier lab.

:mod:`~mgc_core.explore.maps` builds and reads ``assets/maps/gtzan_map.json``;
:mod:`~mgc_core.explore.similar` finds a song's nearest GTZAN clips in each model's
feature space and places it on the maps (``assets/maps/gtzan_clips.npz``);
:mod:`~mgc_core.explore.lab` trains small classifiers on the clips' stored segments
(``assets/maps/gtzan_segments.npz``). All three files are built together by
``python -m mgc_core map --gtzan DIR``.
"""
