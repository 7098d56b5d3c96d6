"""The thread pool helpers: chunking, and results in input order whatever the threads do."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from geozone._parallel import cores, in_background, map_threads, spans, threaded


@given(
    n_items=st.integers(0, 5_000),
    max_size=st.integers(1, 2_000),
    min_size=st.integers(1, 2_000),
)
def test_spans_cover_the_items_once_in_bounded_runs(n_items, max_size, min_size):
    runs = spans(n_items, max_size, min_size)
    covered = [i for start, stop in runs for i in range(start, stop)]
    assert covered == list(range(n_items))
    assert all(0 < stop - start <= max_size for start, stop in runs)
    if n_items >= 2 * min_size and cores() > 1:
        # Enough for every thread: each gets its own run.
        assert len(runs) >= min(cores(), n_items // min_size)


def test_threads_fill_one_output_array_in_place():
    values = np.arange(100_000, dtype=float)
    out = np.empty_like(values)

    def square(span):
        start, stop = span
        np.multiply(values[start:stop], values[start:stop], out=out[start:stop])

    map_threads(square, spans(len(values), 7_000, 1_000))
    np.testing.assert_array_equal(out, values**2)


def test_threaded_keeps_the_input_order():
    values = np.arange(1_000)
    np.testing.assert_array_equal(threaded(lambda v: v * 2, values, min_chunk=10), values * 2)


def test_background_work_runs_beside_the_caller_and_reports_errors():
    started = threading.Event()
    release = threading.Event()

    def wait_for_caller():
        started.set()
        return release.wait(10)

    if cores() == 1:
        release.set()  # the task runs at once, in the caller
    task = in_background(wait_for_caller)
    # The caller goes on while the task waits for it: they run at the same time.
    assert started.wait(10)
    release.set()
    assert task.result(10) is True

    def fail():
        raise ValueError("bad row 3")

    with pytest.raises(ValueError, match="bad row 3"):
        in_background(fail).result(10)
    # Work started from the pool runs in its own thread, at once (no deadlock).
    nested = in_background(
        lambda: in_background(threading.get_ident).result(1) == threading.get_ident()
    )
    assert nested.result(10)
