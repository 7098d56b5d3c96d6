"""Tests of geozone.crs: metric CRS choice, ``crs=`` parsing and VN-2000 zones.

The VN-2000 → WGS 84 checks do not trust pyproj for the datum part: the test carries its own
numpy implementation of the 7-parameter (Helmert) transformation, anchored on the worked
example of IOGP Guidance Note 7-2, and compares pyproj's result with it to the millimetre.
"""

from __future__ import annotations

import math
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj.database import query_crs_info
from shapely.geometry import Point

from geozone import crs as gcrs
from geozone.crs import bind_vn2000, metric_crs, resolve_crs, to_metric, vn2000, vn2000_table
from geozone.datasets import read_table
from geozone.errors import GeozoneWarning, InputError

# Decision 05/2007/QĐ-BTNMT, typed here from the decision (not read from the module or PROJ):
# dX, dY, dZ (m); rX, rY, rZ (arc-seconds); scale difference (ppm).
DECISION_05_2007 = (
    -191.90441429,
    -39.30318279,
    -111.45032835,
    -0.00928836,
    0.01975479,
    -0.00427372,
    0.252906278,
)
A_WGS84 = 6378137.0
F_WGS84 = 1 / 298.257223563
E2_WGS84 = F_WGS84 * (2 - F_WGS84)
ARCSEC = math.pi / (180 * 3600)
VIETNAM_BBOX = (102.14, 8.33, 109.53, 23.4)  # EPSG's area of use of VN-2000 (EPSG:4756)


# --- an independent geodetic toolkit ----------------------------------------------------------


def geodetic_to_geocentric(lon_deg, lat_deg, h=0.0):
    lon, lat = np.radians(lon_deg), np.radians(lat_deg)
    n = A_WGS84 / np.sqrt(1 - E2_WGS84 * np.sin(lat) ** 2)
    return np.array(
        [
            (n + h) * np.cos(lat) * np.cos(lon),
            (n + h) * np.cos(lat) * np.sin(lon),
            (n * (1 - E2_WGS84) + h) * np.sin(lat),
        ]
    )


def geocentric_to_geodetic(xyz):
    x, y, z = xyz
    lon = np.arctan2(y, x)
    p = np.hypot(x, y)
    lat = np.arctan2(z, p * (1 - E2_WGS84))
    for _ in range(10):  # converges to 1e-12 rad in 3-4 steps at these latitudes
        n = A_WGS84 / np.sqrt(1 - E2_WGS84 * np.sin(lat) ** 2)
        h = p / np.cos(lat) - n
        lat = np.arctan2(z, p * (1 - E2_WGS84 * n / (n + h)))
    return np.degrees(lon), np.degrees(lat)


def helmert(xyz, params, convention):
    """7-parameter similarity transform of geocentric coordinates (small-angle form).

    IOGP Guidance Note 7-2: Position Vector (EPSG method 9606) and Coordinate Frame (9607)
    share the formula and differ only in the sign of the rotations.
    """
    tx, ty, tz, rx, ry, rz, ds = params
    rx, ry, rz = (np.array([rx, ry, rz]) * ARCSEC) * (1 if convention == "position" else -1)
    rotation = np.array([[1.0, -rz, ry], [rz, 1.0, -rx], [-ry, rx, 1.0]])
    return (1 + ds * 1e-6) * rotation @ np.asarray(xyz) + np.array([tx, ty, tz])


def vn2000_geodetic_to_wgs84(lon, lat, convention="frame"):
    # VN-2000 is on the WGS 84 ellipsoid, so one ellipsoid serves both sides.
    return geocentric_to_geodetic(
        helmert(geodetic_to_geocentric(lon, lat), DECISION_05_2007, convention)
    )


def distance_m(lon1, lat1, lon2, lat2):
    return pyproj.Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)[2]


def meridian_arc(lat_deg):
    """Length of the meridian from the equator, by numerical integration (no series)."""
    phi = np.linspace(0.0, math.radians(lat_deg), 20001)
    integrand = A_WGS84 * (1 - E2_WGS84) / (1 - E2_WGS84 * np.sin(phi) ** 2) ** 1.5
    return float(np.sum((integrand[1:] + integrand[:-1]) / 2 * np.diff(phi)))


OLD_CODES = [code for code, *_ in gcrs._OLD_PROVINCES]


# --- the helmert implementation itself --------------------------------------------------------


