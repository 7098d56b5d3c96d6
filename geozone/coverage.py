"""Coverage checks: do a layer's units tile the country without overlaps and gaps?

A boundary layer is a *coverage* when its polygons are valid, do not overlap, and leave no
holes between them other than the open sea. Real layers fall short: the 2025 commune map has
a 3.49 km² area claimed by three communes in Lào Cai; the government-portal district layer
leaves 340 km² between Quảng Nam and Quảng Ngãi belonging to nobody. Border strips built on
such a layer are wrong exactly where a coordination agreement matters most, so geozone checks
first (:func:`check_coverage`) and, where a repair is honest, repairs (:func:`clean_coverage`).

All measurements are made in metres in one projected CRS per call (:func:`geozone.crs.to_metric`);
geometries come back in the caller's CRS.

How the check works, and why it is fast on the 7.1 M-vertex commune layer:

* candidate pairs come from one STRtree query (``dwithin`` ``near_m``), so only units whose
  boundaries come close are ever compared;
* of the pairs that intersect, overlapping ones are those whose *interiors* meet
  (DE-9IM ``T********``); only those few are intersected to measure the overlap;
* gaps are the interior rings of the union of all units. The units that take part in no
  overlap are merged with ``shapely.coverage_union_all``, which only drops shared edges
  (6 s instead of 27 s for the commune layer); its result is trusted only if it is valid
  and keeps their exact total area, because the coverage union assumes a clean coverage
  and raises ("incorrectly noded inputs") or errs where edges cross. The few overlapping
  units are then added with a general union; if the check fails, everything goes through
  the general union, run on Hilbert-ordered chunks in threads (GEOS releases the GIL).
"""

from __future__ import annotations

import html
import math
import warnings
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geozone._parallel import cores, map_threads, threaded
from geozone.crs import resolve_crs, to_metric, transformer
from geozone.errors import GeozoneWarning, InputError

__all__ = ["CleanReport", "CoverageReport", "check_coverage", "clean_coverage"]

# shapely.coverage_clean exists from shapely 2.2 and needs GEOS >= 3.14 underneath.
_HAS_COVERAGE_CLEAN = hasattr(shapely, "coverage_clean") and shapely.geos_version >= (3, 14, 0)

# Candidates for the units around a gap are those within this distance of it: the union
# computes new nodes where boundaries cross, so an exact ``intersects`` could miss a
# neighbour by a rounding error. 1 mm is far below any survey precision.
_AROUND_TOL_M = 1e-3
# Below this many units the threading and chunking overhead outweighs the gain.
_MIN_PARALLEL = 64
_POLYGONAL = ("Polygon", "MultiPolygon")
_MERGE_STRATEGIES = ("longest_border", "max_area", "min_area", "min_index")


# --------------------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------------------
class _Report:
    """Text and HTML of a report, both laid out from its :class:`_Outline`."""

    def _outline(self) -> _Outline:
        raise NotImplementedError

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        return _render_html(self._outline())


@dataclass(frozen=True, repr=False)
class CoverageReport(_Report):
    """What :func:`check_coverage` found. Areas in m², distances in metres.

    Attributes
    ----------
    invalid : DataFrame
        ``row`` (0-based position in the input), ``code``, ``reason``: invalid geometries
        (the reason from :func:`shapely.is_valid_reason`, coordinates in the input CRS),
        missing, empty or non-polygonal geometries, missing and duplicate codes.
    overlaps : GeoDataFrame
        ``row_a``, ``row_b``, ``code_a``, ``code_b``, ``area_m2``, ``x``, ``y`` (a point
        inside the overlap) and the overlap's geometry, largest first. Three units claiming
        one area give three pairs.
    gaps : GeoDataFrame
        Holes in the union of the units (the open sea is not a hole): ``area_m2``,
        ``codes`` (sorted tuple of the codes of the units sharing a stretch of border with
        it; a unit meeting it at a single point does not count), ``n_units``,
        ``kind`` — ``"gap"`` when two or more units surround it, ``"hole"`` when a single
        unit does (a lagoon or lake cut out of that unit, not a defect between units) —,
        ``x``, ``y`` (a point inside) and the geometry, largest first.
    near_misses : GeoDataFrame
        Pairs closer than ``near_m`` that do not touch: ``row_a``, ``row_b``, ``code_a``,
        ``code_b``, ``distance_m`` and the shortest line between them, closest first.
    crs : pyproj.CRS or None
        The projected CRS the measurements were made in (None when no row had a geometry).
    input_crs : pyproj.CRS
        The CRS of the input; every geometry and ``x``/``y`` above is in it.
    n_units : int
        Rows checked.
    near_m, min_area_m2 : float
        The thresholds used.
    below_min_area : dict
        ``{"overlaps": (count, area_m2), "gaps": (count, area_m2)}``: slivers smaller than
        ``min_area_m2``, counted but not listed.
    repaired_on_load : DataFrame
        Geometries :func:`geozone.load_units` already repaired (``row``, ``code``,
        ``reason``), from ``units.attrs["geozone_repairs"]``; informative only.

    Examples
    --------
    Two 100 m squares of which B reaches 10 m into A:

    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> units = gpd.GeoDataFrame({"code": ["A", "B"]},
    ...     geometry=[box(0, 0, 100, 100), box(90, 0, 200, 100)], crs=32648)
    >>> report = check_coverage(units)
    >>> report
    <CoverageReport 2 units: problems; 0 invalid, 1 overlaps, 0 gaps, 0 holes, 0 near misses>
    >>> report.ok, report.overlaps[["code_a", "code_b", "area_m2"]].values.tolist()
    (False, [['A', 'B', 1000.0]])
    """

    invalid: pd.DataFrame
    overlaps: gpd.GeoDataFrame
    gaps: gpd.GeoDataFrame
    near_misses: gpd.GeoDataFrame
    crs: pyproj.CRS | None
    input_crs: pyproj.CRS | None
    n_units: int
    near_m: float
    min_area_m2: float
    below_min_area: dict = field(default_factory=dict)
    repaired_on_load: pd.DataFrame = field(default_factory=lambda: _frame_of(_INVALID_COLUMNS))

    @property
    def ok(self) -> bool:
        """True when there is no invalid row, no overlap and no gap between units.

        Slivers below ``min_area_m2``, holes inside a single unit and near misses are
        reported but do not make a layer fail: islands close to the coast are near misses
        too.
        """
        return self.invalid.empty and self.overlaps.empty and not (self.gaps["kind"] == "gap").any()

    def summary(self) -> pd.DataFrame:
        """Counts and total areas, one row per kind of problem.

        Returns
        -------
        DataFrame
            Index ``invalid``, ``overlaps``, ``gaps``, ``holes``, ``near_misses``; columns
            ``count``, ``total_area_m2``, ``largest_m2`` (NaN where no area applies),
            ``below_min_area`` (slivers not listed) and ``below_min_area_m2``.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely.geometry import box
        >>> units = gpd.GeoDataFrame({"code": ["A", "B"]},
        ...     geometry=[box(0, 0, 100, 100), box(90, 0, 200, 100)], crs=32648)
        >>> check_coverage(units).summary()[["count", "total_area_m2"]]
                     count  total_area_m2
        invalid          0            NaN
        overlaps         1         1000.0
        gaps             0            0.0
        holes            0            0.0
        near_misses      0            NaN
        """
        gaps = self.gaps[self.gaps["kind"] == "gap"]
        holes = self.gaps[self.gaps["kind"] == "hole"]
        ov_n, ov_a = self.below_min_area.get("overlaps", (0, 0.0))
        gap_n, gap_a = self.below_min_area.get("gaps", (0, 0.0))
        rows = {
            "invalid": (len(self.invalid), math.nan, math.nan, 0, 0.0),
            "overlaps": (*_area_stats(self.overlaps), ov_n, ov_a),
            "gaps": (*_area_stats(gaps), gap_n, gap_a),
            "holes": (*_area_stats(holes), 0, 0.0),
            "near_misses": (len(self.near_misses), math.nan, math.nan, 0, 0.0),
        }
        return pd.DataFrame.from_dict(
            rows,
            orient="index",
            columns=["count", "total_area_m2", "largest_m2", "below_min_area", "below_min_area_m2"],
        )

    def to_text(self, max_rows: int = 20) -> str:
        """A plain-text report for the terminal: a summary, then the largest problems.

        Parameters
        ----------
        max_rows : int
            Rows shown per table; the rest is counted.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely.geometry import box
        >>> units = gpd.GeoDataFrame({"code": ["A", "B"]},
        ...     geometry=[box(0, 0, 100, 100), box(90, 0, 200, 100)], crs=32648)
        >>> print(check_coverage(units).to_text())
        Coverage check of 2 units (measured in WGS 84 / UTM zone 48N (EPSG:32648))
        Result: PROBLEMS FOUND
        <BLANKLINE>
          invalid rows          0
          overlaps              1  total 1,000 m²
          gaps                  0
          holes in a unit       0
          near misses           0  closer than 50 m without touching
        <BLANKLINE>
        Overlaps (largest first):
          code_a code_b     area       near
               A      B 1,000 m² x 95, y 50
        """
        return _render_text(self._outline(), max_rows)

    def __repr__(self) -> str:
        s = self.summary()["count"]
        return (
            f"<CoverageReport {self.n_units} units: {'ok' if self.ok else 'problems'}; "
            f"{s['invalid']} invalid, {s['overlaps']} overlaps, {s['gaps']} gaps, "
            f"{s['holes']} holes, {s['near_misses']} near misses>"
        )

    def _outline(self) -> _Outline:
        s = self.summary()
        geographic = self.input_crs is not None and self.input_crs.is_geographic
        heading = f"Coverage check of {self.n_units:,} units"
        crs_name = _crs_label(self.crs)
        counts = _count_lines(
            s,
            [
                ("invalid rows", "invalid", None),
                ("overlaps", "overlaps", self.min_area_m2),
                ("gaps", "gaps", self.min_area_m2),
                ("holes in a unit", "holes", None),
                ("near misses", "near_misses", None),
            ],
            unlisted=", not listed",
        )
        if self.near_m > 0:
            counts[-1] += f"  closer than {self.near_m:g} m without touching"
        overlaps = _overlap_rows(self.overlaps, "near", _fmt_points(self.overlaps, geographic))
        near_misses = pd.DataFrame(
            {
                "code_a": self.near_misses["code_a"],
                "code_b": self.near_misses["code_b"],
                "distance": self.near_misses["distance_m"].map(lambda d: f"{d:,.2f} m"),
            }
        )
        return _Outline(
            head=[
                f"{heading} (measured in {crs_name})",
                f"Result: {'OK' if self.ok else 'PROBLEMS FOUND'}",
            ],
            caption=f"{heading}: {'OK' if self.ok else 'problems found'}",
            note=f"measured in {crs_name}",
            counts=counts,
            summary=s.reset_index(names="problem"),
            sections=[
                _Section(
                    "Repaired when loaded", self.repaired_on_load, None, " (not counted above)"
                ),
                _Section("Invalid rows", self.invalid, self.invalid),
                _Section(
                    "Overlaps", overlaps, self.overlaps.drop(columns="geometry"), " (largest first)"
                ),
                _Section(
                    "Gaps and holes",
                    _gap_rows(self.gaps, geographic),
                    self.gaps.drop(columns="geometry"),
                    " (largest first)",
                ),
                _Section(
                    "Near misses",
                    near_misses,
                    self.near_misses.drop(columns="geometry"),
                    " (closest first)",
                ),
            ],
        )


