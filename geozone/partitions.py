"""Classification of partitioned point sets with dask: all cores of a machine, or a cluster.

:func:`geozone.classify_points` given a dask-geopandas GeoDataFrame comes here. The agreement's
zone index is built once, in the calling process, and sent to the workers once: with a
:class:`distributed.Client` it is installed on every worker (a worker plugin, so workers
that join later get it too) and the partitions name it; without one, it is a single task of
the graph that every partition depends on. Each
partition then goes through exactly the code of the in-memory path, so the answers are the
same row for row; dask only decides where and when.

The copy the workers get stands alone: it holds the whole layer of the agreement's dataset
(to tell ``outside_members`` from ``outside_all_units``), so workers need geozone installed
but no boundary data directory. Its lookup grids are built before it leaves, once, rather than
on every worker; on a cluster the copy stays on the workers for the next call with the same
agreement and width (it is released with the agreement object).

Objects travel between dask's processes with pickle, as in any dask program: that is the
cluster's own traffic, never a file geozone reads.
"""

from __future__ import annotations

import contextlib
import uuid
import weakref

import geopandas as gpd

from geozone.crs import resolve_crs
from geozone.errors import InputError

__all__ = ["classify_parquet", "classify_partitions", "is_dask_frame"]


def is_dask_frame(obj) -> bool:
    """Whether ``obj`` is a dask (or dask-geopandas) DataFrame, without importing dask.

    Parameters
    ----------
    obj : object
        Anything.

    Returns
    -------
    bool

    Examples
    --------
    >>> import pandas as pd
    >>> is_dask_frame(pd.DataFrame())
    False
    >>> import dask.dataframe as dd
    >>> is_dask_frame(dd.from_pandas(pd.DataFrame({"a": [1]}), npartitions=1))
    True
    """
    module = type(obj).__module__
    return module.split(".")[0] in ("dask", "dask_geopandas", "dask_expr") and hasattr(
        obj, "map_partitions"
    )


def _dask_geopandas():
    try:
        import dask_geopandas
    except ImportError as exc:  # pragma: no cover - the dev install has it
        raise ImportError(
            "classifying a dask frame needs dask-geopandas and dask.distributed: "
            "pip install 'geozone[dask]'"
        ) from exc
    return dask_geopandas


def classify_partitions(points, index, crs=None):
    """Classify a dask-geopandas GeoDataFrame partition by partition (lazily).

    Called by :func:`geozone.classify_points`, which builds ``index`` (the agreement's zones);
    use that.

    Parameters
    ----------
    points : dask_geopandas.GeoDataFrame
        Points in any CRS. A frame without a CRS needs ``crs``.
    index : geozone.classify._ZoneIndex
        The agreement's zone index.
    crs : optional
        The points' CRS when the frame has none (anything :func:`geozone.crs.resolve_crs`
        takes, e.g. ``4326`` or ``"vn2000:Cần Thơ"``).

    Returns
    -------
    dask_geopandas.GeoDataFrame
        Lazy; the same rows, index, partitions, columns and values as the in-memory result
        (``status_detail`` is a pandas ``string`` column rather than ``object``).

    Raises
    ------
    InputError
        For a dask DataFrame without geometry, or a frame with no CRS and no ``crs``.

    Examples
    --------
    >>> import dask_geopandas, geopandas as gpd
    >>> from shapely.geometry import Point
    >>> import geozone
    >>> pts = gpd.GeoDataFrame(geometry=[Point(105.7876, 10.0340), Point(105.4556, 9.9849)],
    ...                        crs=4326)
    >>> lazy = geozone.classify_points(dask_geopandas.from_geopandas(pts, npartitions=2),
    ...                                "csh-tay-nam-2025")
    >>> lazy.npartitions
    2
    >>> lazy.compute()[["unit_code", "zone"]].astype(object).values.tolist()
    [['92', nan], ['91', '91-92']]
    """
    dask_geopandas = _dask_geopandas()
    if not isinstance(points, dask_geopandas.GeoDataFrame):
        raise InputError(
            f"a {type(points).__name__} has no point geometry to classify; build it with "
            "dask_geopandas.from_dask_dataframe(df, geometry=dask_geopandas.points_from_xy("
            "df, 'lon', 'lat', crs=4326)), or classify a file with geozone.classify_file"
        )
    if points.crs is None:
        if crs is None:
            raise InputError("the points have no CRS; set one (ddf.set_crs(4326)) or pass crs=")
        points = points.set_crs(resolve_crs(crs))
    meta = _classify_partition(points._meta, index)
    return points.map_partitions(_classify_partition, _broadcast(index), meta=meta)


def _build_lookups(index) -> None:
    """Build the index's lazily built grids now, so they travel to the workers instead of
    being rebuilt on each (local schedulers share the index and build what they need)."""
    index.locator  # noqa: B018 - cached properties, built on first access
    context = index.context
    if context is not None:
        context.near  # noqa: B018
    if index.nearest.kd is not None:
        index.nearest._grid(index.metric_bounds)


def _classify_partition(part: gpd.GeoDataFrame, index) -> gpd.GeoDataFrame:
    from geozone.classify import _as_points, _classify_frame

    if isinstance(index, str):  # the name of the copy installed on this worker
        from geozone._worker import installed_index

        index = installed_index(index)
    part = part.copy(deep=False)
    # dask-geopandas keeps its spatial partitions (a GeoSeries) in the meta's attrs, which
    # pandas cannot compare when it propagates attrs.
    part.attrs = {}
    out = _classify_frame(_as_points(part, {"crs": None}), index)
    # Text as a string dtype: dask cannot tell the type of an object column from its meta,
    # and to_parquet would fail on it.
    return out.astype({"status_detail": "string"})


