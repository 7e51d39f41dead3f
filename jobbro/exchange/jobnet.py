"""A citizen's CV in the structure of the national job database (Jobnet): the JSON file jobbro writes, and reads back.

The sections follow the CV a job seeker fills in on Jobnet (info.jobnet.dk, "CV-oplysninger på Jobnet": work
experience, education, "jeg søger job som", contact details, ...); occupations carry their DISCO-08 code. STAR
publishes no machine-readable schema of the CV, so the field names inside the sections are jobbro's own, documented
field by field in docs/exchange.md: the file is jobbro's structure after Jobnet's sections, not an official format.

Export (`cv_document`): the CV lines by section, the current job wishes and goals, the latest competence-card level
per area and the contact details. Never restrictions, health, parallel efforts or case notes; the citizen's own words
of a job goal only for a reader who may read notes (as on the printed CV); the CPR number only when the exporting
user may reveal it and asks for it (the caller reveals it through people.actions.reveal_cpr, which logs it).

Import (`read_json`, plugged into the import's reader for ".json"): the CV sections become rows of the import's CV
sheet, so the import's runner checks and writes them exactly as a CV sheet's rows (natural key: citizen, kind,
title, place, from-date; all or nothing; a second import of the same file changes nothing), and the job wishes
("jeg søger job som") rows of its job goals sheet. The competence card and the contact details are read for the
person reading the file and not imported: jobbro keeps their history on the citizen's pages.
"""

import dataclasses
import json
from collections import namedtuple

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jobbro.accounts.policy import Capability, may
from jobbro.days import today
from jobbro.imports import reader, schemas
from jobbro.people.models import CompetenceAssessment, CVEntry, JobGoal

FORMAT = "jobbro.jobnet-cv"
VERSION = 1
# A CV is a few kilobytes; a file far larger is refused before it is parsed (JSON is read whole).
MAX_BYTES = 2 * 1024 * 1024

Section = namedtuple("Section", "kind key title place")

# The CV lines, by section: (CV kind, section key, the field holding the title, the field holding the place).
SECTIONS = (
    Section(CVEntry.Kind.WORK, "arbejdserfaring", "stilling", "arbejdsgiver"),
    Section(CVEntry.Kind.INTERNSHIP, "praktikophold", "stilling", "virksomhed"),
    Section(CVEntry.Kind.EDUCATION, "uddannelser", "uddannelse", "uddannelsessted"),
    Section(CVEntry.Kind.COURSE, "kurser", "kursus", "udbyder"),
    Section(CVEntry.Kind.LANGUAGE, "sprog", "sprog", "sted"),
    Section(CVEntry.Kind.SKILL, "kompetencer", "kompetence", "sted"),
    Section(CVEntry.Kind.VOLUNTEER, "frivilligtArbejde", "rolle", "organisation"),
)
BY_KIND = {section.kind: section for section in SECTIONS}
LINE_FIELDS = ("fra", "til", "beskrivelse", "skrevet")
# The parts of the file that are written for the reader and never imported.
EXPORT_ONLY = ("kontaktoplysninger", "kompetencekort")
WISHES = "jegSoegerJobSom"
HEADER_KEYS = ("format", "version", "dannet", "kilde", "borger")

GOAL_KINDS = {JobGoal.Kind.GOAL: "jobmaal", JobGoal.Kind.WISH: "jobønske"}
AREAS = {
    CompetenceAssessment.Area.PROFESSIONAL: "faglig",
    CompetenceAssessment.Area.SOCIAL: "social",
    CompetenceAssessment.Area.PERSONAL: "personlig",
    CompetenceAssessment.Area.DANISH: "dansk",
}

# The CV sheet as this file fills it: the import's own CV columns, named as the file names them.
_CV = schemas.BY_KIND["cv"]
SHEET = schemas.Sheet(
    "cv",
    "Jobnet-CV",
    "Job database CV",
    gettext_lazy("CV lines from the job database's CV"),
    _CV.key,
    tuple(
        dataclasses.replace(_CV.column(name), da=header, en=header, aliases=())
        for name, header in (
            ("cpr", "borger.cpr"),
            ("kind", "sektion"),
            ("title", "titel"),
            ("organisation", "sted"),
            ("starts_on", "fra"),
            ("ends_on", "til"),
            ("description", "beskrivelse"),
            ("recorded_on", "skrevet"),
        )
    ),
)
POSITIONS = ("cpr", "kind", "title", "organisation", "starts_on", "ends_on", "description", "recorded_on")

