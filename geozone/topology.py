"""Neighbours and shared boundaries of administrative units.

Every function here works on a *units* layer: a GeoDataFrame with a unique ``code`` column
and Polygon/MultiPolygon geometries (a ``name`` column is used when present). Distances are
metres: the layer is projected once per call, with the transformation
:func:`geozone.crs.to_metric` uses, and results come back in the caller's CRS.

How a shared boundary is found
------------------------------
Real boundary layers are nearly, but not exactly, a clean coverage: in the 2025 communes
99.6 % of the shared boundary length is made of *identical* segments in both neighbours and
the rest has sliver gaps, micro-overlaps, differently densified edges and a few real
overlaps and gaps. So the work is split in two:

1. **Exact pass.** Every boundary segment of every unit is hashed; a segment that occurs in
   two units is shared by them. This finds the identical 99.6 % with no geometric
   predicate at all. It runs on the input coordinates, before the projection, which then
   projects each vertex that neighbours share only once.
2. **Tolerance pass.** Only the *unmatched* segments (coastline, international border and
   the defects) are searched for neighbours within ``tolerance_m``. A piece of unit A's
   unmatched boundary is shared with B when both its ends lie within the tolerance of B and
   probes ``tolerance_m`` long from it, pointing out of A, reach B. The probes are what
   keep the coast and the international border out: next to a junction on the coast, A's
   coastline is within the tolerance of B, but a probe out of A finds sea.

   Where a stretch of boundary passes for several neighbours (a unit thinner than the
   tolerance, the corner of a junction) it goes to the nearest one.

Where the two neighbours' edges differ, the shared line follows the edge of the unit with the
**lower code**; where they overlap, the overlap belongs to the lower code (see
:func:`geozone.zones.border_strips`), so the line follows that unit's edge through the overlap
as well. Gaps wider than the tolerance interrupt the line: they are nobody's territory.
Overlaps are found where boundaries cross, where a boundary runs inside the other unit, or
where a part of one unit lies inside the other, and measured exactly.

The last layer's topology is kept, so :func:`adjacency`, :func:`shared_boundaries`,
:func:`geozone.zones.border_strips` and :func:`geozone.zones.junction_zones` called on the
same layer with the same tolerance and CRS compute it once. The cache recognises the layer
by its geometry objects, codes, names and CRS: editing any of them starts afresh.
"""

from __future__ import annotations

import functools
import itertools
import math
import threading
import warnings
from dataclasses import dataclass, field

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import shapely

from geozone._gc import collection_paused
from geozone._parallel import in_background, map_threads, spans, threaded
from geozone.crs import metric_crs, to_metric, transformer
from geozone.errors import GeozoneWarning, InputError

__all__ = [
    "CONTACTS",
    "DEFAULT_TOLERANCE_M",
    "adjacency",
    "adjacency_graph",
    "shared_boundaries",
]

DEFAULT_TOLERANCE_M = 1.0
"""Default snapping tolerance in metres.

The 2025 reference map stores coordinates with 6 decimals (about 0.1 m) and nearly all of
its non-identical shared edges lie within a metre of each other: a 5 m tolerance adds only
64 m to the 7,806 km of commune boundaries in An Giang, Đồng Tháp, Cà Mau and Cần Thơ. The
real gaps and overlaps of the layers (river islands, disputed sections) are hundreds of
metres wide, so one metre joins the former without bridging the latter.
"""

CONTACTS = ("edge", "point", "near")
"""Kinds of contact :func:`adjacency` reports, from the strongest."""

# Gaps below a millimetre are touches: far below the precision of any boundary layer.
_TOUCH_M = 1e-3

# Longest edge, in metres, a metric geometry keeps on its way back to the input CRS (see
# _Units.to_source).
_EDGE_M = 500.0

# The dtype pandas gives a column of strings ("str" on pandas 3, object before): empty
# results get it too, so that they have the dtypes of results with rows.
_TEXT_DTYPE = pd.Series(["text"]).dtype
_ADJACENCY_COLUMNS = [
    "code_a",
    "code_b",
    "name_a",
    "name_b",
    "contact",
    "shared_length_m",
    "gap_m",
    "overlap_m2",
]


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


@collection_paused()
def adjacency(units, tolerance_m=DEFAULT_TOLERANCE_M, crs=None) -> pd.DataFrame:
    """List the pairs of units that touch or nearly touch.

    Parameters
    ----------
    units : GeoDataFrame
        Polygon layer with a unique ``code`` column (``name`` is used when present).
    tolerance_m : float, default :data:`DEFAULT_TOLERANCE_M`
        Edges closer than this are one shared edge; units closer than this without a shared
        edge are ``near``.
    crs : optional
        Projected CRS to measure in; default: chosen by :func:`geozone.crs.metric_crs`.

    Returns
    -------
    pandas.DataFrame
        One row per unordered pair with ``code_a < code_b``, sorted by ``(code_a, code_b)``:

        ``code_a``, ``code_b``, ``name_a``, ``name_b``
            The pair (names are ``None`` without a ``name`` column).
        ``contact``
            ``"edge"`` — they share a line longer than ``tolerance_m``;
            ``"point"`` — they touch at one or more points only;
            ``"near"`` — a gap narrower than ``tolerance_m`` separates them.
        ``shared_length_m``
            Length of the shared boundary (0 unless ``contact == "edge"``).
        ``gap_m``
            Smallest distance between the two units (0 for edges and points).
        ``overlap_m2``
            Area both units claim (a data defect; 0 in a clean layer).

    Raises
    ------
    InputError
        If codes are missing or duplicated, a geometry is null, empty or not polygonal,
        ``tolerance_m`` is negative, or the layer has no CRS.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> units = gpd.GeoDataFrame(
    ...     {"code": ["A", "B", "C"], "name": ["West", "East", "Corner"]},
    ...     geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000),
    ...               box(2000, 1000, 3000, 2000)],
    ...     crs=32648,
    ... )
    >>> adjacency(units)[["code_a", "code_b", "contact", "shared_length_m"]]
      code_a code_b contact  shared_length_m
    0      A      B    edge           1000.0
    1      B      C   point              0.0
    """
    topology = _build_topology(units, tolerance_m, crs)
    return topology.adjacency_frame()


@collection_paused()
def adjacency_graph(
    units_or_adjacency, tolerance_m=DEFAULT_TOLERANCE_M, crs=None, contacts=CONTACTS
) -> nx.Graph:
    """Build the neighbour graph of a units layer.

    Parameters
    ----------
    units_or_adjacency : GeoDataFrame or DataFrame
        A units layer (then :func:`adjacency` is computed with ``tolerance_m`` and ``crs``;
        every unit becomes a node, islands included) or a table :func:`adjacency` returned
        (then only units that appear in it become nodes).
    tolerance_m, crs
        As for :func:`adjacency`; ignored when an adjacency table is given.
    contacts : iterable of str, default all of :data:`CONTACTS`
        Which kinds of contact become graph edges, e.g. ``("edge",)`` for neighbours that
        share a line.

    Returns
    -------
    networkx.Graph
        Nodes are unit codes with a ``name`` attribute; edges carry ``contact``,
        ``shared_length_m``, ``gap_m`` and ``overlap_m2``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> units = gpd.GeoDataFrame(
    ...     {"code": ["A", "B", "C"]},
    ...     geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000),
    ...               box(5000, 0, 6000, 1000)],
    ...     crs=32648,
    ... )
    >>> graph = adjacency_graph(units)
    >>> sorted(graph.nodes), list(graph.edges(data="shared_length_m"))
    (['A', 'B', 'C'], [('A', 'B', 1000.0)])
    """
    wanted = _checked_contacts(contacts)
    graph = nx.Graph()
    if isinstance(units_or_adjacency, gpd.GeoDataFrame):
        topology = _build_topology(units_or_adjacency, tolerance_m, crs)
        table = topology.adjacency_frame()
        for code, name in zip(topology.units.codes, topology.units.names, strict=True):
            graph.add_node(code, name=name)
    elif isinstance(units_or_adjacency, pd.DataFrame):
        table = units_or_adjacency
        missing = {"code_a", "code_b", "contact"} - set(table.columns)
        if missing:
            raise InputError(
                "the adjacency table lacks column(s) "
                f"{', '.join(sorted(missing))}; pass the result of geozone.adjacency()"
            )
        for side in ("a", "b"):
            names = table[f"name_{side}"] if f"name_{side}" in table else [None] * len(table)
            for code, name in zip(table[f"code_{side}"], names, strict=True):
                graph.add_node(code, name=name)
    else:
        raise InputError(
            "adjacency_graph() takes a units GeoDataFrame or an adjacency table, "
            f"got {type(units_or_adjacency).__name__}"
        )
    attributes = [c for c in ("contact", "shared_length_m", "gap_m", "overlap_m2") if c in table]
    chosen = table[table["contact"].isin(wanted)]
    for row in chosen.itertuples(index=False):
        graph.add_edge(row.code_a, row.code_b, **{c: getattr(row, c) for c in attributes})
    return graph


