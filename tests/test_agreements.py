import geopandas as gpd
import pytest
from shapely.geometry import box

from geozone.agreements import DEFAULT_WIDTH_M, Agreement, agreement, list_agreements
from geozone.errors import AgreementError, InputError


def _squares():
    # 2x2 grid of 10 km squares: 01 02 / 03 04 (EPSG:32648); 01-04 and 02-03 touch at a point.
    cells = {"01": (0, 1), "02": (1, 1), "03": (0, 0), "04": (1, 0)}
    size = 10_000
    return gpd.GeoDataFrame(
        {
            "code": list(cells),
            "name": [f"Unit {c}" for c in cells],
            "level": "province",
            "vintage": 2025,
        },
        geometry=[
            box(x * size, y * size, (x + 1) * size, (y + 1) * size) for x, y in cells.values()
        ],
        crs=32648,
    )


def test_from_units_pairs_and_non_touching_members():
    a = Agreement.from_units(_squares(), title="grid", width_m=1000)
    assert a.pairs[["code_a", "code_b"]].values.tolist() == [
        ["01", "02"],
        ["01", "03"],
        ["02", "04"],
        ["03", "04"],
    ]
    contacts = dict(
        zip(
            zip(a.member_pairs.member_a, a.member_pairs.member_b, strict=True),
            a.member_pairs.contact,
            strict=True,
        )
    )
    assert contacts[("01", "04")] == "point" and contacts[("02", "03")] == "point"
    assert len(a) == 4
    assert a.total_shared_length_m == pytest.approx(40_000, rel=1e-6)


def test_scope_limits_pairs():
    a = Agreement.from_units(_squares(), scope=[("02", "01")], width_m=1000)
    assert a.pairs[["code_a", "code_b"]].values.tolist() == [["01", "02"]]
    assert a.member_pairs[["member_a", "member_b"]].values.tolist() == [["01", "02"]]


def test_strips_and_summary_use_the_default_width():
    a = Agreement.from_units(_squares(), members=["01", "02"], width_m=2000)
    strips = a.strips()
    assert set(strips.code) == {"01", "02"}
    assert strips.area_m2.sum() == pytest.approx(2 * 2000 * 10_000, rel=1e-3)
    summary = a.summary()
    assert summary.shared_km.tolist() == pytest.approx([10.0])
    assert summary.strip_km2.tolist() == pytest.approx([40.0], rel=1e-3)


@pytest.mark.parametrize("width", [0, -5])
def test_non_positive_widths_are_refused(width):
    a = Agreement.from_units(_squares(), width_m=1000)
    with pytest.raises(InputError, match="positive"):
        a.strips(width)
    with pytest.raises(InputError, match="positive"):
        Agreement.from_units(_squares(), width_m=width)


def test_unknown_members_and_mixed_vintages_are_refused():
    with pytest.raises(AgreementError, match=r"not in the layer: \['99'\]"):
        Agreement.from_units(_squares(), members=["01", "99"])
    mixed = _squares()
    mixed.loc[0, "vintage"] = 2008
    with pytest.raises(AgreementError, match="mix vintages"):
        Agreement.from_units(mixed)


def test_bad_agreement_files(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        'id = "x"\ntitle = "x"\nmember_level = "province"\n'
        'members = [{code = "79"}, {code = "79"}]\n'
    )
    with pytest.raises(AgreementError, match="repeated"):
        Agreement.from_file(path)
    path.write_text('id = "x"\ntitle = "x"\n')
    with pytest.raises(AgreementError, match="missing members, member_level"):
        Agreement.from_file(path)
    path.write_text("id = \n")
    with pytest.raises(AgreementError, match="not valid TOML"):
        Agreement.from_file(path)


def test_catalogued_agreements_load():
    table = list_agreements()
    assert set(table.id) == {
        "qc-303-2020",
        "csh-tay-nam-2025",
        "can-tho-giap-ranh-2024",
        "ma-tuy-dbscl-2024",
        "song-cau-quy-nhon-2017",
    }
    for agreement_id in table.id:
        a = agreement(agreement_id)
        assert a.width_m == DEFAULT_WIDTH_M
        assert a.source and a.notes
    with pytest.raises(AgreementError, match="unknown agreement"):
        agreement("qc-999")


