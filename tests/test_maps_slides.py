"""PowerPoint decks: slides, tables, escaping, the optional dependency."""

from __future__ import annotations

import sys
import zipfile

import pytest
from fixtures.maps_stub import HOSTILE_NAMES, StubAgreement, classified_incidents
from lxml import etree

from geozone.errors import InputError
from geozone.maps import agreement_deck

pptx = pytest.importorskip("pptx", reason="python-pptx is the geozone[slides] extra")


def _tables(slide):
    return [shape.table for shape in slide.shapes if shape.has_table]


def _texts(slide):
    return [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]


@pytest.fixture(scope="module")
def deck(tmp_path_factory):
    stub = StubAgreement(HOSTILE_NAMES, title="Quy chế phối hợp <script>x</script> & Cần Thơ")
    path = agreement_deck(
        stub,
        tmp_path_factory.mktemp("deck") / "deck.pptx",
        incidents=classified_incidents(stub),
        map_size=(1280, 720),
    )
    return stub, path


def test_deck_has_title_map_pairs_and_incident_slides(deck):
    stub, path = deck
    prs = pptx.Presentation(path)
    slides = list(prs.slides)
    assert len(slides) == 4
    assert round(prs.slide_width / prs.slide_height, 3) == round(16 / 9, 3)
    assert any("Quy chế phối hợp <script>x</script> & Cần Thơ" in t for t in _texts(slides[0]))
    pictures = [s for s in slides[1].shapes if s.shape_type == 13]  # MSO_SHAPE_TYPE.PICTURE
    assert len(pictures) == 1
    assert (pictures[0].width, pictures[0].height) == (prs.slide_width, prs.slide_height)
    (pairs,) = _tables(slides[2])
    assert len(pairs.rows) == 1 + len(stub.pairs)  # header + one row per pair
    header = [pairs.cell(0, j).text for j in range(len(pairs.columns))]
    assert header[1:] == [
        "Cặp",
        "Đơn vị A",
        "Đơn vị B",
        "Ranh giới chung (km)",
        "Dải phía A (km²)",
        "Dải phía B (km²)",
    ]
    summary = stub.summary()
    first = [pairs.cell(1, j).text for j in range(len(pairs.columns))]
    assert first[1] == summary.pair_id.iloc[0]
    assert first[4] == f"{summary.shared_km.iloc[0]:.1f}".replace(".", ",")
    (counts,) = _tables(slides[3])
    rows = [[counts.cell(i, j).text for j in range(4)] for i in range(len(counts.rows))]
    assert rows[-1][1] == "Tổng cộng" and rows[-1][3] == "44"
    assert ["", "Ngoài địa bàn giáp ranh", "", "4"] in rows
    in_zone = sum(int(r[3]) for r in rows[1:-1] if r[1] != "Ngoài địa bàn giáp ranh")
    assert in_zone == 40


def test_data_strings_are_plain_escaped_text(deck):
    _, path = deck
    prs = pptx.Presentation(path)
    cells = [
        cell.text
        for slide in prs.slides
        for table in _tables(slide)
        for row in table.rows
        for cell in row.cells
    ]
    assert "<script>alert(1)</script>" in cells
    assert "{{ 7*7 }} & <b>Cần Thơ</b>" in cells
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("ppt/slides/slide") and name.endswith(".xml"):
                data = archive.read(name)
                etree.fromstring(data)  # well-formed
                assert b"<script>" not in data and b"<b>" not in data
    with zipfile.ZipFile(path) as archive:
        table_xml = archive.read("ppt/slides/slide3.xml").decode("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in table_xml
    assert "{{ 7*7 }} &amp; &lt;b&gt;Cần Thơ&lt;/b&gt;" in table_xml


def test_control_characters_cannot_break_the_xml(tmp_path):
    stub = StubAgreement(["Hà\x0bTây", "Bắc\x00Hải", "Đông Ân", "Ý Yên"])
    path = agreement_deck(stub, tmp_path / "d.pptx", map_size=(960, 540))
    cells = [
        cell.text
        for slide in pptx.Presentation(path).slides
        for table in _tables(slide)
        for row in table.rows
        for cell in row.cells
    ]
    assert "HàTây" in cells and "BắcHải" in cells


def test_missing_python_pptx_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pptx", None)
    with pytest.raises(InputError, match=r"geozone\[slides\]"):
        agreement_deck(StubAgreement(), tmp_path / "d.pptx")


def test_deck_needs_a_pptx_path(tmp_path):
    with pytest.raises(InputError, match=r"\.pptx"):
        agreement_deck(StubAgreement(), tmp_path / "d.ppt")


@pytest.mark.realdata
def test_real_deck_at_district_level(data_dir, tmp_path):
    from geozone import agreement

    a = agreement("qc-303-2020", level="district")
    path = agreement_deck(a, tmp_path / "qc303.pptx", map_size=(1920, 1080))
    prs = pptx.Presentation(path)
    tables = [t for slide in prs.slides for t in _tables(slide)]
    member_rows = sum(len(t.rows) - 1 for t in tables[:1])
    assert member_rows == int((a.member_pairs.contact == "edge").sum())
    unit_rows = sum(len(t.rows) - 1 for t in tables[1:])
    assert unit_rows == len(a.pairs)
