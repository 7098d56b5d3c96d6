"""Slide maps with matplotlib: an agreement's members, border strips, junctions and incidents
on one 16:9 figure, ready to put on a conference slide as it is.

The figure is laid out in slide inches (13.33 × 7.5 in, the size of a 16:9 PowerPoint slide),
so text sizes in points are the sizes seen on the slide whatever the pixel size asked for;
``size`` only sets the resolution. The map is drawn in the agreement's metric CRS (the UTM
zone :func:`geozone.metric_crs` chooses), so the scale bar is true, and the north arrow
points to true north (it is turned by the grid convergence, a fraction of a degree in
Vietnam's UTM zones).

Labels never overlap: candidates are placed greedily in priority order (member units,
neighbouring units, then the sub-units along the shared borders by shared length), each at its
polygon's pole of inaccessibility or, when that collides with a placed label, the scale bar or
the north arrow, at one of a few nearby offsets; a label that fits nowhere is left out.

Text uses DejaVu Sans, which ships with matplotlib and covers Vietnamese (see
:mod:`geozone.maps.style`). :func:`save_figure` writes PNG at the exact pixel size, and SVG and
PDF with text kept as text (searchable, selectable).
"""

from __future__ import annotations

import math
import os
from functools import cache
from pathlib import Path

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import pyproj
import shapely
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from geozone.crs import transformer
from geozone.errors import InputError
from geozone.maps import style
from geozone.maps._layers import DisplayLayers, display_layers, prepare_points

__all__ = ["SLIDE_INCHES", "save_figure", "static", "static_transition"]

#: Width and height of a 16:9 PowerPoint slide, in inches.
SLIDE_INCHES = (13.333, 7.5)

_RC = {
    "font.family": style.FONT_FAMILY,
    "svg.fonttype": "none",  # text stays text in SVG: searchable, and escaped by matplotlib
    "pdf.fonttype": 42,  # TrueType in PDF: text stays selectable and searchable
    "ps.fonttype": 42,
    "hatch.linewidth": 0.6,
    "axes.unicode_minus": False,
}

# Layout of the slide in figure fractions: title band on top, the map on the left, a side
# panel (locator above, legend below) on the right, the attribution line at the bottom.
_MARGIN = 0.025
_MAP_RIGHT = 0.705
_PANEL_LEFT = 0.73

_HALO = [patheffects.withStroke(linewidth=2.6, foreground=style.NEUTRAL["halo"])]
# Junction areas, hatched: on the map and as their legend key.
_JUNCTION_STYLE = {
    "facecolor": "none",
    "edgecolor": style.NEUTRAL["junction"],
    "hatch": "////",
    "linewidth": 0.7,
    "linestyle": (0, (3, 2)),
}


class MapFigure(Figure):
    """A matplotlib :class:`~matplotlib.figure.Figure` that Jupyter shows as its PNG.

    The maps are built without pyplot (no global state, nothing kept alive in a script or a
    server), and Jupyter's inline backend only draws the figures pyplot manages; this one
    draws itself, at the pixel size :func:`save_figure` would write.

    Examples
    --------
    >>> from geozone.maps._toy import toy_agreement
    >>> fig = static(toy_agreement(), size=(640, 360), locator=False, context=False)
    >>> isinstance(fig, MapFigure), fig._repr_png_()[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    (True, True)
    """

    def _repr_png_(self) -> bytes:
        import io

        buffer = io.BytesIO()
        _write(self, buffer, "png")
        return buffer.getvalue()


def static(
    agreement,
    incidents=None,
    *,
    width_m: float | None = None,
    size: tuple[int, int] = (1920, 1080),
    dpi: float | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    lang: str = "vi",
    labels: bool = True,
    context: bool = True,
    locator: bool = True,
    tolerance_m: float | None = None,
) -> MapFigure:
    """Draw an agreement as a slide map.

    Parameters
    ----------
    agreement : Agreement
        The agreement, at the level to draw (``agreement.at_level("district")``).
    incidents : GeoDataFrame or path, optional
        Incident points: classified (the output of :func:`geozone.classify.classify_points`)
        or not (they are classified against ``agreement``), or a file to classify. Points in
        a border zone are drawn dark, the others grey.
    width_m : float, optional
        Strip width on each side; the agreement's by default.
    size : (int, int)
        Pixel size of the image (PNG) or of the page at ``dpi`` (SVG, PDF).
    dpi : float, optional
        Dots per inch. By default the figure is a 16:9 slide (13.33 in wide) and the dpi
        follows from ``size`` (144 for 1920 px); give one to lay out in other inches.
    title, subtitle : str, optional
        Default: the agreement's title, and its reference · date · width · level.
    lang : {"vi", "en"}
        Language of the legend and subtitle.
    labels, context, locator : bool
        Unit labels; neighbouring non-member units in grey; the locator inset of Vietnam.
    tolerance_m : float, optional
        Display simplification tolerance (default: a third of a pixel at this size).

    Returns
    -------
    MapFigure
        A matplotlib Figure not attached to pyplot, shown as its PNG in Jupyter: save it
        with :func:`save_figure`. Its ``geozone_layers`` attribute holds what was drawn
        (the simplified layers in the metric CRS and the ``pairs`` table with each pair's
        colour and side shades), e.g. for a custom legend.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> from geozone.maps._toy import toy_agreement
    >>> fig = static(toy_agreement(), size=(960, 540), locator=False, context=False)
    >>> [int(v) for v in fig.get_size_inches() * fig.dpi]
    [960, 540]
    """
    width_px, height_px = (int(v) for v in size)
    if width_px < 200 or height_px < 150:
        raise InputError(f"size={size!r}: a slide map needs at least 200 × 150 pixels")
    if dpi is None:
        dpi = width_px / SLIDE_INCHES[0]
    figsize = (width_px / dpi, height_px / dpi)
    with mpl.rc_context(_RC):
        fig = MapFigure(figsize=figsize, dpi=dpi, facecolor="white")
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
        fig.set_layout_engine(None)
        layers = display_layers(
            agreement,
            width_m,
            tolerance_m=tolerance_m,
            pixels=int(width_px * (_MAP_RIGHT - _MARGIN)),
            context=context,
        )
        points = prepare_points(incidents, agreement, width_m)
        title = style.clean(agreement.title if title is None else title)
        subtitle = style.clean(
            style.subtitle(agreement, layers.width_m, lang) if subtitle is None else subtitle
        )
        top = _draw_titles(fig, title, subtitle)
        bottom = _draw_attribution(fig, agreement, layers, lang, locator)
        ax = fig.add_axes(
            (_MARGIN, bottom, _MAP_RIGHT - _MARGIN, top - bottom - 0.015), gid="geozone-map"
        )
        _draw_map(ax, layers, points)
        obstacles = _draw_furniture(ax, layers, lang)
        if labels:
            _draw_labels(ax, layers, obstacles)
        panel_top = top - 0.015
        if locator:
            panel_top = _draw_locator(fig, layers, agreement, panel_top)
        _draw_legend(fig, layers, points, lang, panel_top, bottom)
    fig._geozone_size = (width_px, height_px)
    fig.geozone_layers = layers
    return fig


