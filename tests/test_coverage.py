"""Tests for geozone.coverage: hand-made squares in UTM 48N, properties, and the real layers.

The real-data tests pin the defects the boundaries README documents; each runs on a layer
or a province subset small enough to keep this file well under a minute and a half.
"""

from __future__ import annotations

import doctest
import warnings

import geopandas as gpd
import pandas as pd
import pyproj
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon, box

import geozone.coverage as coverage
from geozone import datasets
from geozone.coverage import CleanReport, CoverageReport, check_coverage, clean_coverage
from geozone.errors import GeozoneWarning, InputError

UTM48 = 32648


def layer(geoms, codes=None, crs=UTM48, **columns) -> gpd.GeoDataFrame:
    codes = codes if codes is not None else [chr(ord("A") + k) for k in range(len(geoms))]
    return gpd.GeoDataFrame({"code": codes, **columns}, geometry=list(geoms), crs=crs)


def ring_around_hole(size=100.0):
    """Four units A-D around an empty size x size square (a gap between four units)."""
    s = size
    return [
        box(0, 0, s, 3 * s),  # A, west
        box(2 * s, 0, 3 * s, 3 * s),  # B, east
        box(s, 0, 2 * s, s),  # C, south
        box(s, 2 * s, 2 * s, 3 * s),  # D, north
    ]


# --------------------------------------------------------------------------------------
# check_coverage on hand-made layers
# --------------------------------------------------------------------------------------
def test_clean_grid_is_ok():
    grid = [box(x, y, x + 100, y + 100) for x in (0, 100) for y in (0, 100)]
    report = check_coverage(layer(grid))
    assert isinstance(report, CoverageReport)
    assert report.ok
    assert report.invalid.empty and report.overlaps.empty and report.gaps.empty
    assert report.near_misses.empty
    assert report.summary()["count"].sum() == 0
    assert report.crs.to_epsg() == UTM48
    assert "Result: OK" in report.to_text()


def test_overlap_is_measured_and_located():
    units = layer([box(0, 0, 100, 100), box(90, 0, 190, 100)])
    report = check_coverage(units)
    assert not report.ok
    row = report.overlaps.iloc[0]
    assert (row.row_a, row.row_b, row.code_a, row.code_b) == (0, 1, "A", "B")
    assert row.area_m2 == pytest.approx(1000.0)
    assert row.geometry.equals(box(90, 0, 100, 100))
    assert box(90, 0, 100, 100).contains(Point(row.x, row.y))
    assert report.gaps.empty


def test_unit_touching_a_gap_at_one_corner_is_not_around_it():
    # The hole is (100..200, 100..200); E fills the south-east square and meets the hole
    # at its corner (200, 100) only.
    units = layer(
        [
            box(0, 0, 100, 300),  # A
            box(200, 100, 300, 300),  # B
            box(100, 0, 200, 100),  # C
            box(100, 200, 200, 300),  # D
            box(200, 0, 300, 100),  # E
        ]
    )
    gap = check_coverage(units).gaps.iloc[0]
    assert gap.codes == ("A", "B", "C", "D") and gap.n_units == 4


def test_gap_between_four_units_names_them_all():
    report = check_coverage(layer(ring_around_hole()))
    assert len(report.gaps) == 1
    gap = report.gaps.iloc[0]
    assert gap.area_m2 == pytest.approx(10_000.0)
    assert gap.codes == ("A", "B", "C", "D")
    assert (gap.kind, gap.n_units) == ("gap", 4)
    assert gap.geometry.equals(box(100, 100, 200, 200))
    assert not report.ok


def test_open_bay_is_sea_not_a_gap():
    # A U-shape: the space between the arms opens onto the outside, so it is not a hole.
    units = layer([box(0, 0, 100, 300), box(200, 0, 300, 300), box(100, 0, 200, 100)])
    report = check_coverage(units)
    assert report.gaps.empty and report.ok


def test_hole_inside_one_unit_is_reported_but_not_a_failure():
    lagoon = Polygon(box(0, 0, 300, 300).exterior.coords, [box(100, 100, 200, 200).exterior.coords])
    report = check_coverage(layer([lagoon, box(300, 0, 400, 300)]))
    assert list(report.gaps["kind"]) == ["hole"]
    assert report.gaps.iloc[0].codes == ("A",)
    assert report.ok
    assert report.summary().at["holes", "count"] == 1


