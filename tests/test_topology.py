"""Tests of geozone.topology: neighbours, contacts and shared boundaries.

Hand-made layers are 1 km squares in UTM 48N (metres); the hypothesis tests use random
Voronoi partitions of a 10 km square, exact and with every cell shrunk or grown a little
(sliver gaps and overlaps narrower than the tolerance, so no edge stays identical).
"""

from __future__ import annotations

from unittest import mock

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon, box

from geozone import topology as topology_module
from geozone.errors import GeozoneWarning, InputError
from geozone.topology import (
    CONTACTS,
    DEFAULT_TOLERANCE_M,
    adjacency,
    adjacency_graph,
    shared_boundaries,
)

UTM48 = 32648


def layer(geometries: dict, crs=UTM48, names=True) -> gpd.GeoDataFrame:
    codes = list(geometries)
    data = {"code": codes}
    if names:
        data["name"] = [f"Unit {c}" for c in codes]
    return gpd.GeoDataFrame(data, geometry=list(geometries.values()), crs=crs)


def pair(table: pd.DataFrame, a: str, b: str) -> pd.Series:
    rows = table[(table["code_a"] == a) & (table["code_b"] == b)]
    assert len(rows) == 1, f"expected one row for {a}-{b}, got {len(rows)}"
    return rows.iloc[0]


# --------------------------------------------------------------------------------------
# Hand-made layers
# --------------------------------------------------------------------------------------


def test_exact_shared_edge():
    units = layer({"B": box(1000, 0, 2000, 1000), "A": box(0, 0, 1000, 1000)})
    table = adjacency(units)
    assert list(table.columns[:6]) == [
        "code_a",
        "code_b",
        "name_a",
        "name_b",
        "contact",
        "shared_length_m",
    ]
    row = pair(table, "A", "B")
    assert row.contact == "edge"
    assert row.shared_length_m == pytest.approx(1000.0)
    assert row.gap_m == 0.0 and row.overlap_m2 == 0.0
    assert (row.name_a, row.name_b) == ("Unit A", "Unit B")

    lines = shared_boundaries(units)
    assert list(lines.columns) == [
        "pair_id",
        "code_a",
        "code_b",
        "name_a",
        "name_b",
        "length_m",
        "geometry",
    ]
    assert lines.crs == units.crs
    assert lines.loc[0, "pair_id"] == "A-B"
    assert lines.geometry[0].equals(shapely.LineString([(1000, 0), (1000, 1000)]))


def test_sliver_gap_within_tolerance_is_one_clean_edge():
    # B's edge is 0.4 m east of A's and carries extra vertices: nothing is identical.
    b = Polygon([(1000.4, 0), (2000, 0), (2000, 1000), (1000.4, 1000), (1000.4, 500)])
    units = layer({"A": box(0, 0, 1000, 1000), "B": b})
    row = pair(adjacency(units), "A", "B")
    assert row.contact == "edge"
    assert row.shared_length_m == pytest.approx(1000.0, abs=0.01)
    line = shared_boundaries(units).geometry[0]
    # One line, along the edge of the lower code (A), not two half-edges.
    assert line.geom_type == "LineString"
    assert line.hausdorff_distance(shapely.LineString([(1000, 0), (1000, 1000)])) < 1e-9


def test_overlap_goes_to_the_lower_code_and_the_line_follows_its_edge():
    # B reaches 50 m into A along the middle third of their border: a real overlap, far
    # wider than the tolerance.
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
    units = layer({"A": box(0, 0, 1000, 1000), "B": b})
    row = pair(adjacency(units), "A", "B")
    assert row.contact == "edge"
    assert row.overlap_m2 == pytest.approx(50 * 334)
    line = shared_boundaries(units).geometry[0]
    # A keeps the overlap, so the line is A's straight edge all the way.
    assert line.geom_type == "LineString"
    assert line.length == pytest.approx(1000.0)
    assert line.hausdorff_distance(shapely.LineString([(1000, 0), (1000, 1000)])) < 1e-6


def test_overlap_won_by_the_lower_code_whichever_way_it_points():
    # Now the lower code (A) is the one reaching into B: the line bends along A's bulge.
    a = Polygon(
        [
            (0, 0),
            (1000, 0),
            (1000, 333),
            (1050, 333),
            (1050, 667),
            (1000, 667),
            (1000, 1000),
            (0, 1000),
        ]
    )
    units = layer({"A": a, "B": box(1000, 0, 2000, 1000)})
    row = pair(adjacency(units), "A", "B")
    assert row.overlap_m2 == pytest.approx(50 * 334)
    assert row.shared_length_m == pytest.approx(1100.0)
    line = shared_boundaries(units).geometry[0]
    assert line.geom_type == "LineString"
    assert line.length == pytest.approx(1100.0)


