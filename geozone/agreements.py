"""Coordination agreements as data: the files in ``boundaries/agreements/`` and the
:class:`Agreement` object that computes an agreement's pairs, shared boundaries, strips and
junctions.

An agreement has *members* (GSO codes at its ``member_level``, e.g. provinces) and may apply at
several *levels*. At the member level its units are the members themselves; at a lower level
they are the members' sub-units (the districts or communes of the member provinces), and a
pair of units is in the agreement when the two units belong to different members. Pairs of
members that do not touch are kept and listed as such, never dropped.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import os
import tomllib
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geozone import datasets
from geozone.errors import AgreementError, InputError
from geozone.units import LEVELS, load_units

__all__ = ["DEFAULT_WIDTH_M", "Agreement", "agreement", "list_agreements"]

#: Strip width used when neither the agreement file nor the caller gives one. The agreements'
#: texts name no distance; 5 km covers the hamlets on both sides of a typical border road.
DEFAULT_WIDTH_M = 5000.0
_LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}


def _agreements_dir() -> Path:
    return datasets.catalog_dir() / "agreements"


@dataclass(frozen=True)
class Agreement:
    """A coordination agreement between administrative units, at one level.

    Build one with :func:`agreement` (catalogued files), :meth:`from_file` or
    :meth:`from_units` (any layer). Computed results are cached on the object.

    Attributes
    ----------
    id, title, reference : str
    signed : datetime.date or None
    vintage : int
        2008 or 2025: which administrative structure the members belong to.
    level : str
        The level the zones are computed at.
    levels : tuple of str
        All levels the agreement applies at.
    member_level : str
    members : DataFrame
        ``code`` and ``name`` of each member.
    width_m : float
        Default strip width.
    scope : "all" or tuple of (code, code)
        The member pairs the agreement covers: every pair that touches, or only these.

    Examples
    --------
    >>> a = agreement("song-cau-quy-nhon-2017")
    >>> a
    <Agreement song-cau-quy-nhon-2017 (district level, vintage 2008): 2 members>
    >>> a.members.code.tolist(), a.width_m
    (['557', '540'], 5000.0)
    >>> a.pairs[["code_a", "code_b", "contact"]].values.tolist()
    [['540', '557', 'edge']]
    """

    id: str
    title: str
    vintage: int | None
    level: str
    members: pd.DataFrame
    member_level: str
    levels: tuple[str, ...] = ()
    reference: str = ""
    short_title: str = ""
    signed: dt.date | None = None
    reviewed: tuple = ()
    width_m: float = DEFAULT_WIDTH_M
    scope: str | tuple = "all"
    source: tuple[str, ...] = ()
    notes: str = ""
    datasets: dict = field(default_factory=dict)
    tolerance_m: float | None = None
    data_dir: str | None = None
    layer: gpd.GeoDataFrame | None = field(default=None, repr=False, compare=False)

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_file(cls, path, *, level: str | None = None, data_dir=None) -> Agreement:
        """Read an agreement file (TOML, see ``boundaries/agreements/README.md``).

        Parameters
        ----------
        path : str or path
            The ``.toml`` file.
        level : str, optional
            The level to compute at; by default the first of the file's ``levels`` that has
            a dataset.
        data_dir : path, optional
            The data directory holding the boundary datasets.

        Returns
        -------
        Agreement

        Raises
        ------
        AgreementError
            If the file is not valid TOML, lacks ``id``, ``title``, ``members`` or
            ``member_level``, repeats a member, or names an unknown level.

        Examples
        --------
        >>> from geozone.datasets import catalog_dir
        >>> a = Agreement.from_file(catalog_dir() / "agreements" / "qc-303-2020.toml")
        >>> a.reference, a.signed.isoformat(), len(a.members)
        ('303/QCPH', '2020-10-29', 7)
        """
        path = Path(path)
        try:
            with open(path, "rb") as fh:
                spec = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise AgreementError(f"agreement file {path}: not valid TOML: {exc}") from exc
        return cls._from_spec(spec, origin=str(path), level=level, data_dir=data_dir)

    @classmethod
    def _from_spec(cls, spec: dict, *, origin: str, level=None, data_dir=None) -> Agreement:
        missing = [key for key in ("id", "title", "members", "member_level") if key not in spec]
        if missing:
            raise AgreementError(f"agreement {origin}: missing {', '.join(missing)}")
        members = pd.DataFrame(spec["members"])
        if "code" not in members:
            raise AgreementError(f"agreement {origin}: every member needs a code")
        members["code"] = members["code"].astype(str)
        if "name" not in members:
            members["name"] = None
        dups = members.loc[members.code.duplicated(), "code"].tolist()
        if dups:
            raise AgreementError(f"agreement {origin}: member codes repeated: {dups}")
        member_level = spec["member_level"]
        levels = tuple(spec.get("levels", [member_level]))
        for lv in (member_level, *levels):
            if lv not in _LEVEL_RANK:
                raise AgreementError(f"agreement {origin}: unknown level {lv!r}")
        sets = dict(spec.get("datasets", {}))
        chosen = level or next((lv for lv in levels if lv in sets), None)
        if chosen is None:
            raise AgreementError(f"agreement {origin}: no level has a dataset")
        width = float(spec.get("width_m", DEFAULT_WIDTH_M))
        _check_width(width, origin)
        scope = spec.get("scope", "all")
        if scope != "all":
            scope = tuple(tuple(sorted(map(str, pair))) for pair in scope)
            unknown = {c for pair in scope for c in pair} - set(members.code)
            if unknown:
                raise AgreementError(f"agreement {origin}: scope names non-members {unknown}")
        agreement_ = cls(
            id=spec["id"],
            title=spec["title"],
            short_title=spec.get("short_title", ""),
            reference=spec.get("reference", ""),
            signed=spec.get("signed"),
            reviewed=tuple(spec.get("reviewed", ())),
            vintage=spec.get("vintage"),
            level=chosen,
            levels=levels,
            member_level=member_level,
            members=members[["code", "name"]],
            width_m=width,
            scope=scope,
            source=tuple(spec.get("source", ())),
            notes=spec.get("notes", ""),
            datasets=sets,
            tolerance_m=spec.get("tolerance_m"),
            data_dir=None if data_dir is None else os.fspath(data_dir),
        )
        return agreement_.at_level(chosen)

    @classmethod
    def from_units(
        cls,
        units: gpd.GeoDataFrame,
        members=None,
        *,
        id: str = "custom",
        title: str = "",
        width_m: float = DEFAULT_WIDTH_M,
        scope="all",
        tolerance_m: float | None = None,
    ) -> Agreement:
        """An agreement over a layer you already have (any level, any vintage).

        Parameters
        ----------
        units : GeoDataFrame
            Units in geozone's schema (see :func:`geozone.load_units`).
        members : list of str, optional
            Member codes; all units by default.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely.geometry import box
        >>> units = gpd.GeoDataFrame({"code": ["01", "02"], "name": ["A", "B"],
        ...     "level": "province"}, geometry=[box(0, 0, 10_000, 10_000),
        ...     box(10_000, 0, 20_000, 10_000)], crs=32648)
        >>> a = Agreement.from_units(units, title="A–B", width_m=1000)
        >>> a.pairs[["code_a", "code_b", "contact"]].values.tolist()
        [['01', '02', 'edge']]
        """
        _check_width(float(width_m), id)
        codes = units["code"].astype(str)
        member_codes = list(codes if members is None else map(str, members))
        unknown = sorted(set(member_codes) - set(codes))
        if unknown:
            raise AgreementError(f"agreement {id!r}: member codes not in the layer: {unknown}")
        names = dict(zip(codes, units.get("name", codes), strict=True))
        level = str(units["level"].iloc[0]) if "level" in units and len(units) else "province"
        vintage = None
        if "vintage" in units and units["vintage"].notna().any():
            vintages = sorted(set(units["vintage"].dropna().astype(int)))
            if len(vintages) > 1:
                raise AgreementError(f"agreement {id!r}: units mix vintages {vintages}")
            vintage = vintages[0]
        layer = units[codes.isin(member_codes)].reset_index(drop=True)
        if scope != "all":
            scope = tuple(tuple(sorted(map(str, pair))) for pair in scope)
        return cls(
            id=id,
            title=title or id,
            vintage=vintage,
            level=level,
            levels=(level,),
            member_level=level,
            members=pd.DataFrame({"code": member_codes, "name": [names[c] for c in member_codes]}),
            width_m=float(width_m),
            scope=scope,
            tolerance_m=tolerance_m,
            layer=layer,
        )

    def at_level(self, level: str) -> Agreement:
        """The same agreement computed at another of its levels.

        Parameters
        ----------
        level : {"province", "district", "commune"}
            One of the agreement's ``levels`` with a dataset, not above its members' level.

        Returns
        -------
        Agreement
            A copy whose units, pairs, strips and junctions are computed at ``level``; the
            members stay the same.

        Raises
        ------
        AgreementError
            If the agreement does not apply at ``level``, no polygons of that level exist
            for its vintage, or ``level`` is above the members' level.

        Examples
        --------
        >>> agreement("qc-303-2020").at_level("district").level
        'district'
        >>> agreement("song-cau-quy-nhon-2017").at_level("commune")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        geozone.errors.AgreementError: agreement 'song-cau-quy-nhon-2017' applies at district, ...
        """
        if level not in _LEVEL_RANK:
            raise InputError(f"level={level!r}; use one of {', '.join(LEVELS)}")
        if self.layer is not None and level == self.level:
            return self
        if level not in self.levels:
            raise AgreementError(
                f"agreement {self.id!r} applies at {', '.join(self.levels)}, not {level!r}"
            )
        if level not in self.datasets:
            raise AgreementError(
                f"agreement {self.id!r} applies at {level} level, but no {self.vintage} "
                f"{level} polygons are available ({self.notes.split('.')[0]}); computable "
                f"levels: {', '.join(self.datasets)}"
            )
        if _LEVEL_RANK[level] < _LEVEL_RANK[self.member_level]:
            raise AgreementError(
                f"agreement {self.id!r}: members are {self.member_level}s; a {level}-level "
                "view would merge them"
            )
        return replace(self, level=level, layer=None)

    # -- units and pairs --------------------------------------------------------------
    @cached_property
    def units(self) -> gpd.GeoDataFrame:
        """The units the zones are computed on, with a ``member`` column (the member code
        each unit belongs to)."""
        if self.layer is not None:
            frame = self.layer.copy()
            frame["member"] = frame["code"].astype(str)
            return frame
        layer = load_units(self.datasets[self.level], data_dir=self.data_dir)
        codes = set(self.members.code)
        if self.level == self.member_level:
            member = layer["code"]
        elif self.member_level == "province":
            member = layer["province_code"]
        elif self.member_level == "district":
            member = layer["parent_code"]
        else:
            raise AgreementError(
                f"agreement {self.id!r}: cannot place {self.level}s in {self.member_level} members"
            )
        frame = layer[member.isin(codes)].copy()
        frame["member"] = member[member.isin(codes)]
        missing = sorted(codes - set(frame["member"]))
        if missing:
            raise AgreementError(
                f"agreement {self.id!r}: member codes {missing} are not in dataset "
                f"{self.datasets[self.level]!r} (vintage {self.vintage}); check the codes "
                "and the agreement's vintage"
            )
        return frame.reset_index(drop=True)

    @cached_property
    def adjacency(self) -> pd.DataFrame:
        """Every pair of units of different members, with its contact (see
        :func:`geozone.adjacency`), restricted to the agreement's scope."""
        from geozone.topology import adjacency

        units = self.units
        table = adjacency(units, **self._tolerance())
        member = dict(zip(units["code"], units["member"], strict=True))
        table = table.assign(member_a=table.code_a.map(member), member_b=table.code_b.map(member))
        table = table[table.member_a != table.member_b]
        if self.scope != "all":
            wanted = set(self.scope)
            keys = [tuple(sorted(p)) for p in zip(table.member_a, table.member_b, strict=True)]
            # A boolean array, not a list: an empty list would select no columns.
            table = table[np.array([k in wanted for k in keys], dtype=bool)]
        return table.reset_index(drop=True)

    @property
    def pairs(self) -> pd.DataFrame:
        """Unit pairs in scope that share a boundary line (contact ``edge``)."""
        table = self.adjacency
        return table[table.contact == "edge"].reset_index(drop=True)

    @cached_property
    def member_pairs(self) -> pd.DataFrame:
        """Every pair of members in scope with how they touch: ``edge`` with the shared
        length, ``point``, ``near``, or ``none`` — pairs that do not touch are listed too."""
        table = self.adjacency
        names = dict(zip(self.members.code, self.members.name, strict=True))
        if self.scope == "all":
            candidates = [tuple(sorted(p)) for p in itertools.combinations(self.members.code, 2)]
        else:
            candidates = list(self.scope)
        rank = {"edge": 0, "point": 1, "near": 2}
        rows = []
        for a, b in sorted(candidates):
            rel = table[
                ((table.member_a == a) & (table.member_b == b))
                | ((table.member_a == b) & (table.member_b == a))
            ]
            contact = min(rel.contact, key=rank.__getitem__) if len(rel) else "none"
            rows.append(
                {
                    "member_a": a,
                    "member_b": b,
                    "name_a": names.get(a),
                    "name_b": names.get(b),
                    "contact": contact,
                    "shared_length_m": float(
                        rel.loc[rel.contact == "edge", "shared_length_m"].sum()
                    ),
                    "unit_pairs": int((rel.contact == "edge").sum()),
                }
            )
        return pd.DataFrame(rows)

    def _tolerance(self) -> dict:
        return {} if self.tolerance_m is None else {"tolerance_m": self.tolerance_m}

    def _pair_list(self) -> list[tuple[str, str]]:
        return list(zip(self.pairs.code_a, self.pairs.code_b, strict=True))

    @cached_property
    def shared_boundaries(self) -> gpd.GeoDataFrame:
        """The shared boundary lines of the agreement's pairs (EPSG:4326)."""
        from geozone.topology import shared_boundaries

        lines = shared_boundaries(self.units, **self._tolerance())
        keep = set(self._pair_list())
        mask = np.array(
            [(a, b) in keep for a, b in zip(lines.code_a, lines.code_b, strict=True)], dtype=bool
        )
        # A boolean array, not a list: an empty list would select no columns.
        return lines[mask].reset_index(drop=True)

    def strips(self, width_m: float | None = None, widths=None) -> gpd.GeoDataFrame:
        """Border strips of every pair, each side tagged with its owner.

        Parameters
        ----------
        width_m : float, optional
            Width on each side in metres; the agreement's ``width_m`` by default.
        widths : dict, optional
            Per-pair or per-side widths, as :func:`geozone.border_strips` takes them.

        Examples
        --------
        >>> a = agreement("csh-tay-nam-2025")
        >>> sorted(a.strips(2000).pair_id.unique())
        ['82-91', '82-92', '91-92', '91-96', '92-96']
        """
        width = self.width_m if width_m is None else float(width_m)
        _check_width(width, self.id)
        key = (width, None if widths is None else tuple(sorted(widths.items())))
        cache = self.__dict__.setdefault("_strips_cache", {})
        if key not in cache:
            from geozone.zones import border_strips

            pairs = self._pair_list()
            cache[key] = border_strips(
                self.units, width, pairs=pairs, widths=widths, **self._tolerance()
            )
        return cache[key]

    def junctions(self, radius_m: float | None = None) -> gpd.GeoDataFrame:
        """Junction zones where three or more units meet and at least two members are
        involved, with a radius of ``radius_m`` (the strip width by default).

        Parameters
        ----------
        radius_m : float, optional
            Radius of each zone in metres; the agreement's ``width_m`` by default.

        Returns
        -------
        GeoDataFrame
            The rows of :func:`geozone.junction_zones` (``junction_id``, ``codes``,
            ``names``, ``n_units``, ``radius_m``, ``area_m2``, ``point``) whose units belong
            to two or more members, with ``members`` (their codes, ``"|"``-joined).

        Examples
        --------
        Three 10 km squares meeting at one point:

        >>> import geopandas as gpd
        >>> from shapely.geometry import box
        >>> units = gpd.GeoDataFrame({"code": ["A", "B", "C"], "level": "commune"},
        ...     geometry=[box(0, 0, 10_000, 10_000), box(10_000, 0, 20_000, 10_000),
        ...               box(0, 10_000, 20_000, 20_000)], crs=32648)
        >>> zones = Agreement.from_units(units, width_m=1000).junctions()
        >>> zones[["junction_id", "members"]].values.tolist()
        [['A-B-C', 'A|B|C']]
        >>> round(float(zones.area_m2.iloc[0]) / 1e6, 2)  # a disc of radius 1 km
        3.14
        """
        radius = self.width_m if radius_m is None else float(radius_m)
        _check_width(radius, self.id)
        cache = self.__dict__.setdefault("_junction_cache", {})
        if radius not in cache:
            from geozone.zones import junction_zones

            zones = junction_zones(self.units, radius, **self._tolerance())
            member = dict(zip(self.units["code"], self.units["member"], strict=True))
            members_of = zones["codes"].map(
                lambda codes: sorted({member[c] for c in _codes_of(codes)})
            )
            zones = zones.assign(members=members_of.map("|".join))
            cache[radius] = zones[members_of.map(len) >= 2].reset_index(drop=True)
        return cache[radius]

    def explore(self, incidents=None, patrols=None, width_m=None, **kwargs):
        """An interactive map of the agreement (see :func:`geozone.maps.interactive`).

        Parameters
        ----------
        incidents : GeoDataFrame or path, optional
            Points to classify and show (or already classified ones).
        patrols : GeoDataFrame, optional
            Patrol points; needs ``patrol_radius_m=``.
        width_m : float, optional
            Strip width on each side (the agreement's by default).
        **kwargs
            Further options of :func:`geozone.maps.interactive` (``lang``, ``heatmap``,
            ``tiles``, ``patrol_radius_m`` …).

        Returns
        -------
        GeozoneMap
            A folium map; in Jupyter it shows inline, ``.save(path)`` writes one offline
            HTML file.

        Examples
        --------
        >>> m = agreement("song-cau-quy-nhon-2017").explore()
        >>> type(m).__name__
        'GeozoneMap'
        """
        from geozone.maps import interactive

        return interactive(self, incidents=incidents, patrols=patrols, width_m=width_m, **kwargs)

    def transition(self, **kwargs):
        """This 2008 agreement carried over to the units of 2025-07-01: which borders are
        still inter-provincial, which became internal, and the equivalent 2025 agreement
        (see :func:`geozone.reform.transition`, which takes the same keywords).

        Examples
        --------
        >>> t = agreement("qc-303-2020").transition()
        >>> t.agreement.id, t.agreement.pairs[["code_a", "code_b"]].values.tolist()
        ('qc-303-2020-2025', [['75', '79'], ['79', '80'], ['79', '82'], ['80', '82']])
        """
        from geozone.reform import transition

        return transition(self, **kwargs)

    # -- summaries ------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.pairs)

    @property
    def total_shared_length_m(self) -> float:
        """Length in metres of all boundary lines shared by the agreement's unit pairs."""
        return float(self.pairs.shared_length_m.sum())

    def summary(self, width_m: float | None = None) -> pd.DataFrame:
        """One row per pair: names, shared length (km) and strip area per side (km²).

        Parameters
        ----------
        width_m : float, optional
            Strip width on each side in metres; the agreement's ``width_m`` by default.

        Returns
        -------
        DataFrame
            ``pair_id``, ``code_a``, ``name_a``, ``code_b``, ``name_b``, ``shared_km``,
            ``strip_km2_a``, ``strip_km2_b`` (each side's strip) and ``strip_km2`` (both).

        Examples
        --------
        >>> table = agreement("song-cau-quy-nhon-2017").summary()
        >>> table[["pair_id", "shared_km"]].round(1).values.tolist()
        [['540-557', 25.3]]
        """
        strips = self.strips(width_m)
        pairs = self.pairs
        rows = []
        for rec in pairs.itertuples(index=False):
            pair_id = f"{rec.code_a}-{rec.code_b}"
            sides = strips[strips.pair_id == pair_id].set_index("code")["area_m2"]
            rows.append(
                {
                    "pair_id": pair_id,
                    "code_a": rec.code_a,
                    "name_a": rec.name_a,
                    "code_b": rec.code_b,
                    "name_b": rec.name_b,
                    "shared_km": rec.shared_length_m / 1000.0,
                    "strip_km2_a": float(sides.get(rec.code_a, 0.0)) / 1e6,
                    "strip_km2_b": float(sides.get(rec.code_b, 0.0)) / 1e6,
                }
            )
        table = pd.DataFrame(
            rows,
            columns=[
                "pair_id",
                "code_a",
                "name_a",
                "code_b",
                "name_b",
                "shared_km",
                "strip_km2_a",
                "strip_km2_b",
            ],
        )
        table["strip_km2"] = table.strip_km2_a + table.strip_km2_b
        return table

    def __repr__(self) -> str:
        return (
            f"<Agreement {self.id} ({self.level} level, vintage {self.vintage}): "
            f"{len(self.members)} members>"
        )

    def _repr_html_(self) -> str:
        esc = html.escape
        head = (
            f"<b>{esc(self.title)}</b><br>"
            f"<small>{esc(self.id)} · {esc(self.reference or 'no reference')} · "
            f"{'signed ' + self.signed.isoformat() if self.signed else 'signing date unknown'}"
            f" · vintage {esc(str(self.vintage))} · {esc(self.level)} level · "
            f"strips {self.width_m / 1000:g} km</small>"
        )
        members = ", ".join(
            f"{esc(str(n))} ({esc(c)})"
            for c, n in zip(self.members.code, self.members.name, strict=True)
        )
        table = self.member_pairs
        rows = "".join(
            f"<tr><td>{esc(str(r.name_a))} – {esc(str(r.name_b))}</td><td>{esc(r.contact)}</td>"
            f"<td style='text-align:right'>{r.shared_length_m / 1000:.1f}</td>"
            f"<td style='text-align:right'>{r.unit_pairs}</td></tr>"
            for r in table.itertuples()
        )
        return (
            f"<div>{head}<br><small>Members: {members}</small>"
            "<table><thead><tr><th>members</th><th>contact</th><th>shared km</th>"
            f"<th>{esc(self.level)} pairs</th></tr></thead><tbody>{rows}</tbody></table>"
            "</div>"
        )


