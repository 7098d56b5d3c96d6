"""The dask path of classify_points: same answers as one process, zones shipped once.

Hand-made squares (see test_classify.py) run on dask's threaded scheduler; the real
agreement runs on a distributed LocalCluster of two worker processes, as on a real cluster.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import dask
import dask.dataframe as dd
import dask_geopandas
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from distributed import Client, LocalCluster
from shapely.geometry import Point

from geozone import Agreement, agreement, classify_points
from geozone.classify import _index
from geozone.cli import main
from geozone.errors import GeozoneWarning, InputError
from geozone.partitions import classify_parquet

FIXTURES = Path(__file__).parent / "fixtures"
X0, Y0, K = 580_000.0, 1_100_000.0, 10_000.0


def same_rows(single: gpd.GeoDataFrame, distributed: gpd.GeoDataFrame, index=True) -> None:
    """Equal row for row: values, order and (unless read back from files) the index;
    categories are compared as their values."""
    assert list(distributed.columns) == list(single.columns)
    if index:
        pd.testing.assert_index_equal(distributed.index, single.index, exact=True)
    else:
        single, distributed = single.reset_index(drop=True), distributed.reset_index(drop=True)
    for column in single.columns:
        a, b = single[column], distributed[column]
        if column == "geometry":
            assert shapely.equals_exact(a.values, b.values, 0).sum() + (
                a.isna() & b.isna()
            ).sum() == len(a), column
            continue
        pd.testing.assert_series_equal(
            b.astype(object), a.astype(object), check_names=False, obj=column
        )


@pytest.fixture(scope="module")
def squares() -> gpd.GeoDataFrame:
    return gpd.read_file(FIXTURES / "classify_squares.geojson")


@pytest.fixture(scope="module")
def square_agreement(squares) -> Agreement:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GeozoneWarning)
        return Agreement.from_units(
            squares, members=["01", "02", "03"], id="squares", width_m=1000.0
        )


def messy_points(n: int, seed: int, crs) -> gpd.GeoDataFrame:
    """Points over and around the squares, plus rows without a usable point, shuffled, with
    an index that is neither sorted nor a range."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(X0 - 0.3 * K, X0 + 2.3 * K, n)
    y = rng.uniform(Y0 - 0.3 * K, Y0 + 2.3 * K, n)
    geoms = list(gpd.points_from_xy(x, y))
    geoms[::17] = [None] * len(geoms[::17])
    geoms[5] = Point()
    geoms[7] = Point(X0 + K, Y0 + K)  # where three squares meet
    geoms[9] = Point(X0 + K, Y0 + 0.5 * K)  # on the 01-02 boundary
    geoms[11] = shapely.box(X0, Y0, X0 + 1, Y0 + 1)  # not a point
    frame = gpd.GeoDataFrame({"incident": [f"V{i}" for i in range(n)]}, geometry=geoms, crs=crs)
    frame.index = rng.permutation(n) * 3 + 1000
    return frame


def test_threaded_dask_matches_one_process(square_agreement, squares):
    points = messy_points(3_000, 1, 32648)
    single = classify_points(points, square_agreement, all_units=squares)
    lazy = classify_points(
        dask_geopandas.from_geopandas(points, npartitions=5, sort=False),
        square_agreement,
        all_units=squares,
    )
    assert lazy.npartitions == 5
    with dask.config.set(scheduler="threads"):
        same_rows(single, lazy.compute())
    assert set(single.status) >= {"ok", "outside_members", "missing_coordinate"}


def test_points_without_crs_take_crs_argument(square_agreement, squares):
    points = messy_points(200, 2, 32648)
    bare = dask_geopandas.from_geopandas(
        points.set_crs(None, allow_override=True), npartitions=2, sort=False
    )
    with pytest.raises(InputError, match="no CRS"):
        classify_points(bare, square_agreement, all_units=squares)
    out = classify_points(bare, square_agreement, all_units=squares, crs=32648)
    same_rows(classify_points(points, square_agreement, all_units=squares), out.compute())


def test_dask_frame_without_geometry_or_with_column_options_is_refused(square_agreement):
    table = dd.from_pandas(pd.DataFrame({"lat": [10.0], "lon": [105.0]}), npartitions=1)
    with pytest.raises(InputError, match="points_from_xy"):
        classify_points(table, square_agreement)
    points = dask_geopandas.from_geopandas(messy_points(20, 3, 32648), npartitions=1)
    with pytest.raises(InputError, match="lat, lon only apply"):
        classify_points(points, square_agreement, lat="y", lon="x")


# -- a real cluster -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def client():
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        yield client


