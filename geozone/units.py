"""Load administrative units from the catalog or any GDAL-readable file into one schema.

Every layer geozone works with has the same columns, whatever its source:

============== ===============================================================
column         meaning
============== ===============================================================
code           GSO code, a zero-padded string ("92", "540", "31117")
name           Vietnamese name without the unit type, NFC ("Cần Thơ")
full_name      name with the unit type ("Thành phố Cần Thơ")
level          "province", "district" or "commune"
parent_code    code of the unit above (None for provinces)
province_code  code of the province the unit lies in (its own code for provinces)
vintage        2008 (63-province structure) or 2025 (34 provinces, from 2025-07-01)
geometry       Polygon/MultiPolygon in EPSG:4326
============== ===============================================================

Catalog layers are cached as GeoParquet in the data directory on first load.
"""

from __future__ import annotations

import os
import unicodedata
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geozone import datasets
from geozone._parallel import map_threads
from geozone.errors import DataError, GeozoneWarning, InputError

__all__ = ["LEVELS", "SCHEMA", "load_units", "unit_table"]

SCHEMA = [
    "code",
    "name",
    "full_name",
    "level",
    "parent_code",
    "province_code",
    "vintage",
    "geometry",
]
LEVELS = ("province", "district", "commune")
_CODE_WIDTH = {"province": 2, "district": 3, "commune": 5}
_LEVEL_BY_NUMBER = {"1": "province", "2": "district", "3": "commune"}
# Sliver holes left between communes of one province when dissolving: measured in the 2025
# layer they are all < 0.1 km², while no real enclave between communes is that small.
_DISSOLVE_HOLE_M2 = 100_000.0


def _nfc(values: pd.Series) -> pd.Series:
    return values.map(
        lambda v: unicodedata.normalize("NFC", v).strip() if isinstance(v, str) else v
    )


def _pad_codes(codes: pd.Series, width: int | None) -> pd.Series:
    def pad(value):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return None
        text = str(value).strip()
        if text.endswith(".0") and text[:-2].isdigit():  # codes read as floats
            text = text[:-2]
        if width and text.isdigit():
            text = text.zfill(width)
        return text or None

    return codes.map(pad).astype(object)


def _read_vector(
    path: str | Path, *, member: str | None = None, layer=None, engine: str = "pyogrio"
) -> gpd.GeoDataFrame:
    path = str(path)
    if path.lower().endswith(".parquet") or path.lower().endswith(".geoparquet"):
        return gpd.read_parquet(path)
    if path.lower().endswith(".zip"):
        # GDAL reads the archive member in place: nothing is extracted, so a crafted archive
        # cannot write outside a temporary folder.
        path = f"/vsizip/{path}/{member}" if member else f"/vsizip/{path}"
    kwargs = {"engine": engine}
    if layer is not None:
        kwargs["layer"] = layer
    if engine == "pyogrio":
        kwargs["use_arrow"] = True
        # Arrow reads pass a .dbf's legacy 8-bit text through undecoded; hand over the
        # encoding GDAL detects (ISO-8859-1 for a .dbf without .cpg) so fix_legacy_text
        # can then recognise TCVN3/VNI.
        try:
            import pyogrio

            encoding = pyogrio.read_info(path, layer=layer).get("encoding")
        except Exception:  # unreadable files fail below with the reader's own message
            encoding = None
        if encoding and encoding.upper() not in ("UTF-8", "UTF8"):
            kwargs["encoding"] = encoding
    elif engine != "fiona":
        raise InputError(f"engine={engine!r}: use 'pyogrio' or 'fiona'")
    try:
        return gpd.read_file(path, **kwargs)
    except ImportError as exc:
        raise InputError(f"engine={engine!r} is not installed; pip install {engine}") from exc
    except Exception as exc:  # GDAL's own errors carry no common base class
        raise DataError(f"cannot read {path}: {exc}") from exc