def test_stray_part_inside_the_neighbour_is_an_overlap():
    # A 100 m square of A lies inside B, away from their border: no boundary crosses, and
    # A's interior point is in its main part.
    stray = box(1400, 400, 1500, 500)
    units = layer({"A": box(0, 0, 1000, 1000).union(stray), "B": box(1000, 0, 2000, 1000)})
    row = pair(adjacency(units), "A", "B")
    assert row.contact == "edge"
    assert row.overlap_m2 == pytest.approx(100 * 100)
    # A keeps the overlap: the stray square's outline borders B too.
    assert row.shared_length_m == pytest.approx(1000.0 + 400.0)
    assert shared_boundaries(units).geometry[0].length == pytest.approx(1400.0)

    # B's stray square inside A goes to A as well, and the line stays A's straight edge.
    units = layer(
        {"A": box(0, 0, 1000, 1000), "B": box(1000, 0, 2000, 1000).union(box(400, 400, 500, 500))}
    )
    row = pair(adjacency(units), "A", "B")
    assert row.overlap_m2 == pytest.approx(100 * 100)
    assert row.shared_length_m == pytest.approx(1000.0)


def test_point_touch():
    units = layer({"A": box(0, 0, 1000, 1000), "B": box(1000, 1000, 2000, 2000)})
    row = pair(adjacency(units), "A", "B")
    assert (row.contact, row.shared_length_m, row.gap_m) == ("point", 0.0, 0.0)
    assert shared_boundaries(units).empty


def test_point_touch_at_a_vertex_shared_by_four_units():
    # A and D touch only at the centre, where all four units meet and every edge there is
    # shared exactly with another unit.
    units = layer(
        {
            "A": box(0, 0, 1000, 1000),
            "B": box(1000, 0, 2000, 1000),
            "C": box(0, 1000, 1000, 2000),
            "D": box(1000, 1000, 2000, 2000),
        }
    )
    table = adjacency(units)
    assert pair(table, "A", "D").contact == "point"
    assert pair(table, "B", "C").contact == "point"
    assert sorted(table[table.contact == "edge"][["code_a", "code_b"]].apply(tuple, axis=1)) == [
        ("A", "B"),
        ("A", "C"),
        ("B", "D"),
        ("C", "D"),
    ]


def test_near_corner_within_tolerance():
    units = layer({"A": box(0, 0, 1000, 1000), "B": box(1000.3, 1000.4, 2000, 2000)})
    row = pair(adjacency(units), "A", "B")
    assert row.contact == "near"
    assert row.gap_m == pytest.approx(0.5)
    assert row.shared_length_m == 0.0


def test_unit_thinner_than_the_tolerance_keeps_both_its_edges():
    # B is half a metre wide: A and C lie within the tolerance of each other across it,
    # but each stretch goes to the nearest unit, so no line runs straight across B.
    units = layer(
        {
            "A": box(0, 0, 1000, 1000),
            "B": box(1000, 0, 1000.5, 1000),
            "C": box(1000.5, 0, 2000, 1000),
        }
    )
    table = adjacency(units)
    assert pair(table, "A", "B").shared_length_m == pytest.approx(1000.0)
    assert pair(table, "B", "C").shared_length_m == pytest.approx(1000.0)
    assert (pair(table, "A", "C").contact, pair(table, "A", "C").gap_m) == ("near", 0.5)
    assert list(shared_boundaries(units).pair_id) == ["A-B", "B-C"]


def test_gap_wider_than_tolerance_is_no_contact():
    units = layer({"A": box(0, 0, 1000, 1000), "B": box(1005, 0, 2000, 1000)})
    assert adjacency(units).empty
    assert shared_boundaries(units).empty
    # ... until the tolerance covers it.
    row = pair(adjacency(units, tolerance_m=10), "A", "B")
    assert row.contact == "edge"
    assert row.shared_length_m == pytest.approx(1000.0)


