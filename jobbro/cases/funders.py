"""The funders' figures of a participant: the age group, the participant forms' rows and what is missing in them.

The export "Deltagerskemaer" (cases/funder_views.py) lists one row per participant of a programme: each enrolment
whose start form was filled by the last day of the period and that had not left before its first day. Its columns,
their meaning, allowed values and sources are in docs/funders.md; COLUMNS below is the one list of them.

Sources (read 6 December 2026):
- Regulation (EU) 2021/1057 of 24 June 2021 establishing the European Social Fund Plus (ESF+), Annex I, the common
  indicators for general support (eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32021R1057): participants by
  labour-market status at entry (unemployed including long-term unemployed; long-term unemployed; inactive; employed
  including self-employed), by age (below 18, 18-29, 55 and above), by education (ISCED 0-2, 3-4, 5-8), and the
  immediate results on leaving (job searching; in education or training; gaining a qualification; in employment
  including self-employment).
- Erhvervsstyrelsen, "Registrering og indberetning af deltagerne på socialfondsprojekter"
  (regionalt.erhvervsstyrelsen.dk/indberetning-af-deltagerne-paa-socialfondsprojekter): every participant fills a
  start form and an end form (deltagerstartskema, deltagerophørsskema), registered by the project at the status
  reports at the end of February and the end of August.
- Scottish Government, "European Social Fund: participant guidance", Monitoring and evaluation
  (gov.scot/publications/european-social-fund-participant-guidance-2/pages/monitoring-and-evaluation/): exactly one
  labour-market status per participant; immediate results are those within four weeks of leaving.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jobbro.cases.models import (
    Enrolment,
    LegalBasis,
    ParticipantForm,
    Placement,
    StatusAtEntry,
)

# --- The age group: computed, never typed --------------------------------------------------------------------------

# (first age, last age or None, label): the ESF+ groups below 18, 18-29 and 55 and above, and 30-54 between them.
AGE_GROUPS = (
    (0, 17, "under 18"),
    (18, 29, "18-29"),
    (30, 54, "30-54"),
    (55, None, "55+"),
)


def age_on(birth_date, on):
    """Whole years of age on the date: one year older on each birthday (one born on 29 February turns a year older
    on 1 March in a year without 29 February)."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def age_group(birth_date, on):
    """The ESF+ age group on the date ("under 18", "18-29", "30-54" or "55+"); "" without a birth date or a date."""
    if birth_date is None or on is None:
        return ""
    age = age_on(birth_date, on)
    for first, last, label in AGE_GROUPS:
        if age >= first and (last is None or age <= last):
            return label
    return ""  # a birth date after the date: not a participant's


def age_group_label(group):
    return gettext("under 18") if group == "under 18" else group


# --- What is missing -----------------------------------------------------------------------------------------------


def missing_answers(enrolment, form):
    """The labels of the funder's answers not given although their form is filled: the start form's once the start
    form is filled, the end form's once the end form is."""
    names = []
    if enrolment.started_on is not None:
        names += list(ParticipantForm.START_FIELDS) if form is None else form.missing_start()
    if enrolment.ended_on is not None:
        names += list(ParticipantForm.END_FIELDS) if form is None else form.missing_end()
    return [str(ParticipantForm._meta.get_field(name).verbose_name) for name in names]


def incomplete(enrolments, last=None):
    """The enrolments among `enrolments` with a start form whose funder answers are not all given, or with an end form
    (dated on or before `last`, if given) whose end answers are not, as one query: the participant forms' data-quality
    check. The control group of a lottery is not a participant."""
    no_form = Q(participant_form__isnull=True)
    start_missing = no_form
    for name in ParticipantForm.START_FIELDS:
        start_missing |= Q(**{f"participant_form__{name}": ""})
    end_missing = no_form | Q(participant_form__status_at_exit="") | Q(participant_form__qualification_gained=None)
    ended = Q(ended_on__isnull=False) if last is None else Q(ended_on__lte=last)
    return enrolments.in_programme_effort().filter(Q(started_on__isnull=False) & (start_missing | ended & end_missing))


# --- The export's rows ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    title: object  # lazily translated header


COLUMNS = (
    Column("participant", _("Participant number")),
    Column("programme", _("Programme")),
    Column("site", _("Site")),
    Column("started_on", _("Start form date")),
    Column("sex", _("Sex")),
    Column("age_group", _("Age group at start")),
    Column("education_level", _("Education level (ISCED)")),
    Column("status_at_entry", _("Labour-market status at entry")),
    Column("unemployed", _("Unemployed, including long-term unemployed")),
    Column("long_term_unemployed", _("Long-term unemployed")),
    Column("inactive", _("Inactive")),
    Column("employed", _("Employed, including self-employed")),
    Column("ended_on", _("End form date")),
    Column("status_at_exit", _("Labour-market status at exit")),
    Column("qualification_gained", _("Gained a qualification")),
    Column("legal_bases", _("Legal basis of the placements")),
    Column("missing", _("Missing answers")),
)

