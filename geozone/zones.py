"""Border strips and junction zones: the areas a coordination agreement covers.

A *border strip* is the band of territory along a shared boundary, split by side: each unit
of a pair gets the part of its own territory within a given distance of the line it shares
with the other (see :func:`geozone.topology.shared_boundaries` for how that line is found).
A *junction zone* is a disc around a point where three or more units meet, clipped to those
units' territory.

Widths and radii are metres; geometries come back in the caller's CRS.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from geozone._gc import collection_paused
from geozone._parallel import threaded
from geozone.errors import GeozoneWarning, InputError
from geozone.topology import (
    DEFAULT_TOLERANCE_M,
    _build_topology,
    _clip_to_boxes,
    _common_bounds,
    _expand,
    _polygonal,
    _Topology,
)

__all__ = ["border_strips", "junction_zones"]

_STRIP_COLUMNS = [
    "pair_id",
    "code",
    "neighbour_code",
    "name",
    "neighbour_name",
    "contact",
    "width_m",
    "area_m2",
]
# Segments per quarter circle in buffers (shapely's default of 8 leaves wide strips of
# wiggly lines up to 1 % short; 16 keeps them within 0.2 % at no extra cost).
_QUAD_SEGS = 16

# Segments per piece when buffering long lines (see _piecewise_buffers).
_PIECE = 16

# How far a strip's buffer may fall short of its width, as a fraction of it (see _buffers).
_BUFFER_SLACK = 0.005

_JUNCTION_COLUMNS = ["junction_id", "codes", "names", "n_units", "radius_m", "area_m2"]


@collection_paused()
def border_strips(
    units,
    width_m,
    pairs=None,
    widths=None,
    tolerance_m=DEFAULT_TOLERANCE_M,
    crs=None,
    include_point_contacts=False,
) -> gpd.GeoDataFrame:
    """Build the side-split border strips along the boundaries neighbouring units share.

    Each side of a pair is the part of its owner's territory within ``width_m`` of the
    shared boundary. The two sides of a pair never overlap: where the layer lets both units
    claim the same ground (a data defect), the unit with the **lower code** keeps it, the
    same rule that decides which edge the shared line follows (see
    :func:`geozone.topology.shared_boundaries`). A gap between the units belongs to neither
    side.

    Parameters
    ----------
    units : GeoDataFrame
        Polygon layer with a unique ``code`` column (``name`` is used when present).
    width_m : float
        Width of each side in metres (> 0), unless ``widths`` says otherwise.
    pairs : iterable of (code, code), optional
        Only these pairs, each in either order. Codes that are not in ``units`` raise
        :class:`InputError`; a pair that shares no boundary is skipped with a
        :class:`GeozoneWarning`. Default: every pair in ``"edge"`` contact.
    widths : mapping, optional
        Per-pair widths overriding ``width_m``. A key is a pair ``(a, b)``; the value is
        either one width for both sides, or a tuple ``(width of a's side, width of b's
        side)`` for an asymmetric strip, read in the key's order. A pair may appear once,
        in either order.
    tolerance_m : float, default :data:`geozone.topology.DEFAULT_TOLERANCE_M`
        Snapping tolerance for finding the shared boundary.
    crs : optional
        Projected CRS to measure in; default: chosen by :func:`geozone.crs.metric_crs`.
    include_point_contacts : bool, default False
        Also build strips for pairs in ``"point"`` or ``"near"`` contact: each side is then
        its owner's territory within the width of the contact (the touching points, or the
        shortest line across the gap).

    Returns
    -------
    GeoDataFrame
        In the input CRS, one row per (pair, side), sorted by pair then side: ``pair_id``
        (``f"{code_a}-{code_b}"`` with ``code_a < code_b``), ``code`` (the side's owner),
        ``neighbour_code``, ``name``, ``neighbour_name``, ``contact``, ``width_m``,
        ``area_m2`` and the (Multi)Polygon geometry.

    Raises
    ------
    InputError
        For a width that is not a positive number, unknown codes in ``pairs`` or
        ``widths``, a pair given twice in ``widths``, or a bad units layer.

    Notes
    -----
    A side's outer edge is a buffer of the shared line. To keep wide buffers of wiggly
    lines fast, the line is simplified by half a percent of the width first (see
    ``_buffers``), so a side never reaches farther than its width from the shared line and
    holds all of its owner's territory within 98.8 % of the width (the simplification
    takes up to 1 %, the chords that draw the buffer's arcs 0.12 %). The buffer is drawn
    in metres, then brought to the input CRS to cut the owner's own polygon there: a side
    keeps its owner's edges exactly, its outer edge moves by at most a few millimetres on
    the way, and ``area_m2`` measures the side as returned. Calling this right after
    :func:`geozone.topology.adjacency` or :func:`geozone.topology.shared_boundaries` on the
    same layer reuses their work.

    Examples
    --------
    Two 1 km squares side by side; a 100 m strip each side, 300 m on B's side:

    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> units = gpd.GeoDataFrame(
    ...     {"code": ["A", "B"]},
    ...     geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)],
    ...     crs=32648,
    ... )
    >>> strips = border_strips(units, 100, widths={("B", "A"): (300, 100)})
    >>> strips[["pair_id", "code", "neighbour_code", "width_m", "area_m2"]]
      pair_id code neighbour_code  width_m   area_m2
    0     A-B    A              B    100.0  100000.0
    1     A-B    B              A    300.0  300000.0
    >>> strips.geometry[1].bounds
    (1000.0, 0.0, 1300.0, 1000.0)
    """
    default_width = _checked_width(width_m, "width_m")
    wanted = _checked_pairs(pairs, "pairs") if pairs is not None else None
    side_widths = _checked_widths(widths)
    focus = None
    if wanted is not None:
        focus = {code for pair in wanted for code in pair}
    topology = _build_topology(units, tolerance_m, crs, focus=focus)
    codes = topology.units.codes
    known = set(codes.tolist())
    for label, requested in (("pairs", wanted or ()), ("widths", side_widths)):
        unknown = sorted({c for pair in requested for c in pair} - known)
        if unknown:
            raise InputError(
                f"{label} names unit code(s) not in the layer: {', '.join(unknown[:10])}"
            )

    rows = _strip_rows(topology, wanted, include_point_contacts)
    table = topology.table(rows)
    frame = topology.pair_labels(rows)
    a = table["a"].to_numpy()[rows]
    b = table["b"].to_numpy()[rows]
    width_a = np.full(len(rows), default_width)
    width_b = np.full(len(rows), default_width)
    if side_widths:
        for k, pair in enumerate(zip(frame["code_a"], frame["code_b"], strict=True)):
            width_a[k] = side_widths.get(pair, default_width)
            width_b[k] = side_widths.get(pair[::-1], default_width)

    contact = _contact_geometries(topology, rows)
    owner = np.concatenate([a, b])
    other = np.concatenate([b, a])
    width = np.concatenate([width_a, width_b])
    # Both sides of a pair share one buffer when their widths agree (the usual case).
    # Buffers are drawn in metres, then brought to the input CRS to cut the units' own
    # polygons, so that the sides keep their owners' edges to the bit.
    reach = np.empty(2 * len(rows), dtype=object)
    same = width_a == width_b
    reach[: len(rows)] = topology.units.to_source(_buffers(contact, width_a))
    reach[len(rows) :][same] = reach[: len(rows)][same]
    reach[len(rows) :][~same] = topology.units.to_source(_buffers(contact[~same], width_b[~same]))
    sides = _sides(topology, owner, other, reach)

    # By pair, then side: unit indices follow the codes' order.
    order = np.lexsort((owner, np.concatenate([b, b]), np.concatenate([a, a])))
    order = order[~shapely.is_empty(sides[order])]
    frame = pd.DataFrame(
        {
            "pair_id": np.concatenate([frame["code_a"] + "-" + frame["code_b"]] * 2)[order],
            "code": codes[owner[order]],
            "neighbour_code": codes[other[order]],
            "name": topology.units.names[owner[order]],
            "neighbour_name": topology.units.names[other[order]],
            "contact": np.concatenate([table["contact"].to_numpy()[rows]] * 2)[order],
            "width_m": width[order],
        }
    )
    frame["area_m2"] = topology.units.metric_area(sides[order])
    return gpd.GeoDataFrame(frame[_STRIP_COLUMNS], geometry=sides[order], crs=topology.units.crs)


@collection_paused()
def junction_zones(units, radius_m, tolerance_m=DEFAULT_TOLERANCE_M, crs=None) -> gpd.GeoDataFrame:
    """Build a zone around every point where three or more units meet.

    Junctions are the nodes of the shared-boundary network (see
    :func:`geozone.topology.shared_boundaries`): the points where the shared lines of three
    or more units end. Real layers rarely meet in exactly one point, so the units at a line
    end are its pair and any unit within ``tolerance_m`` of it, and line ends within
    ``tolerance_m`` of each other are one junction, placed at their mean. A point where two
    units meet the coast or the border is not a junction.

    Parameters
    ----------
    units : GeoDataFrame
        Polygon layer with a unique ``code`` column (``name`` is used when present).
    radius_m : float
        Radius of the zone in metres (> 0).
    tolerance_m : float, default :data:`geozone.topology.DEFAULT_TOLERANCE_M`
        Snapping tolerance for shared boundaries and for merging nearby line ends.
    crs : optional
        Projected CRS to measure in; default: chosen by :func:`geozone.crs.metric_crs`.

    Returns
    -------
    GeoDataFrame
        In the input CRS, one row per junction, sorted by ``junction_id``:
        ``junction_id`` (the member codes joined with ``"-"``, plus ``"#2"``, ``"#3"``… when
        the same units meet at several points, numbered west to east), ``codes`` (sorted
        member codes joined with ``"|"``), ``names`` (their names, same order),
        ``n_units``, ``radius_m``, ``area_m2``, ``point`` (the node where the units meet,
        the disc's centre, as a second geometry column in the same CRS) and the geometry:
        the disc around the junction clipped to the member units' territory. The clipped
        disc's centroid drifts off the node where the units meet the coast; ``point`` does
        not.

        GeoParquet keeps both geometry columns (``to_parquet``). GeoPackage, GeoJSON and
        Shapefile hold one geometry per feature, so ``to_file`` refuses the frame as it is:
        write ``zones.assign(point=zones["point"].to_wkt())`` (the node as WKT text) or
        drop the column.

    Examples
    --------
    Three units meeting at (1000, 1000):

    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> units = gpd.GeoDataFrame(
    ...     {"code": ["A", "B", "C"]},
    ...     geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000),
    ...               box(0, 1000, 2000, 2000)],
    ...     crs=32648,
    ... )
    >>> zones = junction_zones(units, 100)
    >>> zones[["junction_id", "codes", "n_units"]]
      junction_id  codes  n_units
    0       A-B-C  A|B|C        3
    >>> round(zones.geometry[0].centroid.x), round(zones.geometry[0].area / 1000)
    (1000, 31)
    >>> zones.point[0].wkt
    'POINT (1000 1000)'
    """
    radius = _checked_width(radius_m, "radius_m")
    topology = _build_topology(units, tolerance_m, crs)
    points, members = _junctions(topology)
    codes = topology.units.codes
    names = topology.units.names
    discs = topology.units.to_source(shapely.buffer(points, radius, quad_segs=_QUAD_SEGS))
    geometry = _clipped_discs(topology, discs, members)
    member_codes = [sorted(codes[m].tolist()) for m in members]
    frame = pd.DataFrame(
        {
            "junction_id": _junction_ids(member_codes, shapely.get_coordinates(points)),
            "codes": ["|".join(c) for c in member_codes],
            # Members come sorted by unit index, which is code order.
            "names": ["|".join("" if n is None else str(n) for n in names[m]) for m in members],
            "n_units": [len(m) for m in members],
            "radius_m": radius,
            "area_m2": topology.units.metric_area(geometry),
        }
    )
    frame["point"] = topology.units.to_source(points) if len(frame) else []
    frame["geometry"] = geometry if len(frame) else []
    frame = frame.sort_values("junction_id", ignore_index=True)
    zones = gpd.GeoDataFrame(
        frame[[*_JUNCTION_COLUMNS, "geometry"]], geometry="geometry", crs=topology.units.crs
    )
    zones.insert(
        len(_JUNCTION_COLUMNS),
        "point",
        gpd.GeoSeries(frame["point"].to_numpy(), index=zones.index, crs=topology.units.crs),
    )
    return zones


# --------------------------------------------------------------------------------------
# Arguments
# --------------------------------------------------------------------------------------


def _checked_width(value, label) -> float:
    try:
        width = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{label} must be a number of metres, got {value!r}") from None
    if not math.isfinite(width) or width <= 0:
        raise InputError(f"{label} must be a positive number of metres, got {value!r}")
    return width


def _checked_pairs(pairs, label) -> list[tuple[str, str]]:
    """Pairs as sorted tuples of string codes, in the order given, without repeats."""
    out = []
    for pair in pairs:
        if isinstance(pair, str) or len(pair) != 2:
            raise InputError(
                f"{label} must hold pairs of unit codes like ('79', '80'), got {pair!r}"
            )
        a, b = (str(c) for c in pair)
        if a == b:
            raise InputError(f"{label} pairs a unit with itself: {pair!r}")
        key = (min(a, b), max(a, b))
        if key not in out:
            out.append(key)
    return out


def _checked_widths(widths) -> dict[tuple[str, str], float]:
    """Per-side widths keyed by (owner, neighbour)."""
    if widths is None:
        return {}
    if not isinstance(widths, Mapping):
        raise InputError(
            "widths must be a mapping such as {('79', '80'): 500} or {('79', '80'): (500, 1000)}"
        )
    sides: dict[tuple[str, str], float] = {}
    seen: dict[tuple[str, str], object] = {}
    for key, value in widths.items():
        (pair,) = _checked_pairs([key], "widths")
        if pair in seen:
            raise InputError(f"widths gives the pair {seen[pair]!r} twice (also as {key!r})")
        seen[pair] = key
        a, b = (str(c) for c in key)
        if isinstance(value, tuple | list):
            if len(value) != 2:
                raise InputError(
                    f"widths[{key!r}] must be one width or a pair (width of {a}'s side, "
                    f"width of {b}'s side), got {value!r}"
                )
            width_a, width_b = value
        else:
            width_a = width_b = value
        sides[(a, b)] = _checked_width(width_a, f"widths[{key!r}]")
        sides[(b, a)] = _checked_width(width_b, f"widths[{key!r}]")
    return sides


# --------------------------------------------------------------------------------------
# Strips
# --------------------------------------------------------------------------------------


def _strip_rows(topology: _Topology, wanted, include_point_contacts) -> np.ndarray:
    """Rows of ``topology.pairs`` that get a strip, warning about requested pairs that do not.

    The pairs in contact "edge" come first there; the others are only looked up (that takes
    distance computations) when they may get a strip or a warning.
    """
    if wanted is None:
        return np.arange(len(topology.pairs)) if include_point_contacts else topology.edge_rows()
    codes = topology.units.codes

    def row_of_pair(table):
        pairs = zip(codes[table["a"].to_numpy()], codes[table["b"].to_numpy()], strict=True)
        return {pair: row for row, pair in enumerate(pairs)}

    table = topology.edges
    key_of_row = row_of_pair(table)
    if include_point_contacts or any(pair not in key_of_row for pair in wanted):
        table = topology.pairs
        key_of_row = row_of_pair(table)
    contact = table["contact"].to_numpy()
    allowed = np.ones(len(table), bool) if include_point_contacts else contact == "edge"
    rows, skipped = [], []
    for pair in wanted:
        row = key_of_row.get(pair)
        if row is not None and allowed[row]:
            rows.append(row)
        else:
            kind = "no contact" if row is None else f"contact {contact[row]!r}"
            skipped.append(f"{pair[0]}-{pair[1]} ({kind})")
    if skipped:
        hint = "" if include_point_contacts else "; include_point_contacts=True adds point contacts"
        warnings.warn(
            f"no shared boundary, so no strip, for: {', '.join(skipped)}{hint}",
            GeozoneWarning,
            stacklevel=3,
        )
    return np.array(sorted(rows), dtype=np.int64)


def _contact_geometries(topology: _Topology, rows) -> np.ndarray:
    """Metric geometry each pair's strip is measured from: the shared line or the contact."""
    table = topology.table(rows)
    contact = table["contact"].to_numpy()[rows]
    out = np.full(len(rows), None, dtype=object)
    edge = contact == "edge"
    out[edge] = topology.lines(rows[edge], metric=True)
    if (~edge).any():
        polygons = topology.units.metric
        a = table["a"].to_numpy()[rows[~edge]]
        b = table["b"].to_numpy()[rows[~edge]]
        window = _expand(_common_bounds(polygons[a], polygons[b]), topology.tolerance_m + 1.0)
        near_a = _clip_to_boxes(polygons[a], window)
        near_b = _clip_to_boxes(polygons[b], window)
        # Where two units touch, their boundaries meet in the touching points; across a gap,
        # the shortest line bridges it.
        touching = shapely.intersection(shapely.boundary(near_a), shapely.boundary(near_b))
        bridge = shapely.shortest_line(near_a, near_b)
        out[~edge] = np.where(shapely.is_empty(touching), bridge, touching)
    return out


