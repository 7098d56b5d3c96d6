"""Exceptions and warnings raised by geozone.

Every error names what it is about (a dataset, a file, a row, a unit code) and, where there
is one, the fix. The command-line interface turns a :class:`GeozoneError` into a one-line
message and a non-zero exit code; anything else is a bug.
"""

from __future__ import annotations

__all__ = [
    "AgreementError",
    "DataError",
    "GeozoneError",
    "GeozoneWarning",
    "InputError",
    "NameLookupError",
]


class GeozoneError(Exception):
    """Base class of the errors geozone raises for bad data or bad input."""

    exit_code = 1


class DataError(GeozoneError):
    """A boundary dataset is missing, corrupt, or cannot be mapped to geozone's schema."""

    exit_code = 3


class InputError(GeozoneError, ValueError):
    """An argument or an input file (points, a column mapping, a CRS) is unusable."""

    exit_code = 2


class NameLookupError(GeozoneError, LookupError):
    """A unit name matched no unit, or more than one."""

    exit_code = 4

    def __init__(self, message: str, candidates=None):
        super().__init__(message)
        self.candidates = list(candidates or [])


class AgreementError(GeozoneError):
    """An agreement file is invalid or names units that cannot be resolved."""

    exit_code = 5


class GeozoneWarning(UserWarning):
    """Something was repaired or assumed; the message says what."""