@collection_paused()
def shared_boundaries(units, tolerance_m=DEFAULT_TOLERANCE_M, crs=None) -> gpd.GeoDataFrame:
    """Return the line each pair of neighbouring units shares.

    Identical edges are taken as they are; where the two units' edges differ by less than
    ``tolerance_m`` (slivers, micro-overlaps, different vertex density) the line follows the
    edge of the unit with the lower code, and through an overlap it follows that unit's edge
    too. Each pair's pieces are merged with :func:`shapely.line_merge`, so a pair gets one
    clean (Multi)LineString, not two half-edges. Coastline and international borders are
    never shared; a gap wider than the tolerance interrupts the line.

    Parameters
    ----------
    units : GeoDataFrame
        Polygon layer with a unique ``code`` column (``name`` is used when present).
    tolerance_m : float, default :data:`DEFAULT_TOLERANCE_M`
        How far apart two edges may be and still be one shared edge.
    crs : optional
        Projected CRS to measure in; default: chosen by :func:`geozone.crs.metric_crs`.

    Returns
    -------
    GeoDataFrame
        In the input CRS, one row per pair whose contact is ``"edge"`` (see
        :func:`adjacency`), sorted by ``(code_a, code_b)``: ``pair_id``
        (``f"{code_a}-{code_b}"``), ``code_a``, ``code_b``, ``name_a``, ``name_b``,
        ``length_m`` and the (Multi)LineString geometry.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> units = gpd.GeoDataFrame(
    ...     {"code": ["79", "80"]},
    ...     geometry=[box(0, 0, 1000, 1000), box(1000.4, 0, 2000, 1000)],  # 0.4 m sliver
    ...     crs=32648,
    ... )
    >>> lines = shared_boundaries(units)
    >>> lines.loc[0, "pair_id"], float(lines.loc[0, "length_m"]), lines.geometry[0].wkt
    ('79-80', 1000.0, 'LINESTRING (1000 0, 1000 1000)')
    """
    topology = _build_topology(units, tolerance_m, crs)
    edges = topology.edge_rows()
    frame = topology.pair_labels(edges)
    frame.insert(0, "pair_id", frame["code_a"] + "-" + frame["code_b"])
    frame["length_m"] = topology.edges["shared_length_m"].to_numpy()
    geometry = topology.lines(edges, metric=False)
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=topology.units.crs)


# --------------------------------------------------------------------------------------
# The units layer, validated and projected
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Units:
    """A units layer sorted by code, in the input CRS and the metric CRS."""

    codes: np.ndarray
    names: np.ndarray
    source: np.ndarray
    metric: np.ndarray
    crs: pyproj.CRS | None
    metric_crs: pyproj.CRS

    def __len__(self) -> int:
        return len(self.codes)

    @functools.cached_property
    def reprojected(self) -> bool:
        """Whether the metric CRS differs from the input CRS."""
        return self.crs is not None and pyproj.CRS(self.crs) != self.metric_crs

    def to_source(self, geometries) -> np.ndarray:
        """Bring metric geometries back to the input CRS (the vertices on all cores).

        Edges come back straight in the input CRS, which bends them in metres: in UTM over
        Vietnam, the middle of a 5 km edge straight in longitude and latitude lies 8 to 27
        cm off the straight line between its ends. So edges are first cut into pieces of at
        most ``_EDGE_M`` (500 m), which keeps that under 3 mm.
        """
        geometries = np.asarray(geometries, dtype=object)
        if not self.reprojected or not len(geometries):
            return geometries
        if shapely.has_z(geometries).any():
            pieces = shapely.segmentize(geometries, _EDGE_M)
            return gpd.GeoSeries(pieces, crs=self.metric_crs).to_crs(self.crs).to_numpy()
        operation = transformer(self.metric_crs, self.crs)

        def back(chunk):
            chunk = shapely.segmentize(chunk, _EDGE_M)
            coords = _projected_vertices(shapely.get_coordinates(chunk), operation)
            return shapely.set_coordinates(chunk, coords)

        # Chunk by chunk in threads: rewriting the geometries holds the GIL, PROJ does not,
        # so one chunk's rewrite overlaps another's transformation.
        return threaded(back, geometries, min_chunk=64)

    def metric_area(self, geometries) -> np.ndarray:
        """Area in square metres, in the metric CRS, of geometries in the input CRS.

        The area in the input CRS times the transformation's areal scale at the centroid
        (by central differences). That is exact where the scale varies linearly across the
        polygon, and real scales vary far more slowly: for the 1 km strips of the 2025
        communes the error is under 2e-6 (against the area of the strips projected after
        cutting their edges into 20 m pieces), far below what coordinates stored to 0.1 m
        allow. Projecting the vertices alone would measure another polygon, the one with
        straight edges in the metric CRS, whose area differs by up to 3e-4 where edges are
        kilometres long.
        """
        geometries = np.asarray(geometries, dtype=object)
        area = shapely.area(geometries)
        measured = np.flatnonzero(area > 0)
        if not self.reprojected or not len(measured):
            return area
        shapes = geometries[measured]
        x, y = shapely.get_coordinates(threaded(shapely.centroid, shapes, min_chunk=64)).T
        xmin, ymin, xmax, ymax = shapely.bounds(shapes).T
        # A step far below the scale at which the transformation bends, far above the
        # rounding of the coordinates (or of the polygon's size, near the origin).
        h = 1e-6 * (np.abs(x) + np.abs(y)) + 1e-3 * np.maximum(xmax - xmin, ymax - ymin)
        east, north = transformer(self.crs, self.metric_crs).transform(
            np.concatenate([x + h, x - h, x, x]), np.concatenate([y, y, y + h, y - h])
        )
        east, north = np.reshape(east, (4, -1)), np.reshape(north, (4, -1))
        scale = (
            np.abs(
                (east[0] - east[1]) * (north[2] - north[3])
                - (east[2] - east[3]) * (north[0] - north[1])
            )
            / (2 * h) ** 2
        )
        area[measured] *= scale
        return area


def _row_names(frame, mask, limit=10) -> str:
    labels = [
        f"row {label!r} (code {code})" if code is not None else f"row {label!r}"
        for label, code in zip(
            frame.index[mask],
            frame["code"][mask] if "code" in frame else [None] * int(mask.sum()),
            strict=True,
        )
    ]
    more = f" and {len(labels) - limit} more" if len(labels) > limit else ""
    return ", ".join(labels[:limit]) + more


def _checked_units(units) -> gpd.GeoDataFrame:
    """Validate a units layer; return it sorted by code, with string codes.

    Geometry validity is checked (and repaired) by :func:`_load_units`.
    """
    if not isinstance(units, gpd.GeoDataFrame):
        raise InputError(
            "units must be a GeoDataFrame with a 'code' column and polygon geometries, "
            f"got {type(units).__name__}"
        )
    if "code" not in units.columns:
        raise InputError(
            "the units layer has no 'code' column; load it with geozone.load_units() or "
            "rename its identifier column to 'code'"
        )
    if len(units) == 0:
        raise InputError("the units layer is empty")
    no_code = units["code"].isna().to_numpy()
    if no_code.any():
        raise InputError(
            f"{int(no_code.sum())} unit(s) have no code: {_row_names(units, no_code)}; "
            "every unit needs a unique code"
        )
    frame = units.copy()
    frame["code"] = frame["code"].astype(str)
    duplicated = frame["code"][frame["code"].duplicated(keep=False)]
    if len(duplicated):
        codes = sorted(set(duplicated))
        more = f" and {len(codes) - 10} more" if len(codes) > 10 else ""
        raise InputError(
            f"unit codes must be unique; duplicated: {', '.join(codes[:10])}{more}. "
            "Dissolve or drop the duplicates first"
        )
    geometry = frame.geometry.to_numpy()
    empty = shapely.is_missing(geometry) | shapely.is_empty(geometry)
    if empty.any():
        raise InputError(
            f"{int(empty.sum())} unit(s) have a null or empty geometry: "
            f"{_row_names(frame, empty)}; drop or repair them"
        )
    kinds = shapely.get_type_id(geometry)
    polygonal = (kinds == shapely.GeometryType.POLYGON) | (
        kinds == shapely.GeometryType.MULTIPOLYGON
    )
    if not polygonal.all():
        raise InputError(
            f"{int((~polygonal).sum())} unit(s) are not polygons: "
            f"{_row_names(frame, ~polygonal)}; units must be Polygon or MultiPolygon"
        )
    # Sort by position, not by label: an index named "code" must not get in the way.
    return frame.iloc[np.argsort(frame["code"].to_numpy(dtype=str), kind="stable")]


def _invalid(geometry) -> np.ndarray:
    """Which geometries are invalid (a unit is thousands of vertices: threads pay off)."""
    return ~threaded(shapely.is_valid, geometry, min_chunk=16)


def _repaired(frame: gpd.GeoDataFrame, invalid: np.ndarray) -> gpd.GeoDataFrame:
    """The layer with its ``invalid`` geometries made valid (with a warning naming them)."""
    geometry = frame.geometry.to_numpy()
    repaired = _polygonal(shapely.make_valid(geometry[invalid], method="structure"))
    lost = shapely.is_empty(repaired)
    if lost.any():
        bad = np.zeros(len(frame), bool)
        bad[np.flatnonzero(invalid)[lost]] = True
        raise InputError(
            f"{int(lost.sum())} unit geometries are invalid and collapse when repaired: "
            f"{_row_names(frame, bad)}"
        )
    warnings.warn(
        f"repaired {int(invalid.sum())} invalid unit geometries "
        f"({_row_names(frame, invalid)}) with shapely.make_valid",
        GeozoneWarning,
        stacklevel=7,  # the caller of adjacency(), border_strips() and the like
    )
    geometry = geometry.copy()
    geometry[invalid] = repaired
    return frame.set_geometry(gpd.GeoSeries(geometry, index=frame.index, crs=frame.crs))


