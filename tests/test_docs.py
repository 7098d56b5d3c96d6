"""The documentation site builds with ``mkdocs build --strict``: no broken links or anchors,
no docstring that mkdocstrings cannot render, every page in the nav."""

from __future__ import annotations

import functools
import importlib
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_docs_build_strict(tmp_path):
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for page in ("index.html", "how-to/classify/index.html", "api/classify/index.html"):
        assert (site / page).is_file(), page
    api = (site / "api" / "classify" / "index.html").read_text(encoding="utf-8")
    assert 'id="geozone.classify.classify_points"' in api
    # Sphinx roles in docstrings are rendered as links (docs/_ext/rst_compat.py), not as text.
    assert ":func:" not in api and "&lt;autoref" not in api


# --- Docstring coverage -------------------------------------------------------------------------
# Issue 8: every public callable documents its parameters and shows, in an Examples section that
# runs as a doctest (pytest --doctest-modules), how it is used.

PUBLIC_MODULES = (
    "geozone",
    "geozone.maps",
    "geozone.reform",
    "geozone.vnencoding",
    "geozone.crs",
    "geozone.names",
    "geozone.points",
    "geozone.datasets",
    "geozone.units",
    "geozone.coverage",
    "geozone.topology",
    "geozone.zones",
    "geozone.classify",
    "geozone.agreements",
    "geozone.partitions",
)

# Members that are read like attributes: they need a docstring, not Examples.
_ATTRIBUTES = (property, functools.cached_property)
_ACCESSORS = (*_ATTRIBUTES, classmethod, staticmethod)


def _section(doc: str, title: str) -> str | None:
    """The body of a NumPy-style section (title, dashes underline), or None if absent."""
    match = re.search(rf"^{title}\n-{{3,}}\n(.*?)(?=^\S[^\n]*\n-{{3,}}\n|\Z)", doc, re.M | re.S)
    return None if match is None else match.group(1)


def _named_parameters(obj) -> list[str]:
    target = obj.__func__ if isinstance(obj, classmethod | staticmethod) else obj
    try:
        signature = inspect.signature(target)
    except ValueError:  # classes whose constructor is a builtin's (exceptions): nothing to name
        return []
    skip = {"self", "cls"}
    return [
        name
        for name, p in signature.parameters.items()
        if name not in skip and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def _public_api() -> dict[str, object]:
    """Qualified name -> object, for every public function, class, method and property."""
    found: dict[str, object] = {}
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        names = getattr(module, "__all__", None)
        if names is None:
            names = [
                n
                for n, v in vars(module).items()
                if not n.startswith("_")
                and callable(v)
                and getattr(v, "__module__", None) == module_name
            ]
        for name in names:
            obj = getattr(module, name)
            if not callable(obj):
                continue  # constants are documented on the module pages
            qualified = f"{obj.__module__}.{obj.__qualname__}"
            found[qualified] = obj
            if inspect.isclass(obj):
                for member, value in vars(obj).items():
                    if member.startswith("_"):
                        continue
                    if isinstance(value, _ACCESSORS) or callable(value):
                        found[f"{qualified}.{member}"] = value
    return found


def _docstring_problems(obj) -> list[str]:
    target = obj.__func__ if isinstance(obj, classmethod | staticmethod) else obj
    doc = inspect.getdoc(target)
    if not doc:
        return ["no docstring"]
    if isinstance(target, _ATTRIBUTES):
        return []
    problems = []
    if _named_parameters(obj):
        titles = ("Parameters", "Attributes") if inspect.isclass(obj) else ("Parameters",)
        if not any(_section(doc, title) is not None for title in titles):
            problems.append(f"no {' or '.join(titles)} section")
    examples = _section(doc, "Examples")
    if examples is None:
        problems.append("no Examples section")
    elif not re.search(r"^\s*>>> ", examples, re.M):
        problems.append("Examples has no >>> line")
    return problems


def test_public_api_is_enumerated():
    api = _public_api()
    # The enumeration itself must reach functions, classes, methods and properties.
    assert "geozone.names.find_unit" in api
    assert "geozone.agreements.Agreement.strips" in api
    assert isinstance(api["geozone.reform.Transition.new_pairs"], property)
    assert isinstance(api["geozone.agreements.Agreement.units"], functools.cached_property)
    assert isinstance(api["geozone.agreements.Agreement.from_file"], classmethod)
    assert "geozone.maps.static.static_transition" in api


def test_docstring_section_checks_catch_missing_parts():
    def undocumented(a):
        pass

    def no_examples(a):
        """Do it.

        Parameters
        ----------
        a : int
        """

    def no_parameters(a):
        """Do it.

        Examples
        --------
        >>> no_parameters(1)
        """

    def prose_examples():
        """Do it.

        Examples
        --------
        Call it.

        Notes
        -----
        >>> prose_examples()
        """

    assert _docstring_problems(undocumented) == ["no docstring"]
    assert _docstring_problems(no_examples) == ["no Examples section"]
    assert _docstring_problems(no_parameters) == ["no Parameters section"]
    assert _docstring_problems(prose_examples) == ["Examples has no >>> line"]
    assert _docstring_problems(property(lambda self: 1)) == ["no docstring"]
    assert _docstring_problems(property(lambda self: 1, doc="One.")) == []
    assert _docstring_problems(functools.cached_property(lambda self: 1)) == ["no docstring"]


def test_every_public_callable_has_parameters_and_examples():
    offenders = {
        name: problems
        for name, obj in sorted(_public_api().items())
        if (problems := _docstring_problems(obj))
    }
    listing = "\n".join(f"{name}: {', '.join(p)}" for name, p in offenders.items())
    assert not offenders, f"{len(offenders)} public callables lack docstring parts:\n{listing}"
