"""Coordinate reference systems: the metric CRS a computation runs in, VN-2000, ``crs=`` parsing.

geozone measures in metres, so every distance, width and area is computed in a projected
CRS chosen once per call and results are returned in the caller's CRS. For data in
longitude/latitude the UTM zone of the extent's centre is used (Vietnam's mainland lies in
UTM 48N and 49N); data already in a projected CRS (VN-2000 survey coordinates, say) is used as
it is. An explicit ``crs=`` overrides the choice.

VN-2000 (EPSG:4756, datum "Vietnam 2000" on the WGS 84 ellipsoid) is Vietnam's national
system. Cadastral and survey data are in transverse Mercator zones 3° wide ("TM-3": scale
0.9999, false easting 500 km) on a central meridian fixed per province by Circular
973/2001/TT-TCĐC; maps at 1:25,000 and smaller use 6° UTM zones (scale 0.9996, EPSG:3405 and
3406). :func:`vn2000` gives a province's zone. Every VN-2000 CRS geozone builds carries the
official VN-2000 → WGS 84 transformation of Decision 05/2007/QĐ-BTNMT (EPSG:6960); see
:func:`bind_vn2000` for why pyproj's own choice is not enough.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
import warnings

import geopandas as gpd
import pandas as pd
import pyproj
from pyproj.crs import BoundCRS, CoordinateOperation

from geozone.errors import GeozoneWarning, InputError
from geozone.names import normalize_name, split_unit_type

__all__ = [
    "bind_vn2000",
    "metric_crs",
    "resolve_crs",
    "to_metric",
    "transformer",
    "vn2000",
    "vn2000_table",
]

WGS84 = pyproj.CRS.from_epsg(4326)


# --- VN-2000 -----------------------------------------------------------------------------------
# Decision 05/2007/QĐ-BTNMT (Ministry of Natural Resources and Environment, 27 Feb 2007), the
# official VN-2000 -> WGS 84 parameters: dX, dY, dZ (m), rX, rY, rZ (arc-seconds), scale
# difference (ppm). EPSG records them with exactly these values as transformation 6960
# "VN-2000 to WGS 84 (2)" (information source: Department of Survey and Mapping, Vietnam),
# method 9607 *Coordinate Frame* rotation. PROJ's +towgs84 is the *Position Vector* convention,
# so a PROJ string needs the three rotations with their signs flipped
# (+towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,
# 0.252906278 — what PROJ itself writes for the bound CRS below). Pasting the published values
# into +towgs84 unchanged rotates the wrong way: 0.5 to 0.8 m off across Vietnam.
_DECISION_05_2007 = (
    -191.90441429,
    -39.30318279,
    -111.45032835,
    -0.00928836,
    0.01975479,
    -0.00427372,
    0.252906278,
)
_DECISION_05_2007_EPSG = 6960
_VN2000_DATUM = "Vietnam 2000"

# Central meridians of the VN-2000 TM-3 zones per province: Circular 973/2001/TT-TCĐC of the
# General Department of Land Administration (Tổng cục Địa chính, 20 Jun 2001), appendix
# "kinh tuyến trục theo từng tỉnh, thành phố", as (degrees, minutes). The circular lists the
# 61 provinces of 2001; the provinces split off in 2004 kept their parent's meridian (Điện
# Biên and Lai Châu 103°00', Đắk Nông 108°30' like Đắk Lắk, Hậu Giang 105°00' like Cần Thơ) and
# Hà Tây (105°00') went into Hà Nội (105°00') in 2008. Checked value by value against the
# provinces EPSG names in the areas of use of its VN-2000 TM-3 CRSs (tests/test_crs.py does so
# for all 63). Codes and names are the GSO's as of 2025-03-01; the last column is the code of
# the province each one went into, whole, on 2025-07-01 (Resolution 202/2025/QH15).
_OLD_PROVINCES: tuple[tuple[str, str, tuple[int, int], str], ...] = (
    ("01", "Hà Nội", (105, 0), "01"),
    ("02", "Hà Giang", (105, 30), "08"),
    ("04", "Cao Bằng", (105, 45), "04"),
    ("06", "Bắc Kạn", (106, 30), "19"),
    ("08", "Tuyên Quang", (106, 0), "08"),
    ("10", "Lào Cai", (104, 45), "15"),
    ("11", "Điện Biên", (103, 0), "11"),
    ("12", "Lai Châu", (103, 0), "12"),
    ("14", "Sơn La", (104, 0), "14"),
    ("15", "Yên Bái", (104, 45), "15"),
    ("17", "Hoà Bình", (106, 0), "25"),
    ("19", "Thái Nguyên", (106, 30), "19"),
    ("20", "Lạng Sơn", (107, 15), "20"),
    ("22", "Quảng Ninh", (107, 45), "22"),
    ("24", "Bắc Giang", (107, 0), "24"),
    ("25", "Phú Thọ", (104, 45), "25"),
    ("26", "Vĩnh Phúc", (105, 0), "25"),
    ("27", "Bắc Ninh", (105, 30), "24"),
    ("30", "Hải Dương", (105, 30), "31"),
    ("31", "Hải Phòng", (105, 45), "31"),
    ("33", "Hưng Yên", (105, 30), "33"),
    ("34", "Thái Bình", (105, 30), "33"),
    ("35", "Hà Nam", (105, 0), "37"),
    ("36", "Nam Định", (105, 30), "37"),
    ("37", "Ninh Bình", (105, 0), "37"),
    ("38", "Thanh Hóa", (105, 0), "38"),
    ("40", "Nghệ An", (104, 45), "40"),
    ("42", "Hà Tĩnh", (105, 30), "42"),
    ("44", "Quảng Bình", (106, 0), "44"),
    ("45", "Quảng Trị", (106, 15), "44"),
    ("46", "Huế", (107, 0), "46"),
    ("48", "Đà Nẵng", (107, 45), "48"),
    ("49", "Quảng Nam", (107, 45), "48"),
    ("51", "Quảng Ngãi", (108, 0), "51"),
    ("52", "Bình Định", (108, 15), "52"),
    ("54", "Phú Yên", (108, 30), "66"),
    ("56", "Khánh Hòa", (108, 15), "56"),
    ("58", "Ninh Thuận", (108, 15), "56"),
    ("60", "Bình Thuận", (108, 30), "68"),
    ("62", "Kon Tum", (107, 30), "51"),
    ("64", "Gia Lai", (108, 30), "52"),
    ("66", "Đắk Lắk", (108, 30), "66"),
    ("67", "Đắk Nông", (108, 30), "68"),
    ("68", "Lâm Đồng", (107, 45), "68"),
    ("70", "Bình Phước", (106, 15), "75"),
    ("72", "Tây Ninh", (105, 30), "80"),
    ("74", "Bình Dương", (105, 45), "79"),
    ("75", "Đồng Nai", (107, 45), "75"),
    ("77", "Bà Rịa - Vũng Tàu", (107, 45), "79"),
    ("79", "Hồ Chí Minh", (105, 45), "79"),
    ("80", "Long An", (105, 45), "80"),
    ("82", "Tiền Giang", (105, 45), "82"),
    ("83", "Bến Tre", (105, 45), "86"),
    ("84", "Trà Vinh", (105, 30), "86"),
    ("86", "Vĩnh Long", (105, 30), "86"),
    ("87", "Đồng Tháp", (105, 0), "82"),
    ("89", "An Giang", (104, 45), "91"),
    ("91", "Kiên Giang", (104, 30), "91"),
    ("92", "Cần Thơ", (105, 0), "92"),
    ("93", "Hậu Giang", (105, 0), "92"),
    ("94", "Sóc Trăng", (105, 30), "92"),
    ("95", "Bạc Liêu", (105, 0), "96"),
    ("96", "Cà Mau", (104, 30), "96"),
)
# The 34 provinces from 2025-07-01 (GSO codes and current names).
_NEW_PROVINCES: dict[str, str] = {
    "01": "Hà Nội",
    "04": "Cao Bằng",
    "08": "Tuyên Quang",
    "11": "Điện Biên",
    "12": "Lai Châu",
    "14": "Sơn La",
    "15": "Lào Cai",
    "19": "Thái Nguyên",
    "20": "Lạng Sơn",
    "22": "Quảng Ninh",
    "24": "Bắc Ninh",
    "25": "Phú Thọ",
    "31": "Hải Phòng",
    "33": "Hưng Yên",
    "37": "Ninh Bình",
    "38": "Thanh Hoá",
    "40": "Nghệ An",
    "42": "Hà Tĩnh",
    "44": "Quảng Trị",
    "46": "Huế",
    "48": "Đà Nẵng",
    "51": "Quảng Ngãi",
    "52": "Gia Lai",
    "56": "Khánh Hoà",
    "66": "Đắk Lắk",
    "68": "Lâm Đồng",
    "75": "Đồng Nai",
    "79": "Hồ Chí Minh",
    "80": "Tây Ninh",
    "82": "Đồng Tháp",
    "86": "Vĩnh Long",
    "91": "An Giang",
    "92": "Cần Thơ",
    "96": "Cà Mau",
}
# Other names people write: the circular's and EPSG's "Thừa Thiên Huế" (renamed 2025-01-01),
# and the usual abbreviations.
_ALIASES = {"Thừa Thiên Huế": "Huế", "HCM": "Hồ Chí Minh", "BR-VT": "Bà Rịa - Vũng Tàu"}
# EPSG codes of the VN-2000 TM-3 CRSs by central meridian (all of them have one; EPSG:5896,
# on 102°00', serves no province). Checked against pyproj's database in the tests.
_TM3_EPSG = {
    (103, 0): 9205,
    (104, 0): 9206,
    (104, 30): 9207,
    (104, 45): 9208,
    (105, 0): 5897,
    (105, 30): 9209,
    (105, 45): 9210,
    (106, 0): 9211,
    (106, 15): 9212,
    (106, 30): 9213,
    (107, 0): 9214,
    (107, 15): 9215,
    (107, 30): 9216,
    (107, 45): 5899,
    (108, 0): 5898,
    (108, 15): 9217,
    (108, 30): 9218,
}
_UTM_EPSG = {48: 3405, 49: 3406}
_VINTAGES = (2008, 2025)
_CRS_STRING = re.compile(
    r"^\s*vn-?2000\s*:\s*(?P<province>.*?)\s*(?:@\s*(?P<vintage>\w+)\s*)?$",
    re.IGNORECASE | re.DOTALL,
)


def resolve_crs(value) -> pyproj.CRS:
    """Turn what a user may pass as ``crs=`` into a :class:`pyproj.CRS`.

    Parameters
    ----------
    value : int, str or pyproj.CRS
        An EPSG code (``32648``, ``"EPSG:32648"``, ``"epsg:3405"``), a province's VN-2000 TM-3
        zone (``"vn2000:Long An"``, ``"VN-2000:80"``, ``"vn2000:Cần Thơ@2008"``; see
        :func:`vn2000` — ``@2008``/``@2025`` is its ``vintage``), any string pyproj
        understands (WKT, PROJ), or a CRS object.

    Returns
    -------
    pyproj.CRS
        EPSG codes give the plain EPSG CRS; ``vn2000:`` strings give a CRS bound to the
        official VN-2000 → WGS 84 transformation (see :func:`bind_vn2000`).

    Raises
    ------
    InputError
        If the value is not a CRS pyproj knows, or names no province (or an ambiguous one)
        after ``vn2000:``.

    Examples
    --------
    >>> resolve_crs(32648).name
    'WGS 84 / UTM zone 48N'
    >>> resolve_crs("EPSG:3405").to_epsg()
    3405
    >>> resolve_crs("vn2000:Bình Dương").name
    'VN-2000 / TM-3 105-45'
    >>> resolve_crs("VN2000:Can Tho@2008").source_crs.to_epsg()
    5897
    """
    if isinstance(value, pyproj.CRS):
        return value
    if isinstance(value, str):
        text = value.strip()
        match = _CRS_STRING.match(text)
        if match:
            return vn2000(match["province"], vintage=match["vintage"])
        value = int(text) if text.isdigit() else text
    try:
        return pyproj.CRS.from_user_input(value)
    except pyproj.exceptions.CRSError as exc:
        raise InputError(
            f"crs={value!r} is not a coordinate reference system pyproj knows; "
            "give an EPSG code such as 4326 or 32648, or a province's VN-2000 zone such as "
            "'vn2000:Long An'"
        ) from exc


def _utm_for_lonlat(lon: float, lat: float) -> pyproj.CRS:
    zone = math.floor((lon + 180.0) / 6.0) + 1
    zone = min(max(zone, 1), 60)
    return pyproj.CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def metric_crs(data, crs=None) -> pyproj.CRS:
    """Choose the projected CRS in which geozone measures ``data``.

    Parameters
    ----------
    data : GeoDataFrame, GeoSeries or tuple
        The layer to measure, or its ``(minx, miny, maxx, maxy)`` bounds in WGS84.
    crs : optional
        An explicit choice (anything :func:`resolve_crs` accepts, e.g. ``"vn2000:Long An"``).
        It must be projected.

    Returns
    -------
    pyproj.CRS
        ``crs`` when given (a VN-2000 one bound to the official transformation to WGS 84,
        see :func:`bind_vn2000`); the data's own CRS when it is already projected; else the
        WGS84 UTM zone of the extent's centre (EPSG:32648 west of 108° E, EPSG:32649 east
        of it).

    Raises
    ------
    InputError
        If ``crs`` is geographic (degrees cannot carry a width in metres) or the data has
        no CRS.

    Examples
    --------
    >>> metric_crs((105.0, 9.5, 106.5, 11.0)).to_epsg()
    32648
    >>> metric_crs((108.8, 13.3, 109.4, 13.9)).to_epsg()
    32649
    >>> metric_crs((106.2, 10.3, 106.8, 10.9), crs="vn2000:Long An").name
    'VN-2000 / TM-3 105-45'
    """
    if crs is not None:
        chosen = bind_vn2000(resolve_crs(crs))
        if not chosen.is_projected:
            raise InputError(
                f"crs={crs!r} is geographic; distances are metres, so give a projected CRS "
                "such as EPSG:32648 (UTM 48N), EPSG:32649 (UTM 49N) or a VN-2000 zone "
                "('vn2000:<province>')"
            )
        return chosen
    if isinstance(data, tuple | list):
        minx, miny, maxx, maxy = data
    else:
        if data.crs is None:
            raise InputError(
                "the layer has no CRS; set one (e.g. gdf.set_crs(4326)) before measuring"
            )
        if data.crs.is_projected:
            return pyproj.CRS(data.crs)
        minx, miny, maxx, maxy = data.to_crs(WGS84).total_bounds
    if not all(map(math.isfinite, (minx, miny, maxx, maxy))):
        raise InputError("the layer is empty or has no finite coordinates; nothing to measure")
    return _utm_for_lonlat((minx + maxx) / 2.0, (miny + maxy) / 2.0)


def to_metric(frame: gpd.GeoDataFrame, crs=None) -> tuple[gpd.GeoDataFrame, pyproj.CRS]:
    """Project ``frame`` into the CRS :func:`metric_crs` chooses for it.

    Parameters
    ----------
    frame : GeoDataFrame or GeoSeries
        The layer to measure; it must have a CRS.
    crs : optional
        A projected CRS to use instead of the automatic choice (anything
        :func:`resolve_crs` accepts, e.g. ``"vn2000:Long An"``).

    Returns
    -------
    (GeoDataFrame, pyproj.CRS)
        The projected copy (the input itself when it is already in that CRS) and the CRS.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> pts = gpd.GeoDataFrame(geometry=[Point(105.78, 10.03)], crs=4326)
    >>> projected, crs = to_metric(pts)
    >>> crs.to_epsg(), round(projected.geometry.x.iloc[0])
    (32648, 585479)
    >>> to_metric(pts, crs="vn2000:Long An")[1].name
    'VN-2000 / TM-3 105-45'
    """
    target = metric_crs(frame, crs)
    if frame.crs is not None and pyproj.CRS(frame.crs) == target:
        return frame, target
    return frame.to_crs(target), target


@functools.lru_cache(maxsize=64)
def transformer(source, target) -> pyproj.Transformer:
    """The transformation geozone uses from ``source`` to ``target``.

    It is the one ``GeoDataFrame.to_crs`` uses, so results agree with geopandas to the bit.
    It is made once per pair of CRS and shared: finding the operation can take tens of
    milliseconds, and pyproj transformers are thread-safe (each thread gets its own PROJ
    object).

    Parameters
    ----------
    source, target : pyproj.CRS, int or str
        Anything :meth:`pyproj.Transformer.from_crs` accepts (and hashable).

    Returns
    -------
    pyproj.Transformer
        With x as easting or longitude first (``always_xy=True``).

    Examples
    --------
    >>> x, y = transformer(4326, 32648).transform(105.78, 10.03)
    >>> round(x), round(y)
    (585479, 1108831)
    """
    return pyproj.Transformer.from_crs(source, target, always_xy=True)


# --- VN-2000 ------------------------------------------------------------------------------------


@functools.cache
def _official_transformation() -> CoordinateOperation:
    return CoordinateOperation.from_epsg(_DECISION_05_2007_EPSG)


def _on_vn2000_datum(crs: pyproj.CRS) -> bool:
    geodetic = crs.geodetic_crs
    return geodetic is not None and getattr(geodetic.datum, "name", None) == _VN2000_DATUM


def bind_vn2000(crs) -> pyproj.CRS:
    """Attach the official VN-2000 → WGS 84 transformation to a CRS on the VN-2000 datum.

    PROJ knows two VN-2000 → WGS 84 transformations of equal stated accuracy (1 m) and picks
    by area of use: inside the Mekong delta box (104.24–107.11° E, 9.35–11.04° N, which holds
    Cần Thơ and TP Hồ Chí Minh) an unofficial one (EPSG:5194, "used by Total in Mekong
    delta"), about 0.8 m away from the official one of Decision 05/2007/QĐ-BTNMT (EPSG:6960)
    that it picks elsewhere. A CRS bound to EPSG:6960 makes every
    reprojection through WGS 84 use the official parameters; conversions between VN-2000
    zones stay pure map-projection changes.

    Parameters
    ----------
    crs : anything :func:`resolve_crs` accepts

    Returns
    -------
    pyproj.CRS
        A :class:`pyproj.crs.BoundCRS` whose ``source_crs`` is the given CRS (its EPSG code
        is ``source_crs.to_epsg()``), or the CRS unchanged when it is not on the VN-2000
        datum or already bound to a transformation (an explicit +towgs84 is respected).

    Examples
    --------
    >>> bound = bind_vn2000("EPSG:9210")
    >>> bound.name, bound.source_crs.to_epsg(), bound.to_epsg() is None
    ('VN-2000 / TM-3 105-45', 9210, True)
    >>> import pyproj
    >>> t = pyproj.Transformer.from_crs(bound, 4326, always_xy=True)
    >>> "x=-191.90441429" in t.definition, "convention=coordinate_frame" in t.definition
    (True, True)
    >>> bind_vn2000(32648).to_epsg()
    32648
    """
    crs = resolve_crs(crs)
    if crs.is_bound or not _on_vn2000_datum(crs):
        return crs
    return BoundCRS(source_crs=crs, target_crs=WGS84, transformation=_official_transformation())


@functools.cache
def _bound_epsg(code: int) -> pyproj.CRS:
    return bind_vn2000(pyproj.CRS.from_epsg(code))


def _province_key(text: str) -> str:
    # Without unit type, diacritics and spaces: "TP. Cần Thơ", "can tho", "Kontum" all match.
    _, bare = split_unit_type(text)
    key = normalize_name(bare, diacritics=False).replace(" ", "")
    return _ALIAS_KEYS.get(key, key)


def _meridian_text(meridian: tuple[int, int]) -> str:
    return f"{meridian[0]}°{meridian[1]:02d}'"


def _utm_zone(meridian: tuple[int, int]) -> int:
    # The 6° zone holding the province's TM-3 meridian, which the circular puts near the
    # province's middle; a meridian on a zone edge (108°00', Quảng Ngãi) belongs to the zone
    # east of it, as in the UTM numbering.
    return int((meridian[0] + meridian[1] / 60.0 + 180.0) // 6.0) + 1


_OLD = {code: (name, meridian, new) for code, name, meridian, new in _OLD_PROVINCES}
_PARTS: dict[str, tuple[str, ...]] = {
    new: tuple(code for code, *_, successor in _OLD_PROVINCES if successor == new)
    for new in _NEW_PROVINCES
}
_ALIAS_KEYS: dict[str, str] = {}  # empty while _province_key computes the aliases' own keys
_ALIAS_KEYS.update({_province_key(alias): _province_key(name) for alias, name in _ALIASES.items()})
_OLD_BY_KEY = {_province_key(name): code for code, (name, _, _) in _OLD.items()}
_NEW_BY_KEY = {_province_key(name): code for code, name in _NEW_PROVINCES.items()}


def _describe_old(code: str, zone_width: int) -> str:
    name, meridian, _ = _OLD[code]
    if zone_width == 3:
        return f"{name} ({code}) on {_meridian_text(meridian)} (EPSG:{_TM3_EPSG[meridian]})"
    zone = _utm_zone(meridian)
    return f"{name} ({code}) in UTM zone {zone}N (EPSG:{_UTM_EPSG[zone]})"


def _join(items: list[str], word: str = "and") -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {word} " + items[-1]


def _unambiguous_handle(code: str) -> str:
    """How to name an old province so that no 2025 province is meant too."""
    name = _OLD[code][0]
    if _province_key(name) not in _NEW_BY_KEY:
        return repr(name)
    if code not in _NEW_PROVINCES:
        return f"{code!r} ({name})"
    return f"{name!r} with vintage=2008 ('vn2000:{name}@2008')"


def _parse_vintage(vintage) -> int | None:
    if vintage is None:
        return None
    try:
        value = int(vintage)
    except (TypeError, ValueError):
        value = None
    if value not in _VINTAGES:
        raise InputError(
            f"vintage={vintage!r}; use 2008 (the 63 provinces before 2025-07-01), 2025 (the 34 "
            "after) or None (either, if they agree)"
        )
    return value


def _lookup(province) -> tuple[list[str], list[str]]:
    """Old and new province codes that ``province`` (a code or a name) can mean."""
    if isinstance(province, bool) or not isinstance(province, int | str):
        raise InputError(
            f"province={province!r}: give a province name or GSO code such as 'Long An' or '80'"
        )
    text = str(province).strip()
    if text.isdigit():
        code = f"{int(text):02d}"
        return [code] if code in _OLD else [], [code] if code in _NEW_PROVINCES else []
    if not text:
        raise InputError("the province name is empty; give e.g. 'Long An' or its code '80'")
    key = _province_key(text)
    old = [_OLD_BY_KEY[key]] if key in _OLD_BY_KEY else []
    new = [_NEW_BY_KEY[key]] if key in _NEW_BY_KEY else []
    return old, new


def _not_found(province, vintage: int | None, old: list[str], new: list[str]) -> InputError:
    if vintage == 2025 and old:
        name, _, successor = _OLD[old[0]]
        return InputError(
            f"{province!r} is not a province of the 2025 structure: since 2025-07-01 {name} "
            f"({old[0]}) is part of {_NEW_PROVINCES[successor]} ({successor}); drop "
            "vintage=2025 to use its own VN-2000 zone"
        )
    if vintage == 2008 and new:
        return InputError(f"{province!r} is not a province code of the 63-province structure")
    text = str(province).strip()
    if text.isdigit():
        return InputError(
            f"{province!r} is not a GSO province code; see geozone.crs.vn2000_table() for "
            "the 63 provinces and their codes"
        )
    names = {_province_key(n): n for n, *_ in _OLD.values()}
    names.update({_province_key(n): n for n in _NEW_PROVINCES.values()})
    close = difflib.get_close_matches(_province_key(text), list(names), n=3, cutoff=0.75)
    hint = f"; did you mean {', '.join(repr(names[k]) for k in close)}?" if close else ""
    return InputError(
        f"no province named {province!r}{hint} (see geozone.crs.vn2000_table() for the 63 "
        "provinces of VN-2000's zone table)"
    )


def vn2000(province, *, zone_width: int = 3, vintage=None) -> pyproj.CRS:
    """The VN-2000 projected CRS a province's survey coordinates are in.

    VN-2000 TM-3 zones are defined per province of the 63-province structure (Circular
    973/2001/TT-TCĐC); since 2025-07-01 several of those make up one province, and data
    surveyed before keep the meridian of the old province they were surveyed in.

    Parameters
    ----------
    province : str or int
        A province's GSO code (``"80"``, ``80``) or name, with or without diacritics and unit
        type (``"Long An"``, ``"tinh Long An"``, ``"TP. Cần Thơ"``, ``"Can Tho"``). Old
        (pre-2025) and new provinces are both understood. Every 2025 province kept the name
        and the code of old ones, so a name or code may mean an old province and a new one
        at once: it is read as the old province (survey zones are defined per old
        province), with a :class:`~geozone.errors.GeozoneWarning` when the 2025 province of
        that name spans other zones.
    zone_width : {3, 6}
        3 for the province's TM-3 zone (scale 0.9999, cadastral and large-scale survey
        data), 6 for the UTM zone (48N or 49N, scale 0.9996, EPSG:3405/3406) holding the
        province's central meridian.
    vintage : {None, 2008, 2025}
        Read ``province`` as a province of the 63-province structure (2008, valid until
        2025-06-30) or of the 34-province one (2025); None tries both.

    Returns
    -------
    pyproj.CRS
        The EPSG CRS of the zone (``.source_crs.to_epsg()``: 5897–5899 or 9205–9218 for
        TM-3, 3405/3406 for UTM), bound to the official VN-2000 → WGS 84 transformation
        (:func:`bind_vn2000`).

    Raises
    ------
    InputError
        If no province has that name or code, or if a 2025 province (``vintage=2025``) spans
        old provinces in different zones — e.g. the 2025 Tây Ninh is made of old Tây Ninh
        (105°30') and Long An (105°45'). The message lists the old provinces with their
        meridians and EPSG codes, so the caller can name the one the data was surveyed in.

    Examples
    --------
    >>> vn2000("Long An").name
    'VN-2000 / TM-3 105-45'
    >>> vn2000("tinh Binh Duong").source_crs.to_epsg()
    9210
    >>> vn2000("Khánh Hòa").name  # since 2025 with Ninh Thuận, also on 108°15'
    'VN-2000 / TM-3 108-15'
    >>> vn2000("Cần Thơ", vintage=2008).source_crs.to_epsg()
    5897
    >>> vn2000("Tây Ninh", zone_width=6).name  # both old parts lie in UTM zone 48
    'VN-2000 / UTM zone 48N'
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     vn2000("Tây Ninh").name  # the pre-2025 Tây Ninh
    'VN-2000 / TM-3 105-30'
    >>> vn2000("Tây Ninh", vintage=2025)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geozone.errors.InputError: 'Tây Ninh' can mean old provinces in different VN-2000 TM-3 ...
    """
    if zone_width not in (3, 6):
        raise InputError(
            f"zone_width={zone_width!r}; VN-2000 zones are 3° (TM-3, survey data) or 6° (UTM)"
        )
    year = _parse_vintage(vintage)
    old, new = _lookup(province)
    if year is None and old and new:
        # Survey coordinates keep the zone of the province they were surveyed in, and every
        # VN-2000 zone is defined for an old province: a name that is an old province's
        # means that one. Say so when the 2025 province of the same name spans other zones.
        other = sorted(set().union(*(_PARTS[code] for code in new)) - set(old))

        def zone(code):
            meridian = _OLD[code][1]
            return meridian if zone_width == 3 else _utm_zone(meridian)

        if any(zone(code) != zone(old[0]) for code in other):
            warnings.warn(
                f"{province!r} read as the pre-2025 province {_describe_old(old[0], zone_width)}"
                f"; the 2025 province of that name also covers "
                + _join([_describe_old(code, zone_width) for code in other])
                + ": name the old province the coordinates were surveyed in",
                GeozoneWarning,
                stacklevel=2,
            )
        new = []
    if year == 2008:
        new = []
    elif year == 2025:
        old = []
    parts = sorted(set(old).union(*(_PARTS[code] for code in new)))
    if not parts:
        raise _not_found(province, year, *_lookup(province))

    def zone_of(code: str):
        meridian = _OLD[code][1]
        return meridian if zone_width == 3 else _utm_zone(meridian)

    zones = {zone_of(code) for code in parts}
    if len(zones) > 1:
        meant = [
            f"the 2025 province {_NEW_PROVINCES[code]} ({code}), made of "
            + _join([_describe_old(part, zone_width) for part in _PARTS[code]])
            for code in new
        ]
        meant += [
            f"the old province {_describe_old(code, zone_width)}"
            for code in old
            if not any(code in _PARTS[n] for n in new)
        ]
        kind = "TM-3" if zone_width == 3 else "UTM"
        raise InputError(
            f"{province!r} can mean old provinces in different VN-2000 {kind} zones: "
            + "; ".join(meant)
            + ". VN-2000 coordinates are in the zone of the pre-2025 province they were "
            "surveyed in; name that one: "
            + _join([_unambiguous_handle(code) for code in parts], "or")
        )
    (zone,) = zones
    return _bound_epsg(_TM3_EPSG[zone] if zone_width == 3 else _UTM_EPSG[zone])


def vn2000_table() -> pd.DataFrame:
    """The VN-2000 zone of each of the 63 pre-2025 provinces, and its 2025 successor.

    Returns
    -------
    DataFrame
        One row per old province: ``old_province_code``, ``old_province_name``,
        ``central_meridian`` (degrees, float), ``central_meridian_dm`` (as the circular
        writes it, "105°45'"), ``tm3_epsg``, ``utm_epsg``, ``new_province_code``,
        ``new_province_name``. Needs no data directory.

    Examples
    --------
    >>> table = vn2000_table()
    >>> len(table), table["tm3_epsg"].nunique()
    (63, 17)
    >>> row = table.set_index("old_province_name").loc["Long An"]
    >>> row["central_meridian_dm"], int(row["tm3_epsg"]), row["new_province_name"]
    ("105°45'", 9210, 'Tây Ninh')
    """
    rows = []
    for code, name, meridian, new in _OLD_PROVINCES:
        rows.append(
            {
                "old_province_code": code,
                "old_province_name": name,
                "central_meridian": meridian[0] + meridian[1] / 60.0,
                "central_meridian_dm": _meridian_text(meridian),
                "tm3_epsg": _TM3_EPSG[meridian],
                "utm_epsg": _UTM_EPSG[_utm_zone(meridian)],
                "new_province_code": new,
                "new_province_name": _NEW_PROVINCES[new],
            }
        )
    return pd.DataFrame(rows)
