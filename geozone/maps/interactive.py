"""Interactive maps with folium (Leaflet) that open offline on a police intranet.

Offline by construction
    Leaflet 1.9.4, Leaflet.markercluster 1.5.3 and Leaflet.heat are vendored under
    ``geozone/maps/assets`` (BSD-2-Clause / MIT licences beside them) and inlined into the HTML
    that :func:`save_html` writes, the CSS images as ``data:`` URIs. The file has no
    ``<script src>`` or ``<link href>`` to anywhere, so the vector layers render from a USB
    stick or a file share with no network. folium's other default assets (jQuery, Bootstrap,
    Font Awesome, awesome-markers) are dropped: no geozone layer uses them. Base tiles are off
    by default (``tiles=None``); pass a tile name or URL for an online map. Vendoring was chosen
    over a Python package of Leaflet assets because none ships Leaflet, markercluster and heat
    together as plain files, and the three files are small (0.2 MB); their versions are pinned
    in ``assets/README.md``.

Safe with any data
    Unit names, incident descriptions and every other string from data reach the page only as
    escaped text: tooltips and the legend are built in Python with :func:`html.escape`, data
    embedded in scripts go through Jinja's ``tojson`` (which escapes ``<``, ``>``, ``&`` and
    ``'``), and incident popups and labels are built in the browser with ``textContent``. No
    data string is ever part of a template, so ``{{ }}`` in a name stays text.

Small and fast
    Geometries are simplified for display with coverage-aware simplification in the metric CRS
    (see :mod:`geozone.maps._layers`) and coordinates rounded to 5 decimals (about 1 m): the
    four-province csh-tay-nam-2025 agreement at commune level (371 communes) is about 2 MB.
    Incidents are circle markers on a canvas renderer; above ``cluster_threshold`` points they
    go into a marker cluster loaded in chunks, which keeps 100,000 points responsive.
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
import re
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure, MacroElement
from folium.template import Template

from geozone.errors import InputError
from geozone.maps import style
from geozone.maps._layers import DisplayLayers, display_layers, prepare_points

__all__ = ["GeozoneMap", "interactive", "render_html", "save_html"]

_ASSETS = Path(__file__).resolve().parent / "assets"
_FONT_STACK = "'Segoe UI', Roboto, 'Noto Sans', 'DejaVu Sans', Arial, sans-serif"

#: Names folium gives its JS/CSS resources → the vendored file inlined in their place.
_VENDORED_JS = {
    "leaflet": "leaflet.js",
    "markerclusterjs": "leaflet.markercluster.js",
    "leaflet-heat.js": "leaflet-heat.min.js",
}
_VENDORED_CSS = {
    "leaflet_css": "leaflet.css",
    "markerclustercss": "MarkerCluster.css",
    "markerclusterdefaultcss": "MarkerCluster.Default.css",
}
#: folium.Map's own defaults that no geozone layer needs.
_UNUSED_MAP_ASSETS = {
    "jquery",
    "bootstrap",
    "awesome_markers",
    "bootstrap_css",
    "glyphicons_css",
    "awesome_markers_font_css",
    "awesome_markers_css",
    "awesome_rotate_css",
}


# -- offline rendering -------------------------------------------------------------------------
@cache
def _asset_text(name: str) -> str:
    text = (_ASSETS / name).read_text(encoding="utf-8")
    # Source maps are not shipped; a devtools window would try to fetch them.
    text = re.sub(r"^[ \t]*//# sourceMappingURL=.*$", "", text, flags=re.MULTILINE)
    if name.endswith(".css"):

        def data_uri(match):
            path = _ASSETS / match.group(1)
            encoded = base64.b64encode(path.read_bytes()).decode("ascii")
            return f"url(data:image/png;base64,{encoded})"

        text = re.sub(r"url\((images/[\w.-]+\.png)\)", data_uri, text)
    if name == "leaflet.js":
        # Leaflet finds its default marker images through the CSS path, which a data: URI
        # defeats: give the icon its images directly (markers added by users still work).
        icons = {
            key: "data:image/png;base64,"
            + base64.b64encode((_ASSETS / "images" / f"{stem}.png").read_bytes()).decode("ascii")
            for key, stem in (
                ("iconUrl", "marker-icon"),
                ("iconRetinaUrl", "marker-icon-2x"),
                ("shadowUrl", "marker-shadow"),
            )
        }
        options = ",".join(f"{k}:'{v}'" for k, v in icons.items())
        text += f"\nL.Icon.Default.imagePath='';L.Icon.Default.mergeOptions({{{options}}});\n"
    return text


class _InlineAsset(Element):
    """A vendored script or stylesheet written into the page."""

    _template = Template(
        "{% if this.kind == 'js' %}<script>{{ this.code }}</script>"
        "{% else %}<style>{{ this.code }}</style>{% endif %}"
    )

    def __init__(self, kind: str, filename: str):
        super().__init__()
        self._name = "InlineAsset"
        self.kind = kind
        self.code = _asset_text(filename)


def _walk(element):
    yield element
    for child in list(element._children.values()):
        yield from _walk(child)


def _check_offline(element) -> None:
    """Refuse elements that rely on assets geozone drops or cannot inline."""
    reason = None
    if isinstance(element, folium.Icon):
        reason = "Leaflet.awesome-markers, Font Awesome and Bootstrap"
    elif isinstance(element, folium.GeoJson) and not element.embed:
        reason = "jQuery and a download of its data"
    if reason:
        raise InputError(
            f"offline HTML cannot include a {type(element).__name__}: it needs {reason}, "
            "which geozone does not ship (it inlines Leaflet, Leaflet.markercluster and "
            "Leaflet.heat). Save with offline=False, or use circle markers."
        )


@contextmanager
def _inlined(root: Figure):
    """Swap every element's CDN links for inlined vendored copies while rendering.

    The map is left as it was afterwards (an online save still links the CDNs).
    """
    wanted_js: dict[str, str] = {}
    wanted_css: dict[str, str] = {}
    linking = []
    # Check everything before changing anything, so a refused map is left untouched.
    for element in _walk(root):
        _check_offline(element)
        js = getattr(element, "default_js", None)
        css = getattr(element, "default_css", None)
        if js is None and css is None:
            continue
        is_map = isinstance(element, folium.Map)
        for links, vendored, wanted in (
            (js or [], _VENDORED_JS, wanted_js),
            (css or [], _VENDORED_CSS, wanted_css),
        ):
            for name, url in links:
                if name in vendored:
                    wanted[name] = vendored[name]
                elif not (is_map and name in _UNUSED_MAP_ASSETS):
                    raise InputError(
                        f"offline HTML cannot include {name} ({url}) needed by a "
                        f"{type(element).__name__} on the map: geozone ships Leaflet, "
                        "Leaflet.markercluster and Leaflet.heat only. Save with "
                        "offline=False, or remove that element."
                    )
        linking.append(element)
    saved = [(e, e.__dict__.get("default_js"), e.__dict__.get("default_css")) for e in linking]
    for element in linking:
        element.default_js = []
        element.default_css = []
    # The page head is rebuilt with the inlined assets first, in a fixed order, whatever an
    # earlier (online) render left there: the same map always gives the same page.
    header = root.header
    previous = dict(header._children)
    rest = {
        name: child
        for name, child in previous.items()
        if name not in _UNUSED_MAP_ASSETS and name not in _VENDORED_JS and name not in _VENDORED_CSS
    }
    header._children.clear()
    order = ["leaflet", "markerclusterjs", "leaflet-heat.js"]
    for name in sorted(wanted_js, key=order.index):
        header.add_child(_InlineAsset("js", wanted_js[name]), name=name)
    for name in ("leaflet_css", "markerclustercss", "markerclusterdefaultcss"):
        if name in wanted_css:
            header.add_child(_InlineAsset("css", wanted_css[name]), name=name)
    for name, child in rest.items():
        header.add_child(child, name=name)
    try:
        yield
    finally:
        for element, js, css in saved:
            for attr, value in (("default_js", js), ("default_css", css)):
                if value is None:
                    element.__dict__.pop(attr, None)
                else:
                    setattr(element, attr, value)
        header._children.clear()
        header._children.update(previous)


_REMOTE = re.compile(
    r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?\s*
                         (?:https?:)?//""",
    re.IGNORECASE | re.VERBOSE,
)


