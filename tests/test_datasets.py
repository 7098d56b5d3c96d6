import functools
import hashlib
import http.server
import shutil
import threading
from pathlib import Path

import pytest

from geozone import datasets
from geozone.errors import DataError, InputError

SMALL = "crosswalk-provinces"


def test_catalog_has_every_staged_dataset():
    ids = set(datasets.catalog())
    assert {
        "vn2025-communes",
        "vn2025-provinces",
        "vn2025-provinces-published",
        "vn2008-provinces",
        "vn2008-districts",
        "vn2025-codes",
        "vn2008-codes",
        "crosswalk-provinces",
        "crosswalk-communes",
    } <= ids
    for entry in datasets.catalog().values():
        assert entry.licence and entry.upstream, entry.id
        if entry.file:
            assert len(entry.sha256) == 64 and entry.size > 0, entry.id
        else:
            assert entry.derived_from in ids, entry.id
        if entry.kind == "units" and entry.file:
            assert "code" in entry.columns, entry.id


def test_unknown_dataset_lists_known_ids():
    with pytest.raises(DataError, match="vn2025-communes"):
        datasets.dataset("vn2025-comunes")


def test_data_dir_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("GEOZONE_DATA_DIR", str(tmp_path / "env"))
    assert datasets.resolve_data_dir(tmp_path / "arg") == tmp_path / "arg"
    assert datasets.resolve_data_dir() == tmp_path / "env"
    monkeypatch.delenv("GEOZONE_DATA_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert datasets.resolve_data_dir() == tmp_path / "xdg" / "geozone"


def test_default_mirror_from_config_file(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    (tmp_path / "geozone").mkdir()
    (tmp_path / "geozone" / "config.toml").write_text('mirror = "/srv/gis/boundaries"\n')
    assert datasets.default_mirror() == "/srv/gis/boundaries"
    monkeypatch.setenv("GEOZONE_MIRROR", "https://intranet.example/geozone")
    assert datasets.default_mirror() == "https://intranet.example/geozone"


def _mirror_with(tmp_path, data_dir, content: bytes | None):
    mirror = tmp_path / "mirror"
    entry = datasets.dataset(SMALL)
    target = mirror / entry.file
    target.parent.mkdir(parents=True)
    if content is None:
        shutil.copyfile(datasets.dataset_path(SMALL, data_dir), target)
    else:
        target.write_bytes(content)
    return mirror


def test_fetch_from_local_mirror_verifies_and_skips_present(tmp_path, data_dir):
    mirror = _mirror_with(tmp_path, data_dir, None)
    target_dir = tmp_path / "data"
    first = datasets.fetch([SMALL], mirror=str(mirror), data_dir=target_dir)
    assert [r.action for r in first] == ["fetched"]
    path = datasets.dataset_path(SMALL, target_dir, verify=True)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == datasets.dataset(SMALL).sha256
    again = datasets.fetch([SMALL], mirror=str(mirror), data_dir=target_dir)
    assert [r.action for r in again] == ["present"]


def test_fetch_rejects_wrong_checksum_and_leaves_nothing(tmp_path, data_dir):
    mirror = _mirror_with(tmp_path, data_dir, b"not the catalogued file")
    target_dir = tmp_path / "data"
    with pytest.raises(DataError, match=f"{SMALL}.*sha256"):
        datasets.fetch([SMALL], mirror=str(mirror), data_dir=target_dir)
    leftovers = [p for p in target_dir.rglob("*") if p.is_file()]
    assert leftovers == []


def test_missing_file_error_names_dataset_and_command(tmp_path):
    with pytest.raises(DataError) as info:
        datasets.dataset_path("vn2025-communes", tmp_path)
    message = str(info.value)
    assert "vn2025-communes" in message and "geozone data fetch" in message


def test_corrupt_copy_in_data_dir_is_detected(tmp_path, data_dir):
    entry = datasets.dataset(SMALL)
    target = tmp_path / entry.file
    target.parent.mkdir(parents=True)
    original = datasets.dataset_path(SMALL, data_dir).read_bytes()
    target.write_bytes(original[:-1] + b"X")
    with pytest.raises(DataError, match="sha256"):
        datasets.dataset_path(SMALL, tmp_path, verify=True)


def test_fetch_needs_a_mirror(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "noconfig"))
    with pytest.raises(InputError, match="--mirror"):
        datasets.fetch([SMALL], data_dir=tmp_path)


def test_fetch_over_http_from_loopback(tmp_path, data_dir):
    mirror = _mirror_with(tmp_path, data_dir, None)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(mirror))

    class Quiet(handler.func):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(mirror))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        result = datasets.fetch([SMALL], mirror=url, data_dir=tmp_path / "data")
        assert result[0].action == "fetched"
        datasets.dataset_path(SMALL, tmp_path / "data", verify=True)
        with pytest.raises(DataError, match="cannot download"):
            datasets.fetch(["vn2025-codes"], mirror=url, data_dir=tmp_path / "data")
    finally:
        server.shutdown()


def test_list_datasets_reports_presence_and_checksums(data_dir):
    table = datasets.list_datasets(data_dir)
    files = table[table.kind == "table"]
    assert files.present.all() and files.checksum_ok.all()
    assert table.loc[table.id == "vn2025-provinces", "present"].item()


def test_read_table_keeps_codes_as_padded_strings(data_dir):
    codes = datasets.read_table("vn2025-codes", data_dir)
    assert codes["code"].str.len().isin([2, 5]).all()
    assert (codes["code"] == "01").any()


def test_cache_path_changes_with_the_source_checksum():
    path = datasets.cache_path("vn2025-provinces")
    assert datasets.dataset("vn2025-communes").sha256[:12] in path.name
    assert isinstance(path, Path)
