"""Slide maps: pixel size, colours where the strips are, fonts, labels, SVG/PDF text."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
import shapely
from fixtures.maps_stub import HOSTILE_NAMES, StubAgreement, classified_incidents
from PIL import Image

from geozone.errors import InputError
from geozone.maps import save_figure, static, style
from geozone.maps._layers import display_layers, label_names

SVG = "{http://www.w3.org/2000/svg}"


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])


def _colour_counts(image: np.ndarray) -> dict[str, int]:
    """``#RRGGBB`` → pixel count (colours packed in one integer: fast on 2 M pixels)."""
    rgb = image.reshape(-1, image.shape[-1])[:, :3].astype(np.uint32)
    packed = (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]
    values, counts = np.unique(packed, return_counts=True)
    return {f"#{v:06X}": int(n) for v, n in zip(values.tolist(), counts.tolist(), strict=True)}


def _map_axes(fig):
    return next(ax for ax in fig.axes if ax.get_gid() == "geozone-map")


def _pixel(image: np.ndarray, fig, ax, x: float, y: float) -> np.ndarray:
    """The PNG pixel under data point (x, y) of ``ax`` (PNG saved at the figure's dpi)."""
    px, py = ax.transData.transform((x, y))
    row = round(image.shape[0] - py)
    return image[row, round(px), :3].astype(int)


@pytest.fixture(scope="module")
def stub():
    return StubAgreement()


@pytest.fixture(scope="module")
def stub_png(stub, tmp_path_factory):
    fig = static(stub, size=(1280, 720), locator=False)
    path = save_figure(fig, tmp_path_factory.mktemp("static") / "stub.png")
    return fig, path


def test_png_has_the_requested_pixel_size(stub, tmp_path):
    for size in [(1280, 720), (1000, 1000)]:
        fig = static(stub, size=size, locator=False, labels=False)
        assert Image.open(save_figure(fig, tmp_path / f"{size[0]}.png")).size == size


def test_png_is_not_blank_and_holds_every_pair_colour(stub_png):
    _, path = stub_png
    counts = _colour_counts(np.asarray(Image.open(path).convert("RGB")))
    assert len(counts) > 50  # antialiased text and lines, fills, background
    common = {colour for colour, n in counts.items() if n > 200}
    layers = stub_png[0].geozone_layers
    for rec in layers.pairs.itertuples():
        assert rec.fill_a in common and rec.fill_b in common, rec.key


def test_strip_pixels_have_their_side_colour(stub, stub_png):
    """Sample the PNG inside each strip side: the pixel is that side's shade."""
    fig, path = stub_png
    image = np.asarray(Image.open(path).convert("RGB"))
    ax = _map_axes(fig)
    layers = display_layers(stub, context=False, pixels=900)
    junctions = shapely.union_all(layers.junctions.geometry.values)
    hits = 0
    for rec in layers.strips.itertuples():
        # A point deep inside the side, away from the junction disc drawn over the strips.
        free = shapely.difference(rec.geometry, junctions.buffer(1000)).buffer(-800)
        point = free.representative_point()
        got = _pixel(image, fig, ax, point.x, point.y)
        assert np.abs(got - _rgb(rec.fill)).max() <= 3, (rec.pair_id, rec.code, got, rec.fill)
        hits += 1
    assert hits == 8  # four edge pairs around the centre, two sides each


def test_sides_are_two_shades_of_the_pair_colour():
    for colour in style.PALETTE:
        dark, light = style.side_colours(colour)
        assert dark == colour
        assert (_rgb(light) >= _rgb(dark)).all() and (_rgb(light) > _rgb(dark)).any()


def test_pair_colours_distinct_and_touching_pairs_differ_when_many():
    colours = style.assign_pair_colours([f"p{i}" for i in range(12)])
    assert len(set(colours.values())) == 12
    keys = [f"p{i}" for i in range(20)]
    touching = [(f"p{i}", f"p{i + 1}") for i in range(19)] + [("p0", "p19")]
    colours = style.assign_pair_colours(keys, touching)
    assert all(colours[a] != colours[b] for a, b in touching)


def test_dejavu_sans_covers_every_vietnamese_letter():
    assert len(style.VIETNAMESE_LETTERS) == 146
    for bold in (False, True):
        path = style.font_path(bold)
        assert "DejaVuSans" in path
        assert style.missing_glyphs(style.VIETNAMESE_LETTERS + "ệ ở ữ ỳ Đ", path) == []
    # The check can fail: DejaVu Sans has no CJK glyphs.
    assert style.missing_glyphs("ệ\u4e2d", path) == ["\u4e2d"]


def test_labels_do_not_overlap(stub_png):
    fig, _ = stub_png
    ax = _map_axes(fig)
    renderer = fig.canvas.get_renderer()
    boxes = [
        t.get_window_extent(renderer)
        for t in ax.texts
        if t.get_text().strip() and t.get_text() != "B"
    ]
    assert len(boxes) >= 4  # the four member names
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)


def test_member_labels_keep_clear_of_strips(stub, stub_png):
    fig, _ = stub_png
    ax = _map_axes(fig)
    renderer = fig.canvas.get_renderer()
    layers = display_layers(stub, context=False, pixels=900)
    busy = shapely.union_all(layers.strips.geometry.values)
    to_data = ax.transData.inverted()
    names = {n.upper() for n in layers.members["name"]}
    for text in ax.texts:
        if text.get_text() not in names:
            continue
        box = text.get_window_extent(renderer)
        (x0, y0), (x1, y1) = to_data.transform([(box.x0, box.y0), (box.x1, box.y1)])
        assert not shapely.box(x0, y0, x1, y1).intersects(busy), text.get_text()


