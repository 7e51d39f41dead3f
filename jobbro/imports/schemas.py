"""The sheets an import reads: one per kind of record, with Danish and English column names.

Each `Sheet` names its columns (`Column`): the Danish header the template uses, the English header,
other accepted spellings, the type, whether it is required, an example value and a description.
Headers and sheet names are matched case- and accent-insensitively (`normalise`: "CPR-nummer",
"cpr nummer" and "CPRNUMMER" are the same header). docs/import.md is generated from these
definitions (`markdown()`), and the downloadable templates too (`template_workbook()`).
"""

import datetime
import io
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from jobbro import textlimits
from jobbro.accounts.models import ResultGoal, Site
from jobbro.cases.models import (
    PROGRESSION_DIMENSIONS,
    Contact,
    LegalBasis,
    Milestone,
    Outcome,
    OutcomeStatus,
    PlacementEndReason,
    PlacementKind,
    Step,
)
from jobbro.companies.models import Company, Opening, Requirement, Weekday
from jobbro.people.models import BenefitType, CVEntry, JobGoal, OriginGroup, TrafficLight
from jobbro.weekly_hours import MAX_WEEKLY_HOURS, MIN_WEEKLY_HOURS


def normalise(text):
    """A header, sheet name or choice as a comparable key: lower case, æøå spelled out, accents and punctuation gone."""
    text = str(text or "").strip().lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if c.isalnum() and c.isascii())


# Danish words accepted for choices, besides the stored value and the English and Danish labels.
DANISH_CHOICES = {
    "traffic_light": {"groen": "green", "gul": "yellow", "roed": "red"},
    "company_kind": {
        "privat": "private",
        "offentlig": "public",
        "socialoekonomisk": "social_economic",
        "socialoekonomiskvirksomhed": "social_economic",
        "boligorganisation": "housing",
        "almenboligorganisation": "housing",
        "nonprofit": "non_profit",
        "forening": "non_profit",
    },
    "opening_status": {"aaben": "open", "ledig": "open", "besat": "filled", "lukket": "closed"},
    "origin": {"dansk": "danish", "danskoprindelse": "danish", "vestlig": "western", "ikkevestlig": "non_western"},
    "placement_kind": {
        "praktik": "internship",
        "virksomhedspraktik": "internship",
        "hybridpraktik": "hybrid_internship",
        "loentilskud": "wage_subsidy",
        "smaajob": "small_job",
        "ordinaertjob": "ordinary_job",
        "ordinaeransaettelse": "ordinary_job",
        "fleksjob": "flex_job",
        "uddannelse": "education",
        "revalidering": "rehabilitation",
    },
    "legal_basis": {
        "praktik": "lab_internship",
        "virksomhedspraktik": "lab_internship",
        "loentilskud": "lab_wage_subsidy",
        "ansaettelsemedloentilskud": "lab_wage_subsidy",
        "fleksjob": "lab_flex_job",
        "revalidering": "lab_rehabilitation",
        "vejledningogopkvalificering": "lab_upskilling",
        "opkvalificering": "lab_upskilling",
        "ordinaer": "ordinary",
        "ordinaeransaettelse": "ordinary",
        "andet": "other",
    },
    "end_reason": {
        "gennemfoert": "completed",
        "ansat": "hired",
        "borgerenstoppede": "citizen_left",
        "virksomhedenstoppede": "company_ended",
        "sygdom": "illness",
        "ikkeetmatch": "not_a_match",
        "andet": "other",
    },
    "cv_kind": {
        "erhvervserfaring": "work",
        "arbejde": "work",
        "praktik": "internship",
        "uddannelse": "education",
        "kursus": "course",
        "sprog": "language",
        "kompetence": "skill",
        "frivilligtarbejde": "volunteer",
        "frivillig": "volunteer",
    },
    "job_goal_kind": {"jobmål": "goal", "maal": "goal", "jobønske": "wish", "ønske": "wish"},
    "milestone_kind": {
        "afklaring": "clarification",
        "praktik": "internship",
        "loentilskud": "wage_subsidy",
        "kursus": "course",
        "danskundervisning": "danish_lessons",
        "mentor": "mentor",
        "maaljob": "target_job",
    },
    "contact_kind": {
        "samtale": "conversation",
        "telefon": "phone",
        "virksomhedsbesoeg": "company_visit",
        "kaffebesoeg": "coffee_visit",
        "matchmoede": "match_meeting",
        "maanedligopfoelgning": "monthly_follow_up",
        "tremaanederssamtale": "three_month_talk",
        "eftervaern": "aftercare",
        "kontaktmedbehandler": "treatment_contact",
        "behandler": "treatment_contact",
    },
    "outcome_kind": {"udskrivning": "exit", "slut": "exit", "slutskema": "exit", "opfoelgning": "follow_up"},
    "outcome_status": {
        "selvforsoergende": "ordinary_job",
        "ordinaertjob": "ordinary_job",
        "fleksjob": "flex_job",
        "uddannelse": "education",
        "stadigiprogrammet": "in_programme",
        "iprogrammet": "in_programme",
        "ydelse": "benefit",
        "kontanthjaelp": "benefit",
        "foertidspension": "early_pension",
        "andet": "other",
    },
    "step": {
        "afklaring": 1,
        "trin1": 1,
        "modjob": 2,
        "trin2": 2,
        "ivirksomhed": 3,
        "trin3": 3,
        "afsluttet": 4,
        "slut": 4,
    },
    "weekday": {
        "man": "mon",
        "mandag": "mon",
        "tir": "tue",
        "tirsdag": "tue",
        "ons": "wed",
        "onsdag": "wed",
        "tor": "thu",
        "torsdag": "thu",
        "fre": "fri",
        "fredag": "fri",
        "loer": "sat",
        "loerdag": "sat",
        "soen": "sun",
        "soendag": "sun",
    },
    "site_kind": {
        "kommune": "municipality",
        "jobcenter": "municipality",
        "opsoegende": "outreach_office",
        "opsoegendekontor": "outreach_office",
        "opsoegendeteam": "outreach_office",
    },
    "result_metric": {
        "henvist": "referred",
        "visiteret": "referred",
        "startskema": "referred",
        "matchetogstartet": "matched_and_started",
        "startet": "matched_and_started",
        "ansat": "employed",
        "beskaeftiget": "employed",
        "ordinaeretimer": "employed",
    },
    "result_goal_kind": {
        "antal": "count",
        "antalborgere": "count",
        "procentafhenviste": "share_of_referred",
        "andelafhenviste": "share_of_referred",
        "procentafaktiveindsats": "share_of_active",
        "andelafaktiveindsats": "share_of_active",
        "procentafdemiaktivindsats": "share_of_active",
        "andelafdemiaktivindsats": "share_of_active",
    },
    "requirement": {
        "tungeloeft": "heavy_lifting",
        "stoevsugning": "vacuuming",
        "staaendearbejde": "long_standing",
        "svinekoed": "handles_pork",
        "alkohol": "handles_alcohol",
        "aftenarbejde": "evening_work",
        "koerekort": "driving_licence",
        "hygiejnebevis": "hygiene_certificate",
    },
}