def test_coastline_is_never_shared():
    # Two coastal units meeting the sea (y < 0) at right angles and at a slant, with a
    # sliver between them: their coastlines near the junction lie within the tolerance of
    # each other but must not join the shared line.
    a = Polygon([(0, 0), (1000, 0), (1000, 1000), (0, 1000)])
    b = Polygon([(1000.5, 0), (2000, -300), (2000, 1000), (1000.5, 1000)])
    units = layer({"A": a, "B": b})
    line = shared_boundaries(units, tolerance_m=2.0).geometry[0]
    assert line.length == pytest.approx(1000.0, abs=1e-6)
    assert line.hausdorff_distance(shapely.LineString([(1000, 0), (1000, 1000)])) < 1e-6


def test_densified_edge_matches_within_tolerance():
    # B's copy of the edge has 99 extra vertices, nudged by up to 0.2 m.
    ys = np.linspace(0, 1000, 101)
    xs = 1000 + 0.2 * np.sin(ys)
    b = Polygon([*zip(xs, ys, strict=True), (2000, 1000), (2000, 0)])
    units = layer({"A": box(0, 0, 1000, 1000), "B": b})
    row = pair(adjacency(units), "A", "B")
    assert row.contact == "edge"
    assert row.shared_length_m == pytest.approx(1000.0, abs=1.0)
    assert shared_boundaries(units).geometry[0].geom_type == "LineString"


def test_zero_tolerance_uses_identical_edges_only():
    units = layer(
        {"A": box(0, 0, 1000, 1000), "B": box(1000, 0, 2000, 1000), "C": box(2000.4, 0, 3000, 1000)}
    )
    table = adjacency(units, tolerance_m=0)
    assert pair(table, "A", "B").contact == "edge"
    assert len(table) == 1


def test_enclave_shares_its_whole_ring():
    outer = box(0, 0, 3000, 3000).difference(box(1000, 1000, 2000, 2000))
    units = layer({"A": outer, "B": box(1000, 1000, 2000, 2000)})
    row = pair(adjacency(units), "A", "B")
    assert row.shared_length_m == pytest.approx(4000.0)
    assert shared_boundaries(units).geometry[0].is_ring


def test_lonlat_input_measures_in_metres_and_returns_lonlat():
    # Two cells of 0.01° near Cần Thơ, sharing a meridian edge of about 1.1 km.
    units = layer(
        {"A": box(105.77, 10.02, 105.78, 10.03), "B": box(105.78, 10.02, 105.79, 10.03)},
        crs=4326,
    )
    lines = shared_boundaries(units)
    assert lines.crs.to_epsg() == 4326
    assert lines.geometry[0].equals(shapely.LineString([(105.78, 10.02), (105.78, 10.03)]))
    assert lines.loc[0, "length_m"] == pytest.approx(1106, rel=0.005)


def test_explicit_crs_overrides_the_choice():
    units = layer(
        {"A": box(105.77, 10.02, 105.78, 10.03), "B": box(105.78, 10.02, 105.79, 10.03)}, crs=4326
    )
    utm48 = adjacency(units).shared_length_m[0]
    utm49 = adjacency(units, crs=32649).shared_length_m[0]
    assert utm48 != utm49
    assert utm49 == pytest.approx(utm48, rel=0.01)


def test_without_name_column():
    units = layer({"1": box(0, 0, 10, 10), "2": box(10, 0, 20, 10)}, names=False)
    table = adjacency(units)
    assert table.loc[0, "name_a"] is None
    assert shared_boundaries(units).loc[0, "name_b"] is None


def test_codes_are_strings_and_sorted():
    units = gpd.GeoDataFrame(
        {"code": [80, 79, 74]},
        geometry=[box(1000, 0, 2000, 1000), box(0, 0, 1000, 1000), box(0, 1000, 2000, 2000)],
        crs=UTM48,
    )
    table = adjacency(units)
    assert list(zip(table.code_a, table.code_b, strict=True)) == [
        ("74", "79"),
        ("74", "80"),
        ("79", "80"),
    ]
    assert (table.code_a < table.code_b).all()


def test_index_named_code_does_not_confuse_sorting():
    units = layer({"B": box(10, 0, 20, 10), "A": box(0, 0, 10, 10)}).set_index("code", drop=False)
    assert pair(adjacency(units), "A", "B").contact == "edge"


def test_invalid_geometry_is_repaired_with_a_warning():
    bowtie = Polygon([(0, 0), (1000, 1000), (1000, 0), (0, 1000)])
    units = layer({"A": bowtie, "B": box(1000, 0, 2000, 1000)})
    with pytest.warns(GeozoneWarning, match="code A"):
        table = adjacency(units)
    assert pair(table, "A", "B").contact == "edge"