def _load_units(units, crs, focus=None, margin_m=0.0):
    """Validate, sort and project a units layer; find its segments and the identical ones.

    With ``focus`` (codes), only those units and the units whose bounding boxes come within
    ``margin_m`` of theirs are kept: every neighbour of a focus unit is then present, so the
    focus units get the same pairs as in the whole layer. The metric CRS is still chosen for
    the whole layer, so results do not depend on the subset.

    Returns the layer (:class:`_Units`), its segments (:class:`_Segments`, metric) and the
    pairs of identical segments (:func:`_identical_segments`).
    """
    frame = _checked_units(units)
    target = metric_crs(frame, crs)
    if focus is not None:
        frame = _near_focus(frame, focus, margin_m)
    # The validity check (GEOS) runs on a spare core while the exact pass (mostly numpy)
    # runs here; a repair, which is rare, makes the pass start again.
    invalid = in_background(_invalid, frame.geometry.to_numpy())
    segments = _segments(frame.geometry.to_numpy())
    # In the input CRS: segments identical there are identical in the metric CRS, and the
    # projection can then skip the copies.
    own, other, flipped = _identical_segments(segments)
    invalid = invalid.result()
    if invalid.any():
        frame = _repaired(frame, invalid)
        segments = _segments(frame.geometry.to_numpy())
        own, other, flipped = _identical_segments(segments)
    layer = _project(frame, target, segments, own, other, flipped)
    if not segments.length.all():
        # Two vertices a hair apart became one in the metric CRS: start on its vertices.
        source = segments.source_coords
        segments = _segments(layer.metric, segments.coords)
        segments.source_coords = source
        own, other, _ = _identical_segments(segments)
    return layer, segments, own, other


def _project(frame: gpd.GeoDataFrame, target, segments: _Segments, own, other, flipped) -> _Units:
    """Project the layer and its segments' vertices into the metric CRS.

    Neighbours hold copies of the vertices they share (47 % of a country's vertices), and the
    exact pass has just paired them up (``own``, ``other``, ``flipped``: identical segments,
    see :func:`_identical_segments`), so each distinct vertex is projected once and its
    copies take the result. The transformation is
    the one :func:`to_metric` uses and a vertex's image depends on that vertex alone, so the
    result is the same to the bit as ``GeoDataFrame.to_crs``.
    """
    geometry = frame.geometry.to_numpy()
    if (
        frame.crs is None
        or not len(frame)
        or pyproj.CRS(frame.crs) == target
        or shapely.has_z(geometry).any()
    ):
        # Nothing to project, an error to raise, or heights to carry: geopandas' way.
        projected, target = to_metric(frame, target)
        metric = projected.geometry.to_numpy()
        if metric is not geometry:
            segments.coords = shapely.get_coordinates(metric)
    else:
        segments.coords = _projected_vertices(
            segments.source_coords,
            transformer(frame.crs, target),
            _vertex_copies(segments, own, other, flipped),
        )
        metric = _rebuilt(geometry, segments)
    if metric is not geometry and _reflects(segments):
        segments.interior_left = ~segments.interior_left
    names = (
        frame["name"].astype(object).where(frame["name"].notna(), None).to_numpy()
        if "name" in frame.columns
        else np.full(len(frame), None, dtype=object)
    )
    return _Units(
        codes=frame["code"].to_numpy(dtype=object),
        names=names,
        source=geometry,
        metric=metric,
        crs=frame.crs,
        metric_crs=target,
    )


def _vertex_copies(segments: _Segments, own, other, flipped) -> np.ndarray:
    """For every vertex, an identical vertex to take the projection of (itself if none).

    A vertex of segment ``other`` points to the same vertex of ``own`` (a unit with a lower
    code), and the last vertex of a ring to its first: every pointer goes to a lower
    (unit, vertex), so following them ends, at a vertex that points to itself.
    """
    copy_of = np.arange(len(segments.source_coords))
    last = segments.ring_end - 1
    copy_of[last] = segments.ring_start
    is_moved = np.zeros(len(copy_of), bool)
    is_moved[last] = True
    # Chunk by chunk, so that the temporaries stay small (see _CHUNK). Consecutive segments
    # share a vertex, which may get the copy of either: both are the same vertex of a lower
    # unit, so the projection is the same.
    for c0, c1 in spans(len(own), _CHUNK, _CHUNK):
        s_own, s_other = segments.start[own[c0:c1]], segments.start[other[c0:c1]]
        turn = flipped[c0:c1]
        copy_of[s_other] = s_own + turn
        is_moved[s_other] = True
        s_own += 1
        s_own -= turn
        s_other += 1
        copy_of[s_other] = s_own
        is_moved[s_other] = True
    moved = np.flatnonzero(is_moved)
    target = copy_of[moved]
    further = np.empty_like(target)
    while True:
        np.take(copy_of, target, out=further)
        if np.array_equal(further, target):
            return copy_of
        copy_of[moved] = further
        target, further = further, target


def _projected_vertices(coords: np.ndarray, operation, copy_of=None) -> np.ndarray:
    """Transform an (n, 2) array of vertices on all cores, the same to the bit as ``to_crs``.

    With ``copy_of`` (see :func:`_vertex_copies`), only the vertices that are their own copy
    are transformed and the others take their result. Chunk by chunk, so that the
    temporaries are a few MB that the allocator reuses rather than fresh memory the size of
    the layer (see :data:`_CHUNK`).
    """
    out = np.empty((len(coords), 2))
    chunks = spans(len(coords), _CHUNK, 50_000)

    def project(span):
        c0, c1 = span
        everything = copy_of is None
        original = slice(None) if everything else copy_of[c0:c1] == np.arange(c0, c1)
        # PROJ wants contiguous x and y, and works on them in place: copies, not views.
        x = np.array(coords[c0:c1, 0][original], copy=everything)
        y = np.array(coords[c0:c1, 1][original], copy=everything)
        operation.transform(x, y, inplace=True)
        block = out[c0:c1]
        block[original, 0], block[original, 1] = x, y

    map_threads(project, chunks)
    if copy_of is None:
        return out
    flat = _as_complex(out)

    def take_copies(span):
        c0, c1 = span
        copies = c0 + np.flatnonzero(copy_of[c0:c1] != np.arange(c0, c1))
        flat[copies] = flat[copy_of[copies]]

    # Every copy points to an original vertex, all of which are projected by now.
    map_threads(take_copies, chunks)
    return out


def _rebuilt(geometry: np.ndarray, segments: _Segments) -> np.ndarray:
    """The polygons rebuilt on ``segments.coords``, each of its original type.

    What ``shapely.set_coordinates`` does, from the ring structure the segments already
    hold: building from flat arrays is several times faster than rewriting copies.
    """
    n_parts = len(segments.part_unit)
    rings_per_part = np.bincount(segments.ring_part, minlength=n_parts)
    parts = shapely.from_ragged_array(
        shapely.GeometryType.POLYGON,
        segments.coords,
        (np.append(0, segments.ring_end), np.append(0, np.cumsum(rings_per_part))),
    )
    out = np.empty(len(geometry), dtype=object)
    single = shapely.get_type_id(geometry) == shapely.GeometryType.POLYGON
    # Parts are in unit order, so a Polygon unit's one part is at its unit's first position.
    first_part = np.searchsorted(segments.part_unit, np.arange(len(geometry)))
    out[single] = parts[first_part[single]]
    multi = np.flatnonzero(~single)
    if len(multi):
        of_multi = np.flatnonzero(~single[segments.part_unit])
        out[multi] = shapely.multipolygons(
            parts[of_multi], indices=np.searchsorted(multi, segments.part_unit[of_multi])
        )
    return out


def _reflects(segments: _Segments) -> bool:
    """Whether the projection mirrors the layer (turning counter-clockwise rings clockwise).

    Told from the triangle of three extreme vertices of the longest ring: projections keep
    or mirror the sense of rotation over a whole layer, and a large triangle shows it
    beyond rounding.
    """
    if not len(segments.ring_end):
        return False
    longest = np.argmax(segments.ring_end - segments.ring_start)
    start, end = segments.ring_start[longest], segments.ring_end[longest]
    ring = segments.source_coords[start:end]
    corners = start + np.array(
        [np.argmin(ring[:, 0]), np.argmax(ring[:, 0]), np.argmax(ring[:, 1])]
    )

    def turn(points):
        (ax, ay), (bx, by), (cx, cy) = points[corners]
        return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)

    return bool(turn(segments.source_coords) * turn(segments.coords) < 0)


def _near_focus(frame: gpd.GeoDataFrame, focus, margin_m: float) -> gpd.GeoDataFrame:
    chosen = frame["code"].isin({str(c) for c in focus}).to_numpy()
    bounds = frame.geometry.bounds.to_numpy()
    margin = margin_m
    if frame.crs is not None and not pyproj.CRS(frame.crs).is_projected:
        # Metres to degrees, generously (a degree of longitude is over 100 km in Vietnam).
        margin = 2.0 * margin_m / 100_000.0
    tree = shapely.STRtree(shapely.box(*bounds.T))
    hits = tree.query(shapely.box(*_expand(bounds[chosen], margin).T))[1]
    return frame.iloc[np.union1d(hits, np.flatnonzero(chosen))]


# --------------------------------------------------------------------------------------
# Small geometry helpers
# --------------------------------------------------------------------------------------


def _polygonal(geometries) -> np.ndarray:
    """Keep only the polygons of each geometry (overlays can add stray lines and points)."""
    geometries = np.asarray(geometries, dtype=object)
    kinds = shapely.get_type_id(geometries)
    mixed = np.flatnonzero(kinds == shapely.GeometryType.GEOMETRYCOLLECTION)
    if not len(mixed):
        return geometries
    out = geometries.copy()
    parts, owner = shapely.get_parts(geometries[mixed], return_index=True)
    # A collection may hold multipolygons: flatten those too.
    parts, inner = shapely.get_parts(parts, return_index=True)
    owner = owner[inner]
    keep = (shapely.get_type_id(parts) == shapely.GeometryType.POLYGON) & ~shapely.is_empty(parts)
    out[mixed] = shapely.Polygon()
    if keep.any():
        present, dense = np.unique(owner[keep], return_inverse=True)
        # Polygons of one overlay result never share an edge, so they form a valid whole.
        out[mixed[present]] = shapely.multipolygons(parts[keep], indices=dense)
    return out


