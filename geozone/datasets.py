"""The catalog of boundary datasets, the data directory, fetching from mirrors, and the cache.

The catalog (``boundaries/catalog.toml``) describes each dataset by id: the file as it lies in a
mirror, its sha256 and size, licence, upstream sources, vintage, level and column mapping.
Geometry files are never part of the package: they live in a *data directory*, resolved as

1. the ``data_dir=`` argument,
2. else the ``GEOZONE_DATA_DIR`` environment variable,
3. else the per-user cache directory (``platformdirs.user_cache_dir("geozone")``).

:func:`fetch` fills the data directory from a *mirror* — a local folder or an http(s) base URL
laid out like the catalog's ``file`` paths — verifying every file's sha256. The default mirror
comes from ``GEOZONE_MIRROR`` or ``mirror = "..."`` in ``<user config dir>/geozone/config.toml``.
Loaded layers are cached as GeoParquet under ``<data dir>/cache/``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import tomllib
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd

from geozone.errors import DataError, InputError

__all__ = [
    "Dataset",
    "catalog",
    "dataset",
    "dataset_path",
    "default_mirror",
    "fetch",
    "list_datasets",
    "read_table",
    "resolve_data_dir",
]

_CHUNK = 1 << 20


def _catalog_dir() -> Path:
    # A source checkout (or an editable install) reads the reviewed files in place; a wheel
    # carries a copy as the ``geozone._catalog`` package data.
    override = os.environ.get("GEOZONE_CATALOG_DIR")
    if override:
        return Path(override)
    in_tree = Path(__file__).resolve().parents[1] / "boundaries"
    if (in_tree / "catalog.toml").is_file():
        return in_tree
    packaged = Path(__file__).resolve().parent / "_catalog"
    if (packaged / "catalog.toml").is_file():
        return packaged
    raise DataError(
        "geozone's catalog (boundaries/catalog.toml) is missing from this installation; "
        "reinstall geozone or set GEOZONE_CATALOG_DIR"
    )


def catalog_dir() -> Path:
    """The folder holding ``catalog.toml`` and ``agreements/``.

    Examples
    --------
    >>> (catalog_dir() / "catalog.toml").is_file()
    True
    """
    return _catalog_dir()


@dataclass(frozen=True)
class Dataset:
    """One entry of ``boundaries/catalog.toml``: a layer or table, where it lives, its licence.

    Get entries with :func:`dataset` or :func:`catalog`; they are read-only.

    Attributes
    ----------
    id, title : str
        The catalog id (``"vn2025-communes"``) and a one-line description.
    kind : {"units", "table"}
        Boundary polygons (read with :func:`geozone.load_units`) or a CSV table (read with
        :func:`read_table`).
    file : str or None
        Path relative to a mirror and to the data directory; None for a derived dataset.
    member : str or None
        The file inside a zip archive, when the file is one.
    sha256 : str or None
        Checksum :func:`fetch` verifies.
    size : int or None
        File size in bytes.
    vintage : {2008, 2025} or None
        The administrative structure the units belong to.
    level : {"province", "district", "commune"} or None
        Unit level of a ``units`` dataset.
    features : int or None
        Number of units (rows) expected.
    code_width : int or None
        Digits the GSO codes are zero-padded to.
    licence, attribution : str
        Terms of use, and the credit line maps and reports print.
    upstream : tuple of str
        Where the data came from.
    known_defects : str
        What a coverage check is expected to find.
    columns : dict
        Source column → geozone schema column.
    derived_from : str or None
        Id of the dataset this one is computed from (provinces dissolved from communes).
    names_from : str or None
        Id of the code table whose official names replace the source's.
    codes_by_name : bool
        The file's codes are not GSO codes: its units get the codes of the 2008 provinces
        their names match (features that end up sharing a code are dissolved).

    Examples
    --------
    >>> entry = dataset("vn2025-communes")
    >>> entry.kind, entry.vintage, entry.level, entry.features
    ('units', 2025, 'commune', 3321)
    >>> entry.file
    'vn-2025/vn2025_communes_3321.geojson.zip'
    """

    id: str
    title: str
    kind: str
    file: str | None = None
    member: str | None = None
    sha256: str | None = None
    size: int | None = None
    vintage: int | None = None
    level: str | None = None
    features: int | None = None
    code_width: int | None = None
    licence: str = ""
    attribution: str = ""
    upstream: tuple[str, ...] = ()
    known_defects: str = ""
    columns: dict = field(default_factory=dict)
    derived_from: str | None = None
    names_from: str | None = None
    # The file's codes are not GSO codes: match names to the 63 provinces of 2008 instead (see
    # geozone.units; features that end up sharing a code are dissolved).
    codes_by_name: bool = False

    @property
    def is_derived(self) -> bool:
        """True for datasets computed from another one (no file of their own)."""
        return self.derived_from is not None


@cache
def _load_catalog(path: str) -> tuple[int, dict[str, Dataset]]:
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    entries = {}
    for key, spec in raw.get("datasets", {}).items():
        spec = dict(spec)
        spec["upstream"] = tuple(spec.get("upstream", ()))
        try:
            entries[key] = Dataset(id=key, **spec)
        except TypeError as exc:
            raise DataError(f"catalog entry {key!r} in {path} is malformed: {exc}") from exc
    return int(raw.get("schema_version", 1)), entries


def catalog() -> dict[str, Dataset]:
    """All catalog entries by id.

    Examples
    --------
    >>> sorted(catalog())[:3]
    ['crosswalk-communes', 'crosswalk-provinces', 'vn2008-codes']
    >>> catalog()["vn2025-communes"].features
    3321
    """
    return _load_catalog(str(_catalog_dir() / "catalog.toml"))[1]


def schema_version() -> int:
    return _load_catalog(str(_catalog_dir() / "catalog.toml"))[0]


def dataset(dataset_id: str) -> Dataset:
    """The catalog entry ``dataset_id``; an unknown id is an error listing the known ones.

    Parameters
    ----------
    dataset_id : str
        A catalog id, e.g. ``"vn2025-communes"`` (``geozone data list`` shows them all).

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        If the catalog has no such id.

    Examples
    --------
    >>> dataset("vn2008-districts").level
    'district'
    >>> dataset("vn2025-provinces").derived_from
    'vn2025-communes'
    """
    entries = catalog()
    try:
        return entries[dataset_id]
    except KeyError:
        known = ", ".join(sorted(entries))
        raise DataError(f"unknown dataset {dataset_id!r}; the catalog has: {known}") from None


def resolve_data_dir(path: str | os.PathLike | None = None) -> Path:
    """Resolve the data directory: ``path``, else ``GEOZONE_DATA_DIR``, else the user cache.

    Parameters
    ----------
    path : str or path, optional
        An explicit data directory (``~`` is expanded). It need not exist yet.

    Returns
    -------
    pathlib.Path
        The directory; the per-user cache is ``~/.cache/geozone`` on Linux.

    Examples
    --------
    >>> str(resolve_data_dir("/tmp/gz-data"))
    '/tmp/gz-data'
    """
    if path is not None:
        return Path(path).expanduser()
    env = os.environ.get("GEOZONE_DATA_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("geozone"))


def default_mirror() -> str | None:
    """The configured default mirror: ``GEOZONE_MIRROR``, else ``mirror`` in the config file.

    Examples
    --------
    >>> import os
    >>> os.environ["GEOZONE_MIRROR"] = "https://gis.example.internal/geozone"
    >>> default_mirror()
    'https://gis.example.internal/geozone'
    >>> del os.environ["GEOZONE_MIRROR"]
    """
    env = os.environ.get("GEOZONE_MIRROR")
    if env:
        return env
    import platformdirs

    config = Path(platformdirs.user_config_dir("geozone")) / "config.toml"
    if config.is_file():
        with open(config, "rb") as fh:
            value = tomllib.load(fh).get("mirror")
        if value:
            return str(value)
    return None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def dataset_path(
    dataset_id: str, data_dir: str | os.PathLike | None = None, *, verify: bool = False
) -> Path:
    """Path of a dataset's file in the data directory.

    Parameters
    ----------
    dataset_id : str
        A catalog id with a file (derived datasets have none).
    data_dir : path, optional
        The data directory (see :func:`resolve_data_dir`).
    verify : bool
        Also check the sha256 (reads the whole file).

    Raises
    ------
    DataError
        The file is missing, has the wrong size or (with ``verify``) the wrong checksum;
        the message says what to run.

    Examples
    --------
    >>> dataset_path("vn2025-codes", "/nonexistent")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geozone.errors.DataError: dataset 'vn2025-codes' is not in the data directory /nonexistent ...
    """
    entry = dataset(dataset_id)
    if entry.file is None:
        raise DataError(
            f"dataset {dataset_id!r} is derived from {entry.derived_from!r} and has no file"
        )
    root = resolve_data_dir(data_dir)
    path = root / entry.file
    if not path.is_file():
        raise DataError(
            f"dataset {dataset_id!r} is not in the data directory {root} "
            f"(expected {entry.file}); run: geozone data fetch --mirror SOURCE "
            "(a folder or URL holding the catalog's files, e.g. ../shared/boundaries)"
        )
    if entry.size is not None and path.stat().st_size != entry.size:
        raise DataError(
            f"dataset {dataset_id!r} at {path} has {path.stat().st_size} bytes, the catalog "
            f"says {entry.size}; run: geozone data fetch --force --mirror SOURCE"
        )
    if verify and entry.sha256 and sha256_of(path) != entry.sha256:
        raise DataError(
            f"dataset {dataset_id!r} at {path} fails its sha256 check; "
            "run: geozone data fetch --force --mirror SOURCE"
        )
    return path


def _copy_from_mirror(mirror: str, relative: str, target: Path) -> None:
    parsed = urllib.parse.urlparse(mirror)
    if parsed.scheme in ("http", "https"):
        url = mirror.rstrip("/") + "/" + urllib.parse.quote(relative)
        try:
            with urllib.request.urlopen(url, timeout=60) as response, open(target, "wb") as out:
                shutil.copyfileobj(response, out, _CHUNK)
        except OSError as exc:
            raise DataError(f"cannot download {url}: {exc}") from exc
        return
    if parsed.scheme not in ("", "file"):
        raise InputError(
            f"mirror {mirror!r}: use a local folder or an http(s) URL, not {parsed.scheme}://"
        )
    root = Path(parsed.path if parsed.scheme == "file" else mirror).expanduser()
    if not root.is_dir():
        raise InputError(f"mirror {mirror!r} is not a folder")
    source = root / relative
    if not source.is_file():
        raise DataError(f"mirror {mirror!r} has no {relative}")
    shutil.copyfile(source, target)


@dataclass
class FetchResult:
    dataset: str
    path: Path
    action: str  # "present", "fetched"


def fetch(
    ids=None, *, mirror: str | None = None, data_dir=None, force: bool = False, progress=None
) -> list[FetchResult]:
    """Copy the catalog's files from a mirror into the data directory, verifying sha256.

    Parameters
    ----------
    ids : list of str, optional
        Dataset ids; all datasets with a file by default.
    mirror : str, optional
        A local folder or an http(s) base URL; defaults to :func:`default_mirror`.
    data_dir : path, optional
        Where to put the files (see :func:`resolve_data_dir`).
    force : bool
        Copy again even when a verified copy is present.
    progress : callable, optional
        Called with each :class:`FetchResult` as it completes.

    Returns
    -------
    list of FetchResult

    Raises
    ------
    DataError
        A file is missing from the mirror or its checksum is wrong (the bad copy is removed).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> mirror = pathlib.Path(tempfile.mkdtemp())
    >>> fetch(["vn2025-codes"], mirror=str(mirror), data_dir=tempfile.mkdtemp())
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geozone.errors.DataError: mirror '...' has no vn-2025/vn2025_units_codes.csv
    """
    mirror = mirror or default_mirror()
    root = resolve_data_dir(data_dir)
    wanted = list(ids) if ids else [k for k, v in catalog().items() if v.file]
    results = []
    for dataset_id in wanted:
        entry = dataset(dataset_id)
        if entry.file is None:
            continue
        target = root / entry.file
        if not force and target.is_file() and sha256_of(target) == entry.sha256:
            result = FetchResult(dataset_id, target, "present")
        else:
            if mirror is None:
                raise InputError(
                    f"no mirror given for dataset {dataset_id!r}: pass --mirror SOURCE (a "
                    "folder or URL holding the catalog's files), set GEOZONE_MIRROR, or put "
                    'mirror = "..." in geozone\'s config.toml'
                )
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".fetch-")
            os.close(fd)
            tmp = Path(tmp_name)
            try:
                _copy_from_mirror(mirror, entry.file, tmp)
                got = sha256_of(tmp)
                if entry.sha256 and got != entry.sha256:
                    raise DataError(
                        f"dataset {dataset_id!r} from mirror {mirror!r} has sha256 {got}, "
                        f"the catalog expects {entry.sha256}; the mirror's copy is not the "
                        "catalogued file"
                    )
                os.replace(tmp, target)
            finally:
                tmp.unlink(missing_ok=True)
            result = FetchResult(dataset_id, target, "fetched")
        results.append(result)
        if progress is not None:
            progress(result)
    return results


def list_datasets(data_dir=None, *, verify: bool = True) -> pd.DataFrame:
    """One row per catalog entry: id, kind, vintage, level, present, checksum_ok, licence.

    Parameters
    ----------
    data_dir : path, optional
        The data directory to look in (see :func:`resolve_data_dir`).
    verify : bool, default True
        Check each present file's sha256 (reads every file); with False, ``checksum_ok``
        is None.

    Returns
    -------
    DataFrame
        Columns ``id``, ``kind``, ``vintage``, ``level``, ``present``, ``checksum_ok``
        (None when not checked or derived), ``licence``, ``title``; sorted by id. A derived
        dataset is present when its source file is.

    Examples
    --------
    >>> table = list_datasets("/nonexistent", verify=False)
    >>> bool(table.loc[table.id == "vn2025-communes", "present"].item())
    False
    """
    root = resolve_data_dir(data_dir)
    rows = []
    for key, entry in sorted(catalog().items()):
        if entry.file is None:
            source = catalog()[entry.derived_from]
            path = root / source.file
            present = path.is_file()
            checksum_ok = None
        else:
            path = root / entry.file
            present = path.is_file()
            checksum_ok = (sha256_of(path) == entry.sha256) if (present and verify) else None
        rows.append(
            {
                "id": key,
                "kind": entry.kind,
                "vintage": entry.vintage,
                "level": entry.level,
                "present": present,
                "checksum_ok": checksum_ok,
                "licence": entry.licence,
                "title": entry.title,
            }
        )
    table = pd.DataFrame(rows)
    table["vintage"] = table["vintage"].astype("Int64")
    return table


def read_table(dataset_id: str, data_dir=None) -> pd.DataFrame:
    """Read a catalog table (code tables, crosswalks) as strings, codes kept zero-padded.

    Parameters
    ----------
    dataset_id : str
        The id of a ``table`` dataset: ``"vn2025-codes"``, ``"vn2008-codes"``,
        ``"crosswalk-provinces"``, ``"crosswalk-communes"``, ``"vn2025-bando-attributes"``.
    data_dir : path, optional
        The data directory (see :func:`resolve_data_dir`).

    Returns
    -------
    DataFrame
        Every column as strings (empty cells are missing), as in the file.

    Raises
    ------
    DataError
        If the id names a boundary layer (load those with :func:`geozone.load_units`) or
        the file is not in the data directory.

    Examples
    --------
    >>> codes = read_table("vn2025-codes")
    >>> codes.loc[codes.code == "92", "full_name"].item()
    'Thành phố Cần Thơ'
    """
    entry = dataset(dataset_id)
    if entry.kind != "table":
        raise DataError(f"dataset {dataset_id!r} is a {entry.kind} layer, not a table")
    path = dataset_path(dataset_id, data_dir)
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8")


#: Version of the loading logic (:func:`geozone.units.load_units` for catalog ids), part of
#: every cache name. Bump it whenever a change to the loader changes what an unchanged file
#: loads as, so that GeoParquet caches written by an older geozone are not served.
#: 2: geoBoundaries provinces get GSO codes, the 2008 districts bare names.
LOADER_VERSION = 2


def _recipe(entry: Dataset) -> str:
    """What a layer's loaded table depends on besides its file: the catalog fields the loader
    reads (recursively for derived layers) and :data:`LOADER_VERSION`."""
    fields = {
        "loader": LOADER_VERSION,
        "level": entry.level,
        "vintage": entry.vintage,
        "code_width": entry.code_width,
        "columns": entry.columns,
        "member": entry.member,
        "names_from": entry.names_from,
        "codes_by_name": entry.codes_by_name,
    }
    if names := entry.names_from:
        fields["names_sha"] = dataset(names).sha256
    if entry.derived_from:
        fields["derived_from"] = [entry.derived_from, _recipe(dataset(entry.derived_from))]
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def cache_path(dataset_id: str, data_dir=None) -> Path:
    """Where the GeoParquet cache of a dataset lives.

    The name changes with the source file's sha256, with the catalog fields that say how the
    file is loaded (columns, names table, …) and with :data:`LOADER_VERSION`, so a cache is
    never served for another file, another catalog entry or another loader.

    Examples
    --------
    >>> name = cache_path("vn2025-communes", "/data").name  # id, sha, recipe, catalog schema
    >>> name.startswith("vn2025-communes.8825226523d1."), name.endswith(".v1.parquet")
    (True, True)
    """
    entry = dataset(dataset_id)
    source = entry if entry.file else dataset(entry.derived_from)
    tag = (source.sha256 or "nosha")[:12]
    name = f"{dataset_id}.{tag}.{_recipe(entry)}.v{schema_version()}.parquet"
    return resolve_data_dir(data_dir) / "cache" / name
