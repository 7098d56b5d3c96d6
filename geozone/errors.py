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
    """Base class of the errors geozone raises for bad data or bad input.

    Catch it to handle every expected failure at once (a missing dataset, an unusable
    argument, an unknown unit name) while letting bugs surface. ``exit_code`` is the status
    the command line exits with; each subclass has its own.

    Examples
    --------
    >>> import geozone
    >>> try:
    ...     geozone.resolve_crs("not a crs")
    ... except geozone.GeozoneError as exc:
    ...     print(type(exc).__name__, exc.exit_code)
    InputError 2
    """

    exit_code = 1


class DataError(GeozoneError):
    """A boundary dataset is missing, corrupt, or cannot be mapped to geozone's schema.

    The message names the dataset or file and, for a missing one, the command that fetches
    it (``geozone data fetch``). Exit code 3.

    Examples
    --------
    >>> import tempfile
    >>> import geozone
    >>> empty = tempfile.mkdtemp()
    >>> geozone.read_table("vn2025-codes", empty)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geozone.errors.DataError: dataset 'vn2025-codes' is not in the data directory ...; run: ...
    """

    exit_code = 3


class InputError(GeozoneError, ValueError):
    """An argument or an input file (points, a column mapping, a CRS) is unusable.

    Also a :class:`ValueError`, so code written for the standard library's convention
    catches it too. Exit code 2.

    Examples
    --------
    >>> from geozone import normalize_name
    >>> normalize_name(42)
    Traceback (most recent call last):
    ...
    geozone.errors.InputError: a name must be a string, not int (42)
    >>> isinstance(InputError("x"), ValueError)
    True
    """

    exit_code = 2


class NameLookupError(GeozoneError, LookupError):
    """A unit name matched no unit, or more than one.

    The message lists the candidates and how to choose between them; programs read them
    from ``candidates``. Also a :class:`LookupError`. Exit code 4.

    Parameters
    ----------
    message : str
        What was looked up and what was found.
    candidates : list of dict, optional
        The units the name matched (ambiguous) or the closest names (not found), as
        :func:`geozone.find_unit` describes them: ``code``, ``full_name``, ``level``,
        ``province_code``, ``province``, ``parent``, ``vintage`` and ``score``.

    Attributes
    ----------
    candidates : list of dict
        ``candidates`` as given (empty when none).

    Examples
    --------
    >>> import pandas as pd
    >>> from geozone import find_unit
    >>> units = pd.DataFrame({"code": ["92", "91"], "name": ["Cần Thơ", "An Giang"]})
    >>> try:
    ...     find_unit(units, "Can Thoo")
    ... except NameLookupError as exc:
    ...     best = exc.candidates[0]
    >>> best["code"], best["full_name"], best["score"]
    ('92', 'Cần Thơ', 93.3)
    """

    exit_code = 4

    def __init__(self, message: str, candidates=None):
        super().__init__(message)
        self.candidates = list(candidates or [])


class AgreementError(GeozoneError):
    """An agreement file is invalid or names units that cannot be resolved.

    The message names the file and the offending entry. Exit code 5.

    Examples
    --------
    >>> import geozone
    >>> geozone.agreement("no-such-agreement")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geozone.errors.AgreementError: ...no-such-agreement...
    """

    exit_code = 5


class GeozoneWarning(UserWarning):
    """Something was repaired or assumed; the message says what.

    Results stay usable; the warning tells what to check. Turn it into an error with
    :func:`warnings.simplefilter` where nothing may be repaired silently.

    Examples
    --------
    >>> import warnings
    >>> import pandas as pd
    >>> from geozone import read_points
    >>> rows = pd.DataFrame({"lat": [10.03], "lon": [105.78], "status": ["mới"]})
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always", GeozoneWarning)
    ...     points = read_points(rows)
    >>> caught[0].category.__name__, "status_input" in points.columns
    ('GeozoneWarning', True)
    """