def test_repeated_calls_share_work_but_follow_edits():
    units = layer({"A": box(0, 0, 1000, 1000), "B": box(1000, 0, 2000, 1000)})
    first = adjacency(units)
    first.loc[0, "contact"] = "scribbled"  # the caller's copy, not the cached one
    assert adjacency(units).loc[0, "contact"] == "edge"
    # Editing a geometry, a code or a name is seen at once.
    units.loc[1, "geometry"] = box(1000, 0, 2000, 500)
    assert adjacency(units).loc[0, "shared_length_m"] == pytest.approx(500.0)
    units.loc[1, "code"] = "C"
    assert list(adjacency(units).code_b) == ["C"]
    units.loc[0, "name"] = "Renamed"
    assert shared_boundaries(units).loc[0, "name_a"] == "Renamed"


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------


def test_duplicate_codes_are_named():
    units = layer({"A": box(0, 0, 1, 1), "B": box(1, 0, 2, 1)})
    units.loc[1, "code"] = "A"
    with pytest.raises(InputError, match="duplicated: A"):
        adjacency(units)


@pytest.mark.parametrize("bad", [None, Polygon()])
def test_null_or_empty_geometry_names_the_row(bad):
    units = layer({"A": box(0, 0, 1, 1), "B": box(1, 0, 2, 1)})
    units.loc[1, "geometry"] = bad
    with pytest.raises(InputError, match=r"row 1 \(code B\)"):
        shared_boundaries(units)


def test_non_polygon_geometry():
    units = layer({"A": box(0, 0, 1, 1), "B": shapely.Point(5, 5)})
    with pytest.raises(InputError, match=r"not polygons.*code B"):
        adjacency(units)


def test_missing_code_column():
    units = gpd.GeoDataFrame({"id": [1]}, geometry=[box(0, 0, 1, 1)], crs=UTM48)
    with pytest.raises(InputError, match="no 'code' column"):
        adjacency(units)


def test_missing_code_value():
    units = layer({"A": box(0, 0, 1, 1), "B": box(1, 0, 2, 1)})
    units["code"] = ["A", None]
    with pytest.raises(InputError, match="no code"):
        adjacency(units)


def test_no_crs():
    units = layer({"A": box(0, 0, 1, 1), "B": box(1, 0, 2, 1)}, crs=None)
    with pytest.raises(InputError, match="no CRS"):
        adjacency(units)


@pytest.mark.parametrize("tolerance", [-1, float("nan"), "wide"])
def test_bad_tolerance(tolerance):
    units = layer({"A": box(0, 0, 1, 1), "B": box(1, 0, 2, 1)})
    with pytest.raises(InputError, match="tolerance_m"):
        adjacency(units, tolerance_m=tolerance)


def test_not_a_geodataframe():
    with pytest.raises(InputError, match="GeoDataFrame"):
        adjacency(pd.DataFrame({"code": ["A"]}))


# --------------------------------------------------------------------------------------
# The neighbour graph
# --------------------------------------------------------------------------------------


def test_graph_from_units_and_from_table():
    units = layer(
        {
            "A": box(0, 0, 1000, 1000),
            "B": box(1000, 0, 2000, 1000),
            "C": box(2000, 1000, 3000, 2000),
            "D": box(9000, 9000, 9500, 9500),
        }
    )
    graph = adjacency_graph(units)
    assert sorted(graph.nodes) == ["A", "B", "C", "D"]  # the island too
    assert graph.nodes["A"]["name"] == "Unit A"
    assert graph.edges["A", "B"]["contact"] == "edge"
    assert graph.edges["A", "B"]["shared_length_m"] == pytest.approx(1000.0)
    assert graph.edges["B", "C"]["contact"] == "point"

    edges_only = adjacency_graph(units, contacts=("edge",))
    assert list(edges_only.edges) == [("A", "B")]

    from_table = adjacency_graph(adjacency(units))
    assert sorted(from_table.nodes) == ["A", "B", "C"]
    assert nx.utils.edges_equal(from_table.edges, graph.edges)
    assert from_table.nodes["C"]["name"] == "Unit C"


def test_graph_rejects_unknown_contacts_and_inputs():
    units = layer({"A": box(0, 0, 1, 1), "B": box(1, 0, 2, 1)})
    with pytest.raises(InputError, match="unknown contact"):
        adjacency_graph(units, contacts=("edges",))
    with pytest.raises(InputError, match="lacks column"):
        adjacency_graph(pd.DataFrame({"code_a": ["A"]}))
    with pytest.raises(InputError, match="GeoDataFrame or an adjacency table"):
        adjacency_graph([("A", "B")])
    assert CONTACTS == ("edge", "point", "near")
    assert DEFAULT_TOLERANCE_M == 1.0


