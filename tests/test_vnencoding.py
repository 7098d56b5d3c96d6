"""Tests for geozone.vnencoding: TCVN3/VNI tables, detection and frame conversion.

The tables are checked three ways: letter by letter against the layouts written out below (by
hand, in the standards' row order, independently of how the module builds them), byte by byte
against glibc's TCVN5712-1 codec where ``iconv`` has it, and by round-tripping every name of
the 2008 and 2025 code lists.
"""

from __future__ import annotations

import doctest
import re
import shutil
import subprocess
import unicodedata

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from geozone import datasets, vnencoding
from geozone.vnencoding import decode_tcvn3, decode_vni, detect_encoding, fix_legacy_text

encode_tcvn3 = vnencoding._encode_tcvn3
encode_vni = vnencoding._encode_vni

# --- Hand-written layouts ---------------------------------------------------------------------
# TCVN3 (VN3): each toned vowel in the order grave, hook, tilde, acute, dot.
TCVN3_ROWS = [
    ("à ả ã á ạ", "µ ¶ · ¸ ¹"),
    ("ằ ẳ ẵ ắ ặ", "» ¼ ½ ¾ Æ"),
    ("ầ ẩ ẫ ấ ậ", "Ç È É Ê Ë"),
    ("è ẻ ẽ é ẹ", "Ì Î Ï Ð Ñ"),
    ("ề ể ễ ế ệ", "Ò Ó Ô Õ Ö"),
    ("ì ỉ ĩ í ị", "× Ø Ü Ý Þ"),
    ("ò ỏ õ ó ọ", "ß á â ã ä"),
    ("ồ ổ ỗ ố ộ", "å æ ç è é"),
    ("ờ ở ỡ ớ ợ", "ê ë ì í î"),
    ("ù ủ ũ ú ụ", "ï ñ ò ó ô"),
    ("ừ ử ữ ứ ự", "õ ö ÷ ø ù"),
    ("ỳ ỷ ỹ ý ỵ", "ú û ü ý þ"),
    ("Ă Â Ê Ô Ơ Ư Đ ă â ê ô ơ ư đ", "¡ ¢ £ ¤ ¥ ¦ § ¨ © ª « ¬ \xad ®"),
]
# VNI: each vowel plain, then grave, acute, hook, tilde, dot.
VNI_ROWS = [
    ("a à á ả ã ạ", "a aø aù aû aõ aï"),
    ("ă ằ ắ ẳ ẵ ặ", "aê aè aé aú aü aë"),
    ("â ầ ấ ẩ ẫ ậ", "aâ aà aá aå aã aä"),
    ("e è é ẻ ẽ ẹ", "e eø eù eû eõ eï"),
    ("ê ề ế ể ễ ệ", "eâ eà eá eå eã eä"),
    ("i ì í ỉ ĩ ị", "i ì í æ ó ò"),
    ("o ò ó ỏ õ ọ", "o oø où oû oõ oï"),
    ("ô ồ ố ổ ỗ ộ", "oâ oà oá oå oã oä"),
    ("ơ ờ ớ ở ỡ ợ", "ô ôø ôù ôû ôõ ôï"),
    ("u ù ú ủ ũ ụ", "u uø uù uû uõ uï"),
    ("ư ừ ứ ử ữ ự", "ö öø öù öû öõ öï"),
    ("y ỳ ý ỷ ỹ ỵ", "y yø yù yû yõ î"),
    ("đ", "ñ"),
]


def _pairs(rows):
    for unicode_row, legacy_row in rows:
        yield from zip(unicode_row.split(), legacy_row.split(), strict=True)


TCVN3_PAIRS = list(_pairs(TCVN3_ROWS))
VNI_PAIRS = list(_pairs(VNI_ROWS))
VIETNAMESE_LOWER = "".join(u for u, _ in VNI_PAIRS) + "bcdghklmnpqrstvx"
VIETNAMESE = VIETNAMESE_LOWER + VIETNAMESE_LOWER.upper()


