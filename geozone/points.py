"""Reading incident and patrol inputs into points, losing nothing.

Police spreadsheets arrive in every shape: decimal commas, degree-minute-second text, swapped
columns, VN-2000 metres labelled as degrees, legacy Windows-1258 files, Excel sheets with a
merged title row. :func:`read_points` turns any of them into a GeoDataFrame in EPSG:4326 that
keeps **every input row, once, in input order**, with the input columns as they were read, and
adds four columns:

``row``
    The 1-based number of the data row (the header is not counted), for messages.
``status``
    What became of the row's coordinates (vocabulary below).
``status_detail``
    A human-readable reason naming the column and the value; ``""`` for plain ``ok`` rows.
``geometry``
    The point in EPSG:4326, or ``None`` where there is no usable point.

Status vocabulary
-----------------
======================  ========  ===============================================================
status                  geometry  meaning
======================  ========  ===============================================================
``ok``                  point     a usable point inside Vietnam's extent
``swapped_fixed``       point     latitude/longitude (or x/y) were swapped and, because
                                  ``fix_swapped=True``, the point was swapped back
``duplicate_id``        point     the ``id_column`` value already appeared on an earlier row; the
                                  point itself is usable (rows with a coordinate problem keep that
                                  status and mention the repeat in ``status_detail``)
``missing_coordinate``  None      a coordinate is empty, NaN or a placeholder such as ``null``,
                                  ``-``, ``N/A``; or the feature has no / an empty geometry
``invalid_coordinate``  None      unparseable text, a value out of range, ``0, 0``, infinity, a
                                  hemisphere letter in the wrong column, a non-point geometry
``suspect_swapped``     None      as given the point is outside Vietnam but with the two values
                                  swapped it is inside; pass ``fix_swapped=True`` to accept that
``suspect_projected``   None      the values look like metres (UTM / VN-2000) while a geographic
                                  CRS was declared or assumed; the detail suggests a ``crs=``
``suspect_geographic``  None      the values look like degrees while a projected ``crs=`` was given
``outside_vietnam``     None      a valid coordinate outside the generous box lon 101.5–118.5,
                                  lat 6–24 (the classification stage does the exact land/sea test)
======================  ========  ===============================================================

The same vocabulary is available as :data:`POINT_STATUSES`; ``classify_points`` adds its own.
A row gets the first status that applies, in this order: ``missing_coordinate``;
``invalid_coordinate`` (unparseable, infinite, ``0, 0``, hemisphere letter on the wrong axis,
beyond ±1e8 — neither degrees nor metres);
``suspect_projected`` (both values beyond ±360 in degrees) or ``suspect_geographic`` (both within
±360, or written as angles, in metres); ``ok`` if inside the box; ``suspect_swapped`` /
``swapped_fixed`` if only the swapped pair is inside; ``invalid_coordinate`` if out of range;
else ``outside_vietnam``. ``duplicate_id`` then replaces ``ok`` / ``swapped_fixed`` on repeats.

Parsing rules
-------------
* Columns are found by name, case- and diacritic-insensitively: ``lat``, ``latitude``,
  ``vĩ độ`` / ``vi_do`` / ``vido`` (also names containing them, such as ``gps_lat`` or
  ``Vĩ độ (WGS84)``); ``lon``, ``lng``, ``long``, ``longitude``, ``kinh độ`` / ``kinh_do`` /
  ``kinhdo``; ``y`` / ``northing`` and ``x`` / ``easting``; or one combined column ``toa_do`` /
  ``tọa độ`` / ``coordinates`` / ``latlon`` holding ``"10.03, 105.78"``. Latitude/longitude
  names win over a combined column, which wins over ``x``/``y``; with a projected ``crs=``,
  ``x``/``y`` win. Two candidates for one role raise :class:`~geozone.errors.InputError`.
  ``lat=``/``lon=`` (or ``x=``/``y=``) override; the same column for both names a combined one.
* Combined cells: two values separated by ``;``, by a comma followed by a space, by spaces, or
  by a bare comma when neither value is a whole number (``"10,03"`` is one decimal-comma number,
  not a pair). Latitude first (``lonlat`` / ``lnglat`` columns: longitude first) unless
  hemisphere letters say otherwise; ``POINT (lon lat)`` is read as WKT.
* Numbers: ``pd.to_numeric`` first, after reading a single comma as a decimal comma (the fast,
  vectorised path); only cells it rejects are parsed one by one. In projected columns
  ``d,ddd``-shaped values (one to three digits, a comma, three digits) are thousands instead.
  Several commas or several dots are thousands separators (``1,234,567.8``, ``1.234.567,8``: of
  two different separators the last is the decimal one); spaces between groups of three digits
  are thousands separators too. Surrounding spaces and quotes are ignored.
* Angles: degrees, minutes, seconds with symbols (``°`` ``º`` ``'`` ``′`` ``"`` ``″``), letters
  glued to the number (``10d2m30s``), words glued or spaced, with or without diacritics
  (``10độ02'30"``, ``10 độ 2 phút 30 giây``, ``10 do 2,5 phut``, ``deg``/``min``/``sec``),
  colons or plain spaces (``10 02 30.5``; so ``"10 5"`` is 10°05'); a hemisphere before or
  after — ``N S E W`` (or ``North`` …), or Vietnamese ``B``/``Bắc``, ``Nam``,
  ``Đ``/``D``/``Đông``, ``T``/``Tây`` (diacritics optional). Ambiguous letters: a lone ``N``
  is always north (English), so Vietnamese south must be written ``Nam``; ``T`` is Tây
  (west); ``S`` is south except as the seconds letter glued after minutes or unit letters
  (``2m30s``, ``10d30s``); ``D`` is Đông except glued to a number (``105D``, ``10d2m``),
  where it is the degree letter. ``S``/``W``/``Nam``/``Tây`` or a minus sign make the value
  negative; a minus sign with a north/east letter is a contradiction and invalid. Minutes
  and seconds must be below 60 and only the last part may have decimals. A latitude written
  with ``E``/``W`` (or a longitude with ``N``/``S``) is invalid, unless both columns carry
  the other axis's letter: then they are swapped.
* Empty markers: ``""``, ``-``, ``--``, ``null``, ``none``, ``nan``, ``na``, ``n/a``, ``#N/A``,
  ``nil``, ``?``, ``không``, ``không có``, ``không rõ``, ``chưa có`` (case-insensitive).
* Files: CSV/TXT/TSV (delimiter sniffed among tab ``;`` ``,`` ``|``, an Excel ``sep=`` first
  line honoured; encoding UTF-8 with or without BOM, UTF-16/32 with BOM or BOM-less UTF-16,
  then Windows-1258, whose combining tone marks are composed to NFC; blank lines are not rows);
  Excel ``.xlsx``/``.xlsm`` (leading title rows with a single value are skipped; a second header
  row is joined as ``"top / bottom"`` when merged cells show it, or, without merges, when only
  the two rows together name the coordinate columns; trailing empty rows are dropped);
  GeoJSON, GeoPackage, Shapefile and anything else GDAL reads; GeoParquet (plain Parquet too).
  Values of text files stay strings, exactly as written; Excel values keep their types.
* A layer with a geometry column uses its geometry (reprojected to EPSG:4326), unless
  ``lat=``/``lon=``/``x=``/``y=`` are given or every geometry is missing and coordinate columns
  exist. A MultiPoint of one point counts as a point.
* Input columns called ``row``, ``status``, ``status_detail`` or ``geometry`` are renamed with an
  ``_input`` suffix (a :class:`~geozone.errors.GeozoneWarning` says so) so that nothing is lost.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"Vĩ độ": ["10,0452", "10°02'30.5\\"N", "105.78", ""],
...                    "Kinh độ": ["105,7800", "105°46'E", "10.03", "105.7"]})
>>> pts = read_points(df)
>>> pts["status"].tolist()
['ok', 'ok', 'suspect_swapped', 'missing_coordinate']
>>> print(pts["status_detail"].iloc[2])  # doctest: +NORMALIZE_WHITESPACE
Vĩ độ='105.78' and Kinh độ='10.03' look swapped (as given the point is outside Vietnam,
swapped it is inside); pass fix_swapped=True to swap them
>>> round(pts.geometry.iloc[1].y, 6)
10.041806
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as _dt
import decimal
import functools
import gc
import math
import os
import re
import unicodedata
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geozone.crs import bind_vn2000, resolve_crs, transformer
from geozone.errors import GeozoneWarning, InputError

__all__ = ["POINT_STATUSES", "iter_point_chunks", "read_points"]

WGS84 = pyproj.CRS.from_epsg(4326)
_MAX_METRES = 1e8

#: Every status :func:`read_points` can give, with its meaning (see the module docstring).
POINT_STATUSES: dict[str, str] = {
    "ok": "a usable point inside Vietnam's extent",
    "swapped_fixed": "the two coordinates were swapped and fix_swapped=True swapped them back",
    "duplicate_id": "the id_column value already appeared on an earlier row; the point is usable",
    "missing_coordinate": "a coordinate (or the geometry) is empty",
    "invalid_coordinate": "unparseable, out of range, 0/0, infinite, or not a point",
    "suspect_swapped": "outside Vietnam as given, inside with the two values swapped",
    "suspect_projected": "looks like projected metres while a geographic CRS was declared/assumed",
    "suspect_geographic": "looks like degrees while a projected crs= was given",
    "outside_vietnam": "a valid coordinate outside Vietnam's bounding box",
}
_WITH_POINT = ("ok", "swapped_fixed", "duplicate_id")

# A generous box around Vietnam including the Hoàng Sa and Trường Sa archipelagos; the exact
# land / sea / neighbour test belongs to classification, this only catches gross errors.
VN_LON = (101.5, 118.5)
VN_LAT = (6.0, 24.0)
_BOX_TEXT = "lon 101.5–118.5, lat 6–24"

_DEFAULT_CHUNK = 100_000
# read_points parses files in chunks of this size, so a big CSV never needs two full copies of
# its text in memory at once while being parsed.
_READ_CHUNK = 500_000
_RESERVED = ("row", "status", "status_detail", "geometry")

# Cell parse states.
_OK, _MISSING, _INVALID = 0, 1, 2
# Axis hints from hemisphere letters.
_NO_HINT, _LAT, _LON = 0, 1, 2


# --------------------------------------------------------------------------------------------
# Cell parsing
# --------------------------------------------------------------------------------------------

_SYMBOLS = {
    "º": "°",
    "˚": "°",
    "⁰": "°",
    "∘": "°",
    "′": "'",
    "’": "'",
    "‘": "'",
    "´": "'",
    "`": "'",
    "ʹ": "'",
    "‛": "'",
    "″": '"',
    "“": '"',
    "”": '"',
    "ʺ": '"',
    "„": '"',
    "−": "-",
    "–": "-",
    "‒": "-",
    "﹣": "-",
    "－": "-",
    "\u00a0": " ",
    "\u2007": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u3000": " ",
    "\t": " ",
    "，": ",",
    "．": ".",
    "＋": "+",
}
_SYMBOLS.update({chr(0xFF10 + d): str(d) for d in range(10)})  # full-width digits
_SYMBOL_TABLE = str.maketrans(_SYMBOLS)

_NULL_TOKENS = frozenset(
    unicodedata.normalize("NFC", t).casefold()
    for t in (
        "",
        "-",
        "--",
        "---",
        "?",
        "null",
        "none",
        "nan",
        "na",
        "n/a",
        "#n/a",
        "nil",
        "không",
        "không có",
        "không rõ",
        "chưa có",
        "khong",
        "khong co",
        "khong ro",
        "chua co",
    )
)

_PLAIN = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_SEPARATED = re.compile(r"([+-]?)([0-9][0-9., ]*[0-9])")
_DMS_TOKEN = re.compile(
    r"(?P<space>\s*)(?:(?P<num>[0-9]+(?:[.,][0-9]+)?|[.,][0-9]+)|(?P<sym>[°'\":])"
    r"|(?P<word>[^\W\d_]+)|(?P<sign>[+-]))"
)
_UNIT_SYMBOLS = {"°": 0, "'": 1, '"': 2}
_UNIT_WORDS = {
    **dict.fromkeys(("d", "deg", "degree", "degrees", "độ", "do"), 0),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes", "phút", "phut"), 1),
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds", "giây", "giay"), 2),
}
# word -> (axis hint, sign). "N" is English North: Vietnamese "Nam" (south) must be spelled out.
# "D" is Đông written without the stroke, except glued to a number ("105D"), where it stays
# the degree letter of "10d2m30s" (the number loop in _parse_angle claims it first).
_HEMISPHERES = {
    **dict.fromkeys(("n", "north", "b", "bắc", "bac"), (_LAT, 1)),
    **dict.fromkeys(("s", "south", "nam"), (_LAT, -1)),
    **dict.fromkeys(("e", "east", "đ", "d", "đông", "dong"), (_LON, 1)),
    **dict.fromkeys(("w", "west", "t", "tây", "tay"), (_LON, -1)),
}
_UNIT_NAMES = ("degrees", "minutes", "seconds")


@dataclass(frozen=True)
class _Cell:
    """One parsed cell: state, value, axis hint, and whether it was written as an angle."""

    state: int
    value: float = math.nan
    hint: int = _NO_HINT
    angle: bool = False
    reason: str | None = None


_MISSING_CELL = _Cell(_MISSING)


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text).translate(_SYMBOL_TABLE).strip()
    # Quotes around a whole value ('10.5', "10.5") come from exports; strip matched pairs first,
    # before '' is read as a seconds mark, so that '' is an empty value and not 0 seconds.
    while len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1].strip()
    if text.startswith("'"):  # Excel's "store as text" prefix; an angle never starts with it
        text = text[1:].strip()
    return text.replace("''", '"')


def _number_with_separators(sign: str, body: str, projected: bool) -> float | None:
    """Read ``1.234.567,8``-style numbers; None when the separators do not form a number."""
    decimal_sep = thousands = None
    if " " in body:
        thousands = " "
        rest = {c for c in body if c in ".,"}
        if len(rest) > 1:
            return None
        decimal_sep = rest.pop() if rest else None
    elif "." in body and "," in body:
        decimal_sep = "." if body.rfind(".") > body.rfind(",") else ","
        thousands = "," if decimal_sep == "." else "."
    elif "," in body:
        if body.count(",") == 1:
            # In metres "585,479" is a thousands separator (no VN-2000/UTM coordinate is below
            # 1000 m); in degrees a single comma is the Vietnamese decimal comma.
            if projected and re.fullmatch(r"[0-9]{1,3},[0-9]{3}", body):
                thousands = ","
            else:
                decimal_sep = ","
        else:
            thousands = ","
    elif "." in body:
        if body.count(".") == 1:
            decimal_sep = "."
        else:
            thousands = "."
    if decimal_sep is not None:
        if body.count(decimal_sep) != 1:
            return None
        whole, frac = body.split(decimal_sep)
    else:
        whole, frac = body, ""
    if thousands is not None:
        groups = whole.split(thousands)
        if len(groups) < 2 or not 1 <= len(groups[0]) <= 3:
            return None
        if any(len(g) != 3 for g in groups[1:]):
            return None
        whole = "".join(groups)
    if not whole.isdigit() or (frac and not frac.isdigit()):
        return None
    return float(f"{sign}{whole}.{frac or 0}")


def _parse_angle(text: str) -> _Cell:
    """Degree-minute-second (or decimal degree) text with optional hemisphere.

    Numbers with unit marks (``° ' "``), unit letters glued to them (``10d2m30s``) or unit
    words glued or spaced (``10độ``, ``10 độ 2 phút 30 giây``, ``10 do 2,5 phut``), else
    positional (``10 02 30``, ``10:02:30``); only the last part may have decimals (point or
    comma). Hemisphere words before or after (``_HEMISPHERES``) give the sign and the axis.
    How the ambiguous letters read:

    - ``N`` is English north, never Vietnamese Nam (south must be written ``Nam``);
    - ``T`` is Tây (west): English has no T hemisphere;
    - ``S`` glued to a number that follows minutes or unit letters is seconds (``2m30s``,
      ``10°30'15s``, ``10d30s``), otherwise south (``10.5S``, ``10 30 S``);
    - ``D`` glued to a number is the degree letter (``105D``, ``10d2m``), otherwise Đông
      (``105°47'D``, ``105 độ 47 phút D``);
    - ``m`` glued to a lone number is a metre suffix (``585479.1m``), which makes the value
      a plain number; after degrees it is minutes.
    """
    not_angle = _Cell(_INVALID, reason="is not a number or a degree-minute-second angle")
    tokens = []  # (kind, text, preceded by space)
    pos = 0
    while pos < len(text):
        m = _DMS_TOKEN.match(text, pos)
        if m is None:
            if text[pos:].strip() == "":
                break
            return not_angle
        kind = m.lastgroup
        if kind == "num" and tokens and tokens[-1][0] == "num" and not m.group("space"):
            return not_angle  # "10.5.3": numbers glued together are not d/m/s parts
        tokens.append((kind, m.group(kind), bool(m.group("space")) or not tokens))
        pos = m.end()
    hemis: list[tuple[int, int]] = []
    sign = ""
    i = 0
    while i < len(tokens) and tokens[i][0] in ("word", "sign"):
        kind, tok, _ = tokens[i]
        if kind == "sign":
            if sign:
                return not_angle
            sign = tok
        elif tok.casefold() in _HEMISPHERES:
            hemis.append(_HEMISPHERES[tok.casefold()])
        else:
            return not_angle
        i += 1
    parts: list[tuple[str, int]] = []
    last_unit = -1
    used_units = letter_units = metres = False
    while i < len(tokens) and tokens[i][0] == "num":
        number = tokens[i][1]
        i += 1
        unit = None
        if i < len(tokens):
            kind, tok, spaced = tokens[i]
            word = tok.casefold()
            more_numbers = any(t[0] == "num" for t in tokens[i + 1 :])
            if kind == "sym" and tok in _UNIT_SYMBOLS:
                unit = _UNIT_SYMBOLS[tok]
                i += 1
            elif kind == "sym":  # ':' separates positional parts
                if not more_numbers:
                    return not_angle
                i += 1
            # Unit words may stand apart ("10 độ 2 phút"), unit letters only glued ("10d2m"):
            # after a space "S" is South, "D" Đông and "m" no unit ("10.5 S", "105 47 D").
            elif kind == "word" and word in _UNIT_WORDS and (not spaced or len(word) > 1):
                candidate = _UNIT_WORDS[word]
                if word == "m" and last_unit == -1 and not more_numbers:
                    metres = True  # "585479.1m": a metre suffix, not minutes
                    i += 1
                elif word == "s" and last_unit != 1 and not letter_units:
                    pass  # "10.5S" is South; "10d30s" and "2m30s" are seconds
                else:
                    unit = candidate
                    letter_units = True
                    i += 1
        if unit is not None:
            used_units = True
        else:
            unit = last_unit + 1
        if unit <= last_unit or unit > 2:
            return _Cell(_INVALID, reason="has degrees, minutes and seconds out of order")
        parts.append((number, unit))
        last_unit = unit
    while i < len(tokens) and tokens[i][0] == "word" and tokens[i][1].casefold() in _HEMISPHERES:
        hemis.append(_HEMISPHERES[tokens[i][1].casefold()])
        i += 1
    if i < len(tokens) or not parts:
        return not_angle
    if parts[0][1] != 0:
        return _Cell(_INVALID, reason="has minutes or seconds but no degrees")
    if any(("." in p or "," in p) for p, _ in parts[:-1]):
        return _Cell(_INVALID, reason="has decimals before its last degree/minute/second part")
    value = 0.0
    for number, unit in parts:
        amount = float(number.replace(",", "."))
        if unit > 0 and amount >= 60:
            return _Cell(_INVALID, reason=f"has {amount:g} {_UNIT_NAMES[unit]}, must be below 60")
        value += amount / 60**unit
    hint = _NO_HINT
    if hemis:
        if len(set(hemis)) > 1:
            return _Cell(_INVALID, reason="has two different hemisphere letters")
        hint, hemi_sign = hemis[0]
        if metres:
            return _Cell(_INVALID, reason="has a hemisphere letter and a metre suffix")
        if hemi_sign > 0 and sign == "-":
            return _Cell(_INVALID, reason="has a minus sign and a north/east hemisphere letter")
        if hemi_sign < 0:
            value = -value
    elif sign == "-":
        value = -value
    angle = bool(hemis) or used_units or len(parts) > 1
    return _Cell(_OK, value, hint, angle)


@functools.lru_cache(maxsize=65536)
def _parse_text(raw: str, projected: bool) -> _Cell:
    text = _clean(raw)
    if text.casefold() in _NULL_TOKENS:
        return _MISSING_CELL
    if _PLAIN.fullmatch(text):
        return _Cell(_OK, float(text))
    m = _SEPARATED.fullmatch(text)
    if m:
        value = _number_with_separators(m.group(1), m.group(2), projected)
        if value is not None:
            return _Cell(_OK, value)
    return _parse_angle(text)


def _parse_value(raw, projected: bool) -> _Cell:
    """Parse any single cell value (the slow path for what ``pd.to_numeric`` rejected)."""
    if raw is None or raw is pd.NA or raw is pd.NaT:
        return _MISSING_CELL
    if isinstance(raw, bool | np.bool_):
        return _Cell(_INVALID, reason="is a true/false value, not a coordinate")
    if isinstance(raw, str):
        return _parse_text(raw, projected)
    if isinstance(raw, int | float | np.integer | np.floating | decimal.Decimal):
        try:
            value = float(raw)
        except (OverflowError, ValueError):
            return _Cell(_INVALID, reason="is too large to be a coordinate")
        if math.isnan(value):
            return _MISSING_CELL
        return _Cell(_OK, value)
    if isinstance(raw, _dt.date | _dt.time | _dt.timedelta | pd.Timestamp | np.datetime64):
        return _Cell(_INVALID, reason="is a date or time, not a coordinate")
    return _Cell(_INVALID, reason=f"is a {type(raw).__name__}, not a coordinate")


@dataclass
class _Parsed:
    """A column of parsed cells as arrays (reasons only for invalid cells)."""

    value: np.ndarray
    state: np.ndarray
    hint: np.ndarray
    angle: np.ndarray
    reason: dict[int, str] = field(default_factory=dict)

    @classmethod
    def empty(cls, n: int) -> _Parsed:
        return cls(
            np.full(n, np.nan),
            np.zeros(n, np.int8),
            np.zeros(n, np.int8),
            np.zeros(n, bool),
        )

    def set(self, i: int, cell: _Cell) -> None:
        self.value[i] = cell.value
        self.state[i] = cell.state
        self.hint[i] = cell.hint
        self.angle[i] = cell.angle
        if cell.reason:
            self.reason[i] = cell.reason


def _is_text(values: pd.Series) -> np.ndarray:
    """Which cells are strings; vectorised for string columns, where only NA is not text."""
    if pd.api.types.is_string_dtype(values.dtype) and values.dtype != np.dtype(object):
        return values.notna().to_numpy(dtype=bool)
    return values.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)


_COMMA_THOUSANDS = r"\s*[+-]?[0-9]{1,3},[0-9]{3}\s*"


def _text_numbers(texts: pd.Series, projected: bool) -> np.ndarray:
    """Vectorised numbers from text, reading a single comma as a decimal comma.

    Replacing every comma by a dot and letting ``pd.to_numeric`` judge keeps this one
    vectorised pass: a value that parses afterwards had exactly one separator, a comma. Anything
    else (thousands separators, angles, text) comes back NaN for the per-cell parser. In
    projected columns ``585,479``-shaped values are thousands, so they are left to it too.
    """
    has_comma = texts.str.contains(",", regex=False).to_numpy(dtype=bool, na_value=False)
    prepared = texts.str.replace(",", ".", regex=False) if has_comma.any() else texts
    # np.array copies: pandas (copy-on-write) may hand out a read-only view.
    arr = np.array(pd.to_numeric(prepared, errors="coerce").to_numpy(dtype=float, na_value=np.nan))
    if projected and has_comma.any():
        thousands = texts.str.fullmatch(_COMMA_THOUSANDS).to_numpy(dtype=bool, na_value=False)
        arr[thousands] = np.nan
    return arr


def _parse_column(values: pd.Series, projected: bool) -> _Parsed:
    """Parse one coordinate column: vectorised numbers first, then the rest cell by cell."""
    n = len(values)
    out = _Parsed.empty(n)
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    dtype = values.dtype
    kind = getattr(dtype, "kind", "O")
    if pd.api.types.is_bool_dtype(dtype) or kind in "mM" or isinstance(dtype, pd.DatetimeTZDtype):
        # Booleans and dates are never coordinates; the per-cell parser says so row by row.
        for i in range(n):
            out.set(i, _parse_value(values.iloc[i], projected))
        return out
    if pd.api.types.is_numeric_dtype(dtype) and kind in "iufb":
        arr = values.to_numpy(dtype=float, na_value=np.nan)
        out.value[:] = arr
        out.state[np.isnan(arr)] = _MISSING
        return out
    if dtype != np.dtype(object) and pd.api.types.is_string_dtype(dtype):
        arr = _text_numbers(values, projected)
    else:
        # A mixed object column (Excel: numbers, text, dates, booleans side by side).
        try:
            numbers = pd.to_numeric(values, errors="coerce")
            arr = np.array(numbers.to_numpy(dtype=float, na_value=np.nan), dtype=float)
        except (TypeError, ValueError, OverflowError):  # lists, huge ints...
            arr = np.full(n, np.nan)
        # to_numeric turns True into 1.0; a boolean in a coordinate column is a data error.
        arr[values.map(lambda v: isinstance(v, bool | np.bool_)).to_numpy(dtype=bool)] = np.nan
        retry = np.flatnonzero(np.isnan(arr) & _is_text(values))
        if retry.size:
            texts = pd.Series(values.iloc[retry].to_numpy(), dtype="str")
            arr[retry] = _text_numbers(texts, projected)
    pending = np.isnan(arr)
    out.value[~pending] = arr[~pending]
    for i in np.flatnonzero(pending):
        out.set(int(i), _parse_value(values.iloc[int(i)], projected))
    return out


_WKT_POINT = re.compile(r"point\s*z?\s*\(\s*(\S+)\s+(\S+)(?:\s+\S+)?\s*\)", re.IGNORECASE)
_NUM = r"[+-]?[0-9]+(?:\.[0-9]+)?"
_DEC = r"[+-]?[0-9]+\.[0-9]+"
# "10.03, 105.78", "10.03;105.78", "10.03 105.78", "(10.03,105.78)". A bare comma only between
# two numbers with decimal points: "10,03" is one decimal-comma number, not a pair.
_PAIR_FAST = (
    rf"^\s*[(\[]?\s*(?:({_NUM})\s*(?:;\s*|,\s+|\s+)({_NUM})|({_DEC}),({_DEC}))\s*[)\]]?\s*$"
)
_NOT_A_PAIR = "is not two coordinates (write e.g. '10.03, 105.78')"


def _split_pair(text: str) -> tuple[str, str] | None:
    if ";" in text:
        parts = text.split(";")
        return (parts[0], parts[1]) if len(parts) == 2 else None
    if re.search(r",\s|\s,", text):
        parts = re.split(r"\s*,\s+|\s+,\s*", text)
        return (parts[0], parts[1]) if len(parts) == 2 else None
    if not re.search(r"\s", text):
        commas = text.count(",")
        if commas == 1:
            a, b = text.split(",")
            # "10,03" is a decimal comma, not the pair (10, 3): a bare comma separates only
            # values that are not plain whole numbers ("10.03,105.78", "10°N,105°E").
            if re.fullmatch(r"[+-]?[0-9]+", a) or re.fullmatch(r"[+-]?[0-9]+", b):
                return None
            return a, b
        if commas == 3 and "." not in text:  # "10,03,105,78": two decimal-comma numbers
            p = text.split(",")
            return f"{p[0]},{p[1]}", f"{p[2]},{p[3]}"
    # Whitespace-separated (or letter-separated) angles: try every split point and accept
    # the split only if exactly one gives two parseable halves ("10 02 30 105 46 00").
    words = re.sub(r"([NSEWnsew])(?=[0-9])", r"\1 ", text).split()
    good = []
    for k in range(1, len(words)):
        left, right = " ".join(words[:k]), " ".join(words[k:])
        if _parse_text(left, False).state == _OK and _parse_text(right, False).state == _OK:
            good.append((left, right))
    if len(good) == 1:
        return good[0]
    return None


@functools.lru_cache(maxsize=65536)
def _parse_pair_text(raw: str, lon_first: bool) -> tuple[_Cell, _Cell, str | None]:
    """Parse ``"lat, lon"`` text into (lat cell, lon cell, reason-if-invalid)."""
    text = _clean(raw)
    if text.casefold() in _NULL_TOKENS:
        return _MISSING_CELL, _MISSING_CELL, None
    wkt = _WKT_POINT.fullmatch(text)
    if wkt:
        lon, lat = _parse_text(wkt.group(1), False), _parse_text(wkt.group(2), False)
        lon_first = None  # WKT order is fixed: x y
    else:
        text = text.strip("()[]{} ")
        split = _split_pair(text)
        if split is None:
            return _Cell(_INVALID), _Cell(_INVALID), _NOT_A_PAIR
        first, second = (_parse_text(s.strip(), False) for s in split)
        if first.hint == _LON or second.hint == _LAT:
            lat, lon = second, first  # hemisphere letters say which is which
        elif first.hint == _LAT or second.hint == _LON or not lon_first:
            lat, lon = first, second
        else:
            lat, lon = second, first
    for cell in (lat, lon):
        if cell.state == _INVALID:
            return lat, lon, f"{_NOT_A_PAIR}: a part {cell.reason}"
    if _MISSING in (lat.state, lon.state) and lat.state != lon.state:
        return _Cell(_INVALID), _Cell(_INVALID), _NOT_A_PAIR
    return lat, lon, None


def _parse_pair_column(values: pd.Series, lon_first: bool) -> tuple[_Parsed, _Parsed]:
    n = len(values)
    lat, lon = _Parsed.empty(n), _Parsed.empty(n)
    idx = np.arange(n)
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        is_text = _is_text(values)
        if is_text.any():
            texts = values[is_text].astype(str)
            found = texts.str.extract(_PAIR_FAST)
            first, second = found[0].fillna(found[2]), found[1].fillna(found[3])
            a = pd.to_numeric(first, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            b = pd.to_numeric(second, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            fast = ~(np.isnan(a) | np.isnan(b))
            rows = np.flatnonzero(is_text)[fast]
            lat.value[rows], lon.value[rows] = (
                (b[fast], a[fast]) if lon_first else (a[fast], b[fast])
            )
            keep = np.ones(n, bool)
            keep[rows] = False
            idx = idx[keep]
    for i in idx:
        raw = values.iloc[int(i)]
        if isinstance(raw, str):
            a_cell, b_cell, reason = _parse_pair_text(raw, lon_first)
        else:
            cell = _parse_value(raw, False)
            if cell.state == _MISSING:
                a_cell = b_cell = cell
                reason = None
            else:
                a_cell = b_cell = _Cell(_INVALID)
                reason = _NOT_A_PAIR
        if reason:
            a_cell = b_cell = _Cell(_INVALID, reason=reason)
        lat.set(int(i), a_cell)
        lon.set(int(i), b_cell)
    return lat, lon


# --------------------------------------------------------------------------------------------
# Column detection
# --------------------------------------------------------------------------------------------


def _norm_name(label) -> str:
    text = unicodedata.normalize("NFKD", str(label).replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return re.sub(r"[^0-9a-z]+", "_", text).strip("_")


def _has_words(tokens: list[str], *words: str) -> bool:
    k = len(words)
    return any(
        tuple(tokens[i : i + k]) == words
        # "đơn vị đo" (unit of measure) is not "vĩ độ"
        and not (i > 0 and tokens[i - 1] == "don")
        for i in range(len(tokens) - k + 1)
    )


def _name_tier(label, role: str) -> int | None:
    """Rank how surely a column name means ``role``: 1 exact, 2 contains it, 3 x/y; else None."""
    name = _norm_name(label)
    tokens = name.split("_")
    compact = name.replace("_", "")
    if role == "lat":
        if compact in ("lat", "latitude", "vido"):
            return 1
        if {"lat", "latitude", "vido"} & set(tokens) or _has_words(tokens, "vi", "do"):
            return 2
        if compact in ("y", "northing"):
            return 3
    elif role == "lon":
        if compact in ("lon", "lng", "long", "longitude", "kinhdo"):
            return 1
        if {"lon", "lng", "longitude", "kinhdo"} & set(tokens) or _has_words(tokens, "kinh", "do"):
            return 2
        if compact in ("x", "easting"):
            return 3
    return None


_COMBINED_LAT_FIRST = {"toado", "coordinates", "coordinate", "coords", "latlon", "latlng"}
_COMBINED_LAT_FIRST |= {"latlong", "toadogps", "toadowgs84", "toadothapphan", "gps"}
_COMBINED_LON_FIRST = {"lonlat", "lnglat", "longlat"}


def _combined_kind(label) -> str | None:
    compact = _norm_name(label).replace("_", "")
    if compact in _COMBINED_LAT_FIRST:
        return "lat_first"
    if compact in _COMBINED_LON_FIRST:
        return "lon_first"
    return None


def _columns_text(columns) -> str:
    shown = ", ".join(repr(str(c)) for c in list(columns)[:30])
    more = f" and {len(columns) - 30} more" if len(columns) > 30 else ""
    return f"[{shown}{more}]"


def _find_column(columns: list, wanted, argument: str):
    if wanted in columns:
        return wanted
    by_text = [c for c in columns if str(c) == str(wanted)]
    if len(by_text) == 1:
        return by_text[0]
    by_name = [c for c in columns if _norm_name(c) == _norm_name(wanted)]
    if len(by_name) == 1:
        return by_name[0]
    raise InputError(
        f"{argument}={wanted!r} is not a column of the input; the columns are "
        f"{_columns_text(columns)}"
    )


def _pick(columns: list, role: str, tiers: tuple[int, ...]) -> tuple[object | None, list]:
    """Best column for ``role`` within ``tiers``: (column or None, all candidates at that tier)."""
    for tier in tiers:
        found = [c for c in columns if _name_tier(c, role) == tier]
        if found:
            return (found[0] if len(found) == 1 else None), found
    return None, []


@dataclass
class _Plan:
    mode: str  # "columns", "combined" or "geometry"
    lat: object = None  # lat / y column (columns mode), or the combined column
    lon: object = None
    lon_first: bool = False
    geometry: str | None = None  # geometry column of a layer
    crs: pyproj.CRS = WGS84
    fix_swapped: bool = False
    id_column: object = None
    renames: dict = field(default_factory=dict)
    seen_ids: dict = field(default_factory=dict)


def _detect_columns(columns: list, projected: bool) -> tuple[str, object, object, bool] | None:
    """Find coordinate columns by name; None if there are none; InputError if ambiguous."""
    geo_lat, geo_lat_all = _pick(columns, "lat", (1, 2))
    geo_lon, geo_lon_all = _pick(columns, "lon", (1, 2))
    xy_lat, xy_lat_all = _pick(columns, "lat", (3,))
    xy_lon, xy_lon_all = _pick(columns, "lon", (3,))
    combined = [c for c in columns if _combined_kind(c)]
    options = {
        "names": (geo_lat_all, geo_lon_all),
        "xy": (xy_lat_all, xy_lon_all),
    }
    order = ("xy", "names", "combined") if projected else ("names", "combined", "xy")
    for option in order:
        if option == "combined":
            if len(combined) > 1:
                raise InputError(
                    f"several combined coordinate columns {_columns_text(combined)}; pass "
                    "lat= and lon= with the same column name to choose one"
                )
            if combined:
                return ("combined", combined[0], None, _combined_kind(combined[0]) == "lon_first")
            continue
        lat_all, lon_all = options[option]
        if lat_all and lon_all:
            for role, found in (("lat", lat_all), ("lon", lon_all)):
                if len(found) > 1:
                    raise InputError(
                        f"several {'latitude' if role == 'lat' else 'longitude'} columns "
                        f"{_columns_text(found)}; pass {role}= to choose one"
                    )
            lat, lon = (geo_lat, geo_lon) if option == "names" else (xy_lat, xy_lon)
            return ("columns", lat, lon, False)
    partial = [c for c in (*geo_lat_all, *geo_lon_all, *xy_lat_all, *xy_lon_all)]
    if partial:
        raise InputError(
            f"found only part of a coordinate pair, {_columns_text(partial)}, among the columns "
            f"{_columns_text(columns)}; pass lat= and lon= (or x= and y=)"
        )
    return None


def _active_geometry(frame: pd.DataFrame):
    """The name of a GeoDataFrame's active geometry column, or None."""
    if not isinstance(frame, gpd.GeoDataFrame):
        return None
    name = frame.active_geometry_name
    return name if name in frame.columns else None


def _make_plan(
    frame: pd.DataFrame, *, lat, lon, x, y, crs, fix_swapped, id_column, layer_crs, name
) -> _Plan:
    columns = list(frame.columns)
    if isinstance(frame.columns, pd.MultiIndex):
        raise InputError(f"{name} has multi-level column labels; flatten them first")
    dupes = sorted({str(c) for c in columns if columns.count(c) > 1})
    if dupes:
        raise InputError(f"{name} has duplicate column labels {dupes}; rename them first")
    if (lat is None) != (lon is None):
        raise InputError("pass both lat= and lon=, or neither")
    if (x is None) != (y is None):
        raise InputError("pass both x= and y=, or neither")
    if lat is not None and x is not None:
        raise InputError("pass either lat=/lon= or x=/y=, not both")
    if lat is None and x is not None:
        lat, lon = y, x
    geometry_name = _active_geometry(frame)
    attr_columns = [c for c in columns if c != geometry_name]
    # VN-2000 EPSG codes get the official 7-parameter datum shift, not PROJ's default.
    declared = bind_vn2000(resolve_crs(crs)) if crs is not None else None

    plan = _Plan(mode="columns", fix_swapped=bool(fix_swapped))
    use_geometry = False
    if lat is not None:
        plan.lat = _find_column(attr_columns, lat, "lat" if x is None else "y")
        plan.lon = _find_column(attr_columns, lon, "lon" if x is None else "x")
        if plan.lat == plan.lon:  # one column named twice: "10.03, 105.78" in each cell
            plan.mode = "combined"
            plan.lon_first = _combined_kind(plan.lat) == "lon_first"
            plan.lon = None
    else:
        has_geometry = (
            geometry_name is not None
            and not (frame[geometry_name].isna() | frame[geometry_name].is_empty).all()
        )
        projected = declared is not None and declared.is_projected
        found = None if has_geometry else _detect_columns(attr_columns, projected)
        if found is not None:
            plan.mode, plan.lat, plan.lon, plan.lon_first = found
        elif geometry_name is not None:
            use_geometry = True
        else:
            raise InputError(
                f"{name} has no coordinate columns; the columns are {_columns_text(columns)}. "
                "Name them lat/lon (vĩ độ/kinh độ) or pass lat= and lon= (or x= and y=)"
            )
    if use_geometry:
        plan.mode = "geometry"
        plan.geometry = geometry_name
        if declared is None and layer_crs is None:
            warnings.warn(
                f"{name} has no CRS; assuming EPSG:4326 (longitude/latitude). Pass crs= if not",
                GeozoneWarning,
                stacklevel=4,
            )
            plan.crs = WGS84
        elif declared is not None and layer_crs is not None and pyproj.CRS(layer_crs) != declared:
            warnings.warn(
                f"{name} declares {pyproj.CRS(layer_crs).name} but crs={crs!r} was given; "
                f"using {declared.name}",
                GeozoneWarning,
                stacklevel=4,
            )
            plan.crs = declared
        else:
            plan.crs = declared if declared is not None else pyproj.CRS(layer_crs)
    else:
        plan.crs = declared if declared is not None else WGS84
    if not (plan.crs.is_geographic or plan.crs.is_projected):
        raise InputError(f"crs={crs!r} is neither geographic nor projected; give an EPSG code")
    if id_column is not None:
        plan.id_column = _find_column(attr_columns, id_column, "id_column")

    kept = attr_columns if plan.mode == "geometry" else columns
    taken = {str(c) for c in kept}
    for reserved in _RESERVED:
        if reserved in kept:
            new = f"{reserved}_input"
            while new in taken:
                new += "_"
            plan.renames[reserved] = new
            taken.add(new)
    if plan.renames:
        pairs = ", ".join(f"{k!r} -> {v!r}" for k, v in plan.renames.items())
        warnings.warn(
            f"{name}: columns renamed so that geozone's own columns do not overwrite them: {pairs}",
            GeozoneWarning,
            stacklevel=4,
        )
    return plan


# --------------------------------------------------------------------------------------------
# Locating: parsed values -> statuses and points
# --------------------------------------------------------------------------------------------


def _to_wgs84(crs: pyproj.CRS, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if x.size == 0 or crs == WGS84:
        return x.astype(float), y.astype(float)
    with np.errstate(all="ignore"):
        lon, lat = transformer(crs, WGS84).transform(x, y)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def _in_vietnam(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return (lon >= VN_LON[0]) & (lon <= VN_LON[1]) & (lat >= VN_LAT[0]) & (lat <= VN_LAT[1])


def _show(value) -> str:
    if isinstance(value, shapely.Geometry):
        text = value.wkt
    elif isinstance(value, str):
        text = repr(value)
    else:
        text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


_PROJECTED_GUESSES = [(3405, False), (3406, False), (3405, True), (3406, True)]
_ZONE = {3405: "zone 48N", 3406: "zone 49N"}


class _Describer:
    """Builds the ``status_detail`` texts, naming the columns and the values as read."""

    def __init__(self, plan: _Plan, frame: pd.DataFrame):
        self.plan = plan
        if plan.mode == "columns":
            self.lat_raw = frame[plan.lat]
            self.lon_raw = frame[plan.lon]
        elif plan.mode == "combined":
            self.lat_raw = self.lon_raw = frame[plan.lat]
        else:
            self.lat_raw = self.lon_raw = frame[plan.geometry]

    def cell(self, i: int, which: str) -> str:
        plan = self.plan
        raw = (self.lat_raw if which == "lat" else self.lon_raw).iloc[i]
        if plan.mode == "geometry":
            return f"geometry {_show(raw)}"
        column = plan.lat if which == "lat" or plan.mode == "combined" else plan.lon
        return f"{column}={_show(raw)}"

    def empty(self, i: int, which: str) -> str:
        """Name an empty cell: just the column when nothing was there, else column=value."""
        raw = (self.lat_raw if which == "lat" else self.lon_raw).iloc[i]
        if _id_key(raw) is None:
            return str(self.plan.lat if which == "lat" else self.plan.lon)
        return self.cell(i, which)

    def both(self, i: int) -> str:
        if self.plan.mode == "columns":
            lat, lon = self.cell(i, "lat"), self.cell(i, "lon")
            # x before y for metres, as surveyors read them; lat before lon for degrees.
            return f"{lon} and {lat}" if self.plan.crs.is_projected else f"{lat} and {lon}"
        return self.cell(i, "lat")

    def both_are(self, i: int, plural: str, singular: str) -> str:
        """``both(i)`` followed by the verb agreeing with it (two columns or one value)."""
        return f"{self.both(i)} {plural if self.plan.mode == 'columns' else singular}"


def _missing_text(d: _Describer, a: _Parsed, b: _Parsed, i: int) -> str:
    if d.plan.mode == "geometry":
        return "the geometry is missing or empty"
    if d.plan.mode == "combined":
        name = d.empty(i, "lat")
        return f"{name} is empty" if name == str(d.plan.lat) else f"{name} has no coordinates"
    parts = []
    for which, parsed in (("lat", a), ("lon", b)):
        if parsed.state[i] == _MISSING:
            parts.append(f"{d.empty(i, which)} is empty")
        elif parsed.state[i] == _INVALID:
            parts.append(f"{d.cell(i, which)} {parsed.reason.get(i, 'is not a coordinate')}")
    return "; ".join(parts)


def _invalid_parse_text(d: _Describer, a: _Parsed, b: _Parsed, i: int) -> str:
    if d.plan.mode == "combined":
        return f"{d.cell(i, 'lat')} {a.reason.get(i) or b.reason.get(i) or _NOT_A_PAIR}"
    if d.plan.mode == "geometry":
        return f"{d.cell(i, 'lat')} {a.reason.get(i, 'is not a point')}"
    parts = [
        f"{d.cell(i, which)} {parsed.reason.get(i, 'is not a coordinate')}"
        for which, parsed in (("lat", a), ("lon", b))
        if parsed.state[i] == _INVALID
    ]
    return "; ".join(parts)


def _locate(plan: _Plan, d: _Describer, a: _Parsed, b: _Parsed):
    """Statuses, details and WGS84 coordinates from parsed lat/y (``a``) and lon/x (``b``)."""
    n = len(a.value)
    status = np.full(n, "ok", dtype=object)
    detail = np.full(n, "", dtype=object)
    out_lon = np.full(n, np.nan)
    out_lat = np.full(n, np.nan)

    def mark(mask: np.ndarray, name: str, text) -> None:
        for i in np.flatnonzero(mask):
            status[i] = name
            detail[i] = text(int(i))

    missing = (a.state == _MISSING) | (b.state == _MISSING)
    invalid = ~missing & ((a.state == _INVALID) | (b.state == _INVALID))
    mark(missing, "missing_coordinate", lambda i: _missing_text(d, a, b, i))
    mark(invalid, "invalid_coordinate", lambda i: _invalid_parse_text(d, a, b, i))
    todo = ~(missing | invalid)
    av, bv = a.value, b.value
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(av) & np.isfinite(bv)
        mark(
            todo & ~finite,
            "invalid_coordinate",
            lambda i: f"{d.both(i)}: not a finite number",
        )
        todo &= finite
        zero = todo & (av == 0) & (bv == 0)
        mark(zero, "invalid_coordinate", lambda i: f"{d.both(i)}: 0, 0 is a placeholder")
        todo &= ~zero
    projected = plan.crs.is_projected

    if projected:
        # Degrees in a metric CRS: both values tiny, or written as angles/with hemispheres.
        degrees = todo & (((np.abs(av) <= 360) & (np.abs(bv) <= 360)) | a.angle | b.angle)
        mark(
            degrees,
            "suspect_geographic",
            lambda i: (
                f"{d.both_are(i, 'look', 'looks')} like degrees, but crs={plan.crs.name!r} "
                "is projected (metres); drop crs= if they are WGS84 longitude/latitude"
            ),
        )
        todo &= ~degrees
        letters_swapped = np.zeros(n, bool)
    else:
        letters_swapped = todo & (a.hint == _LON) & (b.hint == _LAT)
        wrong_letter = todo & ~letters_swapped & ((a.hint == _LON) | (b.hint == _LAT))

        def wrong_letter_text(i: int) -> str:
            if a.hint[i] == _LON:
                return f"{d.cell(i, 'lat')} has an east/west letter, so it is not a latitude"
            return f"{d.cell(i, 'lon')} has a north/south letter, so it is not a longitude"

        mark(wrong_letter, "invalid_coordinate", wrong_letter_text)
        todo &= ~wrong_letter
        # Metres in Vietnam stay below 3e6 (northings) even with a zone prefix on the
        # easting: beyond 1e8 a value is a typo or junk, not a CRS mix-up.
        beyond_degrees = todo & (np.abs(av) > 360) & (np.abs(bv) > 360)
        huge = beyond_degrees & ((np.abs(av) > _MAX_METRES) | (np.abs(bv) > _MAX_METRES))
        mark(
            huge,
            "invalid_coordinate",
            lambda i: (
                f"{d.cell(i, 'lat' if abs(av[i]) > _MAX_METRES else 'lon')} is too large "
                "for a coordinate, in degrees or in metres"
            ),
        )
        todo &= ~huge
        metres = beyond_degrees & ~huge
        if metres.any():
            _mark_projected(plan, d, metres, av, bv, status, detail)
        todo &= ~metres

    rows = np.flatnonzero(todo)
    lon, lat = _to_wgs84(plan.crs, bv[rows], av[rows])
    inside = _in_vietnam(lon, lat) & ~letters_swapped[rows]
    out_lon[rows[inside]], out_lat[rows[inside]] = lon[inside], lat[inside]
    rest = rows[~inside]
    slon, slat = _to_wgs84(plan.crs, av[rest], bv[rest])
    swapped_inside = _in_vietnam(slon, slat)
    swapped = rest[swapped_inside]
    why = "as given the point is outside Vietnam, swapped it is inside"
    if projected:
        why += "; Vietnamese surveys often write X for the northing"
    for i in swapped:
        reason = "their hemisphere letters say so" if letters_swapped[i] else why
        if plan.fix_swapped:
            status[i] = "swapped_fixed"
            detail[i] = f"{d.both_are(i, 'were', 'was')} swapped ({reason}); swapped back"
        else:
            status[i] = "suspect_swapped"
            detail[i] = (
                f"{d.both_are(i, 'look', 'looks')} swapped ({reason}); "
                "pass fix_swapped=True to swap them"
            )
    if plan.fix_swapped:
        out_lon[swapped], out_lat[swapped] = slon[swapped_inside], slat[swapped_inside]
    left = rest[~swapped_inside]
    left_lon, left_lat = lon[~inside][~swapped_inside], lat[~inside][~swapped_inside]
    for i, x, y in zip(left, left_lon, left_lat, strict=True):
        if letters_swapped[i]:
            status[i] = "invalid_coordinate"
            detail[i] = (
                f"{d.both(i)}: the hemisphere letters say latitude and longitude are swapped, "
                "but swapped the point is outside Vietnam too"
            )
        elif not projected and (abs(av[i]) > 90 or abs(bv[i]) > 180):
            status[i] = "invalid_coordinate"
            bad = "lat" if abs(av[i]) > 90 else "lon"
            limit = "-90..90" if bad == "lat" else "-180..180"
            detail[i] = f"{d.cell(int(i), bad)} is outside {limit}"
        elif not (np.isfinite(x) and np.isfinite(y)):
            status[i] = "invalid_coordinate"
            detail[i] = f"{d.both(i)} cannot be converted from {plan.crs.name} to lon/lat"
        else:
            status[i] = "outside_vietnam"
            detail[i] = (
                f"{d.both(i)}: point ({x:.6f}, {y:.6f}) is outside Vietnam's extent ({_BOX_TEXT})"
            )
    return status, detail, out_lon, out_lat


def _as_metres(d: _Describer, rows: np.ndarray, av: np.ndarray, bv: np.ndarray):
    """``av`` and ``bv`` with the text cells of ``rows`` read again as metres.

    A degree column reads ``586,141`` as 586.141 (the decimal comma); in metres it is 586141,
    and a UTM zone guessed from 586.141 m would send the user to the wrong one.
    """
    if d.plan.mode != "columns":
        return av, bv
    av, bv = av.copy(), bv.copy()
    for raw, values in ((d.lat_raw, av), (d.lon_raw, bv)):
        for i in rows:
            cell = raw.iloc[int(i)]
            if isinstance(cell, str):
                metres = _parse_text(cell, True)
                if metres.state == _OK:
                    values[i] = metres.value
    return av, bv


def _mark_projected(plan, d, mask, av, bv, status, detail) -> None:
    """Flag metres read as degrees, saying which VN-2000 UTM zone would put them in Vietnam."""
    rows = np.flatnonzero(mask)
    av, bv = _as_metres(d, rows, av, bv)
    hits = {}
    for epsg, swap in _PROJECTED_GUESSES:
        x, y = (av[rows], bv[rows]) if swap else (bv[rows], av[rows])
        lon, lat = _to_wgs84(pyproj.CRS.from_epsg(epsg), x, y)
        hits[epsg, swap] = _in_vietnam(lon, lat)
    for k, i in enumerate(rows):
        text = f"{d.both_are(int(i), 'look', 'looks')} like UTM/VN-2000 metres, not degrees"
        # An easting cannot tell UTM 48N from 49N, so every zone that fits is named.
        for swap in (False, True):
            fits = [epsg for (epsg, s), hit in hits.items() if s == swap and hit[k]]
            if fits:
                zones = " or ".join(f"EPSG:{e} (VN-2000 / UTM {_ZONE[e]})" for e in fits)
                text += (
                    f"; as {zones}"
                    + (" with the two columns swapped" if swap else "")
                    + f" they fall in Vietnam: pass crs='EPSG:{fits[0]}' or 'vn2000:<province>'"
                    + (", with x= the easting and y= the northing column" if swap else "")
                )
                break
        else:
            text += "; pass the projected CRS, e.g. crs='EPSG:3405' or 'vn2000:<province>'"
        status[i] = "suspect_projected"
        detail[i] = text


def _geometry_cells(geoms: np.ndarray) -> tuple[_Parsed, _Parsed]:
    n = len(geoms)
    a, b = _Parsed.empty(n), _Parsed.empty(n)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    kind = shapely.get_type_id(geoms)
    # A MultiPoint of exactly one point is a point written the long way.
    single_multi = (kind == 4) & (shapely.get_num_geometries(geoms) == 1)
    geoms = np.where(single_multi, shapely.get_geometry(geoms, 0), geoms)
    point = ~missing & ((kind == 0) | single_multi)
    a.state[missing] = b.state[missing] = _MISSING
    other = ~missing & ~point
    a.state[other] = b.state[other] = _INVALID
    for i in np.flatnonzero(other):
        a.reason[int(i)] = f"is a {geoms[i].geom_type}, not a point"
    xs, ys = shapely.get_x(geoms[point]), shapely.get_y(geoms[point])
    b.value[point], a.value[point] = xs, ys
    return a, b


@contextlib.contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector while creating many geometries.

    Each of the million shapely objects a big chunk creates counts towards the collector's
    thresholds, and the repeated full collections it triggers (scanning every live object,
    including the chunk's own columns) took two thirds of the time of reading 1 M rows. The
    geometries hold no reference cycles, so nothing is lost by collecting later.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _process(frame: pd.DataFrame, plan: _Plan, start: int) -> gpd.GeoDataFrame:
    """Turn one chunk of input rows into the output GeoDataFrame (the single code path)."""
    n = len(frame)
    if plan.mode == "geometry":
        geoms = np.asarray(frame[plan.geometry].array, dtype=object)
        a, b = _geometry_cells(geoms)
        attrs = pd.DataFrame(frame.drop(columns=[plan.geometry]))
    else:
        projected = plan.crs.is_projected
        if plan.mode == "combined":
            a, b = _parse_pair_column(frame[plan.lat], plan.lon_first)
        else:
            a = _parse_column(frame[plan.lat], projected)
            b = _parse_column(frame[plan.lon], projected)
        attrs = pd.DataFrame(frame)
    describer = _Describer(plan, frame)
    status, detail, lon, lat = _locate(plan, describer, a, b)
    rows = np.arange(start + 1, start + n + 1, dtype=np.int64)
    if plan.id_column is not None:
        _mark_duplicates(plan, attrs[plan.id_column], rows, status, detail)
    points = np.full(n, None, dtype=object)
    has_point = np.isin(status, _WITH_POINT)
    with _gc_paused():
        points[has_point] = shapely.points(lon[has_point], lat[has_point])
    attrs = attrs.rename(columns=plan.renames) if plan.renames else attrs.copy(deep=False)
    attrs["row"] = rows
    attrs["status"] = pd.array(status, dtype="str")
    attrs["status_detail"] = pd.array(detail, dtype="str")
    return gpd.GeoDataFrame(
        attrs, geometry=gpd.GeoSeries(points, index=attrs.index, crs=WGS84), crs=WGS84
    )


def _id_key(value):
    """The comparable form of an id cell: stripped text, the value itself, or None if empty."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        return value.strip() or None
    try:
        hash(value)
    except TypeError:  # a list or array in an object column: compare its text
        return repr(value)
    return value


def _mark_duplicates(plan: _Plan, ids: pd.Series, rows, status, detail) -> None:
    """Flag repeats of an id after its first row, remembering ids across chunks.

    Vectorised within the chunk (factorize); the Python-level work is per distinct id only.
    """
    if ids.dtype != np.dtype(object) and pd.api.types.is_string_dtype(ids.dtype):
        stripped = ids.str.strip()
        keys = stripped.where(stripped != "").to_numpy(dtype=object, na_value=None)
    else:
        keys = np.array([_id_key(v) for v in ids.tolist()], dtype=object)
    present = np.flatnonzero(pd.notna(keys))
    if present.size == 0:
        return
    codes, uniques = pd.factorize(keys[present])
    _, first_of_code = np.unique(codes, return_index=True)
    first_row = rows[present][first_of_code]
    seen = plan.seen_ids
    for j, key in enumerate(uniques.tolist()):
        earlier = seen.setdefault(key, int(first_row[j]))
        first_row[j] = earlier
    firsts = first_row[codes]
    repeats = present[firsts != rows[present]]
    for i, first in zip(repeats, firsts[firsts != rows[present]], strict=True):
        note = f"{plan.id_column}={_show(ids.iloc[i])} already on row {first}"
        if status[i] in ("ok", "swapped_fixed"):
            if status[i] == "swapped_fixed":
                note = f"{note}; {detail[i]}"
            status[i] = "duplicate_id"
            detail[i] = note
        else:
            detail[i] = f"{detail[i]}; {note}"


# --------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------

_TEXT_SUFFIXES = {".csv", ".txt", ".tsv", ".tab", ".dat"}
_EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
_PARQUET_SUFFIXES = {".parquet", ".geoparquet", ".pq"}


def _decodes(path: Path, encoding: str) -> tuple[bool, str]:
    """Whether the whole file decodes; streams in blocks so huge files need little memory."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    try:
        with open(path, "rb") as fh:
            while block := fh.read(1 << 20):
                decoder.decode(block)
                offset += len(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        bad = exc.object[exc.start : exc.start + 1]
        return False, f"byte {bad!r} near offset {offset + exc.start}"
    return True, ""


def _detect_encoding(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if not head:
        raise InputError(f"{path} is empty")
    if head.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        candidates = ["utf-32"]
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    elif b"\x00" in head:
        # UTF-8 and Windows-1258 text never contains NUL bytes; UTF-16 without a BOM does.
        even, odd = head[0::2].count(0), head[1::2].count(0)
        candidates = ["utf-16-le" if odd > even else "utf-16-be"]
    else:
        candidates = ["utf-8", "cp1258"]
    problems = []
    for encoding in candidates:
        ok, problem = _decodes(path, encoding)
        if ok:
            return encoding
        problems.append(f"{encoding}: {problem}")
    raise InputError(
        f"cannot decode {path} as {' or '.join(candidates)} ({'; '.join(problems)}); "
        "pass encoding= with the file's encoding"
    )


def _sniff(path: Path, encoding: str) -> tuple[str, int]:
    """(delimiter, rows to skip) from the start of a text file."""
    with open(path, encoding=encoding, newline="") as fh:
        sample = fh.read(65536)
        at_end = fh.read(1) == ""
    first_line = sample.split("\n", 1)[0].strip().strip('"')
    m = re.fullmatch(r"sep=(.)", first_line)
    if m:  # Excel's "sep=;" hint line
        return m.group(1), 1
    lines = sample.splitlines()
    if not at_end and len(lines) > 1:
        lines = lines[:-1]  # the last line of the sample may be cut
    best = None
    for order, delimiter in enumerate(("\t", ";", ",", "|")):
        try:
            rows = [r for r in csv.reader(lines, delimiter=delimiter) if r]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        body = rows[1:]
        score = sum(len(r) == width for r in body) / len(body) if body else 1.0
        key = (score, width, -order)
        if best is None or key > best[0]:
            best = (key, delimiter)
    return (best[1] if best else ","), 0


def _nfc_frame(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.rename(columns=lambda c: unicodedata.normalize("NFC", c))
    for column in frame.columns:
        frame[column] = frame[column].str.normalize("NFC")
    return frame


def _csv_frames(path: Path, chunksize: int | None, encoding: str | None) -> Iterator[pd.DataFrame]:
    if encoding is None:
        encoding = _detect_encoding(path)
    else:
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise InputError(f"encoding={encoding!r} is not an encoding Python knows") from exc
        if path.stat().st_size == 0:
            raise InputError(f"{path} is empty")
        with open(path, "rb") as fh:
            if codecs.lookup(encoding).name == "utf-8" and fh.read(3) == codecs.BOM_UTF8:
                encoding = "utf-8-sig"  # else the BOM would stick to the first column name
        ok, problem = _decodes(path, encoding)
        if not ok:
            raise InputError(
                f"{path} is not valid {encoding} ({problem}); pass the right encoding= "
                "or leave it out to detect it"
            )
    delimiter, skip = _sniff(path, encoding)
    # Windows-1258 writes tone marks as combining characters; compose them (NFC) so the text
    # compares equal to the same words typed in Unicode.
    legacy = codecs.lookup(encoding).name == "cp1258"
    try:
        reader = pd.read_csv(
            path,
            sep=delimiter,
            encoding=encoding,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skiprows=skip,
            chunksize=chunksize or _READ_CHUNK,
        )
        with reader:
            for chunk in reader:
                yield _nfc_frame(chunk) if legacy else chunk
    except pd.errors.EmptyDataError as exc:
        raise InputError(f"{path} has no header row") from exc
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(
            f"cannot read {path} as {encoding} text with delimiter {delimiter!r}: {exc}"
        ) from exc


def _looks_numeric(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, str) and _parse_text(value, False).state == _OK


def _finds_coordinates(names: list[str]) -> bool:
    try:
        return _detect_columns(names, projected=False) is not None
    except InputError:  # ambiguous still means coordinate columns are there
        return True


def _excel_frame(path: Path, sheet) -> pd.DataFrame:
    import openpyxl

    try:
        # Not read-only: merged ranges, needed to find a two-row header, are only available
        # on normal worksheets. Excel's row limit keeps this bounded.
        book = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise InputError(f"cannot open {path} as an Excel workbook: {exc}") from exc
    names = book.sheetnames
    if sheet is None:
        ws = book.worksheets[0]
    elif isinstance(sheet, int) and not isinstance(sheet, bool):
        if not 0 <= sheet < len(names):
            raise InputError(f"{path} has no sheet number {sheet}; its sheets are {names}")
        ws = book.worksheets[sheet]
    elif sheet in names:
        ws = book[sheet]
    else:
        raise InputError(f"{path} has no sheet {sheet!r}; its sheets are {names}")
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    while rows and all(v is None or (isinstance(v, str) and not v.strip()) for v in rows[-1]):
        rows.pop()
    if not rows:
        raise InputError(f"sheet {ws.title!r} of {path} is empty")
    width = max(len(r) for r in rows)
    rows = [r + [None] * (width - len(r)) for r in rows]

    def present(v) -> bool:
        return v is not None and not (isinstance(v, str) and not v.strip())

    window = min(len(rows), 12)
    filled = [list(r) for r in rows[:window]]
    merges = list(ws.merged_cells.ranges)
    for rng in merges:
        if rng.min_row > window or rng.min_col > width:
            continue
        value = rows[rng.min_row - 1][rng.min_col - 1]
        for r in range(rng.min_row, min(rng.max_row, window) + 1):
            for c in range(rng.min_col, min(rng.max_col, width) + 1):
                filled[r - 1][c - 1] = value

    # A title row has at most one value (often merged across the table) above a wider header.
    counts = [sum(map(present, r)) for r in rows[:window]]
    header = 0
    if max(counts) >= 2:
        while header < window - 1 and counts[header] <= 1:
            header += 1

    def names(two_rows: bool) -> list[str]:
        out = []
        for c in range(width):
            parts = [filled[header][c]]
            if two_rows:
                parts.append(filled[header + 1][c] if header + 1 < window else rows[header + 1][c])
            parts = [str(p).strip() for p in parts if present(p)]
            parts = [p for k, p in enumerate(parts) if p not in parts[:k]]
            out.append(" / ".join(parts) if parts else f"Unnamed: {c}")
        return out

    two_rows = False
    if header + 1 < len(rows):
        # A second header row is only assumed on evidence, since taking a data row for a
        # header would lose it: a header cell merged down over two rows; header cells merged
        # across columns with text sub-headers under every column they span and nowhere else
        # but under empty header cells; or, with no merges, a text-only row filling gaps of
        # the header that only together with it names coordinate columns.
        hrow = header + 1  # 1-based sheet row of the header
        top, below = rows[header], rows[header + 1]
        texts_only = any(map(present, below)) and not any(
            _looks_numeric(v) for v in below if present(v)
        )
        vertical = any(rng.min_row == hrow and rng.max_row > hrow for rng in merges)
        spans = [
            rng
            for rng in merges
            if rng.min_row == hrow == rng.max_row and rng.max_col > rng.min_col
        ]
        span_columns = {
            c - 1 for rng in spans for c in range(rng.min_col, min(rng.max_col, width) + 1)
        }
        sub_headers = (
            bool(spans)
            and texts_only
            and all(present(below[c]) for c in span_columns)
            and all(
                c in span_columns or not present(top[c]) for c in range(width) if present(below[c])
            )
        )
        if vertical or sub_headers:
            two_rows = True
        elif not merges and texts_only and header + 2 < len(rows):
            fills_gap = any(not present(t) and present(b) for t, b in zip(top, below, strict=True))
            two_rows = (
                fills_gap
                and _finds_coordinates(names(True))
                and not _finds_coordinates(names(False))
            )
    counted: dict[str, int] = {}
    unique = []
    for name in names(two_rows):
        if name in counted:
            counted[name] += 1
            unique.append(f"{name}.{counted[name]}")
        else:
            counted[name] = 0
            unique.append(name)
    data = rows[header + (2 if two_rows else 1) :]
    return pd.DataFrame(data, columns=unique, dtype=object)


def _geo_frame(path: Path, suffix: str, sheet, encoding: str | None) -> pd.DataFrame:
    try:
        if suffix in _PARQUET_SUFFIXES:
            try:
                return gpd.read_parquet(path)
            except ValueError:  # plain Parquet without geo metadata
                return pd.read_parquet(path)
        kwargs = {}
        if sheet is not None:
            kwargs["layer"] = sheet
        if encoding is not None:
            kwargs["encoding"] = encoding
        return gpd.read_file(path, **kwargs)
    except InputError:
        raise
    except Exception as exc:  # pyogrio / pyarrow raise their own error types
        raise InputError(f"cannot read {path}: {exc}") from exc


def _memory_frames(frame: pd.DataFrame, chunksize: int | None) -> Iterator[pd.DataFrame]:
    if chunksize is None or len(frame) <= chunksize:
        yield frame
        return
    for start in range(0, len(frame), chunksize):
        yield frame.iloc[start : start + chunksize]


@dataclass
class _Opened:
    frames: Iterator[pd.DataFrame]  # the raw rows, chunk by chunk
    name: str  # for messages
    layer_crs: object = None  # the CRS a geometry layer declares
    whole: pd.DataFrame | None = None  # the whole input when it is in memory anyway


def _open(source, chunksize: int | None, sheet, encoding) -> _Opened:
    if isinstance(source, pd.DataFrame):
        layer_crs = source.crs if _active_geometry(source) is not None else None
        return _Opened(_memory_frames(source, chunksize), "the input", layer_crs, source)
    if not isinstance(source, str | os.PathLike):
        raise InputError(
            f"cannot read points from a {type(source).__name__}; give a DataFrame, a "
            "GeoDataFrame or a file path"
        )
    path = Path(source)
    if not path.exists():
        raise InputError(f"{path} does not exist")
    if path.is_dir() and path.suffix.lower() != ".gdb":
        raise InputError(f"{path} is a directory; give a file")
    suffix = path.suffix.lower()
    if suffix in _TEXT_SUFFIXES:
        sample = next(_csv_frames(path, _LEGACY_SAMPLE_ROWS, encoding))
        legacy = _LegacyText(str(path), sample)
        return _Opened(map(legacy, _csv_frames(path, chunksize, encoding)), str(path))
    if suffix in _EXCEL_SUFFIXES:
        frame = _excel_frame(path, sheet)
        frame = _LegacyText(str(path), frame)(frame)
        return _Opened(_memory_frames(frame, chunksize), str(path), None, frame)
    if suffix == ".xls":
        raise InputError(f"{path} is an old .xls workbook; save it as .xlsx or CSV")
    frame = _geo_frame(path, suffix, sheet, encoding)
    frame = _LegacyText(str(path), frame)(frame)
    layer_crs = frame.crs if _active_geometry(frame) is not None else None
    return _Opened(_memory_frames(frame, chunksize), str(path), layer_crs, frame)


_LEGACY_MIN_VALUES = 3
_LEGACY_SAMPLE_ROWS = 2_000


class _LegacyText:
    """Convert TCVN3/VNI text (headers and cells) of a file's frames to Unicode.

    Registers typed with the old .Vn/VNI fonts are still common; left as they are, "Kinh ®é"
    hides the coordinate column and names stay unreadable. The decision is made once, on a
    sample of the file's first rows, so that every chunk of a streamed file is read the same
    way whatever the chunk size; each conversion is noted once.
    """

    def __init__(self, name: str, sample: pd.DataFrame):
        from geozone.vnencoding import decode_tcvn3, decode_vni, detect_encoding, fix_legacy_text

        self.name = name
        self.decoders = {"tcvn3": decode_tcvn3, "vni": decode_vni}
        labels = [c for c in sample.columns if isinstance(c, str)]
        self.header = detect_encoding(labels) if labels else "ascii"
        self.columns: dict = {}
        if self.header in self.decoders:
            sample = sample.rename(columns=self._label)
            self._warn(f"column names converted from {self.header.upper()} to Unicode")
        _, report = fix_legacy_text(sample)
        for entry in report:
            if entry["encoding"] not in self.decoders or not entry["rows_changed"]:
                if entry["message"]:
                    self._warn(entry["message"])
                continue
            # A lone "µ" is as likely a typo as TCVN3 "à": free text needs a few converted
            # values, or a legacy header, before it is rewritten.
            if entry["rows_changed"] < _LEGACY_MIN_VALUES and self.header not in self.decoders:
                continue
            self.columns[entry["column"]] = (entry["encoding"], entry["read_as"])
            self._warn(entry["message"])

    def _label(self, label):
        return self.decoders[self.header](label) if isinstance(label, str) else label

    def __call__(self, frame: pd.DataFrame) -> pd.DataFrame:
        if self.header in self.decoders:
            frame = frame.rename(columns=self._label)
        if not self.columns:
            return frame
        frame = frame.copy()
        for column, (encoding, read_as) in self.columns.items():
            if column not in frame:
                continue
            decode = self.decoders[encoding]
            values = frame[column]
            texts = values[values.map(lambda v: isinstance(v, str))]
            mapping = {v: decode(v, read_as=read_as) for v in texts.unique()}
            frame[column] = values.map(
                lambda v, m=mapping: m.get(v, v) if isinstance(v, str) else v
            )
        return frame

    def _warn(self, message: str) -> None:
        warnings.warn(f"{self.name}: {message}", GeozoneWarning, stacklevel=5)


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def iter_point_chunks(
    source,
    chunksize: int = _DEFAULT_CHUNK,
    *,
    lat=None,
    lon=None,
    x=None,
    y=None,
    crs=None,
    fix_swapped: bool = False,
    id_column=None,
    sheet=None,
    encoding: str | None = None,
) -> Iterator[gpd.GeoDataFrame]:
    """Read points chunk by chunk, so a file of millions of rows needs bounded memory.

    The file is opened, its encoding and columns checked, and its first chunk read when this
    function is called, so bad input fails here and not at the first iteration.

    Parameters
    ----------
    source : path, DataFrame or GeoDataFrame
        As for :func:`read_points`. CSV/TXT files are read ``chunksize`` rows at a time; other
        sources are read whole and then handed out in slices of ``chunksize`` rows.
    chunksize : int, default 100000
        Rows per chunk.
    lat, lon, x, y, crs, fix_swapped, id_column, sheet, encoding
        As for :func:`read_points`.

    Yields
    ------
    GeoDataFrame
        Consecutive rows in the layout of :func:`read_points`; ``row`` continues across
        chunks, and ``duplicate_id`` looks back over every earlier chunk (the ids seen are kept
        in memory, one entry per distinct id).

    Raises
    ------
    InputError
        As for :func:`read_points`, and if ``chunksize`` is not a positive integer.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"lat": [10.03, 10.5, 11.0], "lon": [105.78, 106.1, 106.6]})
    >>> [(len(c), c["row"].tolist()) for c in iter_point_chunks(df, chunksize=2)]
    [(2, [1, 2]), (1, [3])]
    """
    if isinstance(chunksize, bool) or not isinstance(chunksize, int | np.integer) or chunksize < 1:
        raise InputError(f"chunksize={chunksize!r} must be a positive whole number of rows")
    return _chunks(
        source,
        int(chunksize),
        lat=lat,
        lon=lon,
        x=x,
        y=y,
        crs=crs,
        fix_swapped=fix_swapped,
        id_column=id_column,
        sheet=sheet,
        encoding=encoding,
    )


def _chunks(source, chunksize, *, sheet, encoding, **options) -> Iterator[gpd.GeoDataFrame]:
    opened = _open(source, chunksize, sheet, encoding)
    first = _next_frame(opened.frames)
    if first is None:  # pragma: no cover - every reader yields at least one (maybe empty) frame
        raise InputError(f"{opened.name} has no rows and no header")
    # The plan (columns, CRS) is made once: from the whole input when it is in memory (so that
    # "are all geometries missing?" looks at every row), else from the first chunk.
    sample = opened.whole if opened.whole is not None else first
    plan = _make_plan(sample, layer_crs=opened.layer_crs, name=opened.name, **options)
    first_out = _process(first, plan, 0)
    return _continue(first_out, len(first), opened.frames, plan)


def _next_frame(frames: Iterator):
    try:
        return next(frames, None)
    except UnicodeDecodeError as exc:  # belt and braces: decoding was checked beforehand
        raise InputError(f"cannot decode the input: {exc}") from exc


def _continue(first_out, count, frames, plan) -> Iterator[gpd.GeoDataFrame]:
    yield first_out
    while (frame := _next_frame(frames)) is not None:
        out = _process(frame, plan, count)
        count += len(frame)
        yield out


def read_points(
    source,
    *,
    lat=None,
    lon=None,
    x=None,
    y=None,
    crs=None,
    fix_swapped: bool = False,
    id_column=None,
    sheet=None,
    encoding: str | None = None,
) -> gpd.GeoDataFrame:
    """Read incident or patrol coordinates into points, keeping every row.

    Parameters
    ----------
    source : path, DataFrame or GeoDataFrame
        A DataFrame with coordinate columns; a GeoDataFrame (its geometry is used and
        reprojected); or a file: CSV/TXT/TSV, Excel ``.xlsx``, GeoJSON, GeoPackage, Shapefile,
        GeoParquet or anything else GDAL reads.
    lat, lon : column label, optional
        The latitude and longitude columns, when their names are not recognised. The same label
        for both names one combined column such as ``"10.03, 105.78"``.
    x, y : column label, optional
        Easting and northing columns of projected coordinates (give ``crs=`` too).
    crs : optional
        The CRS of the coordinates: an EPSG code or anything :func:`geozone.crs.resolve_crs`
        accepts. Default EPSG:4326, or the layer's own CRS for files with geometry (an explicit
        ``crs=`` wins over a layer's, with a warning).
    fix_swapped : bool, default False
        Swap pairs that only make sense swapped (status ``swapped_fixed``) instead of flagging
        them ``suspect_swapped`` without a point.
    id_column : column label, optional
        An incident id; repeats after the first get status ``duplicate_id`` and keep their point.
    sheet : str or int, optional
        Excel sheet name or 0-based number (default the first), or the layer of a GeoPackage.
    encoding : str, optional
        Text encoding of a CSV/TXT file; detected when not given.

    Returns
    -------
    GeoDataFrame
        In EPSG:4326, one row per input row in input order: the input columns as read (text
        files: strings), then ``row`` (1-based), ``status``, ``status_detail`` and
        ``geometry`` (None where there is no usable point). DataFrame inputs keep their index.
        The statuses are listed in :data:`POINT_STATUSES` and the module documentation.

    Raises
    ------
    InputError
        If the file is missing, empty, undecodable or unreadable; if no coordinate columns are
        found or several match; if a named column does not exist; if ``crs`` is unknown.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"ma_vu": ["A1", "A2", "A1"],
    ...                    "toa_do": ["10.03, 105.78", "N10°02.5' E105°46'", "nan"]})
    >>> pts = read_points(df, id_column="ma_vu")
    >>> pts[["row", "status"]].values.tolist()
    [[1, 'ok'], [2, 'ok'], [3, 'missing_coordinate']]
    >>> pts.status_detail.iloc[2]
    "toa_do='nan' has no coordinates; ma_vu='A1' already on row 1"

    Metres declared as degrees are flagged with a hint:

    >>> odd = read_points(pd.DataFrame({"lat": [1109512.3], "lon": [585479.1]}))
    >>> odd.status.iloc[0], "EPSG:3405" in odd.status_detail.iloc[0]
    ('suspect_projected', True)
    >>> read_points(pd.DataFrame({"y": [1109512.3], "x": [585479.1]}), crs=3405).status.iloc[0]
    'ok'
    """
    source_is_memory = isinstance(source, pd.DataFrame)
    chunks = list(
        _chunks(
            source,
            None if source_is_memory else _READ_CHUNK,
            lat=lat,
            lon=lon,
            x=x,
            y=y,
            crs=crs,
            fix_swapped=fix_swapped,
            id_column=id_column,
            sheet=sheet,
            encoding=encoding,
        )
    )
    if len(chunks) == 1:
        return chunks[0]
    return pd.concat(chunks)
