"""Developer tools beside the library: benchmark, soak, runtime comparison, screenshots.

They measure mgc; mgc never imports them (only its CLI dispatches ``bench`` and
``soak`` here). ``python -m mgc_core bench`` / ``soak`` run them.
"""
