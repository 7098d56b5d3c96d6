"""Tests of geozone.reform: the 2025 province and commune crosswalks, and the transition of
2008 agreements to the 2025 units.

The real-data tests check the staged tables against Resolution 202/2025/QH15 and the data
README's list of known faults, and the transitions of the catalogued 2008 agreements against
the resolution; the others run the loader's rules on small hand-made tables.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from geozone import crs as gcrs
from geozone import reform
from geozone.agreements import Agreement, agreement
from geozone.cli import main as cli_main
from geozone.datasets import read_table
from geozone.errors import AgreementError, DataError, InputError
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


# --- transition of 2008 agreements ------------------------------------------------------------

# Old province → new province, from the resolution as typed above (not from the data).
OLD_TO_NEW = {old: new for new, olds in RESOLUTION_202.items() for old in olds}
QC_303_NEW_PAIRS = {("75", "79"), ("79", "80"), ("79", "82"), ("80", "82")}


@pytest.fixture(scope="module")
def qc303(data_dir):
    return agreement("qc-303-2020").transition()


@pytest.mark.realdata
def test_qc_303_borders_kept_and_internal(qc303):
    b = qc303.boundaries.set_index("pair_id")
    old = qc303.old.shared_boundaries.set_index("pair_id")
    # Every 2008 shared border once, with its 2008 line and length.
    assert list(b.index) == list(old.index)
    assert b["length_m"].tolist() == pytest.approx(old["length_m"].tolist())
    assert all(g.equals(h) for g, h in zip(b.geometry, old.geometry, strict=True))
    assert b.crs.to_epsg() == 4326
    for pair, row in b.iterrows():
        new_a, new_b = OLD_TO_NEW[row.code_a], OLD_TO_NEW[row.code_b]
        assert (row.new_code_a, row.new_code_b) == (new_a, new_b), pair
        assert row.status == ("internal" if new_a == new_b else "kept"), pair
    expected = {
        "74-79": ("internal", "79", "79"),  # Bình Dương – HCM: inside the new HCM
        "77-79": ("internal", "79", "79"),  # Bà Rịa-Vũng Tàu – HCM
        "72-80": ("internal", "80", "80"),  # Tây Ninh – Long An: inside the new Tây Ninh
        "79-80": ("kept", "79", "80"),  # HCM – Long An: now HCM – Tây Ninh
        "80-82": ("kept", "80", "82"),  # Long An – Tiền Giang: now Tây Ninh – Đồng Tháp
        "79-82": ("kept", "79", "82"),  # HCM – Tiền Giang: now HCM – Đồng Tháp
    }
    for pair, values in expected.items():
        assert tuple(b.loc[pair, ["status", "new_code_a", "new_code_b"]]) == values, pair
    assert b.loc["80-82", ["name_a", "name_b"]].tolist() == ["Tỉnh Long An", "Tỉnh Tiền Giang"]
    assert b.loc["80-82", ["new_name_a", "new_name_b"]].tolist() == [
        "Tỉnh Tây Ninh",
        "Tỉnh Đồng Tháp",
    ]
    assert b.loc["72-74", "new_pair_id"] == "79-80"  # Tây Ninh – Bình Dương, oriented a < b
    assert pd.isna(b.loc["74-79", "new_pair_id"])
    summary = qc303.summary()
    assert summary.columns.tolist() == [
        "pair",
        "name_a",
        "name_b",
        "new_pair",
        "new_name_a",
        "new_name_b",
        "status",
        "length_km",
    ]
    assert summary["length_km"].sum() == pytest.approx(b["length_m"].sum() / 1000)


@pytest.mark.realdata
def test_qc_303_coverage_and_units(qc303):
    coverage = qc303.coverage.set_index("old_code")
    assert coverage["new_code"].to_dict() == {
        old: OLD_TO_NEW[old] for old in ["79", "77", "74", "75", "80", "72", "82"]
    }
    assert (coverage["part"] == "full").all()
    assert coverage.loc["82", "new_name"] == "Tỉnh Đồng Tháp"
    units = qc303.units.set_index("code")
    assert units["old_codes"].to_dict() == {"75": "75", "79": "79|77|74", "80": "80|72", "82": "82"}
    assert (units["vintage"] == 2025).all() and (units["level"] == "province").all()


@pytest.mark.realdata
def test_qc_303_communes_come_from_the_old_members(qc303):
    table = read_table("vn2025-codes")
    communes = table[table["level"] == "3"].groupby("province_code")["code"].apply(set)
    listed = set(qc303.communes["new_code"])
    # The new HCM and Tây Ninh are made of members only: every commune of theirs is listed.
    assert communes["79"] <= listed and communes["80"] <= listed
    # Đồng Nai took in Bình Phước, Đồng Tháp the old Đồng Tháp — neither a member of QC 303.
    assert 0 < len(communes["75"] & listed) < len(communes["75"])
    assert 0 < len(communes["82"] & listed) < len(communes["82"])
    c = qc303.communes
    assert set(c.loc[c["old_code"] == "74", "new_province_code"]) == {"79"}
    assert c["within"].all() and not c["suspect"].any()
    # The 2025 agreement at commune level has those provinces' communes, with geometry.
    at_commune = qc303.agreement.at_level("commune").units
    assert (at_commune["level"] == "commune").all()
    assert set(at_commune["code"]) == set().union(*(communes[p] for p in ("75", "79", "80", "82")))


@pytest.mark.realdata
def test_qc_303_equivalent_2025_agreement(qc303):
    new, old = qc303.agreement, qc303.old
    assert set(new.members["code"]) == {"79", "75", "80", "82"}
    assert new.id == "qc-303-2020-2025" and new.vintage == 2025
    assert new.member_level == "province" and new.levels == ("province", "commune")
    assert new.datasets == {"province": "vn2025-provinces", "commune": "vn2025-communes"}
    assert new.width_m == old.width_m and new.reference == "303/QCPH"
    assert new.title.startswith(old.title) and "2025" in new.title
    kept = {tuple(p.split("-")) for p in qc303.boundaries["new_pair_id"].dropna()}
    assert set(new.scope) == kept == QC_303_NEW_PAIRS
    assert set(zip(new.pairs["code_a"], new.pairs["code_b"], strict=True)) == QC_303_NEW_PAIRS
    # Đồng Nai (with Bình Phước) touches Tây Ninh in 2025, but QC 303 never covered a
    # Bình Phước – Tây Ninh border: not every pair of new members is in the agreement.
    everything = Agreement.from_units(new.units.drop(columns="member"))
    touching = set(zip(everything.pairs["code_a"], everything.pairs["code_b"], strict=True))
    assert ("75", "80") in touching and ("75", "80") not in set(new.scope)
    strips = new.strips()
    assert set(strips["pair_id"]) == {"-".join(p) for p in QC_303_NEW_PAIRS}
    assert (strips["area_m2"] > 0).all()
    pairs = qc303.new_pairs.set_index("new_pair_id")
    assert pairs.loc["79-80", "old_pairs"] == "72-74|72-79|79-80"
    # The 2025 HCM – Đồng Nai border includes Bình Dương – Bình Phước, which QC 303 did not
    # cover; the HCM – Tây Ninh border is all old QC 303 border.
    assert pairs.loc["75-79", "beyond_old_m"] > 100_000
    assert pairs.loc["79-80", "beyond_old_m"] < 2_000


@pytest.mark.realdata
def test_qc_303_points_classify_into_the_new_zones(qc303):
    from geozone.classify import classify_points
    from geozone.crs import metric_crs

    new = qc303.agreement
    strips = new.strips()
    side = strips[(strips["pair_id"] == "79-80") & (strips["code"] == "80")]
    near = side.geometry.representative_point().iloc[0]
    # On the old Bình Dương – HCM border, now inside HCM: its point farthest from every
    # border of the 2025 agreement is more than a strip width away from all of them.
    crs = metric_crs(qc303.boundaries)
    internal = qc303.boundaries.set_index("pair_id").to_crs(crs).geometry["74-79"]
    borders = new.shared_boundaries.to_crs(crs).union_all()
    samples = [internal.interpolate(d) for d in np.arange(0, internal.length, 500.0)]
    far = max(samples, key=borders.distance)
    assert borders.distance(far) > new.width_m
    far = gpd.GeoSeries([far], crs=crs).to_crs(strips.crs).iloc[0]
    points = gpd.GeoDataFrame({"id": ["near", "internal"]}, geometry=[near, far], crs=strips.crs)
    result = classify_points(points, new).set_index("id")
    assert result.loc["near", ["unit_code", "zone", "side"]].tolist() == ["80", "79-80", "80"]
    assert bool(result.loc["near", "in_zone"])
    assert result.loc["internal", "unit_code"] == "79"
    assert not bool(result.loc["internal", "in_zone"])


@pytest.mark.realdata
def test_qc_303_disagreements(qc303):
    d = qc303.disagreements.set_index("pair_id")
    assert set(d.index) == set(qc303.boundaries.loc[qc303.boundaries.status == "kept", "pair_id"])
    assert (d["disagrees"] == (d["max_distance_m"] > qc303.tolerance_m)).all()
    # Long An – Tiền Giang: the two surveys agree within the tolerance all along.
    assert not d.loc["80-82", "disagrees"] and d.loc["80-82", "far_m"] == 0
    assert d.loc["80-82", "max_distance_m"] < qc303.tolerance_m and d.geometry["80-82"].is_empty
    # HCM – Tiền Giang: the 2008 line runs out into the Soài Rạp mouth, kilometres off.
    assert d.loc["79-82", "disagrees"] and d.loc["79-82", "max_distance_m"] > 5_000
    assert 0 < d.loc["79-82", "far_share"] < 1
    from geozone.crs import metric_crs

    far_length = d.geometry[["79-82"]].to_crs(metric_crs(d)).length.iloc[0]
    assert far_length == pytest.approx(d.loc["79-82", "far_m"], rel=1e-6)


@pytest.mark.realdata
def test_qc_303_transition_map_and_html(qc303):
    from matplotlib.figure import Figure

    from geozone.maps import static_transition

    assert isinstance(static_transition(qc303, size=(640, 360)), Figure)
    tricky = qc303.boundaries.copy()
    tricky.loc[0, "name_a"] = "<script>x</script>"
    text = replace(qc303, boundaries=tricky)._repr_html_()
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "internal" in text and "qc-303-2020-2025" in text


@pytest.mark.realdata
def test_qc_303_cli(data_dir):
    result = CliRunner().invoke(
        cli_main, ["agreements", "transition", "qc-303-2020"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "internal" in result.output and "kept" in result.output
    assert "qc-303-2020-2025" in result.output and "Tỉnh Đồng Tháp (82)" in result.output
    line = next(t for t in result.output.splitlines() if t.startswith("74-79"))
    assert "internal" in line
    refused = CliRunner().invoke(cli_main, ["agreements", "transition", "csh-tay-nam-2025"])
    assert refused.exit_code == AgreementError.exit_code
    assert refused.output.startswith("geozone: error:") and "vintage 2025" in refused.output


@pytest.mark.realdata
def test_district_agreement_song_cau_quy_nhon(data_dir):
    t = agreement("song-cau-quy-nhon-2017").transition()
    assert len(t.boundaries) == 1
    row = t.boundaries.iloc[0]
    assert (row.pair_id, row.status) == ("540-557", "kept")
    # Quy Nhơn (Bình Định, 52) → Gia Lai (52); Sông Cầu (Phú Yên, 54) → Đắk Lắk (66).
    assert (row.province_a, row.province_b) == ("52", "54")
    assert (row.new_code_a, row.new_code_b) == (OLD_TO_NEW["52"], OLD_TO_NEW["54"]) == ("52", "66")
    assert (row.new_name_a, row.new_name_b) == ("Tỉnh Gia Lai", "Tỉnh Đắk Lắk")
    assert t.agreement.scope == (("52", "66"),)
    assert t.agreement.pairs[["code_a", "code_b"]].values.tolist() == [["52", "66"]]
    c = t.communes
    assert set(c.loc[c.old_code == "557", "new_province_code"]) == {"66"}
    assert set(c.loc[c.old_code == "540", "new_province_code"]) == {"52"}
    assert {"Phường Sông Cầu", "Phường Quy Nhơn"} <= set(c["new_name"]) and c["within"].all()
    # The 2025 pair is the whole Gia Lai – Đắk Lắk border, far longer than the old 25 km.
    pair = t.new_pairs.iloc[0]
    assert pair.old_pairs == "540-557" and pair.length_m > 10 * pair.old_length_m
    assert not t.disagreements["disagrees"].any()


@pytest.mark.realdata
def test_suspect_crosswalk_rows_are_marked_not_trusted(data_dir):
    t = agreement("can-tho-giap-ranh-2024").transition()
    c = t.communes.set_index(["old_code", "new_code"])
    assert set(c.index[c["suspect"]]) == {("92", "31201"), ("92", "31232"), ("89", "30259")}
    hung_phu = c.loc[("92", "31201")]  # also gets a Sóc Trăng commune, disputed
    assert not hung_phu["within"] and "31588" in hung_phu["suspect_reason"]
    # 30622 (An Giang) is put into a Đồng Tháp commune, against An Giang → 91: kept, marked.
    odd = c.loc[("89", "30259")]
    assert (
        odd["new_province_code"] == "82"
        and "went whole into province 91" in (odd["suspect_reason"])
    )
    assert t.coverage.set_index("old_code").loc["89", "new_code"] == "91"


@pytest.mark.realdata
def test_agreement_whose_borders_all_became_internal(provinces_2008):
    layer = provinces_2008[provinces_2008["code"].isin(["74", "79"])]
    t = Agreement.from_units(layer, id="bd-hcm").transition()
    assert t.boundaries["status"].tolist() == ["internal"]
    assert t.agreement.members["code"].tolist() == ["79"] and t.agreement.scope == ()
    assert t.new_pairs.empty and t.disagreements.empty


@pytest.mark.realdata
def test_agreement_whose_members_do_not_touch(provinces_2008):
    # Hà Nội and Cần Thơ share no border: nothing to carry over, and no error on the way.
    layer = provinces_2008[provinces_2008["code"].isin(["01", "92"])]
    t = Agreement.from_units(layer, id="hn-ct").transition()
    assert t.boundaries.empty and "status" in t.boundaries.columns
    assert t.boundaries.crs == layer.crs
    assert sorted(t.agreement.members["code"]) == ["01", "92"] and t.agreement.scope == ()
    assert t.agreement.pairs.empty and t.new_pairs.empty


def test_only_2008_agreements_have_a_transition():
    with pytest.raises(AgreementError, match="vintage 2025"):
        agreement("csh-tay-nam-2025").transition()
    with pytest.raises(InputError, match="tolerance_m"):
        reform.transition(agreement("qc-303-2020"), tolerance_m=0)
    with pytest.raises(InputError, match="takes an Agreement"):
        reform.transition("qc-303-2020")


def test_line_comparison_is_directed_and_exact_at_samples():
    new = shapely.LineString([(0, 0), (10_000, 0)])
    old = shapely.LineString([(0, 300), (4_000, 300), (5_000, 1_500), (6_000, 300)])
    pieces = reform._pieces([old])
    assert shapely.length(pieces).max() <= reform._SAMPLE_M + 1e-9
    assert shapely.length(pieces).sum() == pytest.approx(old.length)
    dist = reform._distances(pieces, [new])
    assert dist.min() == pytest.approx(300) and dist.max() == pytest.approx(1_500, abs=15)
    # Directed: the new line's 4 km beyond the old one do not count against the old line,
    # but they do the other way round.
    back = reform._distances(reform._pieces([new]), [old])
    assert back.max() > 4_000 - 30