def _derive_name(full_names: pd.Series) -> pd.Series:
    """Names without the unit type ("Huyện Củ Chi" → "Củ Chi"), except where only a number
    would be left: "Quận 1" stays "Quận 1", a name that means something on its own, as the
    2025 layer's numbered wards keep their place name beside the number ("1 Bảo Lộc").
    """
    from geozone.names import split_unit_type

    def bare(value):
        if not isinstance(value, str):
            return value
        unit_type, rest = split_unit_type(value)
        return value.strip() if unit_type and rest.replace(" ", "").isdigit() else rest

    return full_names.map(bare)


def _repair_geometries(frame: gpd.GeoDataFrame, label: str) -> list[dict]:
    """Make invalid geometries valid (keeping polygonal parts) and report each repair."""
    geoms = frame.geometry.values
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    invalid = ~missing & ~shapely.is_valid(geoms)
    repairs = []
    if invalid.any():
        fixed = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
        fixed = np.array([_polygonal(g) for g in fixed], dtype=object)
        reasons = shapely.is_valid_reason(geoms[invalid])
        for pos, reason, before, after in zip(
            np.flatnonzero(invalid), reasons, geoms[invalid], fixed, strict=True
        ):
            repairs.append(
                {
                    "row": int(pos),
                    "code": frame["code"].iat[pos],
                    "problem": reason,
                    "repair": "make_valid",
                    "area_change": float(shapely.area(after) - shapely.area(before)),
                }
            )
        values = frame.geometry.values.copy()
        values[invalid] = fixed
        frame.geometry.values[:] = values
    if missing.any():
        rows = np.flatnonzero(missing)
        codes = ", ".join(f"row {r} (code {frame['code'].iat[r]})" for r in rows[:10])
        warnings.warn(
            f"{label}: {int(missing.sum())} units have no geometry: {codes}; they "
            "are kept but take no part in topology",
            GeozoneWarning,
            stacklevel=3,
        )
    if repairs:
        listed = "; ".join(f"{r['code']} ({r['problem']})" for r in repairs[:10])
        warnings.warn(
            f"{label}: repaired {len(repairs)} invalid geometries with make_valid: {listed}",
            GeozoneWarning,
            stacklevel=3,
        )
    return repairs


def _polygonal(geom):
    if geom is None or geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [
        g for g in getattr(geom, "geoms", [geom]) if g.geom_type in ("Polygon", "MultiPolygon")
    ]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _fix_legacy_names(out: pd.DataFrame, label: str) -> list[dict]:
    """Convert TCVN3/VNI name columns (common in older government shapefiles) to Unicode."""
    from geozone.vnencoding import fix_legacy_text

    fixed, report = fix_legacy_text(
        out, columns=[c for c in ("name", "full_name") if out[c].notna().any()]
    )
    for col in ("name", "full_name"):
        out[col] = fixed[col]
    for entry in report:
        if entry["message"]:
            warnings.warn(f"{label}: {entry['message']}", GeozoneWarning, stacklevel=4)
    return report