def test_island_inside_a_gap_is_cut_out_of_the_gap():
    island = box(140, 140, 160, 160)
    report = check_coverage(layer([*ring_around_hole(), island]))
    gap = report.gaps.iloc[0]
    assert gap.area_m2 == pytest.approx(10_000.0 - 400.0)
    assert gap.codes == ("A", "B", "C", "D", "E")


def test_triple_overlap_gives_three_pairs():
    units = layer([box(0, 0, 100, 100), box(50, 0, 150, 100), box(0, 50, 150, 150)])
    report = check_coverage(units)
    pairs = {(r.code_a, r.code_b): r.area_m2 for r in report.overlaps.itertuples()}
    assert pairs == pytest.approx({("A", "B"): 5000.0, ("A", "C"): 5000.0, ("B", "C"): 5000.0})


def test_unit_inside_another_is_an_overlap():
    # Neither "overlaps" in the DE-9IM sense (one contains the other); still double-claimed.
    report = check_coverage(layer([box(0, 0, 100, 100), box(10, 10, 20, 20)]))
    assert report.overlaps.iloc[0].area_m2 == pytest.approx(100.0)


def test_results_are_ordered_largest_first_and_closest_first():
    units = layer(
        [
            box(0, 0, 100, 100),
            box(95, 0, 195, 100),  # 500 m² with A
            box(0, 80, 100, 180),  # 2000 m² with A
            box(300, 0, 400, 100),  # D, 105 m east of B
            box(407, 0, 500, 100),  # E, 7 m from D
            box(300, 103, 400, 200),  # F, 3 m from D, sqrt(7² + 3²) from E
        ]
    )
    report = check_coverage(units, near_m=20)
    assert report.overlaps["area_m2"].tolist() == pytest.approx([2000.0, 500.0, 100.0])
    assert report.overlaps.iloc[0][["code_a", "code_b"]].tolist() == ["A", "C"]
    assert list(report.near_misses["distance_m"]) == pytest.approx([3.0, 7.0, 58**0.5])
    assert report.near_misses.iloc[0][["code_a", "code_b"]].tolist() == ["D", "F"]


def test_near_misses_exclude_touching_pairs_and_respect_the_distance():
    # C touches A and lies 55 m from B.
    units = layer([box(0, 0, 100, 100), box(105, 0, 200, 100), box(0, 100, 50, 200)])
    report = check_coverage(units, near_m=10)
    assert report.near_misses[["code_a", "code_b"]].values.tolist() == [["A", "B"]]
    assert report.near_misses.iloc[0].distance_m == pytest.approx(5.0)
    assert report.near_misses.iloc[0].geometry.length == pytest.approx(5.0)
    assert report.ok  # near misses are informative only
    assert check_coverage(units, near_m=4).near_misses.empty
    assert check_coverage(units, near_m=0).near_misses.empty


def test_slivers_below_min_area_are_counted_not_listed():
    units = layer([box(0, 0, 100, 100), box(99.995, 0, 200, 100)])  # 0.5 m² overlap
    report = check_coverage(units)
    assert report.overlaps.empty
    count, area = report.below_min_area["overlaps"]
    assert count == 1 and area == pytest.approx(0.5)
    assert report.ok
    assert "below 1 m²" in report.to_text()
    strict = check_coverage(units, min_area_m2=0)
    assert strict.overlaps.iloc[0].area_m2 == pytest.approx(0.5)


# --------------------------------------------------------------------------------------
# Invalid rows
# --------------------------------------------------------------------------------------
BOW_TIE = Polygon([(0, 0), (100, 100), (100, 0), (0, 100), (0, 0)])
# A shell that touches itself at (50, 100), enclosing an "inverted hole".
SELF_TOUCHING = Polygon(
    [(0, 0), (100, 0), (100, 100), (50, 100), (75, 50), (50, 25), (25, 50), (50, 100), (0, 100)]
)