def test_helmert_reproduces_iogp_worked_example():
    # IOGP Guidance Note 7-2, §2.4.3.3 (WGS 72 -> WGS 84): tZ = +4.5 m, rZ = +0.554" (Position
    # Vector), dS = +0.219 ppm; the published result is given to the centimetre.
    params = (0.0, 0.0, 4.5, 0.0, 0.0, 0.554, 0.219)
    source = (3657660.66, 255768.55, 5201382.11)
    expected = np.array([3657660.78, 255778.43, 5201387.75])
    assert np.abs(helmert(source, params, "position") - expected).max() < 0.01
    # The same parameters with the rotation negated are its Coordinate Frame form.
    frame = (0.0, 0.0, 4.5, 0.0, 0.0, -0.554, 0.219)
    assert np.abs(helmert(source, frame, "frame") - expected).max() < 0.01
    # and reading them in the other convention is far off: the test can tell the two apart.
    assert np.abs(helmert(source, params, "frame") - expected).max() > 1.0


def test_geodetic_round_trip_of_the_toolkit():
    lon, lat = geocentric_to_geodetic(geodetic_to_geocentric(105.7876, 10.034))
    assert distance_m(lon, lat, 105.7876, 10.034) < 1e-6


# --- the official transformation --------------------------------------------------------------


def test_epsg_6960_holds_the_published_parameters():
    op = pyproj.crs.CoordinateOperation.from_epsg(gcrs._DECISION_05_2007_EPSG)
    assert op.method_code == "9607"  # Coordinate Frame rotation
    assert [p.value for p in op.params] == list(DECISION_05_2007)
    assert gcrs._DECISION_05_2007 == DECISION_05_2007


@pytest.mark.filterwarnings("ignore:You will likely lose important projection information")
def test_bound_crs_pipeline_uses_the_official_parameters():
    pipeline = pyproj.Transformer.from_crs(vn2000("Long An"), 4326, always_xy=True).definition
    assert "convention=coordinate_frame" in pipeline
    for value in DECISION_05_2007[:6]:
        assert f"={value}" in pipeline
    assert "s=0.252906278" in pipeline
    # and PROJ's own +towgs84 (Position Vector) rendering flips the rotations, nothing else
    towgs84 = re.search(r"\+towgs84=(\S+)", vn2000("Long An").to_proj4()).group(1)
    values = [float(v) for v in towgs84.split(",")]
    expected = [*DECISION_05_2007[:3], *(-r for r in DECISION_05_2007[3:6]), DECISION_05_2007[6]]
    assert values == pytest.approx(expected, abs=1e-12)


CONTROL_POINTS = [
    # (province as of 2008, VN-2000 TM-3 easting, northing): round coordinates near Cần Thơ
    # (Ninh Kiều), Hà Nội, Đà Nẵng, Cà Mau and Lạng Sơn, in their provinces' zones.
    ("92", 586000.0, 1109500.0),
    ("01", 588500.0, 2326000.0),
    ("48", 547500.0, 1775500.0),
    ("96", 571000.0, 1014000.0),
    ("20", 467000.0, 2417000.0),
]


@pytest.mark.parametrize(("province", "easting", "northing"), CONTROL_POINTS)
def test_vn2000_to_wgs84_matches_an_independent_helmert(province, easting, northing):
    zone = vn2000(province, vintage=2008)
    # The map projection is a conversion within VN-2000 (no datum change): pyproj does it
    # with the zone's plain EPSG CRS, which must not involve any Helmert step.
    unproject = pyproj.Transformer.from_crs(zone.source_crs, 4756, always_xy=True)
    assert "helmert" not in unproject.definition
    lon_vn, lat_vn = unproject.transform(easting, northing)
    lon_ref, lat_ref = vn2000_geodetic_to_wgs84(lon_vn, lat_vn, "frame")

    lon, lat = pyproj.Transformer.from_crs(zone, 4326, always_xy=True).transform(easting, northing)
    assert distance_m(lon, lat, lon_ref, lat_ref) < 0.001
    # VN-2000 and WGS 84 differ by about 225 m on the ground everywhere in Vietnam
    assert 200 < distance_m(lon, lat, lon_vn, lat_vn) < 250
    # Reading the published parameters as Position Vector (+towgs84 unchanged) is wrong by
    # half a metre or more: a tolerance looser than that would not test the convention.
    lon_pv, lat_pv = vn2000_geodetic_to_wgs84(lon_vn, lat_vn, "position")
    assert distance_m(lon, lat, lon_pv, lat_pv) > 0.4


