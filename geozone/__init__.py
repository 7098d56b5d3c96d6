"""geozone: border-zone analysis between administrative units.

Load boundary polygons, find the units that touch and the lines they share, build side-split
border strips and junction zones, classify incident and patrol points into those
joint-responsibility zones, and map each coordination agreement.

The maps (``geozone.maps``), the reform crosswalks (``geozone.reform``) and the legacy-encoding
helpers (``geozone.vnencoding``) are subpackages/modules imported on first use.
"""

from geozone.agreements import Agreement, agreement, list_agreements
from geozone.classify import classify_file, classify_points, patrol_coverage, zone_summary
from geozone.coverage import CleanReport, CoverageReport, check_coverage, clean_coverage
from geozone.crs import metric_crs, resolve_crs, vn2000
from geozone.datasets import fetch, list_datasets, read_table
from geozone.errors import (
    AgreementError,
    DataError,
    GeozoneError,
    GeozoneWarning,
    InputError,
    NameLookupError,
)
from geozone.names import find_unit, normalize_name, split_unit_type
from geozone.points import iter_point_chunks, read_points
from geozone.topology import adjacency, adjacency_graph, shared_boundaries
from geozone.units import load_units, unit_table
from geozone.zones import border_strips, junction_zones

__version__ = "0.1.0"

__all__ = [
    "Agreement",
    "AgreementError",
    "CleanReport",
    "CoverageReport",
    "DataError",
    "GeozoneError",
    "GeozoneWarning",
    "InputError",
    "NameLookupError",
    "adjacency",
    "adjacency_graph",
    "agreement",
    "border_strips",
    "check_coverage",
    "classify_file",
    "classify_points",
    "clean_coverage",
    "fetch",
    "find_unit",
    "iter_point_chunks",
    "junction_zones",
    "list_agreements",
    "list_datasets",
    "load_units",
    "metric_crs",
    "normalize_name",
    "patrol_coverage",
    "read_points",
    "read_table",
    "resolve_crs",
    "shared_boundaries",
    "split_unit_type",
    "unit_table",
    "vn2000",
    "zone_summary",
]


def __getattr__(name):
    # Heavier or optional parts load on first use: `geozone.maps`, `geozone.reform`.
    import importlib

    if name in ("maps", "reform", "vnencoding"):
        return importlib.import_module(f"geozone.{name}")
    raise AttributeError(f"module 'geozone' has no attribute {name!r}")