def test_bow_tie_is_reported_with_its_reason_and_still_measured():
    units = layer([BOW_TIE, box(90, 0, 190, 100)])
    report = check_coverage(units)
    assert report.invalid[["row", "code"]].values.tolist() == [[0, "A"]]
    assert report.invalid.iloc[0].reason.startswith("Self-intersection")
    # make_valid turns the bow-tie into two triangles; the eastern one (apex at 50, 50)
    # reaches into B over x = 90..100: the integral of its height 2x - 100 is 900 m².
    assert report.overlaps.iloc[0].area_m2 == pytest.approx(900.0)
    assert not report.ok


def test_self_touching_ring_is_invalid():
    assert not SELF_TOUCHING.is_valid
    report = check_coverage(layer([SELF_TOUCHING]))
    assert report.invalid.iloc[0].reason.startswith("Ring Self-intersection")


def test_missing_empty_and_non_polygonal_geometries():
    units = layer([box(0, 0, 100, 100), None, Polygon(), Point(5, 5), box(100, 0, 200, 100)])
    report = check_coverage(units)
    reasons = dict(zip(report.invalid["row"], report.invalid["reason"], strict=True))
    assert reasons == {
        1: "no geometry",
        2: "empty geometry",
        3: "not polygonal (Point): ignored",
    }
    assert report.overlaps.empty and report.gaps.empty
    assert not report.ok


def test_duplicate_and_missing_codes():
    units = layer(
        [box(0, 0, 10, 10), box(10, 0, 20, 10), box(20, 0, 30, 10), box(30, 0, 40, 10)],
        codes=["01", "02", "01", None],
    )
    report = check_coverage(units)
    table = report.invalid
    assert table["row"].tolist() == [0, 2, 3]
    assert "also in row 2" in table.iloc[0].reason
    assert "also in row 0" in table.iloc[1].reason
    assert table.iloc[2].reason == "no code"
    assert not report.ok


def test_all_geometries_missing_still_gives_a_report():
    report = check_coverage(layer([None, None]))
    assert len(report.invalid) == 2 and report.crs is None and not report.ok
    assert "nothing measurable" in report.to_text()


def test_repairs_done_by_the_loader_are_shown_but_do_not_fail():
    units = layer([box(0, 0, 100, 100)])
    units.attrs["geozone_repairs"] = [
        {"row": 0, "code": "A", "problem": "Self-intersection[1 2]", "repair": "make_valid"}
    ]
    report = check_coverage(units)
    assert report.ok
    assert report.repaired_on_load.iloc[0].code == "A"
    assert "Repaired when loaded" in report.to_text()


@pytest.mark.parametrize(
    ("units", "kwargs", "message"),
    [
        (pd.DataFrame({"code": ["A"]}), {}, "GeoDataFrame"),
        (gpd.GeoDataFrame({"id": ["A"]}, geometry=[box(0, 0, 1, 1)], crs=UTM48), {}, "'code'"),
        (gpd.GeoDataFrame({"code": ["A"]}, geometry=[box(0, 0, 1, 1)]), {}, "no CRS"),
        (layer([]), {}, "no rows"),
        (layer([box(0, 0, 1, 1)]), {"near_m": -1}, "near_m"),
        (layer([box(0, 0, 1, 1)]), {"min_area_m2": float("nan")}, "min_area_m2"),
        (layer([box(0, 0, 1, 1)]), {"crs": 4326}, "geographic"),
    ],
)
def test_bad_input_is_an_input_error(units, kwargs, message):
    with pytest.raises(InputError, match=message):
        check_coverage(units, **kwargs)


# --------------------------------------------------------------------------------------
# CRS handling
# --------------------------------------------------------------------------------------
def test_lonlat_input_is_measured_in_metres_and_returned_in_lonlat():
    metric = layer([box(500_000, 1_100_000, 501_000, 1_101_000),
                    box(500_900, 1_100_000, 502_000, 1_101_000)])  # fmt: skip
    lonlat = metric.to_crs(4326)
    report = check_coverage(lonlat)
    assert report.crs.to_epsg() == UTM48  # 105° E: UTM 48N
    assert report.overlaps.iloc[0].area_m2 == pytest.approx(100_000.0, rel=1e-3)
    assert report.overlaps.crs.equals(pyproj.CRS.from_epsg(4326))
    x, y = report.overlaps.iloc[0][["x", "y"]]
    assert 104.9 < x < 105.1 and 9.9 < y < 10.0
    assert "E," in report.to_text()
    override = check_coverage(lonlat, crs=32649)
    assert override.crs.to_epsg() == 32649


