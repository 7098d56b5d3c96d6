"""Classify incident and patrol points into units and joint-responsibility zones, fast.

:func:`classify_points` says, for every input row, which unit of an agreement the point lies
in, which border strip (``zone``, side) and junction zone it falls in, and how far it is from
the agreement's nearest shared boundary. :func:`classify_file` does the same for a file of any
size, chunk by chunk; :func:`patrol_coverage` measures how much of each shared boundary patrols
came near; :func:`zone_summary` counts classified rows per zone, side and period.

Rules
-----
Every input row comes out once, in input order, with its columns untouched. A row without a
usable point keeps the status :func:`geozone.points.read_points` gave it and gets empty zone
columns. A point is located in the units' own CRS (so a point exactly on a shared vertex or
edge of the source data is on it, not a reprojection error away) and measured in metres in the
agreement's metric CRS (:func:`geozone.crs.metric_crs`, the UTM zone of its extent).

*Home unit* (``unit_code``). The member unit whose polygon covers the point, boundary included.
When several do — the point lies exactly on their shared edge, or in an overlap of the source
polygons (the 2025 communes overlap in places) — the unit with the **smallest code** wins. A point
in no member unit but within 1 cm of a shared boundary (a sliver gap) goes to the smaller code of
that boundary's pair. A point in no member unit is looked up in the rest of the agreement's
dataset: status ``outside_members`` with that unit's code (useful to hand the case over), or
``outside_all_units`` at sea or abroad.

*Zone and side*. The border-strip sides covering the point are narrowed to those owned by the
home unit (when any is); if several pairs remain (near a junction, or where the strips of
neighbouring commune pairs overlap), the pair whose shared boundary is **nearest** wins, ties to
the smallest ``pair_id``. When the home unit is one of the zone's two codes the side is the home
unit's (a side is its owner's part of the strip; this also absorbs the sub-millimetre offsets of
strips cut in metres and brought back to degrees). So a point gets at most one zone and one
side, ``side`` is always one of the zone's two codes, and a point on the line between the two
sides of a pair gets the side of its home unit. ``in_zone`` is True exactly when ``zone`` is
set. A point within 1 cm of a shared boundary that no strip covers (a sliver) is put in that
boundary's pair.

*Junction*. The junction zones covering the point; of several, the one whose junction point
(where the units meet) is nearest, ties to the smallest ``junction_id``.

*Distance*. ``dist_to_border_m`` is the exact distance in metres to the nearest shared boundary
of the agreement (every pair, not only the point's zone), for every located point, inside or
outside the members. ``on_boundary`` is ``dist_to_border_m <= 0.01``.

Speed
-----
The zones of an agreement are indexed once (cached on the :class:`~geozone.Agreement`):

* a regular grid over the agreement's extent in the units' CRS marks every cell that a polygon
  boundary (units, strip sides, junctions) may touch; the untouched cells form connected faces
  whose answer is computed once from one representative point, so most points are located by
  an array lookup. Only points in boundary cells get exact point-in-polygon tests (prepared
  polygons, GEOS);
* shared boundaries are split into pieces of at most 25 m (``L``) and their vertices put in a
  k-d tree. The nearest point of a polyline lies on a piece whose nearer end ``v`` is within
  ``sqrt(d_v**2 + (L/2)**2)`` of the point (``d_v``: distance to the nearest vertex), so the
  pieces next to the few vertices in that ball give the exact distance;
* far from the boundary a k-d search visits thousands of vertices (they lie along curves, all
  at about the same distance), so for large inputs a second grid stores, per cell, the
  vertices that can be such a ``v`` for some point of the cell: with ``w`` the vertex nearest
  the cell centre, ``|p-v|**2 - |p-w|**2`` is affine in ``p``, hence ``v`` lies in a ball of
  radius ``sqrt(|c-w|**2 + (L/2)**2)`` around a corner ``c`` — thin shells far away. Cells with
  long lists (next to the boundary) are split in four, recursively. A point then measures a
  few dozen candidates: exact, and 5-10× faster than the k-d search.

This uses :mod:`scipy` (``ndimage.label``, ``spatial.cKDTree``) when it is installed; without it
the same answers come from exact GEOS queries on every point, an order of magnitude slower.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import unicodedata
import warnings
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geozone.crs import metric_crs, resolve_crs, transformer
from geozone.errors import GeozoneWarning, InputError
from geozone.points import POINT_STATUSES

__all__ = [
    "CLASSIFY_COLUMNS",
    "CLASSIFY_STATUSES",
    "OUTSIDE_ZONES",
    "classify_file",
    "classify_points",
    "patrol_coverage",
    "zone_summary",
]

#: The columns :func:`classify_points` adds (``status`` and ``status_detail`` are updated).
CLASSIFY_COLUMNS = [
    "unit_code",
    "unit_name",
    "province_code",
    "zone",
    "side",
    "junction",
    "dist_to_border_m",
    "in_zone",
    "on_boundary",
    "status",
    "status_detail",
]

#: Statuses the classification gives to located points (read_points' statuses are kept).
CLASSIFY_STATUSES: dict[str, str] = {
    "ok": "inside a member unit of the agreement",
    "outside_members": "inside a unit of the dataset that is not a member (unit_code says which)",
    "outside_all_units": "inside no unit of the dataset: at sea or abroad",
}

#: Label :func:`zone_summary` gives located rows that are in no border strip.
OUTSIDE_ZONES = "outside zones"

#: Within this distance of a shared boundary a point is ``on_boundary``.
ON_BOUNDARY_M = 0.01

_LOCATED = frozenset(CLASSIFY_STATUSES)
# One category list for every result, so chunks and partitions concatenate as categoricals.
_STATUS_CATEGORIES = pd.Index(list(dict.fromkeys([*POINT_STATUSES, *CLASSIFY_STATUSES])))
# Pieces of shared boundary longer than this are split for the nearest-distance search: short
# pieces keep the candidate ball around the nearest vertex tight.
_PIECE_M = 25.0
# The grid gets about this many cells: 20 M cells are 80 MB of labels; at the agreement scale
# (a few hundred km) cells of ~70 m leave a few per cent of points in boundary cells (measured
# at commune level: 8 M cells -> 0.82 s of exact tests per million points, 20 M -> 0.46 s).
_GRID_CELLS = 20_000_000
# Points are processed in blocks of this size so temporaries stay small whatever the input.
_BLOCK = 1_000_000
_KD_BLOCK = 200_000
# The distance grid: about this many cells over the agreement's extent (lists of candidate
# vertices per cell), built once _GRID_MIN_POINTS points have been classified with the index
# (below that the per-point k-d search, ~5-15 µs a point, costs less than the ~5 s build);
# pairs (point, candidate) per numpy batch.
_DIST_CELLS = 40_000
_GRID_MIN_POINTS = 300_000
_PAIR_BLOCK = 4_000_000
# Grid cells with more candidate vertices than this are split, up to 2^_MAX_DEPTH per side.
_SPLIT_AT = 20
_MAX_DEPTH = 6
_TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
_DATE_NAMES = (
    "date",
    "ngay",
    "thoi_gian",
    "thoigian",
    "datetime",
    "time",
    "timestamp",
    "ngay_xay_ra",
    "ngay_gio",
    "thoi_diem",
)


def _scipy():
    """scipy's ndimage and spatial, or None: the fast paths need them, the exact ones do not."""
    try:
        from scipy import ndimage, spatial
    except ImportError:  # pragma: no cover - scipy is installed wherever the tests run
        return None
    return ndimage, spatial


# --------------------------------------------------------------------------------------------
# Exact point-in-polygon and the grid of faces
# --------------------------------------------------------------------------------------------


def _cover(tree: shapely.STRtree, polys: np.ndarray, x: np.ndarray, y: np.ndarray):
    """Every (point, polygon) pair where the polygon covers the point, boundary included.

    The tree is over the polygons, so a point only meets the few polygons whose box holds it;
    the test then runs with the polygon prepared (``shapely.prepare``), not the point.
    """
    out_p, out_g = [], []
    for start in range(0, len(x), _KD_BLOCK):
        pts = shapely.points(x[start : start + _KD_BLOCK], y[start : start + _KD_BLOCK])
        p, g = tree.query(pts)
        if len(p):
            hit = shapely.intersects(polys[g], pts[p])
            out_p.append(p[hit] + start)
            out_g.append(g[hit])
    if not out_p:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(out_p), np.concatenate(out_g)