@dataclass(frozen=True, repr=False)
class CleanReport(_Report):
    """What :func:`clean_coverage` changed. Areas in m².

    Attributes
    ----------
    units : DataFrame
        One row per input row, in input order: ``row``, ``code``, ``area_before_m2``
        (after ``make_valid`` for invalid rows), ``area_after_m2``, ``change_m2``,
        ``changed`` (made valid, or the shape differs — not only its vertices) and
        ``note`` (made valid, left as is, lost all its area …).
    overlaps : GeoDataFrame
        The overlaps found in the input (``code_a``, ``code_b``, ``area_m2``), with
        ``assigned_to``: the code of the unit that kept the area (``"split"`` when both kept
        a part), geometry in the input CRS, largest first.
    filled_gaps : GeoDataFrame
        Gaps of the input narrower than ``gap_width_m`` that were merged into a neighbour:
        ``area_m2``, ``codes`` (units around), ``filled_by``, ``x``, ``y``, geometry.
    remaining_gaps : GeoDataFrame
        Gaps and holes still present after cleaning, columns as in
        :attr:`CoverageReport.gaps`. They are reported, never given to a neighbour.
    method : str
        How the coverage was cleaned (GEOS CoverageCleaner, or the simpler fallback).
    coverage_valid : bool or None
        ``shapely.coverage_is_valid`` of the result (None when it could not be tested).
    crs, input_crs : pyproj.CRS
        The CRS measured in and the CRS of input and output.
    gap_width_m, min_area_m2 : float
        The thresholds used.
    below_min_area : dict
        ``{"overlaps": (count, area_m2), "filled_gaps": …, "remaining_gaps": …}``: slivers
        counted but not listed.

    Examples
    --------
    Two 100 m squares of which B reaches 10 m into A; the overlap goes to the first row:

    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> units = gpd.GeoDataFrame({"code": ["A", "B"]},
    ...     geometry=[box(0, 0, 100, 100), box(90, 0, 200, 100)], crs=32648)
    >>> cleaned, report = clean_coverage(units, merge_strategy="min_index")
    >>> report
    <CleanReport 2 units: 1 changed, 1 overlaps resolved, 0 gaps filled, 0 gaps remaining>
    >>> report.overlaps[["code_a", "code_b", "area_m2", "assigned_to"]].values.tolist()
    [['A', 'B', 1000.0, 'A']]
    >>> report.changed[["code", "change_m2"]].values.tolist()
    [['B', -1000.0]]
    """

    units: pd.DataFrame
    overlaps: gpd.GeoDataFrame
    filled_gaps: gpd.GeoDataFrame
    remaining_gaps: gpd.GeoDataFrame
    method: str
    coverage_valid: bool | None
    crs: pyproj.CRS | None
    input_crs: pyproj.CRS | None
    gap_width_m: float
    min_area_m2: float
    below_min_area: dict = field(default_factory=dict)

    @property
    def changed(self) -> pd.DataFrame:
        """The rows of :attr:`units` whose shape changed, largest change first."""
        out = self.units[self.units["changed"]]
        return out.reindex(out["change_m2"].abs().sort_values(ascending=False).index)

    def summary(self) -> pd.DataFrame:
        """Counts and areas of what was repaired and what remains.

        Returns
        -------
        DataFrame
            Index ``units_changed``, ``units_made_valid``, ``overlaps_resolved``,
            ``gaps_filled``, ``gaps_remaining``, ``holes_remaining``; columns ``count``,
            ``total_area_m2`` (for units: the sum of absolute area changes),
            ``below_min_area``, ``below_min_area_m2``.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely.geometry import box
        >>> units = gpd.GeoDataFrame({"code": ["A", "B"]},
        ...     geometry=[box(0, 0, 100, 100), box(90, 0, 200, 100)], crs=32648)
        >>> _, report = clean_coverage(units, merge_strategy="min_index")
        >>> report.summary().loc[["units_changed", "overlaps_resolved"], "count"].tolist()
        [1, 1]
        """
        units = self.units
        remaining = self.remaining_gaps
        gaps = remaining[remaining["kind"] == "gap"]
        holes = remaining[remaining["kind"] == "hole"]
        made_valid = units["note"].str.startswith("made valid")
        ov = self.below_min_area.get("overlaps", (0, 0.0))
        filled = self.below_min_area.get("filled_gaps", (0, 0.0))
        left = self.below_min_area.get("remaining_gaps", (0, 0.0))
        rows = {
            "units_changed": (
                int(units["changed"].sum()),
                float(units["change_m2"].abs().sum()),
                0,
                0.0,
            ),
            "units_made_valid": (int(made_valid.sum()), math.nan, 0, 0.0),
            "overlaps_resolved": (len(self.overlaps), _area_stats(self.overlaps)[1], *ov),
            "gaps_filled": (len(self.filled_gaps), _area_stats(self.filled_gaps)[1], *filled),
            "gaps_remaining": (len(gaps), _area_stats(gaps)[1], *left),
            "holes_remaining": (len(holes), _area_stats(holes)[1], 0, 0.0),
        }
        return pd.DataFrame.from_dict(
            rows,
            orient="index",
            columns=["count", "total_area_m2", "below_min_area", "below_min_area_m2"],
        )

    def to_text(self, max_rows: int = 20) -> str:
        """A plain-text report: what was repaired, which units changed, what remains.

        Parameters
        ----------
        max_rows : int
            Rows shown per table; the rest is counted.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely.geometry import box
        >>> units = gpd.GeoDataFrame({"code": ["A", "B"]},
        ...     geometry=[box(0, 0, 100, 100), box(90, 0, 200, 100)], crs=32648)
        >>> _, report = clean_coverage(units, merge_strategy="min_index")
        >>> print(report.to_text())  # doctest: +ELLIPSIS
        Coverage cleaning of 2 units (measured in WGS 84 / UTM zone 48N (EPSG:32648))
        Method: ...
        Gaps narrower than ... m filled; wider gaps left and listed.
        Result is a valid coverage: yes
        ...
        Units changed (largest change first):
           row code    before     after    change             note
             1    B 11,000 m² 10,000 m² -1,000 m² boundary changed
        ...
        """
        return _render_text(self._outline(), max_rows)

    def __repr__(self) -> str:
        s = self.summary()["count"]
        return (
            f"<CleanReport {len(self.units)} units: {s['units_changed']} changed, "
            f"{s['overlaps_resolved']} overlaps resolved, {s['gaps_filled']} gaps filled, "
            f"{s['gaps_remaining']} gaps remaining>"
        )

    def _outline(self) -> _Outline:
        s = self.summary()
        geographic = self.input_crs is not None and self.input_crs.is_geographic
        heading = f"Coverage cleaning of {len(self.units):,} units"
        valid = _yes_no(self.coverage_valid)
        changed = self.changed
        noted = self.units[~self.units["changed"] & (self.units["note"] != "")]
        changes = pd.DataFrame(
            {
                "row": changed["row"],
                "code": changed["code"],
                "before": changed["area_before_m2"].map(_fmt_area),
                "after": changed["area_after_m2"].map(_fmt_area),
                "change": changed["change_m2"].map(lambda v: _fmt_area(v, signed=True)),
                "note": changed["note"],
            }
        )
        overlaps = _overlap_rows(self.overlaps, "kept by", self.overlaps["assigned_to"])
        filled = pd.DataFrame(
            {
                "area": self.filled_gaps["area_m2"].map(_fmt_area),
                "around": self.filled_gaps["codes"].map(", ".join),
                "given to": self.filled_gaps["filled_by"],
                "near": _fmt_points(self.filled_gaps, geographic),
            }
        )
        return _Outline(
            head=[
                f"{heading} (measured in {_crs_label(self.crs)})",
                f"Method: {self.method}",
                f"Gaps narrower than {self.gap_width_m:g} m filled; wider gaps left and listed.",
                f"Result is a valid coverage: {valid}",
            ],
            caption=heading,
            note=f"{self.method}; valid coverage: {valid}",
            counts=_count_lines(
                s,
                [
                    ("units changed", "units_changed", None),
                    ("made valid", "units_made_valid", None),
                    ("overlaps resolved", "overlaps_resolved", self.min_area_m2),
                    ("gaps filled", "gaps_filled", self.min_area_m2),
                    ("gaps remaining", "gaps_remaining", self.min_area_m2),
                    ("holes remaining", "holes_remaining", None),
                ],
            ),
            summary=s.reset_index(names="item"),
            sections=[
                _Section("Units changed", changes, changed, " (largest change first)"),
                _Section("Rows left as they were", noted[["row", "code", "note"]], None),
                _Section("Overlaps resolved", overlaps, self.overlaps.drop(columns="geometry")),
                _Section("Gaps filled", filled, self.filled_gaps.drop(columns="geometry")),
                _Section(
                    "Gaps and holes remaining",
                    _gap_rows(self.remaining_gaps, geographic),
                    self.remaining_gaps.drop(columns="geometry"),
                    " (not given to any unit)",
                ),
            ],
        )


