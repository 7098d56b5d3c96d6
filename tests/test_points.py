"""Tests for geozone.points: every row in, every row out, with an honest status."""

from __future__ import annotations

import codecs
import csv
import datetime
import doctest
import re
import unicodedata
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon

import geozone.points as points_module
from geozone.crs import resolve_crs
from geozone.errors import GeozoneWarning, InputError
from geozone.points import POINT_STATUSES, iter_point_chunks, read_points

FIXTURES = Path(__file__).parent / "fixtures"
WITH_POINT = {"ok", "swapped_fixed", "duplicate_id"}
CAN_THO = (10.0452, 105.78)  # (lat, lon) of a point in Cần Thơ


def one(lat, lon, **kwargs) -> pd.Series:
    """read_points on a single (lat, lon) row; returns that output row."""
    df = pd.DataFrame(
        {"lat": pd.Series([lat], dtype=object), "lon": pd.Series([lon], dtype=object)}
    )
    return read_points(df, **kwargs).iloc[0]


def utm48_vn2000(lat: float, lon: float) -> tuple[float, float]:
    """(easting, northing) of a WGS84 point in VN-2000 / UTM 48N (EPSG:3405)."""
    t = pyproj.Transformer.from_crs(4326, 3405, always_xy=True)
    return t.transform(lon, lat)


# ------------------------------------------------------------------------------------------
# Numbers, decimal commas, thousands separators
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "10.0452",
        "10,0452",
        " 10,0452 ",
        "'10.0452'",
        '"10,0452"',
        "+10.0452",
        "１０．０４５２",  # full-width digits, as typed with a Vietnamese IME
        "\u00a010.0452\u00a0",
    ],
)
def test_decimal_latitude_forms(text):
    out = one(text, "105.78")
    assert out.status == "ok", out.status_detail
    assert out.geometry.y == pytest.approx(10.0452)
    assert out.geometry.x == pytest.approx(105.78)
    assert out.lat == text  # the input value is kept exactly as given


@pytest.mark.parametrize(
    ("north", "east"),
    [
        ("1.109.512,3", "585.479,1"),  # Vietnamese locale
        ("1,109,512.3", "585,479.1"),  # English locale
        ("1 109 512,3", "585 479,1"),  # spaces between thousands
        ("1109512,3", "585479,1"),  # decimal comma only
        ("1109512.3", "585,479.1"),
    ],
)
def test_projected_thousands_separators(north, east):
    df = pd.DataFrame({"y": [north, 1109512.3], "x": [east, 585479.1]})
    out = read_points(df, crs="EPSG:3405")
    assert out.status.tolist() == ["ok", "ok"], out.status_detail.tolist()
    # The text gives exactly the point the plain number gives.
    assert out.geometry.iloc[0] == out.geometry.iloc[1]


def test_single_comma_three_digits_is_thousands_only_in_metres():
    east, north = utm48_vn2000(*CAN_THO)
    # "585,479" in metres is 585479 m (no VN coordinate is below 1000 m) ...
    df = pd.DataFrame({"x": [f"{int(east) // 1000},{int(east) % 1000:03d}"], "y": [north]})
    out = read_points(df, crs=3405).iloc[0]
    assert out.status == "ok", out.status_detail
    assert out.geometry.x == pytest.approx(CAN_THO[1], abs=0.001)
    # ... while "10,045" in degrees is the Vietnamese decimal comma.
    assert one("10,045", "105,780").geometry.y == pytest.approx(10.045)


def test_fast_path_handles_plain_and_decimal_comma_without_the_per_cell_parser(monkeypatch):
    calls = []
    real = points_module._parse_value
    monkeypatch.setattr(
        points_module, "_parse_value", lambda raw, p: calls.append(raw) or real(raw, p)
    )
    n = 2000
    lat = np.linspace(8.6, 22.9, n)
    df = pd.DataFrame(
        {
            "lat": [f"{v:.6f}" for v in lat],
            "lon": [f"{v:.6f}".replace(".", ",") for v in np.linspace(102.5, 108.9, n)],
        }
    )
    out = read_points(df)
    assert (out.status == "ok").all()
    assert calls == []
    np.testing.assert_allclose(out.geometry.y.to_numpy(), lat, atol=1e-6)
    # Only the odd cell goes through the slow parser.
    df.loc[5, "lat"] = "10°02'30\"N"
    read_points(df)
    assert calls == ["10°02'30\"N"]


# ------------------------------------------------------------------------------------------
# Degrees, minutes, seconds
# ------------------------------------------------------------------------------------------

DMS_10_02_30_5 = 10 + 2 / 60 + 30.5 / 3600
DMS_10_02_30 = 10 + 2 / 60 + 30 / 3600

# Vietnamese degree words as people type them: spaced or glued, with or without diacritics,
# a decimal comma in the last part, hemisphere words or letters before or after.
VIETNAMESE_DMS_LATITUDES = [
    ("10 độ 2 phút 30 giây B", DMS_10_02_30),
    ("10độ02'30\"B", DMS_10_02_30),
    ("10 độ 2,5 phút", 10 + 2.5 / 60),
    ("10 do 2 phut 30 giay B", DMS_10_02_30),
    ("10 Độ 2 Phút 30 Giây Bắc", DMS_10_02_30),
    ("10 độ 02 phút 30,5 giây bac", DMS_10_02_30_5),
    ("Bắc 10 độ 2 phút 30 giây", DMS_10_02_30),
    ("10độ 2phút 30giây N", DMS_10_02_30),
    ("10 deg 2 min 30 sec North", DMS_10_02_30),
    ("10 độ", 10.0),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10°02'30.5\"N", DMS_10_02_30_5),
        ("10°02'30.5\"", DMS_10_02_30_5),
        ("10 02 30.5", DMS_10_02_30_5),
        ("10:02:30.5", DMS_10_02_30_5),
        ("10º02’30.5”N", DMS_10_02_30_5),  # typographic quotes, masculine ordinal for °
        ("10°02′30.5″ N", DMS_10_02_30_5),  # primes
        ("10°02'30.5''", DMS_10_02_30_5),  # two apostrophes for seconds
        ("10°02'30,5\"N", DMS_10_02_30_5),  # decimal comma in the seconds
        ("10độ2phút30.5giây", DMS_10_02_30_5),
        ("10d2m30.5s", DMS_10_02_30_5),
        ("10d2m30s", 10 + 2 / 60 + 30 / 3600),
        ("N10°02.508'", 10 + 2.508 / 60),
        ("N 10 02.508", 10 + 2.508 / 60),
        ("10°02.508'B", 10 + 2.508 / 60),  # B = Bắc (north)
        ("10.0418N", 10.0418),
        ("10°N", 10.0),
        *VIETNAMESE_DMS_LATITUDES,
    ],
)
def test_dms_latitude(text, expected):
    out = one(text, "105.78")
    assert out.status == "ok", out.status_detail
    assert out.geometry.y == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("105°46'E", 105 + 46 / 60),
        ("E105°46.8'", 105 + 46.8 / 60),
        ("105°46'48\"Đ", 105 + 46 / 60 + 48 / 3600),  # Đ = Đông (east)
        ("105 46 48", 105 + 46 / 60 + 48 / 3600),
        ("105°46′48″ East", 105 + 46 / 60 + 48 / 3600),
    ],
)
def test_dms_longitude(text, expected):
    out = one("10.03", text)
    assert out.status == "ok", out.status_detail
    assert out.geometry.x == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    "text",
    [
        "105 độ 47 phút Đ",
        "105 độ 47 phút Đông",
        "105 do 47 phut D",  # Đông without the stroke
        "105 do 47 phut dong",
        "105°47'D",
        "Đ 105 độ 47 phút",
        "D 105 độ 47 phút",
        "105 độ 47 phút E",
    ],
)
def test_vietnamese_dms_words_longitude(text):
    out = one("10.03", text)
    assert out.status == "ok", out.status_detail
    assert out.geometry.x == pytest.approx(105 + 47 / 60, abs=1e-12)