def test_qc303_commune_level_says_why_it_cannot_be_computed():
    with pytest.raises(AgreementError, match="no 2008 commune polygons"):
        agreement("qc-303-2020", level="commune")


@pytest.mark.realdata
def test_tay_nam_2025_pairs(data_dir):
    a = agreement("csh-tay-nam-2025")
    assert sorted(f"{x}-{y}" for x, y in zip(a.pairs.code_a, a.pairs.code_b, strict=True)) == [
        "82-91",
        "82-92",
        "91-92",
        "91-96",
        "92-96",
    ]
    none = a.member_pairs[a.member_pairs.contact != "edge"]
    assert none[["member_a", "member_b"]].values.tolist() == [["82", "96"]]
    html = a._repr_html_()
    assert "Cà Mau" in html and "<table>" in html


@pytest.mark.realdata
def test_qc303_district_pairs_cross_provinces_only(data_dir):
    a = agreement("qc-303-2020", level="district")
    member = dict(zip(a.units.code, a.units.member, strict=True))
    assert len(a) > 20
    assert all(member[x] != member[y] for x, y in zip(a.pairs.code_a, a.pairs.code_b, strict=True))
    province = agreement("qc-303-2020")
    hcm = province.member_pairs.query("member_a == '79' or member_b == '79'")
    assert set(hcm.loc[hcm.contact == "edge", ["member_a", "member_b"]].values.ravel()) == {
        "79",
        "77",
        "74",
        "75",
        "80",
        "72",
        "82",
    }
    # District-level strips cover the same ground as the province-level ones, split finer.
    assert province.shared_boundaries.length_m.sum() > 0


@pytest.mark.realdata
def test_song_cau_quy_nhon_share_about_25_km(data_dir):
    a = agreement("song-cau-quy-nhon-2017")
    assert a.level == "district"
    assert a.total_shared_length_m == pytest.approx(25_300, rel=0.03)


@pytest.mark.parametrize("scope", ["all", [("01", "04")]])
def test_members_that_do_not_touch_give_empty_frames_with_their_columns(scope):
    units = _squares()
    # 01 and 04 meet at a corner only; moved apart they do not touch at all.
    units.loc[units.code == "04", "geometry"] = box(50_000, 50_000, 60_000, 60_000)
    touching = Agreement.from_units(_squares(), width_m=1000)
    a = Agreement.from_units(units, members=["01", "04"], scope=scope, width_m=1000)
    assert a.adjacency.empty and a.pairs.empty and len(a) == 0
    assert list(a.adjacency.columns) == list(touching.adjacency.columns)
    assert a.adjacency.dtypes.to_dict() == touching.adjacency.dtypes.to_dict()
    assert list(a.pairs.columns) == list(touching.pairs.columns)
    lines = a.shared_boundaries
    assert isinstance(lines, gpd.GeoDataFrame) and lines.empty
    assert list(lines.columns) == list(touching.shared_boundaries.columns)
    assert lines.dtypes.to_dict() == touching.shared_boundaries.dtypes.to_dict()
    assert lines.crs == units.crs and lines.geometry.name == "geometry"
    assert a.member_pairs[["member_a", "member_b", "contact"]].values.tolist() == [
        ["01", "04", "none"]
    ]
    assert a.summary().empty and a.total_shared_length_m == 0.0
    strips, junctions = a.strips(), a.junctions()
    assert strips.empty and {"pair_id", "code", "geometry"} <= set(strips.columns)
    assert junctions.empty and {"junction_id", "members", "geometry"} <= set(junctions.columns)


def test_scope_that_selects_no_pair_keeps_the_columns():
    # 01 and 04 touch at a point only: the scope holds no pair with a shared line.
    a = Agreement.from_units(_squares(), members=["01", "04"], scope=[("01", "04")])
    assert a.adjacency.contact.tolist() == ["point"]
    lines = a.shared_boundaries
    assert isinstance(lines, gpd.GeoDataFrame) and lines.empty
    assert {"pair_id", "code_a", "code_b", "length_m", "geometry"} <= set(lines.columns)
    assert lines.crs == a.units.crs