CHOICES = {
    "traffic_light": TrafficLight,
    "company_kind": Company.Kind,
    "opening_status": Opening.Status,
    "origin": OriginGroup,
    "benefit": BenefitType,
    "placement_kind": PlacementKind,
    "legal_basis": LegalBasis,
    "end_reason": PlacementEndReason,
    "cv_kind": CVEntry.Kind,
    "job_goal_kind": JobGoal.Kind,
    "milestone_kind": Milestone.Kind,
    "contact_kind": Contact.Kind,
    "outcome_kind": Outcome.Kind,
    "outcome_status": OutcomeStatus,
    "step": Step,
    "weekday": Weekday,
    "requirement": Requirement,
    "site_kind": Site.Kind,
    "result_metric": ResultGoal.Metric,
    "result_goal_kind": ResultGoal.Kind,
}


def choice_aliases(choice_set):
    """Every accepted spelling of a choice, normalised, to the stored value."""
    choices = CHOICES[choice_set]
    aliases = {}
    for value, label in choices.choices:
        aliases[normalise(value)] = value
        aliases[normalise(str(label))] = value
        with translation.override("da"):
            aliases[normalise(str(label))] = value
        with translation.override("en"):
            aliases[normalise(str(label))] = value
        # "Internship (virksomhedspraktik)": the words in brackets alone are accepted too.
        for inner in re.findall(r"\(([^)]*)\)", str(label)):
            aliases.setdefault(normalise(inner), value)
    aliases.update({normalise(k): v for k, v in DANISH_CHOICES.get(choice_set, {}).items()})
    return aliases


# Column types
TEXT, DATE, DECIMAL, INTEGER, BOOLEAN, CHOICE, LIST, CPR, CVR, USER, WEEK = (
    "text",
    "date",
    "decimal",
    "integer",
    "boolean",
    "choice",
    "list",
    "cpr",
    "cvr",
    "user",
    "week",
)
TYPE_NAMES = {
    TEXT: _("text"),
    DATE: _("date (22.11.2026 or 2026-11-22)"),
    DECIMAL: _("number (7,5)"),
    INTEGER: _("whole number"),
    BOOLEAN: _("yes/no (ja/nej)"),
    CHOICE: _("one of the values listed"),
    LIST: _("values separated by commas"),
    CPR: _("CPR number (DDMMÅÅ-XXXX)"),
    CVR: _("CVR number (8 digits)"),
    USER: _("username"),
    WEEK: _("week: its Monday or any day in it, or 2025-W10"),
}


@dataclass(frozen=True)
class Column:
    name: str  # the record field it fills (or a reference)
    da: str  # the Danish header the template uses
    en: str  # the English header
    type: str = TEXT
    required: bool = False
    example: object = ""
    help: object = ""
    choices: str = ""  # a key of CHOICES, for CHOICE and LIST columns
    aliases: tuple = ()
    max_length: int | None = None
    minimum: object = None
    maximum: object = None
    # The column's cells come from a jobbro export that neutralised formula-like text (jobbro/exchange): the
    # apostrophe the export put before it (spreadsheets.neutralise) is taken off again.
    neutralised: bool = False

    @property
    def headers(self):
        return (self.da, self.en, *self.aliases)


@dataclass(frozen=True)
class Sheet:
    kind: str
    da: str  # Danish sheet name (and the template's)
    en: str
    title: object
    key: object  # the natural key, in words
    columns: tuple
    aliases: tuple = ()
    needs_programme: bool = True
    column_map: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        for column in self.columns:
            for header in column.headers:
                self.column_map[normalise(header)] = column

    @property
    def names(self):
        return (self.da, self.en, *self.aliases)

    def column(self, name):
        return next(c for c in self.columns if c.name == name)


def programme_column(example="Job i Nordvest"):
    return Column(
        "programme",
        "Program",
        "Programme",
        help=_("The programme's name; may be left out when the import names the programme."),
        example=example,
        aliases=("Projekt", "Programnavn"),
    )


def cpr_column():
    return Column(
        "cpr",
        "CPR-nummer",
        "CPR number",
        CPR,
        True,
        "010190-1234",
        _("The citizen's CPR number."),
        aliases=("CPR", "CPR nr", "Personnummer"),
    )


def date_column(name, da, en, required=False, example=None, help="", aliases=()):
    return Column(name, da, en, DATE, required, example, help, aliases=aliases)


