"""What every map draws, prepared once: the agreement's layers in its metric CRS, simplified
for display, with each strip and boundary tagged with its member pair and colour.

Maps never compute zones: units, pairs, shared boundaries, strips and junctions come from the
:class:`~geozone.Agreement`; this module only projects, simplifies and styles them.

Simplification
    Unit polygons go through :func:`shapely.coverage_simplify`, which simplifies each shared
    edge once, so neighbours still meet exactly and no slivers open between them. The shared
    boundary lines are then cut from the simplified polygons (the common edge of the two
    units), so they sit exactly on the drawn edges. Strips are simplified pair by pair with
    the same coverage-aware method (the two sides of a pair form a small coverage), which keeps
    the sides meeting along the border. The tolerance follows the drawing's resolution: by
    default a third of a pixel when the agreement's extent spans ``pixels`` pixels, clamped
    to 5–250 m — invisible at the first view, and still below a couple of pixels three zoom
    levels in.
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geozone.crs import metric_crs
from geozone.errors import InputError
from geozone.maps import style

__all__ = ["DisplayLayers", "display_layers", "display_tolerance_m", "prepare_points"]

_MIN_TOL_M = 5.0
_MAX_TOL_M = 250.0


def display_tolerance_m(bounds, pixels: int = 2000) -> float:
    """Simplification tolerance for drawing ``bounds`` (metres) across ``pixels`` pixels.

    A third of a pixel at that scale, clamped to 5–250 m.

    Examples
    --------
    >>> display_tolerance_m((0, 0, 360_000, 290_000), pixels=2000)
    60.0
    >>> display_tolerance_m((0, 0, 1000, 1000))
    5.0
    """
    minx, miny, maxx, maxy = bounds
    extent = max(maxx - minx, maxy - miny)
    if not math.isfinite(extent) or extent <= 0:
        return _MIN_TOL_M
    return float(min(max(extent / pixels / 3.0, _MIN_TOL_M), _MAX_TOL_M))


@dataclass
class DisplayLayers:
    """An agreement's layers ready to draw, all in ``crs`` (metres)."""

    crs: pyproj.CRS
    tolerance_m: float
    width_m: float
    radius_m: float
    level: str
    member_level: str
    units: gpd.GeoDataFrame
    members: gpd.GeoDataFrame
    boundaries: gpd.GeoDataFrame
    strips: gpd.GeoDataFrame
    junctions: gpd.GeoDataFrame
    pairs: pd.DataFrame
    context: gpd.GeoDataFrame | None = None
    extra_datasets: list = field(default_factory=list)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return tuple(self.units.total_bounds)

    @property
    def focus_bounds(self) -> tuple[float, float, float, float]:
        """Bounds of what the map is about: each member's main land (its parts of at least a
        quarter of its largest part's area) and the strips. Far islands (Phú Quốc, Côn Đảo)
        are left to the edges, so the borders are drawn as large as the frame allows."""
        geoms = []
        for geom in self.members.geometry.values:
            parts = shapely.get_parts(geom)
            if len(parts) == 0:
                continue
            areas = shapely.area(parts)
            geoms.extend(parts[areas >= 0.25 * areas.max()])
        geoms.extend(self.strips.geometry.values)
        if not geoms:
            return self.bounds
        return tuple(shapely.total_bounds(np.asarray(geoms, dtype=object)))

    def to_wgs84(self, name: str) -> gpd.GeoDataFrame:
        frame = getattr(self, name)
        return frame.to_crs(4326)


def _short_name(value) -> str:
    if not isinstance(value, str):
        return "" if value is None else str(value)
    from geozone.names import split_unit_type

    try:
        return split_unit_type(value)[1] or value
    except Exception:  # a name the splitter does not parse is shown as it is
        return value


_TYPE_ABBREVIATIONS = {
    "thành phố": "TP.",
    "thị xã": "TX.",
    "quận": "Q.",
    "huyện": "H.",
    "phường": "P.",
    "xã": "X.",
    "thị trấn": "TT.",
    "đặc khu": "ĐK.",
    "tỉnh": "T.",
}