# --------------------------------------------------------------------------------------
# Text and HTML
# --------------------------------------------------------------------------------------
def test_text_report_lists_problems_with_readable_units():
    big = layer([box(0, 0, 3000, 3000), box(1000, 0, 4000, 3000)], codes=["82", "91"])
    text = check_coverage(big).to_text()
    assert "PROBLEMS FOUND" in text and "6.00 km²" in text and "82" in text
    assert str(check_coverage(big)) == text
    small = check_coverage(layer(ring_around_hole()))
    assert "10,000 m²" in small.to_text()
    assert "A, B, C, D" in small.to_text()
    assert "… and 2 more" in check_coverage(
        layer([box(0, 0, 10, 10), box(5, 0, 15, 10), box(12, 0, 20, 10), box(18, 0, 30, 10)])
    ).to_text(max_rows=1)


def test_html_escapes_every_data_string():
    units = layer([box(0, 0, 100, 100), box(90, 0, 190, 100)], codes=["<b>x</b>", "a&b"])
    page = check_coverage(units)._repr_html_()
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page
    assert "a&amp;b" in page
    assert page.count("<table") == 2  # summary + overlaps


def test_summary_counts_and_areas():
    units = layer([*ring_around_hole(), box(290, 0, 400, 100)])  # E overlaps B by 10 x 100
    summary = check_coverage(units).summary()
    assert summary.at["overlaps", "count"] == 1
    assert summary.at["overlaps", "total_area_m2"] == pytest.approx(1000.0)
    assert summary.at["gaps", "count"] == 1
    assert summary.at["gaps", "largest_m2"] == pytest.approx(10_000.0)
    assert summary.at["holes", "count"] == 0


# --------------------------------------------------------------------------------------
# clean_coverage
# --------------------------------------------------------------------------------------
def slot_layout(slot=2.0):
    """A and B separated by a narrow slot, C above, D below reaching 5 m into A and B."""
    return layer(
        [
            box(0, 0, 100, 100),
            box(100 + slot, 0, 200, 100),
            box(0, 100, 200, 150),
            box(0, -50, 200, 5),
        ]
    )


def test_clean_removes_overlaps_and_fills_narrow_gaps():
    units = slot_layout()
    cleaned, report = clean_coverage(units, gap_width_m=5)
    assert isinstance(report, CleanReport)
    assert check_coverage(cleaned).ok
    assert report.coverage_valid
    # The territory is exactly the outline: nothing lost, the slot filled.
    assert shapely.union_all(cleaned.geometry.values).area == pytest.approx(200 * 200)
    assert cleaned.area.sum() == pytest.approx(200 * 200)
    assert report.overlaps[["code_a", "code_b"]].values.tolist() == [["A", "D"], ["B", "D"]]
    assert set(report.overlaps["assigned_to"]) <= {"A", "B", "D"}
    filled = report.filled_gaps.iloc[0]
    assert filled.area_m2 == pytest.approx(2 * 95)
    assert filled.codes == ("A", "B", "C", "D") and filled.filled_by in {"A", "B"}
    assert report.remaining_gaps.empty
    units_table = report.units.set_index("code")
    assert units_table.at["C", "changed"] == False  # noqa: E712 - numpy bool
    assert units_table["area_after_m2"].sum() == pytest.approx(200 * 200)
    assert "Gaps filled" in report.to_text() and "CoverageCleaner" in report.method


def test_clean_never_gives_a_wide_gap_to_a_neighbour():
    units = layer(ring_around_hole())
    cleaned, report = clean_coverage(units, gap_width_m=10)
    assert report.filled_gaps.empty
    gap = report.remaining_gaps.iloc[0]
    assert gap.area_m2 == pytest.approx(10_000.0) and gap.codes == ("A", "B", "C", "D")
    assert cleaned.area.sum() == pytest.approx(units.area.sum())
    assert "not given to any unit" in report.to_text()
    # A width above the gap's inscribed diameter (100 m) does fill it.
    _, wide = clean_coverage(units, gap_width_m=101)
    assert len(wide.filled_gaps) == 1 and wide.remaining_gaps.empty


