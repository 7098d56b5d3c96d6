"""geozone._gc: the cyclic garbage collector is paused around geometry work, then restored."""

from __future__ import annotations

import gc
import threading
import traceback

import geopandas as gpd
import pytest
from shapely.geometry import box

from geozone import adjacency, border_strips
from geozone._gc import collection_paused


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_nested_blocks_restore_the_collector_at_the_end(collector_on):
    with collection_paused():
        with collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_an_error_restores_the_collector(collector_on):
    with pytest.raises(ValueError), collection_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_a_collector_switched_off_stays_off(collector_on):
    gc.disable()
    with collection_paused():
        pass
    assert not gc.isenabled()


def test_overlapping_blocks_in_threads(collector_on):
    # The first thread's block ends while the second's is still open: the collector stays
    # paused until the second ends too.
    inside, release = threading.Event(), threading.Event()

    def second():
        with collection_paused():
            inside.set()
            release.wait(5)

    with collection_paused():
        worker = threading.Thread(target=second)
        worker.start()
        inside.wait(5)
    assert not gc.isenabled()
    release.set()
    worker.join(5)
    assert gc.isenabled()


def test_builds_run_without_collections(collector_on):
    units = gpd.GeoDataFrame(
        {"code": [f"U{k:03d}" for k in range(400)]},
        geometry=[
            box(x * 100, y * 100, x * 100 + 100, y * 100 + 100)
            for x in range(20)
            for y in range(20)
        ],
        crs=32648,
    )
    during_work = []

    def count(phase, info):
        # Once the block ends the collector may run at once (it catches up): only count the
        # collections that interrupt geozone's own code.
        if phase == "start":
            files = [frame.filename for frame in traceback.extract_stack()]
            during_work.append(any("geozone" in f and not f.endswith("_gc.py") for f in files))

    gc.callbacks.append(count)
    try:
        table = adjacency(units)
        strips = border_strips(units, 30)
    finally:
        gc.callbacks.remove(count)
    # 760 edges, 1,520 strips: thousands of geometries, and no collection while they were made.
    assert (table["contact"] == "edge").sum() == 760
    assert len(strips) == 1520
    assert not any(during_work)
    assert gc.isenabled()