# --------------------------------------------------------------------------------------
# Random partitions
# --------------------------------------------------------------------------------------

SQUARE = box(0, 0, 10_000, 10_000)


@st.composite
def voronoi_partitions(draw):
    """A random Voronoi partition of a 10 km square, cells coded '00', '01', ...

    Sites lie on a 10 m grid, so every cell (convex) holds a disc 10 m across: the
    properties below assume cells wider than the tolerance and its slivers, and units
    thinner than that have their own test
    (``test_unit_thinner_than_the_tolerance_keeps_both_its_edges``).
    """
    n = draw(st.integers(min_value=3, max_value=14))
    site = st.integers(10, 990).map(lambda v: 10 * v)
    coords = draw(st.lists(st.tuples(site, site), min_size=n, max_size=n, unique=True))
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.MultiPoint(coords), extend_to=SQUARE)
    )
    cells = [c for c in shapely.intersection(cells, SQUARE) if c.area > 1.0]
    order = draw(st.permutations(range(len(cells))))  # codes unrelated to position
    return layer({f"{k:02d}": cells[i] for k, i in enumerate(order)})


def exact_pairs(units) -> dict:
    """Shared edge length of every pair, straight from GEOS."""
    g = units.geometry.to_numpy()
    codes = units["code"].to_numpy()
    out = {}
    for i in range(len(g)):
        for j in range(len(g)):
            if codes[i] < codes[j]:
                length = shapely.intersection(g[i].boundary, g[j].boundary).length
                if length > 0:
                    out[(codes[i], codes[j])] = length
    return out


def sharpest_corner(units, point) -> float:
    """The smallest angle (radians) of the cells' corners at a point of their boundaries."""
    angles = []
    for cell in units.geometry[units.geometry.distance(point) < 1e-6]:
        ring = np.asarray(cell.exterior.coords)[:-1]
        k = int(np.argmin(np.hypot(*(ring - [point.x, point.y]).T)))
        u, w = ring[k - 1] - ring[k], ring[(k + 1) % len(ring)] - ring[k]
        angles.append(np.arccos(np.clip(u @ w / np.hypot(*u) / np.hypot(*w), -1, 1)))
    return min(angles)


def perturbed(units, offset):
    """Every cell grown (offset > 0) or shrunk: no edge stays identical."""
    out = units.copy()
    out["geometry"] = units.geometry.buffer(offset, join_style="mitre")
    return out


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(voronoi_partitions())
def test_exact_partition_matches_geos(units):
    expected = exact_pairs(units)
    table = adjacency(units)
    edges = table[table.contact == "edge"]
    found = {
        (a, b): s for a, b, s in zip(edges.code_a, edges.code_b, edges.shared_length_m, strict=True)
    }
    assert {k for k, v in expected.items() if v > DEFAULT_TOLERANCE_M} == set(found)
    for key, length in found.items():
        assert length == pytest.approx(expected[key], abs=1e-6)

    lines = shared_boundaries(units)
    outline = SQUARE.exterior
    for line in lines.geometry:
        # The square's outline is "coast": never part of a shared line.
        assert line.intersection(outline).length == 0.0
        assert shapely.get_num_geometries(line) == 1


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(voronoi_partitions(), st.integers(2, 60))
def test_chunk_size_does_not_change_the_result(units, chunk):
    # Passes over millions of segments work chunk by chunk; a run of shared segments that a
    # chunk boundary cuts must come out whole. Densified cells give runs of many segments.
    units = units.assign(geometry=shapely.segmentize(units.geometry.to_numpy(), 100.0))
    topology_module._clear_cache()
    expected = topology_module._build_topology(units)
    expected_table = adjacency(units)
    topology_module._clear_cache()
    with mock.patch.object(topology_module, "_CHUNK", chunk):
        found = topology_module._build_topology(units)
        table = adjacency(units)
    topology_module._clear_cache()
    np.testing.assert_array_equal(found.exact_runs, expected.exact_runs)
    pd.testing.assert_frame_equal(table, expected_table, check_exact=False, rtol=1e-12)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(voronoi_partitions(), st.floats(0.05, 0.45), st.booleans())
