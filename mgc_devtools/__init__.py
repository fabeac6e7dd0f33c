"""Developer tools beside the library: benchmark, soak, runtime comparison, screenshots.

They measure mgc; mgc never imports them (only its CLI dispatches ``bench`` and
``soak`` here). ``python -m mgc_core bench`` / ``soak`` run them;
``python -m mgc_devtools.screenshots`` refreshes the README's screenshots and
``python -m mgc_devtools.layout`` the table of ``docs/architecture.md``. What the
tools share (test music, memory, timing, the Audio features page's work) is in
:mod:`mgc_devtools._common`, so no tool imports another's measuring code.
"""
