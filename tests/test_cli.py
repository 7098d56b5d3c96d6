import codecs
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from geozone.classify import CLASSIFY_STATUSES
from geozone.cli import main
from geozone.points import POINT_STATUSES

FIXTURES = Path(__file__).parent / "fixtures"


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_help_lists_commands():
    result = run("--help")
    assert result.exit_code == 0
    for command in ("data", "units", "check", "agreements"):
        assert command in result.output


def test_user_errors_are_one_line_without_traceback():
    result = run("agreements", "show", "no-such-agreement")
    assert result.exit_code == 5
    assert result.output.count("\n") == 1
    assert result.output.startswith("geozone: error: unknown agreement")
    assert "Traceback" not in result.output


def test_missing_data_dir_error_says_what_to_run(tmp_path):
    result = run("--data-dir", str(tmp_path), "check", "vn2025-communes")
    assert result.exit_code == 3
    assert "geozone data fetch" in result.output


def test_data_fetch_and_list(tmp_path, data_dir):
    mirror = tmp_path / "mirror"
    target = mirror / "crosswalk" / "crosswalk_province_old2new.csv"
    target.parent.mkdir(parents=True)
    target.write_bytes((data_dir / "crosswalk" / "crosswalk_province_old2new.csv").read_bytes())
    result = run(
        "--data-dir",
        str(tmp_path / "d"),
        "data",
        "fetch",
        "crosswalk-provinces",
        "--mirror",
        str(mirror),
    )
    assert result.exit_code == 0, result.output
    assert "fetched" in result.output
    listing = run("--data-dir", str(tmp_path / "d"), "data", "list")
    line = next(t for t in listing.output.splitlines() if "crosswalk-provinces" in t)
    assert "True" in line


@pytest.mark.realdata
def test_units_find_tp_can_tho(data_dir):
    result = run("units", "find", "tp can tho", "--vintage", "2025")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("92\tThành phố Cần Thơ\tprovince")


@pytest.mark.realdata
def test_units_find_ambiguous_lists_candidates(data_dir):
    result = run("units", "find", "Vĩnh Hòa", "--level", "commune")
    assert result.exit_code == 4
    assert "geozone: error:" in result.output


@pytest.mark.realdata
def test_check_published_provinces_reports_overlap_and_gap(data_dir):
    result = run("check", "vn2025-provinces-published")
    assert result.exit_code == 1, result.output
    assert "PROBLEMS FOUND" in result.output
    assert "82" in result.output and "91" in result.output


def test_check_clean_layer_exits_zero():
    result = run("check", str(FIXTURES / "classify_squares.geojson"))
    assert result.exit_code == 0, result.output
    assert "Result: OK" in result.output


@pytest.mark.realdata
def test_agreements_list_and_show(data_dir):
    listing = run("agreements", "list")
    assert "qc-303-2020" in listing.output
    shown = run("agreements", "show", "song-cau-quy-nhon-2017")
    assert shown.exit_code == 0, shown.output
    assert "Sông Cầu" in shown.output and "540-557" in shown.output