class _Grid:
    """A regular grid over ``bounds`` whose cells untouched by any polygon boundary are grouped
    into faces (connected components); every point of a face is covered by the same polygons."""

    def __init__(self, polys: np.ndarray, tree: shapely.STRtree, bounds, ndimage):
        self.polys, self.tree = polys, tree
        minx, miny, maxx, maxy = bounds
        w, h = max(maxx - minx, 1e-9), max(maxy - miny, 1e-9)
        cell = math.sqrt(w * h / _GRID_CELLS)
        cell = max(cell, max(w, h) / 20_000)  # a sliver-shaped extent: keep either side sane
        self.x0, self.y0, self.cell = minx, miny, cell
        self.nx, self.ny = int(w // cell) + 1, int(h // cell) + 1
        mixed = self._touched()
        labels, n = ndimage.label(~mixed)
        self.labels = labels  # 0 for boundary cells, 1..n for faces
        self.n_faces = n
        flat = labels.ravel()
        rep = np.zeros(n + 1, np.int64)
        # Any cell of a face represents it; which one wins a repeated index does not matter.
        rep[flat] = np.arange(flat.size)
        iy, ix = np.divmod(rep[1:], self.nx)
        self.rep_x = self.x0 + (ix + 0.5) * cell
        self.rep_y = self.y0 + (iy + 0.5) * cell

    def _touched(self) -> np.ndarray:
        """Cells a polygon boundary may touch. Boundaries are sampled every half cell, and the
        3×3 block around each sample is marked: a boundary crossing a cell has a sample within
        a quarter cell of it, so in the block — conservative, never misses a cell."""
        rings = shapely.get_rings(shapely.get_parts(self.polys))
        coords, ring = shapely.get_coordinates(rings, return_index=True)
        mixed = np.zeros((self.ny + 2, self.nx + 2), bool)  # one cell of padding each side
        if len(coords) > 1:
            same = ring[1:] == ring[:-1]
            a, b = coords[:-1][same], coords[1:][same]
            length = np.hypot(*(b - a).T)
            n = np.ceil(length / (self.cell / 2)).astype(np.int64) + 1
            for start in range(0, len(a), 500_000):
                sl = slice(start, start + 500_000)
                k = n[sl]
                seg = np.repeat(np.arange(len(k)), k)
                first = np.repeat(np.cumsum(k) - k, k)
                t = (np.arange(k.sum()) - first) / np.maximum(k[seg] - 1, 1)
                pa, pb = a[sl][seg], b[sl][seg]
                sx = pa[:, 0] + t * (pb[:, 0] - pa[:, 0])
                sy = pa[:, 1] + t * (pb[:, 1] - pa[:, 1])
                ix = np.floor((sx - self.x0) / self.cell).astype(np.int64) + 1
                iy = np.floor((sy - self.y0) / self.cell).astype(np.int64) + 1
                keep = (ix >= 0) & (ix <= self.nx + 1) & (iy >= 0) & (iy <= self.ny + 1)
                mixed[iy[keep], ix[keep]] = True
        grown = mixed.copy()
        grown[1:, :] |= mixed[:-1, :]
        grown[:-1, :] |= mixed[1:, :]
        again = grown.copy()
        again[:, 1:] |= grown[:, :-1]
        again[:, :-1] |= grown[:, 1:]
        return again[1:-1, 1:-1]

    def faces(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Face index (0-based) of each point, -1 in a boundary cell or outside the grid."""
        fx = (x - self.x0) / self.cell
        fy = (y - self.y0) / self.cell
        inside = (fx >= 0) & (fx < self.nx) & (fy >= 0) & (fy < self.ny)
        out = np.full(len(x), -1, np.int64)
        out[inside] = self.labels[fy[inside].astype(np.int64), fx[inside].astype(np.int64)] - 1
        return out


class _Locator:
    """Polygons to locate points in: the grid for the bulk, exact GEOS tests for the rest."""

    def __init__(self, polys: np.ndarray, bounds=None):
        self.polys = np.asarray(polys, dtype=object)
        shapely.prepare(self.polys)
        self.tree = shapely.STRtree(self.polys)
        mods = _scipy() if bounds is not None and len(self.polys) else None
        self.grid = _Grid(self.polys, self.tree, bounds, mods[0]) if mods else None

    def __setstate__(self, state):
        self.__dict__.update(state)
        shapely.prepare(self.polys)  # preparation does not survive pickling

    def cover(self, x, y):
        return _cover(self.tree, self.polys, x, y)

    @cached_property
    def face_cover(self):
        """(face, polygon) pairs for the faces' representatives."""
        return self.cover(self.grid.rep_x, self.grid.rep_y)

    def groups(self, x, y):
        """Locate points as groups: (group of each point, group pairs (group, polygon),
        number of groups). Groups ``0..F-1`` are the grid's faces, then one group per point
        that needed an exact test."""
        if self.grid is None:
            n_faces, face = 0, np.full(len(x), -1, np.int64)
            fg, fp = np.empty(0, np.int64), np.empty(0, np.int64)
        else:
            n_faces = self.grid.n_faces
            face = self.grid.faces(x, y)
            fg, fp = self.face_cover
        exact = np.flatnonzero(face < 0)
        ep, eg = self.cover(x[exact], y[exact])
        group = face.copy()
        group[exact] = n_faces + np.arange(len(exact))
        pairs_g = np.concatenate([fg, n_faces + ep])
        pairs_p = np.concatenate([fp, eg])
        return group, pairs_g, pairs_p, n_faces + len(exact)


# --------------------------------------------------------------------------------------------
# Exact distance to the shared boundaries
# --------------------------------------------------------------------------------------------


class _NearestBoundary:
    """Exact distance from points to a set of polylines (metric CRS), and which line is nearest.

    Lines are split into pieces of at most ``_PIECE_M``; the nearest point of the polylines lies
    on a piece with an end within ``R = sqrt(d_v**2 + (L/2)**2)`` of the query point (``d_v``:
    nearest vertex distance, ``L``: longest piece), because the foot of the perpendicular is at
    most ``L/2`` along the piece from one of its ends. The k nearest vertices are fetched from a
    k-d tree; when the k-th is beyond ``R`` they hold every candidate, else a wider query runs.
    """

    def __init__(self, lines: np.ndarray, line_rank: np.ndarray):
        parts, part_line = shapely.get_parts(lines, return_index=True)
        keep = shapely.get_num_coordinates(parts) >= 2
        parts, part_line = parts[keep], part_line[keep]
        if len(parts):
            parts = shapely.segmentize(parts, _PIECE_M)
        coords, part = shapely.get_coordinates(parts, return_index=True)
        self.coords = coords
        self.vx, self.vy = (
            np.ascontiguousarray(coords[:, 0]),
            np.ascontiguousarray(coords[:, 1]),
        )
        same = part[1:] == part[:-1]
        self.a, self.b = coords[:-1][same], coords[1:][same]
        self.rank = np.asarray(line_rank)[part_line[part[:-1][same]]]
        d = self.b - self.a
        self.dx, self.dy = d[:, 0], d[:, 1]
        self.len2 = self.dx**2 + self.dy**2
        lengths = np.sqrt(self.len2)
        self.half = float(lengths.max()) / 2 if len(lengths) else 0.0
        seg_id = np.cumsum(same) - 1
        n = len(coords)
        self.next_seg = np.full(n, -1, np.int64)
        self.prev_seg = np.full(n, -1, np.int64)
        starts = np.flatnonzero(same)
        self.next_seg[starts] = seg_id[starts]
        self.prev_seg[starts + 1] = seg_id[starts]
        mods = _scipy()
        # Large leaves and sliding-midpoint splits: the vertices lie along curves and most
        # query points are far from them, where a fine balanced tree visits many more nodes
        # (measured: 13-16 µs per far point instead of 30-55 µs with scipy's defaults).
        self.kd = mods[1].cKDTree(coords, leafsize=128, balanced_tree=False) if mods and n else None
        self._tree = None

    @property
    def empty(self) -> bool:
        return len(self.a) == 0

    def _to_segments(self, px, py, seg):
        """Distances (n, m) from points to candidate segments ``seg`` (n, m; -1 = none)."""
        valid = seg >= 0
        s = np.where(valid, seg, 0)
        ax, ay = self.a[s, 0], self.a[s, 1]
        dx, dy, l2 = self.dx[s], self.dy[s], self.len2[s]
        rx, ry = px[:, None] - ax, py[:, None] - ay
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(l2 > 0, (rx * dx + ry * dy) / l2, 0.0)
        t = np.clip(t, 0.0, 1.0)
        dist = np.hypot(rx - t * dx, ry - t * dy)
        return np.where(valid, dist, np.inf)

    def _pick(self, dist, seg):
        """Row-wise minimum; among exact ties the line of smallest rank."""
        best = dist.min(axis=1)
        rank = np.where(
            (dist == best[:, None]) & (seg >= 0),
            self.rank[np.where(seg >= 0, seg, 0)],
            np.iinfo(np.int64).max,
        )
        return best, rank.min(axis=1)

    def query(self, x: np.ndarray, y: np.ndarray, bounds=None):
        """(distance in metres, rank of the nearest line) for each point.

        ``bounds`` (metric) is where most points are expected: with many points, a grid of
        candidate lists over it (:meth:`_grid`) replaces the per-point k-d search there.
        """
        n = len(x)
        dist = np.full(n, np.nan)
        rank = np.full(n, -1, np.int64)
        if self.empty or n == 0:
            return dist, rank
        todo = np.arange(n)
        # Points seen so far (the chunks of one big file count together): the grid pays for
        # its build (seconds) only over many points.
        self.seen = getattr(self, "seen", 0) + n
        if self.kd is not None and bounds is not None and self.seen >= _GRID_MIN_POINTS:
            grid = self._grid(bounds)
            done = grid.query(self, x, y, dist, rank)
            todo = np.flatnonzero(~done)
        for start in range(0, len(todo), _KD_BLOCK):
            sl = todo[start : start + _KD_BLOCK]
            if self.kd is None:
                dist[sl], rank[sl] = self._query_geos(x[sl], y[sl])
            else:
                dist[sl], rank[sl] = self._query_kd(x[sl], y[sl])
        return dist, rank

    def _grid(self, bounds) -> _CandidateGrid:
        if self.__dict__.get("_grid_cache") is None:
            self._grid_cache = _CandidateGrid(self, bounds)
        return self._grid_cache

    def _from_candidates(self, px, py, cand_start, cand_count, cand):
        """Exact distance and nearest line rank for points whose candidate vertices are
        ``cand[cand_start[i] : cand_start[i] + cand_count[i]]``: of those, the vertices within
        ``sqrt(min d² + (L/2)²)`` and the pieces next to them are measured."""
        n = len(px)
        total = int(cand_count.sum())
        starts = np.cumsum(cand_count) - cand_count
        point = np.repeat(np.arange(n), cand_count)
        vert = cand[np.repeat(cand_start - starts, cand_count) + np.arange(total)]
        d2 = (self.vx[vert] - px[point]) ** 2 + (self.vy[vert] - py[point]) ** 2
        best = np.minimum.reduceat(d2, starts)
        near = d2 <= (best[point] + self.half**2) * (1 + 1e-9) + 1e-9
        point, vert = point[near], vert[near]
        seg = np.concatenate([self.next_seg[vert], self.prev_seg[vert]])
        point = np.concatenate([point, point])
        keep = seg >= 0
        seg, point = seg[keep], point[keep]
        d = self._to_segments(px[point], py[point], seg[:, None])[:, 0]
        order = np.lexsort((self.rank[seg], d, point))
        point, d, seg = point[order], d[order], seg[order]
        first = np.r_[True, point[1:] != point[:-1]]
        dist = np.full(n, np.nan)
        rank = np.full(n, -1, np.int64)
        dist[point[first]] = d[first]
        rank[point[first]] = self.rank[seg[first]]
        return dist, rank

    def _query_kd(self, px, py):
        n_vert = len(self.coords)
        dist = np.empty(len(px))
        rank = np.empty(len(px), np.int64)
        todo = np.arange(len(px))
        for k in (4, 32):
            k = min(k, n_vert)
            dv, iv = self.kd.query(np.column_stack([px[todo], py[todo]]), k=k, workers=-1)
            dv, iv = dv.reshape(len(todo), k), iv.reshape(len(todo), k)
            radius = np.sqrt(dv[:, 0] ** 2 + self.half**2)
            # Relative and absolute slack: a vertex exactly at R must not be missed by rounding.
            complete = (k == n_vert) | (dv[:, -1] > radius * (1 + 1e-9) + 1e-9)
            seg = np.concatenate([self.next_seg[iv], self.prev_seg[iv]], axis=1)
            d, r = self._pick(self._to_segments(px[todo], py[todo], seg), seg)
            dist[todo[complete]], rank[todo[complete]] = d[complete], r[complete]
            todo = todo[~complete]
            if not len(todo):
                return dist, rank
        for i in todo:  # vertices crowd the ball (a point near many short pieces): take them all
            p = (px[i], py[i])
            radius = math.sqrt(self.kd.query(p, k=1)[0] ** 2 + self.half**2)
            iv = np.asarray(self.kd.query_ball_point(p, radius * (1 + 1e-9) + 1e-9), np.int64)
            seg = np.concatenate([self.next_seg[iv], self.prev_seg[iv]])[None, :]
            d, r = self._pick(self._to_segments(px[i : i + 1], py[i : i + 1], seg), seg)
            dist[i], rank[i] = d[0], r[0]
        return dist, rank

    def _query_geos(self, px, py):
        if self._tree is None:
            self._tree = shapely.STRtree(shapely.linestrings(np.stack([self.a, self.b], axis=1)))
        pts = shapely.points(px, py)
        (p, s), d = self._tree.query_nearest(pts, all_matches=True, return_distance=True)
        frame = pd.DataFrame({"p": p, "d": d, "r": self.rank[s]}).sort_values(["p", "d", "r"])
        first = frame.drop_duplicates("p")
        dist = np.full(len(px), np.nan)
        rank = np.full(len(px), -1, np.int64)
        dist[first.p.to_numpy()] = first.d.to_numpy()
        rank[first.p.to_numpy()] = first.r.to_numpy()
        return dist, rank


class _CandidateGrid:
    """Per grid cell, a short list of boundary vertices that holds, for every point of the
    cell, the nearer end of the piece nearest to it.

    Why it is exact: let ``w`` be any vertex (the cell's anchor: the vertex nearest to its
    centre). The nearer end ``v`` of the nearest piece to ``p`` has
    ``|p-v|² <= d(p)² + (L/2)² <= |p-w|² + (L/2)²``. ``|p-v|² - |p-w|²`` is affine in ``p``, so
    over the cell it is smallest at a corner ``c``: ``|c-v|² <= |c-w|² + (L/2)²``. So ``v`` lies
    in one of the four balls around the corners with radius ``sqrt(|c-w|² + (L/2)²)``. Far
    from the boundary these balls are thin shells around the nearest vertices of the corners,
    so the lists stay short (a few dozen vertices) where a k-d search would visit thousands.
    """

    def __init__(self, nb: _NearestBoundary, bounds):
        minx, miny, maxx, maxy = bounds
        w, h = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
        cell = max(math.sqrt(w * h / _DIST_CELLS), 4 * _PIECE_M)
        self.x0, self.y0, self.cell = minx, miny, cell
        self.nx, self.ny = int(w // cell) + 1, int(h // cell) + 1
        nx, ny = self.nx, self.ny
        # Anchors: the vertex nearest to each cell centre.
        cx = self.x0 + (np.arange(nx) + 0.5) * cell
        cy = self.y0 + (np.arange(ny) + 0.5) * cell
        gx, gy = np.meshgrid(cx, cy)
        _, anchor = nb.kd.query(np.column_stack([gx.ravel(), gy.ravel()]), k=1, workers=-1)
        ax, ay = (
            nb.coords[anchor, 0].reshape(ny, nx),
            nb.coords[anchor, 1].reshape(ny, nx),
        )
        # Each node (corner) gets the largest radius any of its (up to four) cells needs.
        px = self.x0 + np.arange(nx + 1) * cell
        py = self.y0 + np.arange(ny + 1) * cell
        nxg, nyg = np.meshgrid(px, py)
        need = np.zeros((ny + 1, nx + 1))
        for dy in (0, 1):
            for dx in (0, 1):
                corner_x = nxg[dy : dy + ny, dx : dx + nx]
                corner_y = nyg[dy : dy + ny, dx : dx + nx]
                r2 = (corner_x - ax) ** 2 + (corner_y - ay) ** 2
                view = need[dy : dy + ny, dx : dx + nx]
                np.maximum(view, r2, out=view)
        radius = np.sqrt(need + nb.half**2) * (1 + 1e-9) + 1e-6
        lists = nb.kd.query_ball_point(
            np.column_stack([nxg.ravel(), nyg.ravel()]), radius.ravel(), workers=-1
        )
        lengths = np.fromiter((len(v) for v in lists), np.int64, len(lists))
        flat = np.fromiter((i for v in lists for i in v), np.int64, int(lengths.sum()))
        node_start = np.cumsum(lengths) - lengths
        del lists
        # A cell's list: the union of its four corners' lists.
        cells = np.arange(nx * ny)
        row, col = np.divmod(cells, nx)
        parts_cell, parts_vert = [], []
        for dy in (0, 1):
            for dx in (0, 1):
                node = (row + dy) * (nx + 1) + col + dx
                k = lengths[node]
                offs = np.arange(k.sum()) - np.repeat(np.cumsum(k) - k, k)
                parts_cell.append(np.repeat(cells, k))
                parts_vert.append(flat[np.repeat(node_start[node], k) + offs])
        key = np.sort(np.concatenate(parts_cell) * len(nb.coords) + np.concatenate(parts_vert))
        key = key[np.r_[True, key[1:] != key[:-1]]]
        cell_of, cand = np.divmod(key, len(nb.coords))
        count = np.bincount(cell_of, minlength=nx * ny)
        self._subdivide(nb, cand, count)

    def _subdivide(self, nb: _NearestBoundary, cand, count) -> None:
        """Cells next to the boundary hold many vertices: split them in four, recursively,
        keeping per child the parent's candidates that pass the same corner test with the
        child's own anchor (the parent's list holds every vertex a child can need)."""
        n0 = len(count)
        start = np.cumsum(count) - count
        row, col = np.divmod(np.arange(n0), self.nx)
        # Per node: list, lower-left corner, size; child_base = id of its first child or -1.
        starts, counts, lists = [start], [count], [cand]
        node_x = [self.x0 + col * self.cell]
        node_y = [self.y0 + row * self.cell]
        child_base = [np.full(n0, -1, np.int64)]
        level_x, level_y, level_count, level_local = node_x[0], node_y[0], count, start
        next_id, offset, size = n0, len(cand), self.cell
        h2 = nb.half**2
        for _ in range(_MAX_DEPTH):
            split = np.flatnonzero(level_count > _SPLIT_AT)
            if not len(split):
                break
            size /= 2
            n_child = 4 * len(split)
            ids = np.arange(next_id, next_id + n_child)
            parent_pos = np.repeat(split, 4)
            quad = np.tile(np.arange(4), len(split))  # 0: SW, 1: SE, 2: NW, 3: NE
            cx = level_x[parent_pos] + (quad % 2) * size
            cy = level_y[parent_pos] + (quad // 2) * size
            ox, oy = cx + size / 2, cy + size / 2
            k = level_count[parent_pos]
            pair = np.repeat(np.arange(n_child), k)
            offs = np.arange(k.sum()) - np.repeat(np.cumsum(k) - k, k)
            vert = lists[-1][np.repeat(level_local[parent_pos], k) + offs]
            ax = nb.coords[vert, 0] - ox[pair]
            ay = nb.coords[vert, 1] - oy[pair]
            a2 = ax * ax + ay * ay
            best = np.minimum.reduceat(a2, np.cumsum(k) - k)
            # The child's anchor: its nearest candidate (any vertex would do; this is tight).
            is_best = np.flatnonzero(a2 == best[pair])
            anchor = np.empty(n_child, np.int64)
            anchor[pair[is_best]] = is_best
            bx, by = ax[anchor][pair], ay[anchor][pair]
            lowest = a2 - (bx * bx + by * by) - size * (np.abs(ax - bx) + np.abs(ay - by))
            keep = lowest <= h2 * (1 + 1e-9) + 1e-6
            c_count = np.bincount(pair[keep], minlength=n_child)
            c_local = np.cumsum(c_count) - c_count
            lists.append(vert[keep])
            starts.append(offset + c_local)
            counts.append(c_count)
            node_x.append(cx)
            node_y.append(cy)
            child_base[-1][split] = ids[::4]
            child_base.append(np.full(n_child, -1, np.int64))
            level_x, level_y = cx, cy
            level_count, level_local = c_count, c_local
            next_id += n_child
            offset += int(keep.sum())
        self.child = np.concatenate(child_base)
        self.start = np.concatenate(starts)
        self.count = np.concatenate(counts)
        self.cand = np.concatenate(lists)
        self.node_x = np.concatenate(node_x)
        self.node_y = np.concatenate(node_y)
        self.node_size = self.cell / 2 ** np.concatenate(
            [np.full(len(c), i) for i, c in enumerate(counts)]
        )

    def lists_of(self, x, y, fx, fy) -> np.ndarray:
        """Candidate list id (the leaf node) of points (x, y) at grid coordinates (fx, fy)."""
        node = fy.astype(np.int64) * self.nx + fx.astype(np.int64)
        down = np.flatnonzero(self.child[node] >= 0)
        while len(down):
            n = node[down]
            half = self.node_size[n] / 2
            qx = (x[down] >= self.node_x[n] + half).astype(np.int64)
            qy = (y[down] >= self.node_y[n] + half).astype(np.int64)
            node[down] = self.child[n] + qx + 2 * qy
            down = down[self.child[node[down]] >= 0]
        return node

    def query(self, nb: _NearestBoundary, x, y, dist, rank) -> np.ndarray:
        """Fill ``dist``/``rank`` for the points inside the grid; return which were done."""
        fx = (x - self.x0) / self.cell
        fy = (y - self.y0) / self.cell
        inside = (fx >= 0) & (fx < self.nx) & (fy >= 0) & (fy < self.ny)
        idx = np.flatnonzero(inside)
        cell = self.lists_of(x[idx], y[idx], fx[idx], fy[idx])
        # About _PAIR_BLOCK (point, candidate) pairs at a time keeps temporaries small.
        per_point = self.count[cell]
        bounds = np.searchsorted(
            np.cumsum(per_point),
            np.arange(_PAIR_BLOCK, int(per_point.sum()) + 1, _PAIR_BLOCK),
        )
        cuts = np.unique(np.r_[0, bounds, len(idx)])
        for lo, hi in itertools.pairwise(cuts):
            sel, c = idx[lo:hi], cell[lo:hi]
            d, r = nb._from_candidates(x[sel], y[sel], self.start[c], self.count[c], self.cand)
            dist[sel], rank[sel] = d, r
        return inside


# --------------------------------------------------------------------------------------------
# The per-agreement index
# --------------------------------------------------------------------------------------------


def _pair_id(a, b) -> str:
    return f"{a}-{b}"


class _ZoneIndex:
    """Everything classification needs for one agreement, width and junction radius, built
    once: units sorted by code, strip sides, junctions, shared boundaries, grid, k-d tree."""

    def __init__(self, agreement, width_m: float, radius_m: float, all_units=None):
        self.agreement = agreement
        self.agreement_id = agreement.id
        self.width_m, self.radius_m = width_m, radius_m
        units = agreement.units
        if units.crs is None:
            raise InputError(f"agreement {agreement.id!r}: its units have no CRS")
        self.crs = pyproj.CRS(units.crs)
        self.metric = metric_crs(units)
        units = units.assign(code=units["code"].astype(str)).sort_values("code", kind="stable")
        units = units[~(units.geometry.isna() | units.geometry.is_empty)].reset_index(drop=True)
        self.units = units
        self.codes = units["code"].to_numpy(dtype=object)
        self.rank_of = {c: i for i, c in enumerate(self.codes)}
        self.names = _column(units, "name")
        self.provinces = _column(units, "province_code")
        self._all_units = all_units

        lines = agreement.shared_boundaries
        lines = _in_crs(lines, self.crs)
        if "pair_id" in lines:
            line_pairs = lines["pair_id"].astype(str).to_numpy()
        else:
            line_pairs = np.array(
                [_pair_id(a, b) for a, b in zip(lines["code_a"], lines["code_b"], strict=True)],
                object,
            )
        strips = _in_crs(agreement.strips(width_m), self.crs)
        strips = strips[~(strips.geometry.isna() | strips.geometry.is_empty)]
        strips = strips.assign(
            pair_id=strips["pair_id"].astype(str), code=strips["code"].astype(str)
        )
        strips = strips.sort_values(["pair_id", "code"], kind="stable").reset_index(drop=True)
        self.pair_ids = np.array(sorted(set(line_pairs) | set(strips["pair_id"])), object)
        pair_rank = {p: i for i, p in enumerate(self.pair_ids)}
        codes_of_pair = {
            p: (str(a), str(b))
            for p, a, b in zip(line_pairs, lines["code_a"], lines["code_b"], strict=True)
        }
        for p, a, b in zip(
            strips["pair_id"], strips["code"], strips["neighbour_code"], strict=True
        ):
            codes_of_pair.setdefault(p, tuple(sorted((str(a), str(b)))))
        self.pair_codes = [codes_of_pair[p] for p in self.pair_ids]
        self.side_pair = strips["pair_id"].map(pair_rank).to_numpy(np.int64)
        self.side_code = strips["code"].to_numpy(dtype=object)
        self.side_owner = np.array([self.rank_of.get(c, -1) for c in self.side_code], np.int64)
        self.strips = strips

        junctions = _in_crs(agreement.junctions(radius_m), self.crs)
        junctions = junctions[~(junctions.geometry.isna() | junctions.geometry.is_empty)]
        junctions = junctions.assign(junction_id=junctions["junction_id"].astype(str))
        self.junctions = junctions.sort_values("junction_id", kind="stable").reset_index(drop=True)
        self.junction_ids = self.junctions["junction_id"].to_numpy(dtype=object)

        to_metric = transformer(self.crs, self.metric)
        self.to_metric = to_metric
        metric_lines = shapely.transform(lines.geometry.values, _xy(to_metric), interleaved=False)
        self.pair_lines = self._pair_lines(metric_lines, line_pairs, pair_rank)
        self.nearest = _NearestBoundary(
            metric_lines, np.array([pair_rank[p] for p in line_pairs], np.int64)
        )
        self.junction_xy = self._junction_points(to_metric, metric_lines, line_pairs)

        self.metric_bounds = _expand(to_metric.transform_bounds(*units.total_bounds), 0.05)
        self.n_units, self.n_sides = len(units), len(strips)
        self.polys = np.concatenate(
            [
                units.geometry.values,
                strips.geometry.values,
                self.junctions.geometry.values,
            ]
        ).astype(object)
        bounds = shapely.total_bounds(self.polys) if len(self.polys) else (0, 0, 1, 1)
        self.bounds = _expand(bounds)

    def _pair_lines(self, metric_lines, line_pairs, pair_rank):
        merged = [None] * len(self.pair_ids)
        for pid in set(line_pairs):
            merged[pair_rank[pid]] = shapely.union_all(metric_lines[line_pairs == pid])
        return np.array(merged, dtype=object)

    def _junction_points(self, to_metric, metric_lines, line_pairs) -> np.ndarray:
        """The node where each junction's units meet, in metres.

        junction_zones gives the disc clipped to the units, whose centroid drifts off the node
        where the units are small or meet the coast; the node is recovered as the end shared
        by most of the junction's shared lines (ties: nearest to the centroid). The zone's own
        ``point`` column is used when it has one.
        """
        if not len(self.junctions):
            return np.empty((0, 2))
        frame = self.junctions
        col = next((c for c in ("point", "node", "centre", "center") if c in frame), None)
        if col is not None and isinstance(frame[col].iloc[0], shapely.Geometry):
            pts = shapely.transform(
                np.asarray(frame[col].values, dtype=object),
                _xy(to_metric),
                interleaved=False,
            )
            return np.column_stack([shapely.get_x(pts), shapely.get_y(pts)])
        discs = shapely.transform(frame.geometry.values, _xy(to_metric), interleaved=False)
        centroid = shapely.get_coordinates(shapely.centroid(discs))
        parts, which = shapely.get_parts(metric_lines, return_index=True)
        ends = np.concatenate(
            [shapely.get_coordinates(shapely.get_point(parts, i)) for i in (0, -1)]
        )
        end_pair = np.concatenate([line_pairs[which]] * 2)
        codes_of = dict(zip(self.pair_ids, self.pair_codes, strict=True))
        end_codes = [set(codes_of[p]) for p in end_pair]
        nodes = centroid.copy()
        for j, (codes, disc) in enumerate(zip(frame["codes"], discs, strict=True)):
            members = set(_codes_of(codes))
            mine = np.flatnonzero([c <= members for c in end_codes])
            if not len(mine):
                continue
            xy = ends[mine]
            near = shapely.dwithin(disc, shapely.points(xy), 1.0)
            xy = xy[near]
            if not len(xy):
                continue
            key = np.round(xy, 0)
            _, inverse, counts = np.unique(key, axis=0, return_inverse=True, return_counts=True)
            score = counts[inverse.ravel()]
            best = score == score.max()
            d = np.hypot(*(xy[best] - centroid[j]).T)
            nodes[j] = xy[best][np.argmin(d)]
        return nodes

    def __getstate__(self):
        # The copy sent to dask workers (see geozone.partitions) stands alone: it carries the
        # full layer as ``context`` instead of the agreement, so workers need no data
        # directory. Grids built so far travel with it: sending them takes a fraction of the
        # seconds each worker would spend building them again.
        state = self.__dict__.copy()
        state["context"] = self.context
        for key in ("agreement", "_all_units", "_shipped"):
            state.pop(key, None)
        return state

    @cached_property
    def locator(self) -> _Locator:
        return _Locator(self.polys, self.bounds)

    @cached_property
    def context(self):
        """The dataset's other units (not members), to tell outside_members from
        outside_all_units; loaded the first time a point falls outside every member."""
        frame = self._all_units
        label = "the given all_units"
        if frame is None:
            dataset = self.agreement.datasets.get(self.agreement.level)
            if dataset is None:
                return None
            from geozone.units import load_units

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", GeozoneWarning)
                frame = load_units(dataset, data_dir=self.agreement.data_dir)
            label = f"dataset {dataset!r}"
        frame = _in_crs(frame, self.crs)
        frame = frame.assign(code=frame["code"].astype(str))
        frame = frame[~frame["code"].isin(set(self.codes))]
        frame = frame[~(frame.geometry.isna() | frame.geometry.is_empty)]
        frame = frame.sort_values("code", kind="stable").reset_index(drop=True)
        return _Context(frame, label, self.bounds)


class _Context:
    def __init__(self, frame, label, bounds):
        self.frame, self.label = frame, label
        self.codes = frame["code"].to_numpy(dtype=object)
        self.names = _column(frame, "name")
        self.provinces = _column(frame, "province_code")
        # Only units reaching into the agreement's extent go into the grid: points beyond it
        # are rare and take the exact path over every unit.
        geoms = frame.geometry.values
        box = shapely.box(*bounds)
        near = shapely.intersects(geoms, box)
        self.near_idx = np.flatnonzero(near)
        self.bounds = bounds

    @cached_property
    def near(self) -> _Locator:
        return _Locator(self.frame.geometry.values[self.near_idx], self.bounds)

    @cached_property
    def far(self) -> _Locator:
        return _Locator(self.frame.geometry.values)

    def locate(self, x, y) -> np.ndarray:
        """Index (into ``frame``, by code order) of the smallest-code unit covering each point,
        -1 for none."""
        out = np.full(len(x), -1, np.int64)
        minx, miny, maxx, maxy = self.bounds
        inside = (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy)
        for mask, loc, remap in (
            (inside, self.near, self.near_idx),
            (~inside, self.far, None),
        ):
            idx = np.flatnonzero(mask)
            if not len(idx):
                continue
            group, pg, pp, n_groups = loc.groups(x[idx], y[idx])
            if remap is not None:
                pp = remap[pp]
            best = np.full(n_groups, np.iinfo(np.int64).max)
            np.minimum.at(best, pg, pp)
            best[best == np.iinfo(np.int64).max] = -1
            out[idx] = best[group]
        return out


def _column(frame, name) -> np.ndarray:
    if name in frame:
        return frame[name].astype(object).where(frame[name].notna(), None).to_numpy(dtype=object)
    return np.full(len(frame), None, dtype=object)


def _codes_of(value) -> list[str]:
    return value.split("|") if isinstance(value, str) else [str(v) for v in value]


def _in_crs(frame: gpd.GeoDataFrame, crs) -> gpd.GeoDataFrame:
    if frame.crs is None:
        return frame.set_crs(crs)
    if pyproj.CRS(frame.crs) != crs:
        return frame.to_crs(crs)
    return frame


def _expand(bounds, share: float = 0.01):
    minx, miny, maxx, maxy = bounds
    pad = max(maxx - minx, maxy - miny) * share or 1.0
    return (minx - pad, miny - pad, maxx + pad, maxy + pad)


def _xy(transformer):
    def run(x, y):
        return transformer.transform(x, y)

    return run


def _index(agreement, width_m, radius_m, all_units) -> _ZoneIndex:
    # Cached on the agreement object like its strips, so repeated calls and the chunks of a
    # big file share one index.
    cache = agreement.__dict__.setdefault("_classify_cache", {})
    key = (float(width_m), float(radius_m), id(all_units))
    if key not in cache:
        if len(cache) >= 4:  # a few widths at most: each index holds grids of tens of MB
            cache.pop(next(iter(cache)))
        cache[key] = _ZoneIndex(agreement, float(width_m), float(radius_m), all_units)
    return cache[key]


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _agreement_by_id(agreement_id: str, level: str | None):
    # An id names a file that does not change within a run: reusing the object reuses its
    # cached strips, junctions and classification index (seconds at commune level).
    from geozone.agreements import agreement

    return agreement(agreement_id, level=level)


def _resolve_agreement(agreement_or_zones, level=None):
    from geozone.agreements import Agreement

    if isinstance(agreement_or_zones, str | os.PathLike):
        return _agreement_by_id(os.fspath(agreement_or_zones), level)
    if isinstance(agreement_or_zones, Agreement):
        if level is not None and level != agreement_or_zones.level:
            return agreement_or_zones.at_level(level)
        return agreement_or_zones
    raise InputError(
        f"agreement_or_zones must be an Agreement or an agreement id, not "
        f"{type(agreement_or_zones).__name__}; build one with geozone.agreement(id) or "
        "Agreement.from_units(units)"
    )


def _as_points(points, read_options: dict) -> gpd.GeoDataFrame:
    """A GeoDataFrame with ``status`` and ``status_detail`` for any accepted input."""
    if isinstance(points, gpd.GeoDataFrame) and not _wants_columns(read_options):
        # Shallow: pandas' copy-on-write keeps the caller's frame untouched, and 10 M rows
        # are not copied twice.
        frame = points.copy(deep=False)
        if frame.crs is None:
            if read_options.get("crs") is None:
                raise InputError("the points have no CRS; set one (gdf.set_crs(4326)) or pass crs=")
            frame = frame.set_crs(resolve_crs(read_options["crs"]))
        geoms = frame.geometry.values
        missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        not_point = ~missing & (shapely.get_type_id(geoms) != 0)
        px, py = _point_xy(geoms)
        coords_ok = np.isfinite(px) & np.isfinite(py)
        bad = not_point | (~missing & ~not_point & ~coords_ok)
        if "status" not in frame:
            status = np.full(len(frame), "ok", dtype=object)
            status[bad] = "invalid_coordinate"
            status[missing] = "missing_coordinate"
            frame["status"] = status
            detail = np.full(len(frame), "", dtype=object)
            detail[missing] = "the feature has no geometry"
            detail[not_point] = [
                f"the geometry is a {g.geom_type}, not a point" for g in geoms[not_point]
            ]
            detail[bad & ~not_point] = "the point has a non-finite coordinate"
            frame["status_detail"] = detail
        else:
            status = frame["status"].astype(object).to_numpy(copy=True)
            status[bad] = "invalid_coordinate"
            frame["status"] = status
            if "status_detail" not in frame:
                frame["status_detail"] = ""
        return frame
    from geozone.points import read_points

    return read_points(points, **read_options)


def _point_xy(geoms) -> tuple[np.ndarray, np.ndarray]:
    """x and y of the point geometries, NaN for the rest (GEOS refuses empty points)."""
    x, y = np.full(len(geoms), np.nan), np.full(len(geoms), np.nan)
    point = (shapely.get_type_id(geoms) == shapely.GeometryType.POINT) & ~shapely.is_empty(geoms)
    x[point], y[point] = shapely.get_x(geoms[point]), shapely.get_y(geoms[point])
    return x, y


def _wants_columns(read_options) -> bool:
    return any(read_options.get(k) is not None for k in ("lat", "lon", "x", "y"))


# --------------------------------------------------------------------------------------------
# Classification
# --------------------------------------------------------------------------------------------


def classify_points(
    points,
    agreement_or_zones,
    *,
    width_m: float | None = None,
    junction_radius_m: float | None = None,
    level: str | None = None,
    all_units: gpd.GeoDataFrame | None = None,
    crs=None,
    fix_swapped: bool = False,
    lat=None,
    lon=None,
    x=None,
    y=None,
    id_column=None,
    sheet=None,
    encoding: str | None = None,
) -> gpd.GeoDataFrame:
    """Say for every point which unit, border strip and junction zone of an agreement it is in.

    Parameters
    ----------
    points : GeoDataFrame, DataFrame or path
        A GeoDataFrame of points (any CRS; rows without a point geometry are kept with status
        ``missing_coordinate`` / ``invalid_coordinate``, and a ``status`` column from
        :func:`~geozone.points.read_points` is respected), or anything
        :func:`~geozone.points.read_points` reads (a DataFrame with coordinate columns, a CSV,
        Excel, GeoJSON, GeoPackage or Parquet file).
    agreement_or_zones : Agreement or str
        The agreement, or its id (``"csh-tay-nam-2025"``).
    width_m : float, optional
        Strip width on each side of a shared boundary; the agreement's ``width_m`` by default.
    junction_radius_m : float, optional
        Radius of the junction zones; ``width_m`` by default.
    level : str, optional
        Compute at this level of the agreement (``"province"``, ``"commune"``…).
    all_units : GeoDataFrame, optional
        The whole layer the agreement's units come from, to tell ``outside_members`` from
        ``outside_all_units``. By default the agreement's dataset at its level, loaded the first
        time a point falls outside every member. For an agreement built with
        :meth:`~geozone.Agreement.from_units` and no ``all_units``, points outside the members
        are ``outside_members`` with no unit.
    crs, fix_swapped, lat, lon, x, y, id_column, sheet, encoding
        Passed to :func:`~geozone.points.read_points` when ``points`` is not a GeoDataFrame
        (for a GeoDataFrame without a CRS, ``crs`` sets it).

    Returns
    -------
    GeoDataFrame
        Every input row, in input order, with its columns and geometry as given (a DataFrame
        or file is read by :func:`~geozone.points.read_points`, so in EPSG:4326 with ``row``),
        plus the columns of :data:`CLASSIFY_COLUMNS`: ``unit_code``, ``unit_name``,
        ``province_code`` (the home unit; for ``outside_members`` the dataset's unit),
        ``zone`` (``pair_id`` of the border strip), ``side`` (owner code of the strip side),
        ``junction`` (``junction_id``), ``dist_to_border_m`` (exact metres to the nearest shared
        boundary), ``in_zone`` (``zone`` is set), ``on_boundary`` (within 1 cm of a shared
        boundary), ``status`` and ``status_detail``. Code and zone columns are categoricals;
        rows without a point have them empty, ``dist_to_border_m`` NaN and the two flags False.
        The tie-break rules are in the module documentation: the smallest code wins on shared
        edges and in overlaps; of several strips, the home unit's side and the nearest pair.

    Raises
    ------
    InputError
        The points cannot be read (see :func:`~geozone.points.read_points`) or have no CRS.
    AgreementError
        The agreement id is unknown or the level is not one of its levels.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"vu_viec": ["V1", "V2", "V3", "V4"],
    ...                    "lat": [10.0340, 9.9849, 21.0285, 9.0],
    ...                    "lon": [105.7876, 105.4556, 105.8542, 104.0]})
    >>> out = classify_points(df, "csh-tay-nam-2025")
    >>> out[["vu_viec", "unit_code", "zone", "side", "status"]].astype(object).values.tolist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [['V1', '92', nan, nan, 'ok'], ['V2', '91', '91-92', '91', 'ok'],
     ['V3', '01', nan, nan, 'outside_members'], ['V4', nan, nan, nan, 'outside_all_units']]
    >>> bool(out.in_zone.iloc[1]), round(float(out.dist_to_border_m.iloc[1]))
    (True, 399)
    """
    agreement = _resolve_agreement(agreement_or_zones, level)
    read_options = {
        "crs": crs,
        "fix_swapped": fix_swapped,
        "lat": lat,
        "lon": lon,
        "x": x,
        "y": y,
        "id_column": id_column,
        "sheet": sheet,
        "encoding": encoding,
    }
    from geozone.partitions import classify_partitions, is_dask_frame

    if is_dask_frame(points):
        given = sorted(k for k, v in read_options.items() if k != "crs" and v not in (None, False))
        if given:
            raise InputError(
                f"{', '.join(given)} only apply to points read from columns or files; a dask "
                "frame must carry point geometries (see geozone.partitions)"
            )
        frame = None
    else:
        frame = _as_points(points, read_options)
    index = _index(
        agreement,
        _width(agreement, width_m),
        _width(agreement, junction_radius_m, width_m),
        all_units,
    )
    if frame is None:
        return classify_partitions(points, index, crs=crs)
    return _classify_frame(frame, index)


def _width(agreement, value, fallback=None) -> float:
    chosen = value if value is not None else fallback
    width = agreement.width_m if chosen is None else float(chosen)
    if not width > 0:
        raise InputError(f"width must be a positive number of metres, got {chosen!r}")
    return width


def _classify_frame(frame: gpd.GeoDataFrame, index: _ZoneIndex) -> gpd.GeoDataFrame:
    n = len(frame)
    geoms = frame.geometry.values
    status_in = frame["status"].astype(object).to_numpy()
    usable = (
        ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        & (shapely.get_type_id(geoms) == 0)
        & ~np.isin(status_in, _NO_POINT)
    )
    px, py = _point_xy(geoms)
    usable &= np.isfinite(px) & np.isfinite(py)
    rows = np.flatnonzero(usable)

    res = {
        "unit": np.full(n, -1, np.int64),  # >= 0: member rank; <= -2: context index - 2
        "side": np.full(n, -1, np.int64),
        "junction": np.full(n, -1, np.int64),
        "dist": np.full(n, np.nan),
        "no_context": np.zeros(n, bool),
        "unprojectable": np.zeros(n, bool),
    }
    src = pyproj.CRS(frame.crs)
    to_units = None if src == index.crs else transformer(src, index.crs)
    to_metric = transformer(src, index.metric)
    for start in range(0, len(rows), _BLOCK):
        block = rows[start : start + _BLOCK]
        bx, by = px[block], py[block]
        ux, uy = (bx, by) if to_units is None else to_units.transform(bx, by)
        ux, uy, mx, my = map(np.asarray, (ux, uy, *to_metric.transform(bx, by)))
        # A point far outside the projections' area of use comes back infinite: it cannot be
        # placed, so it is an invalid coordinate rather than a crash.
        finite = np.isfinite(ux) & np.isfinite(uy) & np.isfinite(mx) & np.isfinite(my)
        if not finite.all():
            res["unprojectable"][block[~finite]] = True
            block, ux, uy, mx, my = (a[finite] for a in (block, ux, uy, mx, my))
        out = _classify_block(index, ux, uy, mx, my)
        for key, value in out.items():
            res[key][block] = value
    return _assemble(frame, index, res, usable, status_in)


_NO_POINT = (
    "missing_coordinate",
    "invalid_coordinate",
    "suspect_swapped",
    "suspect_projected",
    "suspect_geographic",
    "outside_vietnam",
)


def _classify_block(index: _ZoneIndex, ux, uy, mx, my) -> dict:
    n = len(ux)
    dist, near_pair = index.nearest.query(mx, my, index.metric_bounds)
    unit = np.full(n, -1, np.int64)
    side = np.full(n, -1, np.int64)
    junction = np.full(n, -1, np.int64)
    if index.n_units:
        unit, side, junction = _resolve_members(index, ux, uy, mx, my, near_pair)
    on_line = dist <= ON_BOUNDARY_M
    # A point on a shared boundary but in no member polygon (a sliver gap between them) is
    # never dropped: it goes to the smaller code of that boundary's pair, and into its strip.
    gap = on_line & (unit < 0) & (near_pair >= 0)
    if gap.any():
        pair_codes = [index.pair_codes[p] for p in near_pair[gap]]
        unit[gap] = [
            min((index.rank_of[c] for c in codes if c in index.rank_of), default=-1)
            for codes in pair_codes
        ]
    strayed = on_line & (side < 0) & (near_pair >= 0) & (unit >= 0)
    if strayed.any() and index.n_sides:
        for i in np.flatnonzero(strayed):
            sides = np.flatnonzero(index.side_pair == near_pair[i])
            if not len(sides):
                continue
            own = sides[index.side_owner[sides] == unit[i]]
            side[i] = own[0] if len(own) else sides[0]
    _home_side(index, unit, side)
    no_context = np.zeros(n, bool)
    outside = np.flatnonzero(unit < 0)
    if len(outside):
        context = index.context
        if context is None:
            no_context[outside] = True
        else:
            found = context.locate(ux[outside], uy[outside])
            unit[outside] = np.where(found >= 0, -2 - found, -1)
    return {
        "unit": unit,
        "side": side,
        "junction": junction,
        "dist": dist,
        "no_context": no_context,
    }


def _home_side(index: _ZoneIndex, unit, side) -> None:
    """When the home unit is one of the zone's two codes, the side is the home unit's.

    A strip side is its owner's part of the strip, so this is what the polygons say away
    from the edge; on the edge itself (a shared vertex, say) the strips, cut in metres and
    brought back to degrees, may miss the point by a fraction of a millimetre on one side.
    """
    chosen = np.flatnonzero((side >= 0) & (unit >= 0))
    if not len(chosen) or not index.n_sides:
        return
    wrong = chosen[index.side_owner[side[chosen]] != unit[chosen]]
    if not len(wrong):
        return
    n_units = index.n_units
    keys = index.side_pair * n_units + index.side_owner
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    want = index.side_pair[side[wrong]] * n_units + unit[wrong]
    pos = np.clip(np.searchsorted(keys, want), 0, len(keys) - 1)
    hit = keys[pos] == want
    side[wrong[hit]] = order[pos[hit]]


def _resolve_members(index: _ZoneIndex, ux, uy, mx, my, near_pair):
    """Home unit, strip side and junction of each point (indices, -1 for none)."""
    locator = index.locator
    group, pg, pp, n_groups = locator.groups(ux, uy)
    big = np.iinfo(np.int64).max
    nu, ns = index.n_units, index.n_sides
    is_unit = pp < nu
    is_side = (pp >= nu) & (pp < nu + ns)
    is_junc = pp >= nu + ns

    # Home unit: the smallest code covering the group (units are sorted by code).
    g_unit = np.full(n_groups, big)
    np.minimum.at(g_unit, pg[is_unit], pp[is_unit])
    g_unit[g_unit == big] = -1
    unit = g_unit[group]

    side = _choose_side(index, group, pg[is_side], pp[is_side] - nu, g_unit, mx, my, near_pair)
    junction = _choose_junction(index, group, n_groups, pg[is_junc], pp[is_junc] - nu - ns, mx, my)
    return unit, side, junction


def _choose_side(index, group, sg, sp, g_unit, mx, my, near_pair):
    n = len(group)
    side = np.full(n, -1, np.int64)
    if not len(sg):
        return side
    # Rule 1: sides owned by the home unit, when the group has any.
    owned = index.side_owner[sp] == g_unit[sg]
    has_owned = np.zeros(len(g_unit), bool)
    has_owned[sg[owned]] = True
    keep = owned | ~has_owned[sg]
    sg, sp = sg[keep], sp[keep]
    # Of the two sides of one pair (neither owned by the home unit), the smaller code.
    cand = pd.DataFrame(
        {"g": sg, "pair": index.side_pair[sp], "owner": index.side_code[sp], "side": sp}
    ).sort_values(["g", "pair", "owner"], kind="stable")
    cand = cand.drop_duplicates(["g", "pair"])
    counts = cand.groupby("g", sort=False).size()
    single = cand[cand.g.map(counts).to_numpy() == 1]
    n_groups = len(g_unit)
    g_side = np.full(n_groups, -1, np.int64)
    g_side[single.g.to_numpy()] = single.side.to_numpy()
    side = g_side[group]
    multi_groups = counts.index[counts.to_numpy() > 1].to_numpy()
    if not len(multi_groups):
        return side
    # Rule 2: of several pairs, the nearest shared boundary; the k-d search already knows it.
    is_multi = np.zeros(n_groups, bool)
    is_multi[multi_groups] = True
    pts = np.flatnonzero(is_multi[group])
    multi = cand[is_multi[cand.g.to_numpy()]]
    n_pairs = len(index.pair_ids)
    keys = multi.g.to_numpy() * n_pairs + multi.pair.to_numpy()
    order = np.argsort(keys)
    keys, sides = keys[order], multi.side.to_numpy()[order]
    want = group[pts] * n_pairs + np.where(near_pair[pts] >= 0, near_pair[pts], 0)
    pos = np.clip(np.searchsorted(keys, want), 0, max(len(keys) - 1, 0))
    found = (keys[pos] == want) & (near_pair[pts] >= 0)
    side[pts[found]] = sides[pos[found]]
    rest = pts[~found]
    if len(rest):
        # The nearest boundary's pair does not cover the point (per-pair widths): measure
        # the distance to each covering pair's boundary, nearest wins, ties to the smaller id.
        exp = multi.set_index("g").loc[group[rest]]
        point = np.repeat(rest, multi.groupby("g").size().loc[group[rest]].to_numpy())
        lines = index.pair_lines[exp.pair.to_numpy()]
        d = shapely.distance(shapely.points(mx[point], my[point]), lines)
        d = np.where(np.isnan(d), np.inf, d)
        pick = pd.DataFrame(
            {
                "p": point,
                "d": d,
                "pair": exp.pair.to_numpy(),
                "side": exp.side.to_numpy(),
            }
        ).sort_values(["p", "d", "pair"])
        first = pick.drop_duplicates("p")
        side[first.p.to_numpy()] = first.side.to_numpy()
    return side


def _choose_junction(index, group, n_groups, jg, jp, mx, my):
    junction = np.full(len(group), -1, np.int64)
    if not len(jg):
        return junction
    counts = np.bincount(jg, minlength=n_groups)
    g_junc = np.full(n_groups, -1, np.int64)
    one = counts[jg] == 1
    g_junc[jg[one]] = jp[one]
    junction = g_junc[group]
    multi = np.flatnonzero(counts[group] > 1)
    if len(multi):
        # Several junction zones overlap: the nearest junction point wins, ties to the
        # smaller junction_id (junctions are sorted by id).
        order = np.argsort(jg, kind="stable")
        jg_s, jp_s = jg[order], jp[order]
        start = np.searchsorted(jg_s, group[multi])
        k = counts[group[multi]]
        point = np.repeat(multi, k)
        offs = np.arange(k.sum()) - np.repeat(np.cumsum(k) - k, k)
        cand = jp_s[np.repeat(start, k) + offs]
        xy = index.junction_xy[cand]
        d = np.hypot(mx[point] - xy[:, 0], my[point] - xy[:, 1])
        sel = np.lexsort((cand, d, point))
        point, cand = point[sel], cand[sel]
        first = np.r_[True, point[1:] != point[:-1]]
        junction[point[first]] = cand[first]
    return junction


def _categorical(codes: np.ndarray, categories: np.ndarray) -> pd.Categorical:
    """Codes into ``categories`` (which may repeat or hold None) as a Categorical."""
    cats = pd.Index(categories, dtype=object)
    if cats.has_duplicates or cats.hasnans:
        uniq = pd.Index(pd.unique(cats.dropna()), dtype=object)
        remap = np.append(uniq.get_indexer(cats), -1)  # position -1 stays missing
        codes = remap[np.where(codes >= 0, codes, len(cats))]
        cats = uniq
    return pd.Categorical.from_codes(codes, categories=cats)


def _assemble(frame, index: _ZoneIndex, res: dict, usable, status_in) -> gpd.GeoDataFrame:
    n = len(frame)
    unit = res["unit"]
    ctx = index.__dict__.get("context")
    member = unit >= 0
    in_ctx = unit <= -2
    ctx_idx = -2 - unit
    n_members = index.n_units

    # One code table for member and context units, so chunks share categories.
    ctx_codes = ctx.codes if ctx is not None else np.empty(0, object)
    all_codes = np.concatenate([index.codes, ctx_codes])
    all_names = np.concatenate([index.names, ctx.names if ctx is not None else []])
    all_prov = np.concatenate([index.provinces, ctx.provinces if ctx is not None else []])
    code_idx = np.where(member, unit, np.where(in_ctx, n_members + ctx_idx, -1))

    out = frame.copy(deep=False)
    for col in CLASSIFY_COLUMNS:
        if col in out and col not in ("status", "status_detail"):
            del out[col]
    side = res["side"]
    out["unit_code"] = _categorical(code_idx, all_codes)
    out["unit_name"] = _categorical(code_idx, all_names.astype(object))
    out["province_code"] = _categorical(code_idx, all_prov.astype(object))
    out["zone"] = pd.Categorical.from_codes(
        np.where(side >= 0, index.side_pair[np.maximum(side, 0)], -1),
        categories=pd.Index(index.pair_ids, dtype=object),
    )
    out["side"] = _categorical(side, index.side_code)
    out["junction"] = pd.Categorical.from_codes(
        res["junction"], categories=pd.Index(index.junction_ids, dtype=object)
    )
    out["dist_to_border_m"] = res["dist"]
    out["in_zone"] = side >= 0
    out["on_boundary"] = res["dist"] <= ON_BOUNDARY_M

    located = np.full(n, "outside_all_units", dtype=object)
    located[in_ctx | res["no_context"]] = "outside_members"
    located[member] = "ok"
    detail_new = np.full(n, "", dtype=object)
    if in_ctx.any():
        text = np.array(
            [
                f"in {c} {nm}, not a member of agreement {index.agreement_id!r}"
                for c, nm in zip(ctx.codes, ctx.names, strict=True)
            ],
            dtype=object,
        )
        detail_new[in_ctx] = text[ctx_idx[in_ctx]]
    if res["no_context"].any():
        detail_new[res["no_context"]] = (
            "in no member unit; the agreement has no full layer to tell a neighbour from "
            "sea or abroad (pass all_units=)"
        )
    lost = usable & ~member & ~in_ctx & ~res["no_context"]
    if lost.any():
        label = ctx.label if ctx is not None else "the dataset"
        detail_new[lost] = f"in no unit of {label}: at sea or abroad"

    bad = res["unprojectable"]
    if bad.any():
        usable = usable & ~bad
        status_in = status_in.copy()
        status_in[bad] = "invalid_coordinate"
    status = status_in.copy()
    detail = (
        frame["status_detail"]
        .astype(object)
        .where(frame["status_detail"].notna(), "")
        .to_numpy(dtype=object, copy=True)
    )
    detail[bad] = f"the point cannot be projected to {index.metric.name}"
    replace = usable & np.isin(status_in, list(_LOCATED))
    status[replace] = located[replace]
    detail[replace] = detail_new[replace]
    # Warning statuses from read_points (swapped_fixed, duplicate_id) stay; where the point is
    # also outside the members, the detail says so.
    warned = usable & ~replace & (located != "ok")
    for i in np.flatnonzero(warned):
        detail[i] = (
            f"{detail[i]}; {located[i]}: {detail_new[i]}"
            if detail[i]
            else f"{located[i]}: {detail_new[i]}"
        )
    # A caller's own status values (a GeoDataFrame with a status column) are kept too.
    extra = pd.Index(pd.unique(status)).difference(_STATUS_CATEGORIES)
    out["status"] = pd.Categorical(status, categories=_STATUS_CATEGORIES.append(extra))
    out["status_detail"] = detail
    return out


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------

_WRITERS = (".csv", ".xlsx", ".geojson", ".gpkg", ".parquet")


def classify_file(
    input_path,
    agreement,
    output_path,
    *,
    chunksize: int = 250_000,
    progress: bool = True,
    width_m: float | None = None,
    junction_radius_m: float | None = None,
    level: str | None = None,
    all_units: gpd.GeoDataFrame | None = None,
    **read_options,
) -> dict[str, int]:
    """Classify a points file of any size chunk by chunk and write the result.

    Memory stays bounded by the chunk size: CSV/TXT inputs are read ``chunksize`` rows at a
    time (:func:`~geozone.points.iter_point_chunks`), classified, and appended to the output.

    Parameters
    ----------
    input_path : path
        Anything :func:`~geozone.points.read_points` reads.
    agreement : Agreement or str
    output_path : path
        ``.csv``, ``.xlsx``, ``.geojson``, ``.gpkg`` or ``.parquet`` (GeoParquet). CSV and
        Excel get the point as WKT in a ``geometry`` column. An existing file is replaced.
    chunksize : int
        Rows per chunk.
    progress : bool
        Show a progress bar (tqdm, on stderr) when the input has more than one chunk.
    width_m, junction_radius_m, level, all_units
        As for :func:`classify_points`.
    **read_options
        ``lat``, ``lon``, ``x``, ``y``, ``crs``, ``fix_swapped``, ``id_column``, ``sheet``,
        ``encoding``: as for :func:`~geozone.points.read_points`.

    Returns
    -------
    dict
        Rows per status, in descending order; the values sum to the number of input rows.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> pd.DataFrame({"lat": [10.0340, 9.9849, "x"], "lon": [105.7876, 105.4556, 105.0]}).to_csv(
    ...     folder / "in.csv", index=False)
    >>> classify_file(folder / "in.csv", "csh-tay-nam-2025", folder / "out.csv", progress=False)
    {'ok': 2, 'invalid_coordinate': 1}
    >>> pd.read_csv(folder / "out.csv")["zone"].tolist()
    [nan, '91-92', nan]
    """
    from geozone.points import iter_point_chunks

    suffix = Path(output_path).suffix.lower()
    if suffix not in _WRITERS:
        raise InputError(
            f"output {output_path}: unknown format {suffix!r}; use one of {', '.join(_WRITERS)}"
        )
    agreement = _resolve_agreement(agreement, level)
    index = _index(
        agreement,
        _width(agreement, width_m),
        _width(agreement, junction_radius_m, width_m),
        all_units,
    )
    options = {k: v for k, v in read_options.items() if v is not None}
    unknown = set(options) - {
        "lat",
        "lon",
        "x",
        "y",
        "crs",
        "fix_swapped",
        "id_column",
        "sheet",
        "encoding",
    }
    if unknown:
        raise InputError(f"unknown option(s) {sorted(unknown)} for reading points")
    chunks = iter_point_chunks(input_path, chunksize=chunksize, **options)
    total = _count_rows(input_path) if progress else None
    bar = None
    if progress and (total is None or total > chunksize):
        from tqdm.auto import tqdm

        bar = tqdm(total=total, unit=" rows", desc="classify", unit_scale=True)
    writer = _Writer(Path(output_path), suffix)
    counts: dict[str, int] = {}
    try:
        for chunk in chunks:
            done = _classify_frame(chunk, index)
            for key, value in done["status"].value_counts(sort=False).items():
                if value:
                    counts[str(key)] = counts.get(str(key), 0) + int(value)
            writer.write(done)
            if bar is not None:
                bar.update(len(done))
    finally:
        if bar is not None:
            bar.close()
        writer.close()
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _count_rows(path) -> int | None:
    """Data rows of a text file (newlines minus the header), fast; None for other formats."""
    path = Path(path)
    if path.suffix.lower() not in _TEXT_SUFFIXES:
        return None
    lines, last = 0, b"\n"
    with open(path, "rb") as fh:
        while block := fh.read(1 << 24):
            lines += block.count(b"\n")
            last = block[-1:]
    return max(lines + (last != b"\n") - 1, 0)


def _plain(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    """Categoricals as plain text columns, for writers that know no categories."""
    out = pd.DataFrame(frame)
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


class _Writer:
    def __init__(self, path: Path, suffix: str):
        self.path, self.suffix = path, suffix
        self.first = True
        self._parquet = None
        self._book = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            self.path.unlink()

    def write(self, frame: gpd.GeoDataFrame) -> None:
        table = _plain(frame)
        name = frame.geometry.name
        if self.suffix in (".csv", ".xlsx"):
            geoms = frame.geometry.values
            table[name] = np.where(
                shapely.is_missing(geoms),
                None,
                shapely.to_wkt(geoms, rounding_precision=-1),
            )
        if self.suffix == ".csv":
            table.to_csv(
                self.path,
                mode="w" if self.first else "a",
                header=self.first,
                index=False,
                encoding="utf-8",
            )
        elif self.suffix == ".xlsx":
            self._write_xlsx(table)
        elif self.suffix in (".geojson", ".gpkg"):
            import pyogrio

            geo = gpd.GeoDataFrame(table, geometry=name, crs=frame.crs)
            pyogrio.write_dataframe(geo, self.path, append=not self.first)
        else:
            self._write_parquet(gpd.GeoDataFrame(table, geometry=name, crs=frame.crs))
        self.first = False

    def _write_xlsx(self, table: pd.DataFrame) -> None:
        if self._book is None:
            from openpyxl import Workbook

            self._book = Workbook(write_only=True)
            self._sheet = self._book.create_sheet("classified")
            self._sheet.append([str(c) for c in table.columns])
            self._rows = 0
        if self._rows + len(table) > 1_048_575:
            raise InputError(
                f"{self.path}: more than 1,048,575 rows do not fit in an Excel "
                "sheet; write .csv, .gpkg or .parquet"
            )
        for record in table.astype(object).where(table.notna(), None).itertuples(index=False):
            self._sheet.append(list(record))
        self._rows += len(table)

    def _write_parquet(self, frame: gpd.GeoDataFrame) -> None:
        import json

        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table(frame.to_arrow(geometry_encoding="WKB", index=False))
        if self._parquet is None:
            geo = {
                "version": "1.0.0",
                "primary_column": frame.geometry.name,
                "columns": {
                    frame.geometry.name: {
                        "encoding": "WKB",
                        "geometry_types": ["Point"],
                        "crs": pyproj.CRS(frame.crs).to_json_dict() if frame.crs else None,
                    }
                },
            }
            meta = dict(table.schema.metadata or {})
            meta[b"geo"] = json.dumps(geo).encode()
            self._schema = table.schema.with_metadata(meta)
            self._parquet = pq.ParquetWriter(self.path, self._schema)
        self._parquet.write_table(table.cast(self._schema))

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        if self._book is not None:
            self._book.save(self.path)
        if self.first and self.suffix == ".csv":  # no chunk at all: still leave a file
            self.path.write_text("")


# --------------------------------------------------------------------------------------------
# Patrol coverage
# --------------------------------------------------------------------------------------------


def patrol_coverage(
    patrol_points,
    agreement,
    radius_m: float,
    *,
    width_m: float | None = None,
    level: str | None = None,
    **read_options,
) -> gpd.GeoDataFrame:
    """How much of each shared boundary came within ``radius_m`` of a patrol point.

    Parameters
    ----------
    patrol_points : GeoDataFrame, DataFrame or path
        Any :func:`classify_points` input; rows without a usable point are ignored.
    agreement : Agreement or str
    radius_m : float
        A stretch of boundary is covered when a patrol point is within this distance of it.
    width_m : float, optional
        The strip width of the agreement's index (only changes which cached index is used).
    level : str, optional
    **read_options
        As for :func:`~geozone.points.read_points`.

    Returns
    -------
    GeoDataFrame
        One row per pair (``pair_id`` order): ``pair_id``, ``shared_length_m``,
        ``covered_length_m``, ``covered_share`` (0–1), and the uncovered stretches as
        (Multi)LineString geometry in the agreement's CRS (empty when fully covered). Lengths
        are exact in the metric CRS: each piece of boundary is cut where the circles of radius
        ``radius_m`` around the patrol points cross it.

    Examples
    --------
    >>> import pandas as pd
    >>> cov = patrol_coverage(pd.DataFrame({"lat": [9.9849], "lon": [105.4556]}),
    ...                       "csh-tay-nam-2025", 2000)
    >>> row = cov.set_index("pair_id").loc["91-92"]
    >>> round(row.covered_length_m), round(float(row.covered_share), 4), round(row.shared_length_m)
    (3919, 0.0236, 165986)
    """
    if not radius_m > 0:
        raise InputError(f"radius_m must be a positive number of metres, got {radius_m!r}")
    agreement = _resolve_agreement(agreement, level)
    index = _index(agreement, _width(agreement, width_m), _width(agreement, None, width_m), None)
    frame = _as_points(
        patrol_points,
        {
            k: read_options.get(k)
            for k in (
                "crs",
                "fix_swapped",
                "lat",
                "lon",
                "x",
                "y",
                "id_column",
                "sheet",
                "encoding",
            )
        },
    )
    geoms = frame.geometry.values
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms)) & (shapely.get_type_id(geoms) == 0)
    ok &= ~np.isin(frame["status"].astype(object).to_numpy(), _NO_POINT)
    to_metric = transformer(pyproj.CRS(frame.crs), index.metric)
    mx, my = to_metric.transform(shapely.get_x(geoms[ok]), shapely.get_y(geoms[ok]))
    mx, my = np.asarray(mx), np.asarray(my)
    finite = np.isfinite(mx) & np.isfinite(my)
    mx, my = mx[finite], my[finite]

    nb = index.nearest
    a, b, rank = nb.a, nb.b, nb.rank
    seg_len = np.sqrt(nb.len2)
    covered = np.zeros(len(a))
    intervals = [np.empty(0, np.int64), np.empty(0), np.empty(0)]
    if len(a) and len(mx):
        tree = shapely.STRtree(shapely.linestrings(np.stack([a, b], axis=1)))
        pts = shapely.points(mx, my)
        p, s = tree.query(pts, predicate="dwithin", distance=radius_m)
        intervals = _circle_intervals(a[s], b[s], mx[p], my[p], radius_m)
        intervals = [s[intervals[0]], intervals[1], intervals[2]]
    seg, t0, t1 = _merge_intervals(*intervals)
    np.add.at(covered, seg, (t1 - t0) * seg_len[seg])

    to_crs = transformer(index.metric, index.crs)
    gaps = _gaps(len(a), seg, t0, t1)
    rows = []
    for r, pid in enumerate(index.pair_ids):
        mine = rank == r
        shared = float(seg_len[mine].sum())
        cov = float(covered[mine].sum())
        g_seg, g0, g1 = (arr[mine[gaps[0]]] for arr in gaps)
        if len(g_seg):
            start = a[g_seg] + g0[:, None] * (b[g_seg] - a[g_seg])
            end = a[g_seg] + g1[:, None] * (b[g_seg] - a[g_seg])
            pieces = shapely.linestrings(np.stack([start, end], axis=1))
            geom = shapely.line_merge(shapely.union_all(pieces))
            geom = shapely.transform(geom, _xy(to_crs), interleaved=False)
        else:
            geom = shapely.MultiLineString()
        rows.append(
            {
                "pair_id": pid,
                "shared_length_m": shared,
                "covered_length_m": cov,
                "covered_share": cov / shared if shared > 0 else np.nan,
                "geometry": geom,
            }
        )
    return gpd.GeoDataFrame(
        rows,
        columns=[
            "pair_id",
            "shared_length_m",
            "covered_length_m",
            "covered_share",
            "geometry",
        ],
        geometry="geometry",
        crs=index.crs,
    )


def _circle_intervals(a, b, px, py, r):
    """The part ``[t0, t1]`` of each segment ``a→b`` within ``r`` of its point, as fractions."""
    dx, dy = b[:, 0] - a[:, 0], b[:, 1] - a[:, 1]
    fx, fy = a[:, 0] - px, a[:, 1] - py
    qa = dx * dx + dy * dy
    qb = 2 * (fx * dx + fy * dy)
    qc = fx * fx + fy * fy - r * r
    disc = qb * qb - 4 * qa * qc
    with np.errstate(invalid="ignore", divide="ignore"):
        root = np.sqrt(np.maximum(disc, 0))
        t0 = np.where(qa > 0, (-qb - root) / (2 * qa), 0.0)
        t1 = np.where(qa > 0, (-qb + root) / (2 * qa), 1.0)
    t0, t1 = np.clip(t0, 0, 1), np.clip(t1, 0, 1)
    keep = (disc >= 0) & (t1 > t0)
    return np.flatnonzero(keep), t0[keep], t1[keep]


def _merge_intervals(seg, t0, t1):
    """Union of intervals per segment (sorted), as (segment, start, end)."""
    if not len(seg):
        return seg, t0, t1
    # Offsetting each segment by 2 keeps intervals of different segments apart.
    lo, hi = seg * 2.0 + t0, seg * 2.0 + t1
    order = np.argsort(lo, kind="stable")
    lo, hi, seg = lo[order], hi[order], seg[order]
    reach = np.maximum.accumulate(hi)
    new = np.r_[True, lo[1:] > reach[:-1]]
    group = np.cumsum(new) - 1
    starts = lo[new]
    ends = np.zeros(group[-1] + 1)
    np.maximum.at(ends, group, hi)
    s = seg[new]
    return s, starts - s * 2.0, ends - s * 2.0


def _gaps(n_seg, seg, t0, t1):
    """Complement of merged intervals on each of ``n_seg`` segments."""
    out_s, out_0, out_1 = [], [], []
    bare = np.setdiff1d(np.arange(n_seg), seg)
    out_s.append(bare)
    out_0.append(np.zeros(len(bare)))
    out_1.append(np.ones(len(bare)))
    if len(seg):
        first = np.r_[True, seg[1:] != seg[:-1]]
        last = np.r_[seg[1:] != seg[:-1], True]
        out_s.append(seg[first])
        out_0.append(np.zeros(first.sum()))
        out_1.append(t0[first])
        inner = ~last
        out_s.append(seg[inner])
        out_0.append(t1[inner])
        out_1.append(t0[np.flatnonzero(inner) + 1])
        out_s.append(seg[last])
        out_0.append(t1[last])
        out_1.append(np.ones(last.sum()))
    s, g0, g1 = (np.concatenate(v) for v in (out_s, out_0, out_1))
    keep = g1 - g0 > 1e-12
    order = np.lexsort((g0[keep], s[keep]))
    return s[keep][order], g0[keep][order], g1[keep][order]


# --------------------------------------------------------------------------------------------
# Summaries
# --------------------------------------------------------------------------------------------


def _norm(label) -> str:
    text = unicodedata.normalize("NFD", str(label).strip().lower()).replace("đ", "d")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return "_".join(text.replace("-", " ").split())


def _date_column(frame: pd.DataFrame, date_column):
    if date_column is not None:
        if date_column not in frame:
            raise InputError(
                f"date_column={date_column!r} is not a column; the table has {list(frame.columns)}"
            )
        return date_column
    by_name = {_norm(c): c for c in frame.columns}
    return next((by_name[n] for n in _DATE_NAMES if n in by_name), None)


def _parse_dates(values: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    text = values.astype(object).where(values.notna(), None)
    iso = text.astype(str).str.match(r"^\s*\d{4}-\d{1,2}-\d{1,2}")
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    if iso.any():
        out[iso] = pd.to_datetime(text[iso], errors="coerce", format="mixed")
    rest = ~iso & text.notna()
    if rest.any():
        # Vietnamese records write dd/mm/yyyy: 07/08/2025 is the 7th of August.
        out[rest] = pd.to_datetime(text[rest], errors="coerce", dayfirst=True, format="mixed")
    return out


def zone_summary(
    classified: pd.DataFrame,
    by: Iterable[str] = ("zone", "side"),
    period: str | None = "M",
    date_column=None,
) -> pd.DataFrame:
    """Count classified rows per zone, side and period — the table agreement reviews report.

    Parameters
    ----------
    classified : DataFrame
        The output of :func:`classify_points`.
    by : sequence of str
        Columns to group by (``zone``, ``side``, ``junction``, ``unit_code``…).
    period : str or None
        A pandas period alias (``"M"`` months, ``"Q"`` quarters, ``"Y"`` years, ``"W"``…); None
        for no period column.
    date_column : str, optional
        The date column; by default the first of ``date``, ``ngay``/``ngày``, ``thoi_gian``,
        ``datetime``, ``time``… (names compared without case and diacritics). Text dates are
        read day first (``07/08/2025`` is 7 August); ISO dates as such.

    Returns
    -------
    DataFrame
        Columns ``by``, ``period`` (``"2025-08"``…; ``"no date"`` when the date is missing or
        unreadable; absent when no period) and ``count``. Located rows in no strip are counted
        under ``zone`` = :data:`OUTSIDE_ZONES`; rows without a usable point under their status
        in brackets (``"(missing_coordinate)"``); other ``by`` values of such rows are ``"-"``.
        The counts sum to the number of input rows.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"lat": [9.9849, 9.9850, 10.0340, None],
    ...                    "lon": [105.4556, 105.4556, 105.7876, 105.0],
    ...                    "ngày": ["07/08/2025", "15/09/2025", "2025-09-02", "01/09/2025"]})
    >>> out = classify_points(df, "csh-tay-nam-2025")
    >>> zone_summary(out).values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['(missing_coordinate)', '-', '2025-09', 1], ['91-92', '91', '2025-08', 1],
     ['91-92', '91', '2025-09', 1], ['outside zones', '-', '2025-09', 1]]
    """
    by = [by] if isinstance(by, str) else list(by)
    missing = [c for c in ("zone", "status", *by) if c not in classified]
    if missing:
        raise InputError(f"zone_summary needs the columns of classify_points; missing {missing}")
    table = pd.DataFrame(index=classified.index)
    located = ~classified["status"].astype(object).isin(list(_NO_POINT)).to_numpy()
    zone = classified["zone"].astype(object)
    unlocated = "(" + classified["status"].astype(object).astype(str) + ")"
    zone_label = zone.where(zone.notna(), np.where(located, OUTSIDE_ZONES, unlocated))
    for col in by:
        values = zone_label if col == "zone" else classified[col].astype(object)
        table[col] = values.where(values.notna(), "-")
    keys = list(by)
    if period is not None:
        column = _date_column(classified, date_column)
        if column is None:
            raise InputError(
                "no date column found (looked for date, ngay/ngày, thoi_gian, datetime, time); "
                "pass date_column= or period=None"
            )
        dates = _parse_dates(classified[column])
        labels = dates.dt.to_period(period).astype(str)
        table["period"] = labels.where(dates.notna(), "no date")
        keys.append("period")
    if not keys:
        return pd.DataFrame({"count": [len(classified)]})
    counts = table.groupby(keys, dropna=False, sort=True).size().rename("count").reset_index()
    return counts