# The weekly hours rule (jobbro/weekly_hours.py): the sheets refuse what the forms and actions refuse.
HOURS = {"minimum": MIN_WEEKLY_HOURS, "maximum": MAX_WEEKLY_HOURS}

# The sheets that set up programmes and who works in them: only administrators import these (and the command-line
# import run without --user). They come first, so the other sheets of the same import may name what they create.
SETUP_KINDS = ("programmes", "sites", "memberships", "result_goals")

SETUP_SHEETS = (
    Sheet(
        "programmes",
        "Projekter",
        "Programmes",
        _("Programmes"),
        _("name"),
        (
            Column(
                "name",
                "Navn",
                "Name",
                TEXT,
                True,
                "Job i Østjylland",
                _("The programme's name, unique in jobbro."),
                max_length=200,
                aliases=("Projektnavn", "Programnavn"),
            ),
            date_column("starts_on", "Startdato", "Starts on", True, datetime.date(2026, 1, 1)),
            date_column("ends_on", "Slutdato", "Ends on", help=_("Empty while the programme runs.")),
            Column(
                "description",
                "Beskrivelse",
                "Description",
                max_length=textlimits.NOTE,
                example="Småjob og virksomhedsforløb i Østjylland",
            ),
            Column(
                "target_groups",
                "Målgrupper",
                "Target groups",
                LIST,
                False,
                "",
                _("Codes or names of target groups jobbro knows, separated by commas."),
            ),
        ),
        aliases=("Projekt", "Programmer", "Programme"),
        needs_programme=False,
    ),
    Sheet(
        "sites",
        "Lokationer",
        "Sites",
        _("Sites"),
        _("programme and name"),
        (
            programme_column(example="Job i Østjylland"),
            Column(
                "name",
                "Navn",
                "Name",
                TEXT,
                True,
                "Opsøgende team Aarhus",
                _("The site's name, unique in the programme."),
                max_length=200,
                aliases=("Lokation", "Site"),
            ),
            Column(
                "kind",
                "Type",
                "Kind",
                CHOICE,
                False,
                "opsøgende kontor",
                _("Municipality or outreach office (default municipality)."),
                choices="site_kind",
            ),
            Column(
                "municipality_code",
                "Kommunekode",
                "Municipality code",
                TEXT,
                False,
                "751",
                _("Three digits, e.g. 751 for Aarhus."),
                max_length=3,
            ),
        ),
        aliases=("Lokation", "Site"),
    ),
    Sheet(
        "memberships",
        "Medlemskaber",
        "Memberships",
        _("Staff memberships"),
        _("username, programme and site"),
        (
            Column(
                "username",
                "Brugernavn",
                "Username",
                USER,
                True,
                "alice",
                _("The staff user's username; the user must exist."),
                aliases=("Medarbejder", "User"),
            ),
            programme_column(example="Job i Østjylland"),
            Column(
                "site",
                "Lokation",
                "Site",
                TEXT,
                False,
                "Opsøgende team Aarhus",
                _("The site in the programme; empty for all the programme's sites."),
            ),
        ),
        aliases=("Medlemskab", "Medarbejdere", "Membership"),
    ),
    Sheet(
        "result_goals",
        "Resultatmål",
        "Result goals",
        _("Result goals and interim targets"),
        _("programme, result, kind of goal, deadline, site and target group"),
        (
            programme_column(example="Job i Østjylland"),
            Column(
                "metric",
                "Resultat",
                "Result",
                CHOICE,
                True,
                "ansat",
                _("Referred, matched and started, or employed."),
                choices="result_metric",
                aliases=("Mål", "Metric"),
            ),
            date_column(
                "deadline",
                "Frist",
                "Deadline",
                True,
                datetime.date(2026, 6, 30),
                _("Several deadlines for the same result are its interim targets."),
            ),
            Column(
                "target",
                "Måltal",
                "Target",
                INTEGER,
                True,
                20,
                _("How many by the deadline."),
                minimum=0,
                maximum=1000000,
            ),
            Column(
                "social_economic_target",
                "Heraf socialøkonomiske",
                "Of which social-economic",
                INTEGER,
                False,
                "",
                _("Optional: how many of the target in social-economic companies."),
                minimum=0,
                maximum=1000000,
            ),
            Column(
                "kind",
                "Måltype",
                "Kind of goal",
                CHOICE,
                False,
                "antal",
                _(
                    "Number of citizens (default), percent of those referred, or percent of those receiving active "
                    "effort; a percent goal's target is the percent (0-100)."
                ),
                choices="result_goal_kind",
                aliases=("Type", "Kind"),
            ),
            Column(
                "site",
                "Lokation",
                "Site",
                TEXT,
                False,
                "",
                _("The site in the programme the goal is for; empty for the whole programme."),
            ),
            Column(
                "target_group",
                "Målgruppe",
                "Target group",
                TEXT,
                False,
                "",
                _("The code or name of the target group the goal is for; empty for every target group."),
            ),
            Column(
                "payment_criterion",
                "Betalingskriterium",
                "Payment criterion",
                BOOLEAN,
                False,
                "nej",
                _("Yes when the funder pays by this goal; it is shown first."),
            ),
        ),
        aliases=("Resultatmaal", "Delmål", "Result goal"),
    ),
)

