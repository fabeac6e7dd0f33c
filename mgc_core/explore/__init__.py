"""Exploring a dataset: 2-D maps of the clips in each model's feature space.

:mod:`~mgc_core.explore.maps` builds and reads ``assets/maps/gtzan_map.json``
(``python -m mgc_core map --gtzan DIR``).
"""
