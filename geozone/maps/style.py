"""The look shared by geozone's maps: palette, shades, fonts, labels and attribution.

One module so that the interactive map, the slide map and the PowerPoint deck agree: the same
pair has the same colour everywhere, the legend words are the same, and the attribution line
names the same sources.

Palette
    Strips are coloured per *member pair* (the two provinces, or districts, that signed and
    share the border), from Paul Tol's "muted" qualitative scheme: nine colours designed to stay
    distinct for the common forms of colour blindness and to work as area fills under black
    text. At a lower level (districts or communes of member provinces) every unit pair of a
    member pair takes the member pair's colour, so a slide shows the border bands the agreement
    talks about, and tooltips give the unit pair. The two sides of a pair are two shades of its
    colour: the first member's side the full colour, the second's a tint (half-way to white).
    With more pairs than colours, pairs whose strips touch get different colours (greedy graph
    colouring) and distant pairs may share one.

Font
    DejaVu Sans, which ships with matplotlib and covers every precomposed Vietnamese letter
    (checked against the font's cmap in the tests, see :data:`VIETNAMESE_LETTERS`), so titles
    and unit names render with their diacritics on any machine without installing fonts.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import cache

__all__ = [
    "FONT_FAMILY",
    "NEUTRAL",
    "PALETTE",
    "PALETTE_EXTRA",
    "VIETNAMESE_LETTERS",
    "assign_pair_colours",
    "attribution",
    "clean",
    "font_path",
    "missing_glyphs",
    "mix",
    "side_colours",
    "subtitle",
    "text",
]

#: Paul Tol's muted scheme (https://personal.sron.nl/~pault/), in an order that keeps the
#: first few colours far apart in hue and lightness.
PALETTE: tuple[str, ...] = (
    "#CC6677",  # rose
    "#332288",  # indigo
    "#DDCC77",  # sand
    "#117733",  # green
    "#88CCEE",  # cyan
    "#882255",  # wine
    "#44AA99",  # teal
    "#999933",  # olive
    "#AA4499",  # purple
)

#: Three more colours for agreements with 10–12 pairs, from Paul Tol's "vibrant" scheme
#: (hues the muted scheme lacks). Beyond twelve, touching pairs still never share a colour.
PALETTE_EXTRA: tuple[str, ...] = ("#EE7733", "#0077BB", "#EE3377")

#: Colours of everything that is not a pair: background, land, lines, text.
NEUTRAL = {
    "background": "#EDF0F2",  # sea and foreign land alike: outside the data
    "context_fill": "#E8E6E1",
    "context_edge": "#FFFFFF",
    "context_text": "#8A8780",
    "unit_fill": "#FBFAF7",
    "unit_edge": "#B9B5AC",
    "member_edge": "#3C3C3C",
    "boundary": "#1A1A1A",
    "junction": "#1A1A1A",
    "text": "#1A1A1A",
    "muted_text": "#555555",
    "halo": "#FFFFFF",
    "highlight": "#D00000",  # the map's extent on the locator
    "incident_in": "#1A1A1A",
    "incident_out": "#8C8C8C",
    "patrol": "#0072B2",  # Okabe-Ito blue: not in the pair palette, reads as "our own"
    "uncovered": "#D00000",  # red, dashed: gaps are the alarm; no pair colour is this red
}

FONT_FAMILY = "DejaVu Sans"

#: Every precomposed letter of the Vietnamese alphabet, lower and upper case: the 12 vowels
#: with each of the 6 tones, plus đ and Đ (146 characters).
VIETNAMESE_LETTERS: str = "".join(
    sorted(
        {
            unicodedata.normalize("NFC", v + tone)
            for v in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
            for tone in ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
        }
        | {"đ", "Đ"}
    )
)

_TEXT = {
    "vi": {
        "members": "Đơn vị ký kết",
        "units": {
            "province": "Tỉnh, thành phố",
            "district": "Quận, huyện",
            "commune": "Xã, phường",
        },
        "context": "Địa phương lân cận",
        "boundary": "Đường địa giới giáp ranh",
        "strip": "Dải giáp ranh {km} km mỗi bên",
        "strips_by_pair": "Dải giáp ranh theo cặp đơn vị",
        "junction": "Khu vực giáp ranh nhiều đơn vị (bán kính {km} km)",
        "junction_short": "Khu vực giáp ranh nhiều đơn vị",
        "junction_minor": "Điểm giao ranh giới hai đơn vị ký kết",
        "incidents": "Vụ việc",
        "incidents_in": "Vụ việc trong địa bàn giáp ranh",
        "incidents_out": "Vụ việc ngoài địa bàn giáp ranh",
        "heatmap": "Mật độ vụ việc",
        "patrols": "Điểm tuần tra",
        "uncovered": "Đoạn ranh giới chưa có tuần tra",
        "level": {"province": "cấp tỉnh", "district": "cấp huyện", "commune": "cấp xã"},
        "signed": "ký ngày {date}",
        "unsigned": "chưa rõ ngày ký",
        "no_reference": "chưa rõ số hiệu",
        "data": "Nguồn dữ liệu",
        "made_with": "Bản đồ: geozone",
        "north": "B",
        "pair": "Cặp",
        "side": "Phía",
        "code": "Mã",
        "shared_length": "Chiều dài ranh giới chung",
        "strip_area": "Diện tích dải",
        "width": "Bề rộng",
        "units_at": "Đơn vị",
        "labels": "Tên đơn vị",
        "zone": "Khu vực",
        "outside": "Ngoài địa bàn giáp ranh",
        "count": "Số vụ",
        "radius": "Bán kính",
        "stretch": "Chiều dài đoạn",
        "locator": "Vị trí",
        "vintage": "ĐVHC {vintage}",
    },
    "en": {
        "members": "Member units",
        "units": {"province": "Provinces", "district": "Districts", "commune": "Communes"},
        "context": "Neighbouring units",
        "boundary": "Shared boundary",
        "strip": "Border strip, {km} km each side",
        "strips_by_pair": "Border strips by pair",
        "junction": "Junction zone ({km} km radius)",
        "junction_short": "Junction zone",
        "junction_minor": "Junctions on a two-member border",
        "incidents": "Incidents",
        "incidents_in": "Incidents in a border zone",
        "incidents_out": "Incidents outside the border zones",
        "heatmap": "Incident density",
        "patrols": "Patrol points",
        "uncovered": "Border stretch without patrols",
        "level": {
            "province": "province level",
            "district": "district level",
            "commune": "commune level",
        },
        "signed": "signed {date}",
        "unsigned": "signing date unknown",
        "no_reference": "no reference",
        "data": "Data",
        "made_with": "Map: geozone",
        "north": "N",
        "pair": "Pair",
        "side": "Side",
        "code": "Code",
        "shared_length": "Shared boundary",
        "strip_area": "Strip area",
        "width": "Width",
        "units_at": "Units",
        "labels": "Unit names",
        "zone": "Zone",
        "outside": "Outside the border zones",
        "count": "Count",
        "radius": "Radius",
        "stretch": "Stretch length",
        "locator": "Location",
        "vintage": "{vintage} units",
    },
}


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def clean(value) -> str:
    """A data string fit for a label: NFC, control characters removed (they have no glyph,
    and XML — SVG, PPTX — cannot hold them). ``None`` and NaN become ``""``.

    Examples
    --------
    >>> clean("Bắc" + chr(0) + " Hải" + chr(11))
    'Bắc Hải'
    """
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return _CONTROL.sub("", unicodedata.normalize("NFC", str(value)))


def text(key: str, lang: str = "vi", **values):
    """A legend or label word in Vietnamese (``lang="vi"``, the default) or English.

    Examples
    --------
    >>> text("strip", km="5")
    'Dải giáp ranh 5 km mỗi bên'
    >>> text("level", "en")["district"]
    'district level'
    """
    try:
        table = _TEXT[lang]
    except KeyError:
        raise ValueError(f"lang={lang!r}; use 'vi' or 'en'") from None
    value = table[key]
    return value.format(**values) if values and isinstance(value, str) else value


def km(metres: float, lang: str = "vi") -> str:
    """Metres as a short kilometre figure, with the decimal comma in Vietnamese.

    Examples
    --------
    >>> km(5000), km(2500), km(2500, "en")
    ('5', '2,5', '2.5')
    """
    value = f"{metres / 1000:g}"
    return value.replace(".", ",") if lang == "vi" else value


def format_date(value: dt.date | None, lang: str = "vi") -> str | None:
    """A date as Vietnamese documents write it (``29/10/2020``) or ISO for English.

    Examples
    --------
    >>> format_date(dt.date(2020, 10, 29)), format_date(dt.date(2020, 10, 29), "en")
    ('29/10/2020', '2020-10-29')
    """
    if value is None:
        return None
    return value.strftime("%d/%m/%Y") if lang == "vi" else value.isoformat()


def subtitle(agreement, width_m: float | None = None, lang: str = "vi") -> str:
    """The line under a map title: reference, signing date, strip width, level.

    Examples
    --------
    >>> from geozone import agreement
    >>> subtitle(agreement("qc-303-2020"))
    '303/QCPH · ký ngày 29/10/2020 · dải giáp ranh 5 km mỗi bên · cấp tỉnh · ĐVHC 2008'
    """
    width = agreement.width_m if width_m is None else float(width_m)
    date = format_date(agreement.signed, lang)
    parts = [
        agreement.reference or text("no_reference", lang),
        text("signed", lang, date=date) if date else text("unsigned", lang),
        text("strip", lang, km=km(width, lang)).lower()
        if lang == "vi"
        else text("strip", lang, km=km(width, lang)),
        text("level", lang).get(agreement.level, agreement.level),
    ]
    if agreement.vintage:
        parts.append(text("vintage", lang, vintage=agreement.vintage))
    return " · ".join(parts)


def mix(colour: str, other: str = "#FFFFFF", amount: float = 0.5) -> str:
    """Blend two hex colours: ``amount`` 0 gives ``colour``, 1 gives ``other``.

    Examples
    --------
    >>> mix("#CC6677")
    '#E6B2BB'
    >>> mix("#000000", "#FFFFFF", 0.25)
    '#404040'
    """
    a = _rgb(colour)
    b = _rgb(other)
    out = [round(x + (y - x) * amount) for x, y in zip(a, b, strict=True)]
    return "#{:02X}{:02X}{:02X}".format(*out)


def _rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    if len(value) != 6:
        raise ValueError(f"colour {colour!r}: use #RRGGBB")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def side_colours(colour: str) -> tuple[str, str]:
    """The two shades of a pair's colour: the first member's side, the second member's side.

    The second is a tint half-way to white, so the sides stay apart in lightness (which every
    form of colour blindness preserves) and both still read as the same pair.

    Examples
    --------
    >>> side_colours("#332288")
    ('#332288', '#9990C4')
    """
    return colour.upper(), mix(colour, "#FFFFFF", 0.5)


def edge_colour(colour: str) -> str:
    """A darker shade of a pair colour for strip outlines.

    Examples
    --------
    >>> edge_colour("#DDCC77")
    '#6E663C'
    """
    return mix(colour, "#000000", 0.5)


def assign_pair_colours(keys, touching=()) -> dict:
    """Give each pair a palette colour; pairs that touch never share one.

    Parameters
    ----------
    keys : sequence of hashable
        The pairs, in the order they should take colours (the palette's first colours are the
        most distinct).
    touching : iterable of (key, key)
        Pairs of pairs whose strips touch. Only consulted when there are more pairs than
        palette colours.

    Returns
    -------
    dict
        key → ``#RRGGBB``.

    Examples
    --------
    >>> assign_pair_colours(["a-b", "b-c"])
    {'a-b': '#CC6677', 'b-c': '#332288'}
    >>> len(set(assign_pair_colours([f"p{i}" for i in range(12)]).values()))
    12
    >>> many = [f"p{i}" for i in range(14)]
    >>> colours = assign_pair_colours(many, touching=[("p0", "p12"), ("p12", "p13")])
    >>> colours["p12"] != colours["p0"] and colours["p12"] != colours["p13"]
    True
    """
    keys = list(dict.fromkeys(keys))
    palette = PALETTE + PALETTE_EXTRA if len(keys) > len(PALETTE) else PALETTE
    if len(keys) <= len(palette):
        return {key: palette[i] for i, key in enumerate(keys)}
    neighbours: dict = {key: set() for key in keys}
    for a, b in touching:
        if a in neighbours and b in neighbours and a != b:
            neighbours[a].add(b)
            neighbours[b].add(a)
    # Greedy colouring, most-constrained pairs first (Welsh–Powell); among the colours that
    # are free, take the least used so repeats spread over the palette.
    order = sorted(keys, key=lambda k: (-len(neighbours[k]), keys.index(k)))
    chosen: dict = {}
    used = dict.fromkeys(range(len(palette)), 0)
    for key in order:
        taken = {chosen[n] for n in neighbours[key] if n in chosen}
        free = [i for i in range(len(palette)) if i not in taken] or list(range(len(palette)))
        pick = min(free, key=lambda i: (used[i], i))
        chosen[key] = pick
        used[pick] += 1
    return {key: palette[chosen[key]] for key in keys}


@cache
def font_path(bold: bool = False) -> str:
    """Path of the DejaVu Sans file matplotlib uses (regular or bold).

    Examples
    --------
    >>> font_path().endswith("DejaVuSans.ttf")
    True
    """
    from matplotlib import font_manager

    props = font_manager.FontProperties(family=FONT_FAMILY, weight="bold" if bold else "normal")
    return font_manager.findfont(props, fallback_to_default=False)


def missing_glyphs(text_: str, path: str | None = None) -> list[str]:
    """Characters of ``text_`` that the font at ``path`` (DejaVu Sans by default) has no
    glyph for, read from the font's cmap with fontTools.

    Examples
    --------
    >>> missing_glyphs(VIETNAMESE_LETTERS)
    []
    >>> missing_glyphs("ệ ở ữ ỳ Đ", font_path(bold=True))
    []
    """
    cmap = _cmap(path or font_path())
    return sorted(
        {
            ch
            for ch in unicodedata.normalize("NFC", text_)
            if not ch.isspace() and ord(ch) not in cmap
        }
    )


@cache
def _cmap(path: str) -> frozenset:
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap())


def attribution(agreement, lang: str = "vi", extra_datasets=()) -> str:
    """The data attribution line for a map of ``agreement``: the catalog's ``attribution`` of
    each dataset the map draws, without repeats.

    Derived datasets whose attribution reads ``as <dataset>; …`` are resolved to the source's
    attribution, with their own note kept. Two entries naming the same source (the text before
    the first parenthesis) are given once.

    Examples
    --------
    >>> from geozone import agreement
    >>> attribution(agreement("qc-303-2020")).split(" (")[0]
    "Nguồn dữ liệu: Open Development Vietnam, 'Địa phận tỉnh'"
    """
    from geozone import datasets

    ids = [getattr(agreement, "datasets", {}).get(agreement.level)]
    ids += list(extra_datasets)
    lines: list[str] = []
    sources: set[str] = set()
    for dataset_id in ids:
        if not dataset_id:
            continue
        try:
            entry = datasets.dataset(dataset_id)
        except Exception:  # a custom layer has no catalog entry: nothing to attribute
            continue
        line = _resolve_attribution(entry, datasets)
        source = line.split("(")[0].strip().rstrip(",;")
        if line and source not in sources:
            lines.append(line)
            sources.add(source)
    if not lines:
        return ""
    return f"{text('data', lang)}: " + " — ".join(lines)


def _resolve_attribution(entry, datasets) -> str:
    line = entry.attribution.strip()
    if line.startswith("as "):
        source_id, _, note = line[3:].partition(";")
        try:
            source = datasets.dataset(source_id.strip())
        except Exception:
            return line
        line = source.attribution.strip() + (f" ({note.strip()})" if note.strip() else "")
    return line
