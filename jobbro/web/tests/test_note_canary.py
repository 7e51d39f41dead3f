"""The note rule, everywhere: a case note is on no page or export for roles that may not read notes.

A populated world is built through the actions, then every case-note field (accounts/free_text.py) of every
row is overwritten with a canary string naming the field. Managers, coordinators and evaluators then GET
every page their URL patterns allow, with real ids, and every export (spreadsheets read cell by cell, PDFs
read as text), and the Django admin; no canary may appear in any answer. A job broker running the same
crawl must meet every canary, so the test proves the notes are rendered at all.

`pytest jobbro/web/tests/test_note_canary.py -q -s` prints how much was checked.
"""

import datetime
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from jobbro.accounts import admin_site, free_text
from jobbro.accounts.models import Membership, ResultGoal
from jobbro.accounts.policy import Capability, may
from jobbro.api import actions as api_actions
from jobbro.audit.log import log_read
from jobbro.cases import actions
from jobbro.cases.models import OutcomeStatus, Step
from jobbro.companies import actions as companies_actions
from jobbro.companies.models import CompanyContact, Course, KnowledgeInstitution, Opening, Requirement
from jobbro.conftest import REFERRED_ON, make_opening
from jobbro.imports import schemas
from jobbro.imports.models import ImportRun
from jobbro.matching import actions as matching_actions
from jobbro.meetings import actions as meetings_actions
from jobbro.messaging import outbox
from jobbro.messaging.models import MessageTemplate, Subscription
from jobbro.netgain import actions as net_gain_actions
from jobbro.netgain import calculator as net_gain_calculator
from jobbro.outreach import actions as outreach_actions
from jobbro.outreach.models import Registration, SpeedDatingConversation
from jobbro.people import actions as people_actions
from jobbro.people.models import CompetenceAssessment, CVEntry, JobGoal, ParallelEffort, Restriction
from jobbro.portal import actions as portal_actions
from jobbro.portal import links as portal_links
from jobbro.privacy import actions as privacy_actions
from jobbro.privacy import export_tasks
from jobbro.privacy.models import DataExport, ErasureReceipt
from jobbro.reporting.registry import REPORTS
from jobbro.surveys import actions as survey_actions
from jobbro.web.tests.pdf_text import pdf_text

CANARY = "qxkanarie"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Patterns that are not pages about the programme's data: signing in and out, the language switch, and the
# tablet self-assessment (no login; its pages show the seven questions and nothing else).
NOT_CRAWLED = {
    "login",
    "logout",
    "set_language",
    "self_assessment_code",
    "self_assessment_thanks",
    "self_assessment",
    "self_assessment_handover",
    # The pages a link opens (jobbro/portal) need no sign-in and show the same to anyone holding the link; what they
    # show is tested in jobbro/portal/tests (a first name, never a case note, a CPR number or another citizen).
    "portal",
    "portal_hours",
    "portal_small_job",
}
DAY = datetime.timedelta(days=1)


def canary(name):
    """The canary of a field: "cases.StepChange.note" gives "qxkanarieCasesStepchangeNote", one word HTML leaves alone."""
    return CANARY + "".join(part.capitalize() for part in re.split(r"\W+", name))


# --- The world ----------------------------------------------------------------------------------------