def test_slivers_and_overlaps_within_tolerance(units, offset, grow):
    tolerance = 1.0
    expected = exact_pairs(units)
    moved = perturbed(units, offset if grow else -offset)
    table = adjacency(moved, tolerance_m=tolerance)
    edges = table[table.contact == "edge"]
    found = dict(
        zip(zip(edges.code_a, edges.code_b, strict=True), edges.shared_length_m, strict=True)
    )
    # Every long edge survives with about its length: shrinking or growing a cell moves a
    # corner of angle a by offset / sin(a / 2) along the edge, and around a junction the
    # line may run on through the overlap as far again, so the allowance grows at sharp
    # corners.
    g = dict(zip(units.code, units.geometry, strict=True))
    for key, length in expected.items():
        if length > 20 * tolerance:
            assert key in found
            edge = shapely.intersection(g[key[0]].boundary, g[key[1]].boundary)
            ends = [shapely.Point(c) for c in shapely.get_coordinates(shapely.line_merge(edge))]
            slack = sum(
                offset / np.sin(sharpest_corner(units, e) / 2) for e in ends[:: len(ends) - 1]
            )
            assert found[key] == pytest.approx(length, abs=2 * tolerance + 2 * slack)
    # ... and nothing appears between units that were not within reach.
    for a, b in found:
        assert g[a].distance(g[b]) <= tolerance + 2 * offset

    lines = shared_boundaries(moved, tolerance_m=tolerance)
    geoms = dict(zip(moved.code, moved.geometry, strict=True))
    for row in lines.itertuples():
        vertices = shapely.points(shapely.get_coordinates(row.geometry))
        # A shared line lies within the tolerance of both units ...
        assert shapely.distance(vertices, geoms[row.code_a]).max() <= tolerance + 1e-6
        assert shapely.distance(vertices, geoms[row.code_b]).max() <= tolerance + 1e-6
        # ... and only leaves the exact border in stubs at most the tolerance long.
        exact = shapely.intersection(g[row.code_a].boundary, g[row.code_b].boundary)
        stray = row.geometry.difference(exact.buffer(2 * offset + 1e-6))
        assert stray.length <= 2 * (tolerance + 2 * offset) * 2


# --------------------------------------------------------------------------------------
# Real data
# --------------------------------------------------------------------------------------


def edge_neighbours(table: pd.DataFrame, code: str) -> set[str]:
    edges = table[table.contact == "edge"]
    return set(edges.code_b[edges.code_a == code]) | set(edges.code_a[edges.code_b == code])


@pytest.mark.realdata
def test_2025_provinces_mekong_neighbours(provinces_2025):
    table = adjacency(provinces_2025)
    assert edge_neighbours(table, "91") == {"96", "92", "82"}
    assert edge_neighbours(table, "92") == {"91", "96", "86", "82"}


@pytest.mark.realdata
def test_published_provinces_an_giang_dong_thap_is_one_pair(provinces_2025_published):
    table = adjacency(provinces_2025_published)
    row = pair(table, "82", "91")
    assert row.contact == "edge"
    assert row.overlap_m2 == pytest.approx(6.12e6, rel=0.03)  # the documented 6.1 km²
    lines = shared_boundaries(provinces_2025_published)
    mine = lines[lines.pair_id == "82-91"]
    assert len(mine) == 1
    # The 4.1 km² gap interrupts the line once; nothing else does.
    assert shapely.get_num_geometries(mine.geometry.iloc[0]) == 2
    assert mine.length_m.iloc[0] == pytest.approx(row.shared_length_m)
    assert edge_neighbours(table, "91") == {"96", "92", "82"}


@pytest.mark.realdata
def test_2008_ho_chi_minh_city_neighbours(provinces_2008):
    table = adjacency(provinces_2008)
    assert edge_neighbours(table, "79") == {"77", "74", "75", "80", "72", "82"}


@pytest.mark.realdata
def test_2008_provinces_agree_with_libpysal(provinces_2008):
    from libpysal.graph import Graph

    projected = provinces_2008.set_index("code", drop=False).to_crs(UTM48)
    projected["geometry"] = projected.make_valid()

    def pairs_of(graph):
        table = graph.adjacency.reset_index()
        table.columns = ["focal", "neighbor", "weight"]
        table = table[(table.focal < table.neighbor) & (table.weight > 0)]
        return dict(zip(zip(table.focal, table.neighbor, strict=True), table.weight, strict=True))

    # Vertex-based Rook contiguity: the same neighbour sets.
    rook = pairs_of(Graph.build_contiguity(projected.geometry, rook=True, strict=False))
    table = adjacency(provinces_2008, crs=UTM48)
    edges = table[table.contact == "edge"]
    mine = dict(
        zip(zip(edges.code_a, edges.code_b, strict=True), edges.shared_length_m, strict=True)
    )
    assert set(mine) == set(rook)

    # Perimeter weights (strict Rook drops the one pair with a 95 m² overlap, 19-24).
    perimeter = pairs_of(
        Graph.build_contiguity(projected.geometry, rook=True, strict=True, by_perimeter=True)
    )
    assert set(mine) - set(perimeter) == {("19", "24")}
    for key, length in perimeter.items():
        assert mine[key] == pytest.approx(length, rel=0.01)