def _broadcast(index):
    """``index`` as the partitions receive it: once per worker, never once per partition."""
    import dask

    client = _client()
    if client is None:
        # Local schedulers share memory: one task holding the object, never copied.
        name = f"geozone-zones-{uuid.uuid4().hex}"
        return dask.delayed(index, name=name, traverse=False)
    shipped = index.__dict__.setdefault("_shipped", {})
    if client.id not in shipped:
        from geozone._worker import ZonesPlugin

        _build_lookups(index)
        name = f"geozone-zones-{uuid.uuid4().hex}"
        client.register_plugin(ZonesPlugin(index), name=name)
        # Released from the workers when the index goes (with its agreement), not before:
        # the next call with the same agreement and width finds it in place.
        weakref.finalize(index, _unregister, weakref.ref(client), name)
        shipped[client.id] = name
    return shipped[client.id]


def _unregister(client_ref, name: str) -> None:
    client = client_ref()
    if client is None or client.status != "running":
        return  # the cluster went first, and the copies with it
    # A finalizer must not raise; the workers drop the copy when they stop anyway.
    with contextlib.suppress(OSError, RuntimeError, ValueError, TimeoutError):
        client.unregister_worker_plugin(name)


def _client():
    try:
        from distributed import default_client
    except ImportError:
        return None
    try:
        return default_client()
    except ValueError:  # no client: dask's local schedulers run the graph
        return None


def classify_parquet(
    source,
    agreement,
    target,
    *,
    width_m: float | None = None,
    junction_radius_m: float | None = None,
    crs=None,
    scheduler: str | None = None,
    workers: int | None = None,
) -> dict[str, int]:
    """Classify GeoParquet points with dask, from file(s) to a folder of GeoParquet parts.

    This is ``geozone classify --engine dask``. The workers read the parts, classify them and
    write the results; only the status counts come back.

    Parameters
    ----------
    source : path or str
        A GeoParquet file, a folder of parts, or a glob (``"tracks/*.parquet"``); anything
        :func:`dask_geopandas.read_parquet` reads.
    agreement : Agreement or str
    target : path
        Folder for the classified parts (``part.0.parquet``…), new or holding only
        ``.parquet`` files of an earlier run, which are replaced.
    width_m, junction_radius_m, crs
        As for :func:`geozone.classify_points`.
    scheduler : str, optional
        Address of a running dask scheduler (``"tcp://scheduler:8786"``). By default a local
        cluster of ``workers`` processes is started for the run and closed after it.
    workers : int, optional
        Processes of the local cluster; the machine's cores by default.

    Returns
    -------
    dict
        Rows per status, in descending order; the values sum to the number of input rows.

    Raises
    ------
    InputError
        When ``source`` holds no GeoParquet points, or ``target`` is a file or a folder of
        other things.

    Examples
    --------
    >>> import tempfile, pathlib, geopandas as gpd
    >>> from shapely.geometry import Point
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> gpd.GeoDataFrame(geometry=[Point(105.7876, 10.0340), Point(105.4556, 9.9849)],
    ...                  crs=4326).to_parquet(folder / "points.parquet")
    >>> classify_parquet(folder / "points.parquet", "csh-tay-nam-2025", folder / "out",
    ...                  workers=1)
    {'ok': 2}
    >>> gpd.read_parquet(folder / "out")["zone"].astype(object).tolist()
    [nan, '91-92']
    """
    import os
    from pathlib import Path

    import dask

    from geozone.classify import classify_points

    dask_geopandas = _dask_geopandas()
    target = Path(target)
    overwrite = _check_target(target)
    try:
        points = dask_geopandas.read_parquet(source)
    except (ValueError, TypeError, FileNotFoundError, OSError) as exc:
        raise InputError(f"{source}: cannot read GeoParquet points: {exc}") from exc
    from distributed import Client

    if scheduler:
        client = Client(scheduler)
    else:
        client = Client(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            dashboard_address=None,
        )
    with client:
        out = classify_points(
            points, agreement, width_m=width_m, junction_radius_m=junction_radius_m, crs=crs
        )
        # One pass over the data: the writes and the counts are computed together.
        # An unnamed index is dask's partition-local row number: not worth a column.
        written = out.to_parquet(
            target, overwrite=overwrite, compute=False, write_index=out.index.name is not None
        )
        counts = out["status"].value_counts()
        _, counts = dask.compute(written, counts)
    counts = {str(k): int(v) for k, v in counts.items() if v}
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _check_target(target) -> bool:
    """Whether ``target`` holds an earlier run to replace; refuse anything else."""
    if target.is_file():
        raise InputError(f"{target} is a file; --engine dask writes a folder of parts")
    if not target.exists():
        return False
    others = [
        p.name
        for p in target.iterdir()
        if not (p.is_file() and (p.suffix == ".parquet" or p.name.startswith("_")))
    ]
    if others:
        raise InputError(
            f"{target} holds {', '.join(sorted(others)[:3])}: give a new folder or one "
            "holding only the .parquet parts of an earlier run"
        )
    return any(target.iterdir())