@pytest.fixture
def populated(world, programme, refer, start, buddy, company):
    """The conftest world with a row behind every case-note field, most of them on Alice's citizen."""
    broker, enrolment, citizen = world.alice, world.alices_enrolment, world.alices_citizen
    day = REFERRED_ON + 2 * DAY
    people_actions.set_job_goal(
        acting_user=broker, citizen=citizen, text="kok i et køkken", set_on=day, occupation_code="5120"
    )
    people_actions.add_cv_entry(
        acting_user=broker,
        citizen=citizen,
        kind=CVEntry.Kind.WORK,
        title="Opvasker",
        organisation="Hotel Royal",
        starts_on=datetime.date(2019, 1, 1),
        description="Opvask",
    )
    people_actions.assess_competence(
        acting_user=broker,
        citizen=citizen,
        area=CompetenceAssessment.Area.SOCIAL,
        level=3,
        assessed_on=day,
        comment="kommentar",
    )
    people_actions.assess_competence(
        acting_user=broker, citizen=citizen, area=CompetenceAssessment.Area.DANISH, level=4, assessed_on=day
    )
    people_actions.add_restriction(
        acting_user=broker, citizen=citizen, tag=Restriction.Tag.NO_HEAVY_LIFTING, recorded_on=day, description="ryg"
    )
    people_actions.add_parallel_effort(
        acting_user=broker,
        citizen=citizen,
        kind=ParallelEffort.Kind.PSYCHIATRIC,
        starts_on=day,
        description="behandling",
    )
    actions.set_traffic_light(acting_user=broker, citizen=citizen, light="yellow", on=day, note="lys")
    actions.change_step(acting_user=broker, enrolment=enrolment, step=Step.TOWARDS_JOB, on=day + DAY, note="trin")
    institution = KnowledgeInstitution.objects.create(
        name="Sprogcenter Aarhus", kind=KnowledgeInstitution.Kind.LANGUAGE_SCHOOL
    )
    Course.objects.create(institution=institution, name="Dansk 3", subject=Course.Subject.LANGUAGE, duration_days=20)
    actions.record_upskilling_decision(
        acting_user=broker, enrolment=enrolment, decided_on=day + DAY, wanted=False, reason="grund"
    )
    plan = actions.create_job_plan(acting_user=broker, enrolment=enrolment, title="plan", created_on=day + DAY)
    actions.add_milestone(acting_user=broker, plan=plan, kind="course", due_on=day + 30 * DAY, title="delmål")
    actions.log_contact(
        acting_user=broker,
        enrolment=enrolment,
        kind="conversation",
        occurred_on=day + 2 * DAY,
        note="samtale",
        staff=[broker],
    )
    opening = make_opening(company, programme, "Opvasker", buddy=buddy, occupation_code="9412")
    heavy = make_opening(company, programme, "Lagerarbejder", requirements=[Requirement.HEAVY_LIFTING])
    # A cook's job for the goal's occupation: the ranking explains it with the goal, in the citizen's own words or not.
    make_opening(company, programme, "Kok", occupation_code="5120", tasks="Madlavning")
    placement = start(
        enrolment, acting_user=broker, opening=opening, starts_on=day + 3 * DAY, purpose="formål", buddy=buddy
    )
    actions.end_placement(
        acting_user=broker, placement=placement, ended_on=day + 40 * DAY, reason="not_a_match", note="slut"
    )
    proposal = matching_actions.propose_match(
        acting_user=broker, enrolment=enrolment, opening=opening, on=day + 41 * DAY
    )
    matching_actions.decline_match(
        acting_user=broker, proposal=proposal, reason="other", note="afslag", on=day + 42 * DAY
    )
    running = start(world.bobs_enrolment, acting_user=world.bob, starts_on=day + 3 * DAY, purpose="formål")
    actions.register_hours(
        acting_user=world.bob,
        placement=running,
        week_start=actions.monday_of(day + 10 * DAY),
        ordinary_hours=5,
        internship_hours=0,
    )
    ended = refer(first_name="Ole", last_name="Afsluttet", job_broker=broker)
    actions.end_enrolment(
        acting_user=world.caseworker, enrolment=ended, ended_on=day + 5 * DAY, status=OutcomeStatus.BENEFIT, note="exit"
    )
    actions.record_follow_up(
        acting_user=world.caseworker,
        enrolment=ended,
        measured_on=day + 60 * DAY,
        status=OutcomeStatus.ORDINARY_JOB,
        note="opfølgning",
    )
    log_read(user=world.alice, citizen_pk=citizen.pk, view="citizen_detail", status_code=200)
    # A small job a buddy proposed through their link (jobbro/portal), waiting for the coordinator.
    link, _url = portal_links.issue(acting_user=world.coordinator, audience="buddy", target=buddy)
    portal_actions.propose_opening(
        link=link, title="Opvask", description="Opvask", weekly_hours="5", starts_on=timezone.localdate() + DAY
    )
    run = ImportRun.objects.create(
        user=world.coordinator, programme=programme, file_name="ark.xlsx", file_sha256="0" * 64
    )
    # A company activity about Alice's citizen, a meeting with her, a message about her and a named visitor at open
    # counselling hours: the outreach work's free text.
    activity = companies_actions.record_company_activity(
        acting_user=broker,
        company=company,
        programme=programme,
        kind="visit",
        occurred_on=day + 4 * DAY,
        citizens=[citizen],
        note="besøg",
    )
    soon = timezone.now() + datetime.timedelta(days=3)
    meeting = meetings_actions.schedule_meeting(
        acting_user=broker,
        kind="coffee_visit",
        starts_at=soon,
        ends_at=soon + datetime.timedelta(hours=1),
        address="Vestergade 1, Aarhus",
        enrolment=enrolment,
        company=company,
        company_contacts=[buddy],
        note="internt",
    )
    broker.email = "alice@jobbro.example"  # a message about the citizen to her job broker needs no consent
    broker.save(update_fields=["email"])
    outbox.queue(
        channel="email",
        to=broker.email,
        subject="emne",
        body="tekst",
        dedupe_key="canary-message",
        citizen=citizen,
        purpose="meeting_invitation",
        attachments=[("invitation.ics", b"BEGIN:VCALENDAR", "text/calendar")],
    )
    event = outreach_actions.create_event(
        acting_user=world.coordinator,
        programme=programme,
        kind="open_counselling",
        title="Åben rådgivning",
        starts_at=soon,
        ends_at=soon + datetime.timedelta(hours=2),
    )
    outreach_actions.record_named_visit(
        acting_user=broker, event=event, name="Besøgende", phone="12345678", consent_given=True
    )
    # A net-gain calculation kept on Alice's case: its pages are crawled like the other pages of the case.
    on = datetime.date(2026, 3, 2)
    benefit, rate, _amount = net_gain_calculator.rates_in_force(on)[0]
    net_gain = net_gain_actions.calculate_net_gain(
        acting_user=broker,
        enrolment=enrolment,
        household=net_gain_calculator.Household(
            benefit=benefit, rate=rate, monthly_benefit=Decimal(11000), age=40, couple=False, children=0
        ),
        hourly_wage=Decimal(140),
        hours=[5, 10, 15],
        on=on,
    )
    # A questionnaire answered by Alice's citizen, with a free-text answer (a case note: surveys/results.py).
    questionnaire = survey_actions.create_questionnaire(
        acting_user=world.coordinator, programme=programme, title="Seks måneder", audience="citizens"
    )
    survey_actions.add_question(
        acting_user=world.coordinator, questionnaire=questionnaire, text="Hvordan?", kind="scale"
    )
    free = survey_actions.add_question(
        acting_user=world.coordinator, questionnaire=questionnaire, text="Hvad mere?", kind="text"
    )
    survey_actions.open_questionnaire(acting_user=world.coordinator, questionnaire=questionnaire)
    [(_invitation, link)] = survey_actions.send(
        acting_user=world.coordinator, questionnaire=questionnaire, recipients=[enrolment], message=False
    )
    scale = questionnaire.questions.exclude(pk=free.pk).get()
    survey_actions.submit_answers(token=link.rstrip("/").rsplit("/", 1)[-1], given={scale.pk: "4", free.pk: "Mere"})
    # An integration of the JSON API (its page revokes it; the API itself is token-only: jobbro/api/tests).
    integration, _token = api_actions.create_integration(
        acting_user=world.administrator, name="Sagssystem", user=world.caseworker, scopes=["citizens:read"]
    )
    # A legal hold set and lifted on Alice's citizen, and a receipt of an erasure (jobbro/privacy).
    privacy_actions.set_legal_hold(acting_user=world.caseworker, citizen=citizen, reason="klage i Ankestyrelsen")
    privacy_actions.lift_legal_hold(acting_user=world.caseworker, citizen=citizen, reason="klagen er afgjort")
    receipt = ErasureReceipt.objects.create(
        reference="SL-TEST-1", citizen=world.randers_citizen, pseudonym="Slettet borger", cause="request"
    )
    # A caseworker's prepared export of Alice's citizen (its ZIP is for that caseworker alone).
    data_export = DataExport.objects.create(
        citizen=citizen,
        requested_by=world.caseworker,
        status=DataExport.Status.DONE,
        content=export_tasks.encrypt(b"PK"),
        expires_at=timezone.now() + DAY,
    )
    return {
        "integration": integration,
        "questionnaire": questionnaire,
        "question": free,
        "receipt": receipt,
        "data_export": data_export,
        "net_gain": net_gain,
        "activity": activity,
        "meeting": meeting,
        "event": event,
        "world": world,
        "plan": plan,
        "placement": placement,
        "running": running,
        "proposal": proposal,
        "opening": opening,
        "heavy": heavy,
        "company": company,
        "buddy": buddy,
        "institution": institution,
        "course": Course.objects.get(),
        "import_run": run,
        "ended": ended,
    }


