"""The ``geozone`` command: thin wrappers over the library.

Each command parses its arguments, calls one library function and prints the result. A
:class:`~geozone.errors.GeozoneError` becomes a one-line message on stderr and the error's
exit code; tracebacks are for bugs only.
"""

from __future__ import annotations

import sys
import warnings

import click

from geozone.errors import GeozoneError, GeozoneWarning

_LEVELS = click.Choice(["province", "district", "commune"])


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except GeozoneError as exc:
            click.echo(f"geozone: error: {exc}", err=True)
            ctx.exit(exc.exit_code)


def _show_warning(message, category, filename, lineno, file=None, line=None):
    if issubclass(category, GeozoneWarning):
        click.echo(f"geozone: note: {message}", err=True)
    else:
        click.echo(warnings.formatwarning(message, category, filename, lineno, line), err=True)


def _table(frame, **kwargs) -> str:
    import pandas as pd

    with pd.option_context(
        "display.max_rows",
        None,
        "display.max_columns",
        None,
        "display.width",
        200,
        "display.max_colwidth",
        60,
    ):
        return frame.to_string(index=False, **kwargs)


@click.group(cls=_Group)
@click.version_option(package_name="geozone")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    envvar="GEOZONE_DATA_DIR",
    help="Data directory holding the boundary datasets [env: GEOZONE_DATA_DIR].",
)
@click.pass_context
def main(ctx, data_dir):
    """Border zones between Vietnamese administrative units: shared boundaries, strips,
    junctions, point classification and maps for coordination agreements."""
    warnings.showwarning = _show_warning
    ctx.obj = {"data_dir": data_dir}


# -- data ------------------------------------------------------------------------------
@main.group()
def data():
    """Boundary datasets: fetch them into the data directory and check them."""


@data.command("fetch")
@click.argument("ids", nargs=-1)
@click.option(
    "--mirror",
    help="Folder or http(s) URL holding the catalog's files "
    "[default: GEOZONE_MIRROR or the config file].",
)
@click.option("--force", is_flag=True, help="Copy again even when a verified copy is present.")
@click.pass_obj
def data_fetch(obj, ids, mirror, force):
    """Copy datasets from a mirror into the data directory, verifying sha256."""
    from geozone.datasets import fetch, resolve_data_dir

    def report(result):
        click.echo(f"{result.action:8} {result.dataset:32} {result.path}")

    fetch(ids or None, mirror=mirror, data_dir=obj["data_dir"], force=force, progress=report)
    click.echo(f"data directory: {resolve_data_dir(obj['data_dir'])}")


@data.command("list")
@click.option("--no-verify", is_flag=True, help="Skip the sha256 check.")
@click.pass_obj
def data_list(obj, no_verify):
    """Each dataset: present?, checksum ok?, licence."""
    from geozone.datasets import list_datasets, resolve_data_dir

    table = list_datasets(obj["data_dir"], verify=not no_verify)
    table["licence"] = table["licence"].str.slice(0, 48)
    click.echo(_table(table.drop(columns=["title"]).astype(object).fillna("-")))
    click.echo(f"data directory: {resolve_data_dir(obj['data_dir'])}")


# -- units -----------------------------------------------------------------------------
@main.group()
def units():
    """Look up administrative units."""


@units.command("find")
@click.argument("name")
@click.option("--vintage", type=click.Choice(["2008", "2025"]), default="2025", show_default=True)
@click.option("--level", type=_LEVELS)
@click.option("--within", help="Province code or name to narrow the search.")
@click.pass_obj
def units_find(obj, name, vintage, level, within):
    """Find a unit by name (with or without diacritics, with or without its type)."""
    from geozone.names import find_unit
    from geozone.units import unit_table

    table = unit_table(int(vintage), data_dir=obj["data_dir"])
    row = find_unit(table, name, within=within, level=level)
    click.echo(
        f"{row['code']}\t{row['full_name']}\t{row['level']}\t"
        f"province {row['province_code']}\tvintage {vintage}"
    )


# -- coverage --------------------------------------------------------------------------
@main.command("check")
@click.argument("dataset")
@click.option(
    "--near-m", type=float, default=None, help="Report pairs closer than this that do not touch."
)
@click.pass_obj
def check(obj, dataset, near_m):
    """Report a layer's defects: invalid geometries, overlaps, gaps, near misses.

    Exits 1 when it finds any, so that a script or CI job can stop on a defective layer.
    """
    from geozone.coverage import check_coverage
    from geozone.units import load_units

    layer = (
        load_units(dataset, data_dir=obj["data_dir"])
        if _is_dataset(dataset)
        else load_units(dataset)
    )
    kwargs = {} if near_m is None else {"near_m": near_m}
    report = check_coverage(layer, **kwargs)
    click.echo(report.to_text())
    if not report.ok:
        sys.exit(1)


def _is_dataset(name: str) -> bool:
    from geozone.datasets import catalog

    return name in catalog()


