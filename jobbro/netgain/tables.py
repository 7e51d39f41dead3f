"""The net-gain rule tables: dated, versioned data files with a public source for every figure.

One TOML file per version in ``jobbro/netgain/rules/`` (file name = the version, e.g. ``2026-01-01.toml``). A
version is in force from its ``valid_from`` until the next version's ``valid_from`` (or its own ``valid_until``).
Loading validates every file and the set as a whole; a malformed table is refused with a message that names the
file and the key. The calculator (``jobbro.netgain.calculator``) reads figures only through this module.

Check the shipped tables (or a directory with a new one) from the command line::

    .venv/bin/python -m jobbro.netgain.tables [DIRECTORY]

File layout (see docs/netgain.md, "The rule tables and their sources"):

- ``version``, ``valid_from`` (a TOML date), optional ``valid_until``, ``title``;
- ``[sources.<id>]`` with ``title`` and ``url`` (http/https) for every public source used;
- ``[tax]``: figures for AM-bidrag, personfradrag, bundskat, average kommuneskat, beskæftigelsesfradrag
  (+ the single-provider supplement) and jobfradrag;
- optional ``[housing]``: the boligsikring figures (percentages of rent and income, income limit and the increase
  per child, the maximum benefit, the minimum own payment, the cap without children, optional rent maximum);
- ``[benefits.<benefit>]`` with ``offset`` = ``hourly_disregard`` | ``fribeloeb`` | ``wage_threshold`` and the
  offset's figures, ``[benefits.<benefit>.rates.<key>]`` with ``label`` and ``amount``, optional
  ``[[benefits.<benefit>.supplements]]``; or ``replaced_by`` for a benefit that no longer exists.

A figure is an inline table ``{ value = "12.30", source = "<id>" }`` with optional ``carried_forward_from``
(an earlier version or year whose figure is used because the figure for this version was not found in a public
source) and ``note``. Only a rate's ``amount`` and the ``[housing]`` figures may instead be
``{ missing = "<why>" }``: the calculator then asks for the citizen's actual monthly benefit (or leaves housing
benefit out) rather than inventing one.
"""

from __future__ import annotations

import datetime
import functools
import sys
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.utils.translation import gettext as _

RULES_DIR = Path(__file__).resolve().parent / "rules"

BENEFITS = ("cash", "education", "self_support", "resource_course")
OFFSETS = ("hourly_disregard", "fribeloeb", "wage_threshold")
SUPPLEMENT_CONDITIONS = ("children", "single_provider", "single_no_children")

TAX_FIGURES = (
    "am_pct",
    "personfradrag_year",
    "bundskat_pct",
    "kommuneskat_pct",
    "beskaeftigelsesfradrag_pct",
    "beskaeftigelsesfradrag_max_year",
    "single_provider_extra_pct",
    "single_provider_extra_max_year",
    "jobfradrag_pct",
    "jobfradrag_threshold_year",
    "jobfradrag_max_year",
)
PCT_FIGURES = {"am_pct", "bundskat_pct", "kommuneskat_pct", "beskaeftigelsesfradrag_pct", "single_provider_extra_pct"}
OFFSET_FIGURES = {
    "hourly_disregard": ("per_hour", "max_hours_month"),
    "fribeloeb": ("offset_pct",),
    "wage_threshold": ("threshold_month", "offset_pct"),
}
OPTIONAL_BENEFIT_FIGURES = ("hours_rule", "unemployment_benefit_max_month")
# Boligsikring (housing benefit for tenants who are not pensioners), the optional [housing] table. Each figure may
# be { missing = "<why>" }: the calculator then leaves housing benefit out and says so.
HOUSING_FIGURES = (
    "rent_share_pct",
    "income_share_pct",
    "income_limit_year",
    "child_increase_year",
    "max_benefit_year",
    "own_payment_min_year",
    "no_children_cap_pct",
)
OPTIONAL_HOUSING_FIGURES = ("rent_max_year",)


class TableError(ValueError):
    """A rule table file is malformed: the message names the file and the key."""


class RuleTableMissing(Exception):
    """No rule table (or no figure) for what was asked: the UI shows the message, never a figure."""


class BenefitNotInTable(RuleTableMissing):
    pass


class RateNotInTable(RuleTableMissing):
    pass


class FigureNotSourced(RuleTableMissing):
    """The table has no sourced amount for the rate: give the citizen's actual monthly benefit instead."""


@dataclass(frozen=True)
class Source:
    title: str
    url: str