# -- titles ------------------------------------------------------------------------------------
def _wrap(fig, text_: str, width_frac: float, **kwargs) -> str:
    """Greedy word wrap measured with the renderer, so lines fill the width exactly."""
    renderer = fig.canvas.get_renderer()
    limit = width_frac * fig.bbox.width
    probe = fig.text(0, 0, "", **kwargs)
    lines: list[str] = []
    current = ""
    for word in text_.split():
        trial = f"{current} {word}".strip()
        probe.set_text(trial)
        if current and probe.get_window_extent(renderer).width > limit:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    probe.remove()
    return "\n".join(lines)


def _draw_titles(fig, title: str, subtitle: str) -> float:
    """Title and subtitle across the top; returns the figure fraction below them."""
    renderer = fig.canvas.get_renderer()
    usable = 1 - 2 * _MARGIN
    size = 19.0
    wrapped = _wrap(fig, title, usable, fontsize=size, fontweight="bold")
    if wrapped.count("\n") >= 2:  # a very long title: smaller rather than three lines
        size = 16.0
        wrapped = _wrap(fig, title, usable, fontsize=size, fontweight="bold")
    y = 1 - _MARGIN * fig.bbox.width / fig.bbox.height * 0.8
    t = fig.text(
        _MARGIN,
        y,
        wrapped,
        fontsize=size,
        fontweight="bold",
        va="top",
        ha="left",
        color=style.NEUTRAL["text"],
        linespacing=1.15,
        gid="geozone-title",
    )
    box = t.get_window_extent(renderer).transformed(fig.transFigure.inverted())
    s = fig.text(
        _MARGIN,
        box.y0 - 0.012,
        subtitle,
        fontsize=12,
        va="top",
        ha="left",
        color=style.NEUTRAL["muted_text"],
        gid="geozone-subtitle",
    )
    box = s.get_window_extent(renderer).transformed(fig.transFigure.inverted())
    return box.y0 - 0.01


# -- the map -----------------------------------------------------------------------------------
def _fit(ax, bounds, pad: float) -> None:
    """Set limits showing ``bounds`` (padded) at equal scale, filling the axes box: the
    short side of the data is widened to the box's shape, so no part of the panel is blank."""
    minx, miny, maxx, maxy = bounds
    margin = pad * max(maxx - minx, maxy - miny)
    minx, miny, maxx, maxy = minx - margin, miny - margin, maxx + margin, maxy + margin
    box = ax.get_position()
    fig_w, fig_h = ax.figure.get_size_inches()
    box_aspect = (box.width * fig_w) / (box.height * fig_h)
    width, height = maxx - minx, maxy - miny
    if width / height < box_aspect:
        grow = (height * box_aspect - width) / 2
        minx, maxx = minx - grow, maxx + grow
    else:
        grow = (width / box_aspect - height) / 2
        miny, maxy = miny - grow, maxy + grow
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect("equal", adjustable="box")
    ax.set_autoscale_on(False)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor("#9A9A9A")
        spine.set_linewidth(0.8)