# --------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------
def check_coverage(
    units: gpd.GeoDataFrame,
    near_m: float = 50.0,
    crs=None,
    *,
    min_area_m2: float = 1.0,
) -> CoverageReport:
    """Find invalid geometries, overlaps, gaps and near misses in a layer of units.

    Parameters
    ----------
    units : GeoDataFrame
        Needs a ``code`` column and polygonal geometries with a CRS; other columns are
        ignored.
    near_m : float
        Report pairs of units closer than this many metres that do not touch (0 turns
        the search off). The default, 50 m, finds digitising slips without listing every
        island off the coast.
    crs : optional
        The projected CRS to measure in (see :func:`geozone.crs.metric_crs`); by default
        the UTM zone of the layer's centre.
    min_area_m2 : float
        Overlaps and gaps smaller than this are counted in ``below_min_area`` but not
        listed: floating-point slivers between edges that should coincide (the dvhcvn
        province layer has 540 of them, median 5e-7 m²).

    Returns
    -------
    CoverageReport
        Tables of the problems, largest first; ``report.ok`` is True when there are none.

    Raises
    ------
    InputError
        If ``units`` is not a GeoDataFrame, has no rows, no ``code`` column or no CRS, or
        ``near_m``/``min_area_m2`` is negative.

    Notes
    -----
    Invalid geometries are reported and, for measuring, repaired in the metric CRS with
    ``make_valid`` (polygonal parts only), so one bad ring does not hide the rest. Rows with
    no usable geometry take no part in the geometric checks.

    Examples
    --------
    Four 100 m squares around a 100 m square hole; C reaches 10 m into B:

    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> units = gpd.GeoDataFrame(
    ...     {"code": ["A", "B", "C", "D"]},
    ...     geometry=[box(0, 0, 100, 300), box(200, 0, 300, 300),
    ...               box(100, 0, 210, 100), box(100, 200, 200, 300)],
    ...     crs=32648,
    ... )
    >>> report = check_coverage(units)
    >>> report.ok
    False
    >>> report.overlaps[["code_a", "code_b", "area_m2"]]
      code_a code_b  area_m2
    0      B      C   1000.0
    >>> report.gaps[["kind", "area_m2", "codes"]]
      kind  area_m2         codes
    0  gap  10000.0  (A, B, C, D)
    >>> report.summary().loc[["overlaps", "gaps"], ["count", "total_area_m2"]]
              count  total_area_m2
    overlaps      1         1000.0
    gaps          1        10000.0
    """
    _check_units(units)
    if not near_m >= 0:
        raise InputError(f"near_m={near_m!r}: give a distance in metres, 0 or more")
    if not min_area_m2 >= 0:
        raise InputError(f"min_area_m2={min_area_m2!r}: give an area in m², 0 or more")
    codes = units["code"].to_numpy(dtype=object)
    rows = _inspect(units)
    input_crs = pyproj.CRS(units.crs)
    metric = _metric_geometries(units, rows, crs)
    found = _analyse(metric.work, near_m=near_m, min_area_m2=min_area_m2)
    back = _Back(metric.crs, input_crs)
    return CoverageReport(
        invalid=rows.table,
        overlaps=_pair_frame(
            found.overlaps,
            codes,
            back,
            {"area_m2": found.overlap_areas},
            found.overlaps_geom,
            points=True,
        ),
        gaps=_gap_frame(found.gaps, codes, back),
        near_misses=_pair_frame(
            found.near, codes, back, {"distance_m": found.near_distances}, found.near_lines
        ),
        crs=metric.crs,
        input_crs=input_crs,
        n_units=len(units),
        near_m=float(near_m),
        min_area_m2=float(min_area_m2),
        below_min_area={"overlaps": found.overlap_slivers, "gaps": found.gaps.slivers},
        repaired_on_load=_load_repairs(units),
    )