def real_points(a: Agreement, n: int, seed: int) -> gpd.GeoDataFrame:
    """Around and on the shared boundaries of ``a``, and far away (other provinces, sea)."""
    rng = np.random.default_rng(seed)
    lines = a.shared_boundaries.geometry.values
    which = rng.integers(0, len(lines), n)
    on = shapely.line_interpolate_point(lines[which], rng.uniform(0, 1, n), normalized=True)
    x = shapely.get_x(on) + rng.normal(0, 0.05, n)
    y = shapely.get_y(on) + rng.normal(0, 0.05, n)
    x[: n // 10] = rng.uniform(102.0, 110.0, n // 10)
    y[: n // 10] = rng.uniform(8.0, 23.0, n // 10)
    geoms = list(gpd.points_from_xy(x, y))
    vertices = shapely.get_coordinates(lines)
    for k in range(20, 40):  # exactly on shared-boundary vertices
        geoms[k] = Point(vertices[rng.integers(0, len(vertices))])
    geoms[3] = None
    return gpd.GeoDataFrame({"n": np.arange(n)}, geometry=geoms, crs=4326)


@pytest.mark.realdata
def test_local_cluster_matches_one_process_row_for_row(client, data_dir):
    a = agreement("csh-tay-nam-2025")
    points = real_points(a, 20_000, 4)
    single = classify_points(points, a)
    lazy = classify_points(dask_geopandas.from_geopandas(points, npartitions=6, sort=False), a)
    distributed = lazy.compute()
    same_rows(single, distributed)
    assert {"ok", "outside_members", "outside_all_units"} <= set(single.status)
    assert single["zone"].notna().sum() > 1_000

    # The zones went to every worker once, and the graph names them instead of holding them.
    index = _index(a, a.width_m, a.width_m, None)
    (name,) = index.__dict__["_shipped"].values()
    assert not any("_ZoneIndex" in repr(v) for v in dict(lazy.__dask_graph__()).values())
    assert all(client.run(lambda dask_worker: name in dask_worker.plugins).values())
    again = classify_points(dask_geopandas.from_geopandas(points.iloc[:500], npartitions=2), a)
    assert list(index.__dict__["_shipped"].values()) == [name]
    same_rows(single.iloc[:500], again.compute())


@pytest.mark.realdata
def test_classify_parquet_folder_to_folder(client, data_dir, tmp_path):
    a = agreement("csh-tay-nam-2025")
    points = real_points(a, 3_000, 5)
    source = tmp_path / "parts"
    source.mkdir()
    for k, rows in enumerate(np.array_split(np.arange(len(points)), 3)):
        points.iloc[rows].to_parquet(source / f"p{k}.parquet")
    counts = classify_parquet(source, a, tmp_path / "out", scheduler=client.scheduler.address)
    single = classify_points(points, a)
    assert counts == single["status"].astype(str).value_counts().to_dict()
    assert sum(counts.values()) == len(points)
    same_rows(single, gpd.read_parquet(tmp_path / "out"), index=False)

    # A second run replaces the parts; a folder of other things is refused.
    classify_parquet(source, a, tmp_path / "out", scheduler=client.scheduler.address)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "keep.txt").write_text("mine")
    with pytest.raises(InputError, match=r"keep\.txt"):
        classify_parquet(source, a, tmp_path / "notes", scheduler=client.scheduler.address)


@pytest.mark.realdata
def test_cli_engine_dask(client, data_dir, tmp_path):
    a = agreement("csh-tay-nam-2025")
    points = real_points(a, 1_000, 6)
    points.to_parquet(tmp_path / "points.parquet")
    runner = CliRunner()
    out = tmp_path / "classified"
    args = ["classify", str(tmp_path / "points.parquet"), "--agreement", a.id]
    result = runner.invoke(
        main, [*args, "--engine", "dask", "--scheduler", client.scheduler.address, "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(f"1,000 rows -> {out}")
    same_rows(classify_points(points, a), gpd.read_parquet(out), index=False)

    refused = runner.invoke(main, [*args, "--engine", "dask", "--lat", "y", "-o", str(out)])
    assert refused.exit_code == 2 and "--lat" in refused.output
    inside = runner.invoke(
        main, ["classify", str(tmp_path), "--agreement", a.id, "--engine", "dask",
               "-o", str(tmp_path / "x")]
    )  # fmt: skip
    assert inside.exit_code == 2 and "inside the input folder" in inside.output
    stream = runner.invoke(main, ["classify", str(tmp_path), "--agreement", a.id, "-o", "x.csv"])
    assert stream.exit_code == 2 and "folder" in stream.output
