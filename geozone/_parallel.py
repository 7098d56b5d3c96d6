"""Vectorised work on all cores, in threads.

GEOS, PROJ and numpy's element-wise work and gathers release the GIL, so threads give
geozone's array work the machine's cores without copying any geometry to another process.
One pool serves the whole package and lives as long as the process: a new thread per call
costs milliseconds to start on a busy machine, and pyproj keeps a transformer per thread,
so threads that stay keep theirs.
"""

from __future__ import annotations

import itertools
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

_POOL: ThreadPoolExecutor | None = None
_POOL_PID: int | None = None
_POOL_LOCK = threading.Lock()
# Set in the pool's threads: work they start runs in them, since waiting on the pool from
# inside it could deadlock.
_IN_POOL = threading.local()


def cores() -> int:
    """Cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def workers(n_items: int, min_chunk: int) -> int:
    """Threads worth using for ``n_items`` items, each thread getting at least ``min_chunk``."""
    if getattr(_IN_POOL, "active", False):
        return 1
    return max(1, min(cores(), n_items // max(min_chunk, 1)))


def spans(n_items: int, max_size: int, min_size: int) -> list[tuple[int, int]]:
    """Contiguous ranges ``(start, stop)`` covering ``range(n_items)`` for :func:`map_threads`.

    One per thread when each gets at least ``min_size`` items, and more where needed so that
    none is longer than ``max_size`` (temporaries of a bounded size, which the allocator
    reuses).

    Examples
    --------
    >>> spans(10, max_size=4, min_size=100)
    [(0, 3), (3, 6), (6, 10)]
    """
    if n_items <= 0:
        return []
    count = max(workers(n_items, min_size), -(-n_items // max(max_size, 1)))
    bounds = np.linspace(0, n_items, count + 1).astype(np.int64).tolist()
    return list(itertools.pairwise(bounds))


def _mark_pool_thread() -> None:
    _IN_POOL.active = True


def _pool() -> ThreadPoolExecutor:
    global _POOL, _POOL_PID
    with _POOL_LOCK:
        # A forked child inherits the pool object but not its threads: start afresh there.
        if _POOL is None or os.getpid() != _POOL_PID:
            _POOL = ThreadPoolExecutor(
                cores(), thread_name_prefix="geozone", initializer=_mark_pool_thread
            )
            _POOL_PID = os.getpid()
        return _POOL


def map_threads(func, items) -> list:
    """``[func(item) for item in items]``, the items spread over the pool's threads."""
    items = list(items)
    if len(items) < 2 or workers(len(items), 1) == 1:
        return [func(item) for item in items]
    return list(_pool().map(func, items))


def in_background(func, *args) -> Future:
    """Start ``func(*args)`` on a pool thread, so that the caller can work meanwhile.

    Meant for GEOS work that can overlap the caller's numpy work. Inside the pool, or with
    one core, it runs at once. The task must not wait on the pool itself (work it starts
    from there runs in its own thread, see :func:`workers`).

    Examples
    --------
    >>> in_background(sum, [1, 2, 3]).result()
    6
    """
    if getattr(_IN_POOL, "active", False) or cores() == 1:
        future: Future = Future()
        try:
            future.set_result(func(*args))
        except BaseException as error:  # handed to whoever asks for the result
            future.set_exception(error)
        return future
    return _pool().submit(func, *args)


def threaded(func, *arrays, key=None, min_chunk=256) -> np.ndarray:
    """Apply a vectorised function to aligned arrays, chunk by chunk, in the pool's threads.

    Chunks interleave the items (item ``i`` goes to chunk ``i % n_chunks``), and there are
    four per thread, so a few heavy items do not stall one thread. GEOS builds a prepared
    geometry's index lazily and not thread-safely, so when the first argument holds prepared
    geometries, ``key`` (the geometry each item uses) sends every use of one geometry to the
    same chunk.

    Examples
    --------
    >>> import shapely
    >>> threaded(shapely.area, shapely.box([0, 0], [0, 0], [1, 2], [1, 3]), min_chunk=1)
    array([1., 6.])
    """
    n = len(arrays[0])
    n_workers = workers(n, min_chunk)
    if n_workers == 1:
        return np.asarray(func(*arrays))
    n_chunks = n_workers * 4
    label = np.arange(n) if key is None else np.asarray(key)
    bucket = label % n_chunks
    order = np.argsort(bucket, kind="stable")
    cuts = np.searchsorted(bucket[order], np.arange(1, n_chunks))
    chunks = [c for c in np.split(order, cuts) if len(c)]
    outputs = map_threads(lambda idx: np.asarray(func(*(a[idx] for a in arrays))), chunks)
    result = np.empty(n, dtype=outputs[0].dtype)
    for idx, out in zip(chunks, outputs, strict=True):
        result[idx] = out
    return result