def _draw_map(ax, layers: DisplayLayers, points) -> None:
    ax.set_facecolor(style.NEUTRAL["background"])
    _fit(ax, layers.focus_bounds, pad=0.04)
    sub_level = layers.level != layers.member_level
    _plot_polys(
        ax,
        layers.context,
        facecolor=style.NEUTRAL["context_fill"],
        edgecolor=style.NEUTRAL["context_edge"],
        linewidth=0.8,
        zorder=1,
    )
    _plot_polys(
        ax,
        layers.units,
        facecolor=style.NEUTRAL["unit_fill"],
        edgecolor=style.NEUTRAL["unit_edge"] if sub_level else "none",
        linewidth=0.3,
        zorder=2,
    )
    strips = layers.strips
    if len(strips):
        # Draw the second members' sides first: where strips of two pairs overlap near a
        # junction, the full-colour sides stay on top and the band reads continuously.
        for side in (1, 0):
            part = strips[strips["side"] == side]
            if len(part):
                _plot_polys(
                    ax,
                    part,
                    facecolor=part["fill"].tolist(),
                    edgecolor="none",
                    linewidth=0,
                    zorder=3,
                    gid=f"geozone-strips-{side}",
                )
    if sub_level:  # sub-unit edges over the strips show which unit each stretch belongs to
        ax.add_collection(
            _edges(layers.units, style.NEUTRAL["unit_edge"], 0.3, zorder=4, alpha=0.9),
            autolim=False,
        )
    junctions = (
        layers.junctions[layers.junctions["major"].astype(bool)]
        if len(layers.junctions)
        else layers.junctions
    )
    if len(junctions):
        _plot_polys(ax, junctions, **_JUNCTION_STYLE, zorder=5)
    ax.add_collection(
        _edges(layers.members, style.NEUTRAL["member_edge"], 1.0, zorder=6), autolim=False
    )
    boundaries = layers.boundaries
    if len(boundaries):
        from matplotlib.collections import LineCollection

        lines = [
            shapely.get_coordinates(part)
            for geom in boundaries.geometry.values
            for part in shapely.get_parts(geom)
            if not part.is_empty
        ]
        ax.add_collection(
            LineCollection(
                lines,
                colors=style.NEUTRAL["boundary"],
                linewidths=1.8,
                zorder=7,
                capstyle="round",
                joinstyle="round",
            ),
            autolim=False,
        )
    if points is not None and len(points):
        _draw_points(ax, points, layers.crs)


def _polygon_path(geom):
    from matplotlib.path import Path as MplPath

    vertices, codes = [], []
    for poly in shapely.get_parts(geom):
        for ring in shapely.get_rings(poly):
            xy = shapely.get_coordinates(ring)
            if len(xy) < 3:
                continue
            ring_codes = np.full(len(xy), MplPath.LINETO, dtype=np.uint8)
            ring_codes[0] = MplPath.MOVETO
            ring_codes[-1] = MplPath.CLOSEPOLY
            vertices.append(xy)
            codes.append(ring_codes)
    if not vertices:
        return None
    return MplPath(np.concatenate(vertices), np.concatenate(codes))


