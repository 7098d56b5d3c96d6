"""Hostile strings from data never become markup or code in any output; files stay where
they belong."""

import ast
import zipfile
from pathlib import Path

import pytest

from geozone.maps import agreement_deck, interactive, render_html, save_figure, static
from geozone.maps._toy import toy_agreement

HOSTILE = ["<script>alert(1)</script>", '" onmouseover="alert(2)', "{{ 'gz' * 3 }}", "A & B"]


@pytest.fixture(scope="module")
def hostile():
    return toy_agreement(names=HOSTILE)


def test_html_escapes_names_and_never_runs_templates(hostile):
    page = render_html(interactive(hostile))
    assert "<script>alert(1)</script>" not in page
    assert '" onmouseover="alert(2)' not in page
    assert "gzgzgz" not in page  # folium re-renders through Jinja: braces must not survive


def test_svg_keeps_hostile_names_as_text(hostile, tmp_path):
    svg = save_figure(static(hostile, size=(1280, 720), locator=False), tmp_path / "m.svg")
    import xml.etree.ElementTree as ET

    text = svg.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    elements = list(ET.fromstring(text).iter())
    assert not [e for e in elements if e.tag.endswith("}script")]
    assert not [k for e in elements for k in e.attrib if k.lower().startswith("on")]
    texts = " ".join(e.text or "" for e in elements)
    assert '" onmouseover="alert(2)' in texts  # the name is shown, as text


def test_pptx_stores_hostile_names_as_plain_text(hostile, tmp_path):
    pptx = pytest.importorskip("pptx")
    path = agreement_deck(hostile, tmp_path / "d.pptx")
    texts = [
        run.text
        for slide in pptx.Presentation(path).slides
        for shape in slide.shapes
        for paragraph in (shape.text_frame.paragraphs if shape.has_text_frame else [])
        for run in paragraph.runs
    ]
    texts += [
        cell.text
        for slide in pptx.Presentation(path).slides
        for shape in slide.shapes
        if shape.has_table
        for row in shape.table.rows
        for cell in row.cells
    ]
    joined = " ".join(texts)
    assert "<script>alert(1)</script>" in joined  # shown as text, exactly
    with zipfile.ZipFile(path) as archive:
        xml = " ".join(
            archive.read(n).decode("utf-8", "replace")
            for n in archive.namelist()
            if n.endswith(".xml")
        )
    assert "<script>" not in xml


def test_zip_members_are_read_in_place_not_extracted(tmp_path):
    import geopandas as gpd
    from shapely.geometry import box

    from geozone.units import load_units

    layer = gpd.GeoDataFrame(
        {"code": ["01"], "name": ["A"]}, geometry=[box(105, 10, 106, 11)], crs=4326
    )
    source = tmp_path / "layer.geojson"
    layer.to_file(source)
    archive_path = tmp_path / "inner" / "evil.zip"
    archive_path.parent.mkdir()
    with zipfile.ZipFile(archive_path, "w") as archive:
        archive.write(source, "../../escaped.geojson")
    before = set(tmp_path.rglob("*"))
    units = load_units(archive_path, level="province")
    assert units.code.tolist() == ["01"]
    assert set(tmp_path.rglob("*")) == before  # nothing written anywhere


def test_package_never_unpickles_or_evaluates_data():
    package = Path(__file__).resolve().parents[1] / "geozone"
    forbidden = {"pickle", "marshal", "shelve", "dill", "cloudpickle"}
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not {a.name.split(".")[0] for a in node.names} & forbidden, path
            elif isinstance(node, ast.ImportFrom) and node.module:
                assert node.module.split(".")[0] not in forbidden, path
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in ("eval", "exec"), f"{path}:{node.lineno}"
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                # yaml.load without a safe loader would build arbitrary objects
                assert not (
                    node.func.attr == "load"
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "yaml"
                ), f"{path}:{node.lineno}"