@pytest.mark.parametrize(
    ("negative", "positive", "axis"),
    [
        ("10 độ 2 phút Nam", "10 độ 2 phút Bắc", "lat"),  # Nam: south
        ("10 độ 2 phút S", "10 độ 2 phút N", "lat"),
        ("105 độ 47 phút Tây", "105 độ 47 phút Đông", "lon"),  # Tây: west
        ("105 độ 47 phút T", "105 độ 47 phút Đ", "lon"),
        ("105 do 47 phut tay", "105 do 47 phut dong", "lon"),
        ("105 độ 47 phút W", "105 độ 47 phút E", "lon"),
    ],
)
def test_vietnamese_south_and_west_words_are_negative(negative, positive, axis):
    def row(text):
        return one(text, "105.78") if axis == "lat" else one("10.03", text)

    # Only the hemisphere word differs: it alone moves the point out of Vietnam.
    assert row(positive).status == "ok"
    out = row(negative)
    assert out.status == "outside_vietnam", out.status_detail


def test_a_lone_n_is_north_and_d_glued_to_a_number_is_degrees():
    # "N" is English North, not Vietnamese Nam: Nam must be spelt out.
    assert one("10 độ 2 phút N", "105.78").geometry.y == pytest.approx(10 + 2 / 60)
    # "D" glued to a number is the degree letter; apart, or after a minute mark, it is Đông.
    assert one("10.03", "105D").geometry.x == pytest.approx(105.0)
    assert one("10.03", "105.5 D").geometry.x == pytest.approx(105.5)
    wrong_axis = one("10 độ 2 phút D", "105.78")
    assert wrong_axis.status == "invalid_coordinate"
    assert "east/west letter" in wrong_axis.status_detail


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("10 độ 75 phút", "75 minutes"),
        ("10,5 độ 30 phút", "decimals before"),
        ("10 độ 2 phút B Nam", "two different hemisphere"),
        ("10 phút", "no degrees"),
        ("10 độ 2 phút 30 giây X", "not a number"),
        ("10.5 m", "not a number"),  # a spaced single letter is no unit
    ],
)
def test_bad_vietnamese_dms_words_are_invalid_and_say_why(text, words):
    out = one(text, "105.78")
    assert out.status == "invalid_coordinate"
    assert words in out.status_detail


def test_vietnamese_dms_words_in_a_combined_column():
    cells = ["10 độ 2 phút 30 giây B, 105 độ 47 phút Đ", "105 độ 47 phút Đ 10 độ 2 phút 30 giây B"]
    out = read_points(pd.DataFrame({"tọa độ": cells}))
    assert out.status.tolist() == ["ok", "ok"]
    for point in out.geometry:
        assert (point.x, point.y) == pytest.approx((105 + 47 / 60, DMS_10_02_30))


_DEGREE_WORDS = st.sampled_from(["độ", "do", "Độ", "DO", "°"])
_MINUTE_WORDS = st.sampled_from(["phút", "phut", "Phút", "'"])
_SECOND_WORDS = st.sampled_from(["giây", "giay", "GIÂY", '"'])


@st.composite
def spelled_angle(draw, degrees, hemispheres):
    """(text, value) of a positive angle written with Vietnamese (or symbol) units."""
    d = draw(degrees)
    m = draw(st.integers(0, 59))
    with_seconds = draw(st.booleans())
    tenths = draw(st.integers(0, 9))
    comma = draw(st.sampled_from([".", ","]))
    gap = draw(st.sampled_from(["", " "]))
    parts = [f"{d}{gap}{draw(_DEGREE_WORDS)}"]
    if with_seconds:
        sec = draw(st.integers(0, 59))
        parts.append(f"{m}{gap}{draw(_MINUTE_WORDS)}")
        parts.append(f"{sec}{comma}{tenths}{gap}{draw(_SECOND_WORDS)}")
        value = d + m / 60 + (sec + tenths / 10) / 3600
    else:
        parts.append(f"{m}{comma}{tenths}{gap}{draw(_MINUTE_WORDS)}")
        value = d + (m + tenths / 10) / 60
    text = " ".join(parts)
    hemisphere = draw(hemispheres)
    if hemisphere:
        # a letter after a unit word needs a space, or it would read as part of the word
        text = f"{hemisphere} {text}" if draw(st.booleans()) else f"{text} {hemisphere}"
    return text, value


@settings(max_examples=200, deadline=None)
@given(
    lat=spelled_angle(st.integers(9, 22), st.sampled_from(["", "B", "Bắc", "bac", "N", "North"])),
    lon=spelled_angle(
        st.integers(103, 108), st.sampled_from(["", "Đ", "đông", "D", "dong", "E", "East"])
    ),
)
def test_property_spelled_vietnamese_angles(lat, lon):
    (lat_text, lat_value), (lon_text, lon_value) = lat, lon
    out = one(lat_text, lon_text)
    assert out.status == "ok", (lat_text, lon_text, out.status_detail)
    assert (out.geometry.x, out.geometry.y) == pytest.approx((lon_value, lat_value), abs=1e-9)


@pytest.mark.parametrize(
    ("lat", "lon", "status"),
    [
        ("10°30'S", "105.78", "outside_vietnam"),  # south is negative: far from Vietnam
        ("-10.5", "105.78", "outside_vietnam"),
        ("10.03", "105°46'W", "outside_vietnam"),
        ("10.03", "-105.78", "outside_vietnam"),
        ("10 30 S", "105 T", "outside_vietnam"),  # T = Tây (west)
        ("-10°30'N", "105.78", "invalid_coordinate"),  # a minus sign contradicts N
    ],
)
def test_hemisphere_signs(lat, lon, status):
    out = one(lat, lon)
    assert out.status == status, out.status_detail
    assert out.geometry is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("10°75'", "75 minutes"),
        ("10°02'61\"", "61 seconds"),
        ("10.5°30'", "decimals before"),
        ("30'", "no degrees"),
        ("10°30'N S", "two different hemisphere"),
        ("10°02'30\"X", "not a number"),
        ("abc", "not a number"),
        ("10.5.3", "not a number"),
        ("1_000", "not a number"),
    ],
)
def test_bad_angles_are_invalid_and_say_why(text, words):
    out = one(text, "105.78")
    assert out.status == "invalid_coordinate"
    assert out.geometry is None
    assert words in out.status_detail
    assert f"lat={text!r}" in out.status_detail