def _plot_polys(ax, frame, facecolor="none", **kwargs):
    """Polygons as one PatchCollection (geopandas' plot redraws the whole figure per call on
    an Agg canvas, which made a slide map take seconds)."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import PathPatch

    if frame is None or len(frame) == 0:
        return None
    geoms = frame.geometry.values if hasattr(frame, "geometry") else frame
    colours = facecolor if isinstance(facecolor, list) else [facecolor] * len(geoms)
    patches, fills = [], []
    for geom, colour in zip(geoms, colours, strict=True):
        if geom is None or geom.is_empty:
            continue
        path = _polygon_path(geom)
        if path is not None:
            patches.append(PathPatch(path))
            fills.append(colour)
    collection = PatchCollection(patches, facecolors=fills, **kwargs)
    ax.add_collection(collection, autolim=False)
    return collection


def _edges(frame, colour, width, **kwargs):
    from matplotlib.collections import LineCollection

    segments = []
    for geom in frame.geometry.values:
        if geom is None or geom.is_empty:
            continue
        rings = shapely.get_rings(shapely.get_parts(geom))
        segments.extend(np.asarray(r.coords)[:, :2] for r in rings)
    return LineCollection(segments, colors=colour, linewidths=width, **kwargs)


def _in_zone(points) -> np.ndarray:
    if "in_zone" in points:
        return points["in_zone"].fillna(False).astype(bool).to_numpy()
    if "zone" in points:
        return points["zone"].notna().to_numpy()
    return np.zeros(len(points), dtype=bool)


def _draw_points(ax, points, crs) -> None:
    xy = shapely.get_coordinates(points.to_crs(crs).geometry.values)
    inside = _in_zone(points)
    many = len(points) > 20_000
    size_in, size_out = (4, 2) if many else (14, 7)
    ax.scatter(
        xy[~inside, 0],
        xy[~inside, 1],
        s=size_out,
        c=style.NEUTRAL["incident_out"],
        linewidths=0,
        zorder=8,
        rasterized=many,
    )
    ax.scatter(
        xy[inside, 0],
        xy[inside, 1],
        s=size_in,
        c=style.NEUTRAL["incident_in"],
        edgecolors="white",
        linewidths=0 if many else 0.5,
        zorder=9,
        rasterized=many,
    )


# -- scale bar, north arrow --------------------------------------------------------------------
def _draw_furniture(ax, layers: DisplayLayers, lang: str) -> list:
    from matplotlib_scalebar.scalebar import ScaleBar

    bar = ScaleBar(
        1,
        "m",
        dimension="si-length",
        location="lower left",
        length_fraction=0.22,
        box_alpha=0.85,
        box_color="white",
        color=style.NEUTRAL["text"],
        font_properties={"family": style.FONT_FAMILY, "size": 9},
        scale_loc="top",
        border_pad=0.8,
        pad=0.4,
        fixed_units="km",
    )
    ax.add_artist(bar)
    arrow = _north_arrow(ax, layers.crs, lang)
    return [_ScaleBarArea(ax, 0.22), *arrow]


class _ScaleBarArea:
    """Where the scale bar sits, for label collisions: matplotlib-scalebar reports no extent
    before drawing, so reserve its corner (bar length, padding, label and box)."""

    def __init__(self, ax, length_fraction: float):
        self.ax = ax
        self.length_fraction = length_fraction

    def get_window_extent(self, renderer):
        from matplotlib.transforms import Bbox

        box = self.ax.get_window_extent(renderer)
        dpi = self.ax.figure.dpi
        width = box.width * (self.length_fraction + 0.03) + 24 * dpi / 72
        height = 44 * dpi / 72
        return Bbox.from_bounds(box.x0, box.y0, width, height)


def _convergence_deg(crs: pyproj.CRS, x: float, y: float) -> float:
    """Angle from grid north to true north at (x, y), in degrees (clockwise positive)."""
    to_ll = transformer(crs, 4326)
    to_xy = transformer(4326, crs)
    lon, lat = to_ll.transform(x, y)
    x1, y1 = to_xy.transform(lon, lat + 0.05)
    return math.degrees(math.atan2(x1 - x, y1 - y))


def _north_arrow(ax, crs, lang: str) -> list:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    angle = math.radians(_convergence_deg(crs, (x0 + x1) / 2, (y0 + y1) / 2))
    tip = (0.955, 0.93)
    length = 0.075
    base = (tip[0] - length * math.sin(angle), tip[1] - length * math.cos(angle))
    arrow = ax.annotate(
        "",
        xy=tip,
        xytext=base,
        xycoords="axes fraction",
        arrowprops={
            "arrowstyle": "-|>,head_length=0.7,head_width=0.35",
            "color": style.NEUTRAL["text"],
            "linewidth": 1.6,
        },
        zorder=20,
    )
    letter = ax.text(
        tip[0],
        tip[1] + 0.012,
        style.text("north", lang),
        transform=ax.transAxes,
        ha="center",
        va="bottom",
        fontsize=12,
        fontweight="bold",
        color=style.NEUTRAL["text"],
        path_effects=_HALO,
        zorder=20,
    )
    return [arrow, letter]


# -- labels ------------------------------------------------------------------------------------
def _anchor(geom):
    """A point well inside the largest part of a polygon (pole of inaccessibility)."""
    parts = list(getattr(geom, "geoms", [geom]))
    if not parts:
        return None
    largest = max(parts, key=lambda g: g.area)
    if largest.is_empty:
        return None
    from shapely.ops import polylabel

    try:
        return polylabel(largest, tolerance=max(math.sqrt(largest.area) / 50, 1.0))
    except Exception:  # degenerate rings: any interior point will do
        return largest.representative_point()


def _label_candidates(layers: DisplayLayers, view) -> list[dict]:
    out = []
    sub_level = layers.level != layers.member_level
    # Member names go where the map is quiet: inside the member, away from strips and
    # junctions (the pole of inaccessibility of what is left).
    busy = shapely.union_all(
        list(layers.strips.geometry.values) + list(layers.junctions.geometry.values)
    )
    for rec in layers.members.itertuples(index=False):
        free = shapely.intersection(shapely.difference(rec.geometry, busy), view)
        point = _anchor(free if not free.is_empty else shapely.intersection(rec.geometry, view))
        if point is not None:
            out.append(
                {
                    "text": str(rec.name).upper(),
                    "xy": (point.x, point.y),
                    "size": 12.5,
                    "weight": "bold",
                    "color": style.NEUTRAL["text"],
                    "style": "normal",
                    "area": rec.geometry,
                    "fit": free if not free.is_empty else None,
                }
            )
    if layers.context is not None:
        for rec in layers.context.itertuples(index=False):
            visible = shapely.intersection(rec.geometry, view)
            if visible.is_empty or visible.area < 0.004 * view.area:
                continue
            point = _anchor(visible)
            if point is not None:
                out.append(
                    {
                        "text": style.clean(rec.name),
                        "xy": (point.x, point.y),
                        "size": 9.5,
                        "weight": "normal",
                        "color": style.NEUTRAL["context_text"],
                        "style": "italic",
                        "area": visible,
                    }
                )
    if sub_level and len(layers.strips):
        share = layers.strips.groupby("code")["area_m2"].sum().sort_values(ascending=False)
        names = dict(zip(layers.units["code"], layers.units["label"], strict=True))
        geoms = dict(zip(layers.units["code"], layers.units.geometry.values, strict=True))
        # Sub-unit names sit beside the shared boundary, never on it: the line is the point.
        lines = shapely.union_all(layers.boundaries.geometry.values)
        shapely.prepare(lines)
        size = 7.5 if layers.level == "commune" else 8.5
        for code in share.index:
            geom = geoms.get(code)
            point = _anchor(geom) if geom is not None else None
            if point is not None:
                out.append(
                    {
                        "text": str(names.get(code, code)),
                        "xy": (point.x, point.y),
                        "size": size,
                        "weight": "normal",
                        "color": style.NEUTRAL["muted_text"],
                        "style": "normal",
                        "area": geom,
                        "avoid": lines,
                    }
                )
    return out


def _best_fit(area, start, width: float, height: float) -> tuple[float, float]:
    """Where a ``width`` × ``height`` label box lies best inside ``area``: the pole of
    inaccessibility if the box fits there, else the grid point inside ``area`` whose box has
    the largest share inside it (ties: farther from the edge)."""

    def share(x, y):
        box = shapely.box(x - width / 2, y - height / 2, x + width / 2, y + height / 2)
        return shapely.intersection(box, area).area / box.area

    if share(*start) >= 0.98:
        return start
    minx, miny, maxx, maxy = area.bounds
    xs = np.linspace(minx, maxx, 24)
    ys = np.linspace(miny, maxy, 24)
    grid = shapely.points(np.array(np.meshgrid(xs, ys)).reshape(2, -1).T)
    grid = grid[shapely.contains(area, grid)]
    best, best_key = start, (share(*start), 0.0)
    edge = area.boundary
    for point in grid:
        key = (round(share(point.x, point.y), 2), edge.distance(point))
        if key > best_key:
            best, best_key = (point.x, point.y), key
    return best


def _draw_labels(ax, layers: DisplayLayers, obstacles: list) -> None:
    """Place labels greedily in priority order; a label goes at its anchor or at the first
    nearby offset where it overlaps nothing placed, stays in the map, and keeps its centre
    inside its own polygon; otherwise it is dropped."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    axbox = ax.get_window_extent(renderer)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    view = shapely.box(x0, y0, x1, y1)
    to_data = ax.transData.inverted()
    placed = [o.get_window_extent(renderer).padded(3) for o in obstacles]
    offsets = [
        (0, 0),
        (0, 1.0),
        (0, -1.0),
        (0.6, 0),
        (-0.6, 0),
        (0.5, 0.9),
        (-0.5, -0.9),
        (0.5, -0.9),
        (-0.5, 0.9),
        (0, 2.0),
        (0, -2.0),
    ]
    for cand in _label_candidates(layers, view):
        x, y = cand["xy"]
        if not (x0 <= x <= x1 and y0 <= y <= y1):
            continue
        label = ax.annotate(
            cand["text"],
            (x, y),
            xytext=(0, 0),
            textcoords="offset points",
            ha="center",
            va="center",
            fontsize=cand["size"],
            fontweight=cand["weight"],
            fontstyle=cand["style"],
            color=cand["color"],
            path_effects=_HALO,
            zorder=15,
            annotation_clip=True,
        )
        box = label.get_window_extent(renderer)
        w_pt = box.width * 72 / fig.dpi
        h_pt = box.height * 72 / fig.dpi
        if cand.get("fit") is not None:
            (dx0, dy0), (dx1, dy1) = to_data.transform([(box.x0, box.y0), (box.x1, box.y1)])
            x, y = _best_fit(cand["fit"], (x, y), abs(dx1 - dx0), abs(dy1 - dy0))
            label.xy = (x, y)
        for fx, fy in offsets:
            label.set_position((fx * w_pt, fy * h_pt * 1.1))
            box = label.get_window_extent(renderer)
            inside = (
                box.x0 >= axbox.x0 + 2
                and box.x1 <= axbox.x1 - 2
                and box.y0 >= axbox.y0 + 2
                and box.y1 <= axbox.y1 - 2
            )
            if not inside or any(box.overlaps(other) for other in placed):
                continue
            (bx0, by0), (bx1, by1) = to_data.transform([(box.x0, box.y0), (box.x1, box.y1)])
            cx, cy = (bx0 + bx1) / 2, (by0 + by1) / 2
            if (fx or fy) and not cand["area"].contains(shapely.Point(cx, cy)):
                continue
            avoid = cand.get("avoid")
            if avoid is not None and avoid.intersects(shapely.box(bx0, by0, bx1, by1)):
                continue
            placed.append(box.padded(2))
            break
        else:
            label.remove()


