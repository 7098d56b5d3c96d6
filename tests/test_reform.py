"""Tests of geozone.reform: the 2025 province and commune crosswalks.

The real-data tests check the staged tables against Resolution 202/2025/QH15 and the data
README's list of known faults; the others run the loader's rules on small hand-made tables.
"""

from __future__ import annotations

import unicodedata

import pandas as pd
import pytest

from geozone import crs as gcrs
from geozone import reform
from geozone.datasets import read_table
from geozone.errors import DataError, InputError
from geozone.reform import (
    commune_crosswalk,
    commune_predecessors,
    commune_successors,
    province_crosswalk,
    province_predecessors,
    province_successor,
)

# Resolution 202/2025/QH15: the old provinces (2008 GSO codes) making up each new province,
# keyed by the new province's GSO code. Typed from the resolution, not from the data.
RESOLUTION_202 = {
    "01": {"01"},  # Hà Nội, unchanged
    "04": {"04"},  # Cao Bằng
    "08": {"02", "08"},  # Tuyên Quang = Hà Giang + Tuyên Quang
    "11": {"11"},  # Điện Biên
    "12": {"12"},  # Lai Châu
    "14": {"14"},  # Sơn La
    "15": {"10", "15"},  # Lào Cai = Lào Cai + Yên Bái
    "19": {"06", "19"},  # Thái Nguyên = Bắc Kạn + Thái Nguyên
    "20": {"20"},  # Lạng Sơn
    "22": {"22"},  # Quảng Ninh
    "24": {"24", "27"},  # Bắc Ninh = Bắc Giang + Bắc Ninh
    "25": {"17", "25", "26"},  # Phú Thọ = Hòa Bình + Phú Thọ + Vĩnh Phúc
    "31": {"30", "31"},  # Hải Phòng = Hải Dương + Hải Phòng
    "33": {"33", "34"},  # Hưng Yên = Hưng Yên + Thái Bình
    "37": {"35", "36", "37"},  # Ninh Bình = Hà Nam + Nam Định + Ninh Bình
    "38": {"38"},  # Thanh Hóa
    "40": {"40"},  # Nghệ An
    "42": {"42"},  # Hà Tĩnh
    "44": {"44", "45"},  # Quảng Trị = Quảng Bình + Quảng Trị
    "46": {"46"},  # Huế
    "48": {"48", "49"},  # Đà Nẵng = Đà Nẵng + Quảng Nam
    "51": {"51", "62"},  # Quảng Ngãi = Quảng Ngãi + Kon Tum
    "52": {"52", "64"},  # Gia Lai = Bình Định + Gia Lai
    "56": {"56", "58"},  # Khánh Hòa = Khánh Hòa + Ninh Thuận
    "66": {"54", "66"},  # Đắk Lắk = Phú Yên + Đắk Lắk
    "68": {"60", "67", "68"},  # Lâm Đồng = Bình Thuận + Đắk Nông + Lâm Đồng
    "75": {"70", "75"},  # Đồng Nai = Bình Phước + Đồng Nai
    "79": {"74", "77", "79"},  # TP HCM = Bình Dương + Bà Rịa-Vũng Tàu + TP HCM
    "80": {"72", "80"},  # Tây Ninh = Tây Ninh + Long An
    "82": {"82", "87"},  # Đồng Tháp = Tiền Giang + Đồng Tháp
    "86": {"83", "84", "86"},  # Vĩnh Long = Bến Tre + Trà Vinh + Vĩnh Long
    "91": {"89", "91"},  # An Giang = An Giang + Kiên Giang
    "92": {"92", "93", "94"},  # Cần Thơ = Cần Thơ + Hậu Giang + Sóc Trăng
    "96": {"95", "96"},  # Cà Mau = Bạc Liêu + Cà Mau
}
# The data README's list of faults in the commune crosswalk.
UNOFFICIAL = {"06970": "06978", "23737": "23938"}
DISPUTED = {"13219", "14380", "20669", "30622", "31588", "31771"}
CONFIRMED = {"28924", "31379"}