def test_vn2000_control_point_pinned():
    # VN-2000 TM-3 105°00' (Cần Thơ) E 586000, N 1109500 -> WGS 84, from the independent
    # implementation above (Coordinate Frame, Decision 05/2007); pinned to guard the result
    # against changes in PROJ or in the CRS geozone builds.
    lon, lat = pyproj.Transformer.from_crs(
        vn2000("Cần Thơ", vintage=2008), 4326, always_xy=True
    ).transform(586000.0, 1109500.0)
    assert distance_m(lon, lat, 105.786308688, 10.032017564) < 0.01


def test_tm3_northing_on_the_central_meridian_is_the_scaled_meridian_arc():
    # On the central meridian E = 500 000 m and N = 0.9999 × meridian arc: checks the zone
    # parameters without pyproj's transverse Mercator.
    zone = vn2000("Long An").source_crs
    easting, northing = pyproj.Transformer.from_crs(4756, zone, always_xy=True).transform(
        105.75, 10.5
    )
    assert easting == pytest.approx(500000.0, abs=1e-6)
    assert northing == pytest.approx(0.9999 * meridian_arc(10.5), abs=0.001)


def test_ninh_kieu_lands_where_it_should():
    # Ninh Kiều pier, Cần Thơ, about 10.0340 N 105.7876 E (WGS 84): 0.79° east of the 105°00'
    # meridian, so about 86 km east of the false easting and 1,110 km north of the equator.
    easting, northing = pyproj.Transformer.from_crs(
        4326, vn2000("92", vintage=2008), always_xy=True
    ).transform(105.7876, 10.0340)
    assert 585_000 < easting < 587_500
    assert 1_108_500 < northing < 1_111_000
    # the same point in WGS 84 / UTM 48N (k = 0.9996, meridian 105°) is within ~0.5 km
    utm_e, utm_n = pyproj.Transformer.from_crs(4326, 32648, always_xy=True).transform(
        105.7876, 10.0340
    )
    assert abs(easting - utm_e) < 500 and abs(northing - utm_n) < 1000


@pytest.mark.parametrize("province", ["92", "01", "48", "96", "20", "79", "56"])
def test_round_trip_wgs84_tm3_wgs84_fixed(province):
    zone = vn2000(province, vintage=2008)
    lon0, lat0 = {
        "92": (105.7876, 10.034),
        "01": (105.85, 21.03),
        "48": (108.22, 16.05),
        "96": (105.15, 9.18),
        "20": (106.76, 21.85),
        "79": (106.70, 10.78),
        "56": (109.19, 12.24),
    }[province]
    forward = pyproj.Transformer.from_crs(4326, zone, always_xy=True)
    back = pyproj.Transformer.from_crs(zone, 4326, always_xy=True)
    lon, lat = back.transform(*forward.transform(lon0, lat0))
    assert distance_m(lon, lat, lon0, lat0) < 0.001


@settings(max_examples=150, deadline=None)
@given(
    lon=st.floats(VIETNAM_BBOX[0], VIETNAM_BBOX[2]),
    lat=st.floats(VIETNAM_BBOX[1], VIETNAM_BBOX[3]),
    province=st.sampled_from(OLD_CODES),
)
def test_round_trip_random_points(lon, lat, province):
    zone = vn2000(province, vintage=2008)
    forward = pyproj.Transformer.from_crs(4326, zone, always_xy=True)
    back = pyproj.Transformer.from_crs(zone, 4326, always_xy=True)
    x, y = forward.transform(lon, lat)
    assert math.isfinite(x) and math.isfinite(y)
    lon2, lat2 = back.transform(x, y)
    # A 2D datum transformation does not close exactly: each direction runs the 3D Helmert
    # at height 0 and drops the height it produces (up to ~40 m), which moves the ~225 m
    # shift by 225 m × 40 m / 6,371 km ≈ 1.4 mm at the far corners of the box (under 1 mm
    # at the test points above). The projection alone closes to nanometres.
    assert distance_m(lon, lat, lon2, lat2) < 0.002
    plain = pyproj.Transformer.from_crs(zone.source_crs, 4756, always_xy=True)
    lon3, lat3 = plain.transform(*plain.transform(lon, lat, direction="INVERSE"))
    assert distance_m(lon, lat, lon3, lat3) < 1e-6