def label_names(names, reserved=()) -> list[str]:
    """Map labels: unit names without their type (``Huyện Củ Chi`` → ``Củ Chi``), except where
    the bare name would mislead — a number (``Quận 1`` → ``Q. 1``) or a name that is also a
    member's (``Thành phố Tây Ninh`` → ``TP. Tây Ninh`` beside the province ``Tây Ninh``).

    Examples
    --------
    >>> label_names(["Huyện Củ Chi", "Quận 1", "Thành phố Tây Ninh", "Ninh Kiều"],
    ...             reserved={"Tây Ninh"})
    ['Củ Chi', 'Q. 1', 'TP. Tây Ninh', 'Ninh Kiều']
    """
    from geozone.names import split_unit_type

    reserved = set(reserved)
    out = []
    for name in names:
        if not isinstance(name, str):
            out.append("" if name is None else str(name))
            continue
        try:
            kind, bare = split_unit_type(name)
        except Exception:  # a name the splitter does not parse is shown as it is
            kind, bare = None, name
        if not kind or not bare:
            out.append(name)
        elif bare.replace(" ", "").isdigit() or bare in reserved:
            out.append(f"{_TYPE_ABBREVIATIONS.get(kind.lower(), kind)} {bare}")
        else:
            out.append(bare)
    return out


def member_names(agreement) -> dict[str, str]:
    """Member code → short name (without the unit type) for legends."""
    units = agreement.units
    names = {}
    if agreement.level == agreement.member_level and "name" in units:
        names = dict(zip(units["code"].astype(str), units["name"], strict=True))
    out = {}
    for code, name in zip(agreement.members["code"], agreement.members["name"], strict=True):
        short = names.get(str(code)) or _short_name(name) or str(code)
        out[str(code)] = style.clean(short)
    return out