# Every classified group with text in it; "not_free_text" (codes, hashes, ids) holds no prose to leak.
CANARY_GROUPS = ("case_notes", "shared_with_company", "identity", "audit")


def token_for(name, field):
    """The field's canary, or a short one (qxkanarie and a number) for a short field; None if not even that fits."""
    if isinstance(field, models.JSONField):
        return canary(name)
    limit = field.max_length or 10**6
    short = f"{CANARY}{sorted(name for names in free_text.GROUPS.values() for name in names).index(name):03d}"
    return next((token for token in (canary(name), short) if len(token) <= limit), None)


def writable_fields(group):
    """(name, model, field, canary) for the group's text fields that can hold one (a postcode's 4 characters cannot)."""
    for name in sorted(free_text.GROUPS[group]):
        label, field_name = name.rsplit(".", 1)
        model = apps.get_model(label)
        field = model._meta.get_field(field_name)
        text = isinstance(field, (models.CharField, models.TextField, models.JSONField)) and not field.choices
        if text and token_for(name, field):
            yield name, model, field, token_for(name, field)


def write_canaries(groups=CANARY_GROUPS):
    """Every text field of every row, in each group, holds its canary: {name: (group, rows written, canary)}.

    Each field must have a row, or its canary would prove nothing.
    """
    written = {}
    for group in groups:
        for name, model, field, token in writable_fields(group):
            value = {"text": token} if isinstance(field, models.JSONField) else token
            written[name] = (group, model.objects.update(**{field.name: value}), token)
    empty = [name for name, (_group, rows, _token) in written.items() if not rows]
    assert not empty, f"the world has no row for {empty}: the canary would prove nothing"
    return written