@pytest.mark.realdata
def test_classify_command_counts_every_row(tmp_path, data_dir):
    source = tmp_path / "incidents.csv"
    source.write_text(
        "id;vi_do;kinh_do\n1;10,0340;105,7876\n2;;\n3;105.78;10.03\n", encoding="utf-8"
    )
    out = tmp_path / "out.csv"
    result = run("classify", str(source), "--agreement", "csh-tay-nam-2025", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(f"3 rows -> {out}")
    assert "missing_coordinate" in result.output and "suspect_swapped" in result.output
    same = run("classify", str(source), "--agreement", "csh-tay-nam-2025", "-o", str(source))
    assert same.exit_code == 2 and "input file" in same.output


# -- issue 7: every bad case of a police spreadsheet through `geozone classify` ---------------
#
# (label, latitude cell, longitude cell, expected status). Cells are written as they appear
# in a text export; the Excel file stores plain numbers as numbers (so its coordinate columns
# mix floats, ints, text and one boolean / date). Every file carries the unique ``case``
# column, to check order, and the incident id ``Mã vụ`` given to --id-column.
BAD_CASES = [
    ("member_can_tho", "10.0340", "105.7876", "ok"),
    ("strip_91_92", "9.9849", "105.4556", "ok"),
    ("hanoi_not_member", "21.0285", "105.8542", "outside_members"),
    ("both_empty", "", "", "missing_coordinate"),
    ("lat_empty", "", "105.7876", "missing_coordinate"),
    ("lat_spaces", "   ", "105.7876", "missing_coordinate"),
    ("lat_NaN", "NaN", "105.7876", "missing_coordinate"),
    ("lat_N/A", "N/A", "105.7876", "missing_coordinate"),
    ("khong_ro", "không rõ", "không rõ", "missing_coordinate"),
    ("text_abc", "abc", "105.7876", "invalid_coordinate"),
    ("decimal_comma", "10,0340", "105,7876", "ok"),
    ("dms_hemisphere", "10°02'02\"N", "105°47'15\"E", "ok"),
    ("dms_no_hemisphere", "10°02'02\"", "105°47'15\"", "ok"),
    ("dms_vietnamese_words", "10 độ 2 phút 30 giây B", "105 độ 47 phút 15 giây Đ", "ok"),
    ("lat_with_east_letter", "10.0340E", "105.7876", "invalid_coordinate"),
    ("swapped", "105.7876", "10.0340", "suspect_swapped"),
    ("swapped_by_letters", "105°47'15\"E", "10°02'02\"N", "suspect_swapped"),
    ("metres_as_degrees", "1109720", "586141", "suspect_projected"),
    ("metres_as_degrees_swapped", "586141", "1109720", "suspect_projected"),
    ("metres_thousands_as_degrees", "1,109,720", "586,141", "suspect_projected"),
    ("sea_off_khanh_hoa", "12.0", "110.5", "outside_all_units"),
    ("sea_gulf_of_thailand", "9.0", "103.0", "outside_all_units"),
    ("cambodia_phnom_penh", "11.5564", "104.9282", "outside_all_units"),
    ("laos_vientiane", "17.9757", "102.6331", "outside_all_units"),
    ("china_nanning", "22.8170", "108.3665", "outside_all_units"),
    ("china_beijing", "39.9042", "116.4074", "outside_vietnam"),
    ("southern_sign", "-10.0340", "105.7876", "outside_vietnam"),
    ("lat_beyond_90", "95", "105.7876", "invalid_coordinate"),
    ("zero_zero", "0", "0", "invalid_coordinate"),
    # Both beyond ±360: read as metres by the documented order of the rules.
    ("huge_1e300_both", "1e300", "1e300", "invalid_coordinate"),
    ("huge_1e300_lat", "1e300", "105.7876", "invalid_coordinate"),
    ("huge_1e20_lat", "1e20", "105.7876", "invalid_coordinate"),
    ("infinity", "inf", "105.7876", "invalid_coordinate"),
    ("duplicate_id_good", "10.0340", "105.7876", "duplicate_id"),
    ("duplicate_id_empty", "", "", "missing_coordinate"),
]
# Rows whose ``Mã vụ`` repeats an earlier row's.
DUPLICATE_OF = {"duplicate_id_good": "member_can_tho", "duplicate_id_empty": "member_can_tho"}
# Excel only: cell types a text file cannot hold.
EXCEL_EXTRA_CASES = [
    ("excel_boolean", True, 105.7876, "invalid_coordinate"),
    ("excel_date", "DATE", 105.7876, "invalid_coordinate"),
]
# What some details must say (the value, the unit, the CRS to pass...).
DETAIL_HAS = {
    "hanoi_not_member": "Hà Nội",
    "khong_ro": "'không rõ' is empty",
    "text_abc": "'abc' is not a number",
    "lat_with_east_letter": "east/west letter",
    "swapped": "fix_swapped=True",
    "swapped_by_letters": "hemisphere letters",
    "metres_as_degrees": "crs='EPSG:3405'",
    "metres_as_degrees_swapped": "with the two columns swapped",
    # "586,141" is a decimal comma in degrees but thousands in metres: the hint must say
    # zone 48N, where 586141 m is Cần Thơ (it said 49N, at sea, before the fix).
    "metres_thousands_as_degrees": "crs='EPSG:3405'",
    "sea_off_khanh_hoa": "at sea or abroad",
    "lat_beyond_90": "outside -90..90",
    "zero_zero": "0, 0 is a placeholder",
    "infinity": "not a finite number",
    "huge_1e300_both": "too large for a coordinate",
    "excel_boolean": "true/false",
    "excel_date": "date or time",
}
# Statuses that come with a point (all others have none).
WITH_POINT = {"ok", "duplicate_id", "swapped_fixed", "outside_members", "outside_all_units"}
AGREEMENT = "csh-tay-nam-2025"


_AGREEMENTS: dict = {}


@pytest.fixture
def agreement_once(monkeypatch):
    """Load the agreement (and so build its classification index) once for all classify runs.

    The command loads it afresh on every invocation, as a new process would: a second or more
    of topology and index building per run, which the runs here need not repeat.
    """
    import geozone.agreements as agreements

    load = agreements.agreement

    def cached(agreement_id, **kwargs):
        key = (agreement_id, tuple(sorted(kwargs.items())))
        if key not in _AGREEMENTS:
            _AGREEMENTS[key] = load(agreement_id, **kwargs)
        return _AGREEMENTS[key]

    monkeypatch.setattr(agreements, "agreement", cached)


def _incident_id(label: str) -> str:
    return "VV-" + DUPLICATE_OF.get(label, label)


def _cp1258(text: str) -> bytes:
    """Encode as Windows software does: tone marks as combining characters where needed."""
    import unicodedata

    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for char in unicodedata.normalize("NFC", text):
        try:
            out.append(char.encode("cp1258"))
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
            out.append((base + "".join(c for c in parts if c in tones)).encode("cp1258"))
    return b"".join(out)


def _write_text(path, cases, encoding, delimiter, header=("Vĩ độ", "Kinh độ")):
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(["case", "Mã vụ", *header])
    for label, lat, lon, _ in cases:
        writer.writerow([label, _incident_id(label), lat, lon])
    text = buffer.getvalue()
    path.write_bytes(_cp1258(text) if encoding == "cp1258" else text.encode(encoding))


def _excel_value(cell):
    import datetime

    if cell == "DATE":
        return datetime.datetime(2025, 7, 1, 8, 30)
    if not isinstance(cell, str):
        return cell
    if cell == "":
        return None
    if re.fullmatch(r"-?[0-9]+", cell):
        return int(cell)
    if re.fullmatch(r"-?[0-9]+\.[0-9]+|[0-9]e[0-9]+", cell):
        return float(cell)
    return cell  # text, DMS, decimal commas, "inf", "NaN": stored as text


def _write_xlsx(path, cases):
    """A report sheet: merged title row, then a two-row header ("Tọa độ" over lat / lon)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "BÁO CÁO VỤ VIỆC KHU VỰC GIÁP RANH THÁNG 7/2025"
    ws.merge_cells("A1:D1")
    ws["A2"], ws["B2"], ws["C2"] = "case", "Mã vụ", "Tọa độ"
    ws.merge_cells("A2:A3")
    ws.merge_cells("B2:B3")
    ws.merge_cells("C2:D2")
    ws["C3"], ws["D3"] = "Vĩ độ", "Kinh độ"
    for label, lat, lon, _ in cases:
        ws.append([label, _incident_id(label), _excel_value(lat), _excel_value(lon)])
    wb.save(path)


def _summary(stdout: str) -> tuple[dict, str]:
    """The status counts and the closing ``N rows -> out`` line printed by classify."""
    *lines, last = stdout.strip().splitlines()
    counts = {}
    for line in lines:
        status, n, share = line.split()
        assert share.endswith("%"), line
        counts[status] = int(n.replace(",", ""))
    return counts, last


def _classify(source, out, *options):
    result = CliRunner().invoke(
        main,
        ["classify", str(source), "--agreement", AGREEMENT, "-o", str(out), *options],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result


def _read_output(out):
    import geopandas as gpd
    import pandas as pd

    if out.suffix == ".parquet":
        frame = gpd.read_parquet(out)
        assert frame.crs.to_epsg() == 4326
        has_point = (~(frame.geometry.isna() | frame.geometry.is_empty)).tolist()
        return pd.DataFrame(frame).astype({"status_detail": str}), has_point
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    return frame, [g.startswith("POINT") for g in frame["geometry"]]


def _check_every_row(
    result, out, cases, coordinate_columns, duplicate_of=DUPLICATE_OF, details=DETAIL_HAS
):
    """One output row per input row, in order, each with the expected status and a reason."""
    counts, last = _summary(result.stdout)
    expected = [status for *_, status in cases]
    assert last == f"{len(cases)} rows -> {out}"
    assert sum(counts.values()) == len(cases)
    assert counts == dict(Counter(expected))
    frame, has_point = _read_output(out)
    assert len(frame) == len(cases)
    assert frame["case"].tolist() == [label for label, *_ in cases]
    assert frame["row"].astype(int).tolist() == list(range(1, len(cases) + 1))
    first_row = {}
    for i, (label, _, _, status) in enumerate(cases):
        got, detail = frame["status"].iloc[i], frame["status_detail"].iloc[i]
        assert got == status, f"{label}: {got} ({detail})"
        assert has_point[i] == (status in WITH_POINT), label
        if status != "ok":
            assert detail.strip() and detail != "nan", f"{label}: {status} without a reason"
        if status == "outside_vietnam":
            assert "outside Vietnam" in detail, label
        if status in POINT_STATUSES and status not in ("ok", "duplicate_id", "swapped_fixed"):
            # A reading problem names the column it was found in.
            named = (re.search(rf"(?<!\w){re.escape(c)}(?!\w)", detail) for c in coordinate_columns)
            assert any(named), f"{label}: {detail}"
        first_row.setdefault(duplicate_of.get(label, label), i + 1)
        if label in duplicate_of:
            assert f"already on row {first_row[duplicate_of[label]]}" in detail, label
        if label in details:
            assert details[label] in detail, f"{label}: {detail}"
    return frame


def _by_case(frame, label):
    return frame[frame["case"] == label].iloc[0]


def _check_places(frame):
    """The good points landed where they are: a member unit, a strip, a non-member."""
    assert _by_case(frame, "member_can_tho")["unit_code"] == "92"
    strip = _by_case(frame, "strip_91_92")
    assert strip["zone"] == "91-92" and strip["unit_code"] == "91"
    assert _by_case(frame, "hanoi_not_member")["unit_code"] == "01"
    assert _by_case(frame, "cambodia_phnom_penh")["unit_code"] in ("", None)


def test_bad_cases_cover_every_status():
    every = {s for *_, s in BAD_CASES + EXCEL_EXTRA_CASES + PROJECTED_CASES + GEOMETRY_CASES}
    assert every | {"swapped_fixed"} == set(POINT_STATUSES) | set(CLASSIFY_STATUSES)


TEXT_CONTAINERS = {
    # name: (file name, encoding, delimiter)
    "utf8_bom_csv": ("incidents.csv", "utf-8-sig", ","),
    "cp1258_csv": ("incidents_cp1258.csv", "cp1258", ";"),
    "utf16_tab_txt": ("incidents_utf16.txt", "utf-16", "\t"),
}


@pytest.mark.realdata
@pytest.mark.parametrize("container", [*TEXT_CONTAINERS, "xlsx_two_row_header"])
def test_classify_accounts_for_every_bad_case(tmp_path, data_dir, agreement_once, container):
    if container in TEXT_CONTAINERS:
        name, encoding, delimiter = TEXT_CONTAINERS[container]
        source = tmp_path / name
        _write_text(source, BAD_CASES, encoding, delimiter)
        cases, columns = BAD_CASES, ("Vĩ độ", "Kinh độ")
        raw = source.read_bytes()
        if encoding == "cp1258":  # not UTF-8; "rõ" written as o + combining tilde (0xDE)
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
            assert "không ro\u0303".encode("cp1258") in raw
        else:
            assert raw.startswith(codecs.BOM_UTF8 if encoding == "utf-8-sig" else codecs.BOM_UTF16)
    else:
        source = tmp_path / "incidents.xlsx"
        cases = BAD_CASES + EXCEL_EXTRA_CASES
        _write_xlsx(source, cases)
        columns = ("Tọa độ / Vĩ độ", "Tọa độ / Kinh độ")
        import openpyxl

        sheet = openpyxl.load_workbook(source).active
        kinds = {type(c.value).__name__ for c in sheet["C"][3:]}
        assert kinds == {"int", "float", "str", "bool", "datetime", "NoneType"}
    out = tmp_path / "classified.csv"
    result = _classify(source, out, "--id-column", "Mã vụ")
    frame = _check_every_row(result, out, cases, columns)
    _check_places(frame)
    assert list(frame.columns[:4]) == ["case", "Mã vụ", *columns]
    if container in TEXT_CONTAINERS:
        # Text cells come back exactly as written, Vietnamese included, whatever the encoding.
        assert frame[columns[0]].tolist() == [lat for _, lat, _, _ in cases]
        assert frame[columns[1]].tolist() == [lon for _, _, lon, _ in cases]


@pytest.mark.realdata
def test_classify_fix_swapped_to_geoparquet(tmp_path, data_dir, agreement_once):
    source = tmp_path / "incidents.csv"
    _write_text(source, BAD_CASES, "utf-8-sig", ",")
    fixed = {"suspect_swapped": "swapped_fixed"}
    cases = [(label, lat, lon, fixed.get(s, s)) for label, lat, lon, s in BAD_CASES]
    details = {**DETAIL_HAS, "swapped": "swapped back", "swapped_by_letters": "swapped back"}
    out = tmp_path / "classified.parquet"
    result = _classify(source, out, "--id-column", "Mã vụ", "--fix-swapped")
    frame = _check_every_row(result, out, cases, ("Vĩ độ", "Kinh độ"), details=details)
    for label in ("swapped", "swapped_by_letters"):
        row = _by_case(frame, label)
        assert row["unit_code"] == "92", label
        assert (row["geometry"].x, row["geometry"].y) == pytest.approx((105.79, 10.034), abs=0.01)


# (label, geometry, expected status) for layers whose geometry is the point.
GEOMETRY_CASES = [
    ("point_member", {"type": "Point", "coordinates": [105.7876, 10.0340]}, "ok"),
    ("point_strip", {"type": "Point", "coordinates": [105.4556, 9.9849]}, "ok"),
    ("null_geometry", None, "missing_coordinate"),
    ("empty_point", {"type": "Point", "coordinates": []}, "missing_coordinate"),
    ("empty_collection", {"type": "GeometryCollection", "geometries": []}, "missing_coordinate"),
    ("multipoint_of_one", {"type": "MultiPoint", "coordinates": [[105.7876, 10.034]]}, "ok"),
    (
        "line",
        {"type": "LineString", "coordinates": [[105.7, 10.0], [105.8, 10.1]]},
        "invalid_coordinate",
    ),
    ("zero_zero", {"type": "Point", "coordinates": [0, 0]}, "invalid_coordinate"),
    ("swapped", {"type": "Point", "coordinates": [10.034, 105.7876]}, "suspect_swapped"),
    ("sea", {"type": "Point", "coordinates": [110.5, 12.0]}, "outside_all_units"),
    ("cambodia", {"type": "Point", "coordinates": [104.9282, 11.5564]}, "outside_all_units"),
    ("hanoi", {"type": "Point", "coordinates": [105.8542, 21.0285]}, "outside_members"),
    ("duplicate_id_good", {"type": "Point", "coordinates": [105.78, 10.03]}, "duplicate_id"),
]
GEOMETRY_DUPLICATE_OF = {"duplicate_id_good": "point_member"}


@pytest.mark.realdata
@pytest.mark.parametrize("suffix", [".geojson", ".parquet"])
def test_classify_layer_with_null_and_empty_geometries(tmp_path, data_dir, agreement_once, suffix):
    import json

    import geopandas as gpd
    import shapely

    features = [
        {
            "type": "Feature",
            "properties": {"case": label, "ma_vu": GEOMETRY_DUPLICATE_OF.get(label, label)},
            "geometry": geometry,
        }
        for label, geometry, _ in GEOMETRY_CASES
    ]
    source = tmp_path / f"incidents{suffix}"
    if suffix == ".geojson":
        source.write_text(
            json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
        )
    else:
        geoms = [shapely.geometry.shape(g) if g else None for _, g, _ in GEOMETRY_CASES]
        layer = gpd.GeoDataFrame(
            [f["properties"] for f in features], geometry=geoms, crs="EPSG:4326"
        )
        assert layer.geometry.is_empty.sum() == 2 and layer.geometry.isna().sum() == 1
        layer.to_parquet(source)
    out = tmp_path / "classified.csv"
    result = _classify(source, out, "--id-column", "ma_vu")
    cases = [(label, None, None, status) for label, _, status in GEOMETRY_CASES]
    frame = _check_every_row(result, out, cases, ("geometry",), GEOMETRY_DUPLICATE_OF)
    assert _by_case(frame, "point_strip")["zone"] == "91-92"


# VN-2000 / UTM 48N metres (--crs EPSG:3405), thousands separators as surveyors write them:
# (label, y / northing cell, x / easting cell, expected status).
PROJECTED_CASES = [
    ("plain", "1109720", "586141", "ok"),
    ("comma_thousands", "1,109,720", "586,141", "ok"),
    ("dot_thousands_decimal_comma", "1.109.720,5", "586.141,25", "ok"),
    ("space_thousands", "1 109 720", "586 141", "ok"),
    ("decimal_comma", "1109720,5", "586141,25", "ok"),
    ("northing_as_x", "586141", "1109720", "suspect_swapped"),
    ("degrees", "10.0340", "105.7876", "suspect_geographic"),
    ("dms", "10°02'02\"N", "105°47'15\"E", "suspect_geographic"),
    ("empty", "", "", "missing_coordinate"),
    ("text", "abc", "586141", "invalid_coordinate"),
    ("zero_zero", "0", "0", "invalid_coordinate"),
]


@pytest.mark.realdata
def test_classify_projected_metres_with_thousands_separators(tmp_path, data_dir, agreement_once):
    source = tmp_path / "survey.csv"
    _write_text(source, PROJECTED_CASES, "utf-8", ";", header=("y", "x"))
    out = tmp_path / "classified.csv"
    result = _classify(source, out, "--crs", "EPSG:3405", "--id-column", "Mã vụ")
    frame = _check_every_row(result, out, PROJECTED_CASES, ("x", "y"))
    ok = frame[frame["status"] == "ok"]
    assert set(ok["unit_code"]) == {"92"}
    # The separators were read as thousands: all ok rows are within 2 m of each other.
    points = [tuple(map(float, g[7:-1].split())) for g in ok["geometry"]]
    assert max(abs(p[0] - points[0][0]) + abs(p[1] - points[0][1]) for p in points) < 2e-5