# -- agreements ------------------------------------------------------------------------
@main.group()
def agreements():
    """Coordination agreements in the catalog."""


@agreements.command("list")
def agreements_list():
    """The catalogued agreements."""
    from geozone.agreements import list_agreements

    click.echo(_table(list_agreements()))


@agreements.command("show")
@click.argument("agreement_id")
@click.option("--level", type=_LEVELS)
@click.option("--width", type=float, help="Strip width in metres [default: the agreement's].")
@click.pass_obj
def agreements_show(obj, agreement_id, level, width):
    """An agreement's members, pairs, shared lengths and strip areas."""
    from geozone.agreements import agreement

    a = agreement(agreement_id, level=level, data_dir=obj["data_dir"])
    click.echo(a.title)
    facts = [
        a.reference or "no reference",
        f"signed {a.signed}" if a.signed else "signing date unknown",
        f"vintage {a.vintage}",
        f"{a.level} level",
        f"strips {(width or a.width_m) / 1000:g} km",
    ]
    click.echo(" · ".join(facts))
    click.echo(
        "members: "
        + ", ".join(f"{n} ({c})" for c, n in zip(a.members.code, a.members.name, strict=True))
    )
    click.echo("\nmember pairs:")
    click.echo(_table(a.member_pairs.round({"shared_length_m": 0})))
    summary = a.summary(width)
    click.echo(f"\n{len(a)} {a.level} pairs share {a.total_shared_length_m / 1000:.1f} km:")
    click.echo(_table(summary.round(2)))
    if a.notes:
        click.echo("\nnotes: " + a.notes)


@agreements.command("transition")
@click.argument("agreement_id")
@click.option("--level", type=_LEVELS, help="Level of the 2008 borders [default: the first].")
@click.option(
    "--tolerance",
    type=float,
    help="Metres the 2008 and 2025 outlines may differ before it is reported [default: 1000].",
)
@click.pass_obj
def agreements_transition(obj, agreement_id, level, tolerance):
    """A 2008 agreement in the units of 2025-07-01: kept and internal borders, the equivalent
    agreement between the new provinces."""
    from geozone.agreements import agreement

    a = agreement(agreement_id, level=level, data_dir=obj["data_dir"])
    t = a.transition(**({} if tolerance is None else {"tolerance_m": tolerance}))
    status = t.boundaries["status"]
    click.echo(a.title)
    click.echo(
        f"{len(t.boundaries)} border(s) between members ({a.level} level, 2008 units): "
        f"{int((status == 'kept').sum())} kept between two 2025 provinces, "
        f"{int((status == 'internal').sum())} internal to one"
    )
    click.echo(_table(t.summary().round({"length_km": 1}).fillna("-")))
    far = t.disagreements[t.disagreements["disagrees"]]
    if len(far):
        click.echo(f"\n2008 and 2025 outlines differ by more than {t.tolerance_m:g} m:")
        for r in far.itertuples(index=False):
            click.echo(
                f"  {r.pair_id}: "
                + (
                    r.note
                    if r.note
                    else f"{r.far_m / 1000:.1f} of {r.length_m / 1000:.1f} km "
                    f"(at most {r.max_distance_m:,.0f} m)"
                )
            )
    new = t.agreement
    click.echo(f"\n2025 equivalent: {new.id} (vintage 2025, levels {', '.join(new.levels)})")
    click.echo(
        "members: "
        + ", ".join(f"{n} ({c})" for c, n in zip(new.members.code, new.members.name, strict=True))
    )
    pairs = t.new_pairs.assign(
        km=t.new_pairs["length_m"] / 1000,
        km_beyond_2008=t.new_pairs["beyond_old_m"] / 1000,
    )
    click.echo("pairs:")
    columns = ["new_pair_id", "name_a", "name_b", "contact", "km", "old_pairs", "km_beyond_2008"]
    click.echo(_table(pairs[columns].round(1)) if len(pairs) else "  none")