# --- real data ------------------------------------------------------------------------------


@pytest.mark.realdata
@pytest.mark.usefixtures("data_dir")
def test_province_crosswalk_is_63_to_34_whole():
    table = province_crosswalk()
    assert list(table.columns) == [
        "old_province_code",
        "old_province_name",
        "new_province_code",
        "new_province_name",
    ]
    assert len(table) == 63 and table["old_province_code"].is_unique
    old = read_table("vn2008-codes")
    new = read_table("vn2025-codes")
    assert set(table["old_province_code"]) == set(old.loc[old.level == "1", "code"])
    assert set(table["new_province_code"]) == set(new.loc[new.level == "1", "code"])
    assert table["new_province_code"].nunique() == 34
    # whole: the staged file says so for every row (the loader refuses anything else)
    assert (read_table("crosswalk-provinces")["part"] == "full").all()


@pytest.mark.realdata
@pytest.mark.usefixtures("data_dir")
def test_province_crosswalk_matches_resolution_202():
    groups = province_crosswalk().groupby("new_province_code")["old_province_code"]
    assert {code: set(olds) for code, olds in groups} == RESOLUTION_202


@pytest.mark.realdata
@pytest.mark.usefixtures("data_dir")
def test_qc_303_provinces():
    # Quy chế 303/QCPH (2020): TP HCM, Bà Rịa-Vũng Tàu, Bình Dương, Đồng Nai, Long An, Tây
    # Ninh, Tiền Giang — after 2025 only four provinces: TP HCM, Đồng Nai, Tây Ninh, Đồng Tháp.
    expected = {"79": "79", "77": "79", "74": "79", "75": "75", "80": "80", "72": "80", "82": "82"}
    assert {old: province_successor(old) for old in expected} == expected
    table = province_crosswalk().set_index("old_province_code")
    assert table.loc["80", "old_province_name"] == "Tỉnh Long An"
    assert table.loc["80", "new_province_name"] == "Tỉnh Tây Ninh"
    assert table.loc["82", "new_province_name"] == "Tỉnh Đồng Tháp"
    assert table.loc["77", "new_province_name"] == "Thành phố Hồ Chí Minh"


@pytest.mark.realdata
@pytest.mark.usefixtures("data_dir")
def test_vn2000_table_agrees_with_the_crosswalk():
    table = province_crosswalk()
    embedded = gcrs.vn2000_table()
    assert dict(zip(table.old_province_code, table.new_province_code, strict=True)) == dict(
        zip(embedded.old_province_code, embedded.new_province_code, strict=True)
    )


@pytest.mark.realdata
@pytest.mark.usefixtures("data_dir")
def test_province_lookups():
    assert province_successor(80) == "80"
    assert province_successor("1") == "01"
    assert province_predecessors("92")["old_province_code"].tolist() == ["92", "93", "94"]
    assert province_predecessors(86)["old_province_name"].tolist() == [
        "Tỉnh Bến Tre",
        "Tỉnh Trà Vinh",
        "Tỉnh Vĩnh Long",
    ]
    with pytest.raises(InputError, match="63-province"):
        province_successor("99")
    with pytest.raises(InputError, match="2025 structure"):
        province_predecessors("72")  # old Tây Ninh's code is no new code
    for bad in ("Long An", None, 8.0):
        with pytest.raises(InputError, match="GSO code"):
            province_successor(bad)


@pytest.mark.realdata
@pytest.mark.usefixtures("data_dir")
def test_commune_crosswalk_shape_and_types():
    table = commune_crosswalk()
    assert len(table) == 10604
    assert str(table["old_level"].dtype) == "int8"
    assert str(table["n_successors"].dtype) == "int16"
    assert table["suspect"].dtype == bool and table["cross_province"].dtype == bool
    assert table["part"].value_counts().to_dict() == {"full": 9592, "partial": 1012}
    assert ((table["part"] == "full") == (table["n_successors"] == 1)).all()
    assert (
        table.groupby("old_code").size() == table.groupby("old_code")["n_successors"].first()
    ).all()
    assert table["old_code"].str.fullmatch(r"\d{5}|\d{3}").all()
    assert table["new_code"].str.fullmatch(r"\d{5}").all()
    # text is NFC and trimmed (the raw file has decomposed and space-padded names)
    for column in ("old_name", "new_name"):
        assert table[column].map(lambda v: unicodedata.is_normalized("NFC", v)).all()
        assert (table[column] == table[column].str.strip()).all()
    # every commune of the 2025-03-01 code table has a successor
    old = read_table("vn2008-codes")
    assert set(old.loc[old.level == "3", "code"]) <= set(table["old_code"])


