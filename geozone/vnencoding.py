"""Legacy Vietnamese 8-bit text (TCVN3, VNI): detect it and convert it to Unicode.

Before Unicode, Vietnamese text was typed in 8-bit fonts, and much older government GIS data
still carries it: **TCVN3** (TCVN 5712:1993 "VN3", the ABC fonts such as .VnTime) and **VNI**
(VNI-Windows, the VNI-Times fonts). A shapefile's .dbf stores those bytes with no encoding tag,
so GDAL reads them as Latin-1 and a CSV reader as cp1252 or cp1258, and "Thành phố Cần Thơ"
comes out as ``Thµnh phè CÇn Th¬`` (TCVN3) or ``Thaønh phoá Caàn Thô`` (VNI).

* :func:`decode_tcvn3` and :func:`decode_vni` turn such text back into Unicode (NFC).
* :func:`detect_encoding` says which of ``"unicode"``, ``"tcvn3"``, ``"vni"``, ``"ascii"`` or
  ``"unknown"`` a column of strings is written in.
* :func:`fix_legacy_text` detects and converts the text columns of a (Geo)DataFrame and reports
  what it found, including columns that look damaged in some other way.

How the text is recovered
-------------------------
The decoders first recover the legacy bytes from the string, then map the bytes:

* ``read_as="latin-1"`` (also right for cp1252: the two differ only in 0x80-0x9F, where the
  cp1252 punctuation maps back to its byte) is what GDAL gives for a .dbf without a .cpg.
* ``read_as="cp1258"`` is what :mod:`geozone.points` gives for a non-UTF-8 CSV: cp1258 turns
  five bytes into combining tone marks and the reader then composes them (NFC) with the letter
  before, so "Ho" + the TCVN3 byte for "è" arrives as "Hò". Characters cp1258 cannot produce
  from one byte are decomposed again to recover the bytes.

TCVN3 tables
------------
Byte values are those of TCVN 5712:1993 as implemented by Unikey's "TCVN3 (ABC)" converter and,
for VN1, by libiconv/glibc ``TCVN5712-1`` and X11; the tests cross-check every byte against glibc
``iconv`` when it is installed. VN3 has every lowercase letter but, of the capitals, only the
untoned Ă Â Ê Ô Ơ Ư Đ: the ABC fonts draw a toned capital from the lowercase code in a separate
capitals font (.VnTimeH), so "Ứng Hòa" is stored as the bytes of "ứng Hòa". The decoder
therefore restores case from context (see :func:`decode_tcvn3`). Two byte ranges are read as
follows, by decision rather than by the standard:

* 0x80-0x9F hold sixteen toned capitals in VN1/VN2 but Windows punctuation (‘ ’ “ ” – …) in
  the ABC fonts and in Unikey; they are read as the punctuation.
* The sixteen VN3-unused slots 0xAF 0xBA 0xBF 0xC0-0xC5 0xCD 0xD9-0xDB 0xE0 0xF0 0xFF hold
  toned capitals in VN1/VN2 (Ằ Ẳ Ẵ Ắ Ầ Ẩ Ẫ Ấ Ề Ể Ễ Ế Ồ Ổ Ỗ Ố); they are decoded so only when
  a letter touches them, otherwise kept ("105º" keeps its º). The encoder never writes them.
* 0xB0-0xB4 (combining tone marks in VN1) are kept as the Latin-1 symbols ° ± ² ³ ´.

VNI tables
----------
VNI writes a letter as its base letter followed by one mark character: ``ø ù û õ ï`` for the
tones grave, acute, hook, tilde and dot; ``â`` for the circumflex and ``á à å ã ä`` for
circumflex with a tone; ``ê`` for the breve and ``é è ú ü ë`` for breve with a tone; capitals
take the capital marks (``Ø Ù Û Õ Ï Â Á À Å Ã Ä Ê É È Ú Ü Ë``). One-byte letters: ``ô``/``Ô``
ơ/Ơ, ``ö``/``Ö`` ư/Ư, ``ñ``/``Ñ`` đ/Đ, and for i: ``ì í æ ó ò`` (ì í ỉ ĩ ị) and capitals
``Ì Í Æ Ó Ò``; ``î``/``Î`` is ỵ/Ỵ. The tables agree with Unikey's VNI-WIN table and xvnkb's.
The decoder also accepts a mark of the other case (``Aø``), taking the case from the letter.

Detection
---------
Distinct non-ASCII values (an even sample of a thousand in large columns) are read five ways:
as they are, and as TCVN3 or VNI recovered through Latin-1 or through cp1258. A reading is
*Vietnamese-shaped* when every word it yields uses only letters of the Vietnamese alphabet;
is lower case, Title Case or capitals (capital clusters such as "KBô" allowed); has at most one
tone per vowel group, vowel groups that Vietnamese has (plus those of minority place names:
"Ea", "Plei", "Yang" ...) and no huyền/hỏi/ngã before a final p, t, c, ch. ASCII words are
always allowed and never decide. A legacy reading counts for a value only when it changes the
value and yields at least one one-syllable word with diacritics (several-syllable words are
what misread foreign words look like: "Zürich" as TCVN3 is "Zỹrich"). The legacy reading with
most values (by rows) wins if it beats the Unicode reading and covers at least half of them;
ties go to Unicode, so real Unicode is never converted. On the 17,375 names of the 2008 and
2025 code lists, columns of three names or more are classified right 99.9-100% of the time
(Unicode and NFD: 100% even for single names; VNI is the weakest alone since many VNI spellings
are Unicode too: "Chí", "Thô").
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

__all__ = ["decode_tcvn3", "decode_vni", "detect_encoding", "fix_legacy_text"]

# --- The Vietnamese alphabet -----------------------------------------------------------------
# Tones in the order TCVN3 lays out its slots: huyền (grave), hỏi (hook), ngã (tilde),
# sắc (acute), nặng (dot below).
_GRAVE, _HOOK, _TILDE, _ACUTE, _DOT = "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"
_TONES = (_GRAVE, _HOOK, _TILDE, _ACUTE, _DOT)
_VOWELS = "aăâeêioôơuưy"
_CONSONANTS = "bcdđghklmnpqrstvx" + "fjwz"  # f j w z occur in ethnic-minority names


def _tone(vowel: str, tone: str) -> str:
    return unicodedata.normalize("NFC", vowel + tone)


# Every lowercase letter -> (letter without tone, tone or ""). Capitals are looked up lowered.
_LETTER_PARTS: dict[str, tuple[str, str]] = {c: (c, "") for c in _VOWELS + _CONSONANTS}
for _v in _VOWELS:
    for _t in _TONES:
        _LETTER_PARTS[_tone(_v, _t)] = (_v, _t)
_LOWER_LETTERS = frozenset(_LETTER_PARTS)
_LETTERS = _LOWER_LETTERS | {c.upper() for c in _LOWER_LETTERS}
# Lowercase letters with a tone: the ones whose case TCVN3 (VN3) cannot store.
_TONED_LOWER = frozenset(c for c, (_, t) in _LETTER_PARTS.items() if t)

# --- TCVN3 ------------------------------------------------------------------------------------
# Slots of each toned vowel, in _TONES order (grave, hook, tilde, acute, dot).
_TCVN3_TONED = {
    "a": (0xB5, 0xB6, 0xB7, 0xB8, 0xB9),
    "ă": (0xBB, 0xBC, 0xBD, 0xBE, 0xC6),
    "â": (0xC7, 0xC8, 0xC9, 0xCA, 0xCB),
    "e": (0xCC, 0xCE, 0xCF, 0xD0, 0xD1),
    "ê": (0xD2, 0xD3, 0xD4, 0xD5, 0xD6),
    "i": (0xD7, 0xD8, 0xDC, 0xDD, 0xDE),
    "o": (0xDF, 0xE1, 0xE2, 0xE3, 0xE4),
    "ô": (0xE5, 0xE6, 0xE7, 0xE8, 0xE9),
    "ơ": (0xEA, 0xEB, 0xEC, 0xED, 0xEE),
    "u": (0xEF, 0xF1, 0xF2, 0xF3, 0xF4),
    "ư": (0xF5, 0xF6, 0xF7, 0xF8, 0xF9),
    "y": (0xFA, 0xFB, 0xFC, 0xFD, 0xFE),
}
_TCVN3_PLAIN = {
    "Ă": 0xA1, "Â": 0xA2, "Ê": 0xA3, "Ô": 0xA4, "Ơ": 0xA5, "Ư": 0xA6, "Đ": 0xA7,
    "ă": 0xA8, "â": 0xA9, "ê": 0xAA, "ô": 0xAB, "ơ": 0xAC, "ư": 0xAD, "đ": 0xAE,
}  # fmt: skip
# Toned capitals of VN1/VN2 in the slots VN3 leaves empty; decoded only next to a letter.
_TCVN3_CAPITAL_SLOTS = {
    0xAF: "Ằ", 0xBA: "Ẳ", 0xBF: "Ẵ", 0xC0: "Ắ", 0xC1: "Ầ", 0xC2: "Ẩ", 0xC3: "Ẫ", 0xC4: "Ấ",
    0xC5: "Ề", 0xCD: "Ể", 0xD9: "Ễ", 0xDA: "Ế", 0xDB: "Ồ", 0xE0: "Ổ", 0xF0: "Ỗ", 0xFF: "Ố",
}  # fmt: skip

_TCVN3_ENCODE: dict[str, str] = {c: chr(b) for c, b in _TCVN3_PLAIN.items()}
for _v, _slots in _TCVN3_TONED.items():
    for _t, _b in zip(_TONES, _slots, strict=True):
        _TCVN3_ENCODE[_tone(_v, _t)] = chr(_b)
        # VN3 has no toned capitals: they are written with the lowercase code (see module doc).
        _TCVN3_ENCODE[_tone(_v, _t).upper()] = chr(_b)
_TCVN3_DECODE = {
    ord(b): c
    for c, b in _TCVN3_ENCODE.items()
    if not (c in _LETTERS and c.isupper() and c.lower() in _TONED_LOWER)
}


# Windows punctuation that a Latin-1 read leaves as C1 control characters: both legacy
# encodings keep cp1252's symbols in 0x80-0x9F (see module doc).
def _c1_to_cp1252() -> dict[int, str]:
    table = {}
    for b in range(0x80, 0xA0):
        try:
            table[b] = bytes([b]).decode("cp1252")
        except UnicodeDecodeError:  # 0x81 0x8D 0x8F 0x90 0x9D: undefined, stay as they are
            continue
    return table


_C1_TABLE = _c1_to_cp1252()
_TCVN3_DECODE.update(_C1_TABLE)
_TCVN3_LETTER_BYTES = "".join(sorted(set(_TCVN3_ENCODE.values())))
_TCVN3_ENCODE_BYTES = frozenset(ord(b) for b in _TCVN3_LETTER_BYTES)
_TCVN3_CAPITAL_CHARS = "".join(chr(b) for b in _TCVN3_CAPITAL_SLOTS)
# A capital slot counts as a letter only when a letter touches it (ASCII, a TCVN3 letter slot
# or another capital slot: "ÄP" is "ẤP").
_LETTER_CLASS = "A-Za-z" + re.escape(_TCVN3_LETTER_BYTES + _TCVN3_CAPITAL_CHARS)
_TCVN3_CAPITAL_RE = re.compile(
    f"(?<=[{_LETTER_CLASS}])[{re.escape(_TCVN3_CAPITAL_CHARS)}]"
    f"|[{re.escape(_TCVN3_CAPITAL_CHARS)}](?=[{_LETTER_CLASS}])"
)

# --- VNI --------------------------------------------------------------------------------------
_VNI_TONE_MARK = {_GRAVE: "ø", _ACUTE: "ù", _HOOK: "û", _TILDE: "õ", _DOT: "ï"}
_VNI_CIRCUMFLEX_MARK = {"": "â", _GRAVE: "à", _ACUTE: "á", _HOOK: "å", _TILDE: "ã", _DOT: "ä"}
_VNI_BREVE_MARK = {"": "ê", _GRAVE: "è", _ACUTE: "é", _HOOK: "ú", _TILDE: "ü", _DOT: "ë"}
_VNI_I = {_GRAVE: "ì", _ACUTE: "í", _HOOK: "æ", _TILDE: "ó", _DOT: "ò"}
_VNI_HORN = {"ơ": "ô", "ư": "ö"}  # one-byte letters that take tone marks after them


def _vni_lower(letter: str) -> str:
    """VNI spelling of one lowercase Vietnamese letter."""
    if letter == "đ":
        return "ñ"
    base, tone = _LETTER_PARTS[letter]
    if base == "i" and tone:
        return _VNI_I[tone]
    if base == "y" and tone == _DOT:
        return "î"
    if base in _VNI_HORN:
        return _VNI_HORN[base] + _VNI_TONE_MARK.get(tone, "")
    if base in "âêô":
        return unicodedata.normalize("NFD", base)[0] + _VNI_CIRCUMFLEX_MARK[tone]
    if base == "ă":
        return "a" + _VNI_BREVE_MARK[tone]
    return base + _VNI_TONE_MARK.get(tone, "")


_VNI_ENCODE: dict[str, str] = {}
for _c in _LOWER_LETTERS:
    if not _c.isascii():
        _VNI_ENCODE[_c] = _vni_lower(_c)
        # Capitals: capital base letter and capital mark (the VNI fonts draw them higher).
        _VNI_ENCODE[_c.upper()] = _vni_lower(_c).upper()
_VNI_DECODE: dict[str, str] = {v: c for c, v in _VNI_ENCODE.items()}
# Accept a mark of the other case after a letter; the letter decides the case.
for _seq, _c in list(_VNI_DECODE.items()):
    if len(_seq) == 2:
        _VNI_DECODE.setdefault(_seq[0] + _seq[1].swapcase(), _c)
_VNI_RE = re.compile("|".join(re.escape(s) for s in sorted(_VNI_DECODE, key=len, reverse=True)))
_VNI_CHARS = frozenset("".join(_VNI_DECODE)) - frozenset("aeiouyAEIOUY")

# --- Recovering the legacy bytes --------------------------------------------------------------
# A legacy string is represented by the str whose code points are its bytes (its Latin-1 decode).
_CP1252_TO_BYTE = {ord(bytes([b]).decode("cp1252")): chr(b) for b in _C1_TABLE}
_NOT_A_BYTE = re.compile(r"[^\x00-\xff]")
# Characters only a cp1258 decode produces: its letters and its five combining tone marks.
_CP1258_ONLY = frozenset("ĂăĐđƠơƯư₫" + "".join(_TONES))


@functools.lru_cache(maxsize=4096)
def _cp1258_cluster(cluster: str) -> str | None:
    """The bytes (as Latin-1 text) that cp1258 + NFC turned into ``cluster``, or None.

    ``cluster`` is one character with the combining marks that follow it.
    """
    try:
        return cluster.encode("cp1258").decode("latin-1")
    except UnicodeEncodeError:
        pass
    # NFC composed a cp1258 character with combining marks and sorted the marks into canonical
    # order ("Ñ" + dot below became "Ṇ" + tilde), so try each order and keep as much of the
    # head precomposed as cp1258 has ("ầ" is "â" + grave, not "a" + circumflex + grave).
    base, *marks = unicodedata.normalize("NFD", cluster)
    for k in range(len(marks), -1, -1):
        for order in itertools.permutations(marks):
            head = unicodedata.normalize("NFC", base + "".join(order[:k]))
            try:
                raw = head.encode("cp1258") + "".join(order[k:]).encode("cp1258")
            except UnicodeEncodeError:
                continue
            return raw.decode("latin-1")
    return None


_CLUSTER_RE = re.compile(r"(?s).[\u0300-\u036f]*")


def _looks_cp1258(text: str) -> bool:
    """Whether ``text`` holds what only a cp1258 decode (+ NFC) makes of legacy bytes.

    That is cp1258's own letters and marks, or letters NFC composed that Vietnamese does not
    have ("ḥ" from "h" + dot below). Vietnamese letters such as "ộ" are taken as Unicode.
    """
    if any(c in _CP1258_ONLY for c in text):
        return True
    return any(
        ord(c) > 0xFF
        and c not in _LETTERS
        and ord(c) not in _CP1252_TO_BYTE
        and _cp1258_cluster(c) is not None
        for c in text
    )


def _as_bytes(text: str | bytes, read_as: str) -> tuple[str, bool]:
    """(legacy bytes as Latin-1 text, whether every character could be mapped to bytes).

    Characters that no decode of a legacy byte can produce are kept as they are.
    """
    if isinstance(text, bytes | bytearray):
        return bytes(text).decode("latin-1"), True
    if read_as == "auto":
        read_as = "cp1258" if _looks_cp1258(text) else "latin-1"
    if read_as == "cp1258":
        try:
            return text.encode("cp1258").decode("latin-1"), True
        except UnicodeEncodeError:
            out, ok = [], True
            for cluster in _CLUSTER_RE.findall(text):
                b = _cp1258_cluster(cluster)
                ok = ok and b is not None
                out.append(cluster if b is None else b)
            return "".join(out), ok
    if read_as not in ("latin-1", "latin1", "cp1252", "iso-8859-1"):
        raise ValueError(f"read_as={read_as!r}: use 'auto', 'latin-1', 'cp1252' or 'cp1258'")
    raw = text.translate(_CP1252_TO_BYTE)
    return raw, _NOT_A_BYTE.search(raw) is None


# --- Decoding ---------------------------------------------------------------------------------
def _tcvn3_from_bytes(raw: str, restore_case: bool, caps: bool | None = None) -> str:
    raw = _TCVN3_CAPITAL_RE.sub(lambda m: _TCVN3_CAPITAL_SLOTS[ord(m.group())], raw)
    text = unicodedata.normalize("NFC", raw.translate(_TCVN3_DECODE))
    return _restore_case(text, caps) if restore_case else text


def _vni_from_bytes(raw: str) -> str:
    text = _VNI_RE.sub(lambda m: _VNI_DECODE[m.group()], raw)
    return unicodedata.normalize("NFC", text.translate(_C1_TABLE))


def decode_tcvn3(text: str | bytes, *, read_as: str = "auto", restore_case: bool = True) -> str:
    """Convert TCVN3 (ABC, .VnTime) text to Unicode NFC.

    Parameters
    ----------
    text : str or bytes
        The legacy bytes, or the string a reader made of them: Latin-1/cp1252 (GDAL, pandas)
        or cp1258 with its combining marks composed (:mod:`geozone.points`).
    read_as : {"auto", "latin-1", "cp1252", "cp1258"}
        How ``text`` was decoded from the bytes; ``"auto"`` takes cp1258 when the text holds
        what only cp1258 produces (Ă ă Đ đ Ơ ơ Ư ư, its combining marks, or letters such as
        "ḥ" that composing them makes). Ignored for bytes. A single value cannot always tell:
        TCVN3 "Hoè" read as cp1258 is "Hò", like TCVN3 "Hũ" read as Latin-1;
        :func:`fix_legacy_text` decides per column.
    restore_case : bool
        TCVN3 stores toned capitals with the lowercase code (the capitals font draws them), so
        "Ý Yên" arrives as "ý Yên" and "HÀ NỘI" as "Hà NộI". With ``True`` (the default) such
        a letter is capitalised in a word of capitals when a capital follows it ("NéI"), in a
        text of capitals (no small letter recorded, and such a word or two words of two or
        more capitals), and when it starts a word next to a capitalised word or standing alone,
        as place names are written. A capital cluster before it is no evidence, minority names
        start with them ("Ia BLứ"); so "HÀ" alone stays "Hà".

    Returns
    -------
    str
        Unicode NFC. Characters that cannot come from a legacy byte pass through unchanged, so
        the result is only meaningful for text that really is TCVN3: use
        :func:`detect_encoding` or :func:`fix_legacy_text` to decide that.

    Examples
    --------
    >>> decode_tcvn3("Thµnh phè Hå ChÝ Minh")
    'Thành phố Hồ Chí Minh'
    >>> decode_tcvn3("§µ N½ng"), decode_tcvn3(b"C\\xc7n Th\\xac")
    ('Đà Nẵng', 'Cần Thơ')
    >>> decode_tcvn3("HuyÖn ý Yªn"), decode_tcvn3("Hµ NéI")
    ('Huyện Ý Yên', 'HÀ NỘI')
    """
    raw, _ = _as_bytes(text, read_as)
    return _tcvn3_from_bytes(raw, restore_case)


def decode_vni(text: str | bytes, *, read_as: str = "auto") -> str:
    """Convert VNI (VNI-Windows, VNI-Times) text to Unicode NFC.

    Parameters
    ----------
    text : str or bytes
        The legacy bytes, or the string a reader made of them (see :func:`decode_tcvn3`).
    read_as : {"auto", "latin-1", "cp1252", "cp1258"}
        How ``text`` was decoded from the bytes (see :func:`decode_tcvn3`).

    Returns
    -------
    str
        Unicode NFC; characters that cannot come from a legacy byte pass through unchanged.

    Examples
    --------
    >>> decode_vni("Thaønh phoá Hoà Chí Minh")
    'Thành phố Hồ Chí Minh'
    >>> decode_vni("Ñaø Naüng"), decode_vni("Caàn Thô"), decode_vni("Tröôøng Sa")
    ('Đà Nẵng', 'Cần Thơ', 'Trường Sa')
    >>> decode_vni("THAØNH PHOÁ HAØ NOÄI")
    'THÀNH PHỐ HÀ NỘI'
    """
    raw, _ = _as_bytes(text, read_as)
    return _vni_from_bytes(raw)


def _encode(text: str, table: dict[str, str], name: str) -> str:
    out = []
    for c in unicodedata.normalize("NFC", text):
        if c.isascii():
            out.append(c)
        elif c in table:
            out.append(table[c])
        else:
            raise ValueError(f"{c!r} in {text!r} has no {name} code")
    return "".join(out)


def _encode_tcvn3(text: str) -> str:
    """TCVN3 bytes of ``text`` as Latin-1 text (toned capitals get the lowercase code)."""
    return _encode(text, _TCVN3_ENCODE, "TCVN3")


def _encode_vni(text: str) -> str:
    """VNI bytes of ``text`` as Latin-1 text."""
    return _encode(text, _VNI_ENCODE, "VNI")


# --- Restoring the case TCVN3 cannot store ----------------------------------------------------
# Case class of each character for _restore_case: "t" a toned small letter (case unknown in
# TCVN3), "U"/"L" a letter whose case the bytes record, "." anything else.
_CASE_CLASS = {c: ("t" if c in _TONED_LOWER else "U" if c.isupper() else "L") for c in _LETTERS}
_CASE_CLASS.update(
    {c: "U" if c.isupper() else "L" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"}
)
_CLASS_WORD_RE = re.compile("[tUL]+")
_STRONG_CAPS_RE = re.compile("t.*U")
# A word starting with a toned letter, or a word of capitals with a capital after a toned one.
_NEEDS_CASE_RE = re.compile("(?<![tUL])t|(?<![tUL])[tU]*t[tU]*U[tU]*(?![tUL])")


def _case_class(c: str) -> str:
    return _CASE_CLASS.get(c) or ("." if not c.isalpha() else "U" if c.isupper() else "L")


# The same as a translate table over the Latin and Vietnamese blocks, for speed.
_CASE_TABLE = {i: _case_class(chr(i)) for r in (range(0x250), range(0x1E00, 0x1F00)) for i in r}
_ONLY_CLASSES_RE = re.compile("[tUL.]*")


def _case_classes(text: str) -> str:
    classes = text.translate(_CASE_TABLE)
    if _ONLY_CLASSES_RE.fullmatch(classes):
        return classes
    return "".join(_case_class(c) for c in text)


def _restore_case(text: str, caps: bool | None = None) -> str:
    """Capitalise the toned letters TCVN3 could only store in lowercase, where context says so.

    The bytes record the case of every other letter. Capitals in a word are evidence for an
    all-capitals word only when one follows a toned letter ("NéI" is "NỘI"); capitals before
    it are not, since minority names start with capital clusters ("SRó", "Ia BLứ"). A whole
    text is in capitals when no recorded letter is small and it has such a word, or two words
    of two or more capitals ("HỒ CHÍ MINH", but not "AL Bá"), or when ``caps`` says that the
    column it comes from is written in capitals ("XÃ A LÙ").
    """
    classes = _case_classes(text)
    if "t" not in classes:
        return text
    if "L" in classes and not _NEEDS_CASE_RE.search(classes):
        return text  # the common title-case text: nothing below would change it
    words = [m.span() for m in _CLASS_WORD_RE.finditer(classes)]
    strong = [
        "L" not in classes[a:b] and _STRONG_CAPS_RE.search(classes, a, b) is not None
        for a, b in words
    ]
    capital_words = sum("L" not in classes[a:b] and classes.count("U", a, b) >= 2 for a, b in words)
    all_caps = "L" not in classes and (caps or any(strong) or capital_words >= 2)
    chars = list(text)
    for i, (a, b) in enumerate(words):
        if all_caps or strong[i]:
            chars[a:b] = text[a:b].upper()
        elif classes[a] == "t" and "U" not in classes[a:b]:
            # A word starting with a toned vowel, in a place name: "ý Yªn" is "Ý Yên",
            # "X· Ch\xad ¸" is "Xã Chư Á". A word alone is taken as a name too.
            after = i + 1 < len(words) and (
                chars[words[i + 1][0]].isupper() or classes[words[i + 1][0]] == "t"
            )
            before = i > 0 and chars[words[i - 1][0]].isupper()
            if after or (i + 1 == len(words) and (before or i == 0)):
                chars[a] = text[a].upper()
    return "".join(chars)


# --- Plausible Vietnamese ---------------------------------------------------------------------
# Vowel groups of Vietnamese syllables (tones removed), after dropping the u of "qu" and the
# i of "gi". The second line holds groups of ethnic-minority place names found in the 2008 and
# 2025 code lists (Ea Súp, Plei Kần, Yang Mao, Dêê, Pơơ, Kuăng, Piơr, Miầu, Yiêng, Laêê ...).
_NUCLEI_TEXT = """a ă â e ê i o ô ơ u ư y ai ao au ay âu ây eo êu ia iê iu oa oă oe oi ôi ơi
    oo ua uâ uê ui uô uơ uy ưa ưi ưu ươ yê iêu oai oay oeo uây uôi uya uyê uyu ươi ươu yêu
    ea ei ey ya yă ye yo yô yiê ooi êê ơơ ăi uo êy ue oăi aêê uoai ayu uă iơ iâu"""
_NUCLEI = frozenset(_NUCLEI_TEXT.split())
_STOP_FINALS = ("p", "t", "c", "ch")
_COMBINING = "\u0300-\u036f"
# Characters that belong to a word when scoring: letters, combining marks, and the symbols
# that TCVN3/VNI use as letters (so "Th¸i" is one word that fails, not "Th" + "i").
_LEGACY_SYMBOLS = "".join(
    sorted(
        c
        for c in set(_TCVN3_LETTER_BYTES + _TCVN3_CAPITAL_CHARS) | _VNI_CHARS
        if not c.isalpha() and c != "\xa0"
    )
)
_TOKEN_RE = re.compile(f"(?:[^\\W\\d_]|[{_COMBINING}{re.escape(_LEGACY_SYMBOLS)}])+")
# Characters typical of legacy text read as Latin-1 that are not Vietnamese letters.
_SUSPICIOUS = frozenset(
    c
    for c in set(_TCVN3_LETTER_BYTES + _TCVN3_CAPITAL_CHARS) | _VNI_CHARS
    if c not in _LETTERS and c != "\xa0" and not c.isascii()
)


def _case_ok(word: str) -> bool:
    """Capitals, then small letters: "hà", "Hà", "HÀ", and minority names' "KBô", "DRóh"."""
    first_small = next((i for i, c in enumerate(word) if c.islower()), len(word))
    return not any(c.isupper() for c in word[first_small:])