SHEETS = SETUP_SHEETS + (
    Sheet(
        "companies",
        "Virksomheder",
        "Companies",
        _("Companies"),
        _("CVR number"),
        (
            Column(
                "cvr",
                "CVR-nummer",
                "CVR number",
                CVR,
                True,
                "12345674",
                _("The company's CVR number."),
                aliases=("CVR", "CVR nr"),
            ),
            Column(
                "name",
                "Navn",
                "Name",
                TEXT,
                True,
                "Café Havnen",
                _("The company's name."),
                max_length=200,
                aliases=("Virksomhed", "Virksomhedsnavn", "Company"),
            ),
            Column(
                "industry_code",
                "Branchekode",
                "Industry code",
                TEXT,
                True,
                "561010",
                _("Industry (DB07), 6 digits."),
                aliases=("DB07", "Branche"),
            ),
            Column(
                "kind",
                "Type",
                "Kind",
                CHOICE,
                True,
                "privat",
                _("Private, public, social-economic, housing organisation or non-profit."),
                choices="company_kind",
                aliases=("Virksomhedstype",),
            ),
            Column("address", "Adresse", "Address", max_length=200, example="Havnegade 1"),
            Column("postcode", "Postnummer", "Postcode", example="8000", max_length=4, aliases=("Postnr",)),
            Column("city", "By", "City", example="Aarhus", max_length=100),
            programme_column(),
            date_column(
                "signed_on",
                "Netværksaftale indgået",
                "Network agreement signed",
                example=datetime.date(2025, 1, 15),
                help=_("If the company is in the programme's cluster network: the date the agreement was signed."),
                aliases=("Aftale indgået", "Agreement signed on"),
            ),
            date_column(
                "agreement_ended_on",
                "Netværksaftale ophørt",
                "Network agreement ended",
                help=_("The date the network agreement ended, if it has."),
                aliases=("Aftale ophørt",),
            ),
        ),
        aliases=("Virksomhed", "Netværk", "Company"),
        needs_programme=False,
    ),
    Sheet(
        "openings",
        "Ledige job",
        "Openings",
        _("Openings and small jobs"),
        _("programme and external id"),
        (
            Column(
                "external_id",
                "Ekstern id",
                "External id",
                TEXT,
                True,
                "SJ-101",
                _("Your own id for the opening, unique in the programme."),
                max_length=60,
                aliases=("Id", "Job-id", "Opening id"),
            ),
            programme_column(),
            Column(
                "cvr",
                "CVR-nummer",
                "CVR number",
                CVR,
                True,
                "12345674",
                _("The company offering the job."),
                aliases=("CVR",),
            ),
            Column(
                "title",
                "Titel",
                "Title",
                TEXT,
                True,
                "Opvasker, 8 timer",
                _("The job's title."),
                max_length=200,
                aliases=("Stilling", "Jobtitel"),
            ),
            Column(
                "occupation_code",
                "Stillingskode",
                "Occupation code",
                TEXT,
                False,
                "9412",
                _("Occupation (DISCO-08)."),
                aliases=("DISCO", "DISCO-08"),
            ),
            Column(
                "tasks",
                "Opgaver",
                "Tasks",
                TEXT,
                True,
                "Opvask og oprydning i køkkenet",
                _("The tasks in words."),
                max_length=textlimits.SHORT_TEXT,
            ),
            Column(
                "weekly_hours",
                "Timer om ugen",
                "Weekly hours",
                DECIMAL,
                True,
                "8",
                _("Hours a week, 0 to 60."),
                aliases=("Ugentlige timer", "Timer"),
                **HOURS,
            ),
            Column(
                "days", "Dage", "Days", LIST, False, "man, ons", _("Weekdays, e.g. man, tir, ons."), choices="weekday"
            ),
            Column(
                "requirements",
                "Krav",
                "Requirements",
                LIST,
                False,
                "hygiejnebevis",
                _("What the tasks involve."),
                choices="requirement",
            ),
            Column(
                "danish_level_required",
                "Dansk niveau",
                "Danish level",
                INTEGER,
                False,
                "2",
                _("Danish level required, 1 to 5."),
                minimum=1,
                maximum=5,
                aliases=("Danskniveau",),
            ),
            Column(
                "capacity",
                "Pladser",
                "Places",
                INTEGER,
                False,
                "1",
                _("How many citizens it can take (default 1)."),
                minimum=1,
                aliases=("Antal pladser", "Capacity"),
            ),
            Column(
                "status",
                "Status",
                "Status",
                CHOICE,
                False,
                "ledig",
                _("Open, filled or closed (default open)."),
                choices="opening_status",
            ),
            date_column(
                "posted_on",
                "Oprettet",
                "Posted on",
                True,
                datetime.date(2025, 3, 1),
                _("The date the job was posted."),
                aliases=("Slået op", "Dato"),
            ),
            date_column("filled_on", "Besat", "Filled on"),
            date_column("closed_on", "Lukket", "Closed on"),
        ),
        aliases=("Ledige stillinger", "Småjob", "Smaajob", "Small jobs", "Jobs"),
    ),
    Sheet(
        "citizens",
        "Borgere",
        "Citizens",
        _("Citizens"),
        _("CPR number"),
        (
            cpr_column(),
            Column("first_name", "Fornavn", "First name", TEXT, True, "Mette", max_length=100, aliases=("Fornavne",)),
            Column("last_name", "Efternavn", "Last name", TEXT, True, "Sørensen", max_length=100),
            Column(
                "traffic_light",
                "Trafiklys",
                "Traffic light",
                CHOICE,
                True,
                "gul",
                _("Readiness: grøn, gul or rød."),
                choices="traffic_light",
            ),
            date_column(
                "traffic_light_on",
                "Trafiklys dato",
                "Traffic light date",
                example=datetime.date(2025, 3, 3),
                help=_("The date the traffic light was set; with it the light becomes a dated history row."),
            ),
            Column("phone", "Telefon", "Phone", example="20304050", max_length=20, aliases=("Tlf", "Mobil")),
            Column("email", "E-mail", "E-mail", example="mette@example.dk", max_length=254, aliases=("Email", "Mail")),
            Column("address", "Adresse", "Address", example="Bispehavevej 12", max_length=200),
            Column("postcode", "Postnummer", "Postcode", example="8210", max_length=4, aliases=("Postnr",)),
            Column("city", "By", "City", example="Aarhus V", max_length=100),
            Column(
                "origin_group",
                "Oprindelse",
                "Origin",
                CHOICE,
                False,
                "ikke-vestlig",
                _("Danish, Western or non-Western origin."),
                choices="origin",
            ),
            Column(
                "benefit_type",
                "Ydelse",
                "Benefit type",
                CHOICE,
                False,
                "kontanthjælp",
                _("The benefit the citizen receives."),
                choices="benefit",
                aliases=("Ydelsestype",),
            ),
            Column("housing_area", "Boligområde", "Housing area", example="Bispehaven", max_length=120),
            Column(
                "lives_in_vulnerable_housing_area", "Udsat boligområde", "Vulnerable housing area", BOOLEAN, False, "ja"
            ),
            Column("has_social_free_card", "Socialt frikort", "Social free card", BOOLEAN, False, "nej"),
            Column(
                "match_category",
                "Matchkategori",
                "Match category",
                INTEGER,
                False,
                "",
                _("The older grading, 1 to 4."),
                minimum=1,
                maximum=4,
            ),
        ),
        aliases=("Borger", "Citizen"),
        needs_programme=False,
    ),
    Sheet(
        "enrolments",
        "Forløb",
        "Enrolments",
        _("Enrolments (start and end forms)"),
        _("CPR number, programme and start form date"),
        (
            cpr_column(),
            programme_column(),
            Column(
                "site",
                "Site",
                "Site",
                TEXT,
                True,
                "Aarhus Kommune",
                _("The municipality or office, by name."),
                aliases=("Kommune", "Afdeling", "Sted"),
            ),
            date_column(
                "referred_on",
                "Startdato",
                "Start date",
                True,
                datetime.date(2025, 3, 3),
                _("The start form date (referral)."),
                aliases=("Startskema", "Henvist", "Referred on", "Start form date"),
            ),
            date_column(
                "ended_on",
                "Slutdato",
                "End date",
                help=_("The end form date, if the citizen has left."),
                aliases=("Slutskema", "End form date", "Ended on"),
            ),
            Column(
                "traffic_light_at_referral",
                "Trafiklys ved start",
                "Traffic light at referral",
                CHOICE,
                True,
                "gul",
                _("grøn, gul or rød."),
                choices="traffic_light",
            ),
            Column(
                "estimated_weekly_hours",
                "Forventede timer",
                "Estimated weekly hours",
                DECIMAL,
                False,
                "10",
                _("The citizen's own estimate of weekly hours, 0 to 60; empty if the citizen gave none (not 0)."),
                aliases=("Timer borgeren forventer",),
                **HOURS,
            ),
            Column("job_broker", "Jobformidler", "Job broker", USER, False, "alice", _("The job broker's username.")),
            Column("caseworker", "Sagsbehandler", "Caseworker", USER, False, "sara", _("The caseworker's username.")),
            Column("mentor", "Mentor", "Mentor", USER, False, "", _("The mentor's username.")),
            Column(
                "referral_text",
                "Henvisning",
                "Referral",
                TEXT,
                False,
                "Henvist efter samtale.",
                _("The referral text."),
                max_length=textlimits.NOTE,
                aliases=("Henvisningstekst",),
            ),
            Column(
                "external_id",
                "Ekstern id",
                "External id",
                TEXT,
                False,
                "",
                _("Your own id for the enrolment."),
                max_length=60,
            ),
        ),
        aliases=("Forloeb", "Henvisninger", "Enrolment"),
    ),
    Sheet(
        "step_changes",
        "Trinskift",
        "Step changes",
        _("Step changes"),
        _("citizen, programme, step and date"),
        (
            cpr_column(),
            programme_column(),
            Column(
                "step",
                "Trin",
                "Step",
                CHOICE,
                True,
                "2",
                _("1 (afklaring), 2 (mod job), 3 (i virksomhed) or 4 (afsluttet)."),
                choices="step",
            ),
            date_column("changed_on", "Dato", "Date", True, datetime.date(2025, 4, 1), _("The date the step changed.")),
            Column("note", "Note", "Note", max_length=300, aliases=("Bemærkning",)),
        ),
        aliases=("Trin", "Steps"),
    ),
    Sheet(
        "cv",
        "CV",
        "CV",
        _("CV entries"),
        _("citizen, kind, title, place and start date"),
        (
            cpr_column(),
            Column(
                "kind",
                "Type",
                "Kind",
                CHOICE,
                True,
                "erhvervserfaring",
                _("Work, internship, education, course, language, skill or volunteer."),
                choices="cv_kind",
            ),
            Column("title", "Titel", "Title", TEXT, True, "Køkkenmedhjælper", max_length=200),
            Column(
                "organisation",
                "Sted",
                "Place",
                TEXT,
                False,
                "Restaurant Mols",
                max_length=200,
                aliases=("Arbejdsplads", "Organisation"),
            ),
            date_column("starts_on", "Fra", "From", example=datetime.date(2019, 5, 1)),
            date_column("ends_on", "Til", "To", example=datetime.date(2020, 6, 30)),
            Column("description", "Beskrivelse", "Description", max_length=textlimits.NOTE),
            date_column(
                "recorded_on",
                "Skrevet",
                "Written on",
                True,
                datetime.date(2025, 3, 10),
                _("The date the line was written."),
            ),
        ),
        aliases=("CV-linjer", "CV entries"),
    ),
    Sheet(
        "job_goals",
        "Jobmål",
        "Job goals",
        _("Job goals and job wishes"),
        _("citizen, kind, occupation and date set"),
        (
            cpr_column(),
            Column(
                "kind",
                "Type",
                "Kind",
                CHOICE,
                True,
                "jobmål",
                _("A job goal or a job wish."),
                choices="job_goal_kind",
            ),
            Column(
                "occupation_code",
                "DISCO-kode",
                "Occupation (DISCO-08)",
                TEXT,
                False,
                "9412",
                _("The occupation's DISCO-08 code; empty if the goal names none."),
                max_length=6,
                aliases=("DISCO", "Stillingskode"),
            ),
            Column(
                "text",
                "Egne ord",
                "In the citizen's words",
                TEXT,
                True,
                "Vil gerne arbejde i et køkken",
                _("The goal in the citizen's own words."),
                max_length=300,
                aliases=("Tekst", "Text"),
            ),
            date_column("set_on", "Dato", "Set on", True, datetime.date(2025, 3, 10), _("The date the goal was set.")),
            date_column(
                "replaced_on",
                "Erstattet",
                "Replaced on",
                help=_("The date a later goal replaced it or it was closed; empty while it applies."),
            ),
        ),
        aliases=("Jobønsker", "Job wishes", "Jobmaal"),
    ),
    Sheet(
        "job_plans",
        "Jobplaner",
        "Job plans",
        _("Job plans and job packages"),
        _("programme and plan id"),
        (
            Column(
                "external_id",
                "Plan-id",
                "Plan id",
                TEXT,
                True,
                "JP-1",
                _("Your own id for the plan, unique in the programme."),
                max_length=60,
                aliases=("Ekstern id", "External id"),
            ),
            cpr_column(),
            programme_column(),
            Column("title", "Titel", "Title", TEXT, True, "Jobpakke: køkkenmedhjælper", max_length=200),
            Column(
                "is_job_package",
                "Jobpakke",
                "Job package",
                BOOLEAN,
                False,
                "ja",
                _("Yes for a job package towards a named job."),
            ),
            Column(
                "target_occupation_code",
                "Måljob",
                "Target job",
                TEXT,
                False,
                "9412",
                _("Target job (DISCO-08); required for a job package."),
                aliases=("Målstilling", "Target occupation"),
            ),
            date_column("created_on", "Oprettet", "Created on", True, datetime.date(2025, 3, 17)),
            date_column("closed_on", "Lukket", "Closed on"),
        ),
        aliases=("Jobplan", "Jobpakker", "Job packages", "Plans"),
    ),
    Sheet(
        "milestones",
        "Milepæle",
        "Milestones",
        _("Milestones"),
        _("plan, kind and due date"),
        (
            Column(
                "plan",
                "Plan-id",
                "Plan id",
                TEXT,
                True,
                "JP-1",
                _("The plan's id from the job plans sheet."),
                aliases=("Plan",),
            ),
            programme_column(),
            Column(
                "kind",
                "Type",
                "Kind",
                CHOICE,
                True,
                "praktik",
                _("Clarification, internship, wage subsidy, course, Danish lessons, mentor or target job."),
                choices="milestone_kind",
            ),
            Column(
                "title",
                "Titel",
                "Title",
                TEXT,
                False,
                "Praktik i køkken",
                _("Named after its kind when left empty."),
                max_length=200,
            ),
            date_column("due_on", "Frist", "Due on", True, datetime.date(2025, 5, 1), aliases=("Dato",)),
            date_column("completed_on", "Gennemført", "Completed on", aliases=("Færdig",)),
        ),
        aliases=("Milepaele",),
    ),
    Sheet(
        "placements",
        "Virksomhedsforløb",
        "Placements",
        _("Placements"),
        _("programme and external id"),
        (
            Column(
                "external_id",
                "Ekstern id",
                "External id",
                TEXT,
                True,
                "VF-1",
                _("Your own id for the placement, unique in the programme."),
                max_length=60,
                aliases=("Id", "Forløbs-id", "Placement id"),
            ),
            cpr_column(),
            programme_column(),
            Column("cvr", "CVR-nummer", "CVR number", CVR, True, "12345674", _("The company."), aliases=("CVR",)),
            Column(
                "opening",
                "Ledigt job",
                "Opening",
                TEXT,
                False,
                "SJ-101",
                _("The opening's external id, if it filled one."),
                aliases=("Job-id", "Opening id"),
            ),
            Column(
                "kind",
                "Type",
                "Kind",
                CHOICE,
                True,
                "småjob",
                _(
                    "Internship, hybrid internship, wage subsidy, small job, ordinary job, flex job, education or rehabilitation."
                ),
                choices="placement_kind",
            ),
            Column(
                "legal_basis",
                "Lovgrundlag",
                "Legal basis",
                CHOICE,
                False,
                "",
                _(
                    "Virksomhedspraktik, løntilskud, fleksjob, revalidering, vejledning og opkvalificering, ordinær or "
                    "andet; empty for a new placement: the kind's usual one."
                ),
                choices="legal_basis",
            ),
            date_column("starts_on", "Startdato", "Start date", True, datetime.date(2025, 3, 17), aliases=("Start",)),
            date_column("planned_end_on", "Planlagt slut", "Planned end"),
            date_column("ended_on", "Slutdato", "End date", aliases=("Slut", "Ended on")),
            Column("purpose", "Formål", "Purpose", max_length=textlimits.SHORT_TEXT),
            Column(
                "agreed_ordinary_hours",
                "Aftalte ordinære timer",
                "Agreed ordinary hours",
                DECIMAL,
                False,
                "8",
                _("Ordinary paid hours a week agreed at the start, 0 to 60."),
                aliases=("Ordinære timer",),
                **HOURS,
            ),
            Column(
                "ordinary_hours_condition",
                "Betingelse for ordinære timer",
                "Condition for ordinary hours",
                TEXT,
                False,
                "",
                _("If no hours were agreed: what it takes."),
                max_length=textlimits.SHORT_TEXT,
            ),
            Column(
                "no_hours_reason",
                "Begrundelse uden timer",
                "Reason for no hours",
                TEXT,
                False,
                "",
                _("If neither hours nor a condition: why."),
                max_length=textlimits.SHORT_TEXT,
            ),
            Column(
                "end_reason",
                "Slutårsag",
                "End reason",
                CHOICE,
                False,
                "",
                _("Required with an end date."),
                choices="end_reason",
            ),
            Column("end_note", "Slutnote", "End note", max_length=300),
        ),
        aliases=("Virksomhedsforloeb", "Praktikker", "Placement"),
    ),
    Sheet(
        "timesheets",
        "Timer",
        "Timesheets",
        _("Timesheets"),
        _("placement and week"),
        (
            Column(
                "placement",
                "Virksomhedsforløb",
                "Placement",
                TEXT,
                True,
                "VF-1",
                _("The placement's external id."),
                aliases=("Forløbs-id", "Placement id", "Ekstern id"),
            ),
            programme_column(),
            Column(
                "week_start",
                "Uge",
                "Week",
                WEEK,
                True,
                datetime.date(2025, 3, 17),
                aliases=("Uge (mandag)", "Week start"),
            ),
            Column(
                "ordinary_hours",
                "Ordinære timer",
                "Ordinary hours",
                DECIMAL,
                False,
                "8",
                _("Ordinary paid hours, 0 to 60."),
                **HOURS,
            ),
            Column(
                "internship_hours",
                "Praktiktimer",
                "Internship hours",
                DECIMAL,
                False,
                "0",
                _("Internship hours, 0 to 60."),
                **HOURS,
            ),
            Column(
                "subsidised_hours",
                "Løntilskudstimer",
                "Subsidised hours",
                DECIMAL,
                False,
                "0",
                _(
                    "Subsidised hours (løntilskud), 0 to 60, only on a wage-subsidy placement; never counted as "
                    "ordinary hours. An empty cell keeps the week's subsidised hours as they are."
                ),
                aliases=("Timer med løntilskud", "Subsidised"),
                **HOURS,
            ),
        ),
        aliases=("Timesedler", "Hours"),
    ),
    Sheet(
        "contacts",
        "Kontakter",
        "Contacts",
        _("Contacts"),
        _("programme and external id"),
        (
            Column(
                "external_id",
                "Ekstern id",
                "External id",
                TEXT,
                True,
                "K-1",
                _("Your own id for the contact, unique in the programme."),
                max_length=60,
                aliases=("Id", "Kontakt-id"),
            ),
            cpr_column(),
            programme_column(),
            Column(
                "kind",
                "Type",
                "Kind",
                CHOICE,
                True,
                "samtale",
                _(
                    "Conversation, phone, company visit, coffee visit, match meeting, monthly follow-up, three-month talk, "
                    "aftercare or contact with a treatment or support provider (kontakt med behandler: only with the "
                    "citizen's consent)."
                ),
                choices="contact_kind",
            ),
            date_column("occurred_on", "Dato", "Date", True, datetime.date(2025, 3, 5)),
            Column(
                "cvr",
                "CVR-nummer",
                "CVR number",
                CVR,
                False,
                "",
                _("The company, for a contact with a company."),
                aliases=("CVR",),
            ),
            Column(
                "staff",
                "Medarbejdere",
                "Staff",
                LIST,
                False,
                "alice",
                _("Usernames of the staff present, separated by commas."),
            ),
            Column("note", "Note", "Note", max_length=textlimits.NOTE, aliases=("Notat",)),
        ),
        aliases=("Kontakt", "Samtaler"),
    ),
    Sheet(
        "outcomes",
        "Resultater",
        "Outcomes",
        _("Outcomes at exit and follow-up"),
        _("citizen, programme, kind and date"),
        (
            cpr_column(),
            programme_column(),
            Column(
                "kind",
                "Type",
                "Kind",
                CHOICE,
                True,
                "opfølgning",
                _("Exit (at the end form) or follow-up."),
                choices="outcome_kind",
            ),
            date_column("measured_on", "Dato", "Date", True, datetime.date(2025, 9, 1)),
            Column(
                "status",
                "Status",
                "Status",
                CHOICE,
                True,
                "ordinært job",
                _("Ordinary job, flex job, education, still in the programme, benefit, early pension or other."),
                choices="outcome_status",
            ),
            Column("note", "Note", "Note", max_length=300),
        ),
        aliases=("Resultat", "Opfølgning", "Outcome"),
    ),
    Sheet(
        "progression",
        "Progression",
        "Progression",
        _("Progression assessments"),
        _("citizen, programme and date"),
        (
            cpr_column(),
            programme_column(),
            date_column("assessed_on", "Dato", "Date", True, datetime.date(2025, 6, 2)),
            *(
                Column(dimension, da, en, INTEGER, True, example, _("1 to 10."), minimum=1, maximum=10)
                for dimension, da, en, example in zip(
                    PROGRESSION_DIMENSIONS,
                    (
                        "Arbejdsevne",
                        "Evne til at holde et job",
                        "Fysisk helbred",
                        "Psykisk helbred",
                        "Søvn",
                        "Familierelationer",
                        "Tro på egne jobchancer",
                    ),
                    (
                        "Work ability",
                        "Ability to keep a job",
                        "Physical health",
                        "Mental health",
                        "Sleep",
                        "Family relations",
                        "Belief in own job chances",
                    ),
                    (6, 5, 7, 5, 6, 8, 6),
                    strict=True,
                )
            ),
        ),
        aliases=("Progressionsvurderinger", "MinVurdering", "Assessments"),
    ),
)

