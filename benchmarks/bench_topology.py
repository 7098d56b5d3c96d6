"""Benchmark: geozone.topology / geozone.zones vs the plain geopandas way, same data, same run.

Data: the 2025 communes (3,321 polygons, 7.1 M vertices), whole country and the four Mekong
provinces An Giang (91), Đồng Tháp (82), Cà Mau (96) and Cần Thơ (92) (371 communes).

Stages, each timed from the units layer in memory (loading is not timed):

* ``adjacency + shared boundaries``: geozone ``adjacency`` and ``shared_boundaries`` (one call
  each, as a user would make them: the second reuses the topology the first computed; every
  run starts with an empty cache); plain: ``sjoin(predicate="intersects")`` of the layer with
  itself, then the intersection of the two boundaries of every pair, merged with
  ``line_merge``, and its length.
* ``the same, plain within 1 m``: geozone as above; plain: what it takes geopandas to find
  shared boundaries within geozone's 1 m tolerance: ``sjoin(predicate="dwithin")``, each
  unit's boundary buffered by 1 m once, and the intersection of A's boundary with B's buffer
  per pair (the pairs it finds include units touching at a point only, or within 1 m).
* ``1 km strips, all pairs``: geozone ``border_strips(units, 1000)``; plain: the sjoin and
  boundary intersections above, a 1 km buffer of each shared line and its intersection with
  each side's polygon.

Both work in the same metric CRS (UTM 49N for the country, 48N for the Mekong); the plain way
has no tolerance (it misses the non-identical 0.4 % of the boundaries) and does not resolve
overlaps, so it does less than geozone. Medians of ``--repeats`` runs (default 3 for the
country, 7 for the quicker Mekong; ``--plain-repeats`` for the plain way, whose country strips
take minutes a run), after one untimed run of each; the ways take turns run by run, so that a
drift in the machine's speed meets both. The table also gives the number of pairs each found,
as a sanity check.

Memory: on a virtual machine whose host takes freed guest memory back (as the 2-core machines
this project is developed and tested on do), every megabyte a process touches afresh costs a
page fault on the host, about 3 ms/MB there: ten times the work of zeroing it. Vectorised code that
allocates large temporaries pays this far more than GEOS loops that reuse a small heap.
``--keep-freed-memory`` runs the benchmark with glibc told to keep freed memory in the process
(``MALLOC_MMAP_MAX_=0``, ``MALLOC_TRIM_THRESHOLD_`` very large), which both sides then reuse:
the times of a machine without that cost. Quote both.

Usage::

    python benchmarks/bench_topology.py                  # everything
    python benchmarks/bench_topology.py --repeats 1 --regions mekong
    python benchmarks/bench_topology.py --regions country --stages strips --plain-repeats 1
    python benchmarks/bench_topology.py --keep-freed-memory
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MEKONG = ("91", "82", "96", "92")


def load_communes():
    from geozone.errors import GeozoneWarning
    from geozone.units import load_units

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GeozoneWarning)
        return load_units("vn2025-communes")


# --------------------------------------------------------------------------------------
# The plain geopandas way
# --------------------------------------------------------------------------------------


def plain_shared_boundaries(units, metric):
    import geopandas as gpd
    import shapely

    projected = units[["code", "geometry"]].to_crs(metric).reset_index(drop=True)
    joined = gpd.sjoin(projected, projected, predicate="intersects")
    joined = joined[joined["code_left"] < joined["code_right"]]
    left = projected.geometry.loc[joined.index].to_numpy()
    right = projected.geometry.loc[joined["index_right"]].to_numpy()
    lines = shapely.line_merge(
        shapely.intersection(shapely.boundary(left), shapely.boundary(right))
    )
    lines = gpd.GeoDataFrame(
        {
            "code_a": joined["code_left"].to_numpy(),
            "code_b": joined["code_right"].to_numpy(),
            "length_m": shapely.length(lines),
        },
        geometry=lines,
        crs=metric,
    )
    lines = lines[lines["length_m"] > 0].reset_index(drop=True)
    return lines, projected


def plain_shared_boundaries_within_tolerance(units, metric, tolerance=1.0):
    """The plain way to what geozone does: neighbours within the tolerance, and the part of
    each unit's boundary within the tolerance of the other's (each boundary buffered once)."""
    import geopandas as gpd
    import shapely

    projected = units[["code", "geometry"]].to_crs(metric).reset_index(drop=True)
    joined = gpd.sjoin(projected, projected, predicate="dwithin", distance=tolerance)
    joined = joined[joined["code_left"] < joined["code_right"]]
    boundaries = shapely.boundary(projected.geometry.to_numpy())
    reach = shapely.buffer(boundaries, tolerance)
    lines = shapely.line_merge(
        shapely.intersection(
            boundaries[joined.index.to_numpy()], reach[joined["index_right"].to_numpy()]
        )
    )
    lengths = shapely.length(lines)
    keep = lengths > 0
    return gpd.GeoDataFrame(
        {
            "code_a": joined["code_left"].to_numpy()[keep],
            "code_b": joined["code_right"].to_numpy()[keep],
            "length_m": lengths[keep],
        },
        geometry=lines[keep],
        crs=metric,
    )


def plain_strips(units, metric, width):
    import geopandas as gpd
    import numpy as np

    lines, projected = plain_shared_boundaries(units, metric)
    # plain_shared_boundaries dropped the point contacts; line the polygons up again.
    polygons = projected.set_index("code").geometry
    left = polygons.loc[lines["code_a"]].to_numpy()
    right = polygons.loc[lines["code_b"]].to_numpy()
    reach = lines.geometry.buffer(width).to_numpy()
    sides = np.concatenate(
        [
            gpd.GeoSeries(left).intersection(gpd.GeoSeries(reach)).to_numpy(),
            gpd.GeoSeries(right).intersection(gpd.GeoSeries(reach)).to_numpy(),
        ]
    )
    return gpd.GeoDataFrame(geometry=sides, crs=metric), len(lines)


# --------------------------------------------------------------------------------------
# geozone
# --------------------------------------------------------------------------------------


def geozone_shared_boundaries(units, metric):
    from geozone.topology import adjacency, shared_boundaries

    table = adjacency(units, crs=metric)
    lines = shared_boundaries(units, crs=metric)
    return table, lines


def geozone_strips(units, metric, width):
    from geozone.zones import border_strips

    return border_strips(units, width, crs=metric)


# --------------------------------------------------------------------------------------


def timed(funcs, repeats):
    """Median time and last result of each function in ``funcs`` (a dict of name -> callable).

    Each runs once untimed first (imports, PROJ's and GEOS's first-use work); then they take
    turns, ``repeats[name]`` timed runs each, so that all meet the machine in the same state:
    a shared virtual machine's speed drifts by tens of percent within minutes.
    """
    from geozone.topology import _clear_cache

    times = {name: [] for name in funcs}
    results = {}
    for turn in range(-1, max(repeats.values())):
        for name, func in funcs.items():
            if turn >= repeats[name]:
                continue
            # Every run starts cold: geozone keeps the last layer's topology, so that the
            # calls of one run share it, as a user's calls on one layer do.
            _clear_cache()
            start = time.perf_counter()
            results[name] = func()
            if turn >= 0:
                times[name].append(time.perf_counter() - start)
    return {name: (statistics.median(times[name]), results[name]) for name in funcs}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeats", type=int, help="timed runs of each way (default: 3 country, 7 Mekong)"
    )
    parser.add_argument("--plain-repeats", type=int, help="runs of the plain way (--repeats)")
    parser.add_argument("--width", type=float, default=1000.0)
    parser.add_argument(
        "--regions", nargs="+", choices=["country", "mekong"], default=["country", "mekong"]
    )
    parser.add_argument(
        "--stages", nargs="+", choices=["lines", "strips"], default=["lines", "strips"]
    )
    parser.add_argument(
        "--keep-freed-memory",
        action="store_true",
        help="glibc keeps freed memory in the process (see the module docstring)",
    )
    args = parser.parse_args(argv)
    if args.keep_freed_memory and os.environ.get("MALLOC_MMAP_MAX_") != "0":
        # glibc reads these once, at start: run again in a process that has them.
        env = {**os.environ, "MALLOC_MMAP_MAX_": "0", "MALLOC_TRIM_THRESHOLD_": str(1 << 40)}
        os.execve(sys.executable, [sys.executable, __file__, *sys.argv[1:]], env)

    from geozone.crs import metric_crs

    communes = load_communes()
    memory = "kept in the process" if os.environ.get("MALLOC_MMAP_MAX_") == "0" else "default"
    print(f"loaded {len(communes)} communes; freed memory: {memory}", flush=True)
    rows = []
    counts = set()
    for region in args.regions:
        units = communes if region == "country" else communes[communes.province_code.isin(MEKONG)]
        metric = metric_crs(units)
        label = f"{region} ({len(units)} units, EPSG:{metric.to_epsg()})"
        # The region's runs take a second or so: more of them steady the medians.
        repeats = args.repeats or (3 if region == "country" else 7)
        plain_repeats = args.plain_repeats or repeats
        counts.add((repeats, plain_repeats))
        if "lines" in args.stages:
            timings = timed(
                {
                    "ours": lambda u=units, m=metric: geozone_shared_boundaries(u, m),
                    "plain": lambda u=units, m=metric: plain_shared_boundaries(u, m)[0],
                    "within": lambda u=units, m=metric: plain_shared_boundaries_within_tolerance(
                        u, m
                    ),
                },
                {"ours": repeats, "plain": plain_repeats, "within": plain_repeats},
            )
            ours, (_, lines) = timings["ours"]
            for name, stage in (
                ("plain", "adjacency + shared boundaries"),
                ("within", "the same, plain within 1 m"),
            ):
                plain, plain_lines = timings[name]
                rows.append((f"{label}: {stage}", ours, plain, len(lines), len(plain_lines)))
                print(rows[-1], flush=True)
        if "strips" in args.stages:
            timings = timed(
                {
                    "ours": lambda u=units, m=metric: geozone_strips(u, m, args.width),
                    "plain": lambda u=units, m=metric: plain_strips(u, m, args.width),
                },
                {"ours": repeats, "plain": plain_repeats},
            )
            ours, strips = timings["ours"]
            plain, (_, n_pairs) = timings["plain"]
            rows.append(
                (
                    f"{label}: {args.width:g} m strips, all pairs",
                    ours,
                    plain,
                    len(strips) // 2,
                    n_pairs,
                )
            )
            print(rows[-1], flush=True)

    width = max(len(r[0]) for r in rows)
    print()
    print(f"{'stage':<{width}}  geozone s  plain s   ratio  pairs (geozone / plain)")
    for stage, ours, plain, n_ours, n_plain in rows:
        print(
            f"{stage:<{width}}  {ours:9.2f}  {plain:7.2f}  {plain / ours:5.1f}x  "
            f"{n_ours} / {n_plain}"
        )
    runs = "; ".join(f"{ours} geozone and {plain} plain" for ours, plain in sorted(counts))
    print(
        f"\nmedians of {runs} run(s), taking turns after one untimed run each;"
        " ratio = plain / geozone"
    )


if __name__ == "__main__":
    main()
