"""Tests of geozone.zones: side-split border strips and junction zones.

Hand-made layers are 1 km squares in UTM 48N (metres); the hypothesis tests use random
Voronoi partitions of a 10 km square (see tests/test_topology.py), exact or with sliver gaps
and overlaps narrower than the tolerance.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon, box

# tests/ is on sys.path under pytest's default import mode; the layer builders live there.
from test_topology import layer, perturbed, sharpest_corner, voronoi_partitions

from geozone.errors import GeozoneWarning, InputError
from geozone.topology import shared_boundaries
from geozone.zones import _without_stray_holes, border_strips, junction_zones

TOLERANCE = 1.0
FIXTURES = Path(__file__).parent / "fixtures"


def side(strips, owner, neighbour):
    rows = strips[(strips.code == owner) & (strips.neighbour_code == neighbour)]
    assert len(rows) == 1, f"expected one side {owner} of {owner}/{neighbour}"
    return rows.iloc[0]


def two_squares():
    return layer({"A": box(0, 0, 1000, 1000), "B": box(1000, 0, 2000, 1000)})


# --------------------------------------------------------------------------------------
# Border strips, hand-made layers
# --------------------------------------------------------------------------------------


def test_two_squares():
    strips = border_strips(two_squares(), 100)
    assert list(strips.columns) == [
        "pair_id",
        "code",
        "neighbour_code",
        "name",
        "neighbour_name",
        "contact",
        "width_m",
        "area_m2",
        "geometry",
    ]
    assert strips.crs == two_squares().crs
    assert list(strips.pair_id) == ["A-B", "A-B"]
    a, b = side(strips, "A", "B"), side(strips, "B", "A")
    assert a.geometry.equals(box(900, 0, 1000, 1000))
    assert b.geometry.equals(box(1000, 0, 1100, 1000))
    assert (a.area_m2, b.area_m2) == (pytest.approx(100_000), pytest.approx(100_000))
    assert (a["name"], a.neighbour_name, a.contact) == ("Unit A", "Unit B", "edge")


def test_asymmetric_widths_in_either_key_order():
    units = two_squares()
    for widths in ({("A", "B"): (200, 50)}, {("B", "A"): (50, 200)}):
        strips = border_strips(units, 100, widths=widths)
        assert side(strips, "A", "B").width_m == 200
        assert side(strips, "A", "B").geometry.equals(box(800, 0, 1000, 1000))
        assert side(strips, "B", "A").geometry.equals(box(1000, 0, 1050, 1000))
    one_width = border_strips(units, 100, widths={("B", "A"): 300})
    assert set(one_width.width_m) == {300.0}


def test_widths_validation():
    units = two_squares()
    with pytest.raises(InputError, match="twice"):
        border_strips(units, 100, widths={("A", "B"): 10, ("B", "A"): 20})
    with pytest.raises(InputError, match="positive"):
        border_strips(units, 100, widths={("A", "B"): (10, 0)})
    with pytest.raises(InputError, match="one width or a pair"):
        border_strips(units, 100, widths={("A", "B"): (10, 20, 30)})
    with pytest.raises(InputError, match="not in the layer: Z"):
        border_strips(units, 100, widths={("A", "Z"): 10})
    with pytest.raises(InputError, match="mapping"):
        border_strips(units, 100, widths=[("A", "B", 10)])


@pytest.mark.parametrize("width", [0, -5, float("nan"), float("inf"), None, "wide"])
def test_width_must_be_positive(width):
    with pytest.raises(InputError, match="width_m"):
        border_strips(two_squares(), width)


def test_pairs_filter_either_order_and_unknown_codes():
    units = layer(
        {"A": box(0, 0, 1000, 1000), "B": box(1000, 0, 2000, 1000), "C": box(0, 1000, 2000, 2000)}
    )
    assert set(border_strips(units, 100).pair_id) == {"A-B", "A-C", "B-C"}
    chosen = border_strips(units, 100, pairs=[("C", "B")])
    assert set(chosen.pair_id) == {"B-C"}
    with pytest.raises(InputError, match="not in the layer: Q"):
        border_strips(units, 100, pairs=[("A", "Q")])
    with pytest.raises(InputError, match="pairs of unit codes"):
        border_strips(units, 100, pairs=["AB"])
    with pytest.raises(InputError, match="itself"):
        border_strips(units, 100, pairs=[("A", "A")])


def test_pair_without_shared_boundary_warns_and_is_skipped():
    units = layer({"A": box(0, 0, 1000, 1000), "B": box(5000, 0, 6000, 1000)})
    with pytest.warns(GeozoneWarning, match="A-B \\(no contact\\)"):
        strips = border_strips(units, 100, pairs=[("A", "B")])
    assert strips.empty


def test_point_contact_gets_no_strip_unless_asked():
    units = layer({"A": box(0, 0, 1000, 1000), "B": box(1000, 1000, 2000, 2000)})
    assert border_strips(units, 100).empty
    with pytest.warns(GeozoneWarning, match="contact 'point'"):
        assert border_strips(units, 100, pairs=[("A", "B")]).empty
    strips = border_strips(units, 100, include_point_contacts=True)
    assert list(strips.contact) == ["point", "point"]
    # A quarter disc of 100 m on each side of the touching corner.
    for row in strips.itertuples():
        assert row.area_m2 == pytest.approx(np.pi * 100**2 / 4, rel=0.01)


def test_near_contact_strip_bridges_the_gap():
    units = layer({"A": box(0, 0, 1000, 1000), "B": box(1000.3, 1000.4, 2000, 2000)})
    strips = border_strips(units, 100, include_point_contacts=True)
    assert list(strips.contact) == ["near", "near"]
    assert strips.area_m2.between(0.24 * np.pi * 100**2, 0.26 * np.pi * 100**2).all()


def test_overlap_goes_to_the_lower_code():
    # B (higher code) reaches 50 m into A: A keeps that ground, B's side stops at A's edge.
    b = Polygon(
        [
            (1000, 0),
            (2000, 0),
            (2000, 1000),
            (1000, 1000),
            (1000, 667),
            (950, 667),
            (950, 333),
            (1000, 333),
        ]
    )
    strips = border_strips(layer({"A": box(0, 0, 1000, 1000), "B": b}), 100)
    a_side, b_side = side(strips, "A", "B"), side(strips, "B", "A")
    assert a_side.geometry.equals(box(900, 0, 1000, 1000))
    assert b_side.geometry.normalize().equals(box(1000, 0, 1100, 1000).normalize())
    assert a_side.geometry.intersection(b_side.geometry).area == 0.0


def test_sliver_gap_belongs_to_neither_side():
    units = layer({"A": box(0, 0, 1000, 1000), "B": box(1000.4, 0, 2000, 1000)})
    strips = border_strips(units, 100)
    assert side(strips, "A", "B").geometry.equals(box(900, 0, 1000, 1000))
    # B's side is measured from the shared line (A's edge), so it is 0.4 m shallower.
    assert side(strips, "B", "A").geometry.equals(box(1000.4, 0, 1100, 1000))


def test_lonlat_in_lonlat_out():
    units = layer(
        {"A": box(105.77, 10.02, 105.78, 10.03), "B": box(105.78, 10.02, 105.79, 10.03)},
        crs=4326,
    )
    strips = border_strips(units, 200)
    assert strips.crs.to_epsg() == 4326
    a = side(strips, "A", "B")
    assert a.area_m2 == pytest.approx(200 * 1106, rel=0.01)
    minx, _, maxx, _ = a.geometry.bounds
    assert maxx == pytest.approx(105.78) and minx == pytest.approx(105.78 - 0.00182, abs=2e-5)


def test_lonlat_results_keep_the_units_edges_and_measure_as_drawn():
    # Edges 20 km long, straight in degrees: in UTM such an edge bows by metres, so a strip
    # cut in metres and projected back would stick out of its owner by decimetres where it
    # crosses one. Results are cut in the input CRS instead; area_m2 is the area of the
    # result as returned (checked on its edges cut into pieces of about 20 m).
    units = layer(
        {
            "A": Polygon([(105.0, 10.0), (105.2, 10.05), (105.2, 10.25), (105.0, 10.2)]),
            "B": Polygon([(105.2, 10.05), (105.4, 10.0), (105.4, 10.2), (105.2, 10.25)]),
            "C": Polygon([(105.0, 10.2), (105.2, 10.25), (105.4, 10.2), (105.3, 10.4)]),
        },
        crs=4326,
    )
    owners = units.set_index("code").geometry
    strips = border_strips(units, 1000)
    zones = junction_zones(units, 3000)
    assert len(strips) == 6 and len(zones) == 1
    assert shapely.is_valid(strips.geometry.to_numpy()).all()
    outside = shapely.difference(strips.geometry.to_numpy(), owners[strips.code].to_numpy())
    assert shapely.area(outside).max() < 1e-16  # square degrees: about a square millimetre
    for results in (strips, zones):
        drawn = results.geometry.segmentize(0.0002).to_crs(32648).area.to_numpy()
        np.testing.assert_allclose(results.area_m2, drawn, rtol=1e-5)


def wiggly_border() -> shapely.LineString:
    feature = json.loads((FIXTURES / "topo_wiggly_border.geojson").read_text())
    return shapely.geometry.shape(feature["geometry"])


def test_geos_stray_hole_in_a_wide_buffer_is_filled():
    line = wiggly_border()
    raw = shapely.buffer(line, 2000, quad_segs=16)
    assert min(shapely.distance(h, line) for h in raw.interiors) < 1600  # GEOS's artefact
    (repaired,) = _without_stray_holes(np.array([raw]), np.array([line]), np.array([2000.0]))
    assert shapely.get_num_interior_rings(repaired) == 0
    assert repaired.contains(raw)
    # A true hole stays: the buffer of a ring wider than twice the reach.
    ring = box(0, 0, 5000, 5000).exterior
    donut = shapely.buffer(ring, 1000)
    (kept,) = _without_stray_holes(np.array([donut]), np.array([ring]), np.array([1000.0]))
    assert kept.equals(donut)


@pytest.mark.parametrize("tolerance", [0.0, TOLERANCE])
def test_wide_strips_along_a_wiggly_border(tolerance):
    line = wiggly_border()
    (x0, _), (x1, _) = line.coords[0], line.coords[-1]
    south = Polygon([*line.coords, (x1, 0), (x0, 0)])
    north = Polygon([*line.coords, (x1, 10_000), (x0, 10_000)])
    strips = border_strips(layer({"N": north, "S": south}), 2000, tolerance_m=tolerance)
    # Exact buffers (no GEOS line simplification): unions of the segments' buffers. A
    # polygonal buffer overshoots a little where its chords bridge the cusps between arcs.
    segments = shapely.linestrings(np.stack([line.coords[:-1], line.coords[1:]], axis=1))
    inner = shapely.union_all(shapely.buffer(segments, 2000 * 0.988 - tolerance, quad_segs=64))
    outer = shapely.union_all(shapely.buffer(segments, 2001 + tolerance, quad_segs=64))
    for row in strips.itertuples():
        assert shapely.get_num_interior_rings(row.geometry) == 0
        owner = north if row.code == "N" else south
        expected = owner.intersection(inner)
        assert expected.difference(row.geometry).area < 1e-6 * expected.area
        assert row.geometry.difference(outer).area < 1e-6


# --------------------------------------------------------------------------------------
# Border strips, properties on random partitions
# --------------------------------------------------------------------------------------


def check_strip_properties(units, strips, width, tolerance):
    geoms = dict(zip(units.code, units.geometry, strict=True))
    lines = shared_boundaries(units, tolerance_m=tolerance)
    line_of = dict(zip(lines.pair_id, lines.geometry, strict=True))
    rng = np.random.default_rng(0)
    for pair_id, pair in strips.groupby("pair_id"):
        assert len(pair) == 2
        line = line_of[pair_id]
        a, b = pair.iloc[0], pair.iloc[1]
        lower = min(a.code, b.code)
        for row in (a, b):
            owner = geoms[row.code]
            # Within its owner ...
            assert row.geometry.difference(owner).area <= 1e-6 * owner.area
            # ... never deeper than the width (plus the tolerance) ...
            deepest = line.buffer(1.0005 * width + tolerance, quad_segs=64)
            assert row.geometry.difference(deepest).area < 1e-6 * row.area_m2 + 0.01
            # ... and it holds every point of its owner within the width, bar the buffer's
            # polygonal slack and the ground the lower code keeps where both claim it.
            territory = owner if row.code == lower else owner.difference(geoms[lower])
            reach = territory.intersection(line.buffer(0.988 * width - tolerance))
            if reach.area > 0:
                xmin, ymin, xmax, ymax = reach.bounds
                pts = shapely.points(rng.uniform((xmin, ymin), (xmax, ymax), (400, 2)))
                pts = pts[shapely.contains_properly(reach, pts)]
                assert shapely.covers(row.geometry, pts).all()
        # The two sides never overlap.
        assert a.geometry.intersection(b.geometry).area <= 1e-6 * max(a.area_m2, b.area_m2)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    voronoi_partitions(),
    st.floats(20, 3000),
    st.sampled_from([0.0, -0.3, 0.3]),
)
def test_strip_properties_on_random_partitions(units, width, offset):
    if offset:
        units = perturbed(units, offset)
    strips = border_strips(units, width, tolerance_m=TOLERANCE)
    check_strip_properties(units, strips, width, TOLERANCE)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(voronoi_partitions(), st.floats(50, 2000), st.data())
def test_strips_symmetric_under_swapping_the_pair(units, width, data):
    lines = shared_boundaries(units)
    if lines.empty:
        return
    row = data.draw(st.sampled_from(list(lines.itertuples())))
    forward = border_strips(units, width, pairs=[(row.code_a, row.code_b)])
    backward = border_strips(units, width, pairs=[(row.code_b, row.code_a)])
    assert list(forward.code) == list(backward.code)
    for f, b in zip(forward.geometry, backward.geometry, strict=True):
        assert f.equals(b)
    # And a strip chosen by pair is the strip of the whole layer.
    whole = border_strips(units, width)
    whole = whole[whole.pair_id == forward.pair_id.iloc[0]]
    for f, w in zip(forward.geometry, whole.geometry, strict=True):
        assert f.symmetric_difference(w).area < 1e-6


# --------------------------------------------------------------------------------------
# Junction zones
# --------------------------------------------------------------------------------------


def test_t_junction():
    units = layer(
        {"A": box(0, 0, 1000, 1000), "B": box(1000, 0, 2000, 1000), "C": box(0, 1000, 2000, 2000)}
    )
    zones = junction_zones(units, 100)
    assert list(zones.columns) == [
        "junction_id",
        "codes",
        "names",
        "n_units",
        "radius_m",
        "area_m2",
        "point",
        "geometry",
    ]
    assert len(zones) == 1
    zone = zones.iloc[0]
    assert (zone.junction_id, zone.codes, zone.n_units) == ("A-B-C", "A|B|C", 3)
    assert zone.names == "Unit A|Unit B|Unit C"
    assert zone.area_m2 == pytest.approx(np.pi * 100**2, rel=0.005)
    assert zone.geometry.centroid.distance(shapely.Point(1000, 1000)) < 1.0


def test_four_corners_is_one_junction_of_four():
    units = layer(
        {
            "A": box(0, 0, 1000, 1000),
            "B": box(1000, 0, 2000, 1000),
            "C": box(0, 1000, 1000, 2000),
            "D": box(1000, 1000, 2000, 2000),
        }
    )
    zones = junction_zones(units, 50)
    assert list(zones.junction_id) == ["A-B-C-D"]
    assert zones.n_units.iloc[0] == 4


def test_junction_on_the_coast_is_clipped_to_land_and_two_units_are_no_junction():
    units = layer(
        {"A": box(0, 0, 1000, 1000), "B": box(1000, 0, 2000, 1000), "C": box(0, 1000, 2000, 2000)}
    )
    units.loc[units.code == "C", "geometry"] = box(0, 1000, 1000, 2000)  # sea NE of (1000, 1000)
    zones = junction_zones(units, 100)
    assert list(zones.codes) == ["A|B|C"]
    # Three quarters of the disc are land; the coast points where two units meet are not junctions.
    assert zones.area_m2.iloc[0] == pytest.approx(0.75 * np.pi * 100**2, rel=0.005)


def test_junction_point_is_the_node_also_where_the_disc_is_clipped(tmp_path):
    import geopandas as gpd

    units = layer(
        {"A": box(0, 0, 1000, 1000), "B": box(1000, 0, 2000, 1000), "C": box(0, 1000, 1000, 2000)}
    )  # sea NE of (1000, 1000): the clipped disc's centroid lies SW of the node
    zones = junction_zones(units, 100)
    assert zones["point"].dtype == "geometry" and zones["point"].crs == units.crs
    assert zones.geometry.name == "geometry"
    assert zones["point"].iloc[0].equals(shapely.Point(1000, 1000))
    assert zones.geometry.iloc[0].centroid.distance(shapely.Point(1000, 1000)) > 10
    # In the input CRS, like the zones.
    lonlat = junction_zones(units.to_crs(4326), 100)
    expected = gpd.GeoSeries([shapely.Point(1000, 1000)], crs=units.crs).to_crs(4326)
    assert lonlat["point"].crs == lonlat.crs
    assert lonlat["point"].iloc[0].distance(expected.iloc[0]) < 1e-6
    # GeoParquet keeps the node as geometry; single-geometry formats take it as WKT.
    zones.to_parquet(tmp_path / "junctions.parquet")
    back = gpd.read_parquet(tmp_path / "junctions.parquet")
    assert back.geometry.name == "geometry" and back["point"].iloc[0].equals(zones.point.iloc[0])
    zones.assign(point=zones["point"].to_wkt()).to_file(tmp_path / "junctions.gpkg")
    back = gpd.read_file(tmp_path / "junctions.gpkg")
    assert back["point"].tolist() == ["POINT (1000 1000)"]
    assert back.geometry.iloc[0].equals_exact(zones.geometry.iloc[0], 1e-6)


def test_no_junction_gives_an_empty_frame_with_the_point_column():
    zones = junction_zones(two_squares(), 100)
    assert zones.empty and "point" in zones.columns and zones.crs == two_squares().crs


def test_sliver_junction_is_one_junction():
    units = layer(
        {
            "A": box(0, 0, 1000, 1000),
            "B": box(1000.3, 0, 2000, 1000),
            "C": box(0, 1000.2, 2000, 2000),
        }
    )
    zones = junction_zones(units, 100)
    assert list(zones.codes) == ["A|B|C"]


def test_same_units_meeting_twice_get_numbered_ids():
    # C wraps around B's east side: A, B and C meet at (1000, 1000) and (1000, 0).
    c = Polygon(
        [
            (0, 1000),
            (2000, 1000),
            (2000, -1000),
            (0, -1000),
            (0, 0),
            (1000, 0),
            (1000, 500),
            (1500, 500),
            (1500, 0),
            (1000, 0),
            (1000, 1000),
        ]
    )
    units = layer({"A": box(0, 0, 1000, 1000), "B": box(1000, 0, 1500, 500), "C": c.buffer(0)})
    zones = junction_zones(units, 50)
    assert sorted(zones.junction_id)[0] == "A-B-C"
    assert all(j.startswith("A-B-C") for j in zones.junction_id)
    assert len(set(zones.junction_id)) == len(zones)


def test_radius_must_be_positive():
    with pytest.raises(InputError, match="radius_m"):
        junction_zones(two_squares(), 0)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(voronoi_partitions(), st.floats(10, 500), st.sampled_from([0.0, -0.3, 0.3]))
def test_junctions_of_random_partitions(units, radius, offset):
    exact = units
    # Vertices closer than the tolerance merge into one node by design; keep them apart
    # here so that every Voronoi vertex is its own junction.
    vertices = np.unique(shapely.get_coordinates(exact.geometry.to_numpy()).round(6), axis=0)
    spacing = shapely.STRtree(shapely.points(vertices)).query(
        shapely.points(vertices), predicate="dwithin", distance=5 * TOLERANCE
    )
    assume((spacing[0] != spacing[1]).sum() == 0)
    if offset:
        units = perturbed(units, offset)
    zones = junction_zones(units, radius, tolerance_m=TOLERANCE)
    geoms = dict(zip(units.code, units.geometry, strict=True))

    # Voronoi vertices inside the square are where three cells meet (ties have measure zero).
    inner = [shapely.Point(xy) for xy in vertices if 0 < xy[0] < 10_000 and 0 < xy[1] < 10_000]

    def members_at(vertex):
        return "|".join(sorted(exact.code[exact.geometry.distance(vertex) < 1e-6]))

    found = sorted(zones.codes)
    if not offset:
        assert found == sorted(members_at(v) for v in inner)
    else:
        for v in inner:
            # A sharp wedge's corner moves far (see sharpest_corner): it may not meet.
            if np.degrees(sharpest_corner(exact, v)) > 30:
                assert members_at(v) in found
    slack = 2 * TOLERANCE if not offset else 10 * TOLERANCE
    for zone in zones.itertuples():
        members = zone.codes.split("|")
        assert zone.n_units == len(members) >= 3
        # The node lies on (within the tolerance of) every member unit.
        assert all(geoms[c].distance(zone.point) <= slack for c in members)
        territory = shapely.union_all([geoms[c] for c in members])
        assert zone.geometry.difference(territory).area < 1e-6
        # The zone is the disc around one of the vertices where its members meet.
        discs = [
            v.buffer(radius + slack, quad_segs=64) for v in inner if members_at(v) == zone.codes
        ]
        assert any(zone.geometry.difference(disc).area < 1e-6 for disc in discs)
        if not offset:
            nodes = [v for v in inner if members_at(v) == zone.codes]
            assert any(zone.point.distance(v) <= slack for v in nodes)


# --------------------------------------------------------------------------------------
# Real data
# --------------------------------------------------------------------------------------


@pytest.mark.realdata
def test_published_an_giang_dong_thap_strips_do_not_overlap(provinces_2025_published):
    strips = border_strips(provinces_2025_published, 2000, pairs=[("91", "82")])
    assert list(strips.code) == ["82", "91"]
    projected = strips.to_crs(32648)
    dong_thap, an_giang = projected.geometry
    assert dong_thap.intersection(an_giang).area < 1.0
    # Each side is roughly 2 km deep along the ~100 km shared boundary.
    assert projected.area.between(1.6e8, 2.6e8).all()


@pytest.mark.realdata
def test_no_giant_strip_across_the_quang_nam_quang_ngai_gap(districts_2008):
    units = districts_2008[districts_2008.province_code.isin(["49", "51"])]
    strips = border_strips(units, 1000)
    assert not ((strips.code == "516") & (strips.neighbour_code == "529")).any()
    metric = units.to_crs(32649)
    land = shapely.union_all(metric.geometry.to_numpy())
    gap = max(
        (Polygon(ring) for part in shapely.get_parts(land) for ring in part.interiors),
        key=lambda hole: hole.area,
    )
    assert gap.area == pytest.approx(340e6, rel=0.02)
    assert strips.to_crs(32649).intersection(gap).area.sum() < 1.0


@pytest.mark.realdata
def test_mekong_communes_strips_and_junctions(communes_2025):
    # The communes of An Giang, Đồng Tháp, Cà Mau and Cần Thơ: 371 units, ~1,000 pairs.
    units = communes_2025[communes_2025.province_code.isin(["91", "82", "96", "92"])]
    strips = border_strips(units, 1000)
    lines = shared_boundaries(units)
    assert len(strips) == 2 * len(lines)
    assert (strips.width_m == 1000).all()
    assert shapely.is_valid(strips.geometry.to_numpy()).all()
    # Each side lies within its owner in the layer's own CRS, where it follows the owner's
    # edges to the bit (projected vertex by vertex, a long straight edge and a piece of it
    # would part by centimetres).
    owners = units.set_index("code").geometry
    outside = shapely.difference(strips.geometry.to_numpy(), owners[strips.code].to_numpy())
    assert gpd.GeoSeries(outside, crs=units.crs).to_crs(32648).area.max() < 1e-3
    metric = strips.to_crs(32648)
    # The two sides of every pair are disjoint, overlapping communes included.
    first, second = metric.iloc[0::2], metric.iloc[1::2]
    assert (first.pair_id.to_numpy() == second.pair_id.to_numpy()).all()
    overlap = shapely.intersection(first.geometry.to_numpy(), second.geometry.to_numpy())
    assert shapely.area(overlap).max() < 1e-3
    # The full set of properties on every 50th pair, in metres.
    metric_units = units.to_crs(32648)
    chosen = list(zip(lines.code_a, lines.code_b, strict=True))[::50]
    sample = border_strips(metric_units, 1000, pairs=chosen)
    assert len(sample) == 2 * len(chosen)
    check_strip_properties(metric_units, sample, 1000, TOLERANCE)

    zones = junction_zones(units, 300)
    assert zones.n_units.min() >= 3
    assert zones.junction_id.is_unique
    assert len(zones) > 500