# The job goals sheet as the file's "jeg søger job som" fills it.
_GOALS = schemas.BY_KIND["job_goals"]
WISH_HEADERS = {"cpr": "borger.cpr", "kind": "type", "occupation_code": "discoKode", "text": "egneOrd", "set_on": "fra"}
JOB_GOALS_SHEET = schemas.Sheet(
    "job_goals",
    "Jobnet-jobønsker",
    "Job database job wishes",
    gettext_lazy("Job wishes from the job database's CV"),
    _GOALS.key,
    tuple(
        dataclasses.replace(_GOALS.column(name), da=header, en=header, aliases=())
        for name, header in WISH_HEADERS.items()
    ),
)


def _date(value):
    return value.isoformat() if value else None


# --- Export ------------------------------------------------------------------------------------------------------


def cv_document(citizen, *, reader_user, cpr_number=None):
    """The citizen's CV as a dict in the exchange structure (json.dumps writes the file).

    `cpr_number`: the number in clear, only when the caller has revealed it (logged) for a user who may."""
    person = {"fornavn": citizen.first_name, "efternavn": citizen.last_name}
    if cpr_number:
        person = {"cpr": f"{cpr_number[:6]}-{cpr_number[6:]}", **person}
    document = {
        "format": FORMAT,
        "version": VERSION,
        "dannet": today().isoformat(),
        "kilde": "jobbro",
        "borger": person,
        "kontaktoplysninger": {
            "telefon": citizen.phone,
            "email": citizen.email,
            "postnummer": citizen.postcode,
            "by": citizen.city,
        },
        "jegSoegerJobSom": _job_wishes(citizen, reader_user),
    }
    entries = list(citizen.cv_entries.order_by("-starts_on", "-ends_on", "id"))
    for section in SECTIONS:
        document[section.key] = [
            {
                section.title: entry.title,
                section.place: entry.organisation,
                "fra": _date(entry.starts_on),
                "til": _date(entry.ends_on),
                "beskrivelse": entry.description,
                "skrevet": _date(entry.recorded_on),
            }
            for entry in entries
            if entry.kind == section.kind
        ]
    document["kompetencekort"] = _competence_card(citizen)
    return document


def _job_wishes(citizen, reader_user):
    """The current job goals and wishes (not replaced or closed): DISCO-08 code and title; the citizen's own words
    are a case note, written only for a reader who may read notes."""
    with_words = may(reader_user, Capability.READ_NOTES)
    wishes = []
    for goal in citizen.job_goals.filter(replaced_on__isnull=True).order_by("-set_on", "-id"):
        wish = {
            "type": GOAL_KINDS[goal.kind],
            "discoKode": goal.occupation_code or None,
            "stillingsbetegnelse": goal.occupation_title or None,
            "fra": _date(goal.set_on),
        }
        if with_words:
            wish["egneOrd"] = goal.text
        wishes.append(wish)
    return wishes


def _competence_card(citizen):
    """The latest level (1-5) per area of the competence card, with its date; never the comment."""
    latest = {}
    for assessment in citizen.competences.order_by("assessed_on", "id"):
        latest[assessment.area] = assessment
    return [
        {"omraade": AREAS[area], "niveau": latest[area].level, "vurderet": _date(latest[area].assessed_on)}
        for area in CompetenceAssessment.Area.values
        if area in latest
    ]


def to_json(document):
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


# --- Import ------------------------------------------------------------------------------------------------------


