import warnings
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import box

from geozone.errors import DataError, GeozoneWarning, InputError
from geozone.units import SCHEMA, load_units, unit_table

FIXTURES = Path(__file__).parent / "fixtures"
HAND_MADE = FIXTURES / "units_hand_made.geojson"
MAPPING = {"code": "MA", "full_name": "TEN"}


def test_file_with_mapping_gives_the_schema_and_repairs_the_bow_tie():
    with pytest.warns(GeozoneWarning, match=r"repaired 1 invalid.*03"):
        units = load_units(HAND_MADE, columns=MAPPING, level="province", vintage=2025)
    assert list(units.columns) == SCHEMA
    assert units.code.tolist() == ["01", "02", "03"]
    assert units.name.tolist() == ["Cần Thơ", "An Giang", "Bow Tie"]
    assert units.province_code.tolist() == units.code.tolist()
    assert units.geometry.is_valid.all()
    assert units.attrs["geozone_repairs"][0]["code"] == "03"
    assert units.crs.to_epsg() == 4326


def test_names_are_nfc(tmp_path):
    frame = gpd.GeoDataFrame(
        {"code": ["31117"], "full_name": ["Phường Ninh Kiều".encode().decode()]},
        geometry=[box(0, 0, 1, 1)],
        crs=4326,
    )
    import unicodedata

    frame["full_name"] = unicodedata.normalize("NFD", frame["full_name"][0])
    units = load_units(frame, level="commune")
    assert units.full_name[0] == unicodedata.normalize("NFC", "Phường Ninh Kiều")
    assert units.name[0] == "Ninh Kiều"


@pytest.mark.parametrize("driver,suffix", [("ESRI Shapefile", ".shp"), ("GPKG", ".gpkg")])
def test_other_formats_and_fiona_engine(tmp_path, driver, suffix):
    source = gpd.read_file(HAND_MADE).iloc[:2]
    path = tmp_path / f"units{suffix}"
    source.to_file(path, driver=driver)
    for engine in ("pyogrio", "fiona"):
        units = load_units(path, columns=MAPPING, level="province", engine=engine)
        assert units.code.tolist() == ["01", "02"]


def test_geoparquet_and_zipped_geojson(tmp_path):
    import zipfile

    source = gpd.read_file(HAND_MADE).iloc[:2]
    source.to_parquet(tmp_path / "u.parquet")
    assert len(load_units(tmp_path / "u.parquet", columns=MAPPING, level="province")) == 2
    with zipfile.ZipFile(tmp_path / "u.zip", "w") as archive:
        archive.write(HAND_MADE, "units.geojson")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GeozoneWarning)
        assert len(load_units(tmp_path / "u.zip", columns=MAPPING, level="province")) == 3


def test_file_without_crs_is_refused_unless_stated(tmp_path):
    source = gpd.read_file(HAND_MADE).iloc[:2].to_crs(32648)
    path = tmp_path / "nocrs.shp"
    source.to_file(path)
    path.with_suffix(".prj").unlink()
    with pytest.raises(InputError, match="has no CRS"):
        load_units(path, columns=MAPPING, level="province")
    units = load_units(path, columns=MAPPING, level="province", crs=32648)
    assert units.crs.to_epsg() == 4326
    assert units.total_bounds[0] == pytest.approx(105.6, abs=1e-6)


def test_missing_mapped_column_names_the_columns():
    with pytest.raises(InputError, match=r"not found.*MA"):
        load_units(HAND_MADE, columns={"code": "MA_TINH"}, level="province")


def test_level_is_guessed_from_code_width():
    frame = gpd.GeoDataFrame(
        {"code": ["00004", "00008"], "name": ["A", "B"]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
        crs=4326,
    )
    assert set(load_units(frame).level) == {"commune"}


def test_duplicate_codes_and_empty_geometries_warn_and_keep_rows():
    frame = gpd.GeoDataFrame(
        {"code": ["01", "01", "02"], "name": ["A", "B", "C"]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), None],
        crs=4326,
    )
    with pytest.warns(GeozoneWarning) as record:
        units = load_units(frame, level="province")
    messages = " ".join(str(w.message) for w in record)
    assert "duplicate codes ['01']" in messages and "no geometry" in messages
    assert len(units) == 3