def render_html(m: folium.Map, offline: bool = True) -> str:
    """The complete HTML page of a map.

    Parameters
    ----------
    m : folium.Map
    offline : bool
        Inline Leaflet's scripts and styles (default) instead of linking them from CDNs.

    Returns
    -------
    str

    Raises
    ------
    InputError
        Offline, when an element on the map needs a script geozone does not ship.

    Examples
    --------
    >>> import folium
    >>> page = render_html(folium.Map(tiles=None))
    >>> "<script src=" in page, "Leaflet 1.9.4" in page
    (False, True)
    """
    root = m.get_root()
    if not offline:
        return root.render()
    with _inlined(root):
        page = root.render()
    remote = _REMOTE.search(page)
    if remote:
        raise InputError(
            f"offline HTML would still load {remote.group(0)!r}…; an element "
            "added outside folium's asset lists links a remote resource"
        )
    return page


def save_html(m: folium.Map, path, offline: bool = True) -> Path:
    """Write a map to one HTML file that opens in any browser.

    Parameters
    ----------
    m : folium.Map
        A map from :func:`interactive` (or any folium map using only Leaflet, marker clusters
        and heat maps, when ``offline``).
    path : str or path
    offline : bool
        Embed Leaflet's JavaScript and CSS so the file needs no network (default).

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from geozone.maps._toy import toy_agreement
    >>> out = save_html(interactive(toy_agreement()), pathlib.Path(tempfile.mkdtemp()) / "m.html")
    >>> "cdn.jsdelivr" in out.read_text(encoding="utf-8")
    False
    """
    path = Path(os.fspath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(m, offline=offline), encoding="utf-8")
    return path


class GeozoneMap(folium.Map):
    """A :class:`folium.Map` that saves and displays offline by default.

    ``save(path)`` writes the self-contained page (``offline=False`` for CDN links), and in
    Jupyter the map displays without internet too.
    """

    def save(self, outfile, close_file: bool = True, offline: bool = True, **kwargs):
        if isinstance(outfile, str | bytes | os.PathLike):
            save_html(self, os.fsdecode(outfile), offline=offline)
            return
        outfile.write(render_html(self, offline=offline).encode("utf-8"))
        if close_file:
            outfile.close()

    def _repr_html_(self, **kwargs) -> str:
        page = html.escape(render_html(self, offline=True))
        return (
            '<div style="width:100%;"><div style="position:relative;width:100%;height:0;'
            'padding-bottom:60%;"><iframe srcdoc="' + page + '" style="position:absolute;'
            'width:100%;height:100%;left:0;top:0;border:none !important;" allowfullscreen>'
            "</iframe></div></div>"
        )