@functools.lru_cache(maxsize=65536)
def _word_quality(word: str) -> int:
    """0: not Vietnamese-shaped; 1: possible; 2: a one-syllable word with diacritics.

    Only the last is evidence: ASCII words say nothing, and a word of several syllables is
    rare in Vietnamese (a few minority names: "Đakrông") but is what other languages' letters
    look like when misread ("Zürich" read as TCVN3 is "Zỹrich").
    """
    if word.isascii():
        return 1
    if not _case_ok(word):
        return 0  # "ChÝ", "NéI": a capital after a small letter
    parts = [_LETTER_PARTS.get(c) for c in word.lower()]
    if None in parts:
        return 0  # µ, ø, Ç, a combining mark left over ...
    bases = "".join(p[0] for p in parts)
    tones = [p[1] for p in parts]
    groups = list(re.finditer(f"[{_VOWELS}]+", bases))
    for m in groups:
        start, end = m.span()
        group = m.group()
        if (
            len(group) > 1
            and start > 0
            and (
                (bases[start - 1] == "q" and group[0] == "u")
                or (bases[start - 1] == "g" and group[0] == "i")
            )
        ):
            group = group[1:]  # the u of "qu" and the i of "gi" belong to the consonant
        if group not in _NUCLEI:
            return 0
        toned = [t for t in tones[start:end] if t]
        if len(toned) > 1:
            return 0
        # Syllables closed by p, t, c, ch only take sắc or nặng ("Bát", "Bạt", never "Bàt").
        final = re.match(f"[^{_VOWELS}]*", bases[end:]).group()
        if toned and toned[0] not in (_ACUTE, _DOT) and final in _STOP_FINALS:
            return 0
    return 2 if len(groups) == 1 else 1