# -- side panel --------------------------------------------------------------------------------
@cache
def _vietnam_outline(data_dir) -> shapely.Geometry | None:
    """The national outline (mainland and islands, Hoàng Sa and Trường Sa included), dissolved
    from the published 2025 provinces and simplified to 1.5 km, in EPSG:4326."""
    from geozone.units import load_units

    try:
        provinces = load_units("vn2025-provinces-published", data_dir=data_dir)
    except Exception:  # the locator is optional: no data, no inset
        return None
    metric = provinces.to_crs(3405)  # VN-2000 / UTM 48N: one metric CRS for the country
    outline = shapely.union_all(shapely.make_valid(metric.geometry.values))
    outline = shapely.simplify(outline, 1500)
    return gpd.GeoSeries([outline], crs=3405).to_crs(4326).iloc[0]


def _draw_locator(fig, layers: DisplayLayers, agreement, top: float) -> float:
    outline = _vietnam_outline(getattr(agreement, "data_dir", None))
    if outline is None:
        return top
    height = 0.38
    ax = fig.add_axes((_PANEL_LEFT, top - height, 1 - _MARGIN - _PANEL_LEFT, height))
    country = gpd.GeoSeries([outline], crs=4326).to_crs(layers.crs)
    ax.set_facecolor(style.NEUTRAL["background"])
    _fit(ax, country.total_bounds, pad=0.03)
    _plot_polys(
        ax,
        country.values,
        facecolor=style.NEUTRAL["context_fill"],
        edgecolor="#A8A49C",
        linewidth=0.4,
    )
    _plot_polys(ax, layers.members, facecolor=style.NEUTRAL["member_edge"], edgecolor="none")
    _, miny, _, maxy = country.total_bounds
    _label_archipelagos(ax, outline, layers.crs)
    bx0, by0, bx1, by1 = layers.bounds
    # A box never smaller than a few percent of the country, so a city-sized agreement
    # still shows where it is.
    grow = max(0.0, 0.05 * (maxy - miny) - max(bx1 - bx0, by1 - by0)) / 2
    ax.add_patch(
        Rectangle(
            (bx0 - grow, by0 - grow),
            bx1 - bx0 + 2 * grow,
            by1 - by0 + 2 * grow,
            facecolor="none",
            edgecolor=style.NEUTRAL["highlight"],
            linewidth=1.6,
            zorder=5,
        )
    )
    renderer = fig.canvas.get_renderer()
    box = ax.get_tightbbox(renderer).transformed(fig.transFigure.inverted())
    return box.y0 - 0.02