def test_clean_keeps_every_row_in_order_with_its_columns_and_index():
    units = layer(
        [box(0, 0, 100, 100), None, box(90, 0, 190, 100), Point(1, 1), box(190, 0, 250, 100)],
        codes=["A", "N", "B", "P", "E"],
        population=[1, 2, 3, 4, 5],
    )  # fmt: skip
    units.index = [10, 20, 30, 40, 50]
    cleaned, report = clean_coverage(units)
    assert list(cleaned.columns) == list(units.columns)
    assert list(cleaned.index) == [10, 20, 30, 40, 50]
    assert list(cleaned["code"]) == ["A", "N", "B", "P", "E"]
    assert list(cleaned["population"]) == [1, 2, 3, 4, 5]
    assert cleaned.crs.equals(units.crs)
    assert cleaned.geometry.iloc[1] is None
    assert cleaned.geometry.iloc[3].equals(Point(1, 1))
    notes = report.units.set_index("code")["note"]
    assert notes["N"] == "no geometry: left as is"
    assert notes["P"] == "not polygonal (Point): left as is"
    assert cleaned.geometry.iloc[0].intersection(cleaned.geometry.iloc[2]).area == 0
    assert len(report.units) == 5
    # Index labels are carried, never used to align: duplicates do not matter.
    units.index = [7, 7, 7, 8, 8]
    again, _ = clean_coverage(units)
    assert list(again.index) == [7, 7, 7, 8, 8]
    assert again.geometry.iloc[2].equals(cleaned.geometry.iloc[2])


def test_clean_repairs_a_bow_tie():
    cleaned, report = clean_coverage(layer([BOW_TIE, box(100, 0, 200, 100)]))
    assert cleaned.geometry.iloc[0].is_valid
    assert cleaned.geometry.iloc[0].area == pytest.approx(5000.0)  # both triangles kept
    row = report.units.iloc[0]
    assert row.note.startswith("made valid") and row.changed
    assert report.summary().at["units_made_valid", "count"] == 1


def test_clean_in_lonlat_keeps_input_vertices_bit_for_bit():
    metric = layer(
        [
            box(500_000, 1_100_000, 501_000, 1_101_000),
            box(501_000, 1_100_000, 502_000, 1_101_000),
            box(501_500, 1_100_500, 502_500, 1_101_500),  # overlaps B
            box(499_000, 1_100_000, 500_000, 1_101_000),  # untouched
        ]
    )
    lonlat = metric.to_crs(4326)
    cleaned, report = clean_coverage(lonlat)
    assert cleaned.crs.equals(lonlat.crs)
    before = {tuple(xy) for xy in shapely.get_coordinates(lonlat.geometry.values)}
    after = {tuple(xy) for xy in shapely.get_coordinates(cleaned.geometry.values)}
    created = after - before
    # Only the two points where C's edges cross B's are new; all else is the input's.
    assert len(created) == 2
    # Shared edges match exactly in lon/lat, so the output is a valid coverage there too.
    assert shapely.coverage_is_valid(cleaned.geometry.values)
    assert check_coverage(cleaned).ok
    d = cleaned.geometry.iloc[3]
    assert shapely.equals_exact(shapely.normalize(d), shapely.normalize(lonlat.geometry.iloc[3]),
                                tolerance=0)  # fmt: skip
    assert not report.units.iloc[3].changed


def test_clean_empties_a_duplicate_and_warns():
    units = layer([box(0, 0, 100, 100), box(0, 0, 100, 100)], codes=["A", "A2"])
    with pytest.warns(GeozoneWarning, match="came out empty"):
        cleaned, report = clean_coverage(units)
    assert sorted(cleaned.area) == pytest.approx([0.0, 10_000.0])
    assert report.units["note"].str.contains("lost all").sum() == 1


def test_clean_merge_strategy():
    units = layer([box(0, 0, 100, 100), box(90, 0, 300, 100)])
    cleaned, report = clean_coverage(units, merge_strategy="max_area")
    assert report.overlaps.iloc[0].assigned_to == "B"
    assert cleaned.area.tolist() == pytest.approx([9000.0, 21000.0])
    cleaned, report = clean_coverage(units, merge_strategy="min_area")
    assert report.overlaps.iloc[0].assigned_to == "A"
    with pytest.raises(InputError, match="merge_strategy"):
        clean_coverage(units, merge_strategy="biggest")
    with pytest.raises(InputError, match="gap_width_m"):
        clean_coverage(units, gap_width_m=-1)