@pytest.mark.realdata
@pytest.mark.usefixtures("data_dir")
def test_island_districts():
    islands = commune_crosswalk().query("old_level == 2")
    assert sorted(islands["old_name"]) == [
        "Huyện Bạch Long Vĩ",
        "Huyện Côn Đảo",
        "Huyện Cồn Cỏ",
        "Huyện Hoàng Sa",
        "Huyện Lý Sơn",
    ]
    assert (islands["part"] == "full").all()
    assert islands["new_name"].str.startswith("Đặc khu ").all()
    assert commune_successors("498")["new_code"].item() == "20333"  # Hoàng Sa, Đà Nẵng


@pytest.mark.realdata
@pytest.mark.usefixtures("data_dir")
def test_suspect_rows_are_exactly_the_known_ones():
    table = commune_crosswalk()
    suspect = table[table["suspect"]]
    via_unofficial = set(table.loc[table["new_code"].isin(UNOFFICIAL), "old_code"])
    assert via_unofficial  # 06970 (5 old communes) and 23737 (1)
    assert set(suspect["old_code"]) == via_unofficial | DISPUTED
    assert suspect["suspect_reason"].notna().all()
    assert table.loc[~table["suspect"], "suspect_reason"].isna().all()
    for unofficial, official in UNOFFICIAL.items():
        reasons = table.loc[table["new_code"] == unofficial, "suspect_reason"]
        assert reasons.str.contains(f"is {official}").all()
    for code in DISPUTED:
        assert "vietnamadminunits" in suspect.loc[suspect.old_code == code, "suspect_reason"].item()
    # 30622 (An Giang) is put into a commune of Đồng Tháp: against the province crosswalk
    assert (
        "went whole into province 91"
        in table.loc[table.old_code == "30622", "suspect_reason"].item()
    )


@pytest.mark.realdata
@pytest.mark.usefixtures("data_dir")
def test_cross_province_rows():
    table = commune_crosswalk()
    assert set(table.loc[table["cross_province"], "old_code"]) == DISPUTED | CONFIRMED
    # both confirmed communes were split; only the part going across is flagged, and the
    # independent table's agreement keeps it from being suspect
    confirmed = table[table["old_code"].isin(CONFIRMED)].set_index(["old_code", "new_code"])
    assert confirmed["cross_province"].to_dict() == {
        ("28924", "29734"): True,
        ("28924", confirmed.loc["28924"].index.difference(["29734"])[0]): False,
        ("31379", "31582"): True,
        ("31379", confirmed.loc["31379"].index.difference(["31582"])[0]): False,
    }
    assert not confirmed["suspect"].any()


@pytest.mark.realdata
@pytest.mark.usefixtures("data_dir")
def test_new_codes_exist_except_the_two_unofficial():
    table = commune_crosswalk()
    codes = read_table("vn2025-codes")
    communes = set(codes.loc[codes.level == "3", "code"])
    unknown = set(table["new_code"]) - communes
    assert unknown == set(UNOFFICIAL)
    assert table.loc[table["new_code"].isin(unknown), "suspect"].all()
    # the units they stand for are the only 2025 communes without a predecessor
    assert communes - set(table["new_code"]) == set(UNOFFICIAL.values())
    # the new province of every row agrees with the code table (unofficial codes aside)
    province_of = codes.set_index("code")["province_code"]
    known = table[~table["new_code"].isin(unknown)]
    assert (known["new_code"].map(province_of) == known["new_province_code"]).all()