def test_hemisphere_letters_in_the_wrong_columns():
    # Both letters reversed: the columns are swapped.
    swapped = one("105°46'E", "10°02'N")
    assert swapped.status == "suspect_swapped"
    assert "hemisphere letters" in swapped.status_detail
    fixed = one("105°46'E", "10°02'N", fix_swapped=True)
    assert fixed.status == "swapped_fixed"
    assert (fixed.geometry.x, fixed.geometry.y) == pytest.approx((105 + 46 / 60, 10 + 2 / 60))
    # One letter on the wrong axis: not a coordinate.
    wrong = one("10°02'E", "105.78")
    assert wrong.status == "invalid_coordinate"
    assert "east/west letter" in wrong.status_detail
    wrong = one("10.03", "105°46'N")
    assert wrong.status == "invalid_coordinate"
    assert "north/south letter" in wrong.status_detail


# ------------------------------------------------------------------------------------------
# Statuses
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "empty", [None, np.nan, "", "   ", "null", "NULL", "-", "N/A", "#N/A", "nan", "không", "''"]
)
def test_missing_coordinate(empty):
    out = one(empty, "105.78")
    assert out.status == "missing_coordinate"
    assert out.geometry is None
    assert out.status_detail.startswith("lat")
    assert "empty" in out.status_detail


def test_missing_detail_mentions_both_problems():
    out = one("", "abc")
    assert out.status == "missing_coordinate"
    assert "lat is empty" in out.status_detail
    assert "lon='abc' is not a number" in out.status_detail


@pytest.mark.parametrize(
    ("lat", "lon", "words"),
    [
        ("0", "0", "0, 0 is a placeholder"),
        (0.0, 0.0, "0, 0 is a placeholder"),
        ("inf", "105.78", "not a finite number"),
        (float("-inf"), 105.78, "not a finite number"),
        ("1e400", "105.78", "not a finite number"),
        ("95", "105.78", "outside -90..90"),
        ("10.03", "200", "outside -180..180"),
        ("123456789012345678901234567890", "105.78", "outside -90..90"),
        (10**400, 105.78, "too large"),
        (True, 105.78, "true/false"),
        (datetime.date(2025, 7, 1), 105.78, "date"),
        ([10.03], 105.78, "list"),
    ],
)
def test_invalid_coordinate(lat, lon, words):
    out = one(lat, lon)
    assert out.status == "invalid_coordinate"
    assert out.geometry is None
    assert words in out.status_detail


def test_zero_latitude_alone_is_just_outside_vietnam():
    out = one("0", "105.78")
    assert out.status == "outside_vietnam"


def test_outside_vietnam_names_the_point():
    out = one("13.75", "100.5")  # Bangkok
    assert out.status == "outside_vietnam"
    assert out.geometry is None
    assert "(100.500000, 13.750000)" in out.status_detail


def test_suspect_swapped_and_fix_swapped():
    out = one("105.78", "10.03")
    assert out.status == "suspect_swapped"
    assert out.geometry is None
    assert "lat='105.78' and lon='10.03'" in out.status_detail
    assert "fix_swapped=True" in out.status_detail
    fixed = one("105.78", "10.03", fix_swapped=True)
    assert fixed.status == "swapped_fixed"
    assert (fixed.geometry.x, fixed.geometry.y) == (105.78, 10.03)


def test_swapped_out_of_range_pair_that_is_nowhere_is_invalid():
    out = one("105.78", "50")  # swapped: lon 105.78, lat 50 — still not Vietnam
    assert out.status == "invalid_coordinate"
    assert "outside -90..90" in out.status_detail


def test_suspect_projected_suggests_the_crs():
    east, north = utm48_vn2000(*CAN_THO)
    out = one(north, east)
    assert out.status == "suspect_projected"
    assert out.geometry is None
    assert "metres" in out.status_detail
    assert "crs='EPSG:3405'" in out.status_detail
    assert "vn2000:<province>" in out.status_detail
    assert "swapped" not in out.status_detail
    # Easting in the latitude column: the hint says the columns are swapped too.
    swapped = one(east, north)
    assert swapped.status == "suspect_projected"
    assert "with the two columns swapped" in swapped.status_detail
    # Metres nowhere near Vietnam in either zone: still a hint, without a claim.
    far = one(9_000_000.0, 9_000_000.0)
    assert far.status == "suspect_projected"
    assert "pass the projected CRS" in far.status_detail


@pytest.mark.parametrize("north", ["1,109,720", "1109720", 1109720.0])
def test_suspect_projected_hint_reads_comma_thousands_as_metres(north):
    # "586,141" in a degree column reads as 586.141 (decimal comma), but the hint is about
    # metres: as metres it is 586141 m, in Cần Thơ in zone 48N. Read as 586.141 m it fell in
    # zone 49N instead, and following that hint put the point at sea, 6° east.
    out = one(north, "586,141")
    assert out.status == "suspect_projected"
    # As for plain numbers, both zones are named (an easting cannot tell them apart), 48N first.
    assert "crs='EPSG:3405'" in out.status_detail, out.status_detail
    followed = read_points(pd.DataFrame({"y": [north], "x": ["586,141"]}), crs=3405).iloc[0]
    assert followed.status == "ok"
    assert (followed.geometry.y, followed.geometry.x) == pytest.approx((10.037, 105.788), abs=1e-3)
    # Swapped columns: the hint still reads the comma as thousands.
    swapped = one("586,141", north)
    assert "crs='EPSG:3405'" in swapped.status_detail, swapped.status_detail
    assert "with the two columns swapped" in swapped.status_detail


def test_suspect_geographic_when_projected_crs_is_given():
    df = pd.DataFrame({"lat": ["10.03", "10°02'N"], "lon": ["105.78", "105°46'E"]})
    out = read_points(df, crs="EPSG:32648")
    assert out.status.tolist() == ["suspect_geographic", "suspect_geographic"]
    assert out.geometry.isna().all()
    assert "WGS 84 / UTM zone 48N" in out.status_detail.iloc[0]
    assert "drop crs=" in out.status_detail.iloc[0]


def test_projected_points_are_transformed_and_vn_xy_swap_is_caught():
    east, north = utm48_vn2000(*CAN_THO)
    df = pd.DataFrame({"x": [east, north], "y": [north, east]})
    out = read_points(df, crs=3405)
    assert out.status.tolist() == ["ok", "suspect_swapped"]
    assert (out.geometry.iloc[0].y, out.geometry.iloc[0].x) == pytest.approx(CAN_THO)
    # Vietnamese surveys write X for the northing; the detail says so.
    assert "X for the northing" in out.status_detail.iloc[1]
    fixed = read_points(df, crs=3405, fix_swapped=True)
    assert fixed.status.tolist() == ["ok", "swapped_fixed"]
    assert (fixed.geometry.iloc[1].y, fixed.geometry.iloc[1].x) == pytest.approx(CAN_THO)


def test_projected_values_that_cannot_be_converted():
    df = pd.DataFrame({"x": [1e300, 5e6], "y": [1e300, 5e6]})
    out = read_points(df, crs=3405)
    assert out.status.tolist() == ["invalid_coordinate", "outside_vietnam"]
    assert out.status_detail.iloc[0] == (
        "x=1e+300 and y=1e+300 cannot be converted from VN-2000 / UTM zone 48N to lon/lat"
    )
    assert out.geometry.isna().all()


