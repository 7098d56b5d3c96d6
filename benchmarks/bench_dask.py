"""Benchmark: classify_points on one process vs on dask (same data, same run, same answers).

Points: the seeded mix of ``bench_classify.make_points`` over agreement "csh-tay-nam-2025",
written once as a partitioned GeoParquet folder (``--parts`` files). Each engine goes from
that folder to classified GeoParquet, as a real job does, so reading and writing are timed
too:

* ``single``      ``gpd.read_parquet`` → ``classify_points`` → ``to_parquet``, one process;
* ``dask local``  ``dask_geopandas.read_parquet`` → ``classify_points`` → ``to_parquet``, on a
                  ``distributed.LocalCluster`` of ``--workers`` processes × 1 thread;
* ``plain gpd``   for scale: plain geopandas ``sjoin(predicate="within")`` of the points with the
                  member units only (no strips, junctions or distances: a lower bound of the
                  plain way; see ``bench_classify.py`` for the full one).

The agreement's zone index is built before timing (both engines need it; the dask engine then
ships it to the workers, which is timed). Medians of ``--repeats`` runs; the dask cluster is
started once, outside the timings, as a long-lived cluster would be. After the runs the two
outputs are compared row for row.

Usage::

    python benchmarks/bench_dask.py                       # 2 M points, 8 parts, 2 workers
    python benchmarks/bench_dask.py --size 2e5 --repeats 1
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

AGREEMENT = "csh-tay-nam-2025"


def write_parts(folder: Path, n: int, parts: int, agreement) -> None:
    import geopandas as gpd
    import numpy as np
    from bench_classify import make_points

    lon, lat = make_points(agreement, n)
    frame = gpd.GeoDataFrame(
        {"incident": np.arange(n)}, geometry=gpd.points_from_xy(lon, lat), crs=4326
    )
    folder.mkdir(parents=True)
    for k, rows in enumerate(np.array_split(np.arange(n), parts)):
        frame.iloc[rows].to_parquet(folder / f"part.{k:03d}.parquet")


def single(source: Path, target: Path, agreement) -> None:
    import geopandas as gpd

    import geozone

    points = gpd.read_parquet(source)
    geozone.classify_points(points, agreement).to_parquet(target)


def dask_local(source: Path, target: Path, agreement) -> None:
    import dask_geopandas

    import geozone

    points = dask_geopandas.read_parquet(source)
    geozone.classify_points(points, agreement).to_parquet(target)


def plain_sjoin(source: Path, target: Path, agreement) -> None:
    import geopandas as gpd

    points = gpd.read_parquet(source)
    units = agreement.units[["code", "geometry"]]
    gpd.sjoin(points, units, how="left", predicate="within").to_parquet(target)


def timed(func, repeats, *args):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=float, default=2e6)
    parser.add_argument("--parts", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    import geopandas as gpd
    import pandas as pd
    from distributed import Client, LocalCluster

    import geozone
    from geozone.classify import _index
    from geozone.errors import GeozoneWarning

    warnings.simplefilter("ignore", GeozoneWarning)
    n = int(args.size)
    agreement = geozone.agreement(AGREEMENT)
    _index(agreement, agreement.width_m, agreement.width_m, None)
    work = Path(tempfile.mkdtemp(prefix="geozone-bench-dask-"))
    try:
        source = work / "points"
        write_parts(source, n, args.parts, agreement)
        rows = []
        t = timed(single, args.repeats, source, work / "single.parquet", agreement)
        rows.append(("single process", t))
        print(rows[-1], flush=True)
        with (
            LocalCluster(
                n_workers=args.workers, threads_per_worker=1, dashboard_address=None
            ) as cluster,
            Client(cluster),
        ):
            t = timed(dask_local, args.repeats, source, work / "dask", agreement)
        rows.append((f"dask LocalCluster, {args.workers} workers x 1 thread", t))
        print(rows[-1], flush=True)
        t = timed(plain_sjoin, args.repeats, source, work / "plain.parquet", agreement)
        rows.append(("plain geopandas sjoin, units only", t))

        one = gpd.read_parquet(work / "single.parquet").reset_index(drop=True)
        two = gpd.read_parquet(work / "dask").reset_index(drop=True)
        # Values, not dtypes: the dask result stores status_detail as a string column.
        pd.testing.assert_frame_equal(
            one.astype({"status_detail": object}),
            two.astype({"status_detail": object}),
            check_categorical=False,
        )
        base = rows[0][1]
        width = max(len(r[0]) for r in rows)
        print()
        print(f"{n:,} points in {args.parts} GeoParquet parts -> classified GeoParquet")
        print(f"{'engine':<{width}}  median s  points/s  vs single")
        for label, seconds in rows:
            print(f"{label:<{width}}  {seconds:8.2f}  {n / seconds:8,.0f}  {base / seconds:8.2f}x")
        print(f"\nmedian of {args.repeats} run(s); dask and single outputs equal row for row")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