def _normalise(
    raw: gpd.GeoDataFrame,
    *,
    columns: dict,
    level: str,
    vintage,
    code_width,
    label: str,
    crs=None,
    fix_encoding: bool = True,
) -> gpd.GeoDataFrame:
    if raw.crs is None:
        if crs is None:
            raise InputError(
                f"{label} has no CRS; pass crs= (e.g. crs=4326 for longitude/latitude, or "
                "'vn2000:<province>' for VN-2000 survey metres)"
            )
        from geozone.crs import resolve_crs

        raw = raw.set_crs(resolve_crs(crs))
    unknown = [src for src in columns.values() if src not in raw.columns]
    if unknown:
        raise InputError(
            f"{label}: column(s) {unknown} not found; the file has {list(raw.columns)}"
        )
    out = pd.DataFrame(index=raw.index)
    mapped = set(columns.values())
    for target in ("code", "name", "full_name", "parent_code", "province_code"):
        source = columns.get(target, target)
        # A column mapped to another target is not also taken for its own name's sake: with
        # {"full_name": "name"} the file's "name" holds full names, and names are derived.
        implicit_elsewhere = target not in columns and source in mapped
        out[target] = raw[source] if source in raw.columns and not implicit_elsewhere else None
    if out["code"].isna().all():
        raise InputError(f"{label}: no code column; map one with columns={{'code': '<column>'}}")
    if level not in LEVELS:
        raise InputError(f"{label}: level={level!r}; use one of {', '.join(LEVELS)}")
    width = code_width or _CODE_WIDTH[level]
    out["code"] = _pad_codes(out["code"], width)
    missing = out["code"].isna()
    if missing.any():
        rows = list(np.flatnonzero(missing.to_numpy())[:10])
        raise DataError(f"{label}: rows {rows} have no code")
    for col in ("parent_code", "province_code"):
        out[col] = _pad_codes(out[col], 2 if level != "commune" or col == "province_code" else None)
    legacy = _fix_legacy_names(out, label) if fix_encoding else []
    for col in ("name", "full_name"):
        out[col] = _nfc(out[col])
    if out["name"].isna().all() and not out["full_name"].isna().all():
        out["name"] = _derive_name(out["full_name"])
    out["full_name"] = out["full_name"].fillna(out["name"])
    out["level"] = level
    if level == "province":
        out["province_code"] = out["code"]
        out["parent_code"] = None
    out["vintage"] = pd.array([vintage] * len(out), dtype="Int64")
    frame = gpd.GeoDataFrame(out, geometry=raw.geometry.values, crs=raw.crs)
    if frame.crs is not None and not pyproj.CRS(frame.crs).equals(pyproj.CRS.from_epsg(4326)):
        frame = frame.to_crs(4326)
    frame = frame.reset_index(drop=True)[SCHEMA]
    duplicated = frame["code"].duplicated(keep=False)
    if duplicated.any():
        dups = sorted(set(frame.loc[duplicated, "code"]))
        warnings.warn(
            f"{label}: duplicate codes {dups[:10]}; adjacency and zones need unique "
            "codes (dissolve them or fix the source)",
            GeozoneWarning,
            stacklevel=3,
        )
    frame.attrs["geozone_repairs"] = _repair_geometries(frame, label)
    frame.attrs["geozone_encoding"] = legacy
    return frame


def _codes_by_name(raw: gpd.GeoDataFrame, columns: dict, level: str, label: str):
    """Give a province layer whose own codes are not GSO codes (geoBoundaries' ISO 3166-2
    codes) the GSO codes of the 63 provinces of 2008, matched by name, and dissolve the
    features that end up sharing a code into one.

    A feature whose name is no province's takes the code of the named features that share its
    source code: Côn Đảo, a separate feature with Bà Rịa - Vũng Tàu's ``VN-43``, becomes part
    of 77. Returns the recoded layer, the dissolve repairs (``row`` still to be set to the
    unit's row in the loaded layer) and the source codes of each GSO code.
    """
    from geozone.crs import _lookup  # the 63 provinces of geozone.crs.vn2000_table, by name

    if level != "province":
        raise DataError(f"{label}: codes_by_name matches province names only, not {level}s")
    code_col = columns.get("code", "code")
    name_col = columns.get("name", columns.get("full_name", "name"))
    for col in (code_col, name_col):
        if col not in raw.columns:
            raise DataError(f"{label}: column {col!r} not found; the file has {list(raw.columns)}")
    source = [None if pd.isna(v) else str(v).strip() for v in raw[code_col]]
    names = [v.strip() if isinstance(v, str) else "" for v in raw[name_col]]
    gso = [None] * len(raw)
    by_source: dict[str, set] = {}
    for i, name in enumerate(names):
        matches = _lookup(name)[0] if name and not name.isdigit() else []
        if len(matches) == 1:
            gso[i] = matches[0]
            by_source.setdefault(source[i], set()).add(matches[0])
    named = [code is not None for code in gso]
    for i in range(len(raw)):
        if gso[i] is None and len(by_source.get(source[i], ())) == 1:
            (gso[i],) = by_source[source[i]]
    unmatched = [f"{names[i]!r} ({source[i]})" for i in range(len(raw)) if gso[i] is None]
    if unmatched:
        raise DataError(
            f"{label}: no province of 2008 matches {', '.join(unmatched[:10])}, by name or "
            "by a source code shared with a matched feature"
        )
    out = raw.copy()
    out[code_col] = gso
    source_codes: dict[str, list] = {}
    for code, src in zip(gso, source, strict=True):
        source_codes.setdefault(code, [])
        if src not in source_codes[code]:
            source_codes[code].append(src)

    shared = out[code_col].duplicated(keep=False).to_numpy()
    repairs = []
    if shared.any():
        geoms = np.array(out.geometry.values, dtype=object)
        drop = []
        for code in dict.fromkeys(out[code_col][shared]):
            rows = np.flatnonzero((out[code_col] == code).to_numpy())
            # The feature named like the province keeps its attributes; the others join it.
            first = next((r for r in rows if named[r]), rows[0])
            parts = [g if g.is_valid else shapely.make_valid(g) for g in geoms[rows]]
            merged = _polygonal(shapely.union_all(parts))
            listed = ", ".join(f"{names[r]} ({source[r]})" for r in rows)
            repairs.append(
                {
                    "row": None,
                    "code": code,
                    "problem": f"{len(rows)} features share code {code}: {listed}",
                    "repair": "dissolve",
                    "area_change": float(shapely.area(merged) - shapely.area(geoms[rows]).sum()),
                    "source_rows": [int(r) for r in rows],
                }
            )
            geoms[first] = merged
            drop.extend(int(r) for r in rows if r != first)
        out[out.geometry.name] = gpd.GeoSeries(geoms, index=out.index, crs=out.crs)
        out = out.drop(index=out.index[drop])
        detail = "; ".join(r["problem"] for r in repairs[:10])
        warnings.warn(
            f"{label}: dissolved the features sharing a code into one unit each: {detail}",
            GeozoneWarning,
            stacklevel=4,
        )
    return out, repairs, source_codes