def test_vn2000_province_crs_string_is_accepted():
    crs = resolve_crs("vn2000:Long An")
    x, y = pyproj.Transformer.from_crs(4326, crs, always_xy=True).transform(106.4, 10.6)
    out = read_points(pd.DataFrame({"x": [x], "y": [y]}), crs="vn2000:Long An").iloc[0]
    assert out.status == "ok", out.status_detail
    assert (out.geometry.x, out.geometry.y) == pytest.approx((106.4, 10.6))


def test_geographic_non_wgs84_crs_is_reprojected():
    out = read_points(pd.DataFrame({"lat": [10.03], "lon": [105.78]}), crs=4756).iloc[0]
    assert out.status == "ok"
    expected = pyproj.Transformer.from_crs(4756, 4326, always_xy=True).transform(105.78, 10.03)
    assert (out.geometry.x, out.geometry.y) == pytest.approx(expected)
    assert (out.geometry.x, out.geometry.y) != (105.78, 10.03)


def test_duplicate_ids():
    df = pd.DataFrame(
        {
            "ma_vu": ["A", "B", " A ", None, None, "A", "B", ""],
            "lat": ["10.03", "10.1", "10.2", "10.3", "10.4", "abc", "105.78", "10.5"],
            "lon": ["105.78", "105.8", "105.9", "106", "106.1", "105", "10.03", "106.2"],
        }
    )
    out = read_points(df, id_column="ma_vu", fix_swapped=True)
    assert out.status.tolist() == [
        "ok",
        "ok",
        "duplicate_id",  # " A " is "A"
        "ok",
        "ok",  # missing ids are not duplicates of each other
        "invalid_coordinate",  # the coordinate problem wins, the repeat is mentioned
        "duplicate_id",
        "ok",
    ]
    assert out.status_detail.iloc[2] == "ma_vu=' A ' already on row 1"
    assert out.geometry.iloc[2] == Point(105.9, 10.2)  # the duplicate keeps its point
    assert "ma_vu='A' already on row 1" in out.status_detail.iloc[5]
    assert "not a number" in out.status_detail.iloc[5]
    # A fixed swap that is also a repeat keeps the swapped point and says both.
    assert out.geometry.iloc[6] == Point(105.78, 10.03)
    assert "already on row 2" in out.status_detail.iloc[6]
    assert "swapped back" in out.status_detail.iloc[6]


def test_duplicate_ids_across_chunks_and_numeric_ids():
    df = pd.DataFrame({"id": [1, 2, 3, 1, 2, 4, 3], "lat": [10.5] * 7, "lon": [105.5] * 7})
    chunks = list(iter_point_chunks(df, chunksize=2, id_column="id"))
    out = pd.concat(chunks)
    assert out.status.tolist() == ["ok", "ok", "ok"] + ["duplicate_id"] * 2 + ["ok", "duplicate_id"]
    assert out.status_detail.iloc[6] == "id=3 already on row 3"


def test_status_vocabulary_is_documented_in_the_module_table():
    table = points_module.__doc__.split("Status vocabulary")[1].split("Parsing rules")[0]
    documented = set(re.findall(r"^``(\w+)``", table, flags=re.MULTILINE))
    assert documented == set(POINT_STATUSES)


def test_doctests():
    result = doctest.testmod(points_module, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 10
    assert result.failed == 0


# ------------------------------------------------------------------------------------------
# Column detection
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lat_name", "lon_name"),
    [
        ("Latitude", "Longitude"),
        ("LAT", "LNG"),
        ("lat", "long"),
        ("Vĩ độ", "Kinh độ"),
        (unicodedata.normalize("NFD", "Vĩ độ"), unicodedata.normalize("NFD", "Kinh độ")),
        ("VĨ ĐỘ", "KINH ĐỘ"),
        ("vi_do", "kinh_do"),
        ("ViDo", "KinhDo"),
        ("gps_lat", "gps_lon"),
        ("Vĩ độ (WGS84)", "Kinh độ (WGS84)"),
        ("y", "x"),
        ("Northing", "Easting"),
    ],
)
def test_column_names_are_detected(lat_name, lon_name):
    df = pd.DataFrame({"ghi_chu": ["x"], lat_name: ["10.03"], lon_name: ["105.78"]})
    out = read_points(df).iloc[0]
    assert out.status == "ok"
    assert (out.geometry.x, out.geometry.y) == (105.78, 10.03)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("toa_do", "10.03, 105.78"),
        ("Tọa độ", "10,03; 105,78"),
        ("TOẠ ĐỘ", "10,03 105,78"),  # old-style tone placement, decimal commas
        ("coordinates", "(10.03, 105.78)"),
        ("latlon", "10.03,105.78"),
        ("LatLng", "10°01'48\"N 105°46'48\"E"),
        ("toa_do", "105°46'48\"E, 10°01'48\"N"),  # the letters say which is which
        ("toa_do", "N10°01.8' E105°46.8'"),
        ("toa_do", "POINT (105.78 10.03)"),
        ("lonlat", "105.78, 10.03"),
    ],
)
def test_combined_column(name, value):
    out = read_points(pd.DataFrame({name: [value]})).iloc[0]
    assert out.status == "ok", out.status_detail
    assert (out.geometry.x, out.geometry.y) == pytest.approx((105.78, 10.03))


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("10.03", "invalid_coordinate"),
        ("10,03", "invalid_coordinate"),  # one decimal-comma number, not the pair (10, 3)
        ("10,105", "invalid_coordinate"),
        ("10.03, abc", "invalid_coordinate"),
        ("10.03, ", "invalid_coordinate"),
        ("", "missing_coordinate"),
        (None, "missing_coordinate"),
        ("null", "missing_coordinate"),
        (10.03, "invalid_coordinate"),
        ("105.78, 10.03", "suspect_swapped"),
    ],
)
def test_combined_column_problems(value, status):
    out = read_points(pd.DataFrame({"toa_do": pd.Series([value], dtype=object)})).iloc[0]
    assert out.status == status
    assert out.status_detail.startswith("toa_do=") or status == "missing_coordinate"


def test_names_win_over_xy_unless_the_crs_is_projected():
    east, north = utm48_vn2000(*CAN_THO)
    df = pd.DataFrame({"lat": [CAN_THO[0]], "lon": [CAN_THO[1]], "x": [east], "y": [north]})
    assert read_points(df).status.iloc[0] == "ok"
    out = read_points(df, crs=3405).iloc[0]
    assert out.status == "ok"
    assert (out.geometry.y, out.geometry.x) == pytest.approx(CAN_THO)


def test_business_column_is_not_a_longitude():
    # "kinh doanh" (business) must not be read as "kinh độ".
    df = pd.DataFrame({"Ngành kinh doanh": ["x"], "vi_do": ["10.03"], "kinh_do": ["105.78"]})
    assert read_points(df).status.iloc[0] == "ok"
    with pytest.raises(InputError, match="only part of a coordinate pair"):
        read_points(pd.DataFrame({"Ngành kinh doanh": ["x"], "vi_do": ["10.03"]}))


def test_ambiguous_columns_raise_naming_them():
    df = pd.DataFrame({"lat": [1], "Latitude": [1], "lon": [1]})
    with pytest.raises(InputError, match=r"several latitude columns.*'lat'.*'Latitude'.*lat="):
        read_points(df)
    with pytest.raises(InputError, match="several combined"):
        read_points(pd.DataFrame({"toa_do": ["1, 2"], "coordinates": ["1, 2"]}))