def clean_coverage(
    units: gpd.GeoDataFrame,
    gap_width_m: float = 10.0,
    crs=None,
    *,
    merge_strategy: str = "longest_border",
    min_area_m2: float = 1.0,
) -> tuple[gpd.GeoDataFrame, CleanReport]:
    """Repair a layer into a coverage: valid polygons, no overlaps, no narrow gaps.

    1. Invalid geometries are made valid (``shapely.make_valid``, polygonal parts only).
    2. ``shapely.coverage_clean`` (GEOS ≥ 3.14 CoverageCleaner) nodes all edges, snaps
       nearly-coincident vertices, gives every overlap to one of the units claiming it
       (``merge_strategy``) and merges every gap whose maximum inscribed circle has a
       diameter of at most ``gap_width_m`` into the neighbour with the longest shared
       border (a narrow hole inside a single unit counts too and goes back to that unit).
       Wider gaps are left alone and listed in ``remaining_gaps``: a 340 km² strip the
       government map leaves between two provinces is "no data", not anybody's territory.
    3. Vertices that were not moved get back their exact input coordinates, so shared
       edges stay identical in the input CRS; only vertices the cleaner created are
       inverse-projected. A unit whose vertices the cleaner left exactly as they were is
       returned untouched; note that the cleaner drops repeated consecutive vertices
       (about 2 % of the 2025 commune layer's), so most units come back with that change
       even when their shape did not change (``report.units.changed`` is False then).

    Without ``coverage_clean`` (shapely < 2.2 or GEOS < 3.14) a simpler repair runs and
    a :class:`~geozone.errors.GeozoneWarning` says so: each overlap stays with the unit
    that comes first in row order and is cut from the later ones; no gap is filled and
    edges are not snapped.

    Parameters
    ----------
    units : GeoDataFrame
        Needs a ``code`` column and a CRS.
    gap_width_m : float
        Width in metres of the widest gap to close. The default, 10 m, closes digitising
        slivers (all but one 411 m² gap of the 2025 commune layer's ~250) and leaves real
        gaps (none of the 2008 layers' gaps of 0.7 km² and more is closed).
    crs : optional
        The projected CRS to work in (see :func:`geozone.crs.metric_crs`).
    merge_strategy : {"longest_border", "max_area", "min_area", "min_index"}
        Which unit keeps an overlap: the one sharing the longest border with it, the
        largest, the smallest, or the first in row order.
    min_area_m2 : float
        Overlaps and gaps smaller than this are counted but not listed in the report.

    Returns
    -------
    (GeoDataFrame, CleanReport)
        Every input row, in input order, with the same columns and index, in the input
        CRS; rows without a usable geometry are returned unchanged. A unit entirely covered
        by others (a duplicate) can come out empty; the report and a warning say so.

    Raises
    ------
    InputError
        Bad ``units`` (see :func:`check_coverage`), negative ``gap_width_m`` or unknown
        ``merge_strategy``.

    Examples
    --------
    A and B are 100 m squares with a 2 m slot between them, C lies on top, D underneath
    reaches 5 m up into A and B:

    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> units = gpd.GeoDataFrame(
    ...     {"code": ["A", "B", "C", "D"]},
    ...     geometry=[box(0, 0, 100, 100), box(102, 0, 200, 100),
    ...               box(0, 100, 200, 150), box(0, -50, 200, 5)],
    ...     crs=32648,
    ... )
    >>> cleaned, report = clean_coverage(units, gap_width_m=5)
    >>> report.overlaps[["code_a", "code_b", "area_m2"]]
      code_a code_b  area_m2
    0      A      D    500.0
    1      B      D    490.0
    >>> report.filled_gaps[["area_m2", "codes"]]
       area_m2         codes
    0    190.0  (A, B, C, D)
    >>> check_coverage(cleaned).ok, round(cleaned.area.sum())
    (True, 40000)

    Each overlap went to one of its two claimants and the slot to a neighbour
    (``report.overlaps.assigned_to``, ``report.filled_gaps.filled_by``); per unit:

    >>> report.units[["code", "area_before_m2", "area_after_m2", "changed"]].iloc[[2]]
      code  area_before_m2  area_after_m2  changed
    2    C         10000.0        10000.0    False
    """
    _check_units(units)
    if not gap_width_m >= 0:
        raise InputError(f"gap_width_m={gap_width_m!r}: give a width in metres, 0 or more")
    if not min_area_m2 >= 0:
        raise InputError(f"min_area_m2={min_area_m2!r}: give an area in m², 0 or more")
    if merge_strategy not in _MERGE_STRATEGIES:
        raise InputError(
            f"merge_strategy={merge_strategy!r}; use one of {', '.join(_MERGE_STRATEGIES)}"
        )
    codes = units["code"].to_numpy(dtype=object)
    rows = _inspect(units)
    input_crs = pyproj.CRS(units.crs)
    metric = _metric_geometries(units, rows, crs)
    work = metric.work
    before = _analyse(work, near_m=0.0, min_area_m2=min_area_m2)

    present = np.flatnonzero(shapely.is_geometry(work))
    if _HAS_COVERAGE_CLEAN:
        geos = ".".join(map(str, shapely.geos_version))
        method = (
            f"GEOS {geos} CoverageCleaner (shapely.coverage_clean); overlaps merged by "
            f"{merge_strategy.replace('_', ' ')}"
        )
        cleaned = np.full(len(work), None, dtype=object)
        if len(present):
            cleaned[present] = shapely.coverage_clean(
                work[present], gap_width=float(gap_width_m), merge_strategy=merge_strategy
            )
    else:
        method = (
            "simple repair (no GEOS CoverageCleaner): each overlap kept by the earlier row, "
            "no gap filled, edges not snapped"
        )
        warnings.warn(
            f"shapely {shapely.__version__} with GEOS "
            f"{'.'.join(map(str, shapely.geos_version))} has no coverage_clean (needs "
            "shapely >= 2.2 and GEOS >= 3.14): each overlap is kept by the unit in the "
            "earlier row and no gap is filled; install a newer shapely for a full repair",
            GeozoneWarning,
            stacklevel=2,
        )
        cleaned = _fallback_clean(work, before.overlaps)
    cleaned[present] = [_polygonal(g) for g in cleaned[present]]

    coverage_valid = _coverage_is_valid(cleaned[present]) if len(present) else None
    after = _analyse(cleaned, near_m=0.0, min_area_m2=min_area_m2, overlaps=False)

    back = _Back(metric.crs, input_crs, originals=(metric.projected, units.geometry.to_numpy()))
    geoms, unit_table = _unit_changes(units, codes, rows, work, cleaned, back)
    result = units.copy()
    # Assigned by position (a GeometryArray carries no index): duplicate labels are fine.
    result[units.geometry.name] = gpd.GeoSeries(geoms, crs=units.crs).values

    emptied = unit_table[unit_table["note"].str.contains("lost all", regex=False)]
    if not emptied.empty:
        listed = ", ".join(
            f"row {r} (code {c})" for r, c in zip(emptied["row"], emptied["code"], strict=True)
        )
        warnings.warn(
            f"{len(emptied)} unit(s) lay entirely under other units and came out empty: "
            f"{listed}; check the layer for duplicates",
            GeozoneWarning,
            stacklevel=2,
        )

    overlaps = _pair_frame(
        before.overlaps, codes, back, {"area_m2": before.overlap_areas}, before.overlaps_geom
    )
    overlaps.insert(
        5, "assigned_to", _assigned_to(before.overlaps, before.overlaps_geom, cleaned, codes)
    )
    filled, filled_slivers = _filled_gaps(before.gaps, after.gaps, cleaned, codes, back)
    report = CleanReport(
        units=unit_table,
        overlaps=overlaps,
        filled_gaps=filled,
        remaining_gaps=_gap_frame(after.gaps, codes, back),
        method=method,
        coverage_valid=coverage_valid,
        crs=metric.crs,
        input_crs=input_crs,
        gap_width_m=float(gap_width_m),
        min_area_m2=float(min_area_m2),
        below_min_area={
            "overlaps": before.overlap_slivers,
            "filled_gaps": filled_slivers,
            "remaining_gaps": after.gaps.slivers,
        },
    )
    return result, report