BY_KIND = {sheet.kind: sheet for sheet in SHEETS}

# Sheets another app plugs into the import (jobbro/exchange: the exchange formats of the job database and the case
# system), each standing for one of the sheets above: the same kind and the same column names, so the runner imports
# its rows as that sheet's, under the plugged sheet's own name and headers. Plugged in at start-up (the app's ready()).
PLUGGED_SHEETS = []


def plug_in(*sheets):
    """Let the import read `sheets`: each of a kind above, its columns a selection of that sheet's columns."""
    for sheet in sheets:
        target = BY_KIND[sheet.kind]
        for column in sheet.columns:
            target.column(column.name)  # StopIteration for a column the runner does not know
        if sheet not in PLUGGED_SHEETS:
            PLUGGED_SHEETS.append(sheet)


def sheets_for(user):
    """The sheets a user may import: the set-up sheets only for administrators."""
    from jobbro.accounts.policy import Capability, may

    if may(user, Capability.ADMINISTER):
        return SHEETS
    return tuple(sheet for sheet in SHEETS if sheet.kind not in SETUP_KINDS)


ORDER = [sheet.kind for sheet in SHEETS]  # the dependency order the runner follows


def sheet_for_name(name):
    """The sheet a worksheet or csv file name stands for, or None."""
    key = normalise(name)
    for sheet in SHEETS:
        if key in {normalise(n) for n in (sheet.kind, *sheet.names)}:
            return sheet
    for sheet in PLUGGED_SHEETS:
        if key in {normalise(n) for n in sheet.names}:
            return sheet
    return None