# The short values of the education groups in the export (the full labels are the form's).
ISCED = {"isced_0_2": "ISCED 0-2", "isced_3_4": "ISCED 3-4", "isced_5_8": "ISCED 5-8"}
# The ESF+ output indicators at entry, each a yes/no column: long-term unemployed count as unemployed too.
INDICATORS = {
    "unemployed": (StatusAtEntry.UNEMPLOYED, StatusAtEntry.LONG_TERM_UNEMPLOYED),
    "long_term_unemployed": (StatusAtEntry.LONG_TERM_UNEMPLOYED,),
    "inactive": (StatusAtEntry.INACTIVE,),
    "employed": (StatusAtEntry.EMPLOYED,),
}


def participant_number(enrolment_pk):
    """The participant's number in the funder's files: the enrolment's number in jobbro, the same in every export
    (a start reported in February and its end in August name the same participant), and no name or CPR number."""
    return f"JB-{enrolment_pk}"


def participants(programme, first, last, sites=None):
    """The enrolments of the programme (its sites `sites`, all if None) reported for the period from `first` to `last`:
    the start form filled on or before `last` and no end form before `first`. The control group of a lottery is not
    among the programme's participants (EnrolmentQuerySet.in_programme_effort)."""
    enrolments = Enrolment.objects.in_programme_effort().filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=first), programme=programme, started_on__lte=last
    )
    if sites is not None:
        enrolments = enrolments.filter(site__in=sites)
    return enrolments


def _yes_no(value):
    if value is None:
        return ""
    return gettext("Yes") if value else gettext("No")


def rows(enrolments, last):
    """One row (a dict by column key) per enrolment, in the order of their participant numbers. The end form's
    answers are shown for an end form dated on or before `last`; the birth date only gives the age group."""
    enrolments = enrolments.select_related("programme", "site", "citizen", "participant_form").order_by("pk")
    legal = {}
    for enrolment_id, basis in (
        Placement.objects.filter(enrolment__in=enrolments.values("pk"), starts_on__lte=last)
        .values_list("enrolment_id", "legal_basis")
        .distinct()
    ):
        legal.setdefault(enrolment_id, set()).add(basis)
    labels = dict(LegalBasis.choices)
    result = []
    for enrolment in enrolments:
        form = getattr(enrolment, "participant_form", None)
        ended = enrolment.ended_on if enrolment.ended_on and enrolment.ended_on <= last else None
        status = form.status_at_entry if form else ""
        row = {
            "participant": participant_number(enrolment.pk),
            "programme": enrolment.programme.name,
            "site": enrolment.site.name,
            "started_on": enrolment.started_on,
            "sex": form.get_sex_display() if form and form.sex else "",
            "age_group": age_group_label(age_group(enrolment.citizen.birth_date, enrolment.started_on)),
            "education_level": ISCED.get(form.education_level, "") if form else "",
            "status_at_entry": form.get_status_at_entry_display() if status else "",
            "ended_on": ended,
            "status_at_exit": form.get_status_at_exit_display() if ended and form and form.status_at_exit else "",
            "qualification_gained": _yes_no(form.qualification_gained) if ended and form else "",
            "legal_bases": "; ".join(sorted(str(labels[b]) for b in legal.get(enrolment.pk, ()) if b in labels)),
        }
        for key, statuses in INDICATORS.items():
            row[key] = _yes_no(status in statuses) if status else ""
        shown = enrolment if ended else _without_end(enrolment)
        row["missing"] = "; ".join(missing_answers(shown, form))
        result.append(row)
    return result


def _without_end(enrolment):
    """The enrolment as it stood on the last day of a period before its end form."""
    copy = Enrolment(pk=enrolment.pk, started_on=enrolment.started_on, ended_on=None)
    return copy


def default_period(on):
    """The half-year the funder's status report covers (ending February or August) that has ended by `on`, with
    September-February as one and March-August as the other: the last one whose last day is before `on`."""
    if on.month >= 9:
        return datetime.date(on.year, 3, 1), datetime.date(on.year, 8, 31)
    if on.month >= 3:
        end_of_february = datetime.date(on.year, 3, 1) - datetime.timedelta(days=1)
        return datetime.date(on.year - 1, 9, 1), end_of_february
    return datetime.date(on.year - 1, 3, 1), datetime.date(on.year - 1, 8, 31)