def test_clean_fallback_without_coverage_clean(monkeypatch):
    monkeypatch.setattr(coverage, "_HAS_COVERAGE_CLEAN", False)
    units = slot_layout()
    with pytest.warns(GeozoneWarning, match="no coverage_clean"):
        cleaned, report = clean_coverage(units, gap_width_m=5)
    assert "simple repair" in report.method
    # Overlaps go to the earlier row: A and B keep their strips, D loses them.
    assert list(report.overlaps["assigned_to"]) == ["A", "B"]
    assert cleaned.geometry.iloc[3].area == pytest.approx(200 * 55 - 500 - 490)
    # No gap is filled: the slot is still there and reported.
    assert report.filled_gaps.empty
    assert report.remaining_gaps.iloc[0].area_m2 == pytest.approx(190.0)
    assert check_coverage(cleaned).overlaps.empty


def test_clean_report_text_and_html():
    _, report = clean_coverage(slot_layout(), gap_width_m=5)
    text = report.to_text()
    for part in ("Method:", "valid coverage: yes", "Overlaps resolved", "Units changed"):
        assert part in text
    assert str(report) == text
    html_text = report._repr_html_()
    assert "<table" in html_text and "<script" not in html_text
    assert "CleanReport" in repr(report)


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------
CELL = 100.0


@st.composite
def jittered_grids(draw):
    """A grid of cells whose corners each unit digitised on its own, up to 8 m off."""
    nx = draw(st.integers(2, 4))
    ny = draw(st.integers(1, 3))
    # Subnormal offsets (5e-324) make GEOS overflow internally; no survey has them.
    jitter = st.floats(-8.0, 8.0, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    cells = []
    for i in range(nx):
        for j in range(ny):
            x, y = i * CELL, j * CELL
            corners = [(x, y), (x + CELL, y), (x + CELL, y + CELL), (x, y + CELL)]
            cells.append(Polygon([(cx + draw(jitter), cy + draw(jitter)) for cx, cy in corners]))
    return layer(cells, codes=[f"{k:03d}" for k in range(len(cells))])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(units=jittered_grids(), gap_width=st.sampled_from([0.0, 3.0, 20.0]))
def test_property_clean_output_is_a_coverage(units, gap_width):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GeozoneWarning)
        cleaned, report = clean_coverage(units, gap_width_m=gap_width)
    assert list(cleaned["code"]) == list(units["code"])
    assert list(cleaned.index) == list(units.index)
    after = check_coverage(cleaned, near_m=0, min_area_m2=0)
    total = units.area.sum()
    assert after.overlaps["area_m2"].sum() + after.below_min_area["overlaps"][1] <= 1e-6 * total
    # A unit keeps at least its nominal square shrunk by 8 m a side (84² m²) out of at
    # most 116² m²: more than half.
    kept = cleaned.area.to_numpy() / units.area.to_numpy()
    assert (kept > 0.5).all()
    # Territory is never removed, only gaps added: the union can only grow.
    union_before = shapely.union_all(units.geometry.values).area
    union_after = shapely.union_all(cleaned.geometry.values).area
    assert union_after >= union_before - 1e-6 * total
    # What grew is exactly the gaps reported as filled (slivers included).
    filled = report.filled_gaps["area_m2"].sum() + report.below_min_area["filled_gaps"][1]
    assert union_after - union_before == pytest.approx(filled, abs=1e-4 * total)
    # Remaining gaps are wider than the width that closes gaps.
    for gap in report.remaining_gaps.geometry:
        radius = shapely.maximum_inscribed_circle(gap, tolerance=0.01).length
        assert 2 * radius >= 0.9 * gap_width