def groups_allowed(user):
    """What the role table lets the user read: the CV, the placement agreement and who the citizen is go with seeing
    named citizens; case notes with reading notes; the audit trail with administering."""
    allowed = set()
    if may(user, Capability.READ_CITIZEN):
        allowed |= {"shared_with_company", "identity"}
    if may(user, Capability.READ_NOTES):
        allowed.add("case_notes")
    if may(user, Capability.ADMINISTER):
        allowed.add("audit")
    return allowed


# --- The crawl ------------------------------------------------------------------------------------------


def _patterns(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin" or entry.app_name == "admin":
                continue
            if entry.namespace == "api":  # token-only: its notes rule is tested in jobbro/api/tests
                continue
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            yield entry.name, list(entry.pattern.converters)


def page_urls(data):
    """Every named page with real ids (each choice of a slug or kind), plus each "Why not?" on the matching pages."""
    w = data["world"]
    citizen, enrolment = w.alices_citizen, w.alices_enrolment
    pk_by_name = {
        "placement_detail": data["placement"].pk,
        "placement_hours": data["placement"].pk,
        "placement_end": data["placement"].pk,
        "placement_wage": data["placement"].pk,
        "placement_legal_basis": data["placement"].pk,
        "company_detail": data["company"].pk,
        "company_edit": data["company"].pk,
        "company_contact_new": data["company"].pk,
        "company_contact_edit": data["company"].pk,
        "company_agreement_new": data["company"].pk,
        "company_agreement_end": data["company"].pk,
        "company_opening_new": data["company"].pk,
        "company_opening_close": data["company"].pk,
        "company_portal_links": data["company"].pk,
        "company_activity_new": data["company"].pk,
        **{name: data["event"].pk for name, _params in _patterns() if name.startswith("event_")},
        **{name: data["meeting"].pk for name, _params in _patterns() if name.startswith("meeting_")},
        "course_detail": data["course"].pk,
        "course_edit": data["course"].pk,
        "institution_detail": data["institution"].pk,
        "institution_edit": data["institution"].pk,
        "import_detail": data["import_run"].pk,
        "import_progress": data["import_run"].pk,
        "import_confirm": data["import_run"].pk,
        "opening_matches": data["heavy"].pk,
        "match_proposal_meeting": data["proposal"].pk,
        "match_proposal_agree": data["proposal"].pk,
        "match_proposal_decline": data["proposal"].pk,
        "netgain_result": data["net_gain"].pk,
        "netgain_print": data["net_gain"].pk,
        "integration_revoke": data["integration"].pk,
        **{name: data["questionnaire"].pk for name, _params in _patterns() if name.startswith("questionnaire_")},
        "privacy_receipt": data["receipt"].pk,
        "privacy_receipt_pdf": data["receipt"].pk,
    }
    values = {
        "citizen_pk": [citizen.pk],
        "enrolment_pk": [enrolment.pk],
        "plan_pk": [data["plan"].pk],
        "milestone_pk": [data["plan"].milestones.get().pk],
        "goal_pk": [JobGoal.objects.get(citizen=citizen).pk],
        "entry_pk": [CVEntry.objects.get(citizen=citizen).pk],
        "restriction_pk": [Restriction.objects.get(citizen=citizen).pk],
        "effort_pk": [ParallelEffort.objects.get(citizen=citizen).pk],
        "contact_pk": [CompanyContact.objects.get().pk],
        "agreement_pk": [data["company"].agreements.get().pk],
        "opening_pk": [data["opening"].pk],
        "placement_pk": [data["running"].pk],
        "question_pk": [data["question"].pk],
        "week": ["2025-W12"],
        # The outreach pages' rows (none of them is a case note; a page without a row is not crawled).
        "registration_pk": list(Registration.objects.values_list("pk", flat=True)[:1]),
        "conversation_pk": list(SpeedDatingConversation.objects.values_list("pk", flat=True)[:1]),
        "template_pk": list(MessageTemplate.objects.values_list("pk", flat=True)[:1]),
        "subscription_pk": list(Subscription.objects.values_list("pk", flat=True)[:1]),
        "token": [],  # the unsubscribe page: no sign-in, shows no citizen (jobbro/messaging/tests)
        "slug": [entry.slug for entry in REPORTS],
        "kind": list(schemas.BY_KIND),
        # The consent pages (one form each, no case note): every kind.
        "consent_kind": ["data_sharing", "evaluation", "treatment_contact"],
        # The administrators' set-up pages (jobbro/accounts/setup_views.py).
        "programme_pk": [enrolment.programme_id],
        "site_pk": [enrolment.site_id],
        "membership_pk": list(
            Membership.objects.filter(programme=enrolment.programme_id).values_list("pk", flat=True)[:1]
        ),
        "result_goal_pk": [
            ResultGoal.objects.get_or_create(
                programme_id=enrolment.programme_id, metric="employed", deadline="2026-12-31", defaults={"target": 5}
            )[0].pk
        ],
    }
    urls = []
    for name, params in _patterns():
        if name in NOT_CRAWLED:
            continue
        choices = [{}]
        for param in params:
            options = [pk_by_name[name]] if param == "pk" else values[param]
            choices = [{**kwargs, param: option} for kwargs in choices for option in options]
        urls += [(name, reverse(name, kwargs=kwargs)) for kwargs in choices]
    for name, url in list(urls):
        if name == "citizen_matches":
            urls += [(name, f"{url}?why={o.pk}") for o in Opening.objects.filter(programme=enrolment.programme)]
        if name == "opening_matches":
            urls += [(name, f"{url}?why={e.pk}") for e in enrolment.programme.enrolments.all()]
            urls += [(name, reverse(name, kwargs={"pk": o.pk})) for o in Opening.objects.exclude(pk=data["heavy"].pk)]
        if name == "citizen_list":
            urls += [(name, f"{url}?status=all"), (name, f"{url}?status=ended")]
    # Alice's colleague's citizen has the running placement; another of Alice's citizens has ended with outcomes.
    for other in (w.bobs_citizen, data["ended"].citizen):
        urls.append(("citizen_detail", reverse("citizen_detail", kwargs={"citizen_pk": other.pk})))
    urls.append(
        (
            "placement_detail",
            reverse("placement_detail", kwargs={"citizen_pk": w.bobs_citizen.pk, "pk": data["running"].pk}),
        )
    )
    return urls


def admin_urls():
    """The admin's index, each model's list, and each row's change page for the models holding case notes."""
    urls = [("admin:index", reverse("admin:index"))]
    note_models = {apps.get_model(name.rsplit(".", 1)[0]) for name in free_text.CASE_NOTES}
    for model, _model_admin in admin.site._registry.items():
        meta = model._meta
        urls.append(("admin", reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")))
        if model in note_models or model._meta.label == "people.Citizen":
            for pk in model.objects.values_list("pk", flat=True)[:3]:
                urls.append(("admin", reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[pk])))
    return urls


def answer_text(response):
    """What a response says, as text: a spreadsheet's cell values, a PDF's text, else the body."""
    content_type = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if content_type.startswith(XLSX):
        workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(
            str(cell)
            for sheet in workbook
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        ), "xlsx"
    if content_type.startswith("application/pdf"):
        return pdf_text(body), "pdf"
    return body.decode("utf-8", errors="replace"), "page"


def crawl(client, user, urls):
    """GET every URL as the user: {url: (status, kind, text)}."""
    client.force_login(user)
    answers = {}
    for _name, url in urls:
        response = client.get(url)
        text, kind = answer_text(response)
        answers[url] = (response.status_code, kind, text)
    client.logout()
    return answers


def canaries_in(text):
    return sorted({match.group(0) for match in re.finditer(CANARY + r"\w*", text, re.I)})


# --- The tests ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "coordinator", "evaluator"])
def test_no_case_note_reaches_a_role_that_may_not_read_notes(client, populated, role):
    """Case notes and the audit trail reach none of them; the evaluator also gets no name, CV or agreement."""
    written = write_canaries()
    user = getattr(populated["world"], role)
    assert "case_notes" not in groups_allowed(user)
    forbidden = {
        token.lower(): name for name, (group, _rows, token) in written.items() if group not in groups_allowed(user)
    }
    urls = page_urls(populated) + admin_urls()
    answers = crawl(client, user, urls)
    leaks = {}
    for url, (_status, _kind, text) in answers.items():
        found = sorted(forbidden[token.lower()] for token in canaries_in(text) if token.lower() in forbidden)
        if found:
            leaks[url] = found
    assert not leaks, f"shown to the {role}: {leaks}"
    shown = [url for url, (status, _kind, _text) in answers.items() if status == 200]
    exports = [url for url, (status, kind, _text) in answers.items() if status == 200 and kind != "page"]
    notes = sum(group == "case_notes" for group, _rows, _token in written.values())
    print(
        f"\n{role}: {len(forbidden)} forbidden text fields ({notes} case-note fields) of {len(written)} written "
        f"({sum(rows for _group, rows, _token in written.values())} rows) × {len(answers)} addresses ({len(shown)} answered "
        f"200, of them {len(exports)} spreadsheets and PDFs): none shown"
    )
    # The crawl reached the role's pages: a crawl of 404s would prove nothing.
    if role != "evaluator":
        assert reverse("citizen_detail", kwargs={"citizen_pk": populated["world"].alices_citizen.pk}) in shown
        assert any(kind == "pdf" for _status, kind, _text in answers.values())
    assert any(kind == "xlsx" for status, kind, _text in answers.values() if status == 200)


def test_a_job_broker_meets_every_case_note(client, populated):
    """The same crawl as Alice, the job broker: every canary is rendered somewhere, most on the citizen page."""
    write_canaries()
    answers = crawl(client, populated["world"].alice, page_urls(populated))
    seen = {found.lower() for _status, _kind, text in answers.values() for found in canaries_in(text)}
    missing = sorted(name for name in free_text.CASE_NOTES if canary(name).lower() not in seen)
    assert not missing, f"never shown even to the job broker: {missing}"
    citizen_page = answers[reverse("citizen_detail", kwargs={"citizen_pk": populated["world"].alices_citizen.pk})][2]
    on_citizen_page = {found.lower() for found in canaries_in(citizen_page)}
    for name in (
        "cases.StepChange.note",
        "cases.UpskillingDecision.reason",
        "people.CompetenceAssessment.comment",
        "cases.Contact.note",
        "cases.Enrolment.referral_text",
        "people.JobGoal.text",
        "cases.JobPlan.title",
    ):
        assert canary(name).lower() in on_citizen_page, name


def test_the_shared_with_company_text_is_shown_to_the_coordinator(client, populated):
    """The CV and the written placement agreement are shared with the company by design (policy.SHARED_WITH_COMPANY)."""
    w = populated["world"]
    CVEntry.objects.update(description="cvtekstqx")
    client.force_login(w.coordinator)
    assert "cvtekstqx" in client.get(reverse("cv", kwargs={"citizen_pk": w.alices_citizen.pk})).content.decode()
    assert "cvtekstqx" in pdf_text(client.get(reverse("cv_pdf", kwargs={"citizen_pk": w.alices_citizen.pk})).content)
    page = client.get(
        reverse("placement_detail", kwargs={"citizen_pk": w.alices_citizen.pk, "pk": populated["placement"].pk})
    )
    assert "formål" in page.content.decode()


@pytest.mark.parametrize("role", ["manager", "coordinator", "evaluator", "alice"])
def test_the_admin_stays_closed_to_other_roles_even_with_staff_status_and_every_permission(client, populated, role):
    """Staff status or model permissions given by mistake do not open the admin: only the role table does."""
    write_canaries()
    user = getattr(populated["world"], role)
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.all())
    answers = crawl(client, user, admin_urls())
    assert {status for status, _kind, _text in answers.values()} == {302}
    assert not any(canaries_in(text) for _status, _kind, text in answers.values())


def test_an_administrator_reads_the_case_notes_in_the_admin(client, populated):
    write_canaries()
    administrator = populated["world"].administrator
    administrator.is_staff = administrator.is_superuser = True  # as the demo and createsuperuser make them
    administrator.save()
    answers = crawl(client, administrator, admin_urls())
    assert {status for status, _kind, _text in answers.values()} == {200}
    seen = {found.lower() for _status, _kind, text in answers.values() for found in canaries_in(text)}
    assert canary("cases.StepChange.note").lower() in seen
    assert canary("cases.Contact.note").lower() in seen


def test_the_admin_asks_for_capabilities_the_role_table_names():
    for capability in admin_site.ADMIN_NEEDS:
        assert Capability(capability)
    assert admin.site.has_permission.__func__ is admin_site.JobbroAdminSite.has_permission