def _apply_names(frame: gpd.GeoDataFrame, names_from: str, data_dir) -> gpd.GeoDataFrame:
    """Replace names by the official ones of a code table (sources carry typos)."""
    table = datasets.read_table(names_from, data_dir)
    table = table.drop_duplicates("code").set_index("code")
    known = frame["code"].isin(table.index)
    name_col = "name" if "name" in table else None
    frame.loc[known, "name"] = _nfc(frame.loc[known, "code"].map(table[name_col]))
    frame.loc[known, "full_name"] = _nfc(frame.loc[known, "code"].map(table["full_name"]))
    return frame


def _dissolve_provinces(communes: gpd.GeoDataFrame, codes_table: pd.DataFrame):
    groups = [
        (code, part.geometry.values) for code, part in communes.groupby("province_code", sort=True)
    ]
    merged = map_threads(lambda item: shapely.union_all(item[1]), groups)
    metric = gpd.GeoSeries(merged, crs=communes.crs).to_crs(_metric_for(communes)).values
    filled = [_fill_small_holes(m, g) for m, g in zip(metric, merged, strict=True)]
    provinces = codes_table[codes_table["level"] == "1"].set_index("code")
    codes = [code for code, _ in groups]
    frame = gpd.GeoDataFrame(
        {
            "code": codes,
            "name": [provinces.at[c, "name"] if c in provinces.index else None for c in codes],
            "full_name": [
                provinces.at[c, "full_name"] if c in provinces.index else None for c in codes
            ],
            "level": "province",
            "parent_code": None,
            "province_code": codes,
            "vintage": pd.array([2025] * len(codes), dtype="Int64"),
        },
        geometry=filled,
        crs=communes.crs,
    )
    frame["name"] = _nfc(frame["name"])
    frame["full_name"] = _nfc(frame["full_name"])
    return frame[SCHEMA]


def _metric_for(frame):
    from geozone.crs import metric_crs

    return metric_crs(frame)


