"""The 2025 reform: which new unit each old province and commune went into.

On 2025-07-01 Vietnam's 63 provinces became 34 — every old province went whole into one new
province (Resolution 202/2025/QH15) — districts were abolished, and the 10,035 communes (plus
five island districts without communes) were rearranged into 3,321 communes, wards and
special zones (Resolutions 1654–1687/NQ-UBTVQH15). An old commune went whole into one new
unit (``part == "full"``) or was split between two to five (``"partial"``).

The commune crosswalk was extracted from the resolutions with an LLM and has known faults
(see the data README): two new codes that are not official codes, and a few old communes
mapped into a new commune of another old province. Such rows are kept and marked
(``suspect``, ``suspect_reason``), never dropped or silently corrected.

:func:`transition` carries an agreement between 2008 units over to the 2025 units: which of
its borders are still borders between two provinces, which became internal, and the
equivalent agreement between the new provinces.

Tables are read from the data directory once per directory and cached; every function returns
a fresh copy. Text is NFC with surrounding spaces removed (the commune crosswalk has a few
decomposed or space-padded names).
"""

from __future__ import annotations

import functools
import html
import math
import os
import unicodedata
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geozone import datasets
from geozone.errors import AgreementError, DataError, GeozoneWarning, InputError
from geozone.names import normalize_name, split_unit_type

if TYPE_CHECKING:
    from geozone.agreements import Agreement

__all__ = [
    "TRANSITION_TOLERANCE_M",
    "Transition",
    "commune_crosswalk",
    "commune_predecessors",
    "commune_successors",
    "province_crosswalk",
    "province_predecessors",
    "province_successor",
    "transition",
]

# New codes used by the crosswalk that are not GSO codes, with the official code of the unit
# meant (data README, "Known problems"; confirmed by the 2025 code table: 06978 Ba Chẽ and
# 23938 Ia Mơ exist there and have no other predecessor).
_UNOFFICIAL_NEW_CODES = {"06970": "06978", "23737": "23938"}
# Old communes put into a new commune formed from another old province. The independent
# mapping of the PyPI package vietnamadminunits 1.0.4 disagrees for the first six (likely
# same-name confusions; upstream issue dvhcvn/20250701#3 reports 30622 and 31771) and agrees
# for the last two.
_DISPUTED_OLD_CODES = frozenset({"13219", "14380", "20669", "30622", "31588", "31771"})
_CONFIRMED_OLD_CODES = frozenset({"28924", "31379"})

_PROVINCE_COLUMNS = [
    "old_province_code",
    "old_province_name",
    "new_province_code",
    "new_province_name",
]
_COMMUNE_COLUMNS = [
    "old_level",
    "old_code",
    "old_name",
    "old_province_code",
    "old_province_name",
    "new_code",
    "new_name",
    "new_province_code",
    "new_province_name",
    "part",
    "n_successors",
    "cross_province",
    "suspect",
    "suspect_reason",
]


def _root(data_dir) -> str:
    # The cache key: one entry per data directory however it was written.
    return str(datasets.resolve_data_dir(data_dir).resolve())


def _clean_text(frame: pd.DataFrame) -> pd.DataFrame:
    # The commune crosswalk has 53 names with decomposed letters ("Xã" as a + U+0303) or a
    # trailing space; NFC and stripping make them equal to the code tables' spellings.
    frame = frame.copy()
    for column in frame.columns:
        frame[column] = frame[column].map(
            lambda v: unicodedata.normalize("NFC", v).strip() if isinstance(v, str) else v
        )
    return frame


def _bare_key(full_name: str) -> str:
    return normalize_name(split_unit_type(full_name)[1], diacritics=False)