@settings(max_examples=100, deadline=None)
@given(
    lon=st.floats(VIETNAM_BBOX[0], VIETNAM_BBOX[2]),
    lat=st.floats(VIETNAM_BBOX[1], VIETNAM_BBOX[3]),
)
def test_official_transformation_everywhere(lon, lat):
    # pyproj's default for VN-2000 -> WGS 84 depends on the area; the bound CRS must give the
    # official result at any point of the country.
    geographic = bind_vn2000(4756)
    lon2, lat2 = pyproj.Transformer.from_crs(geographic, 4326, always_xy=True).transform(lon, lat)
    lon_ref, lat_ref = vn2000_geodetic_to_wgs84(lon, lat)
    assert distance_m(lon2, lat2, lon_ref, lat_ref) < 0.001


# --- the meridian table -------------------------------------------------------------------


def test_every_old_province_has_a_projected_tm3_zone():
    table = vn2000_table()
    assert len(table) == 63 and table["old_province_code"].is_unique
    for row in table.itertuples():
        zone = vn2000(row.old_province_code, vintage=2008)
        assert zone.is_projected and zone.is_bound
        assert zone.source_crs.to_epsg() == row.tm3_epsg
        params = {p.name: p.value for p in zone.source_crs.coordinate_operation.params}
        assert params["Longitude of natural origin"] == pytest.approx(row.central_meridian)
        assert params["Scale factor at natural origin"] == 0.9999
        assert params["False easting"] == 500000.0
        assert params["False northing"] == 0.0
        assert zone.source_crs.datum.name == "Vietnam 2000"
        # the name resolves too, in the code table's spelling and without diacritics
        assert vn2000(row.old_province_name, vintage=2008) is zone
        assert vn2000(ascii_name(row.old_province_name), vintage=2008) is zone


def ascii_name(name: str) -> str:
    from geozone.names import normalize_name

    return normalize_name(name, diacritics=False)


def test_meridians_of_the_brief_and_circular():
    # Values quoted from Circular 973/2001/TT-TCĐC for provinces this project works with.
    expected = {
        "Hà Nội": 105.0,
        "Hồ Chí Minh": 105.75,
        "Cần Thơ": 105.0,
        "Đà Nẵng": 107.75,
        "Khánh Hòa": 108.25,
        "Bình Định": 108.25,
        "Phú Yên": 108.5,
        "An Giang": 104.75,
        "Đồng Tháp": 105.0,
        "Cà Mau": 104.5,
        "Tây Ninh": 105.5,
        "Long An": 105.75,
        "Đồng Nai": 107.75,
        "Bình Dương": 105.75,
        "Bà Rịa - Vũng Tàu": 107.75,
        "Tiền Giang": 105.75,
    }
    table = vn2000_table().set_index("old_province_name")["central_meridian"]
    assert {name: table[name] for name in expected} == expected


def test_tm3_epsg_codes_match_pyproj_database():
    for (degrees, minutes), code in gcrs._TM3_EPSG.items():
        crs = pyproj.CRS.from_epsg(code)
        params = {p.name: p.value for p in crs.coordinate_operation.params}
        assert params["Longitude of natural origin"] == pytest.approx(degrees + minutes / 60)
        assert params["Scale factor at natural origin"] == 0.9999
        assert crs.datum.name == "Vietnam 2000"
        assert crs.name.startswith("VN-2000 / TM-3")
    for zone, code in gcrs._UTM_EPSG.items():
        assert pyproj.CRS.from_epsg(code).name == f"VN-2000 / UTM zone {zone}N"
    # every VN-2000 TM-3 CRS of the database is known, except 102°00' (EPSG:5896), no province's
    in_db = {int(i.code) for i in query_crs_info("EPSG") if i.name.startswith("VN-2000 / TM-3")}
    assert in_db - set(gcrs._TM3_EPSG.values()) == {5896}


def _provinces_in_area(area: str) -> list[str]:
    """Province names in an EPSG area-of-use text such as
    'Vietnam - Hai Phong and Ho Chi Minh cities; Ben Tre, Binh Duong and Long An provinces.'"""
    text = area.removeprefix("Vietnam - ").rstrip(".")
    names = []
    for part in re.split(r";|,| and ", text):
        part = re.sub(r"\b(provinces?|cities|city|municipality)\b", "", part).strip()
        if part:
            names.append(part)
    return names