def test_unknown_source_is_a_clear_error():
    with pytest.raises(InputError, match="neither a catalog dataset nor an existing file"):
        load_units("vn2025-comunes")


@pytest.mark.realdata
@pytest.mark.parametrize(
    "dataset,count,level,vintage",
    [
        ("vn2025-communes", 3321, "commune", 2025),
        ("vn2025-provinces", 34, "province", 2025),
        ("vn2025-provinces-published", 34, "province", 2025),
        ("vn2008-provinces", 63, "province", 2008),
        ("vn2008-provinces-dvhcvn", 62, "province", 2008),
        ("vn2008-districts", 692, "district", 2008),
        ("vn2008-provinces-geoboundaries", 63, "province", 2008),
    ],
)
def test_real_layers_have_the_schema(data_dir, dataset, count, level, vintage):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GeozoneWarning)
        units = load_units(dataset)
    assert list(units.columns) == SCHEMA
    assert len(units) == count
    assert units.code.is_unique
    assert (units.level == level).all() and (units.vintage == vintage).all()
    assert shapely.is_valid(units.geometry.values).all()
    assert units.name.notna().all() and units.full_name.notna().all()
    assert units.province_code.str.len().eq(2).all()


@pytest.mark.realdata
def test_odm_layer_gets_gso_codes_official_names_and_its_repair_reported(data_dir, tmp_path):
    # A fresh cache so the load (and its repair) really happens.
    import shutil

    from geozone import datasets

    entry = datasets.dataset("vn2008-provinces")
    target = tmp_path / entry.file
    target.parent.mkdir(parents=True)
    shutil.copyfile(datasets.dataset_path("vn2008-provinces", data_dir), target)
    (tmp_path / "vn-2008" / "vn2008_units_codes_2025-03-01.csv").write_bytes(
        datasets.dataset_path("vn2008-codes", data_dir).read_bytes()
    )
    with pytest.warns(GeozoneWarning, match="repaired 1 invalid geometries.*Self-intersection"):
        units = load_units("vn2008-provinces", data_dir=tmp_path, cache=False)
    can_tho = units[units.code == "92"].iloc[0]
    assert can_tho["name"] == "Cần Thơ"  # the source says "Cần Thơn"
    assert can_tho["full_name"] == "Thành phố Cần Thơ"
    assert set(units.code) >= {"79", "77", "74", "75", "80", "72", "82"}


def _fresh_data_dir(tmp_path, data_dir, *ids):
    """A data directory holding copies of ``ids``' files and no cache: loads really happen."""
    import shutil

    from geozone import datasets

    for dataset_id in ids:
        target = tmp_path / datasets.dataset(dataset_id).file
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(datasets.dataset_path(dataset_id, data_dir), target)
    return tmp_path


@pytest.mark.realdata
def test_geoboundaries_layer_gets_gso_codes_and_con_dao_dissolved(
    data_dir, tmp_path, provinces_2008
):
    fresh = _fresh_data_dir(tmp_path, data_dir, "vn2008-provinces-geoboundaries", "vn2008-codes")
    with pytest.warns(GeozoneWarning, match=r"dissolved.*code 77: Bà Rịa - Vũng Tàu.*Côn Đảo"):
        units = load_units("vn2008-provinces-geoboundaries", data_dir=fresh, cache=False)
    # The GSO codes of every other 2008 layer, not ISO 3166-2 ("VN-SG", "VN-43").
    assert set(units.code) == set(provinces_2008.code)
    assert units.code.str.fullmatch(r"\d\d").all() and units.code.is_unique
    by_code = units.set_index("code")
    assert by_code.loc["79", "full_name"] == "Thành phố Hồ Chí Minh"
    assert by_code.loc["77", "name"] == "Bà Rịa - Vũng Tàu"
    # Côn Đảo (106.6 E, 8.7 N) is part of Bà Rịa - Vũng Tàu's multipolygon.
    brvt = by_code.loc["77", "geometry"]
    assert brvt.geom_type == "MultiPolygon"
    assert brvt.contains(shapely.Point(106.61, 8.69))
    (repair,) = [r for r in units.attrs["geozone_repairs"] if r["repair"] == "dissolve"]
    assert repair["code"] == "77" and units.code.iat[repair["row"]] == "77"
    assert "Côn Đảo (VN-43)" in repair["problem"]
    assert units.attrs["geozone_source_codes"]["79"] == ["VN-SG"]
    assert units.attrs["geozone_source_codes"]["77"] == ["VN-43"]
    # The coverage report lists the dissolve with the loader's other repairs.
    from geozone.coverage import _load_repairs

    assert "repaired with dissolve" in _load_repairs(units).iloc[0]["reason"]