# --------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------
_INVALID_COLUMNS = ["row", "code", "reason"]
# shapely type ids: Polygon, MultiPolygon, GeometryCollection (which may hold polygons)
_POLYGON_IDS = (3, 6)
_COLLECTION_ID = 7


def _frame_of(columns) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def _check_units(units) -> None:
    if not isinstance(units, gpd.GeoDataFrame):
        raise InputError(
            f"units must be a GeoDataFrame (e.g. from geozone.load_units), not "
            f"{type(units).__name__}"
        )
    if "code" not in units.columns:
        raise InputError(
            f"units has no 'code' column (columns: {', '.join(map(str, units.columns))}); "
            "rename the column holding the unit codes to 'code'"
        )
    if len(units) == 0:
        raise InputError("units has no rows; there is nothing to check")
    if units.crs is None:
        raise InputError(
            "units has no CRS; set the one its coordinates are in, e.g. units.set_crs(4326)"
        )


@dataclass
class _Rows:
    """What :func:`_inspect` learnt about the input rows."""

    table: pd.DataFrame  # row, code, reason
    usable: np.ndarray  # has a polygonal part to measure
    invalid: np.ndarray  # geometry present but not valid (make_valid needed)


def _inspect(units: gpd.GeoDataFrame) -> _Rows:
    """List the rows that are not clean units, and which rows can be measured."""
    geoms = units.geometry.to_numpy()
    codes = units["code"].to_numpy(dtype=object)
    found: list[tuple[int, object, str]] = []
    missing = ~shapely.is_geometry(geoms)
    empty = ~missing & shapely.is_empty(geoms)
    types = shapely.get_type_id(geoms)
    polygonal = np.isin(types, _POLYGON_IDS)
    collection = types == _COLLECTION_ID
    for row in np.flatnonzero(missing):
        found.append((row, codes[row], "no geometry"))
    for row in np.flatnonzero(empty):
        found.append((row, codes[row], "empty geometry"))
    for row in np.flatnonzero(~missing & ~empty & ~polygonal):
        kind = geoms[row].geom_type
        if collection[row]:
            found.append((row, codes[row], f"{kind}: only its polygons are used"))
        else:
            found.append((row, codes[row], f"not polygonal ({kind}): ignored"))
    present = ~missing & ~empty
    invalid = np.zeros(len(geoms), dtype=bool)
    invalid[present] = ~shapely.is_valid(geoms[present])
    for row, reason in zip(
        np.flatnonzero(invalid), shapely.is_valid_reason(geoms[invalid]), strict=True
    ):
        found.append((row, codes[row], reason))
    code_series = pd.Series(codes)
    for row in np.flatnonzero(code_series.isna().to_numpy()):
        found.append((row, None, "no code"))
    duplicated = (code_series.notna() & code_series.duplicated(keep=False)).to_numpy()
    if duplicated.any():
        positions = pd.Series(np.flatnonzero(duplicated))
        for code, rows in positions.groupby(codes[duplicated]):
            rows = rows.tolist()
            for row in rows:
                others = ", ".join(str(r) for r in rows if r != row)
                found.append((row, code, f"duplicate code {code!r}, also in row {others}"))
    table = pd.DataFrame(found, columns=_INVALID_COLUMNS)
    table = table.sort_values("row", kind="stable").reset_index(drop=True)
    table["row"] = table["row"].astype(int)
    usable = present & (polygonal | collection)
    return _Rows(table, usable, invalid & usable)


def _load_repairs(units) -> pd.DataFrame:
    repairs = units.attrs.get("geozone_repairs") or []
    rows = [
        (r.get("row"), r.get("code"), f"{r.get('problem')} (repaired with {r.get('repair')})")
        for r in repairs
        if isinstance(r, dict)
    ]
    return pd.DataFrame(rows, columns=_INVALID_COLUMNS) if rows else _frame_of(_INVALID_COLUMNS)


def _polygonal(geom):
    """The polygonal part of ``geom`` (an empty Polygon when there is none)."""
    if geom is None:
        return None
    if geom.geom_type in _POLYGONAL:
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in _POLYGONAL]
    if not parts:
        return shapely.Polygon()
    return parts[0] if len(parts) == 1 else shapely.union_all(parts)


@dataclass
class _Metric:
    work: np.ndarray  # per row: valid polygonal geometry in the metric CRS, or None
    projected: np.ndarray  # per row: the input geometry projected as is (for _Back)
    crs: pyproj.CRS | None


def _metric_geometries(units, rows: _Rows, crs) -> _Metric:
    """Usable geometries projected to the metric CRS and made valid; None elsewhere."""
    geoms = units.geometry.to_numpy()
    work = np.full(len(geoms), None, dtype=object)
    projected = np.full(len(geoms), None, dtype=object)
    usable = rows.usable
    if not usable.any():
        # Nothing to measure, but an explicit CRS is still honoured in the report.
        return _Metric(work, projected, resolve_crs(crs) if crs is not None else None)
    frame = gpd.GeoDataFrame(geometry=geoms[usable], crs=units.crs)
    moved, metric = to_metric(frame, crs)
    values = moved.geometry.to_numpy()
    projected[usable] = values
    values = values.copy()
    # Validity is tested again after projecting: a ring valid in degrees can self-touch
    # after rounding in metres, and the overlay operations below refuse invalid input.
    bad = ~shapely.is_valid(values)
    if bad.any():
        fixed = shapely.make_valid(values[bad], method="structure", keep_collapsed=False)
        values[bad] = [_polygonal(g) for g in fixed]
    other = ~np.isin(shapely.get_type_id(values), _POLYGON_IDS)
    values[other] = [_polygonal(g) for g in values[other]]
    values[shapely.is_empty(values)] = None
    work[usable] = values
    return _Metric(work, projected, metric)


# --------------------------------------------------------------------------------------
# Analysis (metric CRS; unit positions are row positions in the input)
# --------------------------------------------------------------------------------------
@dataclass
class _Gaps:
    geoms: np.ndarray  # every hole of the union, slivers included
    areas: np.ndarray
    listed: np.ndarray  # positions into geoms of the gaps >= min_area_m2, largest first
    around: list  # for each listed gap: row positions of the units around it
    slivers: tuple  # (count, area) below min_area_m2

    @classmethod
    def none(cls) -> _Gaps:
        return cls(np.empty(0, object), np.empty(0), np.empty(0, int), [], (0, 0.0))


@dataclass
class _Found:
    overlaps: np.ndarray  # (n, 2) row positions, largest overlap first
    overlaps_geom: np.ndarray
    overlap_areas: np.ndarray
    overlap_slivers: tuple
    near: np.ndarray  # (n, 2) row positions, closest first
    near_lines: np.ndarray
    near_distances: np.ndarray
    gaps: _Gaps


def _relate_interiors(a, b):
    # For polygons "interiors intersect" is exactly "the intersection has area", and the
    # DE-9IM test is far cheaper than intersecting every pair of neighbours.
    return shapely.relate_pattern(a, b, "T********")


