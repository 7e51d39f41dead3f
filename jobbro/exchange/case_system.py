"""Placements and weekly hours in a form the job centre's case system can take, and read back from it.

Two sheets: *Sagssystem forløb*, one row per placement (virksomhedsrettet tilbud: virksomhedspraktik, løntilskud,
...), and *Sagssystem timer*, one row per placement and week. The case systems in use (KMD/Netcompany Momentum)
publish no import format, so the columns are jobbro's own, named with the Danish words of the Act on an active
employment effort (LAB: tilbudstype, lovgrundlag) and documented field by field in docs/exchange.md; they are not
an official format. Each sheet is one of the import's own sheets (placements, timesheets) under other names: the
import's runner reads it (jobbro/imports; plugged in by the app's ready()), so a file written here and imported back
changes nothing, and a file from the case system is checked and written like any import, all or nothing.

A placement made in jobbro has no external id; the file names it jobbro-<number> (imports.runner.own_id), and the
import finds it by that name. The CPR number is in the file only for a user who may reveal CPR numbers, each one
revealed through people.actions.reveal_cpr (logged); for anyone else the column is empty and every citizen in the
file is logged as read. Nothing typed about a citizen is in the file except the written agreement on ordinary hours
(its condition or the reason there is none), which everyone on the case reads on the placement's page.
"""

import dataclasses
import datetime
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from jobbro import spreadsheets
from jobbro.accounts import access
from jobbro.accounts.policy import Capability, may
from jobbro.audit.log import log_reads
from jobbro.cases.actions import monday_of
from jobbro.cases.models import (
    AgreedHoursChange,
    Enrolment,
    LegalBasis,
    Placement,
    PlacementEndReason,
    PlacementKind,
    Timesheet,
)
from jobbro.imports import schemas
from jobbro.imports.runner import own_id
from jobbro.people.actions import reveal_cpr

EXPORT_VIEW = "exchange_case_system"

# The words the file writes for each choice: Danish, and read back by the import (schemas.DANISH_CHOICES).
KIND_WORDS = {
    PlacementKind.INTERNSHIP: "virksomhedspraktik",
    PlacementKind.HYBRID_INTERNSHIP: "hybridpraktik",
    PlacementKind.WAGE_SUBSIDY: "løntilskud",
    PlacementKind.SMALL_JOB: "småjob",
    PlacementKind.ORDINARY_JOB: "ordinært job",
    PlacementKind.FLEX_JOB: "fleksjob",
    PlacementKind.EDUCATION: "uddannelse",
    PlacementKind.REHABILITATION: "revalidering",
}
LEGAL_BASIS_WORDS = {
    LegalBasis.INTERNSHIP: "virksomhedspraktik",
    LegalBasis.WAGE_SUBSIDY: "løntilskud",
    LegalBasis.FLEX_JOB: "fleksjob",
    LegalBasis.REHABILITATION: "revalidering",
    LegalBasis.GUIDANCE_AND_UPSKILLING: "vejledning og opkvalificering",
    LegalBasis.ORDINARY: "ordinær",
    LegalBasis.OTHER: "andet",
}
END_REASON_WORDS = {
    PlacementEndReason.COMPLETED: "gennemført",
    PlacementEndReason.HIRED: "ansat",
    PlacementEndReason.CITIZEN_LEFT: "borgeren stoppede",
    PlacementEndReason.COMPANY_ENDED: "virksomheden stoppede",
    PlacementEndReason.ILLNESS: "sygdom",
    PlacementEndReason.NOT_A_MATCH: "ikke et match",
    PlacementEndReason.OTHER: "andet",
}


def _sheet(kind, da, en, title, columns):
    """One of the import's sheets under the file's name and headers; its text is read back without the apostrophe
    the export put before formula-like text (spreadsheets.neutralise)."""
    target = schemas.BY_KIND[kind]
    return schemas.Sheet(
        kind,
        da,
        en,
        title,
        target.key,
        tuple(
            dataclasses.replace(target.column(name), da=header, en=header, aliases=(), neutralised=True)
            for name, header in columns
        ),
    )


def _text(value):
    return spreadsheets.neutralise(value) if isinstance(value, str) else value


# (import column, header in the file), in the file's order.
PLACEMENT_COLUMNS = (
    ("external_id", "Forløbs-id"),
    ("cpr", "CPR-nummer"),
    ("programme", "Projekt"),
    ("cvr", "CVR-nummer"),
    ("kind", "Tilbudstype"),
    ("legal_basis", "Lovgrundlag"),
    ("starts_on", "Startdato"),
    ("planned_end_on", "Forventet slutdato"),
    ("ended_on", "Faktisk slutdato"),
    ("end_reason", "Ophørsårsag"),
    ("agreed_ordinary_hours", "Aftalte ordinære timer pr. uge"),
    ("ordinary_hours_condition", "Betingelse for ordinære timer"),
    ("no_hours_reason", "Begrundelse uden ordinære timer"),
)
# Written for the person reading the file, not imported (the import notes them as not used).
PLACEMENT_INFO_COLUMNS = ("Navn", "Jobcenter", "Virksomhed")
HOURS_COLUMNS = (
    ("placement", "Forløbs-id"),
    ("programme", "Projekt"),
    ("week_start", "Uge (mandag)"),
    ("ordinary_hours", "Ordinære timer"),
    ("internship_hours", "Praktiktimer"),
    ("subsidised_hours", "Løntilskudstimer"),
)
HOURS_INFO_COLUMNS = ("Ugenummer",)