# -- custom layers -----------------------------------------------------------------------------
class _Labels(folium.map.Layer):
    """Permanent text labels (unit names) built with ``textContent``.

    Rows are ``[lat, lon, text, css_class]``. Labels of class ``gz-sub`` show from ``min_zoom``
    (relative to the zoom that fits ``bounds``) upwards, so sub-unit names appear as the user
    zooms in instead of cluttering the first view.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.layerGroup();
        (function() {
            var rows = {{ this.rows_json }};
            for (var i = 0; i < rows.length; i++) {
                var r = rows[i];
                var el = document.createElement("span");
                el.textContent = r[2];
                L.tooltip({permanent: true, direction: "center", interactive: false,
                           opacity: 1, className: "gz-label " + r[3]})
                    .setLatLng([r[0], r[1]]).setContent(el).addTo({{ this.get_name() }});
            }
            var map = {{ this.map_name }};
            var detail = map.getBoundsZoom({{ this.bounds_json }}) + {{ this.zoom_step }};
            function update() {
                var c = map.getContainer();
                if (map.getZoom() >= detail) { c.classList.remove("gz-hide-sub"); }
                else { c.classList.add("gz-hide-sub"); }
            }
            map.on("zoomend", update);
            update();
        })();
        {% endmacro %}
    """)

    def __init__(
        self, rows, *, map_name: str, bounds, zoom_step: float, name: str, show: bool = True
    ):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "Labels"
        self.rows_json = _safe_json(rows)
        self.map_name = map_name
        self.bounds_json = _safe_json(bounds)
        self.zoom_step = float(zoom_step)


class _Points(folium.map.Layer, folium.elements.JSCSSMixin):
    """Circle markers on a canvas renderer, clustered above a threshold, with popups built
    from the row's fields with ``textContent``.

    Rows are ``[lat, lon, style_index, value, value, …]`` matching ``fields``.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function() {
            var fields = {{ this.fields_json }};
            var styles = {{ this.styles_json }};
            var rows = {{ this.rows_json }};
            var renderer = L.canvas({padding: 0.5});
            {%- if this.cluster %}
            var group = L.markerClusterGroup({chunkedLoading: true, chunkInterval: 100,
                maxClusterRadius: 50, showCoverageOnHover: false, spiderfyOnMaxZoom: true,
                disableClusteringAtZoom: 16});
            {%- else %}
            var group = L.featureGroup();
            {%- endif %}
            function popup(row) {
                var box = document.createElement("div");
                box.className = "gz-popup";
                var table = document.createElement("table");
                for (var i = 0; i < fields.length; i++) {
                    var value = row[3 + i];
                    if (value === null || value === "") { continue; }
                    var tr = table.insertRow();
                    var th = document.createElement("th");
                    th.textContent = fields[i];
                    tr.appendChild(th);
                    tr.insertCell().textContent = String(value);
                }
                box.appendChild(table);
                return box;
            }
            var markers = new Array(rows.length);
            for (var i = 0; i < rows.length; i++) {
                var r = rows[i];
                var options = Object.assign({renderer: renderer}, styles[r[2]]);
                var marker = L.circleMarker([r[0], r[1]], options);
                marker.bindPopup(popup.bind(null, r), {maxWidth: 360});
                markers[i] = marker;
            }
            {%- if this.cluster %}
            group.addLayers(markers);
            {%- else %}
            for (var j = 0; j < markers.length; j++) { group.addLayer(markers[j]); }
            {%- endif %}
            return group;
        })();
        {% endmacro %}
    """)

    default_js = folium.plugins.MarkerCluster.default_js
    default_css = folium.plugins.MarkerCluster.default_css

    def __init__(self, rows, fields, styles, *, name: str, cluster: bool, show: bool = True):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "Points"
        self.rows_json = _safe_json(rows)
        self.fields_json = _safe_json(fields)
        self.styles_json = _safe_json(styles)
        self.cluster = cluster
        if not cluster:
            self.default_js = []
            self.default_css = []


class _HtmlControl(MacroElement):
    """A Leaflet control holding HTML built (and escaped) in Python: the legend, the title."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function() {
            var control = L.control({position: {{ this.position|tojson }}});
            control.onAdd = function() {
                var div = L.DomUtil.create("div", {{ this.css_class|tojson }});
                div.innerHTML = {{ this.html_json }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            control.addTo({{ this._parent.get_name() }});
            {%- if this.zoom_below %}
            var map = {{ this._parent.get_name() }};
            if (map.zoomControl) { map.zoomControl.remove(); map.zoomControl.addTo(map); }
            {%- endif %}
            {%- if this.scale %}
            L.control.scale({imperial: false, maxWidth: 180}).addTo(
                {{ this._parent.get_name() }});
            {%- endif %}
            {%- if this.attribution %}
            {{ this._parent.get_name() }}.attributionControl.addAttribution(
                {{ this.attribution_json }});
            {%- endif %}
        })();
        {% endmacro %}
    """)

    def __init__(
        self,
        html_: str,
        *,
        position: str,
        css_class: str,
        zoom_below: bool = False,
        attribution: str | None = None,
        scale: bool = False,
    ):
        super().__init__()
        self._name = "HtmlControl"
        self.scale = scale
        self.html_json = _safe_json(html_)
        self.attribution_json = _safe_json(attribution)
        self.position = position
        self.css_class = css_class
        self.zoom_below = zoom_below
        self.attribution = attribution is not None