def _fill_small_holes(metric_geom, geom):
    """Drop interior rings smaller than the sliver threshold (measured in metres)."""
    polys_metric = getattr(metric_geom, "geoms", [metric_geom])
    polys = getattr(geom, "geoms", [geom])
    kept = []
    for pm, p in zip(polys_metric, polys, strict=True):
        holes = [
            ring
            for ring, ring_m in zip(p.interiors, pm.interiors, strict=True)
            if shapely.Polygon(ring_m).area >= _DISSOLVE_HOLE_M2
        ]
        kept.append(shapely.Polygon(p.exterior, holes))
    return kept[0] if len(kept) == 1 else shapely.MultiPolygon(kept)


def _load_catalog_units(dataset_id: str, data_dir, engine: str, cache: bool):
    entry = datasets.dataset(dataset_id)
    if entry.kind != "units":
        raise InputError(
            f"dataset {dataset_id!r} is a {entry.kind}, not a boundary layer; "
            "read it with geozone.datasets.read_table"
        )
    cached = datasets.cache_path(dataset_id, data_dir)
    if cache and cached.is_file():
        frame = gpd.read_parquet(cached)
        frame["vintage"] = frame["vintage"].astype("Int64")
        frame.attrs["geozone_dataset"] = dataset_id
        return frame
    if entry.is_derived:
        communes = _load_catalog_units(entry.derived_from, data_dir, engine, cache)
        frame = _dissolve_provinces(communes, datasets.read_table(entry.names_from, data_dir))
    else:
        path = datasets.dataset_path(dataset_id, data_dir)
        raw = _read_vector(path, member=entry.member, engine=engine)
        label = f"dataset {dataset_id!r}"
        dissolved, source_codes = [], None
        if entry.codes_by_name:
            raw, dissolved, source_codes = _codes_by_name(raw, entry.columns, entry.level, label)
        frame = _normalise(
            raw,
            columns=entry.columns,
            level=entry.level,
            vintage=entry.vintage,
            code_width=entry.code_width,
            label=label,
            fix_encoding=False,
        )
        if dissolved:
            for repair in dissolved:
                repair["row"] = int(np.flatnonzero((frame["code"] == repair["code"]).to_numpy())[0])
            frame.attrs["geozone_repairs"] = dissolved + frame.attrs["geozone_repairs"]
        if source_codes is not None:
            # The schema has no room for the source's own codes (ISO 3166-2 for geoBoundaries).
            frame.attrs["geozone_source_codes"] = source_codes
        if entry.names_from:
            frame = _apply_names(frame, entry.names_from, data_dir)
    if cache:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")
        # GeoArrow-native, uncompressed: the commune layer reads in ~0.2 s instead of ~0.6 s
        # for WKB, at the price of ~110 MB on disk.
        frame.to_parquet(tmp, index=False, geometry_encoding="geoarrow", compression=None)
        os.replace(tmp, cached)
    frame.attrs["geozone_dataset"] = dataset_id
    return frame