@pytest.mark.realdata
@pytest.mark.usefixtures("data_dir")
def test_commune_lookups():
    rows = commune_successors("00007")
    assert rows["n_successors"].tolist() == [2, 2] and set(rows["part"]) == {"partial"}
    assert commune_successors(7).equals(rows)  # zeros may be left out
    assert commune_successors("30622")["suspect"].item()
    assert commune_successors(755)["new_name"].item() == "Đặc khu Côn Đảo"
    preds = commune_predecessors("31201")
    assert preds["old_code"].tolist() == ["31189", "31201", "31204", "31588"]
    with pytest.raises(InputError, match="unofficial code 06970"):
        commune_predecessors("06978")
    assert len(commune_predecessors("06970")) == 5
    with pytest.raises(InputError, match="not an old commune code"):
        commune_successors("99999")
    with pytest.raises(InputError, match="not a 2025 commune code"):
        commune_predecessors("99999")


@pytest.mark.realdata
def test_tables_are_cached_per_directory_and_copied(data_dir, tmp_path):
    data_dir = str(data_dir)
    first = commune_crosswalk(data_dir)
    before = reform._commune_table.cache_info().hits
    second = commune_crosswalk(data_dir.rstrip("/") + "/")  # same directory, other spelling
    assert reform._commune_table.cache_info().hits == before + 1
    assert first.equals(second) and first is not second
    first.loc[0, "old_name"] = "changed"
    assert commune_crosswalk(data_dir).loc[0, "old_name"] != "changed"
    with pytest.raises(DataError, match="not in the data directory"):
        commune_crosswalk(tmp_path)


# --- the loader's rules on hand-made tables -------------------------------------------------


def _fake_tables(communes: list[tuple], *, provinces: pd.DataFrame | None = None):
    """Code tables and crosswalks built from the embedded 63-province table plus ``communes``:
    (old_code, old_province_code, new_code, new_province_code, part, n_successors)."""
    old = [(c, "1", f"Tỉnh {n}") for c, n, *_ in gcrs._OLD_PROVINCES]
    new = [(c, "1", f"Tỉnh {n}") for c, n in gcrs._NEW_PROVINCES.items()]
    new += [(row[2], "3", f"Xã X{row[2]}") for row in communes if row[2] != "99999"]
    columns = ["code", "level", "full_name"]
    if provinces is None:
        provinces = pd.DataFrame(
            [(c, f"Tỉnh {n}", s, _new_name(s), "full") for c, n, _, s in gcrs._OLD_PROVINCES],
            columns=[
                "old_province_code",
                "old_province_name",
                "new_province_code",
                "new_province_name",
                "part",
            ],
        )
    rows = [
        ("3", o, f"Xã O{o}", op, "Tỉnh ?", n, f"Xã X{n}", np_, "Tỉnh ?", part, str(k))
        for o, op, n, np_, part, k in communes
    ]
    crosswalk = pd.DataFrame(
        rows,
        columns=[
            "old_level",
            "old_code",
            "old_name",
            "old_province_code",
            "old_province_name",
            "new_ward_code",
            "new_ward_name",
            "new_province_code",
            "new_province_name",
            "part",
            "n_successors",
        ],
    )
    return {
        "vn2008-codes": pd.DataFrame(old, columns=columns),
        "vn2025-codes": pd.DataFrame(list(dict.fromkeys(new)), columns=columns),
        "crosswalk-provinces": provinces,
        "crosswalk-communes": crosswalk,
    }


def _new_name(code: str) -> str:
    return gcrs._NEW_PROVINCES[code]  # without "Tỉnh": the loader compares bare names


@pytest.fixture
def serve(monkeypatch):
    """Make reform read the given tables instead of the data directory."""

    def install(tables):
        monkeypatch.setattr(reform.datasets, "read_table", lambda ds, _root=None: tables[ds])
        reform._province_table.cache_clear()
        reform._commune_table.cache_clear()

    yield install
    reform._province_table.cache_clear()
    reform._commune_table.cache_clear()


