"""geozone: border-zone analysis between administrative units.

Load boundary polygons, find the units that touch and the lines they share, build side-split
border strips and junction zones, classify incident and patrol points into those
joint-responsibility zones, and map each coordination agreement.
"""

from geozone.agreements import Agreement, agreement, list_agreements
from geozone.crs import metric_crs, resolve_crs
from geozone.datasets import fetch, list_datasets, read_table
from geozone.errors import (
    AgreementError,
    DataError,
    GeozoneError,
    GeozoneWarning,
    InputError,
    NameLookupError,
)
from geozone.units import load_units, unit_table

__version__ = "0.1.0"

__all__ = [
    "Agreement",
    "AgreementError",
    "DataError",
    "GeozoneError",
    "GeozoneWarning",
    "InputError",
    "NameLookupError",
    "agreement",
    "fetch",
    "list_agreements",
    "list_datasets",
    "load_units",
    "metric_crs",
    "read_table",
    "resolve_crs",
    "unit_table",
]