def test_meridians_agree_with_epsg_areas_of_use():
    # EPSG (from Vietnam's Department of Survey and Mapping) lists, in each VN-2000 TM-3 CRS's
    # area of use, the provinces on its meridian: an independent copy of the circular's table.
    by_code = vn2000_table().set_index("old_province_code")["tm3_epsg"]
    seen: dict[str, int] = {}
    for info in query_crs_info("EPSG"):
        if not info.name.startswith("VN-2000 / TM-3") or info.area_of_use is None:
            continue
        area = info.area_of_use.name
        if "onshore" in area:  # the generic 'between 103°30'E and 106°30'E' usages
            continue
        for name in _provinces_in_area(area):
            if name == "Ha Tay":  # merged into Hà Nội (also 105°00') in 2008
                assert int(info.code) == by_code["01"]
                continue
            old, _ = gcrs._lookup(name)
            assert old, f"EPSG names {name!r}, which the table does not know"
            assert old[0] not in seen or seen[old[0]] == int(info.code)
            seen[old[0]] = int(info.code)
    assert sorted(seen) == sorted(by_code.index), "EPSG areas should name all 63 provinces"
    assert {code: by_code[code] for code in seen} == seen


@pytest.mark.realdata
@pytest.mark.usefixtures("data_dir")
def test_embedded_table_matches_the_code_tables():
    old = read_table("vn2008-codes")
    old = old[old["level"] == "1"]
    assert dict(zip(old["code"], old["name"], strict=True)) == {
        code: name for code, name, *_ in gcrs._OLD_PROVINCES
    }
    new = read_table("vn2025-codes")
    new = new[new["level"] == "1"]
    assert dict(zip(new["code"], new["name"], strict=True)) == gcrs._NEW_PROVINCES
    crosswalk = read_table("crosswalk-provinces")
    assert dict(
        zip(crosswalk["old_province_code"], crosswalk["new_province_code"], strict=True)
    ) == {code: successor for code, *_, successor in gcrs._OLD_PROVINCES}


@pytest.mark.realdata
@pytest.mark.usefixtures("data_dir")
def test_merged_provinces_are_ambiguous_exactly_when_their_parts_differ():
    crosswalk = read_table("crosswalk-provinces")
    for new_code, parts in crosswalk.groupby("new_province_code"):
        for width in (3, 6):
            zones = {
                vn2000(code, zone_width=width, vintage=2008).source_crs.to_epsg()
                for code in parts["old_province_code"]
            }
            if len(zones) == 1:
                assert vn2000(new_code, zone_width=width, vintage=2025).source_crs.to_epsg() in (
                    zones
                )
            else:
                with pytest.raises(InputError, match="different VN-2000"):
                    vn2000(new_code, zone_width=width, vintage=2025)


# --- province names and codes -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "epsg"),
    [
        ("Bình Dương", 9210),
        ("74", 9210),
        (74, 9210),
        ("Binh Duong", 9210),
        ("tinh Binh Duong", 9210),
        ("Tỉnh Bình Dương", 9210),
        ("Long An", 9210),
        ("tinh Long An", 9210),
        ("72", 9209),  # old Tây Ninh's code is no 2025 code
        ("Hậu Giang", 5897),
        ("TP. Hồ Chí Minh", None),  # old HCM; the 2025 city adds Bà Rịa - Vũng Tàu (107°45')
        ("Thừa Thiên Huế", 9214),
        ("Thua Thien - Hue", 9214),
        ("Đăk Lăk", 9218),  # the 2025 Đắk Lắk (with Phú Yên) is on 108°30' too
        ("Kontum", 9216),
        ("BR-VT", 5899),
        ("Khánh Hoà", 9217),
        ("Lào Cai", 9208),  # with Yên Bái, both 104°45'
        ("Hà Nội", 5897),
        ("Thủ đô Hà Nội", 5897),
    ],
)
def test_names_and_codes(text, epsg):
    if epsg is None:
        # Old HCM's zone, with a warning that the 2025 city also covers Bà Rịa - Vũng Tàu.
        with pytest.warns(GeozoneWarning, match="Bà Rịa - Vũng Tàu"):
            assert vn2000(text).source_crs.to_epsg() == 9210
    else:
        assert vn2000(text).source_crs.to_epsg() == epsg