@pytest.mark.realdata
def test_2008_districts_song_cau_quy_nhon(districts_2008):
    table = adjacency(districts_2008)
    row = pair(table, "540", "557")
    assert row.contact == "edge"
    assert row.shared_length_m == pytest.approx(25_300, rel=0.01)


@pytest.mark.realdata
def test_2008_districts_across_the_quang_nam_quang_ngai_gap(districts_2008):
    # Nam Trà My (516) and Sơn Hà (529) face each other across the 340 km² gap the
    # government map leaves between the provinces: no contact at all.
    units = districts_2008[districts_2008.province_code.isin(["49", "51"])]
    table = adjacency(units)
    assert table[(table.code_a == "516") & (table.code_b == "529")].empty
    assert pair(table, "525", "529").contact == "edge"


@pytest.mark.realdata
def test_2025_communes_coast_and_lines(communes_2025):
    # Cà Mau: coast on three sides, and the most coastal junctions in the country.
    units = communes_2025[communes_2025.province_code == "96"]
    tolerance = DEFAULT_TOLERANCE_M
    lines = shared_boundaries(units).to_crs(32648)
    projected = units.to_crs(32648).set_index("code").geometry
    outline = shapely.union_all(projected.to_numpy()).boundary
    assert len(lines) > 150
    for row in lines.itertuples():
        vertices = shapely.points(shapely.get_coordinates(row.geometry))
        assert shapely.distance(vertices, projected[row.code_a]).max() <= tolerance + 1e-6
        assert shapely.distance(vertices, projected[row.code_b]).max() <= tolerance + 1e-6
    # Shared lines meet the coast and the provincial border only at their ends.
    along_outline = shapely.length(
        shapely.intersection(lines.geometry.to_numpy(), outline.buffer(0.01))
    )
    assert along_outline.max() <= 2 * tolerance


# --------------------------------------------------------------------------------------
# Internals that must agree with the simple way of doing the same thing
# --------------------------------------------------------------------------------------


def _reference_near_pairs(segments, unmatched, tolerance):
    """Every pair of unmatched segments of different units within the tolerance, by brute force."""
    from geozone.topology import _segment_distance

    p, q = segments.p[unmatched], segments.q[unmatched]
    reach = tolerance / 2.0
    low, high = np.minimum(p, q) - reach, np.maximum(p, q) + reach
    i, j = np.triu_indices(len(unmatched), 1)
    boxes_meet = (
        (low[i, 0] <= high[j, 0])
        & (low[j, 0] <= high[i, 0])
        & (low[i, 1] <= high[j, 1])
        & (low[j, 1] <= high[i, 1])
    )
    keep = boxes_meet & (segments.unit[unmatched[i]] != segments.unit[unmatched[j]])
    i, j = i[keep], j[keep]
    close = _segment_distance(p[i], q[i], p[j], q[j]) <= tolerance
    i, j = unmatched[i[close]], unmatched[j[close]]
    pairs = set(zip(i.tolist(), j.tolist(), strict=True))
    return pairs | {(b, a) for a, b in pairs}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    tolerance=st.sampled_from([0.0, 1.0, 5.0, 40.0]),
    chain=st.sampled_from([1, 2, 16]),
)
def test_near_unmatched_finds_every_close_pair(seed, tolerance, chain):
    import geozone.topology as topology

    rng = np.random.default_rng(seed)
    cells = shapely.voronoi_polygons(
        shapely.multipoints(rng.uniform(0, 2000, (12, 2))), extend_to=box(0, 0, 2000, 2000)
    )
    cells = shapely.intersection(shapely.get_parts(cells), box(0, 0, 2000, 2000))
    # Densify, and shrink or grow half of the cells a little, so that only some edges stay
    # identical.
    grow = np.where(rng.random(len(cells)) < 0.5, 0.0, rng.uniform(-3.0, 3.0, len(cells)))
    cells = shapely.segmentize(shapely.buffer(cells, grow, join_style="mitre"), 37.0)
    polygonal = np.isin(shapely.get_type_id(cells), [3, 6])
    units = layer({f"U{k:02d}": g for k, g in enumerate(cells[polygonal])})
    _, segments, own, other = topology._load_units(units, None)
    matched = np.zeros(len(segments), bool)
    matched[own] = matched[other] = True
    unmatched = np.flatnonzero(~matched)
    saved = topology._CHAIN
    topology._CHAIN = chain
    try:
        a, b = topology._near_unmatched(segments, unmatched, tolerance)
    finally:
        topology._CHAIN = saved
    found = list(zip(a.tolist(), b.tolist(), strict=True))
    assert len(found) == len(set(found))
    assert set(found) == _reference_near_pairs(segments, unmatched, tolerance)