def _codes_of(value) -> list[str]:
    if isinstance(value, str):
        return value.split("|")
    return list(value)


def _check_width(width: float, label) -> None:
    if not width > 0:
        raise InputError(
            f"agreement {label!r}: width must be a positive number of metres, got {width!r}"
        )


def agreement(agreement_id: str, *, level: str | None = None, data_dir=None) -> Agreement:
    """Load a catalogued agreement by id, or an agreement file by path.

    Parameters
    ----------
    agreement_id : str
        An id from :func:`list_agreements` (``"qc-303-2020"``, ``"csh-tay-nam-2025"``…) or a
        path to a ``.toml`` agreement file.
    level : str, optional
        The level to compute at (the first computable level by default).
    data_dir : path, optional
        The data directory holding the boundary datasets.

    Examples
    --------
    >>> a = agreement("csh-tay-nam-2025")
    >>> a.members.code.tolist(), a.level
    (['91', '82', '96', '92'], 'province')
    """
    path = Path(agreement_id)
    if path.suffix == ".toml" and path.is_file():
        return Agreement.from_file(path, level=level, data_dir=data_dir)
    candidate = _agreements_dir() / f"{agreement_id}.toml"
    if not candidate.is_file():
        known = ", ".join(list_agreements().id)
        raise AgreementError(f"unknown agreement {agreement_id!r}; known: {known}")
    return Agreement.from_file(candidate, level=level, data_dir=data_dir)


def list_agreements() -> pd.DataFrame:
    """The catalogued agreements: id, title, reference, signed, vintage, levels, members.

    Examples
    --------
    >>> sorted(list_agreements().id)[:2]
    ['can-tho-giap-ranh-2024', 'csh-tay-nam-2025']
    """
    rows = []
    for path in sorted(_agreements_dir().glob("*.toml")):
        spec = Agreement.from_file(path)
        rows.append(
            {
                "id": spec.id,
                "title": spec.short_title or spec.title,
                "reference": spec.reference,
                "signed": spec.signed.isoformat() if spec.signed else "",
                "vintage": spec.vintage,
                "levels": ", ".join(spec.levels),
                "members": len(spec.members),
            }
        )
    return pd.DataFrame(rows)
