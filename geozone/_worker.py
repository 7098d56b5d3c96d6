"""What geozone installs on dask workers: an agreement's zone index, once per worker.

Kept apart from :mod:`geozone.partitions` because it imports :mod:`distributed`, which is
optional: this module is only imported when a distributed client is running.
"""

from __future__ import annotations

from distributed import get_worker
from distributed.diagnostics.plugin import WorkerPlugin


class ZonesPlugin(WorkerPlugin):
    """Holds a zone index on every worker of a cluster, and on every worker that joins later.

    A scattered object would do on a fixed set of workers, but the scheduler trims replicas
    it sees no use for, and each trimmed worker would fetch and unpack the index (tens of MB)
    again for its next partition. A plugin is unpacked once per worker and stays until it is
    unregistered or the worker stops.
    """

    def __init__(self, index):
        self.index = index


def installed_index(name: str):
    """The zone index the plugin ``name`` installed on this worker."""
    plugin = get_worker().plugins.get(name)
    if not isinstance(plugin, ZonesPlugin):
        raise RuntimeError(
            f"this dask worker has no geozone zones {name!r}: it was unregistered, or the "
            "worker cannot import geozone"
        )
    return plugin.index
