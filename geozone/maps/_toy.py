"""A four-unit toy agreement for examples and quick tests (no data directory needed).

Four square-ish provinces near Cần Thơ in UTM 48N, 40 km a side, with Vietnamese names::

    +---------+---------+
    |  Hà Tây | Bắc Hải |
    |  (01)   |  (02)   |
    +---------+---------+
    |  Đông Ân | Ý Yên  |
    |  (03)   |  (04)   |
    +---------+---------+
"""

from __future__ import annotations

import geopandas as gpd
import shapely

__all__ = ["toy_agreement", "toy_units"]

_SIDE = 40_000.0
_X0, _Y0 = 560_000.0, 1_050_000.0


def _pieces() -> list:
    """Four polygons forming a coverage, split by two kinked lines (so the shared boundaries
    are not straight), in reading order: top-left, top-right, bottom-left, bottom-right."""
    x0, y0, x1, y1 = _X0, _Y0, _X0 + 2 * _SIDE, _Y0 + 2 * _SIDE
    xm, ym = _X0 + _SIDE, _Y0 + _SIDE
    vertical = shapely.LineString(
        [(xm, y0), (xm + 3000, ym - 9000), (xm - 2000, ym), (xm + 2500, ym + 15000), (xm, y1)]
    )
    horizontal = shapely.LineString(
        [(x0, ym), (x0 + 15000, ym + 2500), (xm - 2000, ym), (xm + 20000, ym - 3000), (x1, ym)]
    )
    edges = shapely.union_all([shapely.box(x0, y0, x1, y1).exterior, vertical, horizontal])
    polys = list(shapely.get_parts(shapely.polygonize([edges])))

    def order(poly):
        c = poly.centroid
        return (-round(c.y / _SIDE), c.x)

    return sorted(polys, key=order)


def toy_units(names=None) -> gpd.GeoDataFrame:
    """The toy layer in geozone's units schema (EPSG:4326).

    Examples
    --------
    >>> toy_units().name.tolist()
    ['Hà Tây', 'Bắc Hải', 'Đông Ân', 'Ý Yên']
    """
    names = list(names or ["Hà Tây", "Bắc Hải", "Đông Ân", "Ý Yên"])
    geoms = _pieces()
    codes = ["01", "02", "03", "04"]
    return gpd.GeoDataFrame(
        {
            "code": codes,
            "name": names,
            "full_name": [f"Tỉnh {n}" for n in names],
            "level": "province",
            "parent_code": None,
            "province_code": codes,
            "vintage": 2025,
        },
        geometry=geoms,
        crs=32648,
    ).to_crs(4326)


def toy_agreement(names=None, width_m: float = 4000.0):
    """An :class:`~geozone.Agreement` over :func:`toy_units`, all four units members.

    Examples
    --------
    >>> a = toy_agreement()
    >>> len(a.members), a.width_m
    (4, 4000.0)
    """
    from geozone.agreements import Agreement

    return Agreement.from_units(
        toy_units(names),
        id="toy",
        title="Quy chế phối hợp thử nghiệm giữa bốn tỉnh: Hà Tây, Bắc Hải, Đông Ân và Ý Yên",
        width_m=width_m,
    )
