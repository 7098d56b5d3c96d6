import pytest
from click.testing import CliRunner

from geozone.cli import main


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
    assert result.exit_code == 0, result.output
    assert "82" in result.output and "91" in result.output


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