def test_projection_is_the_same_as_to_crs():
    import geozone.topology as topology

    units = layer(
        {
            "A": box(105.0, 10.0, 105.01, 10.01),
            "B": shapely.Polygon(
                [(105.01, 10.0), (105.02, 10.0), (105.02, 10.01), (105.01, 10.01)],
                [[(105.012, 10.002), (105.014, 10.002), (105.014, 10.004), (105.012, 10.004)]],
            ),
            "C": shapely.MultiPolygon(
                [box(105.03, 10.0, 105.04, 10.01), box(105.05, 10.0, 105.06, 10.01)]
            ),
            "D": shapely.MultiPolygon([box(105.07, 10.0, 105.08, 10.01)]),
        },
        crs=4326,
    )
    loaded, segments, own, _ = topology._load_units(units, None)
    expected = units.to_crs(loaded.metric_crs).geometry.to_numpy()
    # Same coordinates and the same geometry types (a one-part MultiPolygon stays one).
    assert shapely.equals_identical(loaded.metric, expected).all()
    assert list(shapely.get_type_id(loaded.metric)) == [3, 3, 6, 6]
    # A and B share an edge: B's vertices on it take A's projection (one of them closes B's
    # shell), and the last vertex of each of the 6 rings takes its first's.
    assert len(own) == 1
    copies = topology._vertex_copies(segments, *topology._identical_segments(segments))
    assert (copies != np.arange(len(copies))).sum() == 1 + 6
    assert np.array_equal(segments.coords, shapely.get_coordinates(expected))
    assert np.array_equal(segments.source_coords, shapely.get_coordinates(units.geometry))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(voronoi_partitions(), st.data())
def test_projecting_each_shared_vertex_once_is_to_crs(units, data):
    import geozone.topology as topology

    # The partition in degrees (shared vertices stay bit-identical under the same affine
    # map), some cells turned clockwise, so that neighbours run their shared edges both ways.
    geometry = shapely.transform(units.geometry.to_numpy(), lambda xy: xy / 1e5 + (105.5, 10.2))
    turned = np.array(data.draw(st.lists(st.booleans(), min_size=len(units), max_size=len(units))))
    geometry[turned] = shapely.reverse(geometry[turned])
    units = gpd.GeoDataFrame({"code": units["code"]}, geometry=geometry, crs=4326)
    loaded, segments, _, _ = topology._load_units(units, None)
    expected = units.iloc[np.argsort(units["code"].to_numpy())].to_crs(loaded.metric_crs)
    assert shapely.equals_identical(loaded.metric, expected.geometry.to_numpy()).all()
    assert np.array_equal(segments.coords, shapely.get_coordinates(expected.geometry))


def test_a_mirroring_crs_keeps_the_units_on_their_side():
    # x grows westward: the projection turns counter-clockwise rings clockwise. The 0.44 m
    # sliver is only bridged by the tolerance pass, whose probes must point out of each unit.
    mirrored = (
        "+proj=tmerc +lon_0=105 +k=0.9996 +x_0=500000 +ellps=WGS84 +axis=wnu +units=m +no_defs"
    )
    units = layer(
        {"A": box(105.0, 10.0, 105.01, 10.01), "B": box(105.010004, 10.0, 105.02, 10.01)},
        crs=4326,
    )
    upright = adjacency(units)
    table = adjacency(units, crs=mirrored)
    assert table.loc[0, "contact"] == upright.loc[0, "contact"] == "edge"
    assert table.loc[0, "shared_length_m"] == pytest.approx(upright.loc[0, "shared_length_m"])