def _simplify_coverage(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    if len(geoms) == 0:
        return geoms
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        simple = shapely.coverage_simplify(geoms, tolerance)
    # The catalog's layers are not perfect coverages (overlaps of a few metres); where the
    # simplifier cannot keep a polygon valid, repair it rather than draw a broken ring.
    bad = ~shapely.is_valid(simple)
    if bad.any():
        simple[bad] = shapely.make_valid(simple[bad])
        simple[bad] = [_polygonal(g) for g in simple[bad]]
    empty = shapely.is_empty(simple)
    if empty.any():  # a sliver that collapsed: keep the original rather than lose the unit
        simple[empty] = geoms[empty]
    return simple


def _polygonal(geom):
    if geom is None or geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _drop_small_holes(geom, min_area: float):
    if geom is None or geom.is_empty:
        return geom
    polys = []
    for poly in getattr(geom, "geoms", [geom]):
        if poly.geom_type != "Polygon":
            continue
        holes = [r for r in poly.interiors if shapely.Polygon(r).area >= min_area]
        polys.append(shapely.Polygon(poly.exterior, holes))
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def _member_map(agreement) -> dict[str, str]:
    units = agreement.units
    return dict(zip(units["code"].astype(str), units["member"].astype(str), strict=True))


def _pair_key(a: str, b: str) -> str:
    a, b = sorted((str(a), str(b)))
    return f"{a}-{b}"


def _shared_edges(units_simple: gpd.GeoDataFrame, code_a: str, code_b: str):
    geom = dict(zip(units_simple["code"], units_simple.geometry.values, strict=True))
    if code_a not in geom or code_b not in geom:
        return None
    line = shapely.intersection(shapely.boundary(geom[code_a]), shapely.boundary(geom[code_b]))
    lines = [
        g
        for g in getattr(line, "geoms", [line])
        if g.geom_type in ("LineString", "MultiLineString") and not g.is_empty
    ]
    if not lines:
        return None
    return shapely.line_merge(shapely.union_all(lines))


def display_layers(
    agreement,
    width_m: float | None = None,
    *,
    radius_m: float | None = None,
    tolerance_m: float | None = None,
    pixels: int = 2000,
    context: bool = True,
) -> DisplayLayers:
    """Project, simplify and style an agreement's layers for drawing.

    Parameters
    ----------
    agreement : Agreement
    width_m : float, optional
        Strip width; the agreement's by default.
    radius_m : float, optional
        Junction radius; the strip width by default.
    tolerance_m : float, optional
        Simplification tolerance; by default :func:`display_tolerance_m` of the extent.
    pixels : int
        Pixels the extent will span (sets the default tolerance).
    context : bool
        Also load the neighbouring non-member units (the member level's layer) for context.

    Returns
    -------
    DisplayLayers
    """
    width = float(agreement.width_m if width_m is None else width_m)
    radius = width if radius_m is None else float(radius_m)
    units_ll = agreement.units
    crs = metric_crs(units_ll)
    units = units_ll.to_crs(crs)
    tol = (
        display_tolerance_m(units.total_bounds, pixels)
        if tolerance_m is None
        else float(tolerance_m)
    )
    units = units.assign(geometry=_simplify_coverage(units.geometry.values, tol))
    units["code"] = units["code"].astype(str)
    units["member"] = units["member"].astype(str)
    units["name"] = units["name"].map(style.clean)
    names = member_names(agreement)
    units["member_name"] = units["member"].map(names)
    reserved = set(names.values()) if agreement.level != agreement.member_level else ()
    # The full name carries the unit type that label_names needs to tell "TP. Tây Ninh" from
    # the province; layers without one have the type in their name, or none.
    full = (
        units["full_name"].where(units["full_name"].notna(), units["name"])
        if "full_name" in units
        else units["name"]
    )
    units["label"] = label_names(full, reserved)
    member_of = dict(zip(units["code"], units["member"], strict=True))

    # Member outlines: the units themselves at the member level, else the union of their
    # simplified sub-units (so outline and sub-unit edges coincide), sliver holes removed.
    if agreement.level == agreement.member_level:
        members = units[["code", "name", "geometry"]].copy()
        members["name"] = members["code"].map(names)
    else:
        groups = units.groupby("member", sort=False)
        outlines = [
            _drop_small_holes(shapely.union_all(part.geometry.values), (20 * tol) ** 2)
            for _, part in groups
        ]
        members = gpd.GeoDataFrame(
            {"code": [k for k, _ in groups], "name": [names.get(k, k) for k, _ in groups]},
            geometry=outlines,
            crs=crs,
        )

    pairs = _pair_table(agreement, names)
    strips = _display_strips(agreement, width, crs, tol, member_of)
    touching = (
        _touching_pairs(strips)
        if len(pairs) > len(style.PALETTE) + len(style.PALETTE_EXTRA)
        else ()
    )
    colours = style.assign_pair_colours(pairs["key"], touching)
    pairs["colour"] = pairs["key"].map(colours)
    shades = pairs["colour"].map(style.side_colours)
    pairs["fill_a"] = shades.str[0]
    pairs["fill_b"] = shades.str[1]
    if len(strips):
        strips["colour"] = strips["pair_key"].map(colours)
        strips["fill"] = [
            style.side_colours(c)[s] if isinstance(c, str) else "#999999"
            for c, s in zip(strips["colour"], strips["side"], strict=True)
        ]
        strips["edge"] = strips["colour"].map(
            lambda c: style.edge_colour(c) if isinstance(c, str) else "#666666"
        )
    boundaries = _display_boundaries(agreement, units, crs, tol, member_of, colours)
    junctions = _display_junctions(agreement, radius, crs, tol, units)
    ctx = _context_layer(agreement, units, crs, tol) if context else None
    extra = [] if ctx is None else [ctx.attrs.get("dataset")]
    return DisplayLayers(
        crs=crs,
        tolerance_m=tol,
        width_m=width,
        radius_m=radius,
        level=agreement.level,
        member_level=agreement.member_level,
        units=units,
        members=members,
        boundaries=boundaries,
        strips=strips,
        junctions=junctions,
        pairs=pairs,
        context=ctx,
        extra_datasets=[d for d in extra if d],
    )


def _pair_table(agreement, names: dict) -> pd.DataFrame:
    table = agreement.member_pairs
    table = table[table["contact"] == "edge"]
    rows = []
    for rec in table.itertuples(index=False):
        a, b = sorted((str(rec.member_a), str(rec.member_b)))
        rows.append(
            {
                "key": f"{a}-{b}",
                "code_a": a,
                "code_b": b,
                "name_a": names.get(a, a),
                "name_b": names.get(b, b),
                "shared_km": float(rec.shared_length_m) / 1000.0,
                "unit_pairs": int(getattr(rec, "unit_pairs", 1)),
            }
        )
    return pd.DataFrame(
        rows, columns=["key", "code_a", "code_b", "name_a", "name_b", "shared_km", "unit_pairs"]
    )


def _display_strips(agreement, width, crs, tol, member_of) -> gpd.GeoDataFrame:
    strips = agreement.strips(width)
    columns = [
        "pair_id",
        "code",
        "neighbour_code",
        "name",
        "neighbour_name",
        "width_m",
        "area_m2",
        "pair_key",
        "side",
        "geometry",
    ]
    if strips is None or len(strips) == 0:
        return gpd.GeoDataFrame(columns=columns, geometry="geometry", crs=crs)
    strips = strips.to_crs(crs).reset_index(drop=True)
    strips["code"] = strips["code"].astype(str)
    strips["neighbour_code"] = strips["neighbour_code"].astype(str)
    own = strips["code"].map(member_of)
    other = strips["neighbour_code"].map(member_of)
    keys = [
        _pair_key(a, b)
        for a, b in zip(
            own.fillna(strips["code"]), other.fillna(strips["neighbour_code"]), strict=True
        )
    ]
    strips["pair_key"] = keys
    strips["side"] = [
        0 if str(m) == k.split("-")[0] else 1
        for m, k in zip(own.fillna(strips["code"]), keys, strict=True)
    ]
    geoms = strips.geometry.values.copy()
    for _, index in strips.groupby("pair_id", sort=False).indices.items():
        geoms[index] = _simplify_coverage(geoms[index], tol)
    strips = strips.set_geometry(geoms)
    strips = strips[~shapely.is_empty(strips.geometry.values)]
    return strips.reset_index(drop=True)


def _touching_pairs(strips: gpd.GeoDataFrame) -> list[tuple[str, str]]:
    if len(strips) == 0:
        return []
    merged = strips.dissolve("pair_key")
    tree = shapely.STRtree(merged.geometry.values)
    left, right = tree.query(merged.geometry.values, predicate="intersects")
    keys = merged.index.to_numpy()
    return [(keys[i], keys[j]) for i, j in zip(left, right, strict=True) if i < j]


def _display_boundaries(agreement, units, crs, tol, member_of, colours) -> gpd.GeoDataFrame:
    lines = agreement.shared_boundaries
    columns = ["code_a", "code_b", "name_a", "name_b", "length_m", "pair_key", "colour", "geometry"]
    if lines is None or len(lines) == 0:
        return gpd.GeoDataFrame(columns=columns, geometry="geometry", crs=crs)
    lines = lines.to_crs(crs).reset_index(drop=True)
    lines["code_a"] = lines["code_a"].astype(str)
    lines["code_b"] = lines["code_b"].astype(str)
    names = dict(zip(units["code"], units["name"], strict=True))
    geoms = []
    for rec, original in zip(lines.itertuples(index=False), lines.geometry.values, strict=True):
        cut = _shared_edges(units, rec.code_a, rec.code_b)
        # Use the edge cut from the simplified polygons when it is the same border (the
        # catalog's overlaps can make two units share less than their reported boundary).
        if cut is not None and cut.length >= 0.8 * shapely.simplify(original, tol).length:
            geoms.append(cut)
        else:
            geoms.append(shapely.simplify(original, tol))
    out = gpd.GeoDataFrame(
        {
            "code_a": lines["code_a"],
            "code_b": lines["code_b"],
            "name_a": lines["code_a"].map(names),
            "name_b": lines["code_b"].map(names),
            "length_m": lines["length_m"].to_numpy()
            if "length_m" in lines
            else shapely.length(lines.geometry.values),
        },
        geometry=geoms,
        crs=crs,
    )
    out["pair_key"] = [
        _pair_key(member_of.get(a, a), member_of.get(b, b))
        for a, b in zip(out["code_a"], out["code_b"], strict=True)
    ]
    out["colour"] = out["pair_key"].map(colours)
    return out


def _display_junctions(agreement, radius, crs, tol, units) -> gpd.GeoDataFrame:
    zones = agreement.junctions(radius)
    columns = ["junction_id", "codes", "n_units", "names", "geometry"]
    if zones is None or len(zones) == 0:
        return gpd.GeoDataFrame(columns=columns, geometry="geometry", crs=crs)
    zones = zones.to_crs(crs).reset_index(drop=True)
    names = dict(zip(units["code"], units["label"], strict=True))
    member_of = dict(zip(units["code"], units["member"], strict=True))
    codes = zones["codes"].map(lambda v: v.split("|") if isinstance(v, str) else list(v))
    zones["names"] = codes.map(lambda cs: ", ".join(str(names.get(str(c), c)) for c in cs))
    zones["codes"] = codes.map(lambda cs: "|".join(map(str, cs)))
    zones["n_members"] = codes.map(lambda cs: len({member_of.get(str(c), c) for c in cs}))
    # Below the member level every point where a unit edge meets the members' border is a
    # junction of two members, and those lie inside the strips anyway: the maps flag the
    # meeting points of three or more members (``major``), which need three-way coordination.
    sub_level = agreement.level != agreement.member_level
    zones["major"] = (zones["n_members"] >= 3) if sub_level else True
    zones = zones.set_geometry(shapely.simplify(zones.geometry.values, tol / 2))
    return zones


def _context_layer(agreement, units, crs, tol):
    """Non-member units of the member level around the agreement, for orientation."""
    dataset_id = getattr(agreement, "datasets", {}).get(agreement.member_level)
    if not dataset_id:
        return None
    from geozone.units import load_units

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layer = load_units(dataset_id, data_dir=getattr(agreement, "data_dir", None))
    except Exception:  # context is decoration: a missing layer must not stop the map
        return None
    minx, miny, maxx, maxy = units.total_bounds
    pad = 0.6 * max(maxx - minx, maxy - miny)
    window = shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad)
    window_ll = gpd.GeoSeries([window], crs=crs).to_crs(4326).iloc[0]
    members = set(agreement.members["code"].astype(str))
    layer = layer[~layer["code"].astype(str).isin(members)]
    layer = layer[layer.intersects(window_ll)]
    if len(layer) == 0:
        return None
    layer = layer.to_crs(crs)
    simple = _simplify_coverage(layer.geometry.values, tol * 2)
    simple = shapely.intersection(simple, window)
    out = gpd.GeoDataFrame(
        {"code": layer["code"].astype(str).values, "name": layer["name"].values},
        geometry=simple,
        crs=crs,
    )
    out = out[~shapely.is_empty(out.geometry.values)].reset_index(drop=True)
    out.attrs["dataset"] = dataset_id
    return out