def sheet_for_headers(headers):
    """The sheet whose required columns all appear among the headers, the best match first; or None.

    The set-up sheets (few columns: "Navn", "Type") are considered only when no other sheet fits, so that a
    companies file is never taken for a list of sites."""
    keys = {normalise(h) for h in headers if h}
    for candidates in (SHEETS[len(SETUP_SHEETS) :] + tuple(PLUGGED_SHEETS), SETUP_SHEETS):
        best, best_score = None, 0
        for sheet in candidates:
            found = {sheet.column_map[k].name for k in keys if k in sheet.column_map}
            required = {c.name for c in sheet.columns if c.required}
            if not required <= found:
                continue
            score = len(found) / len(sheet.columns)
            if score > best_score:
                best, best_score = sheet, score
        if best is not None:
            return best
    return None


# --- Templates and documentation ----------------------------------------------------------------


def _example(value):
    if value is None:
        return ""
    return value.strftime("%d.%m.%Y") if isinstance(value, datetime.date) else value


# The sheet in each template that explains its columns; reading a filled-in template skips it without a word.
EXPLANATION_SHEET = "Forklaring"
EXPLANATION_SHEET_NAMES = {normalise(EXPLANATION_SHEET), normalise("Explanation")}


def template_workbook(kind):
    """A workbook for one sheet: its Danish header row and an example row, and a sheet "Forklaring" per column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from jobbro.spreadsheets import append_row

    sheet = BY_KIND[kind]
    book = Workbook()
    data = book.active
    data.title = sheet.da
    append_row(data, [c.da for c in sheet.columns])
    append_row(data, [_example(c.example) for c in sheet.columns])
    for cell in data[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(sheet.columns, start=1):
        data.column_dimensions[data.cell(row=1, column=index).column_letter].width = max(12, len(column.da) + 2)
    notes = book.create_sheet(EXPLANATION_SHEET)
    with translation.override("da"):
        append_row(
            notes, [str(_("Column")), str(_("English name")), str(_("Type")), str(_("Required")), str(_("Description"))]
        )
        for column in sheet.columns:
            append_row(
                notes,
                [
                    column.da,
                    column.en,
                    str(TYPE_NAMES[column.type]),
                    str(_("yes")) if column.required else str(_("no")),
                    str(column.help) + _choice_text(column),
                ],
            )
    for cell in notes[1]:
        cell.font = Font(bold=True)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


_CHOICE_WORDS = {}


def choice_words(choice_set):
    """The accepted values of a choice as a reader writes them, in the active language ("Mandag, Tirsdag, ..." in
    Danish), never the stored codes ("mon, tue"): each label, or its first part when that alone is accepted too
    ("Grøn" for "Grøn – tæt på løntimer")."""
    key = (choice_set, translation.get_language())
    if key not in _CHOICE_WORDS:
        accepted = choice_aliases(choice_set)
        words = []
        for value, label in CHOICES[choice_set].choices:
            text = str(label)
            short = re.split(r" – | / ", text)[0]
            words.append(short if accepted.get(normalise(short)) == value else text)
        _CHOICE_WORDS[key] = ", ".join(words)
    return _CHOICE_WORDS[key]


def _choice_text(column):
    if not column.choices:
        return ""
    return f" ({choice_words(column.choices)})"


TABLES_START = "<!-- tables: generated by `manage.py import_docs`; do not edit by hand -->"
TABLES_END = "<!-- end of generated tables -->"


def markdown():
    """The column tables of docs/import.md, generated from the schemas (`manage.py import_docs` writes them)."""
    lines = []
    with translation.override("en"):
        for sheet in SHEETS:
            lines += [f"### {sheet.da} / {sheet.en}", ""]
            other = ", ".join(f'"{a}"' for a in sheet.aliases)
            lines.append(
                f'{sheet.title}. Natural key: {sheet.key}. Sheet names accepted: "{sheet.da}", "{sheet.en}"'
                + (f", {other}" if other else "")
                + "."
            )
            lines += [
                "",
                "| Danish column | English column | type | required | example | description |",
                "|---|---|---|---|---|---|",
            ]
            for c in sheet.columns:
                also = f" (also: {', '.join(c.aliases)})" if c.aliases else ""
                lines.append(
                    f"| {c.da} | {c.en}{also} | {TYPE_NAMES[c.type]} | {'yes' if c.required else 'no'} | "
                    f"{_example(c.example)} | {c.help}{_choice_text(c)} |"
                )
            lines.append("")
    return "\n".join(lines)
