"""Vietnamese unit names: matching keys, unit-type prefixes and lookup of a unit by name.

The same unit is written in many ways across sources and years: precomposed (NFC) or
decomposed (NFD) Unicode, the tone mark on either vowel ("Hòa"/"Hoà", "Thủy"/"Thuỷ" — the
2026 code list moved it), with or without diacritics ("Can Tho"), with the unit type spelt out,
abbreviated or missing ("Thành phố Cần Thơ", "TP.Cần Thơ", "Cần Thơ"), with different
apostrophes ("B’lao"/"B'Lao"). :func:`normalize_name` turns every such spelling into one
matching key, :func:`split_unit_type` separates the unit type from the name, and
:func:`find_unit` finds the one unit a name means, or says why it cannot.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from geozone.errors import InputError, NameLookupError

__all__ = ["find_unit", "normalize_name", "split_unit_type"]

# --- Tone marks -------------------------------------------------------------------------------
# Vietnamese letters carry at most two combining marks: a vowel-quality mark that makes a
# different letter (â ê ô: circumflex, ă: breve, ơ ư: horn) and one of five tones. Only the
# tone's position is a matter of style, so keys detach tones and put them back by rule.
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")  # grave, acute, tilde, hook above, dot below
_QUALITY = frozenset("\u0302\u0306\u031b")  # circumflex, breve, horn
_VOWELS = frozenset("aeiouy")
# Open syllables where the "new style" (used by the 2026 code list) puts the tone on the second
# vowel: hoà, khoẻ, thuỷ. Every other open two-vowel syllable takes it on the first (mùa, tài).
_TONE_ON_SECOND = frozenset({("o", "a"), ("o", "e"), ("u", "y")})
# Apostrophes and look-alikes people type in ethnic-minority names (Ea H'Leo, Cư M’gar).
# Mapped before NFKD because NFKD would turn U+00B4 into a space and a combining acute.
_APOSTROPHE_CHARS = "'\u2019\u2018`\u02bc\u00b4\u2032\u02b9\uff07"
_APOSTROPHE_TABLE = str.maketrans(dict.fromkeys(_APOSTROPHE_CHARS, "'"))

# --- Unit types -------------------------------------------------------------------------------
# Canonical spellings, as returned by split_unit_type and compared with full names.
_TYPE_NAMES = (
    "Thành phố",
    "Thị trấn",
    "Thị xã",
    "Đặc khu",
    "Thủ đô",
    "Phường",
    "Huyện",
    "Quận",
    "Tỉnh",
    "Xã",
)
_TYPE_WORD_COUNT = {t: len(t.split()) for t in _TYPE_NAMES}
# Abbreviations need a dot or a space after them; single letters need a dot (or, for the
# numbered districts and wards, digits right after: "Q1", "P.12"), because real names start
# with a lone letter and a space: "Xã H Bông", "Thị trấn P Rao", "Huyện A Lưới".
_ABBREVIATIONS = (
    (re.compile(r"(?:tp|t\.p)(?:\.\s*|\s+)(?=\S)", re.IGNORECASE), "Thành phố"),
    (re.compile(r"(?:tx|t\.x)(?:\.\s*|\s+)(?=\S)", re.IGNORECASE), "Thị xã"),
    (re.compile(r"(?:tt|t\.t)(?:\.\s*|\s+)(?=\S)", re.IGNORECASE), "Thị trấn"),
    (re.compile(r"q(?:\.\s*|\s*(?=[0-9]))(?=\S)", re.IGNORECASE), "Quận"),
    (re.compile(r"p(?:\.\s*|\s*(?=[0-9]))(?=\S)", re.IGNORECASE), "Phường"),
    (re.compile(r"h\.\s*(?=\S)", re.IGNORECASE), "Huyện"),
    (re.compile(r"x\.\s*(?=\S)", re.IGNORECASE), "Xã"),
)
# Abbreviations of a whole name, matched as one word of the text (case-insensitive, dots and
# spaces around it are separators): "TP.HCM", "TP HCM", "Tp.HCM" and "thành phố HCM" keep
# their type word and gain the name, "TPHCM" is the full name. Only Hồ Chí Minh City is
# written this way commonly enough to need it. "Sài Gòn" is deliberately absent: since
# 2025-07-01 it names a ward of the city (Phường Sài Gòn, 26740), not the city.
_NAME_ALIASES = {
    "hcm": "Hồ Chí Minh",
    "hcmc": "Hồ Chí Minh",  # Ho Chi Minh City
    "tphcm": "Thành phố Hồ Chí Minh",
}
# The levels a type can be at: "Tỉnh Đồng Nai" still means the province after it became
# "Thành phố Đồng Nai" (2026), "Thị xã X" the district after it became "Thành phố X".
_TYPE_LEVELS = {
    "Tỉnh": ("province",),
    "Thủ đô": ("province",),
    "Thành phố": ("province", "district"),
    "Quận": ("district",),
    "Huyện": ("district",),
    "Thị xã": ("district",),
    "Phường": ("commune",),
    "Xã": ("commune",),
    "Thị trấn": ("commune",),
    "Đặc khu": ("commune",),
}
_LEVELS = ("province", "district", "commune")
_CACHE_SIZE = 1 << 17  # both vintages' names, full names and keys fit several times over
_SHOWN = 8  # candidates written into an error message; all of them are on .candidates


# --- normalize_name ---------------------------------------------------------------------------


def normalize_name(text, *, diacritics: bool = True):
    """Turn a Vietnamese name into a key that is equal for every spelling of the same name.

    The key is NFC, case-folded, with whitespace collapsed and punctuation (``. , - – ( )`` …)
    turned into single spaces. Further:

    - the tone mark is placed by rule, whatever syllable vowel it was on: "Hòa" and "Hoà",
      "Thủy" and "Thuỷ" give the same key (the 2026 "new style": ``hoà``, ``thuỷ``);
    - an apostrophe after the consonant(s) that open a syllable is dropped together with any
      space after it, so "B’lao", "B'Lao" and "Blao" agree, as do "Ia H' Drai" and "Ia H'Drai";
      other apostrophes (quotes) separate words;
    - numbers lose leading zeros ("Phường 01" = "Phường 1");
    - compatibility characters (full-width letters, no-break spaces) become plain ones (NFKD);
    - the abbreviations of Hồ Chí Minh City, written as one word, become the name: "HCM"
      and "HCMC" are ``hồ chí minh``, "TPHCM" is ``thành phố hồ chí minh``, and
      "TP.HCM" / "TP HCM" give ``tp hồ chí minh`` like "TP. Hồ Chí Minh". "Sài Gòn" is
      not expanded: since 2025-07-01 it is the name of a ward (Phường Sài Gòn).

    The unit type is part of the text and stays in the key; see :func:`split_unit_type`.

    Parameters
    ----------
    text : str or pandas.Series
        A name, or a Series of names (missing values stay missing). A Series is computed once
        per distinct value, so whole tables are fast.
    diacritics : bool, default True
        If False, remove every mark and write "đ" as "d": "Cần Thơ" → ``can tho``. The key is
        then plain ASCII; letters outside Latin-with-diacritics, which no Vietnamese name
        contains, are dropped.

    Returns
    -------
    str or pandas.Series
        The key, or a Series of keys with the same index.

    Raises
    ------
    InputError
        If ``text`` is neither a string nor a Series of strings.

    Examples
    --------
    >>> normalize_name("Khánh Hòa") == normalize_name("Khánh Hoà")
    True
    >>> normalize_name("  TP.  Cần   Thơ ")
    'tp cần thơ'
    >>> normalize_name("Thị xã Sông Cầu", diacritics=False)
    'thi xa song cau'
    >>> normalize_name("Xã Ea H'Leo") == normalize_name("xã ea h’leo")
    True
    >>> normalize_name("TP.HCM"), normalize_name("TPHCM", diacritics=False)
    ('tp hồ chí minh', 'thanh pho ho chi minh')
    >>> import pandas as pd
    >>> normalize_name(pd.Series(["Thủy", None]), diacritics=False).tolist()
    ['thuy', nan]
    """
    if isinstance(text, pd.Series):
        return _key_series(text, diacritics)
    if not isinstance(text, str):
        raise InputError(f"a name must be a string, not {type(text).__name__} ({text!r})")
    return _normalize(text, bool(diacritics))


def _key_series(values: pd.Series, diacritics: bool) -> pd.Series:
    """Keys of a Series; each distinct value is normalised once (see ``_normalize``'s cache)."""
    keys = []
    for label, value in zip(values.index, values.tolist(), strict=True):
        if isinstance(value, str):
            keys.append(_normalize(value, diacritics))
        elif pd.isna(value):
            keys.append(value)
        else:
            raise InputError(
                f"names must be strings; row {label!r} holds {value!r} "
                f"({type(value).__name__}); read tables with dtype=str"
            )
    return pd.Series(keys, index=values.index, name=values.name)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _normalize(text: str, diacritics: bool) -> str:
    if not diacritics:
        # The key with diacritics has done all the work; dropping its marks is cheaper.
        return _ascii_key(_normalize(text, True))
    text = unicodedata.normalize("NFKD", text.translate(_APOSTROPHE_TABLE))
    # casefold() can yield precomposed letters again, hence the second NFKD.
    text = unicodedata.normalize("NFKD", text.casefold())
    words = [_place_tone(_strip_zeros(word)) for word in _split_words(text)]
    words = [_normalize(_NAME_ALIASES[w], True) if w in _NAME_ALIASES else w for w in words]
    return unicodedata.normalize("NFC", " ".join(w for w in words if w))


def _ascii_key(key: str) -> str:
    """A key without marks: đ becomes d, other non-ASCII letters (never Vietnamese) go."""
    text = unicodedata.normalize("NFD", key).replace("\u0111", "d")
    words = "".join(c for c in text if c.isascii()).split(" ")
    # dropping letters can leave a number behind ("00Þ" → "00"), which loses its zeros too
    return " ".join(_strip_zeros(w) for w in words if w)


def _strip_zeros(word: str) -> str:
    return (word.lstrip("0") or "0") if word.isascii() and word.isdigit() else word


def _split_words(text: str) -> list[str]:
    """Words of a decomposed, case-folded text: runs of letters, digits and marks.

    Everything else separates words, except an apostrophe right after a vowel-less run of
    letters (the glottal stop in "H'Leo", "K' Dang"), which is dropped with the spaces after
    it so that the two parts join.
    """
    words: list[str] = []
    current: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "'":
            if current and not any(c in _VOWELS for c in current):
                i += 1
                while i < n and text[i].isspace():
                    i += 1
                continue
        elif ch == "\u00f0":  # ð (eth, from Ð): a common stand-in for Đ in old encodings
            current.append("\u0111")
            i += 1
            continue
        elif unicodedata.category(ch)[0] in "LNM":
            current.append(ch)
            i += 1
            continue
        if current:
            words.append("".join(current))
            current = []
        i += 1
    if current:
        words.append("".join(current))
    return words


@functools.lru_cache(maxsize=_CACHE_SIZE)  # a few thousand syllables make up all names
def _place_tone(word: str) -> str:
    """Put the tone mark(s) of one decomposed syllable on the vowel the spelling rules say."""
    letters: list[list] = []  # [base, non-tone marks, tone marks]
    for ch in word:
        if unicodedata.category(ch)[0] == "M":
            if not letters:
                continue  # a mark with no letter to sit on carries no meaning
            letters[-1][2 if ch in _TONES else 1].append(ch)
        else:
            letters.append([ch, [], []])
    tones = [t for letter in letters for t in letter[2]]
    vowels = [k for k, letter in enumerate(letters) if letter[0] in _VOWELS]
    target = _tone_target(letters, vowels) if tones else None
    if target is not None:
        for letter in letters:
            letter[2] = []
        letters[target][2] = tones
    # Quality marks first: circumflex and breve share a combining class with the tones, so
    # their order decides what NFC composes ("ế" = e + circumflex + acute).
    return "".join(base + "".join(marks) + "".join(tn) for base, marks, tn in letters)


def _tone_target(letters: list[list], vowels: list[int]) -> int | None:
    """Index of the letter that carries the tone, or None when ``letters`` is no syllable."""
    if not vowels or vowels[-1] - vowels[0] + 1 != len(vowels):
        return None  # no vowel, or vowels in several runs: not one syllable, leave it alone
    first, last = vowels[0], vowels[-1]
    # In "qu" and in an initial "gi" the u / i belong to the consonant: quả, giữa.
    if last > first:
        opening = "".join(letter[0] for letter in letters[: first + 1])
        if opening.endswith("qu") or opening == "gi":
            first += 1
    with_quality = [k for k in range(first, last + 1) if _QUALITY.intersection(letters[k][1])]
    if with_quality:
        return with_quality[-1]  # ư/ơ in "ươ" take it on the ơ: người, hướng
    if last < len(letters) - 1:
        return last  # closed syllable: hoàng, huỳnh, toán
    if last == first:
        return first
    if last - first == 1:
        pair = (letters[first][0], letters[last][0])
        return last if pair in _TONE_ON_SECOND else first
    return first + 1  # three vowels: ngoài, khuỷu


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _mark_profile(key: str) -> tuple:
    """(base letter, set of marks) per letter of a key; đ counts as d with a mark."""
    profile: list[tuple[str, set]] = []
    for ch in unicodedata.normalize("NFD", key):
        if unicodedata.category(ch)[0] == "M" and profile:
            profile[-1][1].add(ch)
        elif ch == "\u0111":
            profile.append(("d", {"stroke"}))
        else:
            profile.append((ch, set()))
    return tuple((base, frozenset(marks)) for base, marks in profile)


def _marks_compatible(query_key: str, unit_key: str) -> bool:
    """True if the query is the unit's name with some diacritics left out, none changed.

    "Dak Lak" and "Đăk Lăk" are "Đắk Lắk" with marks omitted; "Quản Bình" is not
    "Quân Bình": it has a mark that name lacks, so it is a different word (or a typo).
    """
    query, unit = _mark_profile(query_key), _mark_profile(unit_key)
    return len(query) == len(unit) and all(
        qb == ub and qm <= um for (qb, qm), (ub, um) in zip(query, unit, strict=True)
    )


# --- split_unit_type --------------------------------------------------------------------------


def split_unit_type(text: str) -> tuple[str | None, str]:
    """Separate a leading unit type from a name.

    Recognises the types Tỉnh, Thành phố, Quận, Huyện, Thị xã, Thị trấn, Xã, Phường,
    Đặc khu and Thủ đô in any case, with or without diacritics (but not with wrong ones:
    "Xá Lượng" is a name), and the abbreviations TP, T.P., Tp, TX, TT (followed by a dot or a
    space), Q., H., X., P. (followed by a dot), and Q/P directly before a number ("Q1",
    "P.12"). A lone letter followed by a space is not an abbreviation: it begins names such
    as "H Bông" or "P Rao".

    Parameters
    ----------
    text : str
        A name, possibly with its unit type.

    Returns
    -------
    tuple of (str or None, str)
        The canonical type ("Thành phố", "Quận", …) or None, and the rest of the text (NFC,
        stripped). Text that is only a type word ("Xã") has no name to split off and is
        returned whole, with None.

    Raises
    ------
    InputError
        If ``text`` is not a string.

    Examples
    --------
    >>> split_unit_type("TP.Cần Thơ")
    ('Thành phố', 'Cần Thơ')
    >>> split_unit_type("Q.1")
    ('Quận', '1')
    >>> split_unit_type("phuong 1")
    ('Phường', '1')
    >>> split_unit_type("Xã H Bông")
    ('Xã', 'H Bông')
    >>> split_unit_type("H Bông")
    (None, 'H Bông')
    """
    if not isinstance(text, str):
        raise InputError(f"a name must be a string, not {type(text).__name__} ({text!r})")
    return _split_unit_type(text)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _split_unit_type(text: str) -> tuple[str | None, str]:
    text = unicodedata.normalize("NFC", text).strip()
    for pattern, unit_type in _ABBREVIATIONS:
        match = pattern.match(text)
        if match:
            return unit_type, text[match.end() :].strip()
    words = re.findall(r"\S+", text)
    for unit_type in _TYPE_NAMES:
        count = _TYPE_WORD_COUNT[unit_type]
        if len(words) <= count:
            continue  # nothing would be left as the name
        head = " ".join(words[:count])
        if _is_type_word(head, unit_type):
            match = re.match(r"\s*" + r"\s+".join(map(re.escape, words[:count])), text)
            return unit_type, text[match.end() :].strip()
    return None, text


def _is_type_word(head: str, unit_type: str) -> bool:
    if _normalize(head, False) != _normalize(unit_type, False):
        return False
    return _marks_compatible(_normalize(head, True), _normalize(unit_type, True))


# --- find_unit --------------------------------------------------------------------------------


def find_unit(
    units: pd.DataFrame, name: str, *, within=None, level: str | None = None
) -> pd.Series:
    """Find the one unit a name refers to.

    The name may carry a unit type, spelt out or abbreviated ("Thành phố Cần Thơ",
    "TP.Cần Thơ", "tp can tho"), and may lack diacritics; Hồ Chí Minh City may be written
    "TP.HCM", "TP HCM", "TPHCM" or "HCM" (see :func:`normalize_name`). Candidates are tried
    in this order, and the first step that matches anything decides:

    1. With diacritics (tone placement, case, spacing and punctuation normalised):

       a. the full name: the query's type and name equal the unit's ("TP Cần Thơ" is
          "Thành phố Cần Thơ", never "Phường Cần Thơ");
       b. if the query has a type, the name among units at the levels that type can be at
          ("Tỉnh Đồng Nai" finds "Thành phố Đồng Nai", "Thị xã X" finds "Thành phố X");
       c. the whole query as a bare name ("Cần Thơ", or "Tinh Bien" = "Tịnh Biên").
          A query with a type is never matched to a unit at another level by its name
          alone: "Tỉnh Quảng Bình" does not silently become the commune "Xã Quảng Bình".

    2. The same steps without diacritics ("Can Tho", "Dak Lak"), accepting a unit only if
       the query's diacritics are a subset of the unit's: "Đăk Lăk" finds "Đắk Lắk", but
       "Quản Bình" (a typo) does not find "Quân Bình" — it gets suggestions instead.

    Numbers are part of the name, so "Phường 1" and "Quận 1" are different units.

    Parameters
    ----------
    units : DataFrame or GeoDataFrame
        Units in geozone's schema: ``code`` and ``name`` are required; ``full_name``,
        ``level`` and ``province_code`` are used when present. Geometry is not needed.
    name : str
        The name to look up.
    within : str or int, optional
        A province to look in: its code ("92", 92) or its name in any spelling ("Cần Thơ",
        "TP Can Tho"), resolved among the ``level == "province"`` rows of ``units``. A table
        without province rows accepts codes only.
    level : {"province", "district", "commune"}, optional
        Look only at units of this level.

    Returns
    -------
    pandas.Series
        The unit's row (all columns of ``units``; ``.name`` is its index label). Its code
        is ``find_unit(units, name)["code"]``.

    Raises
    ------
    NameLookupError
        If the name matches several units (all listed on ``.candidates``, with their codes
        and provinces; narrow with ``within=`` or ``level=``), or none (the closest names
        are on ``.candidates``; when ``units`` holds no provinces and the name is a
        province's, the message says so and where to look it up). Each candidate is a dict
        with ``code``, ``full_name``, ``level``, ``province_code``, ``province``,
        ``parent``, ``vintage`` and ``score`` (similarity 0–100 for suggestions, None for
        ambiguous matches).
    InputError
        If ``units`` lacks a needed column, or ``name``, ``level`` or ``within`` is unusable.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({
    ...     "code": ["92", "31117", "91", "30280", "31150"],
    ...     "name": ["Cần Thơ", "Ninh Kiều", "An Giang", "Vĩnh Hòa", "Vĩnh Hoà"],
    ...     "full_name": ["Thành phố Cần Thơ", "Phường Ninh Kiều", "Tỉnh An Giang",
    ...                   "Xã Vĩnh Hòa", "Phường Vĩnh Hoà"],
    ...     "level": ["province", "commune", "province", "commune", "commune"],
    ...     "parent_code": [None, "92", None, "91", "92"],
    ...     "province_code": ["92", "92", "91", "91", "92"],
    ... })
    >>> find_unit(units, "tp can tho")["code"]
    '92'
    >>> find_unit(units, "Vinh Hoa", within="Cần Thơ")["full_name"]
    'Phường Vĩnh Hoà'
    >>> find_unit(units, "Xã Vĩnh Hoà")["code"]
    '30280'
    >>> find_unit(units, "Vĩnh Hòa")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geozone.errors.NameLookupError: 'Vĩnh Hòa' matches 2 units: Xã Vĩnh Hòa (30280, ...
    >>> find_unit(units, "Can Thoo")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geozone.errors.NameLookupError: no unit named 'Can Thoo'; closest: Thành phố Cần Thơ (92); ...

    A province's name in a table of communes only (a commune layer, for instance):

    >>> communes = units[units["level"] == "commune"].assign(vintage=2025)
    >>> try:
    ...     find_unit(communes, "TP Cần Thơ")
    ... except NameLookupError as exc:
    ...     print(str(exc).split("; closest")[0])  # doctest: +NORMALIZE_WHITESPACE
    no Thành phố named 'TP Cần Thơ'; Cần Thơ is a province (92) and these units hold no
    provinces: look it up in geozone.unit_table(2025) or load_units('vn2025-provinces'), or
    pass within='92' to search inside it
    """
    _check_units(units)
    if not isinstance(name, str):
        raise InputError(f"a unit name must be a string, not {type(name).__name__} ({name!r})")
    if not _normalize(name, True):
        raise InputError(f"the unit name {name!r} is empty")
    if level is not None and level not in _LEVELS:
        raise InputError(f"level={level!r}; use one of {', '.join(map(repr, _LEVELS))}")
    if level is not None and "level" not in units.columns:
        raise InputError("level= needs a 'level' column in units")

    keep = np.ones(len(units), dtype=bool)
    if level is not None:
        keep &= (units["level"] == level).to_numpy(dtype=bool, na_value=False)
    if within is not None:
        province = _resolve_within(units, within)
        keep &= (units["province_code"] == province).to_numpy(dtype=bool, na_value=False)
    positions = keep.nonzero()[0]
    table = _key_table(units, positions)

    query = _Query(name)
    for diacritics in (True, False):
        for mask, query_key, unit_keys in _steps(table, query, diacritics):
            hits = mask.nonzero()[0]
            if not diacritics and len(hits) and query.key != query.key_nd:
                # ignoring diacritics must not match a name whose marks differ from the query's
                hits = [h for h in hits if _marks_compatible(query_key, unit_keys[h])]
            if len(hits) == 1:
                return units.iloc[positions[hits[0]]]
            if len(hits) > 1:
                raise _ambiguous(units, positions[list(hits)], query, name, level, within)
    raise _not_found(units, positions, table, query, name, level, within)


class _Query:
    """The keys of a query: whole, and split into unit type and bare name."""

    def __init__(self, name: str):
        self.unit_type, bare = _split_unit_type(name)
        self.key = _normalize(name, True)
        self.key_nd = _normalize(name, False)
        self.bare = _normalize(bare, True)
        self.bare_nd = _normalize(bare, False)
        # "Quận 1" names a district by its number; "1" alone says nothing about the type
        self.numbered = self.bare_nd.isdigit()


def _check_units(units) -> None:
    if not isinstance(units, pd.DataFrame):
        raise InputError(f"units must be a DataFrame, not {type(units).__name__}")
    missing = [c for c in ("code", "name") if c not in units.columns]
    if missing:
        raise InputError(
            f"units lacks the column(s) {', '.join(missing)}; load them with "
            "geozone.load_units or rename the columns to geozone's schema"
        )


class _KeyTable:
    """The keys each matching step compares: one array entry per unit, in table order."""

    def __init__(self, names: list, full_names: list, levels: list | None):
        name_keys = [_text_keys(v) for v in names]
        full_keys = [_text_keys(v) for v in full_names]
        self.name = np.array([k[0] for k in name_keys], dtype=object)
        self.name_nd = np.array([k[1] for k in name_keys], dtype=object)
        self.full = np.array([k[0] for k in full_keys], dtype=object)
        self.full_nd = np.array([k[1] for k in full_keys], dtype=object)
        self.type = np.array([k[2] for k in full_keys], dtype=object)
        self.level = None if levels is None else np.array(levels, dtype=object)

    def take(self, positions: np.ndarray) -> _KeyTable:
        part = object.__new__(_KeyTable)
        for attr in ("name", "name_nd", "full", "full_nd", "type", "level"):
            values = getattr(self, attr)
            setattr(part, attr, None if values is None else values[positions])
        return part


# The key table of the last units table searched, with the cells it was built from.
# Looking up many names in one table is the common case (an agreement's units, a whole
# column); comparing cells is far cheaper than keying them again, and because the cells
# themselves are compared, a table changed in place is never served stale keys.
_last_table: tuple | None = None


class _Cells:
    """A snapshot of a column's cells that compares quickly with a later one."""

    def __init__(self, values: pd.Series):
        array = values.array
        if hasattr(array, "__arrow_array__"):
            # Arrow-backed strings (pandas' default): Arrow data is immutable, so this is a
            # snapshot for free, and two snapshots of unchanged data compare in C at once.
            self.arrow = array.__arrow_array__()
            self.listed = None
        else:
            self.arrow = None
            self.listed = values.tolist()

    def __eq__(self, other) -> bool:
        if not isinstance(other, _Cells):
            return NotImplemented
        if self.arrow is not None and other.arrow is not None:
            return self.arrow.type == other.arrow.type and self.arrow.equals(other.arrow)
        return self.tolist() == other.tolist()

    __hash__ = None

    def tolist(self) -> list:
        if self.listed is None:
            self.listed = self.arrow.to_pylist()
        return self.listed


def _key_table(units: pd.DataFrame, positions: np.ndarray) -> _KeyTable:
    global _last_table
    columns = ["name", "full_name" if "full_name" in units.columns else "name"]
    if "level" in units.columns:
        columns.append("level")
    cells = [_Cells(units[c]) for c in columns]
    last = _last_table  # one read, so that another thread replacing it cannot interfere
    if last is not None and last[0] == cells:
        table = last[1]
    else:
        levels = cells[2].tolist() if len(cells) > 2 else None
        table = _KeyTable(cells[0].tolist(), cells[1].tolist(), levels)
        _last_table = (cells, table)
    return table if len(positions) == len(table.name) else table.take(positions)


def _text_keys(value) -> tuple:
    """(key, key without diacritics, unit type) of a table cell; Nones for a missing one."""
    if isinstance(value, str):
        return _string_keys(value)
    if value is None or pd.isna(value):
        return None, None, None
    raise InputError(
        f"unit names must be strings, not {type(value).__name__} ({value!r}); "
        "read tables with dtype=str"
    )


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _string_keys(text: str) -> tuple:
    # one cache lookup per table cell keeps a lookup in a 10,000-unit table in milliseconds
    return _normalize(text, True), _normalize(text, False), _split_unit_type(text)[0]


def _steps(table: _KeyTable, query: _Query, diacritics: bool):
    """Yield (row mask, query key with diacritics, the keys it was compared with) per step."""
    whole = query.key if diacritics else query.key_nd
    bare = query.bare if diacritics else query.bare_nd
    names = table.name if diacritics else table.name_nd
    full_names = table.full if diacritics else table.full_nd
    if query.unit_type is not None:
        yield (table.type == query.unit_type) & (names == bare), query.bare, table.name
    yield full_names == whole, query.key, table.full
    # A number names a unit only together with its type: "Phường 1" is no "Xã 1".
    if query.unit_type is not None and not query.numbered:
        if table.level is not None:
            at_level = np.isin(table.level, _TYPE_LEVELS[query.unit_type])
            yield at_level & (names == bare), query.bare, table.name
        else:
            yield names == bare, query.bare, table.name
    yield names == whole, query.key, table.name


def _resolve_within(units: pd.DataFrame, within) -> str:
    """The province code ``within`` stands for."""
    if "province_code" not in units.columns:
        raise InputError("within= needs a 'province_code' column in units")
    known = set(pd.unique(units["province_code"].dropna()))
    if isinstance(within, int) and not isinstance(within, bool):
        code = f"{within:02d}"
    elif isinstance(within, str) and within.strip().isascii() and within.strip().isdigit():
        code = within.strip().zfill(2)
    elif isinstance(within, str):
        if "level" not in units.columns or not (units["level"] == "province").any():
            raise InputError(
                f"within={within!r} is a name, but units has no province rows to resolve it "
                "by; pass the province code instead (e.g. within='92')"
            )
        provinces = units[units["level"] == "province"]
        try:
            code = find_unit(provinces, within)["code"]
        except NameLookupError as exc:
            raise NameLookupError(f"within={within!r}: {exc}", exc.candidates) from exc
    else:
        raise InputError(
            f"within={within!r}; give a province code ('92') or a province name ('Cần Thơ')"
        )
    if code not in known:
        raise InputError(
            f"within={within!r}: no unit of units lies in province {code!r}; "
            f"the province codes there are {', '.join(sorted(known))}"
        )
    return code


# --- errors -----------------------------------------------------------------------------------


def _candidates(units: pd.DataFrame, positions, scores=None) -> list[dict]:
    rows = units.iloc[list(positions)]
    full_names = {}
    if "level" in units.columns and "full_name" in units.columns:
        upper = units[units["level"].isin(["province", "district"])]
        full_names = dict(zip(upper["code"], upper["full_name"], strict=True))

    def column(row, name):
        value = row.get(name)
        return None if value is None or pd.isna(value) else value

    out = []
    for k, (_, row) in enumerate(rows.iterrows()):
        province_code = column(row, "province_code")
        parent_code = column(row, "parent_code")
        out.append(
            {
                "code": row["code"],
                "full_name": column(row, "full_name") or row["name"],
                "level": column(row, "level"),
                "province_code": province_code,
                "province": full_names.get(province_code),
                # the district of an old commune tells apart the many "Phường 1"
                "parent": full_names.get(parent_code) if parent_code != province_code else None,
                "vintage": column(row, "vintage"),
                "score": None if scores is None else round(float(scores[k]), 1),
            }
        )
    return out


def _describe(candidate: dict, show_vintage: bool) -> str:
    where = [candidate["code"]]
    if candidate["parent"]:
        where.append(candidate["parent"])
    if candidate["province"] and candidate["province_code"] != candidate["code"]:
        where.append(candidate["province"])
    elif candidate["province_code"] and candidate["province_code"] != candidate["code"]:
        where.append(f"province {candidate['province_code']}")
    if show_vintage and candidate["vintage"] is not None:
        where.append(f"vintage {candidate['vintage']}")
    return f"{candidate['full_name']} ({', '.join(str(w) for w in where)})"


def _listing(candidates: list[dict]) -> str:
    # a table may hold several vintages; only then does the vintage tell candidates apart
    show_vintage = len({c["vintage"] for c in candidates}) > 1
    shown = "; ".join(_describe(c, show_vintage) for c in candidates[:_SHOWN])
    more = len(candidates) - _SHOWN
    return shown + (f"; and {more} more (see .candidates)" if more > 0 else "")


def _filters(level, within) -> str:
    parts = []
    if level is not None:
        parts.append(f"level={level!r}")
    if within is not None:
        parts.append(f"within={within!r}")
    return f" ({', '.join(parts)})" if parts else ""


def _ambiguous(units, positions, query, name, level, within) -> NameLookupError:
    candidates = _candidates(units, positions)
    # suggest only what would tell these candidates apart
    hints = []
    if within is None and len({c["province_code"] for c in candidates}) > 1:
        hints.append("pass within= a province (code or name)")
    if level is None and len({c["level"] for c in candidates}) > 1:
        hints.append("pass level=")
    types = {_split_unit_type(c["full_name"])[0] for c in candidates}
    if query.unit_type is None and len(types) > 1:
        hints.append("write the unit type ('Xã …', 'Phường …')")
    hints.append("use the unit's code")
    return NameLookupError(
        f"{name!r} matches {len(candidates)} units{_filters(level, within)}: "
        f"{_listing(candidates)}. To choose, {', '.join(hints[:-1])}"
        f"{' or ' if len(hints) > 1 else ''}{hints[-1]}",
        candidates,
    )


# Types a province's name can be written with (a commune named like a province takes "Xã").
_PROVINCE_TYPES = (None, "Tỉnh", "Thành phố", "Thủ đô")


def _province_names(vintage: int) -> dict[str, str]:
    """Province code -> bare name for a vintage, from tables built into geozone.

    The error path must not depend on a data directory (the units may come from anywhere),
    so the names come from :mod:`geozone.crs`, which carries both vintages' provinces.
    """
    from geozone import crs

    if vintage == 2025:
        return dict(crs._NEW_PROVINCES)
    return {code: name for code, name, _, _ in crs._OLD_PROVINCES}


def _province_hint(units: pd.DataFrame, query: _Query) -> str:
    """Where to look when a name not found is a province's and ``units`` has no provinces."""
    if query.unit_type not in _PROVINCE_TYPES or not query.bare_nd:
        return ""
    if "level" in units.columns and (units["level"] == "province").any():
        return ""  # the provinces were searched (or filtered out on purpose by level=)
    vintages = [2025, 2008]
    if "vintage" in units.columns:
        # a hand-made table may hold anything here; an unreadable vintage means "either"
        present = set(pd.to_numeric(units["vintage"], errors="coerce").dropna().tolist())
        vintages = [v for v in vintages if v in present] or vintages
    for vintage in vintages:
        for code, province in _province_names(vintage).items():
            if _normalize(province, False) == query.bare_nd and _marks_compatible(
                query.bare, _normalize(province, True)
            ):
                searchable = "province_code" in units.columns and (
                    (units["province_code"] == code).any()
                )
                inside = f", or pass within={code!r} to search inside it" if searchable else ""
                return (
                    f"; {province} is a province ({code}) and these units hold no provinces: "
                    f"look it up in geozone.unit_table({vintage}) or "
                    f"load_units('vn{vintage}-provinces'){inside}"
                )
    return ""


def _not_found(units, positions, table, query, name, level, within) -> NameLookupError:
    what = "unit" if query.unit_type is None else query.unit_type
    message = f"no {what} named {name!r}{_filters(level, within)}"
    message += _province_hint(units, query)
    # Without diacritics, so that wrong or missing marks still find the name; a query with a
    # type is compared with full names (canonical type + name), so that the type counts too.
    if query.unit_type is None:
        keys, target = table.name_nd, query.bare_nd
    else:
        keys, target = table.full_nd, _normalize(f"{query.unit_type} {query.bare_nd}", False)
    choices = list(dict.fromkeys(k for k in keys if k is not None))
    if not choices:
        return NameLookupError(message + "; there are no units to search", [])
    found = process.extract(target, choices, scorer=fuzz.ratio, processor=None, limit=5)
    scores = {key: score for key, score, _ in found}
    picked = [p for p, key in enumerate(keys) if key in scores]
    # best first; equally close ones from the top level down, then by full name (stable order)
    rank = {unit_level: k for k, unit_level in enumerate(_LEVELS)}

    def order(p):
        unit_level = table.level[p] if table.level is not None else None
        return -scores[keys[p]], rank.get(unit_level, len(rank)), table.full[p] or ""

    picked.sort(key=order)
    candidates = _candidates(units, positions[picked], [scores[keys[p]] for p in picked])
    return NameLookupError(f"{message}; closest: {_listing(candidates)}", candidates)