def load_units(
    source,
    *,
    data_dir=None,
    columns: dict | None = None,
    level: str | None = None,
    vintage: int | None = None,
    crs=None,
    layer=None,
    engine: str = "pyogrio",
    cache: bool = True,
) -> gpd.GeoDataFrame:
    """Load boundary polygons into geozone's schema.

    Parameters
    ----------
    source : str, path or GeoDataFrame
        A catalog id (``"vn2025-communes"``, ``"vn2025-provinces"``,
        ``"vn2025-provinces-published"``, ``"vn2008-provinces"``, ``"vn2008-districts"`` …;
        see ``geozone data list``), a GDAL-readable file (GeoJSON, zipped GeoJSON, Shapefile,
        GeoPackage, GeoParquet), or a GeoDataFrame.
    data_dir : path, optional
        Data directory for catalog ids (see :func:`geozone.datasets.resolve_data_dir`).
    columns : dict, optional
        For files: map schema columns to the file's, e.g.
        ``{"code": "MA_TINH", "full_name": "TEN_TINH"}``. Columns already named like the
        schema need no mapping.
    level : {"province", "district", "commune"}
        For files: the administrative level (default: guessed from the code width).
    vintage : int, optional
        For files: 2008 or 2025.
    crs : optional
        For files without a CRS: the CRS their coordinates are in. A file without a CRS is
        refused unless this is given.
    layer : str, optional
        Layer of a multi-layer file (GeoPackage).
    engine : {"pyogrio", "fiona"}
        The GDAL binding to read with.
    cache : bool
        Use (and fill) the GeoParquet cache for catalog ids.

    Returns
    -------
    GeoDataFrame
        The columns of :data:`SCHEMA`, in EPSG:4326. Invalid geometries are repaired with
        ``make_valid`` and listed in a :class:`~geozone.errors.GeozoneWarning` and in
        ``.attrs["geozone_repairs"]``.

    Raises
    ------
    DataError
        The dataset is not in the data directory (the message says what to run), or the
        file cannot be read.
    InputError
        A file has no CRS and none was given, or a mapped column is missing.

    Examples
    --------
    >>> communes = load_units("vn2025-communes")
    >>> len(communes), communes.crs.to_epsg()
    (3321, 4326)
    >>> communes.loc[communes.code == "31135", ["name", "level", "province_code"]].values.tolist()
    [['Ninh Kiều', 'commune', '92']]
    """
    if isinstance(source, gpd.GeoDataFrame):
        return _normalise(
            source.copy(),
            columns=columns or {},
            level=level or _guess_level(source, columns or {}),
            vintage=vintage,
            code_width=None,
            label="the GeoDataFrame",
            crs=crs,
        )
    text = os.fspath(source)
    if text in datasets.catalog():
        if columns or level or vintage or crs:
            raise InputError(
                f"{text!r} is a catalog dataset; columns/level/vintage/crs apply to files only"
            )
        return _load_catalog_units(text, data_dir, engine, cache)
    path = Path(text).expanduser()
    if not path.exists():
        raise InputError(
            f"{text!r} is neither a catalog dataset nor an existing file; catalog ids: "
            f"{', '.join(sorted(k for k, v in datasets.catalog().items() if v.kind == 'units'))}"
        )
    raw = _read_vector(path, layer=layer, engine=engine)
    columns = columns or {}
    return _normalise(
        raw,
        columns=columns,
        level=level or _guess_level(raw, columns),
        vintage=vintage,
        code_width=None,
        label=f"file {path.name}",
        crs=crs,
    )


def _guess_level(raw, columns) -> str:
    code_col = columns.get("code", "code")
    if code_col not in raw.columns:
        raise InputError(f"no {code_col!r} column; map one with columns={{'code': '<column>'}}")
    widths = raw[code_col].dropna().astype(str).str.strip().str.len()
    width = int(widths.mode().iat[0]) if len(widths) else 0
    for level, w in _CODE_WIDTH.items():
        if width == w:
            return level
    raise InputError(f"cannot tell the level from codes of width {width}; pass level=")


def unit_table(vintage: int, *, data_dir=None) -> pd.DataFrame:
    """All units of a vintage from the GSO code table, without geometry.

    Fast (no geometry is read): for looking up names and codes.

    Parameters
    ----------
    vintage : {2008, 2025}

    Returns
    -------
    DataFrame
        Schema columns except geometry, plus ``unit_type``.

    Examples
    --------
    >>> table = unit_table(2025)
    >>> table.level.value_counts().to_dict()
    {'commune': 3321, 'province': 34}
    """
    ids = {2025: "vn2025-codes", 2008: "vn2008-codes"}
    if vintage not in ids:
        raise InputError(f"vintage={vintage!r}; use 2008 or 2025")
    raw = datasets.read_table(ids[vintage], data_dir)
    table = pd.DataFrame(
        {
            "code": raw["code"],
            "name": _nfc(raw["name"]),
            "full_name": _nfc(raw["full_name"]),
            "level": raw["level"].map(_LEVEL_BY_NUMBER),
            "parent_code": raw["parent_code"].where(raw["level"] != "1", None),
            "province_code": raw["province_code"],
            "vintage": pd.array([vintage] * len(raw), dtype="Int64"),
            "unit_type": raw["unit_type"],
        }
    )
    return table