def test_old_name_with_vintage_2008():
    assert vn2000("TP Cần Thơ", vintage=2008).source_crs.to_epsg() == 5897
    assert vn2000("Can Tho", vintage="2008").source_crs.to_epsg() == 5897
    assert vn2000("tinh Tay Ninh", vintage=2008).source_crs.to_epsg() == 9209
    assert vn2000("80", vintage=2008).source_crs.to_epsg() == 9210  # Long An's code


def test_merged_province_ambiguity_names_the_old_provinces():
    for query in ("Tây Ninh", "tinh Tay Ninh", "80", 80):
        with pytest.raises(InputError) as info:
            vn2000(query, vintage=2025)
        message = str(info.value)
        assert "Tây Ninh (72) on 105°30' (EPSG:9209)" in message
        assert "Long An (80) on 105°45' (EPSG:9210)" in message
        assert "'Long An'" in message and "'72'" in message  # the way out
    with pytest.raises(InputError, match=r"Sóc Trăng \(94\) on 105°30'"):
        vn2000("Cần Thơ", vintage=2025)
    with pytest.raises(InputError, match=r"Kon Tum \(62\) in UTM zone 48N"):
        vn2000("Quảng Ngãi", zone_width=6, vintage=2025)


def test_a_name_of_an_old_province_means_that_province_with_a_warning():
    with pytest.warns(GeozoneWarning, match=r"Long An \(80\) on 105°45'"):
        assert vn2000("Tây Ninh").source_crs.to_epsg() == 9209
    with pytest.warns(GeozoneWarning, match=r"Sóc Trăng \(94\)"):
        assert vn2000("Cần Thơ").source_crs.to_epsg() == 5897
    with pytest.warns(GeozoneWarning):
        assert vn2000(80).source_crs.to_epsg() == 9210  # old Long An's code


def test_single_meridian_new_province_accepted():
    # 2025 Đà Nẵng = Đà Nẵng + Quảng Nam, both 107°45'
    assert vn2000("Đà Nẵng", vintage=2025).source_crs.to_epsg() == 5899
    # 2025 Tây Ninh: old Tây Ninh and Long An are both in UTM zone 48
    assert vn2000("Tây Ninh", zone_width=6).source_crs.to_epsg() == 3405
    assert vn2000("Bình Định", zone_width=6).source_crs.to_epsg() == 3406
    # 108°00' lies on the 48/49 edge; Quảng Ngãi lies east of it
    assert vn2000("Quảng Ngãi", zone_width=6, vintage=2008).source_crs.to_epsg() == 3406


def test_unknown_and_bad_input():
    with pytest.raises(InputError, match="did you mean 'Bình Dương'"):
        vn2000("Binh Duongg")
    with pytest.raises(InputError, match="no province named"):
        vn2000("Atlantis")
    with pytest.raises(InputError, match="not a GSO province code"):
        vn2000("07")
    with pytest.raises(InputError, match="part of Tây Ninh"):
        vn2000("Long An", vintage=2025)
    with pytest.raises(InputError, match="zone_width"):
        vn2000("Long An", zone_width=4)
    with pytest.raises(InputError, match="vintage"):
        vn2000("Long An", vintage=2020)
    with pytest.raises(InputError, match="empty"):
        vn2000("  ")
    for bad in (None, 80.0, True):
        with pytest.raises(InputError, match="province"):
            vn2000(bad)


def test_name_keys_are_unique():
    keys = [gcrs._province_key(name) for _, name, *_ in gcrs._OLD_PROVINCES]
    assert len(set(keys)) == 63


# --- resolve_crs, metric_crs, to_metric ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "epsg"),
    [
        ("vn2000:Bình Dương", 9210),
        ("vn2000:74", 9210),
        ("VN2000:Long An", 9210),
        ("VN-2000 : tinh Long An", 9210),
        ("vn2000:Cần Thơ@2008", 5897),
        ("vn2000:92 @ 2008", 5897),
        ("VN2000:Tay Ninh@2008", 9209),
        ("vn2000:Đà Nẵng@2025", 5899),
    ],
)
def test_resolve_crs_vn2000_strings(text, epsg):
    resolved = resolve_crs(text)
    assert resolved.is_bound and resolved.source_crs.to_epsg() == epsg