# -- classification --------------------------------------------------------------------
@main.command("classify")
@click.argument("input_path", type=click.Path(exists=True))
@click.option("--agreement", "agreement_id", required=True, help="Agreement id or .toml file.")
@click.option("--width", type=float, help="Strip width in metres [default: the agreement's].")
@click.option("--level", type=_LEVELS, help="Level to compute at [default: the agreement's].")
@click.option("--crs", help="CRS of the input coordinates (4326, 3405, 'vn2000:Cần Thơ').")
@click.option(
    "--fix-swapped", is_flag=True, help="Swap lat/lon pairs that only make sense swapped."
)
@click.option("--lat", help="Latitude column, when its name is not recognised.")
@click.option("--lon", help="Longitude column, when its name is not recognised.")
@click.option("--id-column", help="Incident id column; repeats get status duplicate_id.")
@click.option("--sheet", help="Excel sheet name or 0-based number [default: the first].")
@click.option("--encoding", help="Text encoding of a CSV/TXT [default: detected].")
@click.option("--chunksize", type=click.IntRange(min=1), default=250_000, show_default=True)
@click.option(
    "--engine",
    type=click.Choice(["stream", "dask"]),
    default="stream",
    show_default=True,
    help="stream: any points file, chunk by chunk in one process. dask: a GeoParquet file or "
    "folder of parts, partition by partition on a dask cluster.",
)
@click.option(
    "--scheduler",
    help="With --engine dask: address of a running dask scheduler (tcp://host:8786) "
    "[default: a local cluster of this machine's cores].",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(),
    help="Output: .csv, .xlsx, .geojson, .gpkg or .parquet; with --engine dask, a folder "
    "of GeoParquet parts.",
)
@click.pass_obj
def classify(
    obj,
    input_path,
    agreement_id,
    width,
    level,
    crs,
    fix_swapped,
    lat,
    lon,
    id_column,
    sheet,
    encoding,
    chunksize,
    engine,
    scheduler,
    output,
):
    """Classify incident or patrol points into units, border strips and junction zones."""
    from pathlib import Path

    from geozone.agreements import agreement
    from geozone.classify import classify_file
    from geozone.errors import InputError

    source, target = Path(input_path).resolve(), Path(output).resolve()
    if target == source:
        raise InputError(f"{output} is the input file; choose another output path")
    if source.is_dir() and source in target.parents:
        raise InputError(f"{output} is inside the input folder; choose another output path")
    a = agreement(agreement_id, level=level, data_dir=obj["data_dir"])
    if engine == "dask":
        text_options = {
            "--fix-swapped": fix_swapped,
            "--lat": lat,
            "--lon": lon,
            "--id-column": id_column,
            "--sheet": sheet,
            "--encoding": encoding,
        }
        given = [option for option, value in text_options.items() if value]
        if given:
            raise InputError(
                f"{', '.join(given)}: not with --engine dask, whose input is GeoParquet points"
            )
        from geozone.partitions import classify_parquet

        counts = classify_parquet(
            input_path, a, output, width_m=width, crs=crs, scheduler=scheduler
        )
        _print_counts(counts, output)
        return
    if scheduler:
        raise InputError("--scheduler needs --engine dask")
    if source.is_dir():
        raise InputError(f"{input_path} is a folder; the stream engine reads one file")
    counts = classify_file(
        input_path,
        a,
        output,
        width_m=width,
        chunksize=chunksize,
        progress=sys.stderr.isatty(),
        crs=crs,
        fix_swapped=fix_swapped,
        lat=lat,
        lon=lon,
        id_column=id_column,
        sheet=int(sheet) if sheet is not None and sheet.isdigit() else sheet,
        encoding=encoding,
    )
    _print_counts(counts, output)


def _print_counts(counts: dict, output) -> None:
    total = sum(counts.values())
    for status, n in counts.items():
        click.echo(f"{status:20} {n:>12,}  {n / max(total, 1):6.1%}")
    click.echo(f"{total:,} rows -> {output}")


# -- maps ------------------------------------------------------------------------------
@main.command("map")
@click.argument("agreement_id")
@click.option("--level", type=_LEVELS)
@click.option("--width", type=float, help="Strip width in metres [default: the agreement's].")
@click.option(
    "--incidents",
    type=click.Path(exists=True, dir_okay=False),
    help="Incident file to classify and draw.",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="out.png, .svg, .pdf (slide map) or .html (offline interactive map)",
)
@click.pass_obj
def map_(obj, agreement_id, level, width, incidents, output):
    """Draw an agreement: a slide map (png/svg/pdf) or an offline interactive map (html)."""
    from pathlib import Path

    from geozone import maps
    from geozone.agreements import agreement
    from geozone.errors import InputError

    suffix = Path(output).suffix.lower()
    if suffix not in (".html", ".png", ".svg", ".pdf"):
        raise InputError(f"{output}: use .png, .svg, .pdf or .html")
    a = agreement(agreement_id, level=level, data_dir=obj["data_dir"])
    if suffix == ".html":
        out = maps.save_html(maps.interactive(a, incidents, width_m=width), output)
    else:
        out = maps.save_figure(maps.static(a, incidents, width_m=width), output)
    click.echo(str(out))


@main.command("slides")
@click.argument("agreement_id")
@click.option("--level", type=_LEVELS)
@click.option("--width", type=float, help="Strip width in metres [default: the agreement's].")
@click.option("--incidents", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@click.pass_obj
def slides(obj, agreement_id, level, width, incidents, output):
    """A PowerPoint deck: title, map, pairs table, incident counts (needs geozone[slides])."""
    from geozone.agreements import agreement
    from geozone.maps import agreement_deck

    a = agreement(agreement_id, level=level, data_dir=obj["data_dir"])
    click.echo(str(agreement_deck(a, output, incidents=incidents, width_m=width)))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