def _analyse(work, *, near_m: float, min_area_m2: float, overlaps: bool = True) -> _Found:
    """Overlaps, near misses and gaps of the geometries in ``work`` (None rows skipped)."""
    present = np.flatnonzero(shapely.is_geometry(work) & ~shapely.is_empty(work))
    geoms = work[present]
    no_pairs = np.empty((0, 2), dtype=int)
    found = _Found(
        no_pairs,
        np.empty(0, object),
        np.empty(0),
        (0, 0.0),
        no_pairs,
        np.empty(0, object),
        np.empty(0),
        _Gaps.none(),
    )
    if len(geoms) == 0:
        return found
    tree = shapely.STRtree(geoms)
    # Units in an overlap, kept out of the fast coverage union; when overlaps are not
    # looked for (a cleaned layer), the union's own checks decide.
    overlapping = None
    if overlaps or near_m > 0:
        # One query finds both: pairs that touch or overlap, and pairs that only come close.
        if near_m > 0:
            i, j = tree.query(geoms, predicate="dwithin", distance=near_m)
        else:
            i, j = tree.query(geoms, predicate="intersects")
        keep = i < j
        i, j = i[keep], j[keep]
        touching = threaded(shapely.intersects, geoms[i], geoms[j], min_chunk=_MIN_PARALLEL)
        if overlaps:
            ti, tj = i[touching], j[touching]
            inner = threaded(_relate_interiors, geoms[ti], geoms[tj], min_chunk=_MIN_PARALLEL)
            ti, tj = ti[inner], tj[inner]
            overlapping = np.zeros(len(geoms), dtype=bool)
            overlapping[ti] = overlapping[tj] = True
            pieces = threaded(shapely.intersection, geoms[ti], geoms[tj], min_chunk=_MIN_PARALLEL)
            pieces = np.array([_polygonal(g) for g in pieces], dtype=object)
            areas = shapely.area(pieces) if len(pieces) else np.empty(0)
            big = areas >= min_area_m2 if min_area_m2 > 0 else areas > 0
            order = np.argsort(-areas[big], kind="stable")
            found.overlaps = np.column_stack([present[ti[big]], present[tj[big]]])[order]
            found.overlaps_geom = pieces[big][order]
            found.overlap_areas = areas[big][order]
            found.overlap_slivers = (int((~big).sum()), float(areas[~big].sum()))
        if near_m > 0:
            ni, nj = i[~touching], j[~touching]
            lines = shapely.shortest_line(geoms[ni], geoms[nj])
            dist = shapely.length(lines)
            order = np.argsort(dist, kind="stable")
            found.near = np.column_stack([present[ni], present[nj]])[order]
            found.near_lines, found.near_distances = lines[order], dist[order]
    found.gaps = _find_gaps(geoms, present, tree, min_area_m2, overlapping)
    return found


def _union(geoms: np.ndarray, overlapping: np.ndarray | None = None):
    """Union of many polygons, fast when most of them already form a coverage.

    The units that take part in no overlap (``~overlapping``; all of them when None) are
    merged with the coverage union, which only drops shared edges and is several times
    faster than a general union. Its result is trusted only when it is valid and has
    exactly their total area (it raises, or can be wrong, where edges cross); then the few
    overlapping units are added with a general union. Otherwise everything goes through
    the general union.
    """
    if overlapping is None:
        overlapping = np.zeros(len(geoms), dtype=bool)
    merged = _coverage_union(geoms[~overlapping])
    if merged is None:
        return _general_union(geoms)
    if overlapping.any():
        merged = shapely.union(merged, _general_union(geoms[overlapping]))
    return merged