#: The two archipelagos, part of Đà Nẵng and Khánh Hòa in the boundary data: a national map
#: of Vietnam names them. Each is found as the outline's parts in a lon/lat window.
_ARCHIPELAGOS = (
    ("QĐ. Hoàng Sa", (110.5, 15.0, 113.5, 18.0)),
    ("QĐ. Trường Sa", (111.0, 6.0, 118.0, 12.5)),
)


def _label_archipelagos(ax, outline, crs) -> None:
    for name, window in _ARCHIPELAGOS:
        part = shapely.intersection(outline, shapely.box(*window))
        if part.is_empty:
            continue
        centre = gpd.GeoSeries([part.envelope.centroid], crs=4326).to_crs(crs).iloc[0]
        ax.annotate(
            name,
            (centre.x, centre.y),
            xytext=(0, 9),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=6.5,
            fontstyle="italic",
            color=style.NEUTRAL["context_text"],
            annotation_clip=False,
        )


def _legend_entries(layers: DisplayLayers, points, lang: str):
    handles: list = []
    names: list[str] = []
    for rec in layers.pairs.itertuples(index=False):
        handles.append(
            (
                Patch(facecolor=rec.fill_a, edgecolor="none"),
                Patch(facecolor=rec.fill_b, edgecolor="none"),
            )
        )
        names.append(f"{rec.name_a} – {rec.name_b}")
    handles.append(Line2D([], [], color=style.NEUTRAL["boundary"], linewidth=1.8))
    names.append(style.text("boundary", lang))
    handles.append(Line2D([], [], color=style.NEUTRAL["member_edge"], linewidth=1.0))
    names.append(style.text("members", lang))
    if len(layers.junctions) and layers.junctions["major"].astype(bool).any():
        handles.append(Patch(**_JUNCTION_STYLE))
        names.append(style.text("junction", lang, km=style.km(layers.radius_m, lang)))
    if layers.context is not None and len(layers.context):
        handles.append(
            Patch(facecolor=style.NEUTRAL["context_fill"], edgecolor="#A8A49C", linewidth=0.4)
        )
        names.append(style.text("context", lang))
    if points is not None and len(points):
        inside = _in_zone(points)
        # In a zone: larger, dark, white-edged; elsewhere: small and grey (as _draw_points).
        for label, count, size, colour, edge in (
            ("incidents_in", inside.sum(), 5, "incident_in", "white"),
            ("incidents_out", (~inside).sum(), 3.5, "incident_out", "none"),
        ):
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="o",
                    linestyle="none",
                    markersize=size,
                    markerfacecolor=style.NEUTRAL[colour],
                    markeredgecolor=edge,
                )
            )
            names.append(f"{style.text(label, lang)} ({_count(count, lang)})")
    return handles, names


def _count(value, lang: str) -> str:
    text_ = f"{int(value):,}"
    return text_.replace(",", ".") if lang == "vi" else text_


def _draw_legend(fig, layers: DisplayLayers, points, lang: str, top: float, bottom: float) -> None:
    """The legend in the side panel, at the largest font size (10 pt down to 6.5 pt) at which
    it fits between the locator and the attribution line."""
    from matplotlib.legend_handler import HandlerTuple

    handles, names = _legend_entries(layers, points, lang)
    title = (
        style.text("strip", lang, km=style.km(layers.width_m, lang))
        if len(layers.pairs)
        else style.text("boundary", lang)
    )
    ax = _legend_panel(fig, bottom, max(top - bottom, 0.05))
    renderer = fig.canvas.get_renderer()
    panel = ax.get_window_extent(renderer)
    for fontsize in (10, 9.5, 9, 8.5, 8, 7.5, 7, 6.5):
        wrap_at = (panel.width - 3.4 * fontsize * fig.dpi / 72) / fig.bbox.width
        labels = [_wrap(fig, n, wrap_at, fontsize=fontsize) for n in names]
        legend = ax.legend(
            handles,
            labels,
            loc="upper left",
            frameon=False,
            fontsize=fontsize,
            title=title,
            title_fontsize=fontsize + 1,
            alignment="left",
            handlelength=2.6,
            handleheight=1.1,
            borderaxespad=0.0,
            labelspacing=0.45,
            handler_map={tuple: HandlerTuple(ndivide=None, pad=0.0)},
        )
        legend.get_title().set_fontweight("bold")
        box = legend.get_window_extent(renderer)
        if box.y0 >= panel.y0 and box.width <= panel.width * 1.02:
            break
    legend.set_gid("geozone-legend")


def _legend_panel(fig, bottom: float, height: float):
    """The frameless axes for a legend in the side panel, from ``bottom`` up ``height``."""
    ax = fig.add_axes(
        (_PANEL_LEFT, bottom, 1 - _MARGIN - _PANEL_LEFT, height), gid="geozone-legend-panel"
    )
    ax.set_axis_off()
    return ax


def _text_width(fig, text_: str, fontsize: float) -> float:
    probe = fig.text(0, 0, text_, fontsize=fontsize)
    width = probe.get_window_extent(fig.canvas.get_renderer()).width
    probe.remove()
    return width


