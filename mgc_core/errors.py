"""Typed errors of mgc.

Every error that mgc raises on purpose derives from :class:`MGCError`. Its message
says what is wrong and what to do about it, so that the app can show ``str(err)``
as it is and the command-line interface can print it and exit with status 2.
"""

from __future__ import annotations

__all__ = [
    "MGCError",
    "ParameterError",
    "AudioError",
    "AssetError",
    "DatasetNotFoundError",
    "ServiceBusyError",
]


class MGCError(Exception):
    """Root of every error that mgc raises on purpose."""


class ParameterError(MGCError, ValueError):
    """A parameter is out of range or of the wrong kind."""


class AudioError(MGCError):
    """Audio could not be read or is unusable (empty, corrupt, too short, ...)."""


class AssetError(MGCError):
    """A bundled model or evaluation file is missing, altered or unsafe."""


class DatasetNotFoundError(MGCError):
    """A dataset root could not be found or is not in a known layout."""


class ServiceBusyError(MGCError):
    """The process's inference queue stayed full: too many analyses at once."""