def _clip_to_boxes(geometries, bounds) -> np.ndarray:
    """Clip each geometry to its box: the cheap way to shrink a polygon before an overlay.

    ``clip_by_rect`` is fast but may return an invalid polygon; those few are clipped again
    with a real intersection so that the overlay that follows can trust its input. Its
    public form takes one box at a time: the loop runs in chunks on all cores.
    """
    return threaded(
        _clipped,
        np.asarray(geometries, dtype=object),
        np.asarray(bounds, dtype=float),
        min_chunk=64,
    )


def _clipped(geometries, bounds) -> np.ndarray:
    clipped = np.array(
        [
            shapely.clip_by_rect(g, *b) if g is not None else None
            for g, b in zip(geometries, bounds, strict=True)
        ],
        dtype=object,
    )
    broken = ~shapely.is_valid(clipped) & ~shapely.is_missing(clipped)
    if broken.any():
        boxes = shapely.box(*bounds[broken].T)
        clipped[broken] = shapely.intersection(geometries[broken], boxes)
    return clipped


def _expand(bounds, by) -> np.ndarray:
    bounds = np.array(bounds, dtype=float)
    bounds[..., :2] -= by
    bounds[..., 2:] += by
    return bounds


def _common_bounds(first, second) -> np.ndarray:
    """Intersection of the bounding boxes of two geometry arrays, row by row."""
    bounds_a, bounds_b = shapely.bounds(first), shapely.bounds(second)
    return np.hstack(
        [np.maximum(bounds_a[:, :2], bounds_b[:, :2]), np.minimum(bounds_a[:, 2:], bounds_b[:, 2:])]
    )


def _clip_segments(x0, y0, x1, y1, xmin, xmax, ymin, ymax):
    """Liang–Barsky: the parameter range of each segment inside its box (empty if t0 > t1)."""
    dx = x1 - x0
    dy = y1 - y0
    t0 = np.zeros_like(x0)
    t1 = np.ones_like(x0)
    with np.errstate(divide="ignore", invalid="ignore"):
        for p, q in ((-dx, x0 - xmin), (dx, xmax - x0), (-dy, y0 - ymin), (dy, ymax - y0)):
            ratio = q / p
            t0 = np.where(p < 0, np.maximum(t0, ratio), t0)
            t1 = np.where(p > 0, np.minimum(t1, ratio), t1)
            t0 = np.where((p == 0) & (q < 0), 2.0, t0)
    return t0, t1


def _at(p, q, t) -> np.ndarray:
    """Point at parameter t on segments p→q, exact at both ends so pieces join their vertices."""
    out = p + (q - p) * t[:, None]
    out[t == 0.0] = p[t == 0.0]
    out[t == 1.0] = q[t == 1.0]
    return out


# --------------------------------------------------------------------------------------
# Boundary segments and the exact pass
# --------------------------------------------------------------------------------------


@dataclass
class _Segments:
    """Every non-degenerate boundary segment of every unit, in ring order.

    Built on the vertices in the input CRS (the exact pass works on them); :func:`_project`
    then puts the metric vertices in ``coords``.
    """

    start: np.ndarray  # index of each segment's first vertex in the coordinate arrays
    unit: np.ndarray
    coords: np.ndarray  # vertices of all rings, ring after ring: metric once projected
    source_coords: np.ndarray  # the same in the input CRS
    interior_left: np.ndarray  # whether the unit lies left of the segment (p to q)
    ring_start: np.ndarray  # first and one-past-last vertex of every ring
    ring_end: np.ndarray
    ring_part: np.ndarray  # the polygon (part of a unit) each ring belongs to
    part_unit: np.ndarray  # the unit each polygon belongs to

    def __len__(self) -> int:
        return len(self.start)

    @property
    def p(self) -> _SegmentEnds:
        """Start points: ``segments.p[index]`` is an (n, 2) array."""
        return _SegmentEnds(self.coords, self.start, 0)

    @property
    def q(self) -> _SegmentEnds:
        """End points: ``segments.q[index]`` is an (n, 2) array."""
        return _SegmentEnds(self.coords, self.start, 1)

    @functools.cached_property
    def length(self) -> np.ndarray:
        """Metric length of each segment."""
        vertex = _as_complex(self.coords)
        out = np.empty(len(self.start))

        def measure(span):
            start = self.start[span[0] : span[1]]
            # |q - p| of the vertices as complex numbers is hypot(dx, dy), to the bit.
            np.abs(vertex[start + 1] - vertex[start], out=out[span[0] : span[1]])

        map_threads(measure, spans(len(out), _CHUNK, 100_000))
        return out

    def release(self) -> None:
        """Drop the per-segment lengths the build needed; lines only need the vertices."""
        self.__dict__.pop("length", None)


class _SegmentEnds:
    """One end of every segment, gathered from the vertices when indexed.

    Whole copies of both ends would take 16 bytes per segment each (230 MB for a country's
    7 M segments) while every use needs only a subset: fresh memory costs more than the
    gathers.
    """

    def __init__(self, coords: np.ndarray, start: np.ndarray, offset: int):
        self.coords, self.start, self.offset = coords, start, offset

    def __getitem__(self, index) -> np.ndarray:
        vertex = self.start[index]
        return _rows(self.coords, vertex + self.offset if self.offset else vertex)