def _buffers(geometries, widths) -> np.ndarray:
    """Buffers of shared lines: never beyond the width, and at least 98.8 % of it.

    Wiggles far smaller than the width barely change a wide buffer but make GEOS slow, so
    each line is first simplified (Douglas-Peucker) by ``slack``, half a percent of the
    width, and, where that removed anything, buffered by ``width - slack``. The simplified
    line is within ``slack`` of the original and the original within ``slack`` of it, and
    GEOS draws arcs as chords between points on the circle, which fall short of the radius
    by up to ``1 - cos(pi / (4 * _QUAD_SEGS))`` (0.12 %). So the buffer holds no point
    farther than the width from the line and every point closer than
    ``(width - slack) * cos(pi / 64) - slack``, 98.88 % of the width. For the 1 km strips
    of the 2025 communes the simplification makes the buffers about three times faster.

    A wide buffer of a wiggly line can also come back with small holes well inside it
    (about 3 % of those 1 km buffers have one). A true hole of a buffer is the full width
    away from the line everywhere, so closer holes are filled.
    """
    widths = np.asarray(widths, dtype=float)
    slack = widths * _BUFFER_SLACK
    simple = threaded(
        lambda g, s: shapely.simplify(g, s, preserve_topology=False),
        geometries,
        slack,
        min_chunk=64,
    )
    simplified = shapely.get_num_coordinates(simple) < shapely.get_num_coordinates(geometries)
    reach = np.where(simplified, widths - slack, widths)
    buffers = threaded(_piecewise_buffers, simple, reach, min_chunk=32)
    return _without_stray_holes(buffers, simple, reach)


