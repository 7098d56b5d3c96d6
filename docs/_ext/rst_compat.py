"""Griffe extension for the docs site: render geozone's Sphinx-flavoured docstrings as Markdown.

geozone's docstrings are numpy-style with a few reStructuredText habits that mkdocstrings
would otherwise print literally:

* roles (:func:`x`, :class:`~a.B`, :data:`X`, :meth:`f`, :mod:`m`, :attr:`a`) become links to
  the documented object (an *optional* autoref, so an object the site does not document —
  a private helper, folium, shapely — renders as plain code instead of breaking
  ``mkdocs build --strict``);
* simple tables (``=====  =====`` borders) become Markdown tables (with a header row) or a
  list (two columns, no header row);
* a module constant documented by ``#:`` comment lines above it (Sphinx autodoc's habit)
  gets those lines as its docstring.

The docstrings themselves are not changed; this runs when mkdocstrings loads the package.
Loaded from ``mkdocs.yml`` (``plugins: mkdocstrings: handlers: python: options: extensions``).
"""

from __future__ import annotations

import html
import re

import griffe

_ROLE = re.compile(
    r":(?:py:)?(?P<kind>func|class|meth|mod|data|attr|exc|obj|const):`(?P<target>[^`]+)`"
)
_PARAM_LINE = re.compile(r"^\s*\*{0,2}[A-Za-z_][\w, *]* : ")
_BORDER = re.compile(r"^(?P<indent>[ \t]*)=+(?:[ \t]+=+)+[ \t]*$")


class RstCompat(griffe.Extension):
    """Rewrite roles and simple tables in every docstring of the loaded package."""

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs) -> None:
        collection = loader.modules_collection
        for obj in _walk(pkg):
            if obj.docstring is None and obj.is_attribute:
                _comment_docstring(obj)
            if obj.docstring is None:
                continue
            text = _roles(_tables(obj.docstring.value), obj, collection)
            if text != obj.docstring.value:
                obj.docstring.value = text
                obj.docstring.__dict__.pop("parsed", None)


def _roles(text: str, obj, collection) -> str:
    def link(match: re.Match) -> str:
        return _link(match, obj, collection)

    # In a numpy "name : type, default X" line the type and the default are shown as code,
    # so a role there becomes its bare name, not a link.
    return "\n".join(
        _ROLE.sub(_bare if _PARAM_LINE.match(line) else link, line) for line in text.split("\n")
    )


def _comment_docstring(attr) -> None:
    """Turn the ``#:`` lines right above an attribute into its docstring."""
    try:
        lines = attr.lines_collection[attr.filepath]
    except (AttributeError, KeyError, OSError, griffe.BuiltinModuleError):
        return
    if not attr.lineno or attr.lineno > len(lines):
        return
    found = []
    index = attr.lineno - 2  # the line above the assignment, 0-based
    while index >= 0 and lines[index].strip().startswith("#:"):
        found.append(lines[index].strip()[2:].strip())
        index -= 1
    if found:
        attr.docstring = griffe.Docstring(
            "\n".join(reversed(found)), lineno=index + 2, endlineno=attr.lineno - 1, parent=attr
        )


def _walk(obj):
    seen = set()
    stack = [obj]
    while stack:
        current = stack.pop()
        if current.is_alias or current.path in seen:
            continue
        seen.add(current.path)
        yield current
        stack.extend(m for m in current.members.values() if not m.is_alias)


def _lookup(collection, path: str):
    try:
        found = collection[path]
    except (KeyError, ValueError, griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None
    try:
        return found.final_target if found.is_alias else found
    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None


def _resolve(name: str, obj, collection) -> str | None:
    """Canonical path of ``name`` as seen from ``obj``, or None when not in this package."""
    if "." in name:
        found = _lookup(collection, name)
        if found is not None:
            return found.path
    scope = obj
    while scope is not None:
        try:
            path = scope.resolve(name)
        except (griffe.NameResolutionError, AttributeError, KeyError):
            path = None
        if path:
            found = _lookup(collection, path)
            if found is not None:
                return found.path
        head, _, rest = name.partition(".")
        if rest and head in scope.members:
            found = _lookup(collection, f"{scope.path}.{name}")
            if found is not None:
                return found.path
        scope = scope.parent
    root = obj.package.path
    found = _lookup(collection, f"{root}.{name}")
    return None if found is None else found.path


def _bare(match: re.Match) -> str:
    target = match["target"].strip()
    name = target.lstrip("~").strip(".")
    return name.rsplit(".", 1)[-1] if target.startswith("~") else name


def _link(match: re.Match, obj, collection) -> str:
    target = match["target"].strip()
    short = target.startswith("~")
    name = target.lstrip("~").strip(".")
    shown = name.rsplit(".", 1)[-1] if short else name
    if match["kind"] in ("func", "meth"):
        shown += "()"
    code = f"<code>{html.escape(shown)}</code>"
    path = _resolve(name, obj, collection)
    if path is None:
        return code
    if match["kind"] in ("func", "meth", "class", "exc", "data", "attr"):
        # geozone.maps.interactive is both a module and the function it defines (re-exported
        # by the package); the role says which one is meant.
        found = _lookup(collection, path)
        leaf = name.rsplit(".", 1)[-1]
        if found is not None and found.is_module and leaf in found.members:
            inner = _lookup(collection, f"{path}.{leaf}")
            if inner is not None:
                path = inner.path
    return f'<autoref identifier="{html.escape(path)}" optional>{code}</autoref>'


# -- simple tables ---------------------------------------------------------------------------
def _columns(border: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"=+", border)]


def _cells(line: str, spans: list[tuple[int, int]]) -> list[str]:
    cells = []
    for i, (start, _end) in enumerate(spans):
        stop = spans[i + 1][0] if i + 1 < len(spans) else len(line)
        cells.append(line[start:stop].strip())
    return cells


def _rows(lines: list[str], spans) -> list[list[str]]:
    rows: list[list[str]] = []
    for line in lines:
        if not line.strip():
            continue
        cells = _cells(line, spans)
        if rows and not cells[0]:  # continuation of the previous row
            rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells, strict=True)]
        else:
            rows.append(cells)
    return rows


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def _tables(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        match = _BORDER.match(lines[i])
        if not match:
            out.append(lines[i])
            i += 1
            continue
        borders = [i]
        j = i + 1
        while j < len(lines) and lines[j].strip() and len(borders) < 3:
            if _BORDER.match(lines[j]) and lines[j].strip() == lines[i].strip():
                borders.append(j)
            j += 1
        if len(borders) < 2:
            out.append(lines[i])
            i += 1
            continue
        indent = match["indent"]
        spans = _columns(lines[i])
        if len(borders) == 3:  # header, body
            header = _rows(lines[borders[0] + 1 : borders[1]], spans)
            body = _rows(lines[borders[1] + 1 : borders[2]], spans)
            head = [" ".join(col).strip() for col in zip(*header, strict=True)]
            table = [
                indent + "| " + " | ".join(map(_md_cell, head)) + " |",
                indent + "|" + "|".join("---" for _ in head) + "|",
                *(indent + "| " + " | ".join(map(_md_cell, r)) + " |" for r in body),
            ]
            end = borders[2]
        else:  # no header row: a list of "first — rest"
            body = _rows(lines[borders[0] + 1 : borders[1]], spans)
            table = [indent + f"- {r[0]} — " + " ".join(r[1:]) for r in body]
            end = borders[1]
        if out and out[-1].strip():
            out.append("")
        out.extend(table)
        out.append("")
        i = end + 1
    return "\n".join(out)