def prepare_points(points, agreement, width_m=None, *, kind: str = "incidents"):
    """Incident points as a classified GeoDataFrame in EPSG:4326.

    A file path (or a GeoDataFrame without the classification columns) is classified with
    :func:`geozone.classify.classify_points`; an already classified frame is used as it is.
    """
    if points is None:
        return None
    if isinstance(points, str | os.PathLike) or not _is_classified(points):
        try:
            from geozone.classify import classify_points
        except ImportError as exc:  # pragma: no cover - classify ships with geozone
            raise InputError(f"{kind}: cannot classify points: {exc}") from exc
        kwargs = {} if width_m is None else {"width_m": float(width_m)}
        points = classify_points(points, agreement, **kwargs)
    if not isinstance(points, gpd.GeoDataFrame):
        raise InputError(f"{kind}: expected a GeoDataFrame or a file, got {type(points).__name__}")
    if points.crs is None:
        raise InputError(f"{kind}: the GeoDataFrame has no CRS; set one (e.g. gdf.set_crs(4326))")
    points = points.to_crs(4326)
    keep = ~(points.geometry.isna() | points.geometry.is_empty)
    return points[keep]


def _is_classified(frame) -> bool:
    return isinstance(frame, gpd.GeoDataFrame) and "zone" in frame.columns