def read_json(book, source, file_name, budget):
    """Read a CV file (one CV, or a list of CVs) into the book as rows of the CV sheet, one raw sheet per section."""
    data = source.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise reader.Refused(
            _("%(file)s is larger than %(limit)s kB; a CV file may be at most %(limit)s kB.")
            % {"file": file_name, "limit": MAX_BYTES // 1024}
        )
    budget.spend(len(data))
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise reader.Refused(_("%(file)s is not UTF-8 text.") % {"file": file_name}) from None
    except json.JSONDecodeError as error:
        raise reader.Refused(
            _("%(file)s is not valid JSON (line %(line)s, column %(column)s).")
            % {"file": file_name, "line": error.lineno, "column": error.colno},
            row=error.lineno,
        ) from None
    cvs = document if isinstance(document, list) else [document]
    for number, cv in enumerate(cvs, start=1):
        name = file_name if len(cvs) == 1 else f"{file_name} CV {number}"
        _read_cv(book, cv, name, budget)


def _problem(book, sheet, row, column, reason):
    book.problems.append(reader.Problem(sheet, row, column, reason))


def _read_cv(book, cv, name, budget):
    if not isinstance(cv, dict) or cv.get("format") != FORMAT:
        _problem(
            book, name, 0, "format", _('This is not a CV in the job database\'s structure (format "%s").') % FORMAT
        )
        return
    if cv.get("version") != VERSION:
        _problem(book, name, 0, "version", _("jobbro reads version %(version)s of this format.") % {"version": VERSION})
        return
    person = cv.get("borger")
    cpr_number = person.get("cpr") if isinstance(person, dict) else None
    known = {*HEADER_KEYS, *EXPORT_ONLY, WISHES, *(s.key for s in SECTIONS)}
    for key in cv:
        if key not in known:
            book.notes.append(_("%(file)s: the part %(part)s is not used.") % {"file": name, "part": key})
    _read_wishes(book, cv.get(WISHES), name, cpr_number, budget)
    for section in SECTIONS:
        lines = cv.get(section.key)
        if lines is None:
            continue
        sheet_name = f"{name} › {section.key}"
        if not isinstance(lines, list):
            _problem(book, sheet_name, 0, section.key, _("The section must be a list of lines."))
            continue
        headers = dict(
            zip(POSITIONS, ("borger.cpr", "sektion", section.title, section.place, *LINE_FIELDS), strict=True)
        )
        raw = reader.RawSheet(sheet=SHEET, name=sheet_name, headers=headers, positions=list(POSITIONS))
        for row, line in enumerate(lines, start=1):
            budget.count_row(row)
            cells = _cells(book, sheet_name, row, line, section, cpr_number, budget)
            if cells is not None:
                raw.rows.append((row, cells))
        book.sheets.append(raw)


def _read_wishes(book, wishes, name, cpr_number, budget):
    """The job goals and wishes ("jeg søger job som") as rows of the job goals sheet. The citizen's own words, or the
    occupation's title when the file has no words (a reader who may not read notes exported it)."""
    if wishes is None:
        return
    sheet_name = f"{name} › {WISHES}"
    if not isinstance(wishes, list):
        _problem(book, sheet_name, 0, WISHES, _("The section must be a list of lines."))
        return
    raw = reader.RawSheet(
        sheet=JOB_GOALS_SHEET, name=sheet_name, headers=dict(WISH_HEADERS), positions=list(WISH_HEADERS)
    )
    fields = ("type", "discoKode", "stillingsbetegnelse", "egneOrd", "fra")
    for row, wish in enumerate(wishes, start=1):
        budget.count_row(row)
        if not isinstance(wish, dict):
            _problem(book, sheet_name, row, WISHES, _("Each line must be an object with the line's fields."))
            continue
        values = {}
        for key in wish:
            if key not in fields:
                book.notes.append(
                    _("%(sheet)s, line %(row)s: the field %(field)s is not used.")
                    % {"sheet": sheet_name, "row": row, "field": key}
                )
        for key in fields:
            value = wish.get(key)
            if value is not None and not isinstance(value, str):
                _problem(book, sheet_name, row, key, _("Write the value as text (in quotation marks)."))
                break
            budget.check_cell(row, value)
            values[key] = value
        else:
            words = values["egneOrd"] or values["stillingsbetegnelse"]
            cpr_cell = cpr_number if isinstance(cpr_number, str) else None
            raw.rows.append((row, (cpr_cell, values["type"], values["discoKode"], words, values["fra"])))
    book.sheets.append(raw)


def _cells(book, sheet_name, row, line, section, cpr_number, budget):
    """The row's cells in POSITIONS order, or None (with a problem noted) when the line cannot be read."""
    if not isinstance(line, dict):
        _problem(book, sheet_name, row, section.key, _("Each line must be an object with the line's fields."))
        return None
    fields = (section.title, section.place, *LINE_FIELDS)
    for key in line:
        if key not in fields:
            book.notes.append(
                _("%(sheet)s, line %(row)s: the field %(field)s is not used.")
                % {"sheet": sheet_name, "row": row, "field": key}
            )
    values = []
    for key in fields:
        value = line.get(key)
        if value is not None and not isinstance(value, str):
            _problem(book, sheet_name, row, key, _("Write the value as text (in quotation marks)."))
            return None
        budget.check_cell(row, value)
        values.append(value)
    return (cpr_number if isinstance(cpr_number, str) else None, section.kind, *values)