@settings(max_examples=25, deadline=None)
@given(units=jittered_grids())
def test_property_gap_areas_add_up(units):
    report = check_coverage(units, near_m=0, min_area_m2=0)
    union = shapely.union_all(units.geometry.values)
    filled = shapely.union_all([Polygon(p.exterior) for p in shapely.get_parts(union)])
    assert report.gaps["area_m2"].sum() == pytest.approx(filled.area - union.area, abs=1e-6)
    # Two units overlap exactly when their intersection has area.
    listed = {(r.row_a, r.row_b) for r in report.overlaps.itertuples()}
    geoms = units.geometry.values
    expected = {
        (a, b)
        for a in range(len(geoms))
        for b in range(a + 1, len(geoms))
        if geoms[a].intersection(geoms[b]).area > 0
    }
    assert listed == expected


def test_docstring_examples_run():
    result = doctest.testmod(coverage, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 8 and result.failed == 0


# --------------------------------------------------------------------------------------
# Real data (the defects documented in the boundaries README)
# --------------------------------------------------------------------------------------
def _by_codes(frame, codes):
    return frame[frame["codes"].map(lambda c: set(c) == set(codes))]


@pytest.mark.realdata
def test_real_published_provinces_an_giang_dong_thap(provinces_2025_published):
    report = check_coverage(provinces_2025_published)
    big = report.overlaps[report.overlaps["area_m2"] > 1e6]
    assert big[["code_a", "code_b"]].values.tolist() == [["82", "91"]]
    assert big.iloc[0].area_m2 == pytest.approx(6.12e6, rel=0.10)
    gaps = report.gaps[report.gaps["area_m2"] > 1e6]
    assert len(gaps) == 1
    assert gaps.iloc[0].area_m2 == pytest.approx(4.10e6, rel=0.10)
    assert set(gaps.iloc[0].codes) == {"82", "91"}
    # near 105.48 E, 10.54 N
    assert gaps.iloc[0].x == pytest.approx(105.48, abs=0.1)
    assert gaps.iloc[0].y == pytest.approx(10.54, abs=0.1)
    assert report.invalid.empty and not report.ok


@pytest.mark.realdata
def test_real_districts_2008_large_gaps(districts_2008):
    report = check_coverage(districts_2008, near_m=0)
    province_of = dict(zip(districts_2008["code"], districts_2008["province_code"], strict=True))
    gaps = report.gaps
    found = {}
    for gap in gaps.itertuples():
        found.setdefault(frozenset(province_of[c] for c in gap.codes), []).append(gap.area_m2)
    # Quảng Nam (49) / Quảng Ngãi (51); Hà Nội (01) / Hòa Bình (17), where Phú Thọ (25)
    # district 238 also borders the gap for 8 km.
    assert max(found[frozenset({"49", "51"})]) == pytest.approx(340e6, rel=0.10)
    assert max(found[frozenset({"01", "17", "25"})]) == pytest.approx(204e6, rel=0.10)
    assert gaps.iloc[0].area_m2 == pytest.approx(340e6, rel=0.10)  # the largest of all
    # Districts meeting a gap at one point only are not its neighbours (516, 239).
    assert set(gaps.iloc[0].codes) == {"515", "525", "529", "530"}
    assert set(gaps.iloc[1].codes) == {"148", "152", "153", "238", "271", "276"}


@pytest.mark.realdata
def test_real_odm_raw_file_has_one_self_intersection(data_dir):
    entry = datasets.dataset("vn2008-provinces")
    path = datasets.dataset_path("vn2008-provinces")
    raw = gpd.read_file(f"/vsizip/{path}/{entry.member}")
    raw = raw.rename(columns={"code": "feature_class", "gso_code": "code"})
    report = check_coverage(raw, near_m=0)
    assert len(report.invalid) == 1
    bad = report.invalid.iloc[0]
    assert bad.code == "56"  # Khánh Hòa (Trường Sa)
    assert bad.reason.startswith("Self-intersection")
    # Shared-arc topology: no overlap worth the name; the holes are atoll lagoons.
    assert report.overlaps["area_m2"].sum() < 1000
    land_gaps = report.gaps[(report.gaps["kind"] == "gap") & (report.gaps["area_m2"] > 1e5)]
    assert land_gaps.empty
    assert report.gaps["area_m2"].sum() == pytest.approx(212.6e6, rel=0.02)


@pytest.mark.realdata
def test_real_odm_loaded_layer_was_repaired_on_load(provinces_2008):
    report = check_coverage(provinces_2008, near_m=0)
    # geozone.load_units make_valid's the self-intersection; the check shows it as such.
    assert report.invalid.empty
    assert report.repaired_on_load["code"].tolist() == ["56"]
    assert "Self-intersection" in report.repaired_on_load.iloc[0].reason


@pytest.mark.realdata
def test_real_dvhcvn_provinces_two_real_gaps(provinces_2008_dvhcvn):
    report = check_coverage(provinces_2008_dvhcvn, near_m=0)
    khanh_hoa = _by_codes(report.gaps, {"56", "66"})
    assert khanh_hoa.iloc[0].area_m2 == pytest.approx(92.8e6, rel=0.10)
    south = _by_codes(report.gaps, {"75", "77", "79"})
    assert south.iloc[0].area_m2 == pytest.approx(33.6e6, rel=0.10)
    # ... and the 540 micro-slivers stay out of the listing
    assert report.below_min_area["gaps"][0] > 300
    assert (report.gaps["area_m2"] > 10e6).sum() == 2


@pytest.mark.realdata
def test_real_lao_cai_communes_triple_overlap(communes_2025):
    lao_cai = communes_2025[communes_2025["province_code"] == "15"]
    report = check_coverage(lao_cai)
    big = report.overlaps[report.overlaps["area_m2"] > 1e5]
    assert {frozenset(p) for p in big[["code_a", "code_b"]].values.tolist()} == {
        frozenset({"02647", "02683"}),
        frozenset({"02647", "02746"}),
        frozenset({"02683", "02746"}),
    }
    assert big["area_m2"].to_numpy() == pytest.approx([3.49e6] * 3, rel=0.10)


@pytest.mark.realdata
def test_real_near_miss_between_lao_cai_and_lai_chau(communes_2025):
    pair = communes_2025[communes_2025["province_code"].isin(["15", "12"])]
    report = check_coverage(pair, near_m=50)
    table = report.near_misses[["code_a", "code_b", "distance_m"]]
    near = {frozenset((a, b)): d for a, b, d in table.itertuples(index=False)}
    assert near[frozenset({"03037", "03616"})] < 1.0


@pytest.mark.realdata
def test_real_clean_lao_cai(communes_2025):
    lao_cai = communes_2025[communes_2025["province_code"] == "15"]
    cleaned, report = clean_coverage(lao_cai)
    assert report.coverage_valid
    assert list(cleaned["code"]) == list(lao_cai["code"])
    after = check_coverage(cleaned, near_m=0)
    assert after.ok and after.below_min_area["overlaps"][0] == 0
    # The 3.49 km² went to one commune; the other two lost it.
    triple = {"02647", "02683", "02746"}
    changes = report.units[report.units["code"].isin(triple)].set_index("code")["change_m2"]
    assert sorted(changes / 1e6) == pytest.approx([-3.49, -3.49, 0.0], abs=0.35)
    # Lon/lat output still shares its edges exactly.
    assert shapely.coverage_is_valid(cleaned.geometry.values)


@pytest.mark.realdata
def test_real_clean_keeps_the_an_giang_gap_open(provinces_2025_published):
    cleaned, report = clean_coverage(provinces_2025_published)
    assert report.overlaps.iloc[0].assigned_to in {"82", "91"}
    remaining = report.remaining_gaps
    assert set(remaining.iloc[0].codes) == {"82", "91"}
    assert remaining.iloc[0].area_m2 == pytest.approx(4.10e6, rel=0.10)
    assert check_coverage(cleaned).overlaps.empty


@pytest.mark.realdata
def test_real_clean_dvhcvn_fills_slivers_only(provinces_2008_dvhcvn):
    _, report = clean_coverage(provinces_2008_dvhcvn)
    assert report.coverage_valid
    # Hundreds of micro-slivers closed, nothing of any size given away.
    assert report.below_min_area["filled_gaps"][0] > 300
    assert report.filled_gaps["area_m2"].max() < 100
    big = report.remaining_gaps[report.remaining_gaps["area_m2"] > 5e5]
    assert len(big) == 5
    assert big.iloc[0].area_m2 == pytest.approx(92.8e6, rel=0.10)
    assert set(big.iloc[0].codes) == {"56", "66"}
