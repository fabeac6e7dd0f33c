"""Neural-network models of mgc.

:mod:`mgc_core.models.musicnn`
    A Keras 3 port of the pretrained musicnn taggers (Pons & Serra, 2019): log-mel
    front end, network builder, TF1-checkpoint converter and bundled-model loader.

Nothing heavy is imported here: TensorFlow and Keras are imported only by the
functions that need them.
"""