@pytest.mark.realdata
def test_district_names_are_bare_with_the_type_in_full_name(districts_2008):
    from geozone.names import find_unit, split_unit_type

    by_code = districts_2008.set_index("code")
    assert by_code.loc["783", ["name", "full_name"]].tolist() == ["Củ Chi", "Huyện Củ Chi"]
    assert by_code.loc["769", ["name", "full_name"]].tolist() == ["Thủ Đức", "Thành phố Thủ Đức"]
    assert by_code.loc["557", ["name", "full_name"]].tolist() == ["Sông Cầu", "Thị xã Sông Cầu"]
    # A number alone names nothing: the numbered districts keep their type.
    assert by_code.loc["760", ["name", "full_name"]].tolist() == ["Quận 1", "Quận 1"]
    types = districts_2008.full_name.map(lambda v: split_unit_type(v)[0])
    assert types.isin(["Quận", "Huyện", "Thị xã", "Thành phố"]).all()
    numbered = districts_2008.name.str.fullmatch(r"Quận \d+")
    assert (districts_2008.name[~numbered] != districts_2008.full_name[~numbered]).all()
    assert (districts_2008.name[numbered] == districts_2008.full_name[numbered]).all()
    for query in ("Huyện Củ Chi", "Củ Chi", "cu chi", "Quận 1"):
        assert find_unit(districts_2008, query)["code"] == ("760" if "1" in query else "783")


@pytest.mark.realdata
def test_agreement_members_resolve_by_name_in_their_layers(data_dir):
    import re

    from geozone.agreements import agreement, list_agreements
    from geozone.names import find_unit

    checked = 0
    for agreement_id in list_agreements().id:
        a = agreement(agreement_id)
        dataset_id = a.datasets.get(a.member_level)
        if dataset_id is None:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GeozoneWarning)
            layer = load_units(dataset_id)
        for code, name in zip(a.members.code, a.members.name, strict=True):
            bare = re.sub(r"\s*\(.*\)$", "", name)  # "Thị xã Sông Cầu (Tỉnh Phú Yên)"
            assert find_unit(layer, bare, level=a.member_level)["code"] == code, name
            checked += 1
    assert checked >= 20


def test_full_names_in_a_column_called_name_give_bare_names():
    frame = gpd.GeoDataFrame(
        {"ma": ["760", "783", "557"], "name": ["Quận 1", "Huyện Củ Chi", "Thị xã Sông Cầu"]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)],
        crs=4326,
    )
    units = load_units(frame, columns={"code": "ma", "full_name": "name"}, level="district")
    assert units.name.tolist() == ["Quận 1", "Củ Chi", "Sông Cầu"]
    assert units.full_name.tolist() == ["Quận 1", "Huyện Củ Chi", "Thị xã Sông Cầu"]