def _quality(text: str) -> int:
    """0: some word is not Vietnamese-shaped; 2: all are and one is evidence; else 1."""
    best = 1
    for word in _TOKEN_RE.findall(text):
        q = _word_quality(word)
        if q == 0:
            return 0
        best = max(best, q)
    return best


def _plausible(text: str) -> bool:
    return _quality(text) > 0


# --- Detection --------------------------------------------------------------------------------
_READINGS = (("tcvn3", "latin-1"), ("tcvn3", "cp1258"), ("vni", "latin-1"), ("vni", "cp1258"))
_LABEL = {"tcvn3": "TCVN3", "vni": "VNI"}
# Distinct values scored to choose the encoding; a column's encoding shows in any thousand of
# them, and scoring reads each value four ways, so large columns are sampled evenly.
_SAMPLE = 1000


def _read(value: str, reading: tuple[str, str], caps: bool | None = None) -> tuple[str, int] | None:
    """(decoded text, its _quality, or 0 when decoding changes nothing), or None when the
    value holds characters no decode of legacy bytes produces."""
    encoding, read_as = reading
    raw, ok = _as_bytes(value, read_as)
    if not ok:
        return None
    if encoding == "tcvn3":
        decoded = _tcvn3_from_bytes(raw, True, caps)
    elif any(c in _VNI_CHARS for c in raw):
        decoded = _vni_from_bytes(raw)
    else:
        return value, 0
    if decoded == unicodedata.normalize("NFC", value):
        return value, 0
    return decoded, _quality(decoded)