def test_missing_columns_raise_listing_the_columns():
    with pytest.raises(InputError, match=r"no coordinate columns.*'ten'.*'dia_chi'"):
        read_points(pd.DataFrame({"ten": ["a"], "dia_chi": ["b"]}))


def test_unit_of_measure_is_not_a_latitude():
    df = pd.DataFrame({"Đơn vị đo": ["m"], "toa_do": ["10.03, 105.78"]})
    assert read_points(df).status.iloc[0] == "ok"


def test_explicit_columns():
    df = pd.DataFrame({"A": ["10.03"], "B": ["105.78"], "lat": ["x"], "lon": ["y"]})
    assert read_points(df, lat="A", lon="B").status.iloc[0] == "ok"
    assert read_points(df, lat="a", lon="b").status.iloc[0] == "ok"  # case-insensitive
    assert read_points(df, y="A", x="B").status.iloc[0] == "ok"
    combined = pd.DataFrame({"vi tri": ["10.03 105.78"]})
    assert read_points(combined, lat="vi tri", lon="vi tri").status.iloc[0] == "ok"
    with pytest.raises(InputError, match=r"lat='C' is not a column.*'A'"):
        read_points(df, lat="C", lon="B")
    with pytest.raises(InputError, match="both lat= and lon="):
        read_points(df, lat="A")
    with pytest.raises(InputError, match="both x= and y="):
        read_points(df, x="A")
    with pytest.raises(InputError, match="either lat=/lon= or x=/y="):
        read_points(df, lat="A", lon="B", x="A", y="B")
    with pytest.raises(InputError, match="id_column='nope'"):
        read_points(df, lat="A", lon="B", id_column="nope")


def test_bad_crs_raises_input_error():
    with pytest.raises(InputError):
        read_points(pd.DataFrame({"lat": [10.0], "lon": [105.0]}), crs="not a crs")


# ------------------------------------------------------------------------------------------
# Losing nothing
# ------------------------------------------------------------------------------------------


def test_input_is_not_modified_and_columns_index_are_kept():
    df = pd.DataFrame(
        {"lat": ["10,03", "x", None], "lon": [105.78, 1.0, 2.0], "n": [1, 2, 3]},
        index=["a", "b", "c"],
    )
    before = df.copy()
    out = read_points(df)
    pd.testing.assert_frame_equal(df, before)
    assert list(out.index) == ["a", "b", "c"]
    assert list(out.columns) == ["lat", "lon", "n", "row", "status", "status_detail", "geometry"]
    pd.testing.assert_frame_equal(pd.DataFrame(out[["lat", "lon", "n"]]), before)
    assert out.crs.to_epsg() == 4326
    assert out.row.tolist() == [1, 2, 3]


def test_reserved_column_names_are_renamed_not_lost():
    df = pd.DataFrame(
        {"status": ["đã xử lý"], "row": [7], "lat": [10.03], "lon": [105.78], "status_input": [0]}
    )
    with pytest.warns(GeozoneWarning, match="'status' -> 'status_input_'"):
        out = read_points(df)
    assert out.status_input_.iloc[0] == "đã xử lý"
    assert out.row_input.iloc[0] == 7
    assert out.status_input.iloc[0] == 0
    assert out.status.iloc[0] == "ok"
    assert out.row.iloc[0] == 1


def test_duplicate_column_labels_are_refused():
    df = pd.DataFrame([[10.0, 105.0, 1]], columns=["lat", "lon", "lat"])
    with pytest.raises(InputError, match="duplicate column labels"):
        read_points(df)


def test_mixed_types_in_one_column():
    df = pd.DataFrame(
        {
            "lat": pd.Series(
                [10.03, "10,5", "10°30'N", None, True, float("inf"), 11, "x"], dtype=object
            ),
            "lon": [105.78] * 8,
        }
    )
    out = read_points(df)
    assert out.status.tolist() == [
        "ok",
        "ok",
        "ok",
        "missing_coordinate",
        "invalid_coordinate",
        "invalid_coordinate",
        "ok",
        "invalid_coordinate",
    ]
    assert out.geometry.iloc[2].y == 10.5
    assert out.lat.iloc[4] is True  # kept as it was


def test_empty_inputs_give_empty_frames_with_the_columns():
    out = read_points(pd.DataFrame({"lat": [], "lon": []}))
    assert len(out) == 0
    assert list(out.columns) == ["lat", "lon", "row", "status", "status_detail", "geometry"]


# ------------------------------------------------------------------------------------------
# GeoDataFrames and geometry files
# ------------------------------------------------------------------------------------------


def test_geodataframe_is_reprojected_and_checked():
    east, north = utm48_vn2000(*CAN_THO)
    gdf = gpd.GeoDataFrame(
        {"ma": ["a", "b", "c", "d"]},
        geometry=[
            Point(east, north),
            None,
            Polygon([(0, 0), (1, 0), (1, 1)]),
            Point(0, 0),
        ],
        crs=3405,
    )
    out = read_points(gdf)
    assert out.crs.to_epsg() == 4326
    assert out.status.tolist() == [
        "ok",
        "missing_coordinate",
        "invalid_coordinate",
        "invalid_coordinate",
    ]
    assert (out.geometry.iloc[0].y, out.geometry.iloc[0].x) == pytest.approx(CAN_THO)
    assert "is a Polygon, not a point" in out.status_detail.iloc[2]
    assert list(out.columns) == ["ma", "row", "status", "status_detail", "geometry"]


def test_geodataframe_without_crs_warns_and_crs_override_warns():
    gdf = gpd.GeoDataFrame(geometry=[Point(105.78, 10.03)])
    with pytest.warns(GeozoneWarning, match="no CRS; assuming EPSG:4326"):
        assert read_points(gdf).status.iloc[0] == "ok"
    east, north = utm48_vn2000(*CAN_THO)
    mislabelled = gpd.GeoDataFrame(geometry=[Point(east, north)], crs=4326)
    assert read_points(mislabelled).status.iloc[0] == "suspect_projected"
    with pytest.warns(GeozoneWarning, match="declares WGS 84 but crs=3405"):
        assert read_points(mislabelled, crs=3405).status.iloc[0] == "ok"


def test_geodataframe_with_columns():
    # Every geometry missing but coordinate columns present: the columns are used.
    gdf = gpd.GeoDataFrame({"lat": [10.03], "lon": [105.78]}, geometry=[None], crs=4326)
    with pytest.warns(GeozoneWarning, match="'geometry' -> 'geometry_input'"):
        out = read_points(gdf)
    assert out.status.iloc[0] == "ok"
    assert "geometry_input" in out.columns
    # Explicit columns win over a real geometry, which is kept.
    gdf = gpd.GeoDataFrame({"a": [10.5], "b": [106.0]}, geometry=[Point(105.78, 10.03)], crs=4326)
    with pytest.warns(GeozoneWarning, match="'geometry' -> 'geometry_input'"):
        out = read_points(gdf, lat="a", lon="b")
    assert out.geometry.iloc[0] == Point(106.0, 10.5)
    assert out.geometry_input.iloc[0] == Point(105.78, 10.03)