SYNTHETIC = [
    # new 90001 mostly from Cần Thơ (92), plus one Sóc Trăng (94) commune
    ("10001", "92", "90001", "92", "full", 1),
    ("10002", "92", "90001", "92", "full", 1),
    ("10003", "94", "90001", "92", "full", 1),
    # new 90002: one commune each from Hậu Giang (93) and Sóc Trăng (94): a tie
    ("10004", "93", "90002", "92", "full", 1),
    ("10005", "94", "90002", "92", "full", 1),
    # An Giang (89) went into 91, but this row puts its commune into 82
    ("10006", "89", "90003", "82", "full", 1),
    # a code that is not in the 2025 table
    ("10007", "92", "99999", "92", "full", 1),
    # a split commune
    ("10008", "92", "90001", "92", "partial", 2),
    ("10008", "92", "90004", "92", "partial", 2),
]


def test_rules_on_synthetic_rows(serve, tmp_path):
    serve(_fake_tables(SYNTHETIC))
    table = commune_crosswalk(tmp_path).set_index(["old_code", "new_code"])
    flags = table["cross_province"].to_dict()
    assert flags[("10003", "90001")] and not flags[("10001", "90001")]
    assert flags[("10004", "90002")] and flags[("10005", "90002")]  # tie: both
    assert not flags[("10006", "90003")] and not flags[("10008", "90004")]
    suspect = table.loc[table["suspect"], "suspect_reason"].to_dict()
    assert set(suspect) == {
        ("10003", "90001"),
        ("10004", "90002"),
        ("10005", "90002"),
        ("10006", "90003"),
        ("10007", "99999"),
    }
    assert "formed mostly from another old province" in suspect[("10003", "90001")]
    assert "vietnamadminunits" not in suspect[("10003", "90001")]  # not a reviewed row
    assert "went whole into province 91" in suspect[("10006", "90003")]
    assert suspect[("10007", "99999")] == "new code 99999 is not an official GSO code"
    assert table.loc[("10008", "90004"), "n_successors"] == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda rows: [*rows, ("10009", "92", "90001", "92", "full", 2)], "n_successors"),
        (lambda rows: [*rows, ("10009", "92", "90001", "92", "partial", 1)], "'full' needs"),
        (lambda rows: [*rows, ("10009", "92", "90001", "92", "whole", 1)], "part 'whole'"),
        (
            lambda rows: [
                *rows,
                ("10009", "92", "90001", "92", "partial", 2),
                ("10009", "92", "90001", "92", "partial", 2),
            ],
            "same new unit twice",
        ),
    ],
)
def test_inconsistent_commune_table(serve, tmp_path, change, message):
    serve(_fake_tables(change(list(SYNTHETIC))))
    with pytest.raises(DataError, match=message):
        commune_crosswalk(tmp_path)


def test_inconsistent_province_table(serve, tmp_path):
    tables = _fake_tables(SYNTHETIC)
    provinces = tables["crosswalk-provinces"]

    serve({**tables, "crosswalk-provinces": provinces.iloc[:-1]})
    with pytest.raises(DataError, match="63 distinct"):
        province_crosswalk(tmp_path)

    partial = provinces.copy()
    partial.loc[5, "part"] = "partial"
    serve({**tables, "crosswalk-provinces": partial})
    with pytest.raises(DataError, match="not 'full'"):
        province_crosswalk(tmp_path)

    renamed = provinces.copy()
    renamed.loc[renamed.old_province_code == "80", "new_province_name"] = "Long An"
    serve({**tables, "crosswalk-provinces": renamed})
    with pytest.raises(DataError, match="called 'Long An' there but 'Tỉnh Tây Ninh'"):
        province_crosswalk(tmp_path)

    orphan = provinces.copy()
    orphan.loc[orphan.old_province_code == "80", "new_province_code"] = "72"
    serve({**tables, "crosswalk-provinces": orphan})
    with pytest.raises(DataError, match=r"new_province_code \['72'\] not in vn2025-codes"):
        province_crosswalk(tmp_path)

    serve(tables)
    assert len(province_crosswalk(tmp_path)) == 63