def test_module_examples():
    result = doctest.testmod(vnencoding, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 10
    assert result.failed == 0


# --- Tables -------------------------------------------------------------------------------------
def test_tcvn3_layout_letter_by_letter():
    assert len(TCVN3_PAIRS) == 74  # 12 vowels x 5 tones + 14 letters with their own codes
    for letter, code in TCVN3_PAIRS:
        assert encode_tcvn3(letter) == code
        # "x" before the code: a lone toned letter would be taken as a capitalised name.
        assert decode_tcvn3("x" + code) == "x" + letter, (letter, code)
        assert decode_tcvn3(b"x" + code.encode("latin-1")) == "x" + letter


def test_tcvn3_toned_capitals_share_the_lowercase_code():
    # VN3 has no toned capitals: the ABC capitals font draws them from the lowercase code.
    assert encode_tcvn3("Ứ") == encode_tcvn3("ứ") == "ø"
    assert encode_tcvn3("Ầ") == encode_tcvn3("ầ") == "Ç"


def test_vni_layout_letter_by_letter():
    assert len(VNI_PAIRS) == 73  # 12 vowels x (plain + 5 tones) + đ
    for letter, code in VNI_PAIRS:
        for u, v in ((letter, code), (letter.upper(), code.upper())):
            assert encode_vni(u) == v
            assert decode_vni(v) == u, (u, v)


def _glibc_tcvn(byte: int) -> str | None:
    done = subprocess.run(
        ["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"], input=bytes([byte]), capture_output=True
    )
    return unicodedata.normalize("NFC", done.stdout.decode()) if done.returncode == 0 else None


def _has_glibc_tcvn() -> bool:
    if shutil.which("iconv") is None:
        return False
    return _glibc_tcvn(0xB5) == "à"


@pytest.mark.skipif(not _has_glibc_tcvn(), reason="iconv without TCVN5712-1 (glibc) to compare")
def test_tcvn3_table_agrees_with_glibc_byte_by_byte():
    checked = 0
    for byte in [*range(0x20, 0x7F), *range(0xA1, 0xB0), *range(0xB5, 0x100)]:
        # A letter before the byte: the VN1/VN2 capital slots are only letters next to one.
        got = decode_tcvn3(b"x" + bytes([byte]), restore_case=False)[1:]
        assert got == _glibc_tcvn(byte), hex(byte)
        checked += 1
    assert checked == 95 + 15 + 75


def test_tcvn3_choices_where_the_standard_is_not_followed():
    # 0x80-0x9F: Windows punctuation as in the ABC fonts and Unikey, not VN1 capitals, whether
    # the text was read as Latin-1 (C1 controls) or cp1252.
    assert decode_tcvn3("1 \x96 2") == decode_tcvn3("1 – 2") == "1 – 2"
    assert decode_tcvn3("H\x92Leo") == "H’Leo"
    # VN1/VN2 capital slots: letters next to a letter, otherwise the Latin-1 symbol.
    assert decode_tcvn3(b"\xc4P") == "ẤP"
    assert decode_tcvn3("105º30'") == "105º30'"
    # VN1 combining marks 0xB0-0xB4 are not VN3: a degree sign stays a degree sign.
    assert decode_tcvn3("10°") == "10°"


@pytest.mark.parametrize(
    ("legacy", "unicode"),
    [
        ("Hµ Néi", "Hà Nội"),
        ("Thµnh phè Hå ChÝ Minh", "Thành phố Hồ Chí Minh"),
        ("§µ N½ng", "Đà Nẵng"),
        ("CÇn Th¬", "Cần Thơ"),
        ("Thµnh phè CÇn Th¬", "Thành phố Cần Thơ"),
        ("Tr\xadêng Sa", "Trường Sa"),
        ("HuyÖn ¦ng Hßa", "Huyện Ưng Hòa"),
        ("HuyÖn øng Hßa", "Huyện Ứng Hòa"),  # toned capital from the lowercase code
        ("X· Ch\xad ¸", "Xã Chư Á"),
        ("THµNH PHè Hµ NéI", "THÀNH PHỐ HÀ NỘI"),
        ("Ia BLø", "Ia BLứ"),  # a capital cluster of a minority name is not all capitals
    ],
)
def test_tcvn3_anchors(legacy, unicode):
    assert decode_tcvn3(legacy) == unicode
    assert decode_tcvn3(legacy.encode("cp1252")) == unicode


@pytest.mark.parametrize(
    ("legacy", "unicode"),
    [
        ("Haø Noäi", "Hà Nội"),
        ("Thaønh phoá Hoà Chí Minh", "Thành phố Hồ Chí Minh"),
        ("Ñaø Naüng", "Đà Nẵng"),
        ("Caàn Thô", "Cần Thơ"),
        ("Tröôøng Sa", "Trường Sa"),
        ("Tænh Quaûng Nam", "Tỉnh Quảng Nam"),
        ("Thò traán Ñoàng Ñaêng", "Thị trấn Đồng Đăng"),
        ("HUYEÄN ÖÙNG HOØA", "HUYỆN ỨNG HÒA"),
        ("Ea Suùp, Ñaék Laék", "Ea Súp, Đắk Lắk"),
        ("Huyeän Yù Yeân", "Huyện Ý Yên"),
        ("Aø", "À"),  # a small mark after a capital: the letter decides
    ],
)
def test_vni_anchors(legacy, unicode):
    assert decode_vni(legacy) == unicode
    assert decode_vni(legacy.encode("cp1252")) == unicode


def test_text_read_as_cp1258_and_composed():
    # geozone.points reads non-UTF-8 CSVs as cp1258 and composes (NFC): TCVN3 "Hoè" then
    # arrives as "Hò" and VNI "Ñònh" (Định) as "Ṇ" + combining tilde.
    def via_cp1258(legacy: str) -> str:
        return unicodedata.normalize("NFC", legacy.encode("latin-1").decode("cp1258"))

    assert via_cp1258("Ho\xcc") == "Hò"
    assert decode_tcvn3(via_cp1258("Ho\xcc"), read_as="cp1258") == "Hoè"
    # Alone, "Hò" cannot say it was read as cp1258; a column can (see fix_legacy_text).
    assert decode_tcvn3(via_cp1258("Ho\xcc")) == "Hũ"
    assert decode_tcvn3(via_cp1258("ChÝ"), read_as="cp1258") == "Chí"  # "ChƯ" in cp1258
    assert decode_tcvn3(via_cp1258("ChÝ")) == "Chí"  # Ư is cp1258's: "auto" sees it
    assert via_cp1258("Ñònh") == "\u1e46\u0303nh"
    assert decode_vni(via_cp1258("Ñònh")) == "Định"
    assert decode_vni(via_cp1258("Ngaõ ba")) == "Ngã ba"  # õ is cp1258's ơ


def test_characters_no_legacy_byte_gives_pass_through():
    assert decode_tcvn3("Hµ Nội") == "Hà Nội"
    assert decode_vni("Haø 東") == "Hà 東"
    with pytest.raises(ValueError, match="read_as"):
        decode_vni("x", read_as="utf-8")
    with pytest.raises(ValueError, match="no TCVN3 code"):
        encode_tcvn3("°")


# --- Real names -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real_names(data_dir):
    names = set()
    for dataset in ("vn2025-codes", "vn2008-codes"):
        table = pd.read_csv(datasets.dataset_path(dataset, data_dir), dtype=str)
        for column in ("name", "full_name"):
            names.update(table[column].dropna())
    names = sorted(names)
    assert len(names) > 14_000
    assert all(unicodedata.is_normalized("NFC", n) for n in names)
    return names


_LOWER_TONED_WORD = re.compile(
    r"(?<!\w)[àảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ]"
)


def _capitalise_toned_words(name: str) -> str:
    return _LOWER_TONED_WORD.sub(lambda m: m.group().upper(), name)


@pytest.mark.realdata
def test_every_real_name_round_trips_through_vni(real_names):
    assert [n for n in real_names if decode_vni(encode_vni(n)) != n] == []


@pytest.mark.realdata
def test_every_real_name_round_trips_through_tcvn3(real_names):
    differ = []
    for name in real_names:
        got = decode_tcvn3(encode_tcvn3(name))
        if got != name:
            differ.append(name)
            # The only names that do not come back are spelt in the lists with a small toned
            # vowel starting a word ("Đồng ý", "Mường é"), which decoding capitalises.
            assert got == _capitalise_toned_words(name), name
    assert len(differ) <= 20
    # Without case restoration, names without toned capitals come back exactly.
    plain = [
        n
        for n in real_names
        if not any(c.isupper() and c.lower() in vnencoding._TONED_LOWER for c in n)
    ]
    assert 14_000 < len(plain) < len(real_names)
    assert [n for n in plain if decode_tcvn3(encode_tcvn3(n), restore_case=False) != n] == []
    for name in ("Ý Yên", "Ứng Hòa", "Xã Chư Á", "Thị trấn Óc Eo", "Xã Ẳng Tở", "Bờ Y"):
        assert decode_tcvn3(encode_tcvn3(name)) == name


@pytest.mark.realdata
def test_detection_of_the_real_names(real_names):
    def via_cp1258(legacy):
        return unicodedata.normalize("NFC", legacy.encode("latin-1").decode("cp1258"))

    tcvn3 = [encode_tcvn3(n) for n in real_names]
    vni = [encode_vni(n) for n in real_names]
    assert detect_encoding(real_names) == "unicode"
    assert detect_encoding([unicodedata.normalize("NFD", n) for n in real_names]) == "unicode"
    assert detect_encoding([n.upper() for n in real_names]) == "unicode"
    assert detect_encoding(tcvn3) == "tcvn3"
    assert detect_encoding(vni) == "vni"
    assert detect_encoding([via_cp1258(v) for v in tcvn3]) == "tcvn3"
    assert detect_encoding([via_cp1258(v) for v in vni]) == "vni"
    ascii_names = [
        unicodedata.normalize("NFD", n).encode("ascii", "ignore").decode() for n in real_names
    ]
    assert detect_encoding(ascii_names) == "ascii"


@pytest.mark.realdata
def test_plausibility_on_the_real_names(real_names):
    # Every real name is Vietnamese-shaped, and almost no legacy spelling of one is.
    assert [n for n in real_names if not vnencoding._plausible(n)] == []
    for encode in (encode_tcvn3, encode_vni):
        legacy = [v for v in map(encode, real_names) if not v.isascii()]
        plausible = sum(vnencoding._plausible(v) for v in legacy)
        assert plausible < 0.1 * len(legacy)


@pytest.mark.realdata
@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
@pytest.mark.parametrize("read_as", ["latin-1", "cp1258"])
def test_fix_real_name_columns(real_names, encoding, read_as):
    encode = encode_tcvn3 if encoding == "tcvn3" else encode_vni
    legacy = [encode(n) for n in real_names]
    if read_as == "cp1258":
        legacy = [
            unicodedata.normalize("NFC", v.encode("latin-1").decode("cp1258")) for v in legacy
        ]
    frame = pd.DataFrame({"TEN": legacy, "MA": range(len(legacy))})
    fixed, report = fix_legacy_text(frame)
    assert [r["column"] for r in report] == ["TEN"]  # MA is not text
    entry = report[0]
    assert (entry["encoding"], entry["read_as"]) == (encoding, read_as)
    assert entry["rows_kept"] == 0
    wrong = [(n, f) for n, f in zip(real_names, fixed.TEN, strict=True) if f != n]
    if encoding == "vni":
        assert wrong == []
    else:
        assert all(f == _capitalise_toned_words(n) for n, f in wrong)
        assert len(wrong) <= 20
    # Values the same in both readings ("Lý Nam" in TCVN3, "Chí" in VNI) are not changes.
    assert entry["rows_changed"] == sum(f != v for f, v in zip(fixed.TEN, legacy, strict=True))
    assert entry["rows_changed"] > 16_000
    assert entry["rows_doubtful"] == 0
    assert frame.TEN.tolist() == legacy  # the input is not modified


@pytest.mark.realdata
def test_fix_an_all_capitals_tcvn3_column(real_names):
    # A value alone cannot tell "HÀ" from "Hà" in TCVN3; the column can.
    upper = [n.upper() for n in real_names]
    fixed, report = fix_legacy_text(pd.DataFrame({"TEN": [encode_tcvn3(n) for n in upper]}))
    assert report[0]["encoding"] == "tcvn3"
    assert [(n, f) for n, f in zip(upper, fixed.TEN, strict=True) if f != n] == []


@pytest.mark.realdata
def test_a_large_column_converts(real_names):
    frame = pd.DataFrame({"TEN": [encode_tcvn3(n) for n in real_names[:10_000]]})
    fixed, report = fix_legacy_text(frame)
    assert report[0]["rows_changed"] > 9_000
    wrong = [n for n, f in zip(real_names[:10_000], fixed.TEN, strict=True) if n != f]
    # Only the handful of official names spelt with a small toned vowel opening a word
    # ("Đồng ý") come back capitalised.
    assert len(wrong) <= 12, wrong[:5]


# --- Detection on small columns ---------------------------------------------------------------
def test_detection_basics():
    assert detect_encoding(["Kon Tum", "Gia Lai", None, float("nan"), 5]) == "ascii"
    assert detect_encoding([]) == "ascii"
    assert detect_encoding(pd.Series(["Hà Nội", "Huế"])) == "unicode"
    assert detect_encoding(["Thµnh phè Hµ Néi", "TØnh Qu¶ng Nam"]) == "tcvn3"
    assert detect_encoding(["Thaønh phoá Haø Noäi", "Tænh Quaûng Nam"]) == "vni"
    # Non-ASCII text without anything typical of legacy encodings is Unicode, Vietnamese or not.
    assert detect_encoding(["東京", "Ελλάδα"]) == "unicode"
    assert detect_encoding(["Hà Nội", "Zürich"]) == "unicode"
    # ü is a VNI mark and TCVN3's ỹ, but "Zỹrich" is no Vietnamese word: not converted.
    assert detect_encoding(["Zürich"]) == "unknown"


def test_mostly_tcvn3_with_ascii_and_some_unicode():
    legacy = ["X· Hßa B×nh", "Ph\xadêng BÕn NghÐ", "ThÞ trÊn §«ng Anh", "X· T©n Phó"]
    values = legacy * 3 + ["Kon Tum", "A Lưới", "Ea Súp"] + ["Phường Bến Thành"]
    assert detect_encoding(values) == "tcvn3"
    fixed, report = fix_legacy_text(pd.DataFrame({"TEN": values}))
    assert fixed.TEN.tolist()[:4] == [
        "Xã Hòa Bình",
        "Phường Bến Nghé",
        "Thị trấn Đông Anh",
        "Xã Tân Phú",
    ]
    assert fixed.TEN.tolist()[12:] == ["Kon Tum", "A Lưới", "Ea Súp", "Phường Bến Thành"]
    entry = report[0]
    assert (entry["rows"], entry["rows_changed"], entry["rows_kept"]) == (16, 12, 3)
    assert "3 values already in Unicode were kept" in entry["message"]


def test_unicode_column_with_a_few_tcvn3_values_is_left_but_reported():
    values = ["Hà Nội", "Cần Thơ", "Đà Nẵng", "Huế", "Thµnh phè Vinh"]
    assert detect_encoding(values) == "unicode"
    fixed, report = fix_legacy_text(pd.DataFrame({"TEN": values}))
    assert fixed.TEN.tolist() == values
    entry = report[0]
    assert (entry["rows_changed"], entry["rows_doubtful"]) == (0, 1)
    assert entry["example_after"] == "Thành phố Vinh"
    assert "read as TCVN3" in entry["message"]


def test_utf8_read_as_latin1_is_unknown_with_a_hint():
    values = [v.encode("utf-8").decode("latin-1") for v in ["Thành phố Hà Nội", "Đà Nẵng"]]
    assert values[0].startswith("ThÃ")
    assert detect_encoding(values) == "unknown"
    fixed, report = fix_legacy_text(pd.DataFrame({"TEN": values}))
    assert fixed.TEN.tolist() == values
    entry = report[0]
    assert entry["encoding"] == "unknown" and entry["rows_doubtful"] == 2
    assert "UTF-8 read as Latin-1" in entry["message"]


def test_unicode_and_ascii_columns_are_untouched():
    frame = pd.DataFrame({"a": ["Hà Nội", None], "b": ["x", "y"], "c": [1.5, 2.0]})
    fixed, report = fix_legacy_text(frame)
    pd.testing.assert_frame_equal(fixed, frame)
    assert [(r["column"], r["encoding"], r["message"]) for r in report] == [
        ("a", "unicode", None),
        ("b", "ascii", None),
    ]
    with pytest.raises(KeyError, match="no column 'z'"):
        fix_legacy_text(frame, columns=["z"])


def test_missing_values_and_object_columns_survive():
    frame = pd.DataFrame({"TEN": pd.Series(["Hµ Néi", None, "CÇn Th¬", 7], dtype=object)})
    fixed, report = fix_legacy_text(frame)
    assert fixed.TEN.tolist() == ["Hà Nội", None, "Cần Thơ", 7]
    assert fixed.TEN.dtype == object
    assert report[0]["rows_changed"] == 2


# --- A shapefile with TCVN3 in its .dbf -------------------------------------------------------
@pytest.mark.parametrize("engine", ["pyogrio", "fiona"])
def test_shapefile_with_tcvn3_dbf(tmp_path, engine):
    names = ["Thành phố Cần Thơ", "Quận Ninh Kiều", "Huyện Ứng Hòa", "Kon Tum"]
    layer = gpd.GeoDataFrame(
        {"TEN": [encode_tcvn3(n) for n in names], "MA": ["92", "916", "278", "62"]},
        geometry=[Point(105.78, 10.03 + i) for i in range(4)],
        crs=4326,
    )
    path = tmp_path / "xa.shp"
    layer.to_file(path, engine="pyogrio", encoding="latin1")
    path.with_suffix(".cpg").unlink()  # old data has no .cpg: GDAL falls back to Latin-1
    dbf = path.with_suffix(".dbf").read_bytes()
    assert b"Th\xb5nh ph\xe8 C\xc7n Th\xac" in dbf  # the TCVN3 bytes themselves
    read = gpd.read_file(path, engine=engine)
    assert read.TEN[0] == "Thµnh phè CÇn Th¬"
    fixed, report = fix_legacy_text(read)
    assert isinstance(fixed, gpd.GeoDataFrame)
    assert fixed.TEN.tolist() == names
    assert fixed.geometry.equals(read.geometry)
    assert [(r["column"], r["encoding"], r["rows_changed"]) for r in report] == [
        ("TEN", "tcvn3", 3),
        ("MA", "ascii", 0),
    ]


# --- Properties -------------------------------------------------------------------------------
ONSETS = [
    "",
    "b",
    "c",
    "ch",
    "d",
    "đ",
    "g",
    "gh",
    "gi",
    "h",
    "k",
    "kh",
    "l",
    "m",
    "n",
    "ng",
    "ngh",
    "nh",
    "p",
    "ph",
    "qu",
    "r",
    "s",
    "t",
    "th",
    "tr",
    "v",
    "x",
]
# (nucleus, index of the vowel that takes the tone, may be followed by a final consonant)
NUCLEI = [
    ("a", 0, True),
    ("ă", 0, True),
    ("â", 0, True),
    ("e", 0, True),
    ("ê", 0, True),
    ("i", 0, True),
    ("o", 0, True),
    ("ô", 0, True),
    ("ơ", 0, True),
    ("u", 0, True),
    ("ư", 0, True),
    ("y", 0, False),
    ("ai", 0, False),
    ("ao", 0, False),
    ("au", 0, False),
    ("ay", 0, False),
    ("âu", 0, False),
    ("ây", 0, False),
    ("eo", 0, False),
    ("êu", 0, False),
    ("ia", 0, False),
    ("iê", 1, True),
    ("iu", 0, False),
    ("oa", 1, True),
    ("oă", 1, True),
    ("oe", 1, True),
    ("oi", 0, False),
    ("ôi", 0, False),
    ("ơi", 0, False),
    ("ua", 0, False),
    ("uâ", 1, True),
    ("uê", 1, True),
    ("ui", 0, False),
    ("uô", 1, True),
    ("uy", 1, True),
    ("ưa", 0, False),
    ("ưi", 0, False),
    ("ưu", 0, False),
    ("ươ", 1, True),
    ("yê", 1, True),
    ("iêu", 1, False),
    ("oai", 1, False),
    ("oay", 1, False),
    ("uôi", 1, False),
    ("ươi", 1, False),
    ("ươu", 1, False),
    ("yêu", 1, False),
    ("uyê", 2, True),
]
FINALS = ["c", "ch", "m", "n", "ng", "nh", "p", "t"]
TONES = ["", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]


@st.composite
def syllables(draw):
    onset = draw(st.sampled_from(ONSETS))
    nucleus, at, closed = draw(st.sampled_from(NUCLEI))
    if (onset == "qu" and nucleus[0] in "uoôơư") or (onset == "gi" and nucleus[0] in "iy"):
        onset = "t"  # "quu", "gii" are not spellings
    final = draw(st.sampled_from(["", *FINALS])) if closed else ""
    # Syllables closed by p, t, c, ch only take sắc or nặng.
    tone = draw(
        st.sampled_from(["", "\u0301", "\u0323"] if final in ("p", "t", "c", "ch") else TONES)
    )
    toned = nucleus[:at] + unicodedata.normalize("NFC", nucleus[at] + tone) + nucleus[at + 1 :]
    return onset + toned + final


@st.composite
def names(draw, case=None):
    words = draw(st.lists(syllables(), min_size=1, max_size=4))
    case = case or draw(st.sampled_from(["lower", "title", "upper"]))
    if case == "title":
        words = [w[0].upper() + w[1:] for w in words]
    elif case == "upper":
        words = [w.upper() for w in words]
    return " ".join(words)


PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(st.text(alphabet=st.sampled_from(VIETNAMESE + " 0123456789.,-'()/"), max_size=40))
def test_vni_round_trip_of_any_vietnamese_text(text):
    assert decode_vni(encode_vni(text)) == text


@PROPERTY
@given(
    st.text(
        alphabet=st.sampled_from(VIETNAMESE_LOWER + "ĂÂÊÔƠƯĐ BCDKLMNT 0123456789.,-"), max_size=40
    )
)
def test_tcvn3_round_trip_of_text_it_can_represent(text):
    assert decode_tcvn3(encode_tcvn3(text), restore_case=False) == text


@PROPERTY
@given(names(case="title"))
def test_tcvn3_round_trip_of_title_case_names_restores_capitals(name):
    assert decode_tcvn3(encode_tcvn3(name)) == name


@PROPERTY
@given(names())
def test_vietnamese_syllables_are_plausible(name):
    assert vnencoding._plausible(name)


@settings(PROPERTY, max_examples=120)
@given(st.lists(names(), min_size=1, max_size=8), st.booleans())
def test_a_unicode_column_is_never_taken_for_a_legacy_encoding(column, decompose):
    if decompose:
        column = [unicodedata.normalize("NFD", n) for n in column]
    assert detect_encoding(column) in ("unicode", "ascii")
    fixed, report = fix_legacy_text(pd.DataFrame({"TEN": column}))
    assert fixed.TEN.tolist() == column
    assert report[0]["rows_changed"] == 0