def test_multipoint_of_one_point_is_a_point():
    from shapely.geometry import MultiPoint

    gdf = gpd.GeoDataFrame(
        geometry=[MultiPoint([(105.78, 10.03)]), MultiPoint([(105.7, 10), (105.8, 10)])], crs=4326
    )
    assert read_points(gdf).status.tolist() == ["ok", "invalid_coordinate"]


def test_geojson_fixture():
    out = read_points(FIXTURES / "points_features.geojson", id_column="ma_vu")
    assert out.ma_vu.tolist() == ["G1", "G2", "G3", "G4", "G5"]
    assert out.status.tolist() == [
        "ok",
        "missing_coordinate",
        "invalid_coordinate",
        "outside_vietnam",
        "suspect_swapped",
    ]
    assert out.geometry.iloc[0] == Point(105.78, 10.03)


@pytest.mark.parametrize("suffix", [".gpkg", ".shp", ".parquet"])
def test_geometry_formats(tmp_path, suffix):
    east, north = utm48_vn2000(*CAN_THO)
    gdf = gpd.GeoDataFrame(
        {"ma_vu": ["a", "b"], "ghi_chu": ["Cần Thơ", "trống"]},
        geometry=[Point(east, north), None],
        crs=3405,
    )
    path = tmp_path / f"pts{suffix}"
    if suffix == ".parquet":
        gdf.to_parquet(path)
    elif suffix == ".gpkg":
        gdf.to_file(path, layer="vu_viec")
    else:
        gdf.to_file(path)
    out = read_points(path, sheet="vu_viec" if suffix == ".gpkg" else None)
    assert out.status.tolist() == ["ok", "missing_coordinate"]
    assert out.ghi_chu.tolist() == ["Cần Thơ", "trống"]
    assert (out.geometry.iloc[0].y, out.geometry.iloc[0].x) == pytest.approx(CAN_THO)


def test_plain_parquet_with_coordinate_columns(tmp_path):
    path = tmp_path / "plain.parquet"
    pd.DataFrame({"vi_do": [10.03, None], "kinh_do": [105.78, 106.0]}).to_parquet(path)
    assert read_points(path).status.tolist() == ["ok", "missing_coordinate"]


def test_gpkg_missing_layer_is_input_error(tmp_path):
    path = tmp_path / "a.gpkg"
    gpd.GeoDataFrame(geometry=[Point(105.78, 10.03)], crs=4326).to_file(path, layer="x")
    with pytest.raises(InputError, match="cannot read"):
        read_points(path, sheet="nope")


# ------------------------------------------------------------------------------------------
# Text files and encodings
# ------------------------------------------------------------------------------------------


def test_utf8_bom_fixture():
    assert (FIXTURES / "points_utf8_bom.csv").read_bytes().startswith(codecs.BOM_UTF8)
    out = read_points(FIXTURES / "points_utf8_bom.csv", id_column="Mã vụ")
    assert list(out.columns)[:4] == ["Mã vụ", "Vĩ độ", "Kinh độ", "Ghi chú"]
    assert out.status.tolist() == ["ok", "ok", "ok", "duplicate_id", "missing_coordinate"]
    assert out["Vĩ độ"].tolist() == ["10.0452", "10,0452", "N10°02.508'", "10.05", "null"]
    assert out.geometry.iloc[1] == Point(105.78, 10.0452)
    assert out.geometry.iloc[2].x == pytest.approx(105 + 46.8 / 60)


def test_cp1258_fixture_is_decoded_and_composed():
    raw = (FIXTURES / "points_cp1258.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    # Windows-1258 writes tone marks as combining characters (0xDE = combining tilde).
    assert b"Vi\xde" in raw
    out = read_points(FIXTURES / "points_cp1258.csv")
    assert list(out.columns)[:4] == ["STT", "Vĩ độ", "Kinh độ", "Địa điểm"]
    assert all(unicodedata.is_normalized("NFC", c) for c in out.columns)
    assert out["Địa điểm"].iloc[0] == "Phường Ninh Kiều"
    assert unicodedata.is_normalized("NFC", out["Địa điểm"].iloc[2])
    assert out.status.tolist() == ["ok", "ok", "missing_coordinate", "suspect_swapped"]
    assert out.geometry.iloc[0] == Point(105.78, 10.0452)
    assert out.geometry.iloc[1].y == pytest.approx(DMS_10_02_30_5)


def test_utf16_fixture_tab_separated():
    raw = (FIXTURES / "points_utf16.txt").read_bytes()
    assert raw.startswith(codecs.BOM_UTF16_LE)
    out = read_points(FIXTURES / "points_utf16.txt")
    assert out.note.tolist() == ["Hoàn Kiếm", "khoảng trắng DMS", "rác"]
    assert out.status.tolist() == ["ok", "ok", "invalid_coordinate"]
    assert out.geometry.iloc[1].y == pytest.approx(DMS_10_02_30_5)


def test_bomless_utf16_and_explicit_encoding(tmp_path):
    text = "vi_do;kinh_do\n10,03;105,78\n"
    path = tmp_path / "le.csv"
    path.write_bytes(text.encode("utf-16-le"))
    assert read_points(path).status.tolist() == ["ok"]
    path = tmp_path / "bom.csv"
    path.write_bytes(codecs.BOM_UTF8 + "lat,lon,chú\n10.03,105.78,ệ\n".encode())
    out = read_points(path, encoding="utf-8")
    assert list(out.columns)[:3] == ["lat", "lon", "chú"]  # no BOM stuck to "lat"
    assert out["chú"].iloc[0] == "ệ"


def test_undecodable_file_is_input_error_naming_the_file(tmp_path):
    path = tmp_path / "broken.csv"
    # 0xC3 0x28 is bad UTF-8, 0x81 does not exist in Windows-1258.
    path.write_bytes(b"lat,lon\n10.03,105.78\n\xc3\x28\x81,1\n")
    with pytest.raises(InputError, match=r"broken\.csv.*encoding="):
        read_points(path)
    good = tmp_path / "cp.csv"
    good.write_bytes("lat,lon,ghi_chu\n10.03,105.78,Cần Thơ\n".encode("cp1258", "replace"))
    with pytest.raises(InputError, match=r"cp\.csv is not valid utf-8"):
        read_points(good, encoding="utf-8")
    with pytest.raises(InputError, match="not an encoding"):
        read_points(good, encoding="klingon")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lat;lon;note\n10,03;105,78;a, b\n", 10.03),
        ("lat\tlon\n10.03\t105.78\n", 10.03),
        ("lat|lon\n10.03|105.78\n", 10.03),
        ("sep=;\nlat;lon\n10,5;105,5\n", 10.5),
        ('"lat","lon"\n"10,03","105,78"\n', 10.03),
    ],
)
def test_delimiter_sniffing(tmp_path, text, expected):
    path = tmp_path / "p.csv"
    path.write_text(text, encoding="utf-8")
    out = read_points(path)
    assert out.status.tolist() == ["ok"]
    assert out.geometry.iloc[0].y == pytest.approx(expected)