def _draw_attribution(fig, agreement, layers: DisplayLayers, lang: str, locator: bool) -> float:
    """The attribution line along the bottom; returns the figure fraction above it."""
    import geozone

    extra = list(layers.extra_datasets)
    if locator:
        extra.append("vn2025-provinces-published")
    line = style.attribution(agreement, lang, extra_datasets=extra)
    parts = [
        p
        for p in (line, f"{style.text('made_with', lang)} {geozone.__version__}", layers.crs.name)
        if p
    ]
    wrapped = _wrap(fig, " · ".join(parts), 1 - 2 * _MARGIN, fontsize=7)
    y = 0.6 * _MARGIN * fig.bbox.width / fig.bbox.height
    t = fig.text(
        _MARGIN,
        y,
        wrapped,
        fontsize=7,
        va="bottom",
        ha="left",
        color=style.NEUTRAL["muted_text"],
        gid="geozone-attribution",
        linespacing=1.25,
    )
    box = t.get_window_extent(fig.canvas.get_renderer()).transformed(fig.transFigure.inverted())
    return box.y1 + 0.012


# -- saving ------------------------------------------------------------------------------------
_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}


def save_figure(fig: Figure, path, *, size: tuple[int, int] | None = None) -> Path:
    """Save a slide map as PNG, SVG or PDF, chosen by the file's extension.

    PNG is written at exactly the figure's pixel size (the ``size`` it was drawn at, or
    ``size`` here, which rescales the dpi — keep the 16:9 shape). SVG keeps text as
    ``<text>`` elements (searchable; matplotlib escapes ``<``, ``&`` and quotes) and PDF embeds
    the TrueType font, so titles stay searchable in both.

    Parameters
    ----------
    fig : Figure
        A figure from :func:`static`.
    path : str or path
        Ends in ``.png``, ``.svg`` or ``.pdf``.
    size : (int, int), optional
        Pixel size for PNG (default: the size the figure was drawn at).

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from geozone.maps._toy import toy_agreement
    >>> fig = static(toy_agreement(), size=(640, 360), locator=False, context=False)
    >>> out = save_figure(fig, pathlib.Path(tempfile.mkdtemp()) / "toy.png")
    >>> from PIL import Image
    >>> Image.open(out).size
    (640, 360)
    """
    path = Path(os.fspath(path))
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            f"{path}: save maps as .png, .svg or .pdf (or .html with geozone.maps.save_html)"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    _write(fig, path, fmt, size)
    return path


def _write(fig: Figure, target, fmt: str, size: tuple[int, int] | None = None) -> None:
    """Render ``fig`` into a path or file object, at ``size`` pixels or the drawn size."""
    pixels = size or getattr(fig, "_geozone_size", None)
    dpi = fig.dpi if pixels is None else pixels[0] / fig.get_size_inches()[0]
    with mpl.rc_context(_RC):
        fig.savefig(
            target, format=fmt, dpi=dpi, facecolor=fig.get_facecolor(), metadata=_metadata(fig, fmt)
        )


def _metadata(fig, fmt: str) -> dict:
    title = next(
        (t.get_text().replace("\n", " ") for t in fig.texts if t.get_gid() == "geozone-title"), None
    )
    if not title:
        return {}
    if fmt == "png":
        return {"Title": title, "Software": "geozone"}
    if fmt == "pdf":
        return {"Title": title, "Creator": "geozone"}
    return {"Title": title}


# -- transition of a 2008 agreement to 2025 units ----------------------------------------------
_TRANSITION_TEXT = {
    "vi": {
        "kept": "Ranh giới vẫn là ranh giới giữa hai tỉnh mới ({km} km)",
        "internal": "Ranh giới nay nằm trong một tỉnh mới ({km} km)",
        "units": "Đơn vị hành chính sau sắp xếp (2025)",
        "subtitle": "Ranh giới giáp ranh theo ĐVHC 2008, đối chiếu với ĐVHC 2025",
    },
    "en": {
        "kept": "Still a border between two new provinces ({km} km)",
        "internal": "Now inside one new province ({km} km)",
        "units": "Units after the 2025 reform",
        "subtitle": "Shared boundaries of the 2008 units against the 2025 units",
    },
}


