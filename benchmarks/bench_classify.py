"""Benchmark: geozone.classify_points vs the plain geopandas way, same data, same run.

Points: a seeded mix over agreement "csh-tay-nam-2025" — 60 % uniform over the members' bounding
box (land, sea, Cambodia, non-member provinces), 40 % in clusters along the shared boundaries
(normal scatter, sigma 1.5 km), plus a few hundred points exactly on boundary vertices.

Each scenario runs in its own subprocess so its peak RSS (``VmHWM``) is its own:

* ``ours``    classify_points on an in-memory GeoDataFrame (index built once, timed apart);
* ``plain``   the same columns with plain geopandas: ``sjoin(predicate="within")`` for units,
              strips, junctions and the non-member units, ``sjoin_nearest`` for the distance,
              and the same tie-break rules written in pandas. The sjoins run on up to
              ``--plain-max`` points and ``sjoin_nearest`` on ``--nearest-sample`` points; both
              are per-point costs, so larger sizes are extrapolated linearly (marked ``~``);
* ``compare`` both on ``--compare`` points, asserting identical answers (see ``_compare``);
* ``stream``  classify_file on a CSV of each size, chunk by chunk (bounded memory: the peak
              is the same for 1 M and 10 M rows).

Usage::

    python benchmarks/bench_classify.py                       # 1 M and 10 M, both levels
    python benchmarks/bench_classify.py --sizes 1e5 --repeats 1 --levels province
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

AGREEMENT = "csh-tay-nam-2025"


def _memory_mb(field: str = "VmHWM") -> float:
    """This process's peak (``VmHWM``) or current (``VmRSS``) resident memory in MB.

    Read from /proc rather than ``getrusage``: Linux carries ``ru_maxrss`` across the
    ``execve`` that starts a worker, so a worker would report its parent's peak (the parent
    holds the generated points) as its own.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def make_points(agreement, n: int, seed: int = 20250807):
    """Seeded points (lon, lat arrays) as described in the module docstring."""
    import pyproj
    import shapely

    from geozone.crs import metric_crs

    rng = np.random.default_rng(seed)
    n_exact = min(500, n // 100)
    n_cluster = int(n * 0.4)
    n_uniform = n - n_cluster - n_exact
    minx, miny, maxx, maxy = agreement.units.total_bounds
    lon_u = rng.uniform(minx, maxx, n_uniform)
    lat_u = rng.uniform(miny, maxy, n_uniform)

    metric = metric_crs(agreement.units)
    lines = agreement.shared_boundaries.to_crs(metric).geometry.values
    lengths = shapely.length(lines)
    which = rng.choice(len(lines), n_cluster, p=lengths / lengths.sum())
    at = shapely.line_interpolate_point(lines[which], rng.uniform(0, 1, n_cluster), normalized=True)
    x = shapely.get_x(at) + rng.normal(0, 1500, n_cluster)
    y = shapely.get_y(at) + rng.normal(0, 1500, n_cluster)
    lon_c, lat_c = pyproj.Transformer.from_crs(metric, 4326, always_xy=True).transform(x, y)

    verts = shapely.get_coordinates(agreement.shared_boundaries.geometry.values)
    pick = verts[rng.choice(len(verts), n_exact, replace=False)] if n_exact else verts[:0]
    lon = np.concatenate([lon_u, lon_c, pick[:, 0]])
    lat = np.concatenate([lat_u, lat_c, pick[:, 1]])
    order = rng.permutation(n)
    return lon[order], lat[order]


def _points_frame(lon, lat):
    import geopandas as gpd
    import shapely

    return gpd.GeoDataFrame(
        {"id": np.arange(len(lon))}, geometry=shapely.points(lon, lat), crs=4326
    )


def _agreement(level: str):
    import geozone

    return geozone.agreement(AGREEMENT, level=level)


# -- the plain geopandas way ------------------------------------------------------------------


def plain_classify(pts, a, width: float, nearest_sample: int | None = None, times=None):
    """Same columns as classify_points, with plain geopandas joins and the same rules."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    from geozone.crs import metric_crs
    from geozone.units import load_units

    times = {} if times is None else times
    metric = metric_crs(a.units)
    units = a.units[["code", "name", "province_code", "geometry"]]
    strips = a.strips(width)[["pair_id", "code", "geometry"]]
    juncs = a.junctions(width)[["junction_id", "geometry"]]
    lines = a.shared_boundaries[["pair_id", "geometry"]]
    out = pd.DataFrame(index=pts.index)

    t = time.perf_counter()
    j = gpd.sjoin(pts[["geometry"]], units, predicate="within", how="inner")
    j = j.sort_values("code", kind="stable")
    first = j[~j.index.duplicated()]
    out["unit_code"] = first["code"].reindex(out.index)
    out["unit_name"] = first["name"].reindex(out.index)
    out["province_code"] = first["province_code"].reindex(out.index)
    times["units"] = time.perf_counter() - t

    t = time.perf_counter()
    pts_m = pts.to_crs(metric)
    times["to_crs"] = time.perf_counter() - t

    t = time.perf_counter()
    s = gpd.sjoin(pts[["geometry"]], strips, predicate="within", how="inner")
    s = s.rename(columns={"code": "owner"})
    s["home"] = out["unit_code"].reindex(s.index).to_numpy()
    s["own"] = s["owner"] == s["home"]
    s["any_own"] = s.groupby(level=0)["own"].transform("any")
    s = s[s["own"] | ~s["any_own"]]
    s = s.reset_index(names="pt").sort_values(["pt", "pair_id", "owner"])
    s = s.drop_duplicates(["pt", "pair_id"])
    multi = s["pt"].duplicated(keep=False).to_numpy()
    if multi.any():
        line_m = lines.to_crs(metric).set_index("pair_id").geometry
        dist = shapely.distance(
            pts_m.geometry.loc[s.loc[multi, "pt"]].values,
            line_m.loc[s.loc[multi, "pair_id"]].values,
        )
        s["d"] = 0.0
        s.loc[multi, "d"] = dist
        s = s.sort_values(["pt", "d", "pair_id"])
    s = s.drop_duplicates("pt").set_index("pt")
    # The side is the home unit's whenever the home unit is one of the pair.
    in_pair = [h == h and h in p.split("-") for h, p in zip(s["home"], s["pair_id"], strict=True)]
    s["owner"] = s["owner"].where(~np.array(in_pair, bool), s["home"])
    out["zone"] = s["pair_id"].reindex(out.index)
    out["side"] = s["owner"].reindex(out.index)
    times["strips"] = time.perf_counter() - t

    t = time.perf_counter()
    jz = gpd.sjoin(pts[["geometry"]], juncs, predicate="within", how="inner")
    jz = jz.reset_index(names="pt")
    if len(jz):
        # The node each junction disc is centred on: the disc is clipped to the units, so its
        # centroid drifts; geozone recovers the node from the shared lines (same rule here).
        from geozone.classify import _index

        nodes = _index(a, width, width, None).junction_xy
        ids = _index(a, width, width, None).junction_ids
        where = dict(zip(ids, shapely.points(nodes), strict=True))
        jz["d"] = shapely.distance(
            pts_m.geometry.loc[jz["pt"]].values, np.array([where[k] for k in jz["junction_id"]])
        )
        jz = jz.sort_values(["pt", "d", "junction_id"]).drop_duplicates("pt").set_index("pt")
    out["junction"] = jz["junction_id"].reindex(out.index) if len(jz) else None
    times["junctions"] = time.perf_counter() - t

    t = time.perf_counter()
    lost = out.index[out["unit_code"].isna()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = load_units(a.datasets[a.level])
    others = full[~full["code"].isin(units["code"])][["code", "name", "province_code", "geometry"]]
    c = gpd.sjoin(pts.loc[lost, ["geometry"]], others, predicate="within", how="inner")
    c = c.sort_values("code", kind="stable")
    c = c[~c.index.duplicated()]
    out["status"] = np.where(out["unit_code"].notna(), "ok", "outside_all_units")
    out.loc[c.index, "status"] = "outside_members"
    for col in ("unit_code", "unit_name", "province_code"):
        out.loc[c.index, col] = c[{"unit_code": "code", "unit_name": "name"}.get(col, col)]
    times["context"] = time.perf_counter() - t

    t = time.perf_counter()
    sample = pts_m if nearest_sample is None else pts_m.iloc[:nearest_sample]
    lines_m = lines.to_crs(metric)
    near = gpd.sjoin_nearest(sample[["geometry"]], lines_m, distance_col="dist")
    near = near[~near.index.duplicated()]
    out["dist_to_border_m"] = near["dist"].reindex(out.index)
    times["nearest"] = time.perf_counter() - t
    times["nearest_n"] = len(sample)
    out["on_boundary"] = out["dist_to_border_m"] <= 0.01
    out["in_zone"] = out["zone"].notna()
    return out


def _compare(ours, plain, pts, a) -> dict:
    """Identical answers, except the documented tie-breaks: ``sjoin(within)`` drops points on a
    polygon boundary, where geozone gives the smallest code that *covers* the point. For those
    (on_boundary, or no plain unit but an ours one) check our unit is among the units that
    ``intersects`` the point and the side is the home unit's."""
    import geopandas as gpd

    report = {"rows": len(ours)}
    dist_ok = np.allclose(
        ours["dist_to_border_m"].to_numpy(float),
        plain["dist_to_border_m"].to_numpy(float),
        rtol=1e-9,
        atol=1e-6,
        equal_nan=True,
    )
    assert dist_ok, "distances differ"
    ties = ours["on_boundary"].to_numpy() | (
        plain["unit_code"].isna().to_numpy()
        & ours["unit_code"].notna().to_numpy()
        & (ours["status"].astype(str) == "ok").to_numpy()
    )
    report["tie_rows"] = int(ties.sum())
    for col in ("unit_code", "zone", "side", "junction", "status", "in_zone"):
        mine = ours[col].astype(object).where(ours[col].notna(), None).to_numpy()[~ties]
        theirs = plain[col].astype(object).where(plain[col].notna(), None).to_numpy()[~ties]
        bad = np.flatnonzero(mine != theirs)
        assert not len(bad), f"{col} differs on {len(bad)} rows, e.g. {bad[:5]}"
    if ties.any():
        units = a.units[["code", "geometry"]]
        hit = gpd.sjoin(pts.loc[ties, ["geometry"]], units, predicate="intersects")
        allowed = hit.groupby(level=0)["code"].apply(set)
        for idx, code in ours.loc[ties, "unit_code"].astype(object).items():
            if code is None or code != code:
                continue
            if idx not in allowed:  # a sliver gap: the documented on-boundary gap rule
                continue
            assert code in allowed[idx], f"row {idx}: {code} does not touch"
            assert code == min(allowed[idx]), f"row {idx}: {code} is not the smallest code"
        sides = ours.loc[ties & ours["in_zone"].to_numpy()]
        home_in_pair = np.array(
            [
                str(u) in str(z).split("-")
                for u, z in zip(sides["unit_code"], sides["zone"], strict=True)
            ],
            bool,
        )
        same = (sides["side"].astype(str) == sides["unit_code"].astype(str)).to_numpy()
        assert same[home_in_pair].all(), "side is not the home unit's"
    report["identical"] = True
    return report


# -- workers ----------------------------------------------------------------------------------


def worker(spec: dict) -> dict:
    import geozone
    from geozone.classify import _index, classify_points

    warnings.simplefilter("ignore")
    level, n, width = spec["level"], int(spec["n"]), 5000.0
    a = _agreement(level)
    t = time.perf_counter()
    index = _index(a, width, width, None)
    index.locator  # noqa: B018 - build the grid now, so it is timed as the build
    index.context  # noqa: B018
    build = time.perf_counter() - t
    # What the agreement's index alone holds: the rest of the peak is per-chunk work.
    result = {"build_s": build, "n": n, "index_rss_mb": _memory_mb("VmRSS")}
    if spec["mode"] == "stream":
        path = spec["csv"]
        t = time.perf_counter()
        counts = geozone.classify.classify_file(
            path, a, spec["out"], chunksize=500_000, progress=False
        )
        result["times"] = [time.perf_counter() - t]
        result["counts"] = counts
    else:
        lon, lat = make_points(a, n)
        pts = _points_frame(lon, lat)
        del lon, lat
        if spec["mode"] == "ours":
            times = []
            for _ in range(spec["repeats"]):
                t = time.perf_counter()
                out = classify_points(pts, a, width_m=width)
                times.append(time.perf_counter() - t)
                del out
            result["times"] = times
        elif spec["mode"] == "plain":
            m = min(n, int(spec["plain_max"]))
            sub = pts.iloc[:m]
            runs = []
            for _ in range(spec["repeats"]):
                parts = {}
                plain_classify(
                    sub, a, width, nearest_sample=int(spec["nearest_sample"]), times=parts
                )
                per_point = (
                    sum(v for k, v in parts.items() if k not in ("nearest", "nearest_n")) / m
                    + parts["nearest"] / parts["nearest_n"]
                )
                runs.append(per_point * n)
                result["parts"] = parts
            result["times"] = runs
            result["measured_on"] = m
        elif spec["mode"] == "compare":
            t = time.perf_counter()
            ours = classify_points(pts, a, width_m=width)
            t_ours = time.perf_counter() - t
            t = time.perf_counter()
            plain = plain_classify(pts, a, width)
            t_plain = time.perf_counter() - t
            result.update(_compare(ours, plain, pts, a))
            result["times"] = [t_ours, t_plain]
    result["peak_rss_mb"] = _memory_mb()
    return result


def _run(spec: dict) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", json.dumps(spec)], capture_output=True, text=True
    )
    if proc.returncode:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"worker failed: {spec}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _write_csv(path: str, n: int) -> None:
    import pandas as pd

    a = _agreement("province")
    lon, lat = make_points(a, n)
    step = 1_000_000
    for start in range(0, n, step):
        pd.DataFrame(
            {
                "id": np.arange(start, min(n, start + step)),
                "lat": lat[start : start + step].round(7),
                "lon": lon[start : start + step].round(7),
            }
        ).to_csv(path, mode="w" if start == 0 else "a", header=start == 0, index=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1e6,1e7")
    parser.add_argument("--levels", default="province,commune")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--plain-max", type=float, default=1e6)
    parser.add_argument("--nearest-sample", type=float, default=2e4)
    parser.add_argument("--compare", type=float, default=1e5)
    parser.add_argument("--no-stream", action="store_true")
    parser.add_argument("--worker")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    levels = args.levels.split(",")
    print(
        f"geozone classify benchmark: agreement {AGREEMENT}, {os.cpu_count()} CPUs, "
        f"repeats {args.repeats} (10 M: 1)\n",
        flush=True,
    )
    rows = []
    for level in levels:
        cmp = _run({"mode": "compare", "level": level, "n": args.compare})
        print(
            f"[{level}] identical answers on {cmp['rows']:,} points "
            f"({cmp['tie_rows']} boundary ties checked by rule): "
            f"ours {cmp['times'][0]:.2f} s, plain {cmp['times'][1]:.1f} s",
            flush=True,
        )
        for n in sizes:
            reps = args.repeats if n < 5_000_000 else 1
            ours = _run({"mode": "ours", "level": level, "n": n, "repeats": reps})
            plain = _run(
                {
                    "mode": "plain",
                    "level": level,
                    "n": n,
                    "repeats": 1 if n > 1e6 else reps,
                    "plain_max": args.plain_max,
                    "nearest_sample": min(args.nearest_sample, n),
                }
            )
            t_ours = statistics.median(ours["times"])
            t_plain = statistics.median(plain["times"])
            rows.append(
                (
                    level,
                    n,
                    ours["build_s"],
                    t_ours,
                    ours["peak_rss_mb"],
                    t_plain,
                    plain["measured_on"] < n or plain["parts"]["nearest_n"] < n,
                    plain["peak_rss_mb"],
                    t_plain / t_ours,
                )
            )
            print(f"[{level}] {n:,}: ours {t_ours:.1f} s, plain {t_plain:.0f} s", flush=True)
    if not args.no_stream:
        # Every size: bounded memory means the same peak for 1 M and 10 M rows.
        print()
        for n in sizes:
            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, "points.csv")
                _write_csv(path, n)
                stream = _run(
                    {
                        "mode": "stream",
                        "level": "province",
                        "n": n,
                        "csv": path,
                        "out": os.path.join(tmp, "out.csv"),
                    }
                )
            print(
                f"stream: classify_file on a {n:,}-row CSV -> CSV (province level, chunks of "
                f"500,000): {stream['times'][0]:.1f} s, peak RSS {stream['peak_rss_mb']:.0f} MB "
                f"(index alone {stream['index_rss_mb']:.0f} MB), statuses {stream['counts']}",
                flush=True,
            )
    print(
        "\n| level | points | index build s | geozone s (median) | geozone peak RSS MB "
        "| plain geopandas s | plain peak RSS MB | speed-up |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for level, n, build, t_ours, rss, t_plain, extrap, rss_plain, ratio in rows:
        mark = "~" if extrap else ""
        print(
            f"| {level} | {n:,} | {build:.1f} | {t_ours:.1f} | {rss:.0f} | {mark}{t_plain:.0f} "
            f"| {rss_plain:.0f} | {mark}{ratio:.0f}× |"
        )
    print(
        "\n~ extrapolated linearly from the plain way measured on --plain-max points "
        "(sjoins) and --nearest-sample points (sjoin_nearest)."
    )


if __name__ == "__main__":
    main()