_CSS = """
<style>
/* "html .x" outranks leaflet.css, which is inlined after this block */
html .leaflet-container { background: %(background)s; font: 12px/1.4 %(font)s; }
html .leaflet-control-attribution { max-width: 55vw; font-size: 10px; line-height: 1.3; }
html .leaflet-control-layers { font-size: 12.5px; }
.leaflet-tooltip.gz-label { background: transparent; border: 0; box-shadow: none; padding: 0;
  color: #1a1a1a; font: 700 13px/1.1 %(font)s; letter-spacing: 0.04em; white-space: nowrap;
  text-shadow: 0 0 2px #fff, 0 0 3px #fff, 0 0 4px #fff, 0 0 5px #fff; pointer-events: none; }
.leaflet-tooltip.gz-label:before { display: none; }
.leaflet-tooltip.gz-label.gz-sub { font-weight: 400; font-size: 11px; letter-spacing: 0;
  color: #444; }
.leaflet-tooltip.gz-label.gz-ctx { font-weight: 400; font-style: italic; font-size: 12px;
  letter-spacing: 0; color: %(context_text)s; }
.gz-hide-sub .leaflet-tooltip.gz-label.gz-sub { display: none; }
.leaflet-tooltip.gz-tip { font: 12px/1.35 %(font)s; width: max-content; max-width: 340px;
  white-space: normal; }
.gz-tip b { font-size: 13px; }
.gz-popup table { border-collapse: collapse; font: 12px/1.35 %(font)s; }
.gz-popup th { text-align: left; padding: 1px 8px 1px 0; color: #555; font-weight: 600;
  vertical-align: top; }
.gz-popup td { padding: 1px 0; word-break: break-word; }
.gz-panel { background: rgba(255,255,255,0.94); padding: 8px 10px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); font: 12px/1.4 %(font)s; color: #1a1a1a; }
.gz-title { max-width: 460px; }
.gz-title b { font-size: 14px; line-height: 1.3; }
.gz-title small { color: #555; font-size: 12px; }
.gz-legend { max-height: 55vh; overflow-y: auto; }
.gz-legend h4 { margin: 0 0 4px; font-size: 13px; }
.gz-legend div.gz-row { display: flex; align-items: center; gap: 6px; margin: 2px 0; }
.gz-sw { display: inline-block; width: 13px; height: 13px; flex: none; }
.gz-pair { display: inline-flex; flex: none; }
.gz-line { display: inline-block; width: 26px; height: 0; flex: none; }
.gz-dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%%; flex: none; }
.gz-hatch { background: repeating-linear-gradient(45deg, #1a1a1a 0 1px, transparent 1px 5px);
  border: 1px dashed #1a1a1a; box-sizing: border-box; }
</style>
"""