def test_svg_keeps_the_vietnamese_title_as_escaped_text(tmp_path):
    title = "Quy chế phối hợp địa bàn giáp ranh: Đồng Tháp & Cần Thơ <script>alert(1)</script>"
    fig = static(StubAgreement(HOSTILE_NAMES), size=(1280, 720), title=title, locator=False)
    path = save_figure(fig, tmp_path / "map.svg")
    root = ET.parse(path).getroot()  # well-formed XML: every data string was escaped
    assert not list(root.iter(f"{SVG}script"))
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    joined = " ".join(texts)
    assert "Quy chế phối hợp địa bàn giáp ranh:" in joined
    assert "<script>alert(1)</script>" in joined  # as text, not markup
    raw = path.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    assert "Đồng Tháp &amp; Cần Thơ" in raw
    assert "{{ 7*7 }} &amp; &lt;b&gt;Cần" in raw  # a legend entry: not a template, not markup
    assert "49" not in joined


def test_pdf_embeds_text(tmp_path):
    fig = static(StubAgreement(), size=(1280, 720), locator=False)
    path = save_figure(fig, tmp_path / "map.pdf")
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and b"/FontFile2" in data  # TrueType embedded, not paths


def test_save_figure_refuses_unknown_extensions(stub_png, tmp_path):
    fig, _ = stub_png
    with pytest.raises(InputError, match=r"\.png, \.svg or \.pdf"):
        save_figure(fig, tmp_path / "map.jpg")


def test_incidents_drawn_and_counted_in_legend(stub, tmp_path):
    points = classified_incidents(stub)
    fig = static(stub, points, size=(1280, 720), locator=False)
    legend = next(ax for ax in fig.axes if ax.get_gid() == "geozone-legend-panel")
    labels = [t.get_text() for t in legend.get_legend().get_texts()]
    inside = int(points["in_zone"].sum())
    assert any(f"({inside})" in label for label in labels)
    ax = _map_axes(fig)
    offsets = np.concatenate(
        [
            c.get_offsets()
            for c in ax.collections
            if hasattr(c, "get_offsets")
            and len(c.get_offsets())
            and c.get_offsets().shape[1] == 2
            and type(c).__name__ == "PathCollection"
        ]
    )
    assert len(offsets) == len(points)


def test_size_is_checked(stub):
    with pytest.raises(InputError, match="at least"):
        static(stub, size=(100, 50))


def test_label_names_drop_the_unit_type_unless_it_is_needed():
    assert label_names(
        ["Huyện Củ Chi", "Quận 1", "Thành phố Tây Ninh", "Ninh Kiều", None], reserved={"Tây Ninh"}
    ) == ["Củ Chi", "Q. 1", "TP. Tây Ninh", "Ninh Kiều", ""]


def test_attribution_resolves_derived_datasets():
    from geozone import agreement

    line = style.attribution(agreement("csh-tay-nam-2025"))
    assert line.startswith("Nguồn dữ liệu: Vietnam Administrative Units Reference Map")
    assert "as vn2025" not in line and "dissolved by geozone" in line


# -- real data ---------------------------------------------------------------------------------
@pytest.mark.realdata
@pytest.mark.parametrize(
    "agreement_id,level", [("csh-tay-nam-2025", "province"), ("qc-303-2020", "district")]
)
def test_real_agreement_slide_map(agreement_id, level, data_dir, tmp_path):
    from geozone import agreement

    a = agreement(agreement_id, level=level)
    fig = static(a)
    path = save_figure(fig, tmp_path / "map.png")
    image = np.asarray(Image.open(path).convert("RGB"))
    assert image.shape[:2] == (1080, 1920)
    pairs = fig.geozone_layers.pairs
    assert len(pairs) == int((a.member_pairs.contact == "edge").sum())
    counts = _colour_counts(image)
    missing = [
        (rec.key, side)
        for rec in pairs.itertuples()
        for side, fill in (("a", rec.fill_a), ("b", rec.fill_b))
        if counts.get(fill, 0) < 100
    ]
    assert not missing, f"strip sides without their colour on the map: {missing}"
    title = next(t.get_text() for t in fig.texts if t.get_gid() == "geozone-title")
    assert title.replace("\n", " ") == a.title
    svg = save_figure(fig, tmp_path / "map.svg").read_text(encoding="utf-8")
    assert a.title.split(":")[0].split(" giữa")[0] in svg.replace("\n", " ")


@pytest.mark.realdata
def test_district_labels_keep_the_type_where_the_bare_name_is_a_province(data_dir):
    from geozone import agreement

    units = display_layers(agreement("qc-303-2020", level="district")).units
    labels = dict(zip(units["code"], units["label"], strict=True))
    # The 2008 district layer stores bare names (full_name has the type): the city of Tây
    # Ninh must not read as the province beside it; a rural district needs no type.
    assert labels["703"] == "TP. Tây Ninh"
    assert labels["705"] == "Tân Biên"


def test_figure_shows_in_jupyter_as_its_png_without_pyplot():
    import io

    from IPython.core.formatters import PNGFormatter

    fig = static(StubAgreement(), size=(800, 450), locator=False)
    # What IPython's display machinery calls for a cell's value, with no backend configured.
    png = PNGFormatter()(fig)
    assert Image.open(io.BytesIO(png)).size == (800, 450)
