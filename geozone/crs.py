"""Coordinate reference systems: the metric CRS a computation runs in, and ``crs=`` parsing.

geozone measures in metres, so every distance, width and area is computed in a projected
CRS chosen once per call and results are returned in the caller's CRS. For data in
longitude/latitude the UTM zone of the extent's centre is used (Vietnam's mainland lies in
UTM 48N and 49N); data already in a projected CRS (VN-2000 survey coordinates, say) is used as
it is. An explicit ``crs=`` overrides the choice.
"""

from __future__ import annotations

import math

import geopandas as gpd
import pyproj

from geozone.errors import InputError

__all__ = ["metric_crs", "resolve_crs", "to_metric"]

WGS84 = pyproj.CRS.from_epsg(4326)


def resolve_crs(value) -> pyproj.CRS:
    """Turn what a user may pass as ``crs=`` into a :class:`pyproj.CRS`.

    Parameters
    ----------
    value : int, str or pyproj.CRS
        An EPSG code (``32648``, ``"EPSG:32648"``, ``"epsg:3405"``), any string pyproj
        understands (WKT, PROJ), or a CRS object.

    Returns
    -------
    pyproj.CRS

    Raises
    ------
    InputError
        If the value is not a CRS pyproj knows.

    Examples
    --------
    >>> resolve_crs(32648).name
    'WGS 84 / UTM zone 48N'
    >>> resolve_crs("EPSG:3405").to_epsg()
    3405
    """
    if isinstance(value, pyproj.CRS):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            value = int(text)
        else:
            value = text
    try:
        return pyproj.CRS.from_user_input(value)
    except pyproj.exceptions.CRSError as exc:
        raise InputError(
            f"crs={value!r} is not a coordinate reference system pyproj knows; "
            "give an EPSG code such as 4326 or 32648"
        ) from exc


def _utm_for_lonlat(lon: float, lat: float) -> pyproj.CRS:
    zone = int(math.floor((lon + 180.0) / 6.0)) + 1
    zone = min(max(zone, 1), 60)
    return pyproj.CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def metric_crs(data, crs=None) -> pyproj.CRS:
    """Choose the projected CRS in which geozone measures ``data``.

    Parameters
    ----------
    data : GeoDataFrame, GeoSeries or tuple
        The layer to measure, or its ``(minx, miny, maxx, maxy)`` bounds in WGS84.
    crs : optional
        An explicit choice (anything :func:`resolve_crs` accepts). It must be projected.

    Returns
    -------
    pyproj.CRS
        ``crs`` when given; the data's own CRS when it is already projected; else the WGS84
        UTM zone of the extent's centre (EPSG:32648 west of 108° E, EPSG:32649 east of it).

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
    """
    if crs is not None:
        chosen = resolve_crs(crs)
        if not chosen.is_projected:
            raise InputError(
                f"crs={crs!r} is geographic; distances are metres, so give a projected CRS "
                "such as EPSG:32648 (UTM 48N), EPSG:32649 (UTM 49N) or a VN-2000 zone"
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
    """
    target = metric_crs(frame, crs)
    if frame.crs is not None and pyproj.CRS(frame.crs) == target:
        return frame, target
    return frame.to_crs(target), target