# -- helpers -----------------------------------------------------------------------------------
def _esc(value) -> str:
    """HTML-escape a data string, braces included.

    Braces matter because branca compiles the *output* of every folium element's script as a
    Jinja template once more: a ``{{ … }}`` in data would be evaluated in Python when the page
    is rendered (``{{ 7*7 }}`` becomes 49; worse payloads run code). As HTML entities they
    display as braces and are inert to Jinja.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text_ = html.escape(str(value), quote=True)
    return text_.replace("{", "&#123;").replace("}", "&#125;")


_TEMPLATE_OPENERS = re.compile(r"\{(?=[{%#])")


def _safe_json(value) -> str:
    """JSON for a ``<script>``: ``<``, ``>``, ``&``, ``'`` escaped as Jinja's ``tojson`` does,
    and every ``{`` that would open a Jinja tag (``{{``, ``{%``, ``{#``) written ``\\u007b``.

    Structural JSON never puts ``{`` before ``{``, ``%`` or ``#`` (a key follows an object's
    brace), so only braces inside strings are touched, and JavaScript reads the same value.

    Examples
    --------
    >>> print(_safe_json(["{{ 7*7 }}", {"a": "</script>"}]))
    ["\\u007b{ 7*7 }}", {"a": "\\u003c/script\\u003e"}]
    """
    text_ = json.dumps(value, ensure_ascii=False)
    text_ = (
        text_.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("'", "\\u0027")
    )
    return _TEMPLATE_OPENERS.sub(r"\\u007b", text_)


def _num(value: float, digits: int, lang: str) -> str:
    text_ = f"{value:,.{digits}f}"
    if lang == "vi":  # 1.234,5 — Vietnamese writes the decimal comma
        text_ = text_.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text_


def _round_coords(geoms: np.ndarray, digits: int = 5) -> np.ndarray:
    return shapely.transform(geoms, lambda xy: np.round(xy, digits))


def _features(frame: gpd.GeoDataFrame, properties: list[dict]) -> dict:
    """A FeatureCollection dict in EPSG:4326 with rounded coordinates."""
    geoms = _round_coords(frame.to_crs(4326).geometry.values)
    features = []
    for geom, props in zip(geoms, properties, strict=True):
        if geom is None or geom.is_empty:
            continue
        features.append(
            {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)}
        )
    return {"type": "FeatureCollection", "features": features}


_ON_EACH = folium.JsCode("""
function(feature, layer) {
    var p = feature.properties;
    if (p.tip) { layer.bindTooltip(p.tip, {sticky: true, className: "gz-tip"}); }
    if (p.hover) {
        layer.on("mouseover", function(e) { e.target.setStyle(p.hover); });
        layer.on("mouseout", function(e) { e.target.setStyle(p.style); });
    }
}
""")


def _geojson(
    frame,
    properties,
    *,
    name: str,
    show: bool = True,
    interactive_: bool = True,
    control: bool = True,
) -> folium.GeoJson:
    data = _features(frame, properties)
    return folium.GeoJson(
        data,
        name=name,
        show=show,
        control=control,
        on_each_feature=_ON_EACH if interactive_ else None,
        interactive=interactive_,
        smooth_factor=0.5,
    )


def _tip(title: str, rows: list[tuple[str, str]]) -> str:
    """Tooltip HTML; ``title`` and row values must already be escaped."""
    body = "".join(f"<br>{_esc(k)}: {v}" for k, v in rows if v not in (None, ""))
    return f"<b>{title}</b>{body}"


def _map_bounds(layers: DisplayLayers) -> list[list[float]]:
    minx, miny, maxx, maxy = layers.focus_bounds
    box = gpd.GeoSeries([shapely.box(minx, miny, maxx, maxy)], crs=layers.crs).to_crs(4326)
    lon0, lat0, lon1, lat1 = box.total_bounds
    return [[round(lat0, 5), round(lon0, 5)], [round(lat1, 5), round(lon1, 5)]]


# -- the map -----------------------------------------------------------------------------------
def interactive(
    agreement,
    incidents=None,
    patrols=None,
    width_m: float | None = None,
    *,
    heatmap: bool = False,
    tiles=None,
    lang: str = "vi",
    cluster_threshold: int = 2000,
    patrol_radius_m: float | None = None,
    popup_fields=None,
    tolerance_m: float | None = None,
    context: bool = True,
) -> GeozoneMap:
    """An interactive map of an agreement, ready to save as one offline HTML file.

    Layers (each switchable in the layer control): neighbouring units (grey), the member
    units with their names, border strips coloured per member pair with each side a shade,
    junction zones, shared boundaries, and, when given, incidents (with an optional heat map),
    patrol points and the border stretches no patrol covers. Hovering a unit, strip,
    boundary or junction shows its names, codes, pair, side, length or area; clicking an
    incident shows its fields.

    Parameters
    ----------
    agreement : Agreement
        At the level to map (``agreement.at_level("commune")``).
    incidents : GeoDataFrame or path, optional
        Classified points (from :func:`geozone.classify.classify_points`) or points/a file to
        classify against ``agreement``.
    patrols : GeoDataFrame, optional
        Patrol points; their coverage of the shared boundaries comes from
        :func:`geozone.classify.patrol_coverage`.
    width_m : float, optional
        Strip width on each side (the agreement's by default).
    heatmap : bool
        Add an incident density layer.
    tiles : str or folium.TileLayer, optional
        A base map for online use (``"OpenStreetMap"``, ``"CartoDB positron"`` or a URL
        template). None (default): no tiles, the map works offline.
    lang : {"vi", "en"}
        Language of the legend, layer names and tooltips.
    cluster_threshold : int
        Incident and patrol layers with more points than this are clustered.
    patrol_radius_m : float, optional
        Distance in metres a patrol point covers along the border (required with
        ``patrols``), passed to ``patrol_coverage``.
    popup_fields : list of str, optional
        Incident columns shown on click (default: all but the geometry, at most 14).
    tolerance_m : float, optional
        Display simplification tolerance (default: from the agreement's extent).
    context : bool
        Draw the neighbouring non-member units.

    Returns
    -------
    GeozoneMap
        A :class:`folium.Map`; ``save(path)`` or :func:`save_html` writes it offline.

    Examples
    --------
    >>> from geozone.maps._toy import toy_agreement
    >>> m = interactive(toy_agreement(), lang="en")
    >>> sorted(child.layer_name for child in m._children.values()
    ...        if getattr(child, "control", False) and hasattr(child, "layer_name"))
    ['Border strips by pair', 'Junction zone', 'Provinces', 'Shared boundary', 'Unit names']
    """
    layers = display_layers(
        agreement, width_m, tolerance_m=tolerance_m, pixels=4000, context=context
    )
    bounds = _map_bounds(layers)
    m = GeozoneMap(
        location=[(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2],
        zoom_start=8,
        tiles=None,
        maxZoom=18,
        minZoom=4,
        zoomSnap=0.25,
        zoomDelta=0.5,
    )
    if tiles is not None:
        layer = (
            tiles
            if isinstance(tiles, folium.TileLayer)
            else folium.TileLayer(tiles, name=str(tiles), max_zoom=18, overlay=False, control=True)
        )
        layer.add_to(m)
    m.get_root().header.add_child(
        Element(
            _CSS
            % {
                "background": style.NEUTRAL["background"],
                "font": _FONT_STACK,
                "context_text": style.NEUTRAL["context_text"],
            }
        ),
        name="geozone_css",
    )

    t = lambda key, **kw: style.text(key, lang, **kw)  # noqa: E731
    level_units = t("units")[layers.level]
    if layers.context is not None and len(layers.context):
        _context_layer(layers.context, t("context")).add_to(m)
    _units_layer(layers, level_units, lang).add_to(m)
    if len(layers.strips):
        _strips_layer(layers, t("strips_by_pair"), lang).add_to(m)
    if len(layers.junctions):
        major = layers.junctions["major"].astype(bool).to_numpy()
        if major.any():
            _junctions_layer(layers, layers.junctions[major], t("junction_short"), lang).add_to(m)
        if (~major).any():  # two-member junctions below the member level: off at first
            _junctions_layer(
                layers, layers.junctions[~major], t("junction_minor"), lang, show=False
            ).add_to(m)
    if layers.level != layers.member_level:
        _members_layer(layers, t("members")).add_to(m)
    if len(layers.boundaries):
        _boundaries_layer(layers, t("boundary"), lang).add_to(m)

    points = prepare_points(incidents, agreement, width_m) if incidents is not None else None
    uncovered = None
    if patrols is not None:
        uncovered = _uncovered(patrols, agreement, patrol_radius_m)
        if uncovered is not None and len(uncovered):
            _uncovered_layer(uncovered, layers, t("uncovered"), lang).add_to(m)
        _patrol_layer(patrols, t("patrols"), cluster_threshold).add_to(m)
    if points is not None and len(points):
        if heatmap:
            coords = shapely.get_coordinates(points.geometry.values)
            folium.plugins.HeatMap(
                np.round(coords[:, ::-1], 6).tolist(),
                name=t("heatmap"),
                radius=14,
                blur=18,
                min_opacity=0.35,
                show=True,
            ).add_to(m)
        _incident_layer(points, t("incidents"), cluster_threshold, popup_fields).add_to(m)

    _labels(layers, m, bounds, t("labels")).add_to(m)
    _legend(layers, points, patrols, uncovered, heatmap, lang).add_to(m)
    title = agreement.short_title or agreement.title
    head = (
        f"<b>{_esc(title)}</b><br><small>"
        f"{_esc(style.subtitle(agreement, layers.width_m, lang))}</small>"
    )
    attribution = _esc(style.attribution(agreement, lang, layers.extra_datasets))
    _HtmlControl(
        head,
        position="topleft",
        css_class="gz-panel gz-title",
        zoom_below=True,
        attribution=attribution or None,
        scale=True,
    ).add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    m.fit_bounds(bounds)
    return m


def _context_layer(frame, name):
    props = [
        {
            "tip": f"<b>{_esc(rec.name)}</b> ({_esc(rec.code)})",
            "style": {
                "color": style.NEUTRAL["context_edge"],
                "weight": 1,
                "fillColor": style.NEUTRAL["context_fill"],
                "fillOpacity": 1,
            },
        }
        for rec in frame.itertuples(index=False)
    ]
    return _geojson(frame, props, name=name)


def _units_layer(layers: DisplayLayers, name: str, lang: str):
    units = layers.units
    sub = layers.level != layers.member_level
    props = []
    for rec in units.itertuples(index=False):
        full = getattr(rec, "full_name", None) or rec.name
        rows = [(style.text("code", lang), _esc(rec.code))]
        if sub:
            rows.append((style.text("members", lang), _esc(rec.member_name)))
        base = {
            "color": style.NEUTRAL["unit_edge"] if sub else style.NEUTRAL["member_edge"],
            "weight": 0.6 if sub else 1.2,
            "fillColor": style.NEUTRAL["unit_fill"],
            "fillOpacity": 1,
        }
        props.append(
            {
                "tip": _tip(_esc(full), rows),
                "style": base,
                "hover": {**base, "fillColor": "#FFF6D5"},
            }
        )
    return _geojson(units, props, name=name)


def _strips_layer(layers: DisplayLayers, name: str, lang: str):
    strips = layers.strips
    pairs = layers.pairs.set_index("key")
    units = dict(zip(layers.units["code"], layers.units["label"], strict=True))
    props = []
    width = f"{style.km(layers.width_m, lang)} km"
    for rec in strips.itertuples(index=False):
        pair = pairs.loc[rec.pair_key] if rec.pair_key in pairs.index else None
        pair_name = f"{pair.name_a} – {pair.name_b}" if pair is not None else rec.pair_key
        own = units.get(rec.code, rec.name)
        other = units.get(rec.neighbour_code, rec.neighbour_name)
        rows = [
            (style.text("pair", lang), f"{_esc(pair_name)} ({_esc(rec.pair_id)})"),
            (style.text("side", lang), f"{_esc(own)} ({_esc(rec.code)})"),
            (style.text("width", lang), _esc(width)),
            (style.text("strip_area", lang), f"{_num(float(rec.area_m2) / 1e6, 1, lang)} km²"),
        ]
        # No outline, nearly opaque: where strips of neighbouring unit pairs overlap the band
        # stays one colour, and unit edges still show faintly through it.
        base = {
            "color": style.edge_colour(rec.colour),
            "weight": 0,
            "opacity": 0,
            "fillColor": rec.fill,
            "fillOpacity": 0.9,
        }
        props.append(
            {
                "tip": _tip(f"{_esc(own)} → {_esc(other)}", rows),
                "style": base,
                "hover": {**base, "weight": 2, "opacity": 1, "fillOpacity": 1},
            }
        )
    # Second members' sides first, as on the slide map: full-colour sides stay on top.
    order = np.argsort(-strips["side"].to_numpy(), kind="stable")
    return _geojson(strips.iloc[order], [props[i] for i in order], name=name)


def _junctions_layer(layers: DisplayLayers, zones, name: str, lang: str, show: bool = True):
    props = []
    for rec in zones.itertuples(index=False):
        rows = [
            (style.text("units_at", lang), _esc(rec.names)),
            (style.text("code", lang), _esc(str(rec.codes).replace("|", ", "))),
            (style.text("radius", lang), f"{style.km(layers.radius_m, lang)} km"),
        ]
        base = {
            "color": style.NEUTRAL["junction"],
            "weight": 1.2,
            "dashArray": "4 3",
            "fillColor": "#FFFFFF",
            "fillOpacity": 0.35 if rec.major else 0.15,
            "opacity": 1 if rec.major else 0.5,
        }
        props.append(
            {
                "tip": _tip(_esc(style.text("junction_short", lang)), rows),
                "style": base,
                "hover": {**base, "weight": 2.5, "fillOpacity": 0.5},
            }
        )
    return _geojson(zones, props, name=name, show=show)


def _members_layer(layers: DisplayLayers, name: str):
    props = [
        {"style": {"color": style.NEUTRAL["member_edge"], "weight": 2, "fill": False, "opacity": 1}}
        for _ in range(len(layers.members))
    ]
    return _geojson(layers.members, props, name=name, interactive_=False)


def _boundaries_layer(layers: DisplayLayers, name: str, lang: str):
    lines = layers.boundaries
    props = []
    for rec in lines.itertuples(index=False):
        rows = [
            (style.text("code", lang), f"{_esc(rec.code_a)} – {_esc(rec.code_b)}"),
            (style.text("shared_length", lang), f"{_num(float(rec.length_m) / 1000, 1, lang)} km"),
        ]
        base = {"color": style.NEUTRAL["boundary"], "weight": 3, "opacity": 1}
        props.append(
            {
                "tip": _tip(f"{_esc(rec.name_a)} – {_esc(rec.name_b)}", rows),
                "style": base,
                "hover": {**base, "weight": 6, "color": "#000000"},
            }
        )
    return _geojson(lines, props, name=name)


def _labels(layers: DisplayLayers, m, bounds, name: str):
    rows = []

    def add(frame, texts, css):
        points = frame.geometry.values
        for geom, text_ in zip(points, texts, strict=True):
            if geom is None or geom.is_empty or not text_:
                continue
            rows.append([geom, str(text_), css])

    from geozone.maps.static import _anchor  # the same label anchor as on slides

    def anchors(frame):
        return gpd.GeoDataFrame(
            geometry=[_anchor(g) if g is not None else None for g in frame.geometry.values],
            crs=frame.crs,
        )

    if layers.context is not None and len(layers.context):
        add(anchors(layers.context), layers.context["name"], "gz-ctx")
    sub = layers.level != layers.member_level
    add(anchors(layers.members), [str(n).upper() for n in layers.members["name"]], "")
    if sub:
        add(anchors(layers.units), layers.units["label"], "gz-sub")
    geoms = gpd.GeoSeries([r[0] for r in rows], crs=layers.crs).to_crs(4326)
    data = [
        [round(g.y, 5), round(g.x, 5), text_, css]
        for g, (_, text_, css) in zip(geoms.values, rows, strict=True)
    ]
    step = 2.0 if layers.level == "commune" else 1.0
    return _Labels(data, map_name=m.get_name(), bounds=bounds, zoom_step=step, name=name)


# -- points ------------------------------------------------------------------------------------
_CLASSIFY_COLUMNS = [
    "unit_code",
    "unit_name",
    "zone",
    "side",
    "junction",
    "dist_to_border_m",
    "in_zone",
    "status",
]


def _cell(value):
    if value is None:
        return None
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return None
        return round(float(value), 1)
    if isinstance(value, np.integer | np.bool_):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if pd.isna(value) if np.isscalar(value) else False:
        return None
    return str(value)


def _column_values(series: pd.Series) -> list:
    """A column as JSON-ready values, column-wise (fast for 100,000 rows): numbers rounded
    to 0.1, booleans kept, dates ISO, everything else text, missing values null."""
    missing = series.isna().to_numpy()
    if pd.api.types.is_bool_dtype(series):
        values = series.astype(object).tolist()
    elif pd.api.types.is_numeric_dtype(series):
        values = series.astype(float).round(1).tolist()
    elif pd.api.types.is_datetime64_any_dtype(series):
        values = series.map(lambda v: v.isoformat() if not pd.isna(v) else None).tolist()
    else:
        values = series.astype(object).map(_cell).tolist()
    return [None if gone else value for value, gone in zip(values, missing, strict=True)]


def _point_rows(points: gpd.GeoDataFrame, style_index: np.ndarray, fields: list[str]):
    coords = np.round(shapely.get_coordinates(points.geometry.values), 6)
    columns = [_column_values(points[f]) for f in fields]
    return [
        [lat, lon, idx, *values]
        for lat, lon, idx, *values in zip(
            coords[:, 1].tolist(),
            coords[:, 0].tolist(),
            style_index.tolist(),
            *columns,
            strict=True,
        )
    ]


def _incident_layer(points: gpd.GeoDataFrame, name: str, threshold: int, popup_fields):
    geometry = points.geometry.name
    if popup_fields is None:
        own = [c for c in points.columns if c != geometry and c not in _CLASSIFY_COLUMNS]
        fields = (own + [c for c in _CLASSIFY_COLUMNS if c in points.columns])[:14]
    else:
        missing = [f for f in popup_fields if f not in points.columns]
        if missing:
            raise InputError(
                f"popup_fields {missing} are not columns of the incidents; they "
                f"have {[c for c in points.columns if c != geometry]}"
            )
        fields = list(popup_fields)
    points = points[shapely.get_type_id(points.geometry.values) == 0]  # points only
    from geozone.maps.static import _in_zone

    inside = _in_zone(points)
    styles = [
        {
            "radius": 5,
            "color": "#FFFFFF",
            "weight": 1,
            "fillColor": style.NEUTRAL["incident_in"],
            "fillOpacity": 0.95,
        },
        {
            "radius": 4,
            "color": "#FFFFFF",
            "weight": 0.5,
            "fillColor": style.NEUTRAL["incident_out"],
            "fillOpacity": 0.8,
        },
    ]
    rows = _point_rows(points, np.where(inside, 0, 1), fields)
    return _Points(rows, [str(f) for f in fields], styles, name=name, cluster=len(rows) > threshold)


def _patrol_layer(patrols, name: str, threshold: int):
    if not isinstance(patrols, gpd.GeoDataFrame) or patrols.crs is None:
        raise InputError("patrols: expected a GeoDataFrame with a CRS")
    points = patrols.to_crs(4326)
    points = points[shapely.get_type_id(points.geometry.values) == 0]
    fields = [c for c in points.columns if c != points.geometry.name][:10]
    styles = [
        {
            "radius": 4,
            "color": "#FFFFFF",
            "weight": 1,
            "fillColor": style.NEUTRAL["patrol"],
            "fillOpacity": 0.95,
        }
    ]
    rows = _point_rows(points, np.zeros(len(points), dtype=int), fields)
    return _Points(rows, [str(f) for f in fields], styles, name=name, cluster=len(rows) > threshold)


def _uncovered(patrols, agreement, radius_m):
    from geozone.classify import patrol_coverage

    if radius_m is None:
        raise InputError(
            "patrols: give patrol_radius_m, the distance in metres a patrol "
            "point covers along the border (e.g. 1000)"
        )
    coverage = patrol_coverage(patrols, agreement, float(radius_m))
    if coverage is None or len(coverage) == 0:
        return None
    geoms = coverage.geometry.values
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    return coverage[keep]


def _uncovered_layer(coverage, layers: DisplayLayers, name: str, lang: str):
    frame = coverage.to_crs(layers.crs)
    frame = frame.set_geometry(shapely.simplify(frame.geometry.values, layers.tolerance_m))
    props = []
    for i in range(len(frame)):
        rec = frame.iloc[i]
        rows = [
            (str(col), _esc(_cell(rec[col]))) for col in frame.columns if col != frame.geometry.name
        ][:10]
        rows.append(
            (
                style.text("stretch", lang),
                f"{_num(frame.geometry.values[i].length / 1000, 1, lang)} km",
            )
        )
        base = {"color": style.NEUTRAL["uncovered"], "weight": 4, "dashArray": "8 5", "opacity": 1}
        props.append(
            {
                "tip": _tip(_esc(style.text("uncovered", lang)), rows),
                "style": base,
                "hover": {**base, "weight": 7},
            }
        )
    return _geojson(frame, props, name=name)


# -- legend ------------------------------------------------------------------------------------
def _legend(layers: DisplayLayers, points, patrols, uncovered, heatmap, lang: str):
    t = lambda key, **kw: style.text(key, lang, **kw)  # noqa: E731
    rows = []
    for rec in layers.pairs.itertuples(index=False):
        mark = (
            f'<span class="gz-pair"><span class="gz-sw" style="background:{rec.fill_a}">'
            f'</span><span class="gz-sw" style="background:{rec.fill_b}"></span></span>'
        )
        rows.append(f'<div class="gz-row">{mark} {_esc(rec.name_a)} – {_esc(rec.name_b)}</div>')

    def row(mark: str, label: str):
        rows.append(f'<div class="gz-row">{mark} {_esc(label)}</div>')

    row(
        f'<span class="gz-line" style="border-top:3px solid {style.NEUTRAL["boundary"]}"></span>',
        t("boundary"),
    )
    if len(layers.junctions) and layers.junctions["major"].astype(bool).any():
        row(
            '<span class="gz-sw gz-hatch"></span>',
            t("junction", km=style.km(layers.radius_m, lang)),
        )
    if layers.context is not None and len(layers.context):
        row(
            f'<span class="gz-sw" style="background:{style.NEUTRAL["context_fill"]};'
            'border:1px solid #aaa"></span>',
            t("context"),
        )
    if points is not None and len(points):
        from geozone.maps.static import _in_zone

        inside = _in_zone(points)
        row(
            f'<span class="gz-dot" style="background:{style.NEUTRAL["incident_in"]}"></span>',
            f"{t('incidents_in')} ({_num(inside.sum(), 0, lang)})",
        )
        row(
            f'<span class="gz-dot" style="background:{style.NEUTRAL["incident_out"]}"></span>',
            f"{t('incidents_out')} ({_num((~inside).sum(), 0, lang)})",
        )
        if heatmap:
            row(
                '<span class="gz-sw" style="background:linear-gradient(90deg,#3050ff,#40ff40,'
                '#ffff30,#ff3020)"></span>',
                t("heatmap"),
            )
    if patrols is not None:
        row(
            f'<span class="gz-dot" style="background:{style.NEUTRAL["patrol"]}"></span>',
            t("patrols"),
        )
    if uncovered is not None and len(uncovered):
        row(
            f'<span class="gz-line" style="border-top:3px dashed '
            f'{style.NEUTRAL["uncovered"]}"></span>',
            t("uncovered"),
        )
    title = t("strip", km=style.km(layers.width_m, lang)) if len(layers.pairs) else t("boundary")
    body = f"<h4>{_esc(title)}</h4>" + "".join(rows)
    return _HtmlControl(body, position="bottomright", css_class="gz-panel gz-legend")