def _chunks(geoms: np.ndarray) -> list[np.ndarray]:
    """Spatially coherent chunks (Hilbert order), one batch per thread and then some."""
    n_chunks = min(cores() * 4, len(geoms) // _MIN_PARALLEL)
    if cores() == 1 or n_chunks < 2:
        return [geoms]
    order = np.argsort(gpd.GeoSeries(geoms).hilbert_distance().to_numpy(), kind="stable")
    return np.array_split(geoms[order], n_chunks)


def _coverage_union(geoms: np.ndarray):
    if len(geoms) == 0:
        return shapely.Polygon()
    # Not chunked: merging chunk results costs as much as the threads save.
    try:
        merged = shapely.coverage_union_all(geoms)
    except shapely.errors.GEOSException:  # "CoverageUnion cannot process incorrectly noded"
        return None
    total = float(shapely.area(geoms).sum())
    # Rounding alone leaves ~1e-14 of the area (0.002 m² on the 2025 commune layer).
    if abs(shapely.area(merged) - total) > 1e-12 * total + 1e-6 or not shapely.is_valid(merged):
        return None
    return merged


def _general_union(geoms: np.ndarray):
    """OverlayNG union of Hilbert-ordered chunks in threads, then of the chunk results."""
    if len(geoms) == 0:
        return shapely.Polygon()
    parts = map_threads(_union_all, _chunks(geoms))
    return parts[0] if len(parts) == 1 else _union_all(np.array(parts, dtype=object))


def _union_all(geoms):
    try:
        return shapely.union_all(geoms)
    except shapely.errors.GEOSException as exc:
        # OverlayNG is robust, but a pathological input can still defeat it; snapping to a
        # 1 mm grid always succeeds and changes nothing a report shows.
        warnings.warn(f"union failed ({exc}); retried on a 1 mm grid", GeozoneWarning, stacklevel=2)
        return shapely.union_all(geoms, grid_size=1e-3)


def _find_gaps(geoms, present, tree, min_area_m2, overlapping) -> _Gaps:
    parts = shapely.get_parts(_union(geoms, overlapping))
    parts = parts[shapely.get_type_id(parts) == 3]
    n_rings = shapely.get_num_interior_rings(parts)
    if n_rings.sum() == 0:
        return _Gaps.none()
    owner = np.repeat(np.arange(len(parts)), n_rings)
    ring_no = np.concatenate([np.arange(n) for n in n_rings])
    holes = shapely.polygons(shapely.get_interior_ring(parts[owner], ring_no))
    # A union part can lie inside another part's hole (an island in a lagoon, a unit
    # surrounded by a gap): the gap is the hole minus those parts.
    hole_idx, part_idx = shapely.STRtree(parts).query(holes, predicate="contains")
    for h, inside in pd.Series(part_idx).groupby(hole_idx):
        holes[h] = _polygonal(
            shapely.difference(holes[h], shapely.union_all(parts[inside.to_numpy()]))
        )
    areas = shapely.area(holes)
    big = areas >= min_area_m2 if min_area_m2 > 0 else areas > 0
    listed = np.flatnonzero(big)
    listed = listed[np.argsort(-areas[listed], kind="stable")]
    around = _around(holes[listed], geoms, present, tree)
    return _Gaps(holes, areas, listed, around, (int((~big).sum()), float(areas[~big].sum())))


def _around(gaps, geoms, present, tree) -> list[list[int]]:
    """Row positions of the units sharing a stretch of border with each gap.

    A unit that only touches a gap's corner does not count (a district meeting the 204 km²
    Hà Nội–Hòa Bình gap at a single point is not one of its neighbours). "Sharing" is
    measured with a 1 mm tolerance: the union's general overlay may move a gap's vertices
    by nanometres (its snapping fallback), so an exact DE-9IM boundary test misses real
    neighbours. Where no unit shares 1 cm of border with a gap (a speck), every unit within
    1 mm is listed instead, so no gap is left without neighbours.
    """
    g_idx, u_idx = tree.query(gaps, predicate="dwithin", distance=_AROUND_TOL_M)
    bands = shapely.buffer(shapely.boundary(gaps), _AROUND_TOL_M)
    shared = shapely.length(
        threaded(
            shapely.intersection,
            shapely.boundary(geoms[u_idx]),
            bands[g_idx],
            min_chunk=_MIN_PARALLEL,
        )
    )
    # A corner contact leaves about 2 mm of boundary inside the 1 mm band; 1 cm is a line.
    on_line = shared > 10 * _AROUND_TOL_M
    around = [[] for _ in range(len(gaps))]
    near = [[] for _ in range(len(gaps))]
    for g, u, line in zip(g_idx, u_idx, on_line, strict=True):
        near[g].append(int(present[u]))
        if line:
            around[g].append(int(present[u]))
    return [a if a else n for a, n in zip(around, near, strict=True)]


# --------------------------------------------------------------------------------------
# Back to the caller's CRS, and result tables
# --------------------------------------------------------------------------------------
class _Back:
    """Takes metric geometries back to the input CRS.

    With ``originals`` (per row: the input geometry projected as is, and the input
    geometry), vertices that sit exactly where a projected input vertex was get that input
    vertex's coordinates back bit for bit; only new vertices are inverse-projected. Units
    whose input edges were identical therefore still share identical edges after the round
    trip, which a plain reprojection (rounding on each side) would not guarantee.
    """

    def __init__(self, metric, input_crs, originals=None):
        self.input_crs = input_crs
        self.identity = metric is None or pyproj.CRS(metric) == input_crs
        self.keys = None
        if self.identity:
            return
        self.transformer = transformer(metric, input_crs)
        if originals is not None:
            projected, inputs = originals
            rows = shapely.is_geometry(projected)
            # Projection maps coordinates one to one, so the i-th vertex of both matches.
            rows[rows] = shapely.get_num_coordinates(projected[rows]) == (
                shapely.get_num_coordinates(inputs[rows])
            )
            src = shapely.get_coordinates(projected[rows])
            dst = shapely.get_coordinates(inputs[rows])
            keys = src[:, 0] + 1j * src[:, 1]
            first = ~pd.Index(keys).duplicated()
            self.keys = pd.Index(keys[first])
            self.values = dst[first]

    def _coords(self, xy: np.ndarray) -> np.ndarray:
        x, y = self.transformer.transform(xy[:, 0], xy[:, 1])
        out = np.column_stack([x, y])
        if self.keys is not None and len(xy):
            hit = self.keys.get_indexer(xy[:, 0] + 1j * xy[:, 1])
            found = hit >= 0
            out[found] = self.values[hit[found]]
        return out

    def geoms(self, geoms) -> np.ndarray:
        geoms = np.asarray(geoms, dtype=object)
        if self.identity or len(geoms) == 0:
            return geoms
        return shapely.transform(geoms, self._coords)


def _points(geoms: np.ndarray, back: _Back) -> tuple[np.ndarray, np.ndarray]:
    if len(geoms) == 0:
        return np.empty(0), np.empty(0)
    pts = back.geoms(shapely.point_on_surface(geoms))
    return shapely.get_x(pts), shapely.get_y(pts)


def _codes_of(codes, rows) -> tuple:
    return tuple(sorted({str(codes[r]) for r in rows}))


def _pair_frame(pairs, codes, back: _Back, extra: dict, geoms, points=False):
    """Pairs of rows with their codes, ``extra`` columns and geometries in the input CRS."""
    columns = {
        "row_a": pairs[:, 0].astype(int),
        "row_b": pairs[:, 1].astype(int),
        "code_a": pd.Series(codes[pairs[:, 0]], dtype=object),
        "code_b": pd.Series(codes[pairs[:, 1]], dtype=object),
        **{k: np.asarray(v, dtype=float) for k, v in extra.items()},
    }
    if points:
        columns["x"], columns["y"] = _points(geoms, back)
    return gpd.GeoDataFrame(columns, geometry=back.geoms(geoms), crs=back.input_crs)


def _gap_frame(gaps: _Gaps, codes, back: _Back) -> gpd.GeoDataFrame:
    geoms = gaps.geoms[gaps.listed]
    n_units = np.array([len(set(rows)) for rows in gaps.around], dtype=int)
    x, y = _points(geoms, back)
    return gpd.GeoDataFrame(
        {
            "area_m2": gaps.areas[gaps.listed].astype(float),
            "codes": pd.Series([_codes_of(codes, rows) for rows in gaps.around], dtype=object),
            "n_units": n_units,
            "kind": pd.Series(np.where(n_units == 1, "hole", "gap"), dtype=object),
            "x": x,
            "y": y,
        },
        geometry=back.geoms(geoms),
        crs=back.input_crs,
    )


# --------------------------------------------------------------------------------------
# Cleaning helpers
# --------------------------------------------------------------------------------------
def _fallback_clean(work: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Cut every overlap from the later row of its pair (no gap filling, no snapping).

    ``pairs`` holds the overlapping pairs above the sliver threshold; smaller slivers are
    left, being numerically indistinguishable from shared edges.
    """
    out = work.copy()
    if len(pairs) == 0:
        return out
    frame = pd.DataFrame({"early": pairs.min(axis=1), "late": pairs.max(axis=1)})
    for late, group in frame.groupby("late"):
        cutter = shapely.union_all(work[group["early"].to_numpy()])
        out[late] = _polygonal(shapely.difference(work[late], cutter))
    return out


def _coverage_is_valid(geoms) -> bool | None:
    try:
        return bool(shapely.coverage_is_valid(geoms))
    except (AttributeError, shapely.errors.UnsupportedGEOSVersionError):  # GEOS < 3.12
        return None


def _assigned_to(pairs, pieces, cleaned, codes) -> np.ndarray:
    """Which unit of each overlapping pair kept the overlap after cleaning."""
    out = np.empty(len(pairs), dtype=object)
    if len(pairs) == 0:
        return out
    areas = shapely.area(pieces)
    share_a = shapely.area(shapely.intersection(cleaned[pairs[:, 0]], pieces)) / areas
    share_b = shapely.area(shapely.intersection(cleaned[pairs[:, 1]], pieces)) / areas
    for k, (a, b) in enumerate(pairs):
        if share_a[k] > 0.9:
            out[k] = str(codes[a])
        elif share_b[k] > 0.9:
            out[k] = str(codes[b])
        elif share_a[k] + share_b[k] < 0.1:
            out[k] = "another unit"  # a third unit claiming the same area kept it
        else:
            out[k] = "split"
    return out


def _filled_gaps(before: _Gaps, after: _Gaps, cleaned, codes, back: _Back):
    """The listed input gaps that cleaning closed, and (count, area) of closed slivers."""
    remaining = np.zeros(len(before.geoms))
    if len(before.geoms) and len(after.geoms):
        b, a = shapely.STRtree(after.geoms).query(before.geoms, predicate="intersects")
        np.add.at(remaining, b, shapely.area(shapely.intersection(before.geoms[b], after.geoms[a])))
    # A gap is either merged whole or left whole; snapping may nibble at a kept one, so
    # "closed" means less than half of it is still a gap.
    closed = remaining < 0.5 * before.areas
    is_listed = np.zeros(len(before.geoms), dtype=bool)
    is_listed[before.listed] = True
    slivers = (int((closed & ~is_listed).sum()), float(before.areas[closed & ~is_listed].sum()))
    keep = [k for k, g in enumerate(before.listed) if closed[g]]
    geoms = before.geoms[before.listed[keep]] if keep else np.empty(0, object)
    filled_by = []
    for k, gap in zip(keep, geoms, strict=True):
        rows = np.array(sorted(set(before.around[k])), dtype=int)
        rows = rows[shapely.is_geometry(cleaned[rows])] if len(rows) else rows
        shares = shapely.area(shapely.intersection(cleaned[rows], gap))
        filled_by.append(str(codes[rows[np.argmax(shares)]]) if shares.max(initial=0) > 0 else None)
    x, y = _points(geoms, back)
    frame = gpd.GeoDataFrame(
        {
            "area_m2": before.areas[before.listed[keep]].astype(float) if keep else np.empty(0),
            "codes": pd.Series([_codes_of(codes, before.around[k]) for k in keep], dtype=object),
            "filled_by": pd.Series(filled_by, dtype=object),
            "x": x,
            "y": y,
        },
        geometry=back.geoms(geoms),
        crs=back.input_crs,
    )
    return frame, slivers


def _unit_changes(units, codes, rows: _Rows, work, cleaned, back: _Back):
    """Output geometries (input CRS) and the per-unit table of what changed."""
    original = units.geometry.to_numpy()
    n = len(units)
    has = shapely.is_geometry(work)
    before = np.full(n, np.nan)
    after = np.full(n, np.nan)
    before[has] = shapely.area(work[has])
    after[has] = shapely.area(cleaned[has])
    # Cleaning may re-start rings or add a vertex where a neighbour's edge ends; compare
    # normalised geometries first (cheap), then the point sets for the rest.
    exact = np.zeros(n, dtype=bool)
    exact[has] = shapely.equals_exact(
        shapely.normalize(work[has]), shapely.normalize(cleaned[has]), tolerance=0
    )
    same = exact.copy()
    check = has & ~exact
    same[check] = shapely.equals(work[check], cleaned[check])
    # Untouched valid units come back as the very input object; everything else (changed,
    # re-noded, or made valid) is taken back from the cleaned metric geometry.
    convert = has & ~(exact & ~rows.invalid)
    out = original.copy()
    out[convert] = back.geoms(cleaned[convert])
    notes = np.full(n, "", dtype=object)
    for row in range(n):
        pieces = []
        if not rows.usable[row]:
            geom = original[row]
            if geom is None or geom.is_empty:
                pieces.append("no geometry: left as is")
            else:
                pieces.append(f"not polygonal ({geom.geom_type}): left as is")
        elif not has[row]:
            pieces.append("no polygonal part: left as is")
        else:
            if rows.invalid[row]:
                pieces.append("made valid")
            if after[row] == 0:
                pieces.append("lost all its area to overlapping units")
            elif not same[row]:
                pieces.append("boundary changed")
        notes[row] = "; ".join(pieces)
    table = pd.DataFrame(
        {
            "row": np.arange(n),
            "code": pd.Series(codes, dtype=object),
            "area_before_m2": before,
            "area_after_m2": after,
            "change_m2": after - before,
            "changed": has & (~same | rows.invalid),
            "note": notes,
        }
    )
    return out, table


# --------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------
def _area_stats(frame) -> tuple[int, float, float]:
    if frame.empty:
        return 0, 0.0, math.nan
    areas = frame["area_m2"]
    return len(frame), float(areas.sum()), float(areas.max())


def _fmt_area(m2: float, signed: bool = False) -> str:
    if m2 is None or (isinstance(m2, float) and math.isnan(m2)):
        return "-"
    sign = "+" if signed and m2 > 0 else ""
    if abs(m2) >= 1e6:  # from 1 km² on, km² with two decimals reads better
        return f"{sign}{m2 / 1e6:,.2f} km²"
    if abs(m2) >= 1 or m2 == 0:
        return f"{sign}{m2:,.0f} m²"
    return f"{sign}{m2:.2g} m²"


def _count_lines(s: pd.DataFrame, rows: list, unlisted: str = "") -> list[str]:
    """One line per ``(label, key, min_area)`` of a report's summary ``s``: the count, the
    total area where there is one and, where ``min_area`` is given, the slivers below it
    (``unlisted`` ends that remark). Labels are padded to one width, so counts align."""
    width = max(len(label) for label, _, _ in rows) + 2
    lines = []
    for label, key, min_area in rows:
        count, total = s.at[key, "count"], s.at[key, "total_area_m2"]
        text = f"  {label:<{width}}{count:>6,}"
        if count and not math.isnan(total):
            text += f"  total {_fmt_area(total)}"
        if min_area is not None and s.at[key, "below_min_area"]:
            text += (
                f"  (+{s.at[key, 'below_min_area']:,} below {min_area:g} m², "
                f"{_fmt_area(s.at[key, 'below_min_area_m2'])}{unlisted})"
            )
        lines.append(text)
    return lines


def _overlap_rows(overlaps, label: str, column: pd.Series) -> pd.DataFrame:
    """Overlapping pairs formatted for a text table, with one more column at the end."""
    return pd.DataFrame(
        {
            "code_a": overlaps["code_a"],
            "code_b": overlaps["code_b"],
            "area": overlaps["area_m2"].map(_fmt_area),
            label: column,
        }
    )


def _gap_rows(gaps, geographic: bool) -> pd.DataFrame:
    """Gaps and holes (:attr:`CoverageReport.gaps`' columns) formatted for a text table."""
    return pd.DataFrame(
        {
            "kind": gaps["kind"],
            "area": gaps["area_m2"].map(_fmt_area),
            "around": gaps["codes"].map(", ".join),
            "near": _fmt_points(gaps, geographic),
        }
    )


def _fmt_points(frame, geographic: bool) -> pd.Series:
    def fmt(x, y):
        if not (math.isfinite(x) and math.isfinite(y)):
            return "-"
        if geographic:
            return f"{abs(x):.4f} {'E' if x >= 0 else 'W'}, {abs(y):.4f} {'N' if y >= 0 else 'S'}"
        return f"x {x:,.0f}, y {y:,.0f}"

    return pd.Series(
        [fmt(x, y) for x, y in zip(frame["x"], frame["y"], strict=True)],
        index=frame.index,
        dtype=object,
    )


def _crs_label(crs) -> str:
    if crs is None:
        return "no CRS (nothing measurable)"
    epsg = crs.to_epsg()
    return f"{crs.name} (EPSG:{epsg})" if epsg else crs.name


def _yes_no(value) -> str:
    return "not tested" if value is None else ("yes" if value else "no")


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


def _text_table(frame: pd.DataFrame, max_rows: int) -> str:
    shown = frame.head(max_rows)
    with pd.option_context("display.max_colwidth", 80, "display.width", 200):
        text = shown.to_string(index=False)
    if len(frame) > max_rows:
        text += f"\n… and {len(frame) - max_rows:,} more"
    return text


def _html_cell(value) -> str:
    if isinstance(value, float):
        text = "" if math.isnan(value) else f"{value:,.2f}"
    elif isinstance(value, tuple):
        text = ", ".join(map(str, value))
    else:
        text = "" if value is None else str(value)
    return html.escape(text)


def _html_table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_html_cell(v)}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False, name=None)
    )
    return (
        f'<table class="geozone-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    )


# --------------------------------------------------------------------------------------
# Report layout: one outline per report, laid out as text and as HTML
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Section:
    """A table of a report: its rows formatted for the terminal (``text``) and as they are
    (``html``; None for a table listed in the text only). ``aside`` follows the title in
    the text, e.g. how the rows are sorted."""

    title: str
    text: pd.DataFrame
    html: pd.DataFrame | None
    aside: str = ""


@dataclass(frozen=True)
class _Outline:
    """What a report says. The text shows the ``head`` lines, the aligned ``counts`` and the
    sections' tables (up to ``max_rows`` each); the HTML shows the ``caption`` in bold with
    the ``note`` in small print, the ``summary`` table and the sections' tables (10 rows).
    Every string is escaped in the HTML."""

    head: list[str]
    caption: str
    note: str
    counts: list[str]
    summary: pd.DataFrame
    sections: list[_Section] = field(default_factory=list)


def _render_text(outline: _Outline, max_rows: int) -> str:
    lines = [*outline.head, "", *outline.counts]
    for section in outline.sections:
        if not section.text.empty:
            lines += ["", f"{section.title}{section.aside}:"]
            lines.append(_indent(_text_table(section.text, max_rows)))
    return "\n".join(lines)


def _render_html(outline: _Outline) -> str:
    parts = [
        f"<div><strong>{html.escape(outline.caption)}</strong> "
        f"<small>({html.escape(outline.note)})</small>",
        _html_table(outline.summary),
    ]
    for section in outline.sections:
        frame = section.html
        if frame is not None and not frame.empty:
            parts.append(f"<p><strong>{html.escape(section.title)}</strong> ({len(frame):,})</p>")
            parts.append(_html_table(frame.head(10)))
    parts.append("</div>")
    return "\n".join(parts)