def _piecewise_buffers(lines, reach) -> np.ndarray:
    """Buffer each line as the union of the buffers of its pieces of ``_PIECE`` segments.

    GEOS nodes a line's whole offset curve at once, and when the width dwarfs the line's
    wiggles nearly every part of that curve crosses every other: the cost grows with the
    square of the vertex count. Pieces keep that square small; a buffer is a union of
    discs, so the union of the pieces' buffers is the line's buffer.
    """
    out = np.empty(len(lines), dtype=object)
    if not len(lines):
        return out
    parts, line_of_part = shapely.get_parts(lines, return_index=True)
    coords, part_of_vertex = shapely.get_coordinates(parts, return_index=True)
    part_start = np.searchsorted(part_of_vertex, np.arange(len(parts)))
    position = np.arange(len(coords)) - part_start[part_of_vertex]
    # Vertex k of a part opens piece k // _PIECE; each piece's first vertex also closes the
    # piece before it.
    stride = len(coords) + 1
    piece = part_of_vertex.astype(np.int64) * stride + position // _PIECE
    boundary = np.flatnonzero((position % _PIECE == 0) & (position > 0))
    vertex = np.concatenate([np.arange(len(coords)), boundary])
    piece = np.concatenate([piece, piece[boundary] - 1])
    order = np.lexsort((vertex, piece))
    vertex, piece = vertex[order], piece[order]
    piece_id, piece = np.unique(piece, return_inverse=True)
    # One-vertex pieces: points, and the last vertex of a part ending on a boundary.
    whole = np.bincount(piece) >= 2
    keep = whole[piece]
    dense = np.cumsum(whole) - 1
    pieces = shapely.linestrings(coords[vertex[keep]], indices=dense[piece[keep]])
    piece_line = line_of_part[piece_id[whole] // stride]
    buffers = shapely.buffer(pieces, reach[piece_line], quad_segs=_QUAD_SEGS)
    starts = np.flatnonzero(np.diff(piece_line, prepend=-1))
    ends = np.append(starts[1:], len(piece_line)) if len(starts) else starts
    for first, last in zip(starts, ends, strict=True):
        out[piece_line[first]] = shapely.union_all(buffers[first:last])
    # Point contacts have no segments: buffer them whole.
    points = np.array([g is None for g in out], dtype=bool)
    if points.any():
        out[points] = shapely.buffer(lines[points], reach[points], quad_segs=_QUAD_SEGS)
    return out


def _without_stray_holes(buffers, lines, reach) -> np.ndarray:
    """Fill the holes of line buffers that come closer to their line than the reach."""
    parts, owner = shapely.get_parts(buffers, return_index=True)
    holed = np.flatnonzero(shapely.get_num_interior_rings(parts) > 0)
    if not len(holed):
        return buffers
    for k in holed:
        part = parts[k]
        holes = list(part.interiors)
        distance = shapely.distance(holes, lines[owner[k]])
        keep = [h for h, d in zip(holes, distance, strict=True) if d >= 0.98 * reach[owner[k]]]
        if len(keep) < len(holes):
            parts[k] = shapely.Polygon(part.exterior, keep)
    repaired = np.asarray(buffers).copy()
    for k in np.unique(owner[holed]):
        mine = parts[owner == k]
        repaired[k] = mine[0] if len(mine) == 1 else shapely.union_all(mine)
    return repaired


def _sides(topology: _Topology, owner, other, reach) -> np.ndarray:
    """Owner territory within each reach polygon, minus what the other unit keeps.

    In the input CRS: ``reach`` is there already, and the units' own polygons are cut.
    """
    polygons = topology.units.source
    clipped = _clip_to_boxes(polygons[owner], shapely.bounds(reach))
    sides = threaded(shapely.intersection, clipped, reach, min_chunk=16)
    # Where both claim the ground, the lower code keeps it: take the other unit away.
    lose = [
        k
        for k in np.flatnonzero((owner > other) & ~shapely.is_empty(sides))
        if (int(other[k]), int(owner[k])) in topology.overlap
    ]
    if lose:
        keeper = _clip_to_boxes(polygons[other[lose]], shapely.bounds(sides[lose]))
        sides[lose] = threaded(shapely.difference, sides[lose], keeper, min_chunk=16)
    return _polygonal(sides)


# --------------------------------------------------------------------------------------
# Junctions
# --------------------------------------------------------------------------------------


def _junctions(topology: _Topology) -> tuple[np.ndarray, list[np.ndarray]]:
    """Points where three or more units meet, with those units.

    The candidates are the ends of the shared lines. The units at an end are the pair the
    line belongs to and every unit within the tolerance of it; ends within the tolerance of
    each other are one node, whose units are all of its ends' units. Nodes of three or more
    units are junctions, placed at the mean of their ends.
    """
    rows = topology.edge_rows()
    if not len(rows):
        return np.empty(0, dtype=object), []
    tolerance = topology.tolerance_m
    lines = topology.lines(rows, metric=True)
    parts, part_row = shapely.get_parts(lines, return_index=True)
    open_ = ~shapely.is_closed(parts)
    parts, part_row = parts[open_], rows[part_row[open_]]
    ends = np.concatenate([shapely.get_point(parts, 0), shapely.get_point(parts, -1)])
    end_pair = np.concatenate([part_row, part_row])
    xy, node = np.unique(shapely.get_coordinates(ends), axis=0, return_inverse=True)
    node = node.ravel()
    points = shapely.points(xy)

    units_at = [
        (node, topology.edges["a"].to_numpy()[end_pair]),
        (node, topology.edges["b"].to_numpy()[end_pair]),
    ]
    if tolerance > 0:
        polygons = topology.units.metric
        near_point, near_unit = shapely.STRtree(polygons).query(
            shapely.buffer(points, tolerance, quad_segs=1)
        )
        close = threaded(
            lambda poly, pt: shapely.dwithin(poly, pt, tolerance),
            polygons[near_unit],
            points[near_point],
            key=near_unit,
        ).astype(bool)
        units_at.append((near_point[close], near_unit[close]))

    graph = nx.Graph()
    graph.add_nodes_from(range(len(xy)))
    if tolerance > 0:
        i, j = shapely.STRtree(points).query(points, predicate="dwithin", distance=tolerance)
        graph.add_edges_from(zip(i[i < j].tolist(), j[i < j].tolist(), strict=True))
    cluster = np.empty(len(xy), dtype=np.int64)
    for k, component in enumerate(nx.connected_components(graph)):
        cluster[list(component)] = k

    frame = pd.DataFrame(
        {
            "cluster": np.concatenate([cluster[n] for n, _ in units_at]),
            "unit": np.concatenate([u for _, u in units_at]),
        }
    ).drop_duplicates()
    members = frame.groupby("cluster")["unit"].agg(lambda u: np.sort(u.to_numpy()))
    members = members[members.map(len) >= 3]
    centre = pd.DataFrame(xy, columns=["x", "y"]).groupby(cluster).mean()
    centre = centre.loc[members.index]
    return shapely.points(centre.to_numpy()), list(members.to_numpy())


def _clipped_discs(topology: _Topology, discs, members) -> np.ndarray:
    """Each disc (in the input CRS) clipped to the union of its member units."""
    if not len(discs):
        return np.empty(0, dtype=object)
    junction = np.repeat(np.arange(len(discs)), [len(m) for m in members])
    unit = np.concatenate(members)
    clipped = _clip_to_boxes(topology.units.source[unit], shapely.bounds(discs[junction]))
    pieces = _polygonal(threaded(shapely.intersection, clipped, discs[junction], min_chunk=64))
    out = np.empty(len(discs), dtype=object)
    for k, group in pd.Series(np.arange(len(unit))).groupby(junction):
        out[k] = shapely.union_all(pieces[group.to_numpy()])
    return _polygonal(out)


def _junction_ids(member_codes, xy) -> list[str]:
    base = ["-".join(c) for c in member_codes]
    order = np.lexsort((xy[:, 1], xy[:, 0])) if len(xy) else np.empty(0, dtype=np.int64)
    seen: dict[str, int] = {}
    ids = [""] * len(base)
    for k in order:
        seen[base[k]] = seen.get(base[k], 0) + 1
        ids[k] = base[k] if seen[base[k]] == 1 else f"{base[k]}#{seen[base[k]]}"
    return ids
