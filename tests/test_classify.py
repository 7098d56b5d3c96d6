"""Tests of geozone.classify: statuses, tie-breaks, exact distances, fast path = exact path.

The fixture is four 10 km squares in UTM 48N near Cần Thơ (so read_points accepts their
longitude/latitude): 01 | 02 side by side, 03 above both, 04 east of them (not a member).
Members 01, 02, 03 share three boundaries meeting at one junction point J = (X0+K, Y0+K).

    Y0+2K +-------------------+---------+
          |        03         |         |
    Y0+K  +---------J---------+   04    |
          |   01    |   02    |         |
    Y0    +---------+---------+---------+
          X0      X0+K     X0+2K     X0+3K
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from geozone import classify as clf
from geozone.agreements import Agreement
from geozone.classify import classify_file, classify_points, patrol_coverage, zone_summary
from geozone.errors import GeozoneWarning, InputError

FIXTURES = Path(__file__).parent / "fixtures"
X0, Y0, K = 580_000.0, 1_100_000.0, 10_000.0
WIDTH = 1000.0
TO_LONLAT = pyproj.Transformer.from_crs(32648, 4326, always_xy=True)


@pytest.fixture(scope="module")
def squares() -> gpd.GeoDataFrame:
    return gpd.read_file(FIXTURES / "classify_squares.geojson")


@pytest.fixture(scope="module")
def agreement(squares) -> Agreement:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GeozoneWarning)
        return Agreement.from_units(
            squares, members=["01", "02", "03"], id="squares", width_m=WIDTH
        )


def _run(points, agreement, squares, **kw):
    return classify_points(points, agreement, all_units=squares, **kw)


def _pts(*xy, crs=32648) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": range(len(xy))}, geometry=[None if p is None else Point(p) for p in xy], crs=crs
    )


def _lines() -> shapely.Geometry:
    return shapely.MultiLineString(
        [
            [(X0 + K, Y0), (X0 + K, Y0 + K)],  # 01-02
            [(X0, Y0 + K), (X0 + 2 * K, Y0 + K)],  # 01-03 and 02-03
        ]
    )


# -- statuses -------------------------------------------------------------------------------


def test_each_status(agreement, squares):
    pts = gpd.GeoDataFrame(
        {"id": list("abcdef")},
        geometry=[
            Point(X0 + 5000, Y0 + 5000),
            Point(X0 + 25000, Y0 + 5000),
            Point(X0 + 50000, Y0 + 5000),
            None,
            box(0, 0, 1, 1),
            Point(X0 + 15000, Y0 + 19000),
        ],
        crs=32648,
    )
    out = _run(pts, agreement, squares)
    assert out["status"].tolist() == [
        "ok",
        "outside_members",
        "outside_all_units",
        "missing_coordinate",
        "invalid_coordinate",
        "ok",
    ]
    assert out["unit_code"].astype(object).tolist()[:3] == ["01", "04", np.nan]
    assert out["unit_name"].iloc[1] == "Ngoài"
    assert "04" in out["status_detail"].iloc[1]
    assert "sea or abroad" in out["status_detail"].iloc[2]
    assert out["dist_to_border_m"].isna().tolist() == [False, False, False, True, True, False]
    assert not out["in_zone"].iloc[3:5].any()
    # The point far from every boundary of a member is in no zone.
    assert out["zone"].isna().iloc[[0, 1, 2, 5]].all()


def test_read_points_statuses_are_kept(agreement, squares):
    lon, lat = TO_LONLAT.transform(X0 + 9500, Y0 + 5000)
    df = pd.DataFrame(
        {"lat": [str(lat), "abc", "", str(lon)], "lon": [str(lon), "105.7", "105.7", str(lat)]}
    )
    out = _run(df, agreement, squares)
    assert out["status"].tolist() == [
        "ok",
        "invalid_coordinate",
        "missing_coordinate",
        "suspect_swapped",
    ]
    assert out["zone"].astype(object).tolist()[0] == "01-02"
    assert out["row"].tolist() == [1, 2, 3, 4]
    fixed = _run(df, agreement, squares, fix_swapped=True)
    assert fixed["status"].iloc[3] == "swapped_fixed"
    assert fixed["unit_code"].iloc[3] == "01"  # a warned point is still classified


def test_without_full_layer_outside_points_are_outside_members(agreement):
    out = classify_points(_pts((X0 + 25000, Y0 + 5000)), agreement)
    assert out["status"].iloc[0] == "outside_members"
    assert pd.isna(out["unit_code"].iloc[0])
    assert "all_units=" in out["status_detail"].iloc[0]


# -- tie-breaks -----------------------------------------------------------------------------


def test_point_on_shared_edge_gets_the_smaller_code_once(agreement, squares):
    out = _run(
        _pts((X0 + K, Y0 + 5000), (X0 + K + 0.005, Y0 + 5000), (X0 + K - 0.02, Y0 + 5000)),
        agreement,
        squares,
    )
    assert len(out) == 3
    assert out["unit_code"].tolist() == ["01", "02", "01"]
    assert out["on_boundary"].tolist() == [True, True, False]
    assert out["zone"].tolist() == ["01-02"] * 3
    # One side only, and the home unit's: the line between the two sides is not counted twice.
    assert out["side"].tolist() == ["01", "02", "01"]
    assert out["dist_to_border_m"].iloc[0] == 0.0


def test_junction_point_and_corner(agreement, squares):
    out = _run(_pts((X0 + K, Y0 + K), (X0 + K + 300, Y0 + K - 200)), agreement, squares)
    assert out["unit_code"].tolist() == ["01", "02"]
    assert out["junction"].notna().all()
    # (K+300, K-200) is in 02, 200 m from 02-03 and 300 m from 01-02: the nearer pair wins.
    assert out["zone"].iloc[1] == "02-03"
    assert out["side"].iloc[1] == "02"


def test_overlapping_units_get_the_smaller_code(squares):
    # 02 claims a 10 m strip of 01 (as real layers do): points there belong to 01.
    grown = squares.copy()
    grown.loc[1, "geometry"] = shapely.union(
        grown.geometry[1], box(X0 + K - 10, Y0, X0 + K, Y0 + K)
    )
    a = Agreement.from_units(grown, members=["01", "02", "03"], width_m=WIDTH)
    out = classify_points(
        _pts((X0 + K - 5, Y0 + 5000), (X0 + K - 5, Y0 + 9999)), a, all_units=grown
    )
    assert out["unit_code"].tolist() == ["01", "01"]
    assert out["side"].tolist() == ["01", "01"]


# -- order, distances -----------------------------------------------------------------------


def test_order_index_and_columns_preserved(agreement, squares):
    rng = np.random.default_rng(3)
    xy = np.column_stack(
        [rng.uniform(X0 - 5000, X0 + 35000, 500), rng.uniform(Y0 - 5000, Y0 + 25000, 500)]
    )
    pts = _pts(*map(tuple, xy))
    pts.index = rng.permutation(np.arange(1000, 1500))
    pts["note"] = [f"n{i}" for i in range(len(pts))]
    out = _run(pts, agreement, squares)
    assert out.index.tolist() == pts.index.tolist()
    assert out["note"].tolist() == pts["note"].tolist()
    assert out.geometry.equals(pts.geometry)
    assert out.crs == pts.crs
    assert set(clf.CLASSIFY_COLUMNS) <= set(out.columns)


def test_distances_are_exact(agreement, squares):
    rng = np.random.default_rng(5)
    xy = np.column_stack(
        [rng.uniform(X0 - 50000, X0 + 80000, 300), rng.uniform(Y0 - 50000, Y0 + 80000, 300)]
    )
    xy[:5] = [
        (X0 + K, Y0 + 3),
        (X0 + 3, Y0 + K),
        (X0 + K + 1e-7, Y0 + 7000),
        (X0 + 2 * K + 30, Y0 + K + 4),
        (X0 + K, Y0 + K),
    ]
    out = _run(_pts(*map(tuple, xy)), agreement, squares)
    expected = shapely.distance(shapely.points(xy), _lines())
    np.testing.assert_allclose(out["dist_to_border_m"], expected, rtol=1e-9, atol=1e-6)


def test_points_in_another_crs(agreement, squares):
    lon, lat = TO_LONLAT.transform([X0 + 9100, X0 + 15000], [Y0 + 5000, Y0 + 10400])
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=4326)
    out = _run(pts, agreement, squares)
    assert out["unit_code"].tolist() == ["01", "03"]
    assert out["zone"].tolist() == ["01-02", "02-03"]
    assert out["side"].tolist() == ["01", "03"]
    np.testing.assert_allclose(out["dist_to_border_m"], [900, 400], atol=1e-3)
    assert out.crs.to_epsg() == 4326


def test_fast_path_equals_exact_path(agreement, squares, monkeypatch):
    rng = np.random.default_rng(11)
    xy = np.column_stack(
        [rng.uniform(X0 - 2000, X0 + 32000, 3000), rng.uniform(Y0 - 2000, Y0 + 22000, 3000)]
    )
    # Points on grid-cell scale near every boundary, and on the boundaries themselves.
    xy[:200, 0] = X0 + K + rng.normal(0, 3, 200)
    xy[200:300, 1] = Y0 + K
    pts = _pts(*map(tuple, xy))
    fast = _run(pts, agreement, squares)
    grid = clf._index(agreement, WIDTH, WIDTH, squares).locator.grid
    assert grid is not None and grid.n_faces > 0
    monkeypatch.setattr(clf, "_scipy", lambda: None)
    slow_agreement = Agreement.from_units(
        squares, members=["01", "02", "03"], id="squares", width_m=WIDTH
    )
    slow = classify_points(pts, slow_agreement, all_units=squares)
    assert clf._index(slow_agreement, WIDTH, WIDTH, squares).locator.grid is None
    for col in clf.CLASSIFY_COLUMNS:
        if col == "dist_to_border_m":
            np.testing.assert_allclose(fast[col], slow[col], rtol=1e-9, atol=1e-6)
        else:
            assert (
                fast[col].astype(object).fillna("-").tolist()
                == slow[col].astype(object).fillna("-").tolist()
            ), col


# -- property test --------------------------------------------------------------------------

_coord = st.one_of(
    st.floats(X0 - 15000, X0 + 45000),
    st.just(X0 + K),
    st.just(Y0 + K),
    st.sampled_from([math.nan, math.inf, 0.0, -1e7, 1e9]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            _coord,
            st.floats(Y0 - 15000, Y0 + 35000)
            | st.just(Y0 + K)
            | st.sampled_from([math.nan, -5.0, 1e8]),
        ),
        max_size=40,
    ),
    st.booleans(),
)
def test_property_rows_order_and_zones(agreement, squares, coords, as_lonlat):
    if as_lonlat:
        # Through read_points, as degrees, some swapped: statuses come from there.
        lon, lat = TO_LONLAT.transform([c[0] for c in coords], [c[1] for c in coords])
        lat = [la if i % 5 else lo for i, (lo, la) in enumerate(zip(lon, lat, strict=True))]
        frame = pd.DataFrame({"lat": lat, "lon": lon, "k": range(len(coords))})
    else:
        frame = gpd.GeoDataFrame(
            {"k": range(len(coords))}, geometry=[Point(c) for c in coords], crs=32648
        )
    out = _run(frame, agreement, squares)
    assert len(out) == len(frame)
    assert out["k"].tolist() == list(range(len(coords)))
    inz = out["in_zone"].to_numpy()
    assert out["zone"].notna().to_numpy().tolist() == inz.tolist()
    assert out["side"].notna().to_numpy().tolist() == inz.tolist()
    for zone, side, dist in zip(
        out["zone"][inz], out["side"][inz], out["dist_to_border_m"][inz], strict=True
    ):
        assert side in zone.split("-")
        assert dist <= WIDTH + 1e-6
    located = out["status"].isin(["ok", "outside_members", "outside_all_units", "swapped_fixed"])
    assert out.loc[located, "dist_to_border_m"].notna().all()
    assert out.loc[~located, "dist_to_border_m"].isna().all()
    assert (out.loc[out["status"] == "ok", "unit_code"].isin(["01", "02", "03"])).all()


# -- patrol coverage ------------------------------------------------------------------------


def test_patrol_coverage_share(agreement, squares):
    patrols = _pts((X0 + K, Y0 + 2000), (X0 + K + 600, Y0 + 7000), (X0 + 50000, Y0))
    cov = patrol_coverage(patrols, agreement, 1000).set_index("pair_id")
    assert cov.index.tolist() == ["01-02", "01-03", "02-03"]
    row = cov.loc["01-02"]
    assert row.shared_length_m == pytest.approx(K)
    # 2 km around (K, 2000) and 2 * 800 m around the point 600 m off the line.
    assert row.covered_length_m == pytest.approx(2000 + 1600, abs=1e-6)
    assert row.covered_share == pytest.approx(0.36)
    assert cov.loc["01-03", "covered_length_m"] == 0
    uncovered = gpd.GeoSeries([row.geometry], crs=agreement.units.crs)
    assert uncovered.length.iloc[0] == pytest.approx(K - 3600, abs=1e-3)
    assert not shapely.intersects(row.geometry, Point(X0 + K, Y0 + 2000).buffer(999))


def test_patrol_coverage_full_and_bad_radius(agreement, squares):
    line = np.arange(0, K + 1, 500)
    patrols = _pts(*[(X0 + K, Y0 + v) for v in line])
    cov = patrol_coverage(patrols, agreement, 300).set_index("pair_id")
    assert cov.loc["01-02", "covered_share"] == pytest.approx(1.0)
    assert cov.loc["01-02"].geometry.is_empty
    with pytest.raises(InputError):
        patrol_coverage(patrols, agreement, 0)


# -- summaries ------------------------------------------------------------------------------


def test_zone_summary_totals(agreement, squares):
    pts = _pts(
        (X0 + 9500, Y0 + 5000),
        (X0 + 10500, Y0 + 5000),
        (X0 + 9900, Y0 + 5000),
        (X0 + 2000, Y0 + 2000),
        None,
        (X0 + 90000, Y0),
    )
    pts["ngày"] = ["07/08/2025", "15/08/2025", "02/09/2025", "2025-09-03", None, "bad"]
    out = _run(pts, agreement, squares)
    table = zone_summary(out)
    assert table["count"].sum() == len(pts)
    rows = {tuple(r[:-1]): r[-1] for r in table.itertuples(index=False)}
    assert rows[("01-02", "01", "2025-08")] == 1
    assert rows[("01-02", "02", "2025-08")] == 1
    assert rows[("01-02", "01", "2025-09")] == 1
    assert rows[(clf.OUTSIDE_ZONES, "-", "2025-09")] == 1
    assert rows[("(missing_coordinate)", "-", "no date")] == 1
    assert rows[(clf.OUTSIDE_ZONES, "-", "no date")] == 1
    assert zone_summary(out, by="unit_code", period=None)["count"].sum() == len(pts)
    with pytest.raises(InputError, match="date"):
        zone_summary(out.drop(columns="ngày"))


# -- files ----------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".gpkg", ".parquet", ".geojson", ".xlsx"])
def test_classify_file_roundtrip(agreement, squares, tmp_path, suffix):
    lon, lat = TO_LONLAT.transform(
        [X0 + 9500, X0 + 25000, X0 + 5000], [Y0 + 5000, Y0 + 5000, Y0 + 5000]
    )
    src = tmp_path / "in.csv"
    pd.DataFrame({"ma": ["a", "b", "c", "d"], "lat": [*lat, "?"], "lon": [*lon, "105"]}).to_csv(
        src, index=False
    )
    dst = tmp_path / f"out{suffix}"
    counts = classify_file(src, agreement, dst, chunksize=2, progress=False, all_units=squares)
    assert counts == {"ok": 2, "missing_coordinate": 1, "outside_members": 1}
    if suffix == ".csv":
        back = pd.read_csv(dst, dtype=str)
    elif suffix == ".xlsx":
        back = pd.read_excel(dst, dtype=str)
    else:
        back = gpd.read_parquet(dst) if suffix == ".parquet" else gpd.read_file(dst)
    assert back["ma"].tolist() == ["a", "b", "c", "d"]
    assert back["zone"].fillna("-").tolist() == ["01-02", "-", "-", "-"]
    assert back["unit_code"].fillna("-").astype(str).str.zfill(2).tolist()[:3] == ["01", "04", "01"]
    whole = _run(pd.read_csv(src, dtype=str), agreement, squares)
    assert back["status"].tolist() == whole["status"].astype(str).tolist()


def test_classify_file_rejects_unknown_format(agreement, tmp_path):
    with pytest.raises(InputError, match="format"):
        classify_file(FIXTURES / "classify_points.csv", agreement, tmp_path / "x.shp")


def test_fixture_points_file(agreement, squares, tmp_path):
    counts = classify_file(
        FIXTURES / "classify_points.csv",
        agreement,
        tmp_path / "o.csv",
        progress=False,
        all_units=squares,
    )
    out = pd.read_csv(tmp_path / "o.csv", dtype=str)
    assert sum(counts.values()) == len(out) == 6
    assert out["ngay"].tolist()[0] == "07/08/2025"
    assert out["status"].tolist() == [
        "ok",
        "ok",
        "outside_members",
        "outside_all_units",
        "invalid_coordinate",
        "ok",
    ]


# -- real data ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tay_nam():
    from geozone import agreement

    return agreement("csh-tay-nam-2025")


def _inside_an_giang_near_can_tho(a, offset_m: float) -> tuple[float, float]:
    """A point ``offset_m`` inside An Giang, across from the middle of the 91-92 line."""
    lines = a.shared_boundaries
    line = lines.loc[lines.pair_id == "91-92"].to_crs(32648).geometry.iloc[0]
    line = max(getattr(line, "geoms", [line]), key=lambda g: g.length)
    mid = line.interpolate(0.5, normalized=True)
    ahead = line.interpolate(line.project(mid) + 1.0)
    dx, dy = ahead.x - mid.x, ahead.y - mid.y
    norm = math.hypot(dx, dy)
    an_giang = a.units.loc[a.units.code == "91"].to_crs(32648).geometry.iloc[0]
    for sign in (1, -1):
        cand = Point(mid.x - sign * dy / norm * offset_m, mid.y + sign * dx / norm * offset_m)
        if an_giang.contains(cand):
            lon, lat = TO_LONLAT.transform(cand.x, cand.y)
            return lat, lon
    raise AssertionError("no side of the 91-92 line is in An Giang")


@pytest.mark.realdata
def test_real_points_province_level(tay_nam):
    lat, lon = _inside_an_giang_near_can_tho(tay_nam, 400)
    df = pd.DataFrame(
        {"lat": [10.0340, lat, 9.30, 21.0285], "lon": [105.7876, lon, 104.20, 105.8542]}
    )
    out = classify_points(df, tay_nam)
    assert out["status"].tolist() == ["ok", "ok", "outside_all_units", "outside_members"]
    assert out["unit_code"].astype(object).fillna("-").tolist() == ["92", "91", "-", "01"]
    assert out["zone"].iloc[1] == "91-92" and out["side"].iloc[1] == "91"
    assert 300 < out["dist_to_border_m"].iloc[1] <= 400 + 1e-6
    assert out["province_code"].iloc[0] == "92"


@pytest.mark.realdata
def test_real_points_commune_level(tay_nam):
    communes = tay_nam.at_level("commune")
    lat, lon = _inside_an_giang_near_can_tho(tay_nam, 400)
    out = classify_points(pd.DataFrame({"lat": [10.0340, lat], "lon": [105.7876, lon]}), communes)
    assert out["status"].tolist() == ["ok", "ok"]
    assert out["unit_name"].iloc[0] == "Ninh Kiều"
    assert len(out["unit_code"].iloc[0]) == 5
    assert out["province_code"].tolist() == ["92", "91"]
    assert out["side"].iloc[1] == out["unit_code"].iloc[1]
    assert out["zone"].iloc[1].split("-")[0].startswith("3")  # a commune pair


def test_point_outside_the_projection_is_invalid_not_a_crash(agreement, squares):
    pts = gpd.GeoDataFrame(geometry=[Point(1e9, 5.0), Point(105.75, 9.98)], crs=4326)
    out = _run(pts, agreement, squares)
    assert out["status"].tolist() == ["invalid_coordinate", "ok"]
    assert "cannot be projected" in out["status_detail"].iloc[0]
    assert np.isnan(out["dist_to_border_m"].iloc[0])


@pytest.mark.realdata
def test_vn2000_survey_point_in_can_tho_lands_in_its_commune(tay_nam, tmp_path):
    # Bến Ninh Kiều (10.0340 N, 105.7876 E) as a Cần Thơ surveyor writes it: VN-2000, the
    # province's TM-3 zone (central meridian 105°00'), metres. The numbers are typed here, not
    # computed with geozone; tests/test_crs.py pins the transformation to a control point.
    communes = tay_nam.at_level("commune")
    survey = pd.DataFrame({"so_hieu": ["CT-01"], "x": ["586 141"], "y": ["1.109.720"]})
    # "Cần Thơ" is also the 2025 province that took in Hậu Giang and Sóc Trăng (other
    # meridians): the old province is meant, and geozone says so.
    with pytest.warns(GeozoneWarning, match="pre-2025 province Cần Thơ"):
        out = classify_points(survey, communes, crs="vn2000:Cần Thơ")
    assert out["status"].tolist() == ["ok"]
    assert (out["unit_code"].iloc[0], out["unit_name"].iloc[0]) == ("31135", "Ninh Kiều")
    assert out.geometry.iloc[0].distance(Point(105.7876, 10.0340)) < 1e-5  # about a metre
    # The same through a file, as `geozone classify --crs "vn2000:Cần Thơ"` reads it.
    survey.to_csv(tmp_path / "survey.csv", index=False)
    counts = classify_file(
        tmp_path / "survey.csv",
        communes,
        tmp_path / "out.csv",
        crs="vn2000:Cần Thơ@2008",  # the old province, unambiguous: no warning
        progress=False,
    )
    assert counts == {"ok": 1}
    assert pd.read_csv(tmp_path / "out.csv", dtype=str)["unit_code"].tolist() == ["31135"]
    # Declared as degrees, the same numbers are refused, naming the likely CRS.
    wrong = classify_points(survey.rename(columns={"x": "lon", "y": "lat"}), communes)
    assert wrong["status"].tolist() == ["suspect_projected"]
    assert "look like UTM/VN-2000 metres" in wrong["status_detail"].iloc[0]
