"""PowerPoint decks for agreement meetings, with python-pptx (the ``geozone[slides]`` extra).

:func:`agreement_deck` writes a 16:9 deck: a title slide; the slide map of
:func:`geozone.maps.static` at full slide size; the pairs with their shared length and strip
area per side (member pairs, then the unit pairs when the agreement is drawn below its member
level, a dozen rows a slide); and, with incidents, their counts per zone and side.

Every string from data goes into the deck as a plain text run: python-pptx writes it through
lxml, which escapes ``<``, ``>`` and ``&``; characters XML cannot hold (control characters
other than tab and newline) are removed first.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import pandas as pd

from geozone.errors import InputError
from geozone.maps import style

__all__ = ["agreement_deck"]

_SLIDE_W_IN, _SLIDE_H_IN = 13.333, 7.5
_ROWS_PER_SLIDE = 12


def _pptx():
    try:
        import pptx
    except ImportError as exc:
        raise InputError(
            "PowerPoint decks need python-pptx: pip install 'geozone[slides]'"
        ) from exc
    import pptx

    return pptx


def _clean(value) -> str:
    return style.clean(value)


def _num(value: float, digits: int, lang: str) -> str:
    text_ = f"{value:,.{digits}f}"
    if lang == "vi":
        text_ = text_.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text_


_HEAD = {
    "vi": {
        "members": "Đơn vị ký kết",
        "pairs": "Các cặp đơn vị giáp ranh",
        "unit_pairs": "Các cặp {level} giáp ranh",
        "cont": "(tiếp)",
        "pair": "Cặp",
        "a": "Đơn vị A",
        "b": "Đơn vị B",
        "km": "Ranh giới chung (km)",
        "km2_a": "Dải phía A (km²)",
        "km2_b": "Dải phía B (km²)",
        "incidents": "Vụ việc theo địa bàn giáp ranh",
        "zone": "Địa bàn giáp ranh",
        "side": "Phía",
        "count": "Số vụ",
        "total": "Tổng cộng",
        "outside": "Ngoài địa bàn giáp ranh",
        "made": "Tạo bởi geozone {version}, {date}",
        "colour": "Màu",
        "no_pairs": "Các đơn vị ký kết không có ranh giới chung.",
        "level_units": {"district": "quận, huyện", "commune": "xã, phường"},
    },
    "en": {
        "members": "Members",
        "pairs": "Neighbouring pairs",
        "unit_pairs": "Neighbouring {level} pairs",
        "cont": "(cont.)",
        "pair": "Pair",
        "a": "Unit A",
        "b": "Unit B",
        "km": "Shared boundary (km)",
        "km2_a": "Strip, side A (km²)",
        "km2_b": "Strip, side B (km²)",
        "incidents": "Incidents by border zone",
        "zone": "Border zone",
        "side": "Side",
        "count": "Count",
        "total": "Total",
        "outside": "Outside the border zones",
        "made": "Made with geozone {version}, {date}",
        "colour": "Colour",
        "no_pairs": "The members share no boundary.",
        "level_units": {"district": "district", "commune": "commune"},
    },
}


def agreement_deck(
    agreement,
    path,
    incidents=None,
    width_m: float | None = None,
    *,
    lang: str = "vi",
    unit_pairs: bool = True,
    map_size: tuple[int, int] = (2400, 1350),
) -> Path:
    """Write a PowerPoint deck about an agreement.

    Parameters
    ----------
    agreement : Agreement
        At the level to present.
    path : str or path
        The ``.pptx`` file to write.
    incidents : GeoDataFrame or path, optional
        Classified incidents (:func:`geozone.classify.classify_points`), or points or a file
        to classify; adds incidents to the map and a slide of counts per zone and side.
    width_m : float, optional
        Strip width on each side (the agreement's by default).
    lang : {"vi", "en"}
    unit_pairs : bool
        Below the member level, also list every unit pair (a dozen a slide).
    map_size : (int, int)
        Pixel size of the map image (16:9).

    Returns
    -------
    Path

    Raises
    ------
    InputError
        python-pptx is not installed (``pip install 'geozone[slides]'``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from pptx import Presentation
    >>> from geozone.maps._toy import toy_agreement
    >>> out = agreement_deck(toy_agreement(), pathlib.Path(tempfile.mkdtemp()) / "d.pptx",
    ...                      map_size=(960, 540))
    >>> len(Presentation(out).slides)
    3
    """
    pptx = _pptx()
    from pptx.util import Inches

    from geozone.maps._layers import prepare_points
    from geozone.maps.static import save_figure, static

    if lang not in _HEAD:
        raise InputError(f"lang={lang!r}; use 'vi' or 'en'")
    path = Path(os.fspath(path))
    if path.suffix.lower() != ".pptx":
        raise InputError(f"{path}: a deck is saved as .pptx")
    width = float(agreement.width_m if width_m is None else width_m)
    points = prepare_points(incidents, agreement, width) if incidents is not None else None
    classified = _classified(incidents, agreement, width)

    prs = pptx.Presentation()
    prs.slide_width = Inches(_SLIDE_W_IN)
    prs.slide_height = Inches(_SLIDE_H_IN)
    blank = prs.slide_layouts[6]
    fig = static(agreement, points, width_m=width, size=map_size, lang=lang)
    layers = fig.geozone_layers  # the same pairs and colours as on the map
    _title_slide(prs, blank, agreement, width, layers, lang)
    with tempfile.TemporaryDirectory() as tmp:
        png = save_figure(fig, Path(tmp) / "map.png")
        slide = prs.slides.add_slide(blank)
        slide.shapes.add_picture(str(png), 0, 0, width=prs.slide_width, height=prs.slide_height)
        slide.notes_slide.notes_text_frame.text = _clean(
            style.attribution(agreement, lang, layers.extra_datasets)
        )
    _pair_slides(prs, blank, agreement, width, layers, lang, unit_pairs)
    if classified is not None:
        _incident_slide(prs, blank, agreement, classified, layers, lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    prs.save(path)
    return path


def _classified(incidents, agreement, width):
    if incidents is None:
        return None
    if isinstance(incidents, pd.DataFrame) and "zone" in incidents.columns:
        return incidents
    from geozone.classify import classify_points

    return classify_points(incidents, agreement, width_m=width)


# -- building blocks ---------------------------------------------------------------------------
def _rgb(colour: str):
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(colour.lstrip("#").upper())


def _text(
    slide, left, top, width, height, runs, *, size=18, bold=False, colour="#1A1A1A", align=None
):
    """A text box; ``runs`` is a string or a list of paragraphs (each a string)."""
    from pptx.util import Inches, Pt

    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    frame = box.text_frame
    frame.word_wrap = True
    paragraphs = [runs] if isinstance(runs, str) else list(runs)
    for i, line in enumerate(paragraphs):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        if align is not None:
            paragraph.alignment = align
        run = paragraph.add_run()
        run.text = _clean(line)
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.color.rgb = _rgb(colour)
    return box


def _bar(slide, colours, top: float = 0.0, height: float = 0.12):
    """A band of the pair colours across the slide: the deck's only ornament."""
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.util import Inches

    colours = list(colours) or [style.NEUTRAL["member_edge"]]
    step = _SLIDE_W_IN / len(colours)
    for i, colour in enumerate(colours):
        shape = slide.shapes.add_shape(
            MSO_SHAPE.RECTANGLE, Inches(i * step), Inches(top), Inches(step + 0.01), Inches(height)
        )
        shape.fill.solid()
        shape.fill.fore_color.rgb = _rgb(colour)
        shape.line.fill.background()


def _title_slide(prs, layout, agreement, width, layers, lang):
    import geozone

    words = _HEAD[lang]
    slide = prs.slides.add_slide(layout)
    _bar(slide, layers.pairs["colour"])
    _text(slide, 0.8, 1.3, 11.7, 2.6, agreement.title, size=30, bold=True)
    _text(
        slide,
        0.8,
        3.9,
        11.7,
        0.6,
        style.subtitle(agreement, width, lang),
        size=18,
        colour=style.NEUTRAL["muted_text"],
    )
    members = [
        f"{name} ({code})"
        for code, name in zip(agreement.members["code"], agreement.members["name"], strict=True)
    ]
    _text(slide, 0.8, 4.7, 11.7, 0.45, words["members"], size=16, bold=True)
    _text(slide, 0.8, 5.1, 11.7, 1.4, "; ".join(members), size=16)
    made = words["made"].format(version=geozone.__version__, date=dt.date.today().isoformat())
    _text(slide, 0.8, 6.8, 11.7, 0.4, made, size=11, colour=style.NEUTRAL["muted_text"])


def _table(slide, header, rows, *, top=1.35, widths, swatches=None, numeric=()):
    """A table with a dark header row, zebra rows, numbers right-aligned, and an optional
    first column of colour swatches (``swatches``: one #RRGGBB per row)."""
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Inches, Pt

    n_rows = len(rows) + 1
    height = min(0.42 * n_rows, _SLIDE_H_IN - top - 0.4)
    shape = slide.shapes.add_table(
        n_rows, len(header), Inches(0.6), Inches(top), Inches(sum(widths)), Inches(height)
    )
    table = shape.table
    for j, w in enumerate(widths):
        table.columns[j].width = Inches(w)

    def fill(cell, value, *, bold=False, colour="#1A1A1A", background=None, right=False):
        cell.text = ""
        paragraph = cell.text_frame.paragraphs[0]
        run = paragraph.add_run()
        run.text = _clean(value)
        run.font.size = Pt(13)
        run.font.bold = bold
        run.font.color.rgb = _rgb(colour)
        if right:
            paragraph.alignment = PP_ALIGN.RIGHT
        if background is not None:
            cell.fill.solid()
            cell.fill.fore_color.rgb = _rgb(background)

    for j, name in enumerate(header):
        fill(
            table.cell(0, j),
            name,
            bold=True,
            colour="#FFFFFF",
            background=style.NEUTRAL["member_edge"],
            right=j in numeric,
        )
    for i, row in enumerate(rows, start=1):
        zebra = "#F4F2EE" if i % 2 == 0 else "#FFFFFF"
        for j, value in enumerate(row):
            background = zebra
            if swatches is not None and j == 0:
                background = swatches[i - 1] or zebra
            fill(table.cell(i, j), value, background=background, right=j in numeric)
    return table


def _pages(rows, size=_ROWS_PER_SLIDE):
    for start in range(0, max(len(rows), 1), size):
        yield start, rows[start : start + size]


def _pair_lookup(layers) -> tuple[dict, dict]:
    """Member pair key → (name a, name b), and → the pair's colour."""
    pairs = layers.pairs
    names = zip(pairs["name_a"], pairs["name_b"], strict=True)
    return (
        dict(zip(pairs["key"], names, strict=True)),
        dict(zip(pairs["key"], pairs["colour"], strict=True)),
    )


def _pair_slides(prs, layout, agreement, width, layers, lang, unit_pairs):
    words = _HEAD[lang]
    summary = agreement.summary(width)
    member_of = dict(zip(layers.units["code"], layers.units["member"], strict=True))
    names, colours = _pair_lookup(layers)
    # Member pairs: the unit pairs summed by member pair, areas by member side.
    totals: dict[str, list[float]] = {}
    for rec in summary.itertuples(index=False):
        ma, mb = (
            str(member_of.get(str(rec.code_a), rec.code_a)),
            str(member_of.get(str(rec.code_b), rec.code_b)),
        )
        key = "-".join(sorted((ma, mb)))
        flip = ma != key.split("-")[0]
        row = totals.setdefault(key, [0.0, 0.0, 0.0])
        row[0] += rec.shared_km
        row[1] += rec.strip_km2_b if flip else rec.strip_km2_a
        row[2] += rec.strip_km2_a if flip else rec.strip_km2_b
    member_rows = []
    swatches = []
    for key in layers.pairs["key"]:
        if key not in totals:
            continue
        km, area_a, area_b = totals[key]
        name_a, name_b = names[key]
        member_rows.append(
            [
                "",
                key,
                name_a,
                name_b,
                _num(km, 1, lang),
                _num(area_a, 1, lang),
                _num(area_b, 1, lang),
            ]
        )
        swatches.append(colours.get(key))
    header = [
        words["colour"],
        words["pair"],
        words["a"],
        words["b"],
        words["km"],
        words["km2_a"],
        words["km2_b"],
    ]
    widths = [0.7, 1.3, 2.55, 2.55, 1.8, 1.6, 1.6]
    for start, page in _pages(member_rows):
        slide = prs.slides.add_slide(layout)
        _bar(slide, layers.pairs["colour"], height=0.08)
        title = words["pairs"] + (f" {words['cont']}" if start else "")
        _text(slide, 0.6, 0.35, 12, 0.8, title, size=26, bold=True)
        if page:
            _table(
                slide,
                header,
                page,
                widths=widths,
                swatches=swatches[start : start + len(page)],
                numeric=(4, 5, 6),
            )
        else:
            _text(slide, 0.6, 1.5, 12, 0.6, words["no_pairs"], size=18)
    if not unit_pairs or agreement.level == agreement.member_level or len(summary) == 0:
        return
    labels = dict(zip(layers.units["code"], layers.units["label"], strict=True))
    rows = []
    swatches = []
    for rec in summary.itertuples(index=False):
        ma = str(member_of.get(str(rec.code_a), rec.code_a))
        mb = str(member_of.get(str(rec.code_b), rec.code_b))
        key = "-".join(sorted((ma, mb)))
        rows.append(
            [
                "",
                rec.pair_id,
                labels.get(str(rec.code_a), rec.name_a),
                labels.get(str(rec.code_b), rec.name_b),
                _num(rec.shared_km, 1, lang),
                _num(rec.strip_km2_a, 1, lang),
                _num(rec.strip_km2_b, 1, lang),
            ]
        )
        swatches.append(colours.get(key))
    level = words["level_units"].get(agreement.level, agreement.level)
    for start, page in _pages(rows):
        slide = prs.slides.add_slide(layout)
        _bar(slide, layers.pairs["colour"], height=0.08)
        title = words["unit_pairs"].format(level=level) + (f" {words['cont']}" if start else "")
        _text(slide, 0.6, 0.35, 12, 0.8, title, size=26, bold=True)
        _table(
            slide,
            header,
            page,
            widths=[0.7, 1.6, 2.45, 2.45, 1.7, 1.6, 1.6],
            swatches=swatches[start : start + len(page)],
            numeric=(4, 5, 6),
        )


def _incident_slide(prs, layout, agreement, classified, layers, lang):
    from geozone.classify import OUTSIDE_ZONES, zone_summary

    words = _HEAD[lang]
    counts = zone_summary(classified, by=("zone", "side"), period=None)
    member_of = dict(zip(layers.units["code"], layers.units["member"], strict=True))
    member_name = dict(zip(layers.members["code"], layers.members["name"], strict=True))
    sub = agreement.level != agreement.member_level
    pair_names, colours = _pair_lookup(layers)
    unit_label = dict(zip(layers.units["code"], layers.units["label"], strict=True))
    grouped: dict[tuple, int] = {}
    for rec in counts.itertuples(index=False):
        zone, side, count = str(rec.zone), str(rec.side), int(rec.count)
        if "-" in zone and zone != OUTSIDE_ZONES and not zone.startswith("("):
            a, b = zone.split("-", 1)
            key = "-".join(sorted((str(member_of.get(a, a)), str(member_of.get(b, b)))))
            side_key = str(member_of.get(side, side)) if sub else side
            grouped[(key, side_key)] = grouped.get((key, side_key), 0) + count
        else:
            grouped[(zone, "-")] = grouped.get((zone, "-"), 0) + count
    rows, swatches = [], []
    zone_keys = [k for k in grouped if k[0] in pair_names]
    other_keys = [k for k in grouped if k[0] not in pair_names]
    for key, side in sorted(zone_keys, key=lambda k: (list(pair_names).index(k[0]), k[1])):
        name_a, name_b = pair_names[key]
        side_name = member_name.get(side) if sub else unit_label.get(side, side)
        rows.append(
            ["", f"{name_a} – {name_b}", side_name or side, _num(grouped[(key, side)], 0, lang)]
        )
        swatches.append(colours.get(key))
    for zone, side in sorted(other_keys):
        label = words["outside"] if zone == OUTSIDE_ZONES else zone
        rows.append(["", label, "", _num(grouped[(zone, side)], 0, lang)])
        swatches.append(None)
    rows.append(["", words["total"], "", _num(sum(grouped.values()), 0, lang)])
    swatches.append(None)
    header = [words["colour"], words["zone"], words["side"], words["count"]]
    for start, page in _pages(rows):
        slide = prs.slides.add_slide(layout)
        _bar(slide, layers.pairs["colour"], height=0.08)
        title = words["incidents"] + (f" {words['cont']}" if start else "")
        _text(slide, 0.6, 0.35, 12, 0.8, title, size=26, bold=True)
        _table(
            slide,
            header,
            page,
            widths=[0.7, 5.4, 3.6, 2.0],
            swatches=swatches[start : start + len(page)],
            numeric=(3,),
        )