def test_resolve_crs_vn2000_string_errors():
    with pytest.raises(InputError, match="Long An"):
        resolve_crs("VN2000:Tay Ninh@2025")  # the 2025 Tây Ninh includes Long An
    with pytest.raises(InputError, match="Sóc Trăng"):
        resolve_crs("vn2000:Cần Thơ@2025")
    with pytest.warns(GeozoneWarning, match="Sóc Trăng"):
        assert resolve_crs("vn2000:Cần Thơ").source_crs.to_epsg() == 5897
    with pytest.raises(InputError, match="empty"):
        resolve_crs("vn2000:")
    with pytest.raises(InputError, match="vintage"):
        resolve_crs("vn2000:Long An@1999")


@pytest.mark.parametrize("code", [3405, 3406, 5896, 5897, 5898, 5899, *range(9205, 9219)])
def test_resolve_crs_keeps_vn2000_epsg_codes(code):
    for value in (code, str(code), f"EPSG:{code}", f"epsg:{code}"):
        assert resolve_crs(value).to_epsg() == code


def test_resolve_crs_rejects_nonsense():
    with pytest.raises(InputError, match="vn2000:Long An"):
        resolve_crs("not a crs")


def test_metric_crs_still_picks_utm_for_lonlat():
    assert metric_crs((105.0, 9.5, 106.5, 11.0)).to_epsg() == 32648
    assert metric_crs((108.8, 13.3, 109.4, 13.9)).to_epsg() == 32649
    frame = gpd.GeoDataFrame(geometry=[Point(105.78, 10.03)], crs=4326)
    assert metric_crs(frame).to_epsg() == 32648


def test_metric_crs_vn2000():
    chosen = metric_crs((106.2, 10.3, 106.8, 10.9), crs="vn2000:Long An")
    assert chosen.is_bound and chosen.source_crs.to_epsg() == 9210
    # an EPSG code on the VN-2000 datum gets the official transformation too
    chosen = metric_crs((106.2, 10.3, 106.8, 10.9), crs="EPSG:9210")
    assert chosen.is_bound and chosen.source_crs.to_epsg() == 9210
    with pytest.raises(InputError, match="geographic"):
        metric_crs((106.2, 10.3, 106.8, 10.9), crs="EPSG:4756")
    # data already in VN-2000 is measured in its own CRS
    frame = gpd.GeoDataFrame(geometry=[Point(586000, 1109500)], crs=5897)
    assert metric_crs(frame).to_epsg() == 5897


def test_to_metric_with_vn2000_uses_the_official_parameters():
    lon_vn, lat_vn = 105.78, 10.03
    frame = gpd.GeoDataFrame(geometry=[Point(*vn2000_geodetic_to_wgs84(lon_vn, lat_vn))], crs=4326)
    projected, chosen = to_metric(frame, crs="vn2000:Cần Thơ@2008")
    assert chosen.source_crs.to_epsg() == 5897
    expected = pyproj.Transformer.from_crs(4756, 5897, always_xy=True).transform(lon_vn, lat_vn)
    got = projected.geometry.iloc[0]
    assert math.hypot(got.x - expected[0], got.y - expected[1]) < 0.001
    # and back to the caller's CRS without loss
    back = projected.to_crs(4326).geometry.iloc[0]
    assert distance_m(back.x, back.y, *frame.geometry.iloc[0].coords[0]) < 0.001


def test_bind_vn2000_leaves_other_crs_alone():
    assert bind_vn2000(32648).to_epsg() == 32648
    assert not bind_vn2000(4326).is_bound
    custom = pyproj.CRS.from_proj4(
        "+proj=tmerc +lon_0=105.75 +k=0.9999 +x_0=500000 +ellps=WGS84 "
        "+towgs84=-192.873,-39.382,-111.202,-0.00205,-0.0005,0.00335,0.0188 +units=m"
    )
    assert bind_vn2000(custom) is custom  # an explicit +towgs84 is the user's choice
    # VN-2000 zones convert between each other without any datum step
    pipeline = pyproj.Transformer.from_crs(
        vn2000("Long An"), vn2000("Hậu Giang"), always_xy=True
    ).definition
    assert "helmert" not in pipeline


def test_vn2000_table_columns():
    table = vn2000_table()
    assert list(table.columns) == [
        "old_province_code",
        "old_province_name",
        "central_meridian",
        "central_meridian_dm",
        "tm3_epsg",
        "utm_epsg",
        "new_province_code",
        "new_province_name",
    ]
    assert set(table["new_province_code"]) == set(gcrs._NEW_PROVINCES)
    assert table["central_meridian"].between(103.0, 108.5).all()
    assert isinstance(table, pd.DataFrame)
