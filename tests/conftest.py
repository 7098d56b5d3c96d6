"""Shared fixtures: the real boundary layers, loaded once per test session.

Real-data tests need the catalog's files in the data directory (``GEOZONE_DATA_DIR`` or the
user cache). CI fills it with ``geozone data fetch --mirror ../shared/boundaries``. When the
files are missing and a mirror sits beside the checkout (``../shared/boundaries``), the
fixtures fetch from it; otherwise they fail loudly — a real-data test never skips silently.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

from geozone import datasets
from geozone.errors import DataError, GeozoneWarning
from geozone.units import load_units

REPO = Path(__file__).resolve().parents[1]
SIBLING_MIRROR = REPO.parent / "shared" / "boundaries"


def _ensure_data() -> Path:
    root = datasets.resolve_data_dir()
    try:
        for key, entry in datasets.catalog().items():
            if entry.file:
                datasets.dataset_path(key)
    except DataError as missing:
        if not SIBLING_MIRROR.is_dir():
            pytest.fail(f"real boundary data unavailable: {missing}", pytrace=False)
        datasets.fetch(mirror=str(SIBLING_MIRROR))
    return root


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return _ensure_data()


def _load(dataset_id: str):
    _ensure_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GeozoneWarning)
        return load_units(dataset_id)


@pytest.fixture(scope="session")
def communes_2025():
    return _load("vn2025-communes")


@pytest.fixture(scope="session")
def provinces_2025():
    return _load("vn2025-provinces")


@pytest.fixture(scope="session")
def provinces_2025_published():
    return _load("vn2025-provinces-published")


@pytest.fixture(scope="session")
def provinces_2008():
    return _load("vn2008-provinces")


@pytest.fixture(scope="session")
def provinces_2008_dvhcvn():
    return _load("vn2008-provinces-dvhcvn")


@pytest.fixture(scope="session")
def districts_2008():
    return _load("vn2008-districts")


@pytest.fixture(autouse=True)
def _no_network_mirror(monkeypatch):
    # Tests never reach a configured remote mirror by accident.
    monkeypatch.delenv("GEOZONE_MIRROR", raising=False)


def pytest_report_header(config):
    env = os.environ.get("GEOZONE_DATA_DIR")
    return f"geozone data dir: {datasets.resolve_data_dir()} (GEOZONE_DATA_DIR={env})"