def _code(value, width: int, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InputError(f"{what} {value!r}: give a GSO code as a string, e.g. '80'")
    text = str(value).strip()
    if not text.isdigit():
        raise InputError(f"{what} {value!r} is not a GSO code (digits only, e.g. '80')")
    return text.zfill(width)


# --- provinces ----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _province_table(root: str) -> pd.DataFrame:
    raw = _clean_text(datasets.read_table("crosswalk-provinces", root))
    old_codes = datasets.read_table("vn2008-codes", root)
    new_codes = datasets.read_table("vn2025-codes", root)
    old_names = old_codes[old_codes["level"] == "1"].set_index("code")["full_name"]
    new_names = new_codes[new_codes["level"] == "1"].set_index("code")["full_name"]
    label = f"crosswalk-provinces in {root}"

    if len(raw) != 63 or not raw["old_province_code"].is_unique:
        raise DataError(f"{label}: expected 63 distinct old provinces, found {len(raw)} rows")
    not_whole = raw[raw["part"] != "full"]
    if len(not_whole):
        raise DataError(
            f"{label}: old province {not_whole['old_province_code'].iloc[0]} is not 'full'; "
            "every old province went whole into one new province (Resolution 202/2025/QH15)"
        )
    for column, names, year in (
        ("old_province_code", old_names, "vn2008-codes"),
        ("new_province_code", new_names, "vn2025-codes"),
    ):
        unknown = sorted(set(raw[column]) - set(names.index))
        if unknown:
            raise DataError(f"{label}: {column} {unknown} not in {year}")
    missing = sorted(set(new_names.index) - set(raw["new_province_code"]))
    if missing:
        raise DataError(f"{label}: new provinces {missing} have no predecessor")

    # Names come from the code tables (the crosswalk writes new names with and without
    # "Tỉnh"); a name that disagrees with its code would mean shifted codes, so check first.
    for side, names in (("old", old_names), ("new", new_names)):
        official = raw[f"{side}_province_code"].map(names)
        given = raw[f"{side}_province_name"]
        differ = official.map(_bare_key) != given.map(_bare_key)
        if differ.any():
            row = raw[differ].iloc[0]
            raise DataError(
                f"{label}: {side} province {row[f'{side}_province_code']} is called "
                f"{row[f'{side}_province_name']!r} there but {official[differ].iloc[0]!r} in the "
                "code table"
            )
    table = pd.DataFrame(
        {
            "old_province_code": raw["old_province_code"],
            "old_province_name": raw["old_province_code"].map(old_names),
            "new_province_code": raw["new_province_code"],
            "new_province_name": raw["new_province_code"].map(new_names),
        }
    )
    return table.sort_values("old_province_code", ignore_index=True)


def province_crosswalk(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """The 63 old provinces and the 2025 province each went into, whole.

    Parameters
    ----------
    data_dir : path, optional
        The data directory (see :func:`geozone.datasets.resolve_data_dir`).

    Returns
    -------
    DataFrame
        63 rows sorted by old code: ``old_province_code``, ``old_province_name``,
        ``new_province_code``, ``new_province_name``. Names are the official full names of
        the code tables (2025-03-01 list for old provinces, current names for new ones).

    Raises
    ------
    DataError
        If a table is missing, or the crosswalk does not map 63 provinces whole onto the 34
        of the code table, or a name disagrees with its code.

    Examples
    --------
    >>> table = province_crosswalk()
    >>> len(table), table["new_province_code"].nunique()
    (63, 34)
    >>> table.loc[table.old_province_code == "80", "new_province_name"].item()
    'Tỉnh Tây Ninh'
    """
    return _province_table(_root(data_dir)).copy()


def province_successor(old_code, data_dir: str | os.PathLike | None = None) -> str:
    """The code of the 2025 province an old province went into.

    Every old province went whole into one new province (Resolution 202/2025/QH15), so the
    answer is always one code.

    Parameters
    ----------
    old_code : str or int
        GSO code of a province of the 63-province structure (``"74"``, ``74``).
    data_dir : path, optional
        The data directory (see :func:`geozone.datasets.resolve_data_dir`).

    Returns
    -------
    str
        The two-digit code of the 2025 province.

    Raises
    ------
    InputError
        If ``old_code`` is not a code of the 63 provinces.

    Examples
    --------
    >>> province_successor("74"), province_successor("77"), province_successor("95")
    ('79', '79', '96')
    """
    code = _code(old_code, 2, "old province code")
    table = _province_table(_root(data_dir))
    match = table.loc[table["old_province_code"] == code, "new_province_code"]
    if match.empty:
        raise InputError(
            f"{old_code!r} is not a province code of the 63-province structure; see "
            "geozone.reform.province_crosswalk()"
        )
    return match.item()


def province_predecessors(new_code, data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """The old provinces that make up a 2025 province (rows of :func:`province_crosswalk`).

    Parameters
    ----------
    new_code : str or int
        GSO code of one of the 34 provinces of 2025-07-01 (``"92"``, ``92``).
    data_dir : path, optional
        The data directory (see :func:`geozone.datasets.resolve_data_dir`).

    Returns
    -------
    DataFrame
        Its rows of :func:`province_crosswalk`, one per old province, renumbered from 0.

    Raises
    ------
    InputError
        If ``new_code`` is not a code of the 34 provinces.

    Examples
    --------
    >>> province_predecessors("92")["old_province_name"].tolist()
    ['Thành phố Cần Thơ', 'Tỉnh Hậu Giang', 'Tỉnh Sóc Trăng']
    """
    code = _code(new_code, 2, "new province code")
    table = _province_table(_root(data_dir))
    rows = table[table["new_province_code"] == code]
    if rows.empty:
        raise InputError(
            f"{new_code!r} is not a province code of the 2025 structure (34 provinces); see "
            "geozone.reform.province_crosswalk()"
        )
    return rows.reset_index(drop=True)


# --- communes -----------------------------------------------------------------------------------


def _cross_province(frame: pd.DataFrame) -> pd.Series:
    """Rows whose old province is not the one most of their new unit comes from.

    A new commune normally grows out of communes of one old province; a row from another
    province is either a real cross-border rearrangement or a same-name confusion. When two
    provinces contribute equally, neither can be called the main one and all rows count.
    """
    counts = frame.groupby(["new_code", "old_province_code"]).size().rename("n").reset_index()
    top = counts.groupby("new_code")["n"].transform("max")
    counts["main"] = counts["n"] == top
    n_main = counts.groupby("new_code")["main"].transform("sum")
    n_provinces = counts.groupby("new_code")["n"].transform("size")
    counts["cross"] = (n_provinces > 1) & (~counts["main"] | (n_main > 1))
    flags = frame[["new_code", "old_province_code"]].merge(
        counts[["new_code", "old_province_code", "cross"]], how="left"
    )
    return pd.Series(flags["cross"].to_numpy(), index=frame.index)


@functools.lru_cache(maxsize=8)
def _commune_table(root: str) -> pd.DataFrame:
    raw = _clean_text(datasets.read_table("crosswalk-communes", root))
    label = f"crosswalk-communes in {root}"
    frame = raw.rename(columns={"new_ward_code": "new_code", "new_ward_name": "new_name"})
    try:
        frame["old_level"] = frame["old_level"].astype("int8")
        frame["n_successors"] = frame["n_successors"].astype("int16")
    except (KeyError, ValueError) as exc:
        raise DataError(f"{label}: unexpected columns or values ({exc})") from exc

    if not frame["part"].isin(["full", "partial"]).all():
        bad = frame.loc[~frame["part"].isin(["full", "partial"]), "part"].iloc[0]
        raise DataError(f"{label}: part {bad!r}; expected 'full' or 'partial'")
    rows_per_old = frame.groupby("old_code")["old_code"].transform("size")
    if not (rows_per_old == frame["n_successors"]).all():
        bad = frame.loc[rows_per_old != frame["n_successors"], "old_code"].iloc[0]
        raise DataError(f"{label}: n_successors of old unit {bad} does not match its rows")
    if not ((frame["part"] == "full") == (frame["n_successors"] == 1)).all():
        bad = frame.loc[(frame["part"] == "full") != (frame["n_successors"] == 1), "old_code"]
        raise DataError(f"{label}: old unit {bad.iloc[0]}: 'full' needs exactly one successor")
    if frame.duplicated(["old_code", "new_code"]).any():
        bad = frame.loc[frame.duplicated(["old_code", "new_code"]), "old_code"].iloc[0]
        raise DataError(f"{label}: old unit {bad} maps to the same new unit twice")

    provinces = _province_table(root).set_index("old_province_code")["new_province_code"]
    new_codes = datasets.read_table("vn2025-codes", root)
    official = new_codes[new_codes["level"] == "3"].set_index("code")["full_name"]

    frame["cross_province"] = _cross_province(frame)
    reasons: list[list[str]] = [[] for _ in range(len(frame))]
    for i, row in enumerate(frame.itertuples(index=False)):
        if row.new_code not in official.index:
            meant = _UNOFFICIAL_NEW_CODES.get(row.new_code)
            reasons[i].append(
                f"new code {row.new_code} is not an official GSO code"
                + (
                    f" (the official code of {official[meant]} is {meant})"
                    if meant in official.index
                    else ""
                )
            )
        successor = provinces.get(row.old_province_code)
        if successor is not None and successor != row.new_province_code:
            reasons[i].append(
                f"old province {row.old_province_code} went whole into province {successor}, "
                f"but this row puts the commune in province {row.new_province_code}"
            )
        if row.cross_province and row.old_code not in _CONFIRMED_OLD_CODES:
            text = (
                f"maps a commune of old province {row.old_province_code} into {row.new_code} "
                f"{row.new_name}, formed mostly from another old province"
            )
            if row.old_code in _DISPUTED_OLD_CODES:
                text += (
                    "; the independent vietnamadminunits 1.0.4 table disagrees (likely a "
                    "same-name confusion)"
                )
            reasons[i].append(text)
    frame["suspect_reason"] = ["; ".join(r) if r else None for r in reasons]
    frame["suspect"] = frame["suspect_reason"].notna()
    return frame[_COMMUNE_COLUMNS].reset_index(drop=True)


def commune_crosswalk(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Old communes (2025-03-01 list) and the 2025 units each went into.

    One row per (old unit, new unit) pair: 10,604 rows for 10,047 old communes and the five
    island districts that had no communes (Bạch Long Vĩ, Cồn Cỏ, Hoàng Sa, Lý Sơn, Côn Đảo;
    ``old_level == 2``), which became special zones.

    Parameters
    ----------
    data_dir : path, optional
        The data directory (see :func:`geozone.datasets.resolve_data_dir`).

    Returns
    -------
    DataFrame
        ``old_level`` (int8: 3 commune, 2 island district), ``old_code``, ``old_name``,
        ``old_province_code``, ``old_province_name``, ``new_code``, ``new_name``,
        ``new_province_code``, ``new_province_name``, ``part`` ("full": the whole old unit
        went into this new unit; "partial": part of it did), ``n_successors`` (int16: new
        units receiving part of the old one), ``cross_province`` (bool: the new unit is
        formed mostly from another old province), ``suspect`` (bool) and ``suspect_reason``
        (str; missing when the row is not suspect). A row is suspect when its new code is
        not an official code, when it contradicts the province crosswalk, or when it crosses
        old provinces and no independent source confirms it.

    Raises
    ------
    DataError
        If the table is missing or inconsistent (``part`` vs ``n_successors``, duplicates).

    Examples
    --------
    >>> table = commune_crosswalk()
    >>> len(table), int(table["suspect"].sum())
    (10604, 12)
    >>> table.loc[table.old_code == "30622", "suspect_reason"].item()  # doctest: +ELLIPSIS
    'old province 89 went whole into province 91, but this row puts the commune in ...'
    """
    return _commune_table(_root(data_dir)).copy()


def commune_successors(old_code, data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """The crosswalk rows of one old commune (or island district): where it went.

    Parameters
    ----------
    old_code : str or int
        The old commune's 5-digit GSO code, or an island district's 3-digit code; leading
        zeros may be left out.

    Returns
    -------
    DataFrame
        Rows of :func:`commune_crosswalk`, one per new unit.

    Examples
    --------
    >>> commune_successors("00007")[["new_code", "new_name", "part"]].values.tolist()
    [['00008', 'Phường Ngọc Hà', 'partial'], ['00025', 'Phường Giảng Võ', 'partial']]
    >>> commune_successors(755)["new_name"].item()  # Côn Đảo, an island district
    'Đặc khu Côn Đảo'
    """
    table = _commune_table(_root(data_dir))
    text = _code(old_code, 0, "old commune code")
    for candidate in dict.fromkeys((text, text.zfill(5), text.lstrip("0").zfill(3))):
        rows = table[table["old_code"] == candidate]
        if len(rows):
            return rows.reset_index(drop=True)
    raise InputError(
        f"{old_code!r} is not an old commune code in the crosswalk (the 2025-03-01 list: "
        "5-digit commune codes, or 3-digit codes of the five island districts)"
    )


def commune_predecessors(new_code, data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """The crosswalk rows of one 2025 unit: the old communes it was formed from.

    Parameters
    ----------
    new_code : str or int
        Five-digit GSO code of a 2025 commune, ward or special zone (``"31201"``).
    data_dir : path, optional
        The data directory (see :func:`geozone.datasets.resolve_data_dir`).

    Returns
    -------
    DataFrame
        Its rows of :func:`commune_crosswalk`, one per old commune, renumbered from 0;
        ``suspect`` rows (see there) deserve a check before use.

    Raises
    ------
    InputError
        If no crosswalk row has that new code (for the two units the crosswalk writes with
        an unofficial code, the message gives that code).

    Examples
    --------
    >>> rows = commune_predecessors("31201")  # Phường Hưng Phú, Cần Thơ
    >>> rows[["old_code", "old_province_code", "suspect"]].values.tolist()
    [['31189', '92', False], ['31201', '92', False], ['31204', '92', False], ['31588', '94', True]]
    """
    table = _commune_table(_root(data_dir))
    code = _code(new_code, 5, "new commune code")
    rows = table[table["new_code"] == code]
    if len(rows):
        return rows.reset_index(drop=True)
    stand_in = next((u for u, o in _UNOFFICIAL_NEW_CODES.items() if o == code), None)
    if stand_in is not None and (table["new_code"] == stand_in).any():
        raise InputError(
            f"no crosswalk row has the new code {code}: the crosswalk writes this unit with "
            f"the unofficial code {stand_in} (rows marked suspect); use "
            f"commune_predecessors({stand_in!r}) and check them"
        )
    raise InputError(f"{new_code!r} is not a 2025 commune code in the crosswalk")


# --- transition of 2008 agreements -----------------------------------------------------------

#: Default of ``tolerance_m`` in :func:`transition`. The 2008 and 2025 layers are different
#: surveys: on Quy chế 303's borders the 2008 lines (Open Development Vietnam, generalised)
#: lie a median 100–350 m and mostly under 800 m from the 2025 reference map's lines, while
#: the real differences (river mouths, the unsettled Đồng Nai / Bà Rịa-Vũng Tàu / HCM
#: section) are several kilometres wide. One kilometre keeps the first quiet and shows the
#: second.
TRANSITION_TOLERANCE_M = 1000.0

# Lines are compared by the midpoints of pieces at most this long: the distances are exact at
# those points, so a length beyond the tolerance is off by at most one piece per crossing.
_SAMPLE_M = 25.0

_BOUNDARY_COLUMNS = [
    "pair_id",
    "code_a",
    "name_a",
    "code_b",
    "name_b",
    "province_a",
    "province_b",
    "new_code_a",
    "new_name_a",
    "new_code_b",
    "new_name_b",
    "new_pair_id",
    "status",
    "length_m",
]
_DISAGREEMENT_COLUMNS = [
    "pair_id",
    "new_pair_id",
    "length_m",
    "max_distance_m",
    "median_distance_m",
    "far_m",
    "far_share",
    "disagrees",
    "note",
]
_NEW_PAIR_COLUMNS = [
    "new_pair_id",
    "code_a",
    "name_a",
    "code_b",
    "name_b",
    "contact",
    "length_m",
    "old_pairs",
    "old_length_m",
    "beyond_old_m",
]
_COMMUNE_COVERAGE_COLUMNS = [
    "old_code",
    "old_name",
    "new_code",
    "new_name",
    "new_province_code",
    "within",
    "old_communes",
    "suspect",
    "suspect_reason",
]


@dataclass(frozen=True, eq=False, repr=False)
class Transition:
    """A 2008 agreement carried over to the units of 2025-07-01 (see :func:`transition`).

    Attributes
    ----------
    old : Agreement
        The 2008 agreement.
    agreement : Agreement
        Its expression in 2025 units: the new provinces of its members, and only the member
        pairs that are still inter-provincial borders (id ``f"{old.id}-2025"``, vintage
        2025, levels province and commune). Use it like any agreement: ``.pairs``,
        ``.strips()``, ``.at_level("commune")``, maps, :func:`geozone.classify_points`.
    boundaries : GeoDataFrame
        One row per pair of old members sharing a boundary: ``pair_id``, ``code_a``,
        ``name_a``, ``code_b``, ``name_b`` (old members), ``province_a``, ``province_b``
        (their old provinces; the members themselves in a province-level agreement),
        ``new_code_a``, ``new_name_a``, ``new_code_b``, ``new_name_b`` (the 2025 provinces,
        by code through :func:`province_crosswalk`), ``new_pair_id`` (``"79-80"``; missing
        when internal), ``status`` (``"kept"``: still a border between two provinces;
        ``"internal"``: inside one new province), ``length_m`` and the 2008 shared boundary
        (EPSG:4326).
    units : GeoDataFrame
        The 2025 provinces that cover the old members, in geozone's schema, with
        ``old_codes`` (the old members each covers, ``"74|77|79"``).
    coverage : DataFrame
        Old member → 2025 province: ``old_code``, ``old_name``, ``old_province_code``,
        ``new_code``, ``new_name``, ``part`` (always ``"full"``: every old province went
        whole into one new province, so every old member lies in one).
    communes : DataFrame
        The 2025 communes formed from the old members' communes, by crosswalk codes (no
        geometry): ``old_code``, ``old_name`` (the old member), ``new_code``, ``new_name``,
        ``new_province_code``, ``within`` (True: formed only from land of this old member;
        False: it also takes in land from outside it), ``old_communes`` (the old member's
        communes it was formed from, ``"|"``-joined), ``suspect`` and ``suspect_reason``
        (some crosswalk row of this new commune is suspect, see :func:`commune_crosswalk`;
        check before relying on the row). Geometry: ``agreement.at_level("commune").units``.
        Computed on first access, like ``disagreements`` and ``new_pairs``.
    disagreements : GeoDataFrame
        One row per kept border: the 2008 line against the 2025 shared boundary of its new
        pair, in metres: ``pair_id``, ``new_pair_id``, ``length_m`` (2008 line),
        ``max_distance_m`` (farthest point of the 2008 line from the 2025 line: the
        directed Hausdorff distance), ``median_distance_m``, ``far_m`` and ``far_share``
        (length and share of the 2008 line farther than ``tolerance_m`` from the 2025
        line), ``disagrees`` (``far_m > 0``), ``note``, and the far parts as geometry
        (EPSG:4326; empty when none). Geometry is for display and lengths only: the two
        vintages are different surveys, and pairs are matched by codes.
    new_pairs : DataFrame
        One row per pair of :attr:`agreement`'s scope: ``new_pair_id``, codes and names,
        ``contact`` and ``length_m`` in the 2025 layer, ``old_pairs`` (the kept 2008 pairs
        it carries, ``"|"``-joined), ``old_length_m`` and ``beyond_old_m`` (2025 border
        length farther than ``tolerance_m`` from every one of those 2008 lines: border the
        old agreement did not cover, typically that of a non-member province merged into a
        member's successor).
    tolerance_m : float
        Distance (m) within which the 2008 and 2025 lines count as the same border.

    Examples
    --------
    >>> from geozone import agreement
    >>> t = transition(agreement("qc-303-2020"))
    >>> t
    <Transition qc-303-2020 → qc-303-2020-2025: 11 borders, 8 kept, 3 internal>
    >>> t.agreement.vintage, sorted(t.agreement.members["code"])
    (2025, ['75', '79', '80', '82'])
    >>> t.coverage.set_index("old_name").loc["Tỉnh Bình Dương", "new_name"]
    'Thành phố Hồ Chí Minh'
    """

    old: Agreement
    agreement: Agreement
    boundaries: gpd.GeoDataFrame
    units: gpd.GeoDataFrame
    coverage: pd.DataFrame
    tolerance_m: float

    # The crosswalk of 10,604 communes and the line comparisons cost more than the rest
    # together and many uses (the table, the 2025 agreement, the map) need neither: they are
    # computed on first access and kept.
    @functools.cached_property
    def communes(self) -> pd.DataFrame:
        """The 2025 communes formed from the old members' communes (no geometry).

        See the class description for the columns; computed from the commune crosswalk on
        first access.
        """
        cov = self.coverage
        return _member_communes(
            self.old,
            dict(zip(cov["old_code"], cov["old_province_code"], strict=True)),
            dict(zip(cov["old_code"], cov["old_name"], strict=True)),
        )

    @functools.cached_property
    def _comparison(self) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
        return _compare(self.boundaries, self.agreement, self.tolerance_m)

    @property
    def disagreements(self) -> gpd.GeoDataFrame:
        """Each kept 2008 border against its 2025 line, far parts as geometry.

        See the class description for the columns; computed on first access (a few seconds
        for a province-level agreement) together with :attr:`new_pairs`.
        """
        return self._comparison[0]

    @property
    def new_pairs(self) -> pd.DataFrame:
        """The 2025 agreement's pairs with the 2008 borders each carries and what is new.

        See the class description for the columns; computed on first access together with
        :attr:`disagreements`.
        """
        return self._comparison[1]

    def summary(self) -> pd.DataFrame:
        """One row per 2008 border: old and new names, status and length (km).

        Examples
        --------
        >>> from geozone import agreement
        >>> table = transition(agreement("qc-303-2020")).summary().set_index("pair")
        >>> table.loc["80-82", ["name_a", "new_name_a", "status"]].tolist()
        ['Tỉnh Long An', 'Tỉnh Tây Ninh', 'kept']
        """
        b = self.boundaries
        return pd.DataFrame(
            {
                "pair": b["pair_id"],
                "name_a": b["name_a"],
                "name_b": b["name_b"],
                "new_pair": b["new_pair_id"],
                "new_name_a": b["new_name_a"],
                "new_name_b": b["new_name_b"],
                "status": b["status"],
                "length_km": b["length_m"] / 1000.0,
            }
        )

    def __repr__(self) -> str:
        kept = int((self.boundaries["status"] == "kept").sum())
        return (
            f"<Transition {self.old.id} → {self.agreement.id}: {len(self.boundaries)} "
            f"borders, {kept} kept, {len(self.boundaries) - kept} internal>"
        )

    def _repr_html_(self) -> str:
        esc = html.escape
        rows = "".join(
            f"<tr><td>{esc(str(r.pair))}</td><td>{esc(str(r.name_a))} – {esc(str(r.name_b))}"
            f"</td><td>{esc(str(r.new_name_a))} – {esc(str(r.new_name_b))}</td>"
            f"<td>{esc(str(r.status))}</td>"
            f"<td style='text-align:right'>{r.length_km:.1f}</td></tr>"
            for r in self.summary().itertuples(index=False)
        )
        far = self.disagreements[self.disagreements["disagrees"]]
        notes = "".join(
            f"<li>{esc(str(r.pair_id))}: {r.far_m / 1000:.1f} km of "
            f"{r.length_m / 1000:.1f} km farther than {self.tolerance_m:g} m from the 2025 "
            f"line (at most {r.max_distance_m:,.0f} m)</li>"
            if r.note is None
            else f"<li>{esc(str(r.pair_id))}: {esc(str(r.note))}</li>"
            for r in far.itertuples(index=False)
        )
        members = ", ".join(
            f"{esc(str(n))} ({esc(str(c))})"
            for c, n in zip(self.agreement.members.code, self.agreement.members.name, strict=True)
        )
        pairs = ", ".join(esc(str(p)) for p in self.new_pairs["new_pair_id"]) or "none"
        return (
            f"<div><b>{esc(self.old.title)}</b><br><small>{esc(self.old.id)} (2008 units) → "
            f"{esc(self.agreement.id)} (2025 units)</small>"
            "<table><thead><tr><th>pair</th><th>2008</th><th>2025</th><th>status</th>"
            f"<th>km</th></tr></thead><tbody>{rows}</tbody></table>"
            f"<small>2025 members: {members}<br>2025 pairs: {pairs}</small>"
            + (
                f"<br><small>Outlines of the two vintages differ by more than "
                f"{self.tolerance_m:g} m:</small><ul>{notes}</ul>"
                if notes
                else ""
            )
            + "</div>"
        )


def transition(agreement, *, tolerance_m: float = TRANSITION_TOLERANCE_M) -> Transition:
    """Carry a 2008 agreement over to the units of 2025-07-01.

    Each old member goes to the 2025 province its old province went into, whole (by code,
    through :func:`province_crosswalk`; a district or commune member through its
    ``province_code``). A border between two old members stays a border (``"kept"``) when
    their new provinces differ, and becomes internal to one new province otherwise. The
    2025 agreement has the new provinces as members and the kept borders' new pairs as
    scope — not every pair of new members: a border the old agreement never covered stays
    out, even where two of its successors meet.

    Statuses and the 2025 agreement come from codes only. Geometry serves for display, for
    lengths and for :attr:`Transition.disagreements`, which says where the 2008 and 2025
    layers (different surveys) draw a kept border more than ``tolerance_m`` apart.

    Parameters
    ----------
    agreement : Agreement
        An agreement of the 2008 structure (``vintage == 2008``), at any of its levels: its
        shared boundaries at that level are merged per member pair.
    tolerance_m : float
        How far (metres) a 2008 line may lie from the 2025 line of its new pair before the
        two outlines count as disagreeing (see :data:`TRANSITION_TOLERANCE_M`).

    Returns
    -------
    Transition
        ``boundaries`` (each 2008 border, kept or internal), ``agreement`` (the 2025
        equivalent), ``units`` and ``coverage`` (the 2025 provinces of the old members),
        ``communes``, ``disagreements`` and ``new_pairs`` (computed on first access);
        ``summary()`` for a table.

    Raises
    ------
    AgreementError
        If the agreement is not of the 2008 structure, or a member's old province is not in
        the crosswalk.
    InputError
        If ``tolerance_m`` is not a positive number.

    Examples
    --------
    >>> from geozone import agreement
    >>> t = transition(agreement("qc-303-2020"))
    >>> t.boundaries.groupby("status").size().to_dict()
    {'internal': 3, 'kept': 8}
    >>> t.agreement.members.code.tolist(), list(t.agreement.scope)
    (['79', '75', '80', '82'], [('75', '79'), ('79', '80'), ('79', '82'), ('80', '82')])
    """
    from geozone.agreements import Agreement

    if not isinstance(agreement, Agreement):
        raise InputError(
            f"transition() takes an Agreement, got {type(agreement).__name__}; load one with "
            "geozone.agreement('<id>')"
        )
    if agreement.vintage != 2008:
        if agreement.vintage == 2025:
            raise AgreementError(
                f"agreement {agreement.id!r} is already in the units of 2025-07-01 (vintage "
                "2025); only agreements of the 63-province structure (vintage 2008) have a "
                "transition"
            )
        raise AgreementError(
            f"agreement {agreement.id!r} has vintage {agreement.vintage!r}; a transition needs "
            "an agreement of the 63-province structure (vintage 2008), e.g. one built from "
            "load_units('vn2008-provinces')"
        )
    try:
        tolerance = float(tolerance_m)
    except (TypeError, ValueError):
        tolerance = math.nan
    if not (math.isfinite(tolerance) and tolerance > 0):
        raise InputError(f"tolerance_m={tolerance_m!r}: give a positive number of metres")

    data_dir = agreement.data_dir
    provinces = province_crosswalk(data_dir).set_index("old_province_code")
    old_province = _member_provinces(agreement, provinces)
    new_code = {m: provinces.at[p, "new_province_code"] for m, p in old_province.items()}
    new_name = dict(
        zip(provinces["new_province_code"], provinces["new_province_name"], strict=True)
    )
    old_name = _member_names(agreement)

    boundaries = _member_boundaries(agreement)
    for side in ("a", "b"):
        codes = boundaries[f"code_{side}"]
        boundaries[f"name_{side}"] = codes.map(old_name)
        boundaries[f"province_{side}"] = codes.map(old_province)
        boundaries[f"new_code_{side}"] = codes.map(new_code)
        boundaries[f"new_name_{side}"] = boundaries[f"new_code_{side}"].map(new_name)
    kept = boundaries["new_code_a"] != boundaries["new_code_b"]
    boundaries["status"] = np.where(kept, "kept", "internal")
    boundaries["new_pair_id"] = [
        "-".join(sorted((a, b))) if k else None
        for a, b, k in zip(boundaries["new_code_a"], boundaries["new_code_b"], kept, strict=True)
    ]
    boundaries = gpd.GeoDataFrame(
        boundaries[_BOUNDARY_COLUMNS], geometry=boundaries.geometry.values, crs=boundaries.crs
    )

    new_members = list(dict.fromkeys(new_code[m] for m in agreement.members["code"]))
    scope = sorted({tuple(p.split("-")) for p in boundaries["new_pair_id"].dropna()})
    new = _new_agreement(agreement, new_members, new_name, scope)

    units = new.units.drop(columns="member")
    covered = {
        n: "|".join(m for m in agreement.members["code"] if new_code[m] == n) for n in units.code
    }
    units["old_codes"] = units["code"].map(covered)
    coverage = pd.DataFrame(
        {
            "old_code": agreement.members["code"],
            "old_name": agreement.members["code"].map(old_name),
            "old_province_code": agreement.members["code"].map(old_province),
            "new_code": agreement.members["code"].map(new_code),
            "new_name": agreement.members["code"].map(new_code).map(new_name),
            "part": "full",
        }
    ).reset_index(drop=True)
    return Transition(
        old=agreement,
        agreement=new,
        boundaries=boundaries,
        units=units,
        coverage=coverage,
        tolerance_m=tolerance,
    )


def _member_provinces(agreement, provinces: pd.DataFrame) -> dict[str, str]:
    """Old province code of each member (a province member is its own province)."""
    codes = agreement.members["code"].astype(str).tolist()
    if agreement.member_level == "province":
        found = {c: c for c in codes}
    else:
        # The units' own province_code first (the layer the borders come from), then the
        # 2025-03-01 code table for members the layer does not carry one for.
        units = agreement.units
        found = {}
        if "province_code" in units:
            known = units.dropna(subset=["province_code"])
            for member, group in known.groupby("member"):
                values = sorted(set(group["province_code"].astype(str)))
                if len(values) > 1:
                    raise AgreementError(
                        f"agreement {agreement.id!r}: member {member} has units in old "
                        f"provinces {values}; a {agreement.member_level} lies in one province"
                    )
                found[str(member)] = values[0]
        missing = [c for c in codes if c not in found]
        if missing:
            from geozone.units import unit_table

            table = unit_table(2008, data_dir=agreement.data_dir)
            table = table[table["level"] == agreement.member_level]
            lookup = dict(zip(table["code"], table["province_code"], strict=True))
            found.update({c: lookup[c] for c in missing if c in lookup})
    unknown = [c for c in codes if c not in found or found[c] not in provinces.index]
    if unknown:
        raise AgreementError(
            f"agreement {agreement.id!r}: no old province found for member(s) "
            f"{', '.join(unknown)} in the province crosswalk (63 provinces); check the codes"
        )
    return found


def _member_names(agreement) -> dict[str, str]:
    names = dict(zip(agreement.members["code"], agreement.members["name"], strict=True))
    missing = [c for c, n in names.items() if not isinstance(n, str) or not n]
    if missing:
        units = agreement.units
        at_member = units[units["code"].astype(str) == units["member"].astype(str)]
        fallback = dict(
            zip(
                at_member["code"].astype(str), at_member.get("name", at_member["code"]), strict=True
            )
        )
        names.update({c: fallback.get(c, c) for c in missing})
    return names


def _member_boundaries(agreement) -> gpd.GeoDataFrame:
    """The agreement's shared boundaries merged per pair of members (code_a < code_b)."""
    columns = ["pair_id", "code_a", "code_b", "length_m", "geometry"]
    lines = agreement.shared_boundaries
    member = dict(zip(agreement.units["code"], agreement.units["member"], strict=True))
    ends = [
        sorted((member[a], member[b]))
        for a, b in zip(lines["code_a"], lines["code_b"], strict=True)
    ]
    frame = pd.DataFrame(
        {
            "code_a": [e[0] for e in ends],
            "code_b": [e[1] for e in ends],
            "length_m": lines["length_m"].to_numpy(dtype=float),
            "geometry": lines.geometry.values,
        }
    )
    rows = []
    for (a, b), group in frame.groupby(["code_a", "code_b"], sort=True):
        # Below the member level a member border is made of many unit-pair lines: one line
        # per member pair, as the 2025 agreement has at province level.
        geometry = group["geometry"].iloc[0]
        if len(group) > 1:
            geometry = shapely.line_merge(shapely.union_all(group["geometry"].to_numpy()))
        rows.append(
            {
                "pair_id": f"{a}-{b}",
                "code_a": a,
                "code_b": b,
                "length_m": float(group["length_m"].sum()),
                "geometry": geometry,
            }
        )
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=columns), crs=lines.crs)


def _new_agreement(old, members: list[str], names: dict, scope: list[tuple[str, str]]):
    from geozone.agreements import Agreement

    vi_title = "theo đơn vị hành chính sau sắp xếp, từ 01/7/2025"
    spec = {
        "id": f"{old.id}-2025",
        "title": f"{old.title} ({vi_title})",
        "short_title": f"{old.short_title or old.title} (ĐVHC 2025)",
        "reference": old.reference,
        "reviewed": list(old.reviewed),
        "vintage": 2025,
        "levels": ["province", "commune"],
        "member_level": "province",
        "datasets": {"province": "vn2025-provinces", "commune": "vn2025-communes"},
        "width_m": old.width_m,
        "scope": [list(p) for p in scope],
        "source": list(old.source),
        "notes": (
            f"The 2025 expression of {old.id} (vintage 2008), made by geozone.reform.transition: "
            "members are the 2025 provinces the old members went into (Resolution "
            "202/2025/QH15), and the scope is the pairs of them whose border was a border "
            "between old members and still separates two provinces. Borders between old "
            "members that the reform made internal are not in it. A new pair's 2025 border "
            "can be longer than the old borders it carries: it also runs where a non-member "
            "province merged into a member's successor (see Transition.new_pairs)."
            + (f" Notes of {old.id}: {old.notes}" if old.notes else "")
        ),
        "members": [{"code": c, "name": names[c]} for c in members],
    }
    if old.signed is not None:
        spec["signed"] = old.signed
    if old.tolerance_m is not None:
        spec["tolerance_m"] = old.tolerance_m
    return Agreement._from_spec(
        spec, origin=f"transition of {old.id}", level="province", data_dir=old.data_dir
    )


def _member_communes(agreement, old_province: dict, old_name: dict) -> pd.DataFrame:
    """The 2025 communes formed from each old member's communes, by crosswalk codes."""
    table = commune_crosswalk(agreement.data_dir)
    level = agreement.member_level
    if level == "province":
        table["member"] = table["old_province_code"]
    elif level == "district":
        from geozone.units import unit_table

        codes = unit_table(2008, data_dir=agreement.data_dir)
        district = codes[codes["level"] == "commune"].set_index("code")["parent_code"]
        # The five island districts had no communes: the crosswalk row is the district.
        table["member"] = np.where(
            table["old_level"] == 2, table["old_code"], table["old_code"].map(district)
        )
        unplaced = table[
            table["member"].isna() & table["old_province_code"].isin(set(old_province.values()))
        ]
        if len(unplaced):
            warnings.warn(
                f"agreement {agreement.id!r}: old communes "
                f"{', '.join(sorted(unplaced['old_code']))} of the crosswalk are not in the "
                "2025-03-01 code table, so their district is unknown; Transition.communes may "
                "miss them",
                GeozoneWarning,
                stacklevel=3,
            )
    else:
        table["member"] = table["old_code"]
    members = set(agreement.members["code"])
    mine = table[table["member"].isin(members)]
    # What each new commune is made of, over all its predecessors (members or not): one
    # source means it lies inside that old member; a suspect predecessor puts it in doubt.
    everyone = table[table["new_code"].isin(set(mine["new_code"]))].copy()
    everyone["source"] = everyone["member"].fillna("?")
    everyone["reason"] = everyone["old_code"] + ": " + everyone["suspect_reason"].fillna("")
    made_of = everyone.groupby("new_code").agg(
        sources=("source", "nunique"),
        suspect=("suspect", "any"),
        suspect_reason=(
            "reason",
            lambda r: "; ".join(r[everyone.loc[r.index, "suspect"]]) or None,
        ),
    )
    frame = (
        mine.groupby(["member", "new_code"], sort=False)
        .agg(
            new_name=("new_name", "first"),
            new_province_code=("new_province_code", "first"),
            old_communes=("old_code", lambda c: "|".join(sorted(c))),
        )
        .reset_index()
        .join(made_of, on="new_code")
        .rename(columns={"member": "old_code"})
    )
    frame["old_name"] = frame["old_code"].map(lambda c: old_name.get(c, c))
    frame["within"] = frame.pop("sources") == 1
    frame["suspect"] = frame["suspect"].astype(bool)
    missing = sorted(members - set(mine["member"]))
    if missing:
        warnings.warn(
            f"agreement {agreement.id!r}: no commune of the crosswalk lies in member(s) "
            f"{', '.join(missing)} (codes of the 2025-03-01 list are looked up); "
            "Transition.communes has no rows for them",
            GeozoneWarning,
            stacklevel=3,
        )
    order = {c: i for i, c in enumerate(agreement.members["code"])}
    frame = frame[_COMMUNE_COVERAGE_COLUMNS].sort_values(
        ["old_code", "new_code"], key=lambda s: s.map(order) if s.name == "old_code" else s
    )
    return frame.reset_index(drop=True)


def _pieces(lines) -> np.ndarray:
    """Straight pieces of at most _SAMPLE_M of (Multi)LineStrings in a metric CRS."""
    out = []
    for part in shapely.get_parts(shapely.segmentize(np.asarray(lines, dtype=object), _SAMPLE_M)):
        coords = shapely.get_coordinates(part)
        if len(coords) >= 2:
            out.append(shapely.linestrings(np.stack([coords[:-1], coords[1:]], axis=1)))
    return np.concatenate(out) if out else np.empty(0, dtype=object)


def _distances(pieces: np.ndarray, target) -> np.ndarray:
    """Distance from each piece's midpoint to ``target`` lines (metric), via an STRtree of
    the target's segments: exact, and fast on lines of tens of thousands of vertices."""
    if not len(pieces):
        return np.empty(0)
    segments = _pieces(target)
    if not len(segments):
        return np.full(len(pieces), np.inf)
    mids = shapely.line_interpolate_point(pieces, 0.5, normalized=True)
    _, dist = shapely.STRtree(segments).query_nearest(mids, return_distance=True, all_matches=False)
    return dist


def _compare(boundaries: gpd.GeoDataFrame, new, tolerance: float):
    from geozone.crs import metric_crs

    kept = boundaries[boundaries["status"] == "kept"]
    new_lines = new.shared_boundaries if len(new.scope) else None
    crs = metric_crs(boundaries if len(boundaries) else new.units)
    old_metric = kept.geometry.to_crs(crs).to_numpy()
    by_pair: dict[str, object] = {}
    if new_lines is not None and len(new_lines):
        by_pair = dict(
            zip(new_lines["pair_id"], new_lines.geometry.to_crs(crs).to_numpy(), strict=True)
        )

    rows, far_geometry = [], []
    for rec, line in zip(kept.itertuples(index=False), old_metric, strict=True):
        target = by_pair.get(rec.new_pair_id)
        pieces = _pieces([line])
        length = float(shapely.length(pieces).sum())
        note = None
        if target is None:
            dist = np.full(len(pieces), np.inf)
            note = f"{rec.new_pair_id} share no boundary in the 2025 layer"
        else:
            dist = _distances(pieces, [target])
        far = dist > tolerance
        far_m = float(shapely.length(pieces[far]).sum())
        far_geometry.append(
            shapely.line_merge(shapely.union_all(pieces[far]))
            if far.any()
            else shapely.MultiLineString()
        )
        finite = dist[np.isfinite(dist)]
        rows.append(
            {
                "pair_id": rec.pair_id,
                "new_pair_id": rec.new_pair_id,
                "length_m": rec.length_m,
                "max_distance_m": float(finite.max()) if len(finite) else math.nan,
                "median_distance_m": float(np.median(finite)) if len(finite) else math.nan,
                "far_m": far_m,
                "far_share": far_m / length if length else 0.0,
                "disagrees": bool(far.any()),
                "note": note,
            }
        )
    disagreements = gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=_DISAGREEMENT_COLUMNS),
        geometry=gpd.GeoSeries(far_geometry, crs=crs).to_crs(boundaries.crs).values,
        crs=boundaries.crs,
    )

    member_pairs = new.member_pairs if len(new.scope) else pd.DataFrame()
    rows = []
    for rec in member_pairs.itertuples(index=False):
        pair_id = f"{rec.member_a}-{rec.member_b}"
        olds = kept[kept["new_pair_id"] == pair_id]
        target = by_pair.get(pair_id)
        beyond = math.nan
        if target is not None:
            pieces = _pieces([target])
            dist = _distances(pieces, old_metric[(kept["new_pair_id"] == pair_id).to_numpy()])
            beyond = float(shapely.length(pieces[dist > tolerance]).sum())
        rows.append(
            {
                "new_pair_id": pair_id,
                "code_a": rec.member_a,
                "name_a": rec.name_a,
                "code_b": rec.member_b,
                "name_b": rec.name_b,
                "contact": rec.contact,
                "length_m": rec.shared_length_m,
                "old_pairs": "|".join(olds["pair_id"]),
                "old_length_m": float(olds["length_m"].sum()),
                "beyond_old_m": beyond,
            }
        )
    return disagreements, pd.DataFrame(rows, columns=_NEW_PAIR_COLUMNS)