PLACEMENTS_SHEET = _sheet(
    "placements",
    "Sagssystem forløb",
    "Case system placements",
    _("Placements for the case system"),
    PLACEMENT_COLUMNS,
)
HOURS_SHEET = _sheet(
    "timesheets",
    "Sagssystem timer",
    "Case system hours",
    _("Weekly hours for the case system"),
    HOURS_COLUMNS,
)
SHEETS = (PLACEMENTS_SHEET, HOURS_SHEET)


@dataclasses.dataclass
class Export:
    site: object
    first: datetime.date
    last: datetime.date
    with_cpr: bool
    placement_header: list
    placement_rows: list
    hours_header: list
    hours_rows: list


def placements_in(user, site, first, last):
    """The placements of the site's cases in the user's scope that run on at least one day from `first` to `last`."""
    enrolments = access.scope_enrolments(Enrolment.objects.filter(site=site), user)
    return (
        Placement.objects.filter(enrolment__in=enrolments)
        .running_between(first, last)
        .select_related("enrolment__citizen", "enrolment__programme", "enrolment__site", "company")
        .order_by("enrolment__citizen__last_name", "enrolment__citizen__first_name", "starts_on", "pk")
    )


def _start_agreements(placements):
    """Each placement's agreement on ordinary hours at its start (the first row of its history): the import takes
    only that one and leaves later changes to the placement's page."""
    first = {}
    for change in AgreedHoursChange.objects.filter(placement__in=placements).order_by("from_date", "id"):
        first.setdefault(change.placement_id, change.ordinary_hours)
    return first


def export(user, site, first, last):
    """The two sheets' headers and rows for the site and period; CPR numbers revealed (and logged) only for a user
    who may reveal them, every other citizen in the file logged as read."""
    placements = list(placements_in(user, site, first, last))
    with_cpr = may(user, Capability.REVEAL_CPR)
    at_start = _start_agreements(placements)
    numbers = {}
    if with_cpr:
        for placement in placements:
            citizen = placement.enrolment.citizen
            if citizen.pk not in numbers:
                digits = reveal_cpr(acting_user=user, citizen=citizen, view=EXPORT_VIEW)
                numbers[citizen.pk] = f"{digits[:6]}-{digits[6:]}"
    else:
        log_reads(
            user=user, citizen_pks=[p.enrolment.citizen_id for p in placements], view=EXPORT_VIEW, status_code=200
        )
    placement_rows = []
    for p in placements:
        agreed = at_start.get(p.pk, p.agreed_ordinary_hours)
        placement_rows.append(
            [
                _text(value)
                for value in (
                    own_id(p),
                    numbers.get(p.enrolment.citizen_id, ""),
                    p.enrolment.programme.name,
                    p.company.cvr,
                    KIND_WORDS[p.kind],
                    LEGAL_BASIS_WORDS.get(p.legal_basis, ""),
                    p.starts_on,
                    p.planned_end_on,
                    p.ended_on,
                    END_REASON_WORDS.get(p.end_reason, ""),
                    agreed,
                    p.ordinary_hours_condition,
                    p.no_hours_reason,
                    p.enrolment.citizen.full_name,
                    p.enrolment.site.name,
                    p.company.name,
                )
            ]
        )
    by_pk = {p.pk: p for p in placements}
    hours_rows = []
    weeks = (
        Timesheet.objects.filter(placement__in=placements, week_start__gte=monday_of(first), week_start__lte=last)
        .order_by("placement_id", "week_start")
        .values_list("placement_id", "week_start", "ordinary_hours", "internship_hours", "subsidised_hours")
    )
    order = {p.pk: index for index, p in enumerate(placements)}
    for placement_id, week, ordinary, internship, subsidised in sorted(weeks, key=lambda w: (order[w[0]], w[1])):
        placement = by_pk[placement_id]
        year, number, _day = week.isocalendar()
        hours_rows.append(
            [
                own_id(placement),
                placement.enrolment.programme.name,
                week,
                ordinary,
                internship,
                subsidised,
                f"{year}-W{number:02d}",
            ]
        )
    return Export(
        site=site,
        first=first,
        last=last,
        with_cpr=with_cpr,
        placement_header=[header for _name, header in PLACEMENT_COLUMNS] + list(PLACEMENT_INFO_COLUMNS),
        placement_rows=placement_rows,
        hours_header=[header for _name, header in HOURS_COLUMNS] + list(HOURS_INFO_COLUMNS),
        hours_rows=hours_rows,
    )


def csv_cell(value):
    """A cell of the semicolon-separated file: dates as 22.11.2026, numbers with a decimal comma, empty for none."""
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return f"{value:%d.%m.%Y}"
    if isinstance(value, Decimal):
        return str(value).replace(".", ",")
    return value