def static_transition(
    transition,
    *,
    size: tuple[int, int] = (1920, 1080),
    dpi: float | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    lang: str = "vi",
    status_column: str = "status",
    kept: str = "kept",
    internal: str = "internal",
) -> MapFigure:
    """Draw a 2008 agreement's borders over the 2025 units: the borders that still separate
    two new units, and those the reform made internal, in two styles.

    Parameters
    ----------
    transition : Transition or GeoDataFrame
        A :class:`geozone.reform.Transition` (from :func:`geozone.reform.transition` or
        ``Agreement.transition()``), or any object with ``boundaries`` (the 2008
        agreement's shared boundaries with a ``status`` column, ``"kept"`` or
        ``"internal"``), ``units`` (the 2025 units to draw under them; optional) and
        ``agreement`` (the 2025 equivalent of the 2008 agreement, whose title — the old
        title marked as expressed in the units from 2025-07-01 — heads the map; optional);
        or that boundaries GeoDataFrame alone.
    size, dpi, title, subtitle, lang
        As for :func:`static`.
    status_column, kept, internal : str
        Where the status is and its two values.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> lines = gpd.GeoDataFrame({"status": ["kept", "internal"]}, geometry=[
    ...     shapely.LineString([(105.0, 10.0), (105.2, 10.1)]),
    ...     shapely.LineString([(105.2, 10.1), (105.3, 10.3)])], crs=4326)
    >>> fig = static_transition(lines, size=(960, 540), title="Thử nghiệm")
    >>> [int(v) for v in fig.get_size_inches() * fig.dpi]
    [960, 540]
    """
    lines = getattr(transition, "boundaries", transition)
    units = getattr(transition, "units", None)
    old = getattr(transition, "agreement", None)
    if not isinstance(lines, gpd.GeoDataFrame) or status_column not in lines:
        raise InputError(
            f"static_transition needs shared boundaries with a {status_column!r} "
            f"column ({kept!r} or {internal!r})"
        )
    unknown = sorted(set(lines[status_column].dropna().astype(str)) - {kept, internal})
    if unknown:
        raise InputError(f"{status_column}: unknown values {unknown}; use {kept!r} or {internal!r}")
    words = _TRANSITION_TEXT["en" if lang == "en" else "vi"]
    width_px, height_px = (int(v) for v in size)
    if dpi is None:
        dpi = width_px / SLIDE_INCHES[0]
    from geozone.crs import metric_crs

    crs = metric_crs(lines)
    metric = lines.to_crs(crs)
    status = metric[status_column].astype(str).to_numpy()
    with mpl.rc_context(_RC):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.collections import LineCollection

        fig = MapFigure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, facecolor="white")
        FigureCanvasAgg(fig)
        title = style.clean(
            title if title is not None else getattr(old, "title", "") or words["subtitle"]
        )
        subtitle = style.clean(subtitle if subtitle is not None else words["subtitle"])
        top = _draw_titles(fig, title, subtitle)
        bottom = 0.05
        ax = fig.add_axes(
            (_MARGIN, bottom, _MAP_RIGHT - _MARGIN, top - bottom - 0.015), gid="geozone-map"
        )
        ax.set_facecolor(style.NEUTRAL["background"])
        new_units = None
        if units is not None and len(units):
            new_units = units.to_crs(crs)
            # Main land of each unit (far islands left to the frame's edges) and the lines.
            parts = []
            for geom in new_units.geometry.values:
                pieces = shapely.get_parts(geom)
                if len(pieces):
                    areas = shapely.area(pieces)
                    parts.extend(pieces[areas >= 0.25 * areas.max()])
            bounds = shapely.total_bounds(
                np.concatenate([np.asarray(parts, dtype=object), metric.geometry.values])
            )
        else:
            bounds = metric.total_bounds
        _fit(ax, bounds, pad=0.05)
        # The 2025 units and the two kinds of line look the same on the map and in the legend.
        units_style = {
            "facecolor": style.NEUTRAL["unit_fill"],
            "edgecolor": style.NEUTRAL["member_edge"],
            "linewidth": 1.0,
        }
        if new_units is not None:
            _plot_polys(ax, new_units, **units_style, zorder=2)
        lengths, keys = {}, {}
        for value, colour, width, dash, z in (
            (internal, style.NEUTRAL["uncovered"], 2.2, (0, (4, 2.5)), 6),
            (kept, style.NEUTRAL["boundary"], 2.4, "solid", 7),
        ):
            part = metric.geometry.values[status == value]
            lengths[value] = float(shapely.length(part).sum()) if len(part) else 0.0
            keys[value] = Line2D([], [], color=colour, linewidth=width, linestyle=dash)
            segments = [
                shapely.get_coordinates(p)
                for g in part
                for p in shapely.get_parts(g)
                if not p.is_empty
            ]
            if segments:
                ax.add_collection(
                    LineCollection(
                        segments,
                        colors=colour,
                        linewidths=width,
                        linestyles=dash,
                        zorder=z,
                        capstyle="round",
                    ),
                    autolim=False,
                )
        layers_like = type("L", (), {"crs": crs})
        obstacles = _draw_furniture(ax, layers_like, lang)
        if new_units is not None and "name" in new_units:
            placed = [o.get_window_extent(fig.canvas.get_renderer()).padded(3) for o in obstacles]
            renderer = fig.canvas.get_renderer()
            for rec in new_units.itertuples(index=False):
                point = _anchor(rec.geometry)
                if point is None:
                    continue
                label = ax.annotate(
                    style.clean(rec.name).upper(),
                    (point.x, point.y),
                    ha="center",
                    va="center",
                    fontsize=12,
                    fontweight="bold",
                    color=style.NEUTRAL["text"],
                    path_effects=_HALO,
                    zorder=15,
                    annotation_clip=True,
                )
                box = label.get_window_extent(renderer)
                if any(box.overlaps(o) for o in placed):
                    label.remove()
                else:
                    placed.append(box.padded(2))
        handles = [keys[kept], keys[internal]]
        names = [
            words["kept"].format(km=_num_km(lengths[kept], lang)),
            words["internal"].format(km=_num_km(lengths[internal], lang)),
        ]
        if new_units is not None:
            handles.append(Patch(**units_style))
            names.append(words["units"])
        legend_ax = _legend_panel(fig, bottom, top - bottom - 0.015)
        wrap_at = legend_ax.get_position().width * 0.8
        names = [_wrap(fig, n, wrap_at, fontsize=10) for n in names]
        legend_ax.legend(
            handles,
            names,
            loc="upper left",
            frameon=False,
            fontsize=10,
            handlelength=2.8,
            labelspacing=0.9,
            borderaxespad=0,
        )
    fig._geozone_size = (width_px, height_px)
    return fig


def _num_km(metres: float, lang: str) -> str:
    text_ = f"{metres / 1000:,.1f}"
    return text_.replace(",", "\0").replace(".", ",").replace("\0", ".") if lang == "vi" else text_