@dataclass
class _Analysis:
    encoding: str
    reading: tuple[str, str] | None  # (encoding, read_as) chosen for a legacy column
    counts: Counter  # non-empty string -> rows
    unicode_ok: dict[str, bool]  # non-ASCII value -> Vietnamese-shaped as it is
    suspicious: list[str]  # non-ASCII values with characters typical of legacy text


def _analyse(values: Iterable) -> _Analysis:
    counts = Counter(v for v in values if isinstance(v, str) and v)
    non_ascii = [v for v in counts if not v.isascii()]
    if not non_ascii:
        return _Analysis("ascii", None, counts, {}, [])
    unicode_ok = {v: _plausible(unicodedata.normalize("NFC", v)) for v in non_ascii}
    suspicious = [v for v in non_ascii if any(c in _SUSPICIOUS for c in v)]
    sample = non_ascii[:: -(-len(non_ascii) // _SAMPLE)]
    readings = [r for r in _READINGS if r[1] == "latin-1"]
    if any(_looks_cp1258(v) for v in sample):
        readings += [r for r in _READINGS if r[1] == "cp1258"]
    total = sum(counts[v] for v in sample)
    scores = Counter()
    for v in sample:
        scores["unicode"] += counts[v] * unicode_ok[v]
        for reading in readings:
            result = _read(v, reading)
            # A legacy reading needs evidence: a one-syllable word with diacritics.
            scores[reading] += counts[v] * bool(result and result[1] == 2)
    best = max(readings, key=lambda r: scores[r])  # first of equals: TCVN3 before VNI, Latin-1
    if scores[best] > scores["unicode"] and scores[best] * 2 >= total:
        return _Analysis(best[0], best, counts, unicode_ok, suspicious)
    if scores["unicode"] * 2 >= total or not suspicious:
        return _Analysis("unicode", None, counts, unicode_ok, suspicious)
    return _Analysis("unknown", None, counts, unicode_ok, suspicious)


def detect_encoding(values: Iterable) -> str:
    """Which encoding a column of strings is written in.

    Parameters
    ----------
    values : iterable
        The column (a Series, a list ...). Items that are not strings (None, NaN, numbers)
        and empty strings are ignored.

    Returns
    -------
    {"unicode", "tcvn3", "vni", "ascii", "unknown"}
        ``"ascii"``: nothing but ASCII (or nothing at all), so nothing to convert.
        ``"tcvn3"``/``"vni"``: legacy text, more of it Vietnamese when decoded so than as is,
        and at least half of the non-ASCII values (by rows). ``"unicode"``: Unicode text
        (NFC or NFD), or non-ASCII text without any character typical of legacy encodings.
        ``"unknown"``: characters typical of legacy encodings that neither TCVN3 nor VNI
        explains (another encoding, or text damaged twice).

    Examples
    --------
    >>> detect_encoding(["Thµnh phè Hµ Néi", "Kon Tum", "TØnh Qu¶ng Nam"])
    'tcvn3'
    >>> detect_encoding(["Thaønh phoá Haø Noäi", "Tænh Quaûng Nam"])
    'vni'
    >>> detect_encoding(["Thành phố Hà Nội", None]), detect_encoding(["Kon Tum", ""])
    ('unicode', 'ascii')
    >>> detect_encoding(["ThÃ nh phá»‘ HÃ  Ná»™i"])  # UTF-8 read as cp1252
    'unknown'
    """
    return _analyse(values).encoding


# --- Fixing a frame ---------------------------------------------------------------------------
def _text_columns(frame: pd.DataFrame) -> list:
    geometry = getattr(frame, "_geometry_column_name", None)
    text = [
        c
        for c, dtype in frame.dtypes.items()
        if pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype)
    ]
    return [c for c in text if c != geometry]


def _utf8_misread(values: Iterable[str]) -> bool:
    """Whether the values are mostly UTF-8 text that was read as cp1252/Latin-1."""
    hits = tried = 0
    for v in values:
        tried += 1
        for codec in ("cp1252", "latin-1"):
            try:
                v.encode(codec).decode("utf-8")
            except UnicodeError:
                continue
            hits += 1
            break
    return tried > 0 and hits * 2 > tried


def fix_legacy_text(frame: pd.DataFrame, columns=None) -> tuple[pd.DataFrame, list[dict]]:
    """Convert the TCVN3 and VNI text columns of a frame to Unicode NFC and report them.

    Parameters
    ----------
    frame : DataFrame or GeoDataFrame
        Not modified.
    columns : list, optional
        Columns to examine (default: every object or string column but the geometry).

    Returns
    -------
    (DataFrame, list of dict)
        A copy of ``frame`` with legacy columns converted, and one dict per examined column
        with keys ``column``, ``encoding`` (as :func:`detect_encoding`), ``read_as`` (how the
        legacy bytes had been decoded: ``"latin-1"`` or ``"cp1258"``, else None), ``rows``
        (non-empty strings), ``rows_changed``, ``rows_kept`` (values of a legacy column left
        alone because they already are Unicode), ``rows_doubtful`` (values converted but not
        Vietnamese-shaped afterwards, or in a Unicode column values that look like legacy
        text), ``example_before``/``example_after`` (the first changed or doubtful value) and
        ``message``: a one-line explanation when something was converted or looks wrong,
        else None — what a caller should show as a warning.

    Examples
    --------
    >>> frame = pd.DataFrame({"TEN": ["Hµ Néi", "CÇn Th¬"], "MA": ["01", "92"]})
    >>> fixed, report = fix_legacy_text(frame)
    >>> fixed.TEN.tolist()
    ['Hà Nội', 'Cần Thơ']
    >>> [(r["column"], r["encoding"], r["rows_changed"]) for r in report]
    [('TEN', 'tcvn3', 2), ('MA', 'ascii', 0)]
    >>> report[0]["message"]
    "column 'TEN': converted 2 of 2 values from TCVN3 to Unicode, e.g. 'Hµ Néi' -> 'Hà Nội'"
    """
    if columns is None:
        columns = _text_columns(frame)
    else:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise KeyError(f"no column {missing[0]!r}; the columns are {list(frame.columns)}")
    out = frame.copy()
    report = []
    for column in columns:
        series = frame[column]
        analysis = _analyse(series)
        entry = {
            "column": column,
            "encoding": analysis.encoding,
            "read_as": analysis.reading[1] if analysis.reading else None,
            "rows": sum(analysis.counts.values()),
            "rows_changed": 0,
            "rows_kept": 0,
            "rows_doubtful": 0,
            "example_before": None,
            "example_after": None,
            "message": None,
        }
        report.append(entry)
        if analysis.reading:
            _convert_column(out, column, series, analysis, entry)
        elif analysis.encoding == "unicode":
            _flag_legacy_rows(analysis, entry)
        elif analysis.encoding == "unknown":
            odd = analysis.suspicious
            entry["rows_doubtful"] = sum(analysis.counts[v] for v in odd)
            entry["example_before"] = odd[0]
            hint = (
                "it looks like UTF-8 read as Latin-1: read the file as UTF-8"
                if _utf8_misread(odd[:_SAMPLE])
                else "check the file's encoding"
            )
            entry["message"] = (
                f"column {column!r}: {entry['rows_doubtful']} values contain characters "
                f"typical of a legacy Vietnamese encoding (e.g. {odd[0]!r}) but neither TCVN3 "
                f"nor VNI explains them; left unchanged — {hint}"
            )
    return out, report


# Case class of each TCVN3 byte (see _CASE_CLASS): the letters whose case the bytes record.
# 0x80-0x9F are punctuation (and cp1252's Š Œ Ž, which no Vietnamese text has).
_TCVN3_CASE_TABLE = {
    b: _case_class(_TCVN3_DECODE.get(b, chr(b))) if b < 0x80 or b in _TCVN3_ENCODE_BYTES else "."
    for b in range(0x100)
}


def _capitals_column(analysis: _Analysis) -> bool:
    """Whether most values of a TCVN3 column are written in capitals ("XÃ A LÙ").

    Decides the case of toned letters that a value alone leaves open (see _restore_case).
    """
    caps = cased = 0
    for v, n in analysis.counts.items():
        raw, _ = _as_bytes(v, analysis.reading[1])
        classes = raw.translate(_TCVN3_CASE_TABLE)
        if "U" in classes or "L" in classes:
            cased += n
            caps += n * ("L" not in classes)
    return caps * 2 > cased


def _convert_column(out, column, series, analysis: _Analysis, entry: dict) -> None:
    mapping = {}
    caps = analysis.reading[0] == "tcvn3" and _capitals_column(analysis)
    for v, unicode_ok in analysis.unicode_ok.items():
        result = _read(v, analysis.reading, caps or None)
        if result is not None and result[0] == v:
            continue  # the same in both readings ("Chí" in VNI)
        if result is None or (unicode_ok and not result[1]):
            # Characters no legacy byte gives, or a value that reads as Unicode and not as
            # legacy text: already converted by someone, leave it.
            entry["rows_kept"] += analysis.counts[v]
            continue
        decoded, quality = result
        mapping[v] = decoded
        if not quality:
            entry["rows_doubtful"] += analysis.counts[v]
    values = series.tolist()
    changed = [i for i, v in enumerate(values) if isinstance(v, str) and v in mapping]
    for i in changed:
        values[i] = mapping[values[i]]
    out[column] = pd.Series(values, index=series.index, dtype=series.dtype, name=column)
    entry["rows_changed"] = len(changed)
    message = (
        f"column {column!r}: converted {len(changed)} of {entry['rows']} values from "
        f"{_LABEL[analysis.encoding]} to Unicode"
    )
    if changed:
        before = series.iloc[changed[0]]
        entry["example_before"], entry["example_after"] = before, mapping[before]
        message += f", e.g. {before!r} -> {mapping[before]!r}"
    if entry["rows_doubtful"]:
        message += f"; {entry['rows_doubtful']} converted values do not read as Vietnamese"
    if entry["rows_kept"]:
        message += f"; {entry['rows_kept']} values already in Unicode were kept"
    entry["message"] = message


def _flag_legacy_rows(analysis: _Analysis, entry: dict) -> None:
    """In a Unicode column, count values that read as legacy text and not as Unicode."""
    flagged = []
    for v, unicode_ok in analysis.unicode_ok.items():
        if unicode_ok:
            continue
        for reading in _READINGS:
            result = _read(v, reading)
            if result and result[1] == 2:
                flagged.append((v, reading[0], result[0]))
                break
    if not flagged:
        return
    entry["rows_doubtful"] = sum(analysis.counts[v] for v, _, _ in flagged)
    v, encoding, decoded = flagged[0]
    entry["example_before"], entry["example_after"] = v, decoded
    entry["message"] = (
        f"column {entry['column']!r}: mostly Unicode, but {entry['rows_doubtful']} values read "
        f"as {_LABEL[encoding]} (e.g. {v!r} would be {decoded!r}); left unchanged"
    )