def _rows(coords: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``coords[index]`` for an (n, 2) float array, gathering each row as one 16-byte item."""
    return _as_complex(coords)[index].view(np.float64).reshape(-1, 2)


def _as_complex(coords: np.ndarray) -> np.ndarray:
    """An (n, 2) float array seen as n complex numbers (a vertex compares in one operation)."""
    return np.ascontiguousarray(coords, dtype=np.float64).view(np.complex128).ravel()


def _segments(geometry: np.ndarray, coords: np.ndarray | None = None) -> _Segments:
    """The segments of polygons, on their vertices (``coords``: read from them if None)."""
    parts, part_unit = shapely.get_parts(geometry, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    if coords is None:
        # get_coordinates lists polygons' vertices ring after ring, like the rings' own.
        coords = shapely.get_coordinates(geometry)
    ring_end = np.cumsum(shapely.get_num_coordinates(rings))
    # get_rings lists each polygon's shell first; the unit's interior is left of a
    # counter-clockwise shell and of a clockwise hole.
    shell = np.concatenate([[True], ring_part[1:] != ring_part[:-1]])
    interior_left = shapely.is_ccw(rings) == shell
    del parts, rings
    # A segment starts at every vertex but the last of its ring; repeated vertices would
    # make zero-length segments, which share nothing.
    vertex = _as_complex(coords)
    starts = np.zeros(len(vertex), bool)
    np.not_equal(vertex[:-1], vertex[1:], out=starts[:-1])
    starts[ring_end - 1] = False
    start = np.flatnonzero(starts)
    per_ring = np.diff(np.searchsorted(start, ring_end), prepend=0)
    return _Segments(
        start=start,
        unit=np.repeat(part_unit[ring_part], per_ring),
        coords=coords,
        source_coords=coords,
        interior_left=np.repeat(interior_left, per_ring),
        ring_start=np.concatenate([[0], ring_end[:-1]]),
        ring_end=ring_end,
        ring_part=ring_part,
        part_unit=part_unit,
    )


def _mix(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A 64-bit hash of two 64-bit words (splitmix-style; wraps around by design).

    Returns the hashes and a scratch array of the same size: arrays of millions of words
    are worked on in place, since fresh ones cost page faults.
    """
    h = a * np.uint64(0x9E3779B97F4A7C15)
    scratch = h >> np.uint64(32)
    h ^= scratch
    np.multiply(b, np.uint64(0xC2B2AE3D27D4EB4F), out=scratch)
    h ^= scratch
    np.right_shift(h, np.uint64(29), out=scratch)
    h ^= scratch
    h *= np.uint64(0x165667B19E3779F9)
    np.right_shift(h, np.uint64(32), out=scratch)
    h ^= scratch
    return h, scratch


# Items per chunk where a pass over millions of segments works chunk by chunk: temporaries of
# a few MB are reused by the allocator, while whole-array ones would be fresh memory each
# time (see benchmarks/bench_topology.py on what fresh memory costs).
_CHUNK = 1 << 19


def _segment_hashes(segments: _Segments) -> np.ndarray:
    """A 64-bit hash of each segment from its two vertices' bit patterns, either direction."""
    bits = np.ascontiguousarray(segments.coords, dtype=np.float64).view(np.uint64)
    start = segments.start
    out = np.empty(len(start), np.uint64)

    def hash_span(span):
        c0, c1 = span
        # Segments are in ring order, so a chunk of them spans one run of vertices.
        v0, v1 = start[c0], start[c1 - 1] + 2
        vertex, scratch = _mix(bits[v0:v1, 0], bits[v0:v1, 1])
        # XOR is symmetric, so both directions of a segment get the same hash.
        np.bitwise_xor(vertex[:-1], vertex[1:], out=scratch[:-1])
        np.take(scratch, start[c0:c1] - v0, out=out[c0:c1])

    map_threads(hash_span, spans(len(start), _CHUNK, 100_000))
    return out


def _identical_segments(segments: _Segments) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of identical segments of different units: (segment of the lower unit, other,
    whether the other runs the opposite way).

    Sorting the segments' hashes (:func:`_segment_hashes`) brings identical segments together;
    every candidate pair is then compared coordinate by coordinate, so a hash collision
    cannot create a match. Pairs come out in the order of their lower segment index: the
    comparison then reads the vertices almost in order (a neighbour's side of a shared edge
    runs along its own ring too) instead of at random.
    """
    packed = _segment_hashes(segments)
    n = len(packed)
    # Sorting values is ~2.5x faster than argsort: pack each segment's index into the low
    # bits of its hash and sort the packed words (the shorter hash only adds candidates).
    index_bits = max(n.bit_length(), 1)
    low_mask = np.uint64((1 << index_bits) - 1)
    packed &= ~low_mask
    packed |= np.arange(n, dtype=np.uint64)
    packed.sort()
    # equal[i]: sorted entries i and i + 1 share a hash (and are segments index[i], index[i + 1]).
    hashes = packed >> np.uint64(index_bits)
    equal = hashes[1:] == hashes[:-1]
    del hashes
    index = np.bitwise_and(packed, low_mask, out=packed)
    # Almost every run of equal hashes has two members; a few (duplicated rings) have more.
    alone = np.ones(len(equal), bool)
    alone[1:] &= ~equal[:-1]
    alone[:-1] &= ~equal[1:]
    # Entries of one hash are sorted by segment, so each pair comes lower segment first, and
    # the pairs are ordered by it with one sort of both packed into one word. In place:
    # arrays of millions of words, fresh memory each.
    pairs = np.flatnonzero(equal & alone)
    key = index[pairs]
    key <<= np.uint64(index_bits)
    pairs += 1
    key |= index[pairs]
    del pairs
    longer = np.flatnonzero(equal & ~alone)
    runs = np.split(longer, np.flatnonzero(np.diff(longer) != 1) + 1) if len(longer) else []
    more = []
    for run in runs:
        members = index[run[0] : run[-1] + 2]
        upper = np.triu_indices(len(members), 1)
        more.append((members[upper[0]] << np.uint64(index_bits)) | members[upper[1]])
    if more:
        key = np.concatenate([key, *more])
    key.sort()
    low = (key >> np.uint64(index_bits)).view(np.int64)
    high = np.bitwise_and(key, low_mask, out=key).view(np.int64)
    # A vertex as one complex number compares in one operation instead of two.
    vertex = _as_complex(segments.coords)
    keep = np.empty(len(low), bool)
    flipped = np.empty(len(low), bool)

    def compare(span):
        chunk = slice(*span)
        s1, s2 = segments.start[low[chunk]], segments.start[high[chunk]]
        p1, q1, p2, q2 = vertex[s1], vertex[s1 + 1], vertex[s2], vertex[s2 + 1]
        same_way = (p1 == p2) & (q1 == q2)
        flipped[chunk] = (p1 == q2) & (q1 == p2)
        keep[chunk] = (same_way | flipped[chunk]) & (
            segments.unit[low[chunk]] != segments.unit[high[chunk]]
        )

    map_threads(compare, spans(len(low), _CHUNK, 50_000))
    if not keep.all():
        low, high, flipped = low[keep], high[keep], flipped[keep]
    # Segments are listed unit by unit, so the lower segment is the lower unit's.
    return low, high, flipped


# --------------------------------------------------------------------------------------
# The tolerance pass
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pieces:
    """Sub-segments [t0, t1] of boundary segments, each attributed to a partner unit."""

    segment: np.ndarray
    partner: np.ndarray
    t0: np.ndarray
    t1: np.ndarray

    @classmethod
    def empty(cls) -> _Pieces:
        return cls(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0), np.empty(0))

    @classmethod
    def concat(cls, parts) -> _Pieces:
        parts = [p for p in parts if len(p.segment)]
        if not parts:
            return cls.empty()
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in cls._fields()))

    @staticmethod
    def _fields():
        return ("segment", "partner", "t0", "t1")

    def take(self, mask) -> _Pieces:
        return _Pieces(*(getattr(self, f)[mask] for f in self._fields()))

    def halves(self) -> _Pieces:
        """Each piece cut in two at its middle (first halves, then second halves)."""
        mid = (self.t0 + self.t1) / 2.0
        return _Pieces(
            np.concatenate([self.segment, self.segment]),
            np.concatenate([self.partner, self.partner]),
            np.concatenate([self.t0, mid]),
            np.concatenate([mid, self.t1]),
        )

    def merged(self) -> _Pieces:
        """Union of overlapping or touching intervals of the same segment and partner."""
        if not len(self.segment):
            return self
        order = np.lexsort((self.t0, self.segment, self.partner))
        seg, partner = self.segment[order], self.partner[order]
        t0, t1 = self.t0[order], self.t1[order]
        group = np.concatenate([[True], (seg[1:] != seg[:-1]) | (partner[1:] != partner[:-1])])
        group_id = np.cumsum(group) - 1
        # Running maximum of t1 within each group (group ids offset so they never mix).
        reach = np.maximum.accumulate(t1 + 2.0 * group_id) - 2.0 * group_id
        new = group.copy()
        new[1:] |= t0[1:] > reach[:-1]
        run = np.cumsum(new) - 1
        ends = np.zeros(run[-1] + 1)
        np.maximum.at(ends, run, t1)
        first = np.flatnonzero(new)
        return _Pieces(seg[first], partner[first], t0[first], ends)

    def __len__(self) -> int:
        return len(self.segment)


def _unmatched_boxes(segments: _Segments, unmatched: np.ndarray, tolerance: float):
    """Bounding boxes (xmin, ymin, xmax, ymax) of the segments, grown by half the tolerance."""
    p, q = segments.p[unmatched], segments.q[unmatched]
    reach = tolerance / 2.0
    return np.hstack([np.minimum(p, q) - reach, np.maximum(p, q) + reach])


def _near_unmatched(segments: _Segments, unmatched: np.ndarray, tolerance: float):
    """Pairs of unmatched segments of different units within the tolerance of each other.

    Returns both orders of every pair. Segment boxes (grown by half the tolerance) that
    intersect are found through the boxes of chains of up to ``_CHAIN`` consecutive segments:
    a country's unmatched boundary is mostly coastline and international border, long runs
    of one unit that no other unit comes near, so a few chain pairs hold all the candidates.
    """
    n = len(unmatched)
    if n < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    boxes = _unmatched_boxes(segments, unmatched, tolerance)
    unit = segments.unit[unmatched]
    start = segments.start[unmatched]
    # A chain is a stretch of one ring (consecutive vertices), cut every _CHAIN segments.
    joined = np.concatenate([[False], start[1:] == start[:-1] + 1])
    joined[1:] &= unit[1:] == unit[:-1]
    new = ~joined
    run_first = np.flatnonzero(new)
    position = np.arange(n) - run_first[np.cumsum(new) - 1]
    new |= position % _CHAIN == 0
    chain_first = np.flatnonzero(new)
    chain_size = np.diff(np.append(chain_first, n))
    chain_boxes = np.hstack(
        [
            np.minimum.reduceat(boxes[:, :2], chain_first, axis=0),
            np.maximum.reduceat(boxes[:, 2:], chain_first, axis=0),
        ]
    )
    chain_geoms = shapely.box(*chain_boxes.T)
    ci, cj = shapely.STRtree(chain_geoms).query(chain_geoms)
    keep = (ci < cj) & (unit[chain_first[ci]] != unit[chain_first[cj]])
    ci, cj = ci[keep], cj[keep]
    # Every segment of chain ci against every segment of chain cj (ci < cj, so i < j).
    size_i, size_j = chain_size[ci], chain_size[cj]
    count = size_i * size_j
    which = np.repeat(np.arange(len(ci)), count)
    k = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    i = chain_first[ci][which] + k // size_j[which]
    j = chain_first[cj][which] + k % size_j[which]
    # The boxes intersect (closed intervals, as the envelopes of an STRtree query).
    bi, bj = boxes[i], boxes[j]
    hit = (
        (bi[:, 0] <= bj[:, 2])
        & (bj[:, 0] <= bi[:, 2])
        & (bi[:, 1] <= bj[:, 3])
        & (bj[:, 1] <= bi[:, 3])
    )
    i, j = i[hit], j[hit]
    p, q = segments.p[unmatched], segments.q[unmatched]
    close = _segment_distance(p[i], q[i], p[j], q[j]) <= tolerance
    i, j = unmatched[i[close]], unmatched[j[close]]
    return np.concatenate([i, j]), np.concatenate([j, i])


# Segments per chain in :func:`_near_unmatched`.
_CHAIN = 16


def _segment_distance(a, b, c, d) -> np.ndarray:
    """Distance between segments a–b and c–d, row by row (0 where they intersect)."""

    def point_to_segment(x, s, e):
        v = e - s
        length2 = np.einsum("ij,ij->i", v, v)
        length2[length2 == 0] = 1.0
        t = np.clip(np.einsum("ij,ij->i", x - s, v) / length2, 0.0, 1.0)
        nearest = s + v * t[:, None]
        return np.hypot(*(x - nearest).T)

    distance = np.minimum.reduce(
        [
            point_to_segment(a, c, d),
            point_to_segment(b, c, d),
            point_to_segment(c, a, b),
            point_to_segment(d, a, b),
        ]
    )
    distance[_crossing(a, b, c, d)] = 0.0
    return distance


def _orientation(o, x, y) -> np.ndarray:
    return np.sign(
        (x[:, 0] - o[:, 0]) * (y[:, 1] - o[:, 1]) - (x[:, 1] - o[:, 1]) * (y[:, 0] - o[:, 0])
    )


def _crossing(a, b, c, d) -> np.ndarray:
    """Segments a–b and c–d cross at a point interior to both."""
    return (_orientation(a, b, c) * _orientation(a, b, d) < 0) & (
        _orientation(c, d, a) * _orientation(c, d, b) < 0
    )


def _window_along(segments: _Segments, own, other, reach: float) -> _Pieces:
    """Part of each ``own`` segment alongside ``other``: within ``reach`` of its line, and
    between the perpendiculars through its ends.

    Cutting at the perpendiculars puts the ends of a shared stretch exactly where the
    neighbour's edge ends (a T-junction, or a coast the two units share a corner of) rather
    than up to the tolerance beyond it.
    """
    p, q = segments.p, segments.q
    a, b = p[own], q[own]
    origin = p[other]
    axis = q[other] - origin
    length = np.hypot(axis[:, 0], axis[:, 1])
    ux, uy = axis[:, 0] / length, axis[:, 1] / length

    def local(points):
        d = points - origin
        return d[:, 0] * ux + d[:, 1] * uy, -d[:, 0] * uy + d[:, 1] * ux

    (x0, y0), (x1, y1) = local(a), local(b)
    t0, t1 = _clip_segments(x0, y0, x1, y1, 0.0, length, -reach, reach)
    inside = t0 <= t1
    return _Pieces(own[inside], segments.unit[other][inside], t0[inside], t1[inside])


def _window_in_boxes(segments: _Segments, own, partner, boxes) -> _Pieces:
    """Part of each ``own`` segment inside an axis-aligned box."""
    a, b = segments.p[own], segments.q[own]
    t0, t1 = _clip_segments(
        a[:, 0], a[:, 1], b[:, 0], b[:, 1], boxes[:, 0], boxes[:, 2], boxes[:, 1], boxes[:, 3]
    )
    inside = t0 <= t1
    return _Pieces(own[inside], partner[inside], t0[inside], t1[inside])


def _probes(a, b, interior_left, reach: float):
    """Short lines from each piece outwards, away from its own unit, at three places.

    Across a sliver or an overlap the neighbour is found within ``reach`` outside the
    piece (or under it already). Along a coast it is not, even where the unit is a wedge
    narrower than the tolerance and the neighbour lies just *behind* the coastline. The
    probes stand at the middle and just inside both ends, so a piece that runs past the end
    of the neighbour fails and is split until it stops there.
    """
    d = b - a
    norm = np.hypot(d[:, 0], d[:, 1])
    norm[norm == 0] = 1.0
    right = np.stack([d[:, 1] / norm, -d[:, 0] / norm], axis=1)
    outward = np.where(interior_left[:, None], right, -right) * reach
    probes = []
    for t in (0.5, 0.01, 0.99):
        at = a + d * t
        if reach <= 0:
            probes.append(shapely.points(at))
        else:
            probes.append(shapely.linestrings(np.stack([at, at + outward], axis=1)))
    return probes


def _passes(partner, start, end, middle, first, last, *, tolerance) -> np.ndarray:
    """Whether both ends lie near the partner and every probe reaches into it.

    Touching is not enough: two coastlines lying on one line touch without facing each
    other.
    """
    ok = shapely.dwithin(partner, start, tolerance) & shapely.dwithin(partner, end, tolerance)
    for probe in (middle, first, last):
        ok[ok] = shapely.intersects(partner[ok], probe[ok])
        if tolerance > 0:
            ok[ok] = ~shapely.touches(partner[ok], probe[ok])
    return ok


def _confirm(
    segments: _Segments, pieces: _Pieces, rivals: _Pieces, polygons, tolerance: float
) -> _Pieces:
    """Keep the pieces that really lie along their partner; split the doubtful ones.

    A piece passes when both ends are within the tolerance of the partner polygon and the
    probes outwards from its own unit reach the partner (see :func:`_probes`). Pieces longer
    than ``longest`` are split before testing (ends and middle say little about a long
    piece); failing pieces are halved until they are shorter than ``shortest``, which
    bounds how much of a real shared edge can be lost where it ends. Where a stretch passes
    for several partners, the nearest one gets it.
    """
    shortest = max(tolerance / 8.0, 0.05)
    longest = 10.0 * max(tolerance, 1.0)
    seg_length = segments.length
    current = pieces
    too_long = (current.t1 - current.t0) * seg_length[current.segment] > longest
    while too_long.any():
        current = _Pieces.concat([current.take(~too_long), current.take(too_long).halves()])
        too_long = (current.t1 - current.t0) * seg_length[current.segment] > longest
    kept = []
    while len(current):
        p, q = segments.p[current.segment], segments.q[current.segment]
        a, b = _at(p, q, current.t0), _at(p, q, current.t1)
        ok = threaded(
            functools.partial(_passes, tolerance=tolerance),
            polygons[current.partner],
            shapely.points(a),
            shapely.points(b),
            *_probes(a, b, segments.interior_left[current.segment], tolerance),
            key=current.partner,
            min_chunk=256,
        ).astype(bool)
        kept.append(current.take(ok))
        length = (current.t1 - current.t0) * seg_length[current.segment]
        current = current.take(~ok & (length > shortest)).halves()
    return _nearest_partner(segments, _Pieces.concat(kept).merged(), rivals, polygons)


def _nearest_partner(segments: _Segments, pieces: _Pieces, rivals: _Pieces, polygons) -> _Pieces:
    """Keep each stretch of a piece only where its partner is the nearest unit.

    ``rivals`` are all the units found near each segment. Without this, a unit thinner than
    the tolerance would let its two neighbours share a line straight across it, and a
    stretch near a junction could go to two pairs.
    """
    if not len(pieces):
        return pieces
    claims = pd.DataFrame({"segment": rivals.segment, "rival": rivals.partner}).drop_duplicates()
    claims = claims.merge(pd.DataFrame({"segment": pieces.segment, "partner": pieces.partner}))
    contested_segments = np.unique(claims.segment[claims.rival != claims.partner])
    contested = np.isin(pieces.segment, contested_segments)
    if not contested.any():
        return pieces
    resolved = [pieces.take(~contested)]
    p, q = segments.p, segments.q
    mine_all = pieces.take(contested)
    mine_all = mine_all.take(np.argsort(mine_all.segment, kind="stable"))
    near = rivals.take(np.isin(rivals.segment, contested_segments))
    near = near.take(np.argsort(near.segment, kind="stable"))
    mine_at = np.searchsorted(mine_all.segment, contested_segments)
    mine_to = np.searchsorted(mine_all.segment, contested_segments, side="right")
    near_at = np.searchsorted(near.segment, contested_segments)
    near_to = np.searchsorted(near.segment, contested_segments, side="right")
    for k, segment in enumerate(contested_segments):
        mine = slice(mine_at[k], mine_to[k])
        theirs = slice(near_at[k], near_to[k])
        partner = np.concatenate([mine_all.partner[mine], near.partner[theirs]])
        t0 = np.concatenate([mine_all.t0[mine], near.t0[theirs]])
        t1 = np.concatenate([mine_all.t1[mine], near.t1[theirs]])
        is_line = np.arange(len(partner)) < mine_to[k] - mine_at[k]
        cuts = np.unique(np.concatenate([t0, t1]))
        lo, hi = cuts[:-1], cuts[1:]
        stretch, claim = np.nonzero((t0[None, :] <= lo[:, None]) & (t1[None, :] >= hi[:, None]))
        ends = np.full(len(stretch), segment)
        mid = shapely.points(_at(p[ends], q[ends], (lo + hi)[stretch] / 2.0))
        distance = shapely.distance(polygons[partner[claim]], mid)
        # Nearest claim per stretch; on a tie a line piece beats a rival, then lower codes.
        order = np.lexsort((partner[claim], ~is_line[claim], distance, stretch))
        best = order[np.concatenate([[True], stretch[order][1:] != stretch[order][:-1]])]
        best = best[is_line[claim[best]]]
        resolved.append(
            _Pieces(
                np.full(len(best), segment),
                partner[claim[best]],
                lo[stretch[best]],
                hi[stretch[best]],
            )
        )
    return _Pieces.concat(resolved).merged()


# --------------------------------------------------------------------------------------
# The topology of a layer
# --------------------------------------------------------------------------------------


@dataclass
class _Topology:
    """Pairs of a units layer with their contact, measures and shared-line pieces.

    ``edges`` has one row per pair in contact "edge", in key order: unit indices ``a < b``
    (so code a < code b), ``contact``, ``shared_length_m``, ``gap_m``, ``overlap_m2``.
    :attr:`pairs` adds the pairs in contact "point" or "near" after them, found on first
    use: that takes distance computations that lines, strips and junctions do not need. The
    shared line of a pair is built on demand from ``exact_runs`` (runs of segments of unit a
    identical in unit b) and ``pieces`` (confirmed pieces of unit a's unmatched segments).
    """

    units: _Units
    tolerance_m: float
    segments: _Segments
    edges: pd.DataFrame
    other_keys: np.ndarray  # candidate pairs (a * n + b) not in contact "edge"
    # Runs of consecutive segments of unit a identical in unit b: first vertex, one past the
    # last, row of ``edges``; in vertex order.
    exact_runs: np.ndarray
    pieces: _Pieces
    piece_pair: np.ndarray
    overlap: dict = field(default_factory=dict)  # (a, b) -> metric overlap polygon
    overlap_area: dict = field(default_factory=dict)  # a * n + b -> its area (m²)
    line_cache: dict = field(default_factory=dict)  # metric? -> line of every edge pair

    @functools.cached_property
    def pairs(self) -> pd.DataFrame:
        """Every pair within the tolerance: the rows of ``edges``, then the others."""
        contacts = _contacts(self)
        if not len(contacts):
            return self.edges
        return pd.concat([self.edges, contacts], ignore_index=True)

    def edge_rows(self) -> np.ndarray:
        return np.arange(len(self.edges))

    def table(self, rows) -> pd.DataFrame:
        """``edges``, or ``pairs`` if ``rows`` go beyond it."""
        rows = np.asarray(rows)
        return self.edges if not len(rows) or rows.max() < len(self.edges) else self.pairs

    def pair_labels(self, rows) -> pd.DataFrame:
        table = self.table(rows)
        a = table["a"].to_numpy()[rows]
        b = table["b"].to_numpy()[rows]
        frame = pd.DataFrame(
            {
                "code_a": self.units.codes[a],
                "code_b": self.units.codes[b],
                "name_a": self.units.names[a],
                "name_b": self.units.names[b],
            }
        )
        if not len(frame):
            # Empty columns get the dtype the same columns have with rows in them.
            text = ["code_a", "code_b"]
            if any(isinstance(n, str) for n in self.units.names):
                text += ["name_a", "name_b"]
            frame = frame.astype(dict.fromkeys(text, _TEXT_DTYPE))
        return frame

    def adjacency_frame(self) -> pd.DataFrame:
        pairs = self.pairs
        # In key order, the order of (code_a, code_b).
        order = np.lexsort((pairs["b"].to_numpy(), pairs["a"].to_numpy()))
        frame = self.pair_labels(order)
        for column in ("contact", "shared_length_m", "gap_m", "overlap_m2"):
            # Copies (fancy indexing makes them): the topology may be cached, and callers
            # may edit what they get.
            frame[column] = pairs[column].to_numpy()[order]
        if not len(frame):
            frame["contact"] = frame["contact"].astype(_TEXT_DTYPE)
        return frame[_ADJACENCY_COLUMNS]

    def lines(self, rows, metric=True) -> np.ndarray:
        """The merged shared line of each pair in ``rows`` of ``edges`` (metric or input CRS)."""
        if metric not in self.line_cache:
            self.line_cache[metric] = self._merged_lines(metric)
        return self.line_cache[metric][np.asarray(rows, dtype=np.int64)]

    def _merged_lines(self, metric) -> np.ndarray:
        """The shared line of every pair of ``edges``."""
        out = np.full(len(self.edges), None, dtype=object)
        coords = self.segments.coords if metric else self.segments.source_coords
        parts, part_pair = [], []

        if len(self.exact_runs):
            start, stop, pair = self.exact_runs.T
            parts.append(_run_lines(coords, start, stop))
            part_pair.append(pair)

        if len(self.pieces):
            start = self.segments.start[self.pieces.segment]
            p, q = coords[start], coords[start + 1]
            a, b = _at(p, q, self.pieces.t0), _at(p, q, self.pieces.t1)
            parts.append(shapely.linestrings(np.stack([a, b], axis=1)))
            part_pair.append(self.piece_pair)

        if not parts:
            return out
        parts = np.concatenate(parts)
        part_pair = np.concatenate(part_pair)
        present, dense = np.unique(part_pair, return_inverse=True)
        order = np.argsort(dense, kind="stable")
        multi = shapely.multilinestrings(parts[order], indices=dense[order])
        out[present] = threaded(shapely.line_merge, multi, min_chunk=64)
        return out


def _run_lines(coords: np.ndarray, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """A linestring through the vertices ``start[i]:stop[i]`` of ``coords``, for every i.

    Runs are built about :data:`_CHUNK` vertices at a time, so that the vertex indices and
    the gathered coordinates stay temporaries the allocator reuses.
    """
    count = stop - start
    group = np.cumsum(count) // _CHUNK
    bounds = np.concatenate([[0], np.flatnonzero(np.diff(group)) + 1, [len(start)]])
    lines = []
    for g0, g1 in itertools.pairwise(bounds):
        n = count[g0:g1]
        run = np.repeat(np.arange(g1 - g0), n)
        vertex = np.arange(len(run)) + np.repeat(start[g0:g1] - (np.cumsum(n) - n), n)
        lines.append(shapely.linestrings(_rows(coords, vertex), indices=run))
    return np.concatenate(lines)


def _check_tolerance(tolerance_m) -> float:
    try:
        tolerance = float(tolerance_m)
    except (TypeError, ValueError):
        raise InputError(f"tolerance_m must be a number of metres, got {tolerance_m!r}") from None
    if not math.isfinite(tolerance) or tolerance < 0:
        raise InputError(
            f"tolerance_m must be zero or a positive number of metres, got {tolerance_m!r}"
        )
    return tolerance


def _checked_contacts(contacts) -> tuple[str, ...]:
    if isinstance(contacts, str):
        contacts = (contacts,)
    contacts = tuple(contacts)
    unknown = [c for c in contacts if c not in CONTACTS]
    if unknown:
        raise InputError(
            f"unknown contact kind(s) {', '.join(map(repr, unknown))}; "
            f"choose from {', '.join(CONTACTS)}"
        )
    return contacts


def _candidate_pairs(units: _Units, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of units whose bounding boxes come within the tolerance (a < b)."""
    boxes = shapely.box(*_expand(shapely.bounds(units.metric), tolerance / 2.0).T)
    tree = shapely.STRtree(boxes)
    a, b = tree.query(boxes, predicate="intersects")
    keep = a < b
    return a[keep], b[keep]


# The last topology built, so that adjacency(), shared_boundaries(), border_strips() and
# junction_zones() on one layer share one computation. The key holds the id of every input
# geometry (shapely geometries are immutable: editing a layer replaces them, and the entry
# keeps the old ones alive so their ids cannot be reused), the codes, names, CRS and
# arguments.
_CACHE: dict = {}
_CACHE_LOCK = threading.Lock()


def _cache_key(units, tolerance, crs):
    try:
        geometry = units.geometry.array
        names = tuple(units["name"].tolist()) if "name" in units.columns else None
        return (
            tuple(map(id, geometry)),
            tuple(units["code"].tolist()),
            names,
            units.crs.to_wkt() if units.crs is not None else None,
            str(crs) if crs is not None else None,
            tolerance,
        ), geometry
    except (AttributeError, KeyError, TypeError, ValueError):
        return None, None  # not a usable layer: the build explains why


def _clear_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()


def _build_topology(units, tolerance_m=DEFAULT_TOLERANCE_M, crs=None, focus=None) -> _Topology:
    """The topology of a units layer, from the cache when the same layer was just used.

    ``focus`` (codes) restricts the work to those units and every unit whose bounding box
    comes near them, which gives those units the same result as the whole layer would; a
    cached topology of the whole layer serves any focus.
    """
    tolerance = _check_tolerance(tolerance_m)
    key, geometry = _cache_key(units, tolerance, crs)
    focus = frozenset(map(str, focus)) if focus is not None else None
    with _CACHE_LOCK:
        if key is not None and _CACHE.get("key") == key and _CACHE["focus"] in (None, focus):
            return _CACHE["topology"]
    topology = _compute_topology(units, tolerance, crs, focus)
    if key is not None:
        with _CACHE_LOCK:
            _CACHE.clear()
            _CACHE.update(key=key, focus=focus, geometry=geometry, topology=topology)
    return topology


def _compute_topology(units, tolerance, crs, focus) -> _Topology:
    """Exact pass, tolerance pass, overlaps, contacts: see the module docstring."""
    layer, segments, own, other = _load_units(units, crs, focus, tolerance + 1.0)
    polygons = layer.metric
    shapely.prepare(polygons)

    matched = np.zeros(len(segments), bool)
    matched[own] = True
    matched[other] = True
    unmatched = np.flatnonzero(~matched)

    cand_a, cand_b = _candidate_pairs(layer, tolerance)
    # On a spare core, while the tolerance pass (numpy, no polygons) runs here.
    nested = in_background(_nested_pairs, polygons)
    near_own, near_other = _near_unmatched(segments, unmatched, tolerance)
    windows = _window_along(segments, near_own, near_other, max(tolerance, 1e-9))
    suspects = _overlap_suspects(segments, near_own, near_other, windows, polygons, nested.result())
    overlap = _overlaps(polygons, suspects)
    pieces = _line_pieces(segments, windows, overlap, unmatched, polygons, tolerance)
    topology = _assemble(layer, segments, tolerance, own, other, pieces, overlap, cand_a, cand_b)
    segments.release()
    return topology


def _overlap_suspects(segments, near_own, near_other, windows, polygons, nested) -> set:
    """Pairs that may claim common ground; :func:`_overlaps` measures them exactly.

    Interiors can only meet where the boundaries cross, where a piece of one boundary runs
    strictly inside the other unit, or where a part of one unit lies wholly inside the other
    (``nested``, from :func:`_nested_pairs`).
    """
    n = len(polygons)
    crossing = _crossing(
        segments.p[near_own], segments.q[near_own], segments.p[near_other], segments.q[near_other]
    )
    suspects = _pair_keys(segments.unit[near_own[crossing]], segments.unit[near_other[crossing]], n)
    if len(windows):
        p, q = segments.p[windows.segment], segments.q[windows.segment]
        mid = shapely.points((_at(p, q, windows.t0) + _at(p, q, windows.t1)) / 2.0)
        inside = threaded(
            shapely.contains_properly,
            polygons[windows.partner],
            mid,
            key=windows.partner,
            min_chunk=64,
        ).astype(bool)
        suspects |= _pair_keys(segments.unit[windows.segment[inside]], windows.partner[inside], n)
    return suspects | nested


def _nested_pairs(polygons) -> set:
    """Pairs where a part of one unit may lie wholly inside the other.

    Such a part's bounding box lies within the other unit's, and a point inside the part lies
    inside that unit. The boxes leave a few dozen point tests in a country's communes, so
    only a few units get the edge index a point test builds (GEOS prepares a unit on its
    first test, which costs time and memory in proportion to its vertices).
    """
    count = shapely.get_num_geometries(polygons)
    single, multi = np.flatnonzero(count == 1), np.flatnonzero(count > 1)
    parts, part_of = shapely.get_parts(polygons[multi], return_index=True)
    pieces = np.concatenate([polygons[single], parts])
    piece_unit = np.concatenate([single, multi[part_of]])
    tree = shapely.STRtree(shapely.box(*shapely.bounds(pieces).T))
    outer, piece = tree.query(shapely.box(*shapely.bounds(polygons).T), predicate="contains")
    other = piece_unit[piece] != outer
    outer, piece = outer[other], piece[other]
    inside = threaded(
        shapely.contains_properly,
        polygons[outer],
        shapely.point_on_surface(pieces[piece]),
        key=outer,
        min_chunk=64,
    ).astype(bool)
    return _pair_keys(outer[inside], piece_unit[piece[inside]], len(polygons))


def _line_pieces(segments, windows, overlap, unmatched, polygons, tolerance) -> _Pieces:
    """Confirmed pieces of unmatched boundary that belong to a pair's shared line.

    Pieces come from the lower-coded unit of each pair only, so a pair never gets two
    half-edges. Through an overlap that unit's edge is the boundary (it keeps the overlap),
    so all its unmatched segments around the overlap are candidates too, however deep
    inside the other unit they run.
    """
    reach = max(tolerance, 1e-9)
    candidates = [windows.take(segments.unit[windows.segment] < windows.partner)]
    if overlap:
        a, b = np.array([k[0] for k in overlap]), np.array([k[1] for k in overlap])
        boxes = _expand(shapely.bounds(list(overlap.values())), reach)
        # Only the lower-coded units' segments can be taken: index just those.
        own = unmatched[np.isin(segments.unit[unmatched], a)]
        box_tree = shapely.STRtree(shapely.box(*_unmatched_boxes(segments, own, tolerance).T))
        which, hits = box_tree.query(shapely.box(*boxes.T))
        hits = own[hits]
        mine = segments.unit[hits] == a[which]
        which, hits = which[mine], hits[mine]
        candidates.append(_window_in_boxes(segments, hits, b[which], boxes[which]))
    # Windows are confirmed one by one, not merged first: each ends where its neighbour's
    # edge ends, and a merged run would only be cut there to within the test's resolution.
    return _confirm(segments, _Pieces.concat(candidates), windows, polygons, tolerance)


def _assemble(layer, segments, tolerance, own, other, pieces, overlap, cand_a, cand_b):
    """Measure the pairs in contact "edge" and index their line parts.

    The exact segments (millions) are read chunk by chunk, twice: to measure every pair, then
    to keep the segments of the pairs in contact "edge". Temporaries of whole arrays would be
    fresh memory each, which costs more than reading twice.
    """
    n = max(len(layer), 1)  # keys are a * n + b; an empty layer (a focus on no unit) has none
    seg_length = segments.length
    chunks = spans(len(own), _CHUNK, 100_000)

    def exact_pairs(span):
        """The pair keys of the exact segments in ``span``, factorized."""
        keys = segments.unit[own[span[0] : span[1]]] * n
        keys += segments.unit[other[span[0] : span[1]]]
        # pandas hashes where numpy would sort: half a million segments, a few hundred pairs.
        return pd.factorize(keys)

    def measure(span):
        code, keys = exact_pairs(span)
        return keys, np.bincount(code, weights=seg_length[own[span[0] : span[1]]])

    piece_keys = segments.unit[pieces.segment] * n + pieces.partner
    piece_length = (pieces.t1 - pieces.t0) * seg_length[pieces.segment]
    measured = [*map_threads(measure, chunks), (piece_keys, piece_length)]
    code, keys = pd.factorize(np.concatenate([keys for keys, _ in measured]))
    length = np.bincount(code, weights=np.concatenate([length for _, length in measured]))
    # Only pairs with more than the tolerance in common are in contact "edge"; shorter stubs
    # stay out of every output. Their rows are in key order.
    edge = np.flatnonzero(length > tolerance)
    edge = edge[np.argsort(keys[edge])]
    edge_keys = keys[edge]
    edge_row = pd.Index(edge_keys)  # get_indexer: the row of each key, -1 for other pairs

    def exact_runs(span):
        code, keys = exact_pairs(span)
        pair = edge_row.get_indexer(keys)[code]
        start = segments.start[own[span[0] : span[1]]]
        # A run goes on while the pair stays and each segment starts where the last ended.
        new = np.ones(len(pair), bool)
        new[1:] = (pair[1:] != pair[:-1]) | (start[1:] != start[:-1] + 1)
        first = np.flatnonzero(new)
        last = np.append(first[1:], len(pair)) - 1
        kept = pair[first] >= 0
        return start[first][kept], start[last][kept] + 2, pair[first][kept]

    runs = map_threads(exact_runs, chunks)
    piece_pair = edge_row.get_indexer(piece_keys)
    overlap_area = {a * n + b: float(shapely.area(g)) for (a, b), g in overlap.items()}
    edges = pd.DataFrame(
        {
            "a": edge_keys // n,
            "b": edge_keys % n,
            "contact": ["edge"] * len(edge_keys),
            "shared_length_m": length[edge].astype(float),  # bincount of nothing is int
            "gap_m": np.zeros(len(edge_keys)),
            "overlap_m2": _overlap_m2(overlap_area, edge_keys),
        }
    )
    return _Topology(
        units=layer,
        tolerance_m=tolerance,
        segments=segments,
        edges=edges,
        other_keys=np.setdiff1d(cand_a * n + cand_b, edge_keys),
        exact_runs=_joined_runs(runs),
        pieces=pieces.take(piece_pair >= 0),
        piece_pair=piece_pair[piece_pair >= 0],
        overlap=overlap,
        overlap_area=overlap_area,
    )


def _joined_runs(runs) -> np.ndarray:
    """The runs of exact segments of every chunk as one (n, 3) array: start, stop, pair.

    A run that a chunk boundary split is joined again.
    """
    runs = np.concatenate([np.empty((0, 3), np.int64), *(np.stack(run, axis=1) for run in runs)])
    if not len(runs):
        return runs
    start, stop, pair = runs.T
    goes_on = np.zeros(len(runs), bool)
    goes_on[1:] = (start[1:] == stop[:-1] - 1) & (pair[1:] == pair[:-1])
    first = np.flatnonzero(~goes_on)
    last = np.append(first[1:], len(runs)) - 1
    return np.stack([start[first], stop[last], pair[first]], axis=1)


def _contacts(topology: _Topology) -> pd.DataFrame:
    """The pairs in contact "point" or "near", like :attr:`_Topology.edges`."""
    n = max(len(topology.units), 1)
    keys = topology.other_keys
    gap = _gaps(topology.units.metric, keys // n, keys % n, topology.tolerance_m)
    close = ~np.isnan(gap)
    keys, gap = keys[close], gap[close]
    touching = gap <= _TOUCH_M
    return pd.DataFrame(
        {
            "a": keys // n,
            "b": keys % n,
            "contact": np.where(touching, "point", "near").tolist(),
            "shared_length_m": np.zeros(len(keys)),
            "gap_m": np.where(touching, 0.0, gap),
            "overlap_m2": _overlap_m2(topology.overlap_area, keys),
        }
    )


def _overlap_m2(overlap_area: dict, keys: np.ndarray) -> np.ndarray:
    """Area both units of each pair (key ``a * n + b``) claim: 0 for most."""
    out = np.zeros(len(keys))
    if overlap_area:
        out[:] = [overlap_area.get(k, 0.0) for k in keys.tolist()]
    return out


def _pair_keys(u, v, n) -> set:
    low = np.minimum(u, v)
    high = np.maximum(u, v)
    return set(zip(low.tolist(), high.tolist(), strict=True))


def _overlaps(polygons, candidates) -> dict:
    """Area claimed by both units of each candidate pair (only pairs with positive area)."""
    if not candidates:
        return {}
    a, b = np.array(sorted(candidates)).T
    common = _expand(_common_bounds(polygons[a], polygons[b]), 1.0)
    shared = threaded(
        shapely.intersection,
        _clip_to_boxes(polygons[a], common),
        _clip_to_boxes(polygons[b], common),
        min_chunk=1,  # an overlay of two clipped units takes milliseconds
    )
    shared = _polygonal(shared)
    area = shapely.area(shared)
    return {(int(i), int(j)): g for i, j, g, s in zip(a, b, shared, area, strict=True) if s > 0}


def _gaps(polygons, a, b, tolerance) -> np.ndarray:
    """Distance between each pair, NaN where it exceeds the tolerance."""
    gap = np.full(len(a), np.nan)
    if not len(a):
        return gap
    within = threaded(
        lambda ga, gb: (
            shapely.dwithin(ga, gb, tolerance) if tolerance > 0 else shapely.intersects(ga, gb)
        ),
        polygons[a],
        polygons[b],
        key=a,
        min_chunk=64,
    ).astype(bool)
    if not within.any():
        return gap
    a, b, rows = a[within], b[within], np.flatnonzero(within)
    # Distances are only needed near the contact: clip both units to the shared window
    # (grown a little, so that a window of touching units is never empty).
    window = _expand(_common_bounds(polygons[a], polygons[b]), tolerance + 1.0)
    gap[rows] = threaded(
        shapely.distance,
        _clip_to_boxes(polygons[a], window),
        _clip_to_boxes(polygons[b], window),
        min_chunk=16,
    )
    return gap