def test_text_values_stay_strings(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("id,lat,lon\n007,10.030,105.78\n008,,\n", encoding="utf-8")
    out = read_points(path)
    assert out.id.tolist() == ["007", "008"]
    assert out.lat.tolist() == ["10.030", ""]


def test_file_problems_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_points(tmp_path / "nope.csv")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="is empty"):
        read_points(empty)
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("lat,lon\n10,105\n10,105,7,8\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"ragged\.csv.*line 3"):
        read_points(ragged)
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(InputError, match=r"save it as \.xlsx"):
        read_points(old)
    with pytest.raises(InputError, match="cannot read points from a list"):
        read_points([1, 2])
    with pytest.raises(InputError, match="is a directory"):
        read_points(tmp_path)


def test_header_only_csv(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("lat,lon\n", encoding="utf-8")
    out = read_points(path)
    assert len(out) == 0
    assert list(out.columns) == ["lat", "lon", "row", "status", "status_detail", "geometry"]


# ------------------------------------------------------------------------------------------
# Excel
# ------------------------------------------------------------------------------------------


def build_merged_header_xlsx(path: Path) -> None:
    """A police report sheet: merged title row, then a two-row header with merged cells."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Vụ việc"
    ws["A1"] = "BÁO CÁO VỤ VIỆC THÁNG 7/2025"
    ws.merge_cells("A1:E1")
    ws["A2"] = "STT"
    ws.merge_cells("A2:A3")
    ws["B2"] = "Thời gian"
    ws.merge_cells("B2:B3")
    ws["C2"] = "Tọa độ"
    ws.merge_cells("C2:D2")
    ws["C3"] = "Vĩ độ"
    ws["D3"] = "Kinh độ"
    ws["E2"] = "Ghi chú"
    ws.merge_cells("E2:E3")
    for row in [
        (1, datetime.datetime(2025, 7, 1, 8, 30), 10.03, 105.78, "số"),
        (2, datetime.datetime(2025, 7, 2), "10,0452", "105,78", "dấu phẩy"),
        (3, None, "10°02'30.5\"N", "105°46'E", "DMS"),
        (4, None, None, None, "trống"),
        (5, None, 105.78, 10.03, "đảo cột"),
    ]:
        ws.append(row)
    ws.append([None] * 5)  # formatted but empty trailing row, as Excel leaves them
    other = wb.create_sheet("Tuần tra")
    other.append(["lat", "lon"])
    other.append([21.03, 105.85])
    wb.save(path)


def test_xlsx_with_merged_title_and_two_row_header(tmp_path):
    path = tmp_path / "points_merged_header.xlsx"
    build_merged_header_xlsx(path)
    out = read_points(path)
    assert list(out.columns) == [
        "STT",
        "Thời gian",
        "Tọa độ / Vĩ độ",
        "Tọa độ / Kinh độ",
        "Ghi chú",
        "row",
        "status",
        "status_detail",
        "geometry",
    ]
    assert out.status.tolist() == ["ok", "ok", "ok", "missing_coordinate", "suspect_swapped"]
    assert out["STT"].tolist() == [1, 2, 3, 4, 5]
    assert out["Thời gian"].iloc[0] == datetime.datetime(2025, 7, 1, 8, 30)
    assert out["Tọa độ / Vĩ độ"].iloc[1] == "10,0452"
    assert out.geometry.iloc[2].y == pytest.approx(DMS_10_02_30_5)
    assert "Tọa độ / Vĩ độ" in out.status_detail.iloc[3]


def test_xlsx_sheet_choice(tmp_path):
    path = tmp_path / "p.xlsx"
    build_merged_header_xlsx(path)
    assert read_points(path, sheet="Tuần tra").geometry.iloc[0] == Point(105.85, 21.03)
    assert read_points(path, sheet=1).geometry.iloc[0] == Point(105.85, 21.03)
    with pytest.raises(InputError, match=r"no sheet 'x'.*'Vụ việc', 'Tuần tra'"):
        read_points(path, sheet="x")
    with pytest.raises(InputError, match="no sheet number 5"):
        read_points(path, sheet=5)


def test_xlsx_unmerged_two_row_header_and_plain_title(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Danh sách điểm tuần tra"])  # a title that is not merged
    ws.append(["Mã", "Vị trí", None])
    ws.append([None, "Vĩ độ", "Kinh độ"])
    ws.append(["T1", 21.03, "105,85"])
    ws.append(["T2", "21°01'48\"N", "105°51'E"])
    path = tmp_path / "p.xlsx"
    wb.save(path)
    out = read_points(path)
    assert list(out.columns)[:3] == ["Mã", "Vị trí / Vĩ độ", "Kinh độ"]
    assert out.status.tolist() == ["ok", "ok"]
    assert out["Mã"].tolist() == ["T1", "T2"]


def test_xlsx_single_header_row_with_text_first_row(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["lat", "lon", "note"])
    ws.append(["10,03", "105,78", "text only"])  # numbers as text: data, not a header row
    path = tmp_path / "p.xlsx"
    wb.save(path)
    out = read_points(path)
    assert list(out.columns)[:3] == ["lat", "lon", "note"]
    assert out.status.tolist() == ["ok"]


def test_xlsx_group_header_merged_across_only(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Mã", "Tọa độ", None, "Ghi chú"])
    ws.merge_cells("B1:C1")
    ws.append([None, "Vĩ độ", "Kinh độ", None])
    ws.append(["T1", "21,03", "105,85", "x"])
    path = tmp_path / "p.xlsx"
    wb.save(path)
    out = read_points(path)
    assert list(out.columns)[:4] == ["Mã", "Tọa độ / Vĩ độ", "Tọa độ / Kinh độ", "Ghi chú"]
    assert out.status.tolist() == ["ok"]


def test_xlsx_data_rows_are_never_taken_for_a_second_header(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["ma", "lat", "lon", "Ghi chú", None])
    ws.merge_cells("D1:E1")  # a wide header cell, merged for looks, with no sub-headers
    ws.append(["A", None, None, "chưa có tọa độ", None])  # text only, fills the gap in E
    ws.append(["B", 10.03, 105.78, None, None])
    path = tmp_path / "p.xlsx"
    wb.save(path)
    out = read_points(path)
    assert out.ma.tolist() == ["A", "B"]
    assert out.status.tolist() == ["missing_coordinate", "ok"]

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["ma", "lat", "lon", None])
    ws.append(["A", "", "", "ghi chú"])  # no merges: one header row names the coordinates
    ws.append(["B", 10.03, 105.78, None])
    wb.save(path)
    assert read_points(path).ma.tolist() == ["A", "B"]


# ------------------------------------------------------------------------------------------
# Chunks
# ------------------------------------------------------------------------------------------


def test_iter_point_chunks_csv_matches_read_points(tmp_path):
    path = tmp_path / "p.csv"
    lines = ["ma;vi_do;kinh_do"]
    for i in range(11):
        lines.append(f"{i % 4};{10 + i / 10:.2f}".replace(".", ",") + ";105,5")
    lines.append("x;abc;105")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    chunks = list(iter_point_chunks(path, chunksize=5, id_column="ma"))
    assert [len(c) for c in chunks] == [5, 5, 2]
    assert all(isinstance(c, gpd.GeoDataFrame) and c.crs.to_epsg() == 4326 for c in chunks)
    whole = read_points(path, id_column="ma")
    joined = pd.concat(chunks)
    pd.testing.assert_frame_equal(pd.DataFrame(joined), pd.DataFrame(whole))
    assert joined.row.tolist() == list(range(1, 13))
    assert joined.status.tolist()[4:6] == ["duplicate_id", "duplicate_id"]


def test_iter_point_chunks_fails_early_and_checks_chunksize(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="no coordinate columns"):
        iter_point_chunks(path)  # raised by the call, before any iteration
    for bad in (0, -1, 2.5, True):
        with pytest.raises(InputError, match="chunksize"):
            iter_point_chunks(pd.DataFrame({"lat": [1], "lon": [2]}), chunksize=bad)


def test_iter_point_chunks_single_chunk_for_other_formats(tmp_path):
    path = tmp_path / "p.xlsx"
    build_merged_header_xlsx(path)
    chunks = list(iter_point_chunks(path, chunksize=2))
    assert [c.row.tolist() for c in chunks] == [[1, 2], [3, 4], [5]]


# ------------------------------------------------------------------------------------------
# Property tests: whatever comes in, every row comes out
# ------------------------------------------------------------------------------------------

_SAMPLES = [
    "10°02'30.5\"N",
    "105°46'E",
    "10,0452",
    "105,78",
    "1.234.567,8",
    "1,234,567.8",
    "null",
    "-",
    "",
    "N/A",
    "10 02 30.5",
    "10d2m30s",
    "N10°02.508'",
    "0",
    "1e400",
    "-inf",
    "10.5S",
    "105°46'W",
]
messy_cell = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**25), max_value=10**25),
    st.booleans(),
    st.sampled_from(_SAMPLES),
    st.text(alphabet="0123456789.,-+ °'\"NSEWdmsĐBT:;abc/()", max_size=14),
    st.floats(min_value=6, max_value=24).map(lambda v: f"{v:.5f}".replace(".", ",")),
)
vn_pair = st.tuples(
    st.floats(min_value=6.5, max_value=23.0), st.floats(min_value=102.0, max_value=109.0)
)
messy_pair = st.one_of(
    st.tuples(messy_cell, messy_cell),
    vn_pair,
    vn_pair.map(lambda p: (p[1], p[0])),  # swapped
    vn_pair.map(lambda p: (f"{p[0]:.4f}".replace(".", ","), f"{p[1]:.4f}")),
)


def check_invariants(out: gpd.GeoDataFrame, df: pd.DataFrame) -> None:
    assert isinstance(out, gpd.GeoDataFrame)
    assert len(out) == len(df)
    assert out.row.tolist() == list(range(1, len(df) + 1))
    assert list(out.index) == list(df.index)
    assert list(out.columns) == [*df.columns, "row", "status", "status_detail", "geometry"]
    for column in df.columns:
        pd.testing.assert_series_equal(
            pd.Series(out[column]), df[column], check_exact=True, obj=column
        )
    assert set(out.status) <= set(POINT_STATUSES)
    has_point = out.status.isin(list(WITH_POINT))
    assert out.geometry[~has_point].isna().all()
    assert out.geometry[has_point].notna().all()
    assert (out.status_detail[out.status != "ok"] != "").all()
    inside = out.geometry[has_point]
    if len(inside):
        assert inside.x.between(101.5, 118.5).all() and inside.y.between(6, 24).all()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pairs=st.lists(messy_pair, max_size=25),
    ids=st.lists(st.sampled_from(["A", "B", " A", None, ""]), min_size=25, max_size=25),
    fix_swapped=st.booleans(),
)
def test_property_messy_rows_all_come_back(pairs, ids, fix_swapped):
    df = pd.DataFrame(
        {
            "lat": pd.Series([p[0] for p in pairs], dtype=object),
            "lon": pd.Series([p[1] for p in pairs], dtype=object),
            "id": pd.Series(ids[: len(pairs)], dtype=object),
        }
    )
    before = df.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a messy row must never cause a warning or exception
        out = read_points(df, id_column="id", fix_swapped=fix_swapped)
    pd.testing.assert_frame_equal(df, before)
    check_invariants(out, df)
    if not fix_swapped:
        assert "swapped_fixed" not in set(out.status)
    # A plain swapped Vietnamese pair is always recognised.
    for i, (a, b) in enumerate(pairs):
        if isinstance(a, float) and isinstance(b, float) and 102 <= a <= 109 and 6.5 <= b <= 23:
            expected = "swapped_fixed" if fix_swapped else "suspect_swapped"
            assert out.status.iloc[i] in (expected, "duplicate_id")


text_cell = st.one_of(
    st.sampled_from(_SAMPLES),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028"),
        max_size=10,
    ),
    st.floats(min_value=6, max_value=110).map(lambda v: f"{v:.4f}".replace(".", ",")),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.tuples(text_cell, text_cell, text_cell), max_size=12),
    chunksize=st.integers(min_value=1, max_value=5),
)
def test_property_csv_round_trip_in_chunks(tmp_path, rows, chunksize):
    df = pd.DataFrame(rows, columns=["lat", "lon", "ghi chú"], dtype=str)
    path = tmp_path / "messy.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_ALL)
        writer.writerow(df.columns)
        writer.writerows(rows)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", GeozoneWarning)
        whole = read_points(path)
    # Text columns change only with a note saying so (legacy TCVN3/VNI text converted).
    noted = " ".join(str(w.message) for w in caught)
    expected = df.set_axis(whole.index)
    for column in expected.columns:
        if f"column {column!r}: converted" in noted:
            expected[column] = whole[column]
    check_invariants(whole, expected)
    with warnings.catch_warnings():
        # the chunks repeat the whole read's encoding notes, checked above; keep the log quiet
        warnings.simplefilter("ignore", GeozoneWarning)
        chunks = list(iter_point_chunks(path, chunksize=chunksize))
    assert sum(len(c) for c in chunks) == len(rows)
    if rows:
        joined = pd.concat(chunks)
        pd.testing.assert_frame_equal(pd.DataFrame(joined), pd.DataFrame(whole))


def test_huge_values_give_finite_texts():
    # Guard against NaN or inf leaking into texts such as "point (nan, nan)".
    out = read_points(pd.DataFrame({"lat": [1e308, -1e308], "lon": [1e308, 5.0]}))
    assert out.status.tolist() == ["invalid_coordinate", "invalid_coordinate"]
    assert "too large for a coordinate" in out.status_detail.iloc[0]  # not "like metres"
    assert not out.status_detail.str.contains("nan|inf").any()


def test_tcvn3_register_headers_and_text_are_converted(tmp_path):
    from geozone.vnencoding import _encode_tcvn3

    lines = [
        ",".join(_encode_tcvn3(h) for h in ("Vĩ độ", "Kinh độ", "Mô tả")),
        "10.0340,105.7876," + _encode_tcvn3("Trộm cắp tài sản"),
        "10.2000,105.6000," + _encode_tcvn3("Cướp giật"),
        "10.3000,105.5000," + _encode_tcvn3("Đánh nhau"),
    ]
    path = tmp_path / "so_vu_viec.csv"
    path.write_bytes("\n".join(lines).encode("latin-1"))
    with pytest.warns(GeozoneWarning, match="TCVN3"):
        points = read_points(path)
    assert list(points.columns[:3]) == ["Vĩ độ", "Kinh độ", "Mô tả"]
    assert points["Mô tả"].tolist() == ["Trộm cắp tài sản", "Cướp giật", "Đánh nhau"]
    assert (points.status == "ok").all()
