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

Tables are read from the data directory once per directory and cached; every function returns
a fresh copy. Text is NFC with surrounding spaces removed (the commune crosswalk has a few
decomposed or space-padded names).
"""

from __future__ import annotations

import functools
import os
import unicodedata

import pandas as pd

from geozone import datasets
from geozone.errors import DataError, InputError
from geozone.names import normalize_name, split_unit_type

__all__ = [
    "commune_crosswalk",
    "commune_predecessors",
    "commune_successors",
    "province_crosswalk",
    "province_predecessors",
    "province_successor",
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
