"""Two questionnaires in the demo programme, through the real actions: to citizens six months after referral, and to
the programme's staff, each with answers drawn from the seed (about 72 % and 84 % answer, as in the evaluations);
the citizen-rated follow-up is turned on in the programme's fidelity settings on the first question.

The links' tokens are random (as every link's), so the demo shows no link to a questionnaire; the answers, the
response rates and the results are the same for the same seed and day."""

import datetime
import random
from collections import Counter

from django.contrib.auth import get_user_model
from django.utils import timezone

from jobbro.accounts.actions import update_programme_settings
from jobbro.accounts.fidelity_settings import CITIZEN_RATED_FOLLOW_UP, SETTINGS_KEY
from jobbro.accounts.models import Role
from jobbro.surveys import actions
from jobbro.surveys.models import Answer, Audience, Invitation, Question, Questionnaire

FOLLOW_UP_TEXTS = [
    "Det har hjulpet at have én fast kontaktperson.",
    "Jeg vil gerne have flere timer på arbejdspladsen.",
    "Mere hjælp til transport i starten.",
    "Godt med en buddy, der viste mig rundt.",
]
STAFF_TEXTS = [
    "Vi mangler tid til opfølgning i de første uger.",
    "Netværksmøderne med virksomhederne virker.",
    "Registreringen af timer går hurtigere nu.",
]


def _moment(day, hour):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def add_surveys_demo(programme, today, seed=2026):
    """Returns a Counter for the demo's summary: questionnaires, invitations and answers."""
    rng = random.Random(seed + 7)
    coordinator = (
        programme.memberships.filter(user__role=Role.COORDINATOR).select_related("user").order_by("pk").first()
    )
    if coordinator is None:
        return Counter()
    coordinator = coordinator.user
    sent_on = today - datetime.timedelta(days=21)
    counts = Counter()

    citizens = actions.create_questionnaire(
        acting_user=coordinator,
        programme=programme,
        title="Seks måneder i projektet",
        audience=Audience.CITIZENS,
        intro="Vi vil gerne høre, hvordan du har oplevet det første halve år. Dine svar hjælper os med at blive bedre.",
        now=_moment(sent_on - datetime.timedelta(days=2), 9),
    )
    follow_up = actions.add_question(
        acting_user=coordinator,
        questionnaire=citizens,
        text="Hvor godt har din jobformidler fulgt op på dig?",
        kind=Question.Kind.SCALE,
        low_label="Slet ikke",
        high_label="Meget godt",
    )
    paid = actions.add_question(
        acting_user=coordinator, questionnaire=citizens, text="Har du løntimer nu?", kind=Question.Kind.YES_NO
    )
    hours = actions.add_question(
        acting_user=coordinator,
        questionnaire=citizens,
        text="Hvor mange timer om ugen arbejder du?",
        kind=Question.Kind.CHOICE,
        options=["Ingen", "Under 10", "10-20", "Over 20"],
        required=False,
    )
    better = actions.add_question(
        acting_user=coordinator,
        questionnaire=citizens,
        text="Hvad kunne vi gøre bedre?",
        kind=Question.Kind.TEXT,
        required=False,
    )
    actions.open_questionnaire(acting_user=coordinator, questionnaire=citizens, now=_moment(sent_on, 8))
    recipients = actions.citizen_recipients(coordinator, citizens, on=sent_on, at_least_months=6, at_most_months=12)
    sent = actions.send(
        acting_user=coordinator, questionnaire=citizens, recipients=recipients, now=_moment(sent_on, 9), message=False
    )
    for n, (_invitation, link) in enumerate(sent):
        if rng.random() >= 0.72:
            continue
        score = rng.choices([1, 2, 3, 4, 5], [1, 2, 4, 8, 6])[0]
        has_paid = rng.random() < 0.45
        given = {
            follow_up.pk: str(score),
            paid.pk: "1" if has_paid else "0",
            hours.pk: str(rng.choice([2, 3, 4]) if has_paid else 1),
            better.pk: rng.choice(FOLLOW_UP_TEXTS) if rng.random() < 0.4 else "",
        }
        actions.submit_answers(
            token=link.rstrip("/").rsplit("/", 1)[-1],
            given=given,
            now=_moment(sent_on + datetime.timedelta(days=1 + n % 10), 10 + n % 8),
        )

    staff = actions.create_questionnaire(
        acting_user=coordinator,
        programme=programme,
        title="Metode og samarbejde",
        audience=Audience.STAFF,
        intro="Halvårlig måling blandt medarbejderne i projektet.",
        now=_moment(sent_on - datetime.timedelta(days=1), 9),
    )
    method = actions.add_question(
        acting_user=coordinator,
        questionnaire=staff,
        text="I hvor høj grad arbejder du efter projektets metode?",
        kind=Question.Kind.SCALE,
        low_label="Slet ikke",
        high_label="I meget høj grad",
    )
    network = actions.add_question(
        acting_user=coordinator,
        questionnaire=staff,
        text="Har du haft kontakt med en netværksvirksomhed den seneste måned?",
        kind=Question.Kind.YES_NO,
    )
    idea = actions.add_question(
        acting_user=coordinator,
        questionnaire=staff,
        text="Hvad skal vi ændre?",
        kind=Question.Kind.TEXT,
        required=False,
    )
    actions.open_questionnaire(acting_user=coordinator, questionnaire=staff, now=_moment(sent_on, 8))
    sent = actions.send(
        acting_user=coordinator,
        questionnaire=staff,
        recipients=actions.staff_recipients(staff),
        now=_moment(sent_on, 9),
        message=False,
    )
    for n, (_invitation, link) in enumerate(sent):
        if rng.random() >= 0.84:
            continue
        given = {
            method.pk: str(rng.choices([2, 3, 4, 5], [1, 3, 6, 3])[0]),
            network.pk: "1" if rng.random() < 0.8 else "0",
            idea.pk: rng.choice(STAFF_TEXTS) if rng.random() < 0.5 else "",
        }
        actions.submit_answers(
            token=link.rstrip("/").rsplit("/", 1)[-1],
            given=given,
            now=_moment(sent_on + datetime.timedelta(days=2), 9 + n % 6),
        )

    # The fidelity report draws on the citizens' answers to the follow-up question (set by the administrator).
    administrator = get_user_model().objects.filter(role=Role.ADMINISTRATOR).order_by("pk").first()
    if administrator is not None:
        current = dict(programme.settings if isinstance(programme.settings, dict) else {})
        chosen = dict(current.get(SETTINGS_KEY) or {})
        chosen[CITIZEN_RATED_FOLLOW_UP] = {"enabled": True, "question": follow_up.pk, "threshold": 4, "target": 70}
        current[SETTINGS_KEY] = chosen
        programme.settings = update_programme_settings(
            acting_user=administrator, programme=programme, settings=current
        ).settings

    counts[Questionnaire] += 2
    counts[Invitation] += Invitation.objects.filter(questionnaire__in=[citizens, staff]).count()
    counts[Answer] += Answer.objects.filter(question__questionnaire__in=[citizens, staff]).count()
    return counts