@dataclass(frozen=True)
class Figure:
    key: str
    value: Decimal | None
    source: Source | None
    carried_forward_from: str | None = None
    note: str | None = None
    missing: str | None = None

    @property
    def sourced(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class Supplement:
    key: str
    label: str
    when: str
    rates: tuple[str, ...]
    amount: Figure


@dataclass(frozen=True)
class Rate:
    benefit: str
    key: str
    label: str
    amount: Figure
    fribeloeb: Figure | None = None
    cap_pct: Figure | None = None


@dataclass(frozen=True)
class BenefitRules:
    benefit: str
    label: str
    offset: str | None
    figures: dict[str, Figure]
    rates: dict[str, Rate]
    supplements: tuple[Supplement, ...] = ()
    partner_income_counts: bool = True
    replaced_by: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class RuleTable:
    version: str
    valid_from: datetime.date
    valid_until: datetime.date | None
    title: str
    path: str
    sources: dict[str, Source]
    tax: dict[str, Figure]
    benefits: dict[str, BenefitRules]
    notes: tuple[str, ...] = field(default_factory=tuple)
    housing: dict[str, Figure] = field(default_factory=dict)

    def in_force_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def all_figures(self):
        """Every figure in the table (tax, offset rules, rates, supplements), for listings and checks."""
        yield from self.tax.values()
        yield from self.housing.values()
        for rules in self.benefits.values():
            yield from rules.figures.values()
            for rate in rules.rates.values():
                yield rate.amount
                if rate.fribeloeb is not None:
                    yield rate.fribeloeb
                if rate.cap_pct is not None:
                    yield rate.cap_pct
            for supplement in rules.supplements:
                yield supplement.amount


# --- parsing and validation -------------------------------------------------------------------------------------


def _fail(path, key, message):
    raise TableError(f"{Path(path).name}: {key}: {message}")


def _decimal(path, key, raw):
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        _fail(path, key, 'value must be a number written as a string, e.g. "12.30"')
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        _fail(path, key, f"value {raw!r} is not a number")
    if not value.is_finite():
        _fail(path, key, f"value {raw!r} is not a number")
    if value < 0:
        _fail(path, key, f"value {raw!r} is negative")
    return value


def _figure(path, key, raw, sources, *, may_be_missing=False, pct=False):
    if not isinstance(raw, dict):
        _fail(path, key, 'must be an inline table like { value = "8.0", source = "<source id>" }')
    unknown = set(raw) - {"value", "source", "carried_forward_from", "note", "missing"}
    if unknown:
        _fail(path, key, f"unknown field(s) {', '.join(sorted(unknown))}")
    if "missing" in raw:
        if not may_be_missing:
            _fail(path, key, "only a rate's amount may be missing; every other figure needs a value and a source")
        if "value" in raw or "source" in raw:
            _fail(path, key, "a missing figure has no value or source")
        reason = raw["missing"]
        if not isinstance(reason, str) or not reason.strip():
            _fail(path, key, "missing needs the reason (which source was searched)")
        return Figure(key=key, value=None, source=None, missing=reason.strip(), note=raw.get("note"))
    if "value" not in raw:
        _fail(path, key, "has no value")
    if "source" not in raw:
        _fail(path, key, "has no source (every figure names its public source)")
    source_id = raw["source"]
    if source_id not in sources:
        _fail(path, key, f"source {source_id!r} is not listed under [sources]")
    value = _decimal(path, key, raw["value"])
    if pct and value > 100:
        _fail(path, key, f"a percentage above 100 ({value})")
    carried = raw.get("carried_forward_from")
    if carried is not None and (not isinstance(carried, str) or not carried.strip()):
        _fail(path, key, "carried_forward_from must name the version or year the figure comes from")
    note = raw.get("note")
    if note is not None and not isinstance(note, str):
        _fail(path, key, "note must be text")
    return Figure(key=key, value=value, source=sources[source_id], carried_forward_from=carried, note=note)


def _date(path, key, raw):
    if isinstance(raw, datetime.datetime) or not isinstance(raw, datetime.date):
        _fail(path, key, "must be a date like 2026-01-01")
    return raw


def _text(path, key, raw):
    if not isinstance(raw, str) or not raw.strip():
        _fail(path, key, "must be a non-empty text")
    return raw.strip()


def _sources(path, raw):
    if not isinstance(raw, dict) or not raw:
        _fail(path, "sources", "at least one source is needed")
    sources = {}
    for source_id, entry in raw.items():
        if not isinstance(entry, dict):
            _fail(path, f"sources.{source_id}", "must have a title and a url")
        title = _text(path, f"sources.{source_id}.title", entry.get("title"))
        url = _text(path, f"sources.{source_id}.url", entry.get("url"))
        if not url.startswith(("https://", "http://")):
            _fail(path, f"sources.{source_id}.url", "must be an http(s) address")
        sources[source_id] = Source(title=title, url=url)
    return sources


def _benefit(path, name, raw, sources):
    where = f"benefits.{name}"
    if name not in BENEFITS:
        _fail(path, where, f"unknown benefit (known: {', '.join(BENEFITS)})")
    if not isinstance(raw, dict):
        _fail(path, where, "must be a table")
    label = _text(path, f"{where}.label", raw.get("label"))
    if "replaced_by" in raw:
        replaced_by = raw["replaced_by"]
        if replaced_by not in BENEFITS or replaced_by == name:
            _fail(path, f"{where}.replaced_by", f"must name another benefit ({', '.join(BENEFITS)})")
        note = raw.get("note")
        return BenefitRules(
            benefit=name, label=label, offset=None, figures={}, rates={}, replaced_by=replaced_by, note=note
        )
    offset = raw.get("offset")
    if offset not in OFFSETS:
        _fail(path, f"{where}.offset", f"must be one of {', '.join(OFFSETS)}")
    figures = {}
    for key in OFFSET_FIGURES[offset]:
        if key not in raw:
            _fail(path, f"{where}.{key}", f"is required for offset {offset!r}")
        figures[key] = _figure(path, f"{where}.{key}", raw[key], sources, pct=key.endswith("_pct"))
    for key in OPTIONAL_BENEFIT_FIGURES:
        if key in raw:
            figures[key] = _figure(path, f"{where}.{key}", raw[key], sources)
    partner = raw.get("partner_income_counts", True)
    if not isinstance(partner, bool):
        _fail(path, f"{where}.partner_income_counts", "must be true or false")
    rates_raw = raw.get("rates")
    if not isinstance(rates_raw, dict) or not rates_raw:
        _fail(path, f"{where}.rates", "at least one rate is needed")
    rates = {}
    for key, entry in rates_raw.items():
        rwhere = f"{where}.rates.{key}"
        if not isinstance(entry, dict):
            _fail(path, rwhere, "must be a table with label and amount")
        fribeloeb = cap_pct = None
        if offset == "fribeloeb":
            if "fribeloeb" not in entry:
                _fail(path, f"{rwhere}.fribeloeb", "is required for offset 'fribeloeb'")
            fribeloeb = _figure(path, f"{rwhere}.fribeloeb", entry["fribeloeb"], sources)
            if "cap_pct" in entry:
                if "unemployment_benefit_max_month" not in figures:
                    _fail(path, f"{rwhere}.cap_pct", "needs unemployment_benefit_max_month on the benefit")
                cap_pct = _figure(path, f"{rwhere}.cap_pct", entry["cap_pct"], sources, pct=True)
        if "amount" not in entry:
            _fail(path, f"{rwhere}.amount", 'is required (or { missing = "<why>" })')
        rates[key] = Rate(
            benefit=name,
            key=key,
            label=_text(path, f"{rwhere}.label", entry.get("label")),
            amount=_figure(path, f"{rwhere}.amount", entry["amount"], sources, may_be_missing=True),
            fribeloeb=fribeloeb,
            cap_pct=cap_pct,
        )
    supplements = []
    seen = set()
    for index, entry in enumerate(raw.get("supplements", [])):
        swhere = f"{where}.supplements[{index}]"
        if not isinstance(entry, dict):
            _fail(path, swhere, "must be a table")
        key = _text(path, f"{swhere}.key", entry.get("key"))
        if key in seen:
            _fail(path, swhere, f"supplement {key!r} appears twice")
        seen.add(key)
        when = entry.get("when")
        if when not in SUPPLEMENT_CONDITIONS:
            _fail(path, f"{swhere}.when", f"must be one of {', '.join(SUPPLEMENT_CONDITIONS)}")
        applies = entry.get("rates")
        if not isinstance(applies, list) or not applies or any(r not in rates for r in applies):
            _fail(path, f"{swhere}.rates", "must list rate keys of this benefit")
        supplements.append(
            Supplement(
                key=key,
                label=_text(path, f"{swhere}.label", entry.get("label")),
                when=when,
                rates=tuple(applies),
                amount=_figure(path, f"{swhere}.amount", entry.get("amount"), sources),
            )
        )
    return BenefitRules(
        benefit=name,
        label=label,
        offset=offset,
        figures=figures,
        rates=rates,
        supplements=tuple(supplements),
        partner_income_counts=partner,
        note=raw.get("note"),
    )


def _housing(path, raw, sources):
    """The optional [housing] table (boligsikring): every figure sourced or { missing = "<why>" }."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        _fail(path, "housing", "must be a table")
    unknown = set(raw) - set(HOUSING_FIGURES) - set(OPTIONAL_HOUSING_FIGURES)
    if unknown:
        _fail(path, "housing", f"unknown figure(s) {', '.join(sorted(unknown))}")
    housing = {}
    for key in HOUSING_FIGURES + OPTIONAL_HOUSING_FIGURES:
        if key not in raw:
            if key in OPTIONAL_HOUSING_FIGURES:
                continue
            _fail(path, f"housing.{key}", 'is required (or { missing = "<why>" })')
        housing[key] = _figure(path, f"housing.{key}", raw[key], sources, may_be_missing=True, pct=key.endswith("_pct"))
    return housing


def parse_table(path) -> RuleTable:
    """Read and validate one rule table file."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise TableError(f"{path.name}: not valid TOML: {exc}") from exc
    version = _text(path, "version", raw.get("version"))
    if path.stem != version:
        _fail(path, "version", f"the file must be named {version}.toml")
    valid_from = _date(path, "valid_from", raw.get("valid_from"))
    valid_until = None
    if "valid_until" in raw:
        valid_until = _date(path, "valid_until", raw["valid_until"])
        if valid_until < valid_from:
            _fail(path, "valid_until", "is before valid_from")
    title = _text(path, "title", raw.get("title"))
    sources = _sources(path, raw.get("sources"))
    tax_raw = raw.get("tax")
    if not isinstance(tax_raw, dict):
        _fail(path, "tax", "the [tax] table is required")
    unknown = set(tax_raw) - set(TAX_FIGURES)
    if unknown:
        _fail(path, "tax", f"unknown figure(s) {', '.join(sorted(unknown))}")
    tax = {}
    for key in TAX_FIGURES:
        if key not in tax_raw:
            _fail(path, f"tax.{key}", "is required")
        tax[key] = _figure(path, f"tax.{key}", tax_raw[key], sources, pct=key in PCT_FIGURES)
    benefits_raw = raw.get("benefits")
    if not isinstance(benefits_raw, dict) or not benefits_raw:
        _fail(path, "benefits", "at least one benefit is needed")
    benefits = {name: _benefit(path, name, entry, sources) for name, entry in benefits_raw.items()}
    housing = _housing(path, raw.get("housing"), sources)
    notes = raw.get("notes", [])
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        _fail(path, "notes", "must be a list of texts")
    return RuleTable(
        version=version,
        valid_from=valid_from,
        valid_until=valid_until,
        title=title,
        path=str(path),
        sources=sources,
        tax=tax,
        benefits=benefits,
        notes=tuple(notes),
        housing=housing,
    )


def load_tables(directory=RULES_DIR) -> tuple[RuleTable, ...]:
    """Every table in the directory, validated one by one and together, oldest first."""
    directory = Path(directory)
    tables = [parse_table(path) for path in sorted(directory.glob("*.toml"))]
    if not tables:
        raise TableError(f"{directory}: no rule table files (*.toml)")
    tables.sort(key=lambda t: t.valid_from)
    for earlier, later in zip(tables, tables[1:], strict=False):
        if earlier.valid_from == later.valid_from:
            raise TableError(
                f"{Path(later.path).name}: valid_from: {later.valid_from} is also the start of "
                f"{Path(earlier.path).name}; two versions cannot start on the same day"
            )
        if earlier.valid_until is not None and earlier.valid_until >= later.valid_from:
            raise TableError(
                f"{Path(earlier.path).name}: valid_until: {earlier.valid_until} overlaps "
                f"{Path(later.path).name}, which starts {later.valid_from}"
            )
    return tuple(tables)


@functools.lru_cache(maxsize=8)
def _cached(directory: str) -> tuple[RuleTable, ...]:
    return load_tables(directory)


def shipped_tables() -> tuple[RuleTable, ...]:
    return _cached(str(RULES_DIR))


def table_for(day: datetime.date, tables: tuple[RuleTable, ...] | None = None) -> RuleTable:
    """The version in force on ``day``: the latest with valid_from <= day (and not ended by its valid_until)."""
    tables = shipped_tables() if tables is None else tables
    candidates = [t for t in tables if t.valid_from <= day]
    if not candidates or not candidates[-1].in_force_on(day):
        raise RuleTableMissing(
            _("There is no rule table for %(date)s, so the gain cannot be calculated for that date.")
            % {"date": day.strftime("%d.%m.%Y")}
        )
    return candidates[-1]


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    directory = Path(argv[0]) if argv else RULES_DIR
    try:
        tables = load_tables(directory)
    except TableError as exc:
        print(f"REFUSED {exc}", file=sys.stderr)
        return 1
    for table in tables:
        figures = list(table.all_figures())
        carried = sum(1 for f in figures if f.carried_forward_from)
        missing = sum(1 for f in figures if f.missing)
        until = table.valid_until.isoformat() if table.valid_until else "next version"
        print(
            f"OK {table.version}: {table.valid_from.isoformat()} to {until}, {len(figures)} figures "
            f"({carried} carried forward, {missing} not sourced), {len(table.sources)} sources"
        )
    return 0


if __name__ == "__main__":  # pragma: no cover - command line entry
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobbro.settings")
    django.setup()
    raise SystemExit(main())
