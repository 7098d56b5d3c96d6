"""Interactive maps: offline HTML, escaping of every data string, size, and a real browser."""

from __future__ import annotations

import html.parser
import os
import shutil
import tempfile
import time
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from fixtures.maps_stub import HOSTILE_NAMES, METRIC, StubAgreement, classified_incidents

from geozone.errors import InputError
from geozone.maps import interactive, save_html
from geozone.maps._layers import display_layers
from geozone.maps.interactive import GeozoneMap, render_html


class _Tags(html.parser.HTMLParser):
    """Every start tag of a page with its attributes (what a browser would create)."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


@pytest.fixture(scope="module")
def hostile():
    return StubAgreement(HOSTILE_NAMES, title="Quy chế <script>alert(1)</script> & {{ 7*7 }}")


@pytest.fixture(scope="module")
def hostile_page(hostile, tmp_path_factory):
    m = interactive(hostile, classified_incidents(hostile))
    path = save_html(m, tmp_path_factory.mktemp("html") / "hostile.html")
    return m, path, path.read_text(encoding="utf-8")


def test_offline_html_loads_nothing_from_the_network(hostile_page):
    _, _, page = hostile_page
    tags = _tags(page)
    remote = [
        (t, a)
        for t, a in tags
        if t in ("script", "link", "img", "iframe")
        and (a.get("src") or a.get("href") or "").lstrip().startswith(("http", "//"))
    ]
    assert remote == []
    assert not any(t == "script" and "src" in a for t, a in tags)
    assert "Leaflet 1.9.4" in page and "L.MarkerClusterGroup" not in page  # few points
    assert "url(images/" not in page and "url(data:image/png;base64," in page


def test_online_html_links_the_cdns(hostile):
    page = render_html(interactive(hostile), offline=False)
    assert any(t == "script" and a.get("src", "").startswith("https://") for t, a in _tags(page))


def test_rendering_offline_leaves_the_map_reusable(hostile):
    m = interactive(hostile)
    offline = render_html(m)
    online = render_html(m, offline=False)
    assert "cdn.jsdelivr.net/npm/leaflet" in online
    again = render_html(m)
    # folium appends a harmless duplicate ``addTo`` per layer on every render; the head (all
    # the assets) must be the same.
    assert again.split("</head>")[0] == offline.split("</head>")[0]
    assert "<script src=" not in again


def test_every_data_string_is_escaped(hostile_page):
    _, _, page = hostile_page
    # Nothing a browser would turn into an element or an attribute…
    assert "<script>alert(1)</script>" not in page
    assert 'onerror="window.__xss' not in page
    tags = _tags(page)
    assert not [t for t, _ in tags if t in ("img", "b")]
    assert not any(k.startswith("on") for _, attrs in tags for k in attrs)
    # …while the strings are all there, as escaped text.
    assert "\\u0026lt;script\\u0026gt;alert(1)\\u0026lt;/script\\u0026gt;" in page  # tooltip
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in page  # labels, popups
    assert "\\u0026#123;\\u0026#123; 7*7 \\u0026#125;\\u0026#125;" in page  # tooltips
    assert "\\u007b{ 7*7 }}" in page  # labels and popups: JSON escape, same string in JS


def test_template_syntax_in_data_is_never_evaluated():
    """branca compiles each element's rendered script as a Jinja template again, so a name
    like ``{{ … }}`` would run in Python (folium's own GeoJsonTooltip does this): geozone's
    data must reach the page with no Jinja opener left."""
    names = [
        "{{ 'gz' * 3 }}",
        "{% if 1 %}x{% endif %}",
        "{# c #}Bắc Hải",
        "{{ self.__init__.__globals__ }}",
    ]
    stub = StubAgreement(names, title="{{ 'gz' * 3 }}")
    incidents = classified_incidents(stub).assign(mo_ta="{{ 'gz' * 3 }}")
    page = render_html(interactive(stub, incidents, heatmap=True))
    assert "gzgzgz" not in page
    assert "{{" not in page.split("</head>")[1] and "{%" not in page.split("</head>")[1]
    assert "\\u0026#123;% if 1 %\\u0026#125;x" in page  # a tooltip: braces as entities


def test_layers_legend_and_bounds(hostile):
    m = interactive(hostile, classified_incidents(hostile), lang="en")
    names = [
        c.layer_name
        for c in m._children.values()
        if getattr(c, "control", False) and hasattr(c, "layer_name")
    ]
    assert names == [
        "Provinces",
        "Border strips by pair",
        "Junction zone",
        "Shared boundary",
        "Incidents",
        "Unit names",
    ]
    page = render_html(m)
    assert "fitBounds" in page and "L.control.layers" in page
    legend = display_layers(hostile, context=False).pairs
    for rec in legend.itertuples():
        assert rec.fill_a in page and rec.fill_b in page
    assert "Incidents in a border zone (40)" in page  # 4 pairs × 2 sides × 5 points
    assert "Incidents outside the border zones (4)" in page


def test_large_incident_layers_are_clustered_on_canvas(hostile):
    points = _many_points(hostile, 5000)
    m = interactive(hostile, points, heatmap=True, cluster_threshold=2000)
    page = render_html(m)
    assert "L.markerClusterGroup" in page and "chunkedLoading: true" in page
    assert "L.canvas(" in page and "simpleheat" in page


def test_unsupported_elements_are_refused_offline(hostile):
    m = interactive(hostile)
    folium.Marker([10.0, 105.0], icon=folium.Icon(color="red")).add_to(m)
    with pytest.raises(InputError, match="awesome"):
        render_html(m)
    assert "awesome-markers" in render_html(m, offline=False)


def test_save_method_and_notebook_display_are_offline(hostile, tmp_path):
    m = interactive(hostile)
    assert isinstance(m, GeozoneMap) and isinstance(m, folium.Map)
    m.save(tmp_path / "m.html")
    assert "<script src=" not in (tmp_path / "m.html").read_text(encoding="utf-8")
    shown = m._repr_html_()
    assert shown.startswith("<div") and "srcdoc=" in shown and "Leaflet 1.9.4" in shown


def test_patrols_and_uncovered_stretches(hostile, monkeypatch):
    import geozone.classify

    lines = hostile.shared_boundaries.to_crs(METRIC)
    gap = shapely.line_interpolate_point(lines.geometry.values[0], [0.2, 0.6])
    stretch = shapely.LineString(gap)
    coverage = gpd.GeoDataFrame(
        {
            "pair_id": ["01-02"],
            "shared_length_m": [40000.0],
            "covered_length_m": [20000.0],
            "covered_share": [0.5],
        },
        geometry=[stretch],
        crs=METRIC,
    ).to_crs(4326)
    calls = []

    def fake(patrols, agreement, radius_m, **kwargs):
        calls.append(radius_m)
        return coverage

    monkeypatch.setattr(geozone.classify, "patrol_coverage", fake)
    patrols = classified_incidents(hostile)[["vu_viec", "geometry"]].rename(
        columns={"vu_viec": "to_tuan_tra"}
    )
    m = interactive(hostile, patrols=patrols, patrol_radius_m=1500, lang="en")
    page = render_html(m)
    assert calls == [1500.0]
    assert "Border stretch without patrols" in page and "Patrol points" in page
    assert "covered_share" in page


def test_patrols_need_a_radius(hostile):
    with pytest.raises(InputError, match="patrol_radius_m"):
        interactive(hostile, patrols=classified_incidents(hostile))


def test_popup_fields_are_checked(hostile):
    with pytest.raises(InputError, match="not columns"):
        interactive(hostile, classified_incidents(hostile), popup_fields=["nope"])


def _many_points(agreement, n, seed=3):
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = agreement.units.to_crs(METRIC).total_bounds
    xy = np.column_stack([rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)])
    inside = rng.random(n) < 0.4
    frame = gpd.GeoDataFrame(
        {
            "vu_viec": [f"V{i}" for i in range(n)],
            "ngay": pd.date_range("2025-01-01", periods=n, freq="5min").strftime("%d/%m/%Y"),
            "zone": np.where(inside, "01-02", None),
            "side": np.where(inside, "01", None),
            "in_zone": inside,
            "status": "ok",
        },
        geometry=shapely.points(xy),
        crs=METRIC,
    )
    return frame.to_crs(4326)


# -- real data ---------------------------------------------------------------------------------
@pytest.mark.realdata
def test_commune_level_map_stays_small(data_dir, tmp_path):
    from geozone import agreement

    a = agreement("csh-tay-nam-2025", level="commune")
    start = time.perf_counter()
    path = save_html(interactive(a), tmp_path / "communes.html")
    elapsed = time.perf_counter() - start
    size = path.stat().st_size
    assert size < 5_000_000, f"{size / 1e6:.1f} MB"
    page = path.read_text(encoding="utf-8")
    assert "Ninh Kiều" in page and "<script src=" not in page
    assert elapsed < 60


# -- in a browser ------------------------------------------------------------------------------
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def browser():
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        message = f"headless Chromium not installed ({CHROMIUM}, {CHROMEDRIVER}): make browser"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="geozone-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        "--disable-dev-shm-usage",
        "--window-size=1400,900",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--proxy-server=127.0.0.1:9",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    # No network at all: the page must render from what the file carries.
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
    )
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _open(driver, path: Path, ready_js: str, timeout: float = 20.0):
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(path.resolve().as_uri())
    deadline = time.monotonic() + timeout
    while not driver.execute_script(ready_js):
        if time.monotonic() > deadline:
            raise AssertionError(f"page not ready after {timeout} s: {ready_js}")
        time.sleep(0.1)
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


@pytest.mark.browser
def test_map_renders_offline_in_chromium(browser, hostile_page, tmp_path):
    m, path, _ = hostile_page
    name = m.get_name()
    errors = _open(browser, path, "return document.querySelectorAll('.gz-label').length > 0")
    assert errors == [], errors
    counts = browser.execute_script(f"""
        var map = window[{name!r}], n = 0;
        map.eachLayer(function() {{ n++; }});
        return {{layers: n, paths: document.querySelectorAll('path.leaflet-interactive').length,
                 canvas: document.querySelectorAll('canvas').length,
                 labels: document.querySelectorAll('.gz-label').length,
                 legend: document.querySelector('.gz-legend').textContent}};
    """)
    # 4 units + 8 strip sides + 1 junction + 4 boundaries as SVG paths; incidents on canvas.
    assert counts["paths"] == 17, counts
    assert counts["canvas"] >= 1 and counts["layers"] > 40
    assert counts["labels"] == 4
    assert "<script>alert(1)</script>" in counts["legend"]  # shown as text
    shot = tmp_path / "shot.png"
    browser.save_screenshot(str(shot))
    from PIL import Image

    image = np.asarray(Image.open(shot).convert("RGB")).reshape(-1, 3)
    _, counts_ = np.unique(image // 8, axis=0, return_counts=True)
    assert (counts_ > 500).sum() >= 8, "screenshot looks blank"
    layers = display_layers(StubAgreement(), context=False)
    for rec in layers.pairs.itertuples():
        for fill in (rec.fill_a, rec.fill_b):
            target = np.array([int(fill[i : i + 2], 16) for i in (1, 3, 5)])
            near = (np.abs(image.astype(int) - target).max(axis=1) <= 30).sum()
            assert near > 200, (rec.key, fill, near)


@pytest.mark.browser
def test_tooltips_and_popups_show_data_as_text(browser, hostile_page):
    m, path, _ = hostile_page
    name = m.get_name()
    _open(browser, path, "return document.querySelectorAll('.gz-label').length > 0")
    result = browser.execute_script(f"""
        var map = window[{name!r}], tips = [], popups = [];
        map.eachLayer(function(layer) {{
            if (layer.getTooltip && layer.getTooltip() && !layer.getTooltip().options.permanent) {{
                layer.openTooltip();
                tips.push(layer.getTooltip().getElement().textContent);
            }}
            if (layer.getPopup && layer.getPopup()) {{
                var content = layer.getPopup().getContent();
                var el = typeof content === "function" ? content(layer) : content;
                document.body.appendChild(el);
                popups.push(el.textContent);
            }}
        }});
        return {{tips: tips, popups: popups,
                 injected: document.querySelectorAll(
                    '.leaflet-tooltip img, .leaflet-tooltip b b, .gz-popup img').length}};
    """)
    time.sleep(0.5)  # an injected <img onerror> would have fired by now
    assert browser.execute_script("return window.__xss === undefined")
    assert result["injected"] == 0
    assert any("<script>alert(1)</script>" in t for t in result["tips"])
    assert any('"onmouseover=alert(1) x="' in t for t in result["tips"])
    assert any("{{ 7*7 }} & <b>Cần Thơ</b>" in t for t in result["tips"])
    assert len(result["popups"]) == 44
    assert any("<script>alert(1)</script>" in p for p in result["popups"])


@pytest.mark.browser
@pytest.mark.slow
def test_100k_incidents_cluster_and_zoom(browser, tmp_path):
    # How fast this is belongs to benchmarks; here: 100k incidents load, cluster, and zoom in
    # to individual markers without a script error.
    stub = StubAgreement()
    m = interactive(stub, _many_points(stub, 100_000), heatmap=True)
    path = save_html(m, tmp_path / "many.html")
    errors = _open(
        browser, path, "return document.querySelectorAll('.marker-cluster').length > 0", timeout=60
    )
    assert errors == [], errors
    clusters = browser.execute_script("return document.querySelectorAll('.marker-cluster').length")
    browser.execute_script(f"window[{m.get_name()!r}].setZoom(11, {{animate: false}});")
    after = browser.execute_script("return document.querySelectorAll('.marker-cluster').length")
    assert after != clusters  # the clusters split as the map zooms in
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