def test_cache_name_changes_with_the_loader_and_the_catalog_entry(monkeypatch, tmp_path):
    import shutil

    from geozone import datasets

    before = datasets.cache_path("vn2008-districts", tmp_path)
    assert before.parent == tmp_path / "cache"
    monkeypatch.setattr(datasets, "LOADER_VERSION", datasets.LOADER_VERSION + 1)
    assert datasets.cache_path("vn2008-districts", tmp_path) != before
    # The derived layer's name follows its source's loading too.
    monkeypatch.undo()
    derived = datasets.cache_path("vn2025-provinces", tmp_path)
    catalog = tmp_path / "catalog"
    shutil.copytree(datasets.catalog_dir(), catalog)
    text = (catalog / "catalog.toml").read_text(encoding="utf-8")
    (catalog / "catalog.toml").write_text(
        text.replace('full_name = "fullName"', 'full_name = "name"', 1), encoding="utf-8"
    )
    monkeypatch.setenv("GEOZONE_CATALOG_DIR", str(catalog))
    assert datasets.cache_path("vn2008-districts", tmp_path) == before
    assert datasets.cache_path("vn2025-provinces", tmp_path) != derived


@pytest.mark.realdata
def test_a_cache_from_another_loader_is_not_served(data_dir, tmp_path, monkeypatch):
    from geozone import datasets

    fresh = _fresh_data_dir(tmp_path, data_dir, "vn2008-districts")
    # A stale table, as an older loader would have cached it, under the older loader's name.
    monkeypatch.setattr(datasets, "LOADER_VERSION", datasets.LOADER_VERSION - 1)
    stale = load_units("vn2008-districts", data_dir=fresh)
    stale["name"] = stale["full_name"]
    stale.to_parquet(datasets.cache_path("vn2008-districts", fresh))
    assert load_units("vn2008-districts", data_dir=fresh).name.iat[0] == stale.name.iat[0]
    monkeypatch.undo()
    units = load_units("vn2008-districts", data_dir=fresh)
    assert units.set_index("code").loc["783", "name"] == "Củ Chi"
    assert datasets.cache_path("vn2008-districts", fresh).is_file()


@pytest.mark.realdata
def test_dissolved_provinces_nest_with_communes(provinces_2025, communes_2025):
    metric = 32648
    provinces = provinces_2025.to_crs(metric).set_index("code")
    areas = (
        communes_2025.to_crs(metric).groupby("province_code").geometry.apply(lambda g: g.area.sum())
    )
    ratio = provinces.area / areas
    # Overlapping communes are counted twice in the sum; slivers are filled in the dissolve.
    assert ratio.between(0.995, 1.005).all(), ratio.sort_values()
    assert provinces.loc["92", "full_name"] == "Thành phố Cần Thơ"


@pytest.mark.realdata
def test_second_load_comes_from_the_geoparquet_cache(data_dir):
    from geozone import datasets

    load_units("vn2025-communes")
    assert datasets.cache_path("vn2025-communes").is_file()


@pytest.mark.realdata
def test_unit_table_counts(data_dir):
    new = unit_table(2025)
    assert new.level.value_counts().to_dict() == {"commune": 3321, "province": 34}
    old = unit_table(2008)
    assert old.level.value_counts().to_dict() == {
        "commune": 10035,
        "district": 696,
        "province": 63,
    }
    with pytest.raises(InputError):
        unit_table(2019)


def test_unreadable_file_is_a_data_error(tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text("{ not json")
    with pytest.raises(DataError, match="cannot read"):
        load_units(path, columns=MAPPING, level="province")


def test_tcvn3_names_in_a_shapefile_are_converted_with_a_note(tmp_path):
    from geozone.vnencoding import _encode_tcvn3

    source = gpd.read_file(HAND_MADE).iloc[:2]
    source["TEN"] = [_encode_tcvn3(n) for n in source["TEN"]]  # "Thµnh phè CÇn Th¬", ...
    path = tmp_path / "legacy.shp"
    source.to_file(path, encoding="latin1")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    with pytest.warns(GeozoneWarning, match="TCVN3"):
        units = load_units(path, columns=MAPPING, level="province")
    assert units.full_name.tolist() == ["Thành phố Cần Thơ", "Tỉnh An Giang"]
    assert units.name.tolist() == ["Cần Thơ", "An Giang"]
