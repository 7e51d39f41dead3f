"""The shared cast for the domain tests, in the healthchecks style.

One programme, "Job i Nordvest", with two sites (Aarhus and Randers), and an outside programme,
"Job i Syd" (Odense). Staff:

    alice         job broker at the Aarhus site
    bob           job broker at the Aarhus site (alice's colleague)
    charlie       job broker in the other programme (the outsider)
    caseworker    caseworker for the whole of Job i Nordvest (refers citizens)
    mentor        mentor in Job i Nordvest
    coordinator   coordinator for the whole of Job i Nordvest
    manager       manager for the whole of Job i Nordvest
    evaluator     evaluator attached to Job i Nordvest (pseudonymised data only)
    administrator system administrator, no membership
    outside_caseworker  caseworker in Job i Syd

Citizens, all referred through cases.actions.refer_citizen:

    alices_enrolment    Aarhus, job broker alice
    bobs_enrolment      Aarhus, job broker bob, mentor `mentor`
    randers_enrolment   Randers, no job broker yet
    mentors_enrolment   Randers, `mentor` is also the job broker ("two-in-one")
    charlies_enrolment  Job i Syd, job broker charlie

Every test that uses these gets its own copy (function scope, rolled back after the test).
"""

import datetime
import itertools
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from jobbro.accounts.models import Membership, Programme, Role, Site, User
from jobbro.accounts.policy import Capability, may
from jobbro.cases import actions
from jobbro.cases.models import Enrolment, PlacementKind
from jobbro.companies.models import Company, CompanyContact, NetworkAgreement, Opening
from jobbro.people.models import Consent, ConsentKind, ConsentManner

REFERRED_ON = datetime.date(2025, 3, 3)  # a Monday
_cpr_serials = itertools.count(1)
_cvr_serials = itertools.count(1)


# --- Identity numbers ---------------------------------------------------------------------


def make_cpr(n=None, *, dashed=False):
    """A valid, unique CPR number: born n days after 1 Jan 1960, serial starting with 1 (a 1900s birth)."""
    n = next(_cpr_serials) if n is None else n
    born = datetime.date(1960, 1, 1) + datetime.timedelta(days=n % 14000)
    digits = f"{born:%d%m%y}1{n % 1000:03d}"
    return f"{digits[:6]}-{digits[6:]}" if dashed else digits


def make_cvr(n=None):
    """A CVR number with a valid check digit (weights 2,7,6,5,4,3,2,1; sum divisible by 11)."""
    while True:
        n = next(_cvr_serials) if n is None else n
        prefix = f"{1000000 + n * 7919 % 8999999:07d}"
        total = sum(w * int(d) for w, d in zip((2, 7, 6, 5, 4, 3, 2), prefix, strict=True))
        check = -total % 11
        if check < 10:
            return prefix + str(check)
        n = None


class SignedInClient(Client):
    """force_login skips the password; for a user who must use two-factor sign-in it skips the code too.

    As if the code had been typed from a confirmed authenticator. The sign-in tests (accounts/tests/test_signin*.py)
    go through the password and the real code instead.
    """

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        if may(user, Capability.ADMINISTER):
            device, _ = TOTPDevice.objects.get_or_create(user=user, confirmed=True, defaults={"name": "test"})
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()


@pytest.fixture
def client():
    return SignedInClient()


@pytest.fixture(autouse=True)
def fresh_citizen_pool():
    """Each test starts without the matching features a process keeps in memory (jobbro/matching/pool.py): a
    rolled-back test's ids can come again in the next."""
    from jobbro.matching import pool

    pool.forget()
    yield
    pool.forget()


@contextmanager
def rolled_back():
    """Run a block in a savepoint that is always rolled back: one Hypothesis example never sees another's rows."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# --- Programmes, sites and staff ------------------------------------------------------------


@pytest.fixture
def programme(db):
    return Programme.objects.create(name="Job i Nordvest", starts_on=datetime.date(2025, 1, 1))


@pytest.fixture
def site(programme):
    return Site.objects.create(programme=programme, name="Aarhus Kommune", municipality_code="751")


@pytest.fixture
def other_site(programme):
    return Site.objects.create(programme=programme, name="Randers Kommune", municipality_code="730")


@pytest.fixture
def other_programme(db):
    return Programme.objects.create(name="Job i Syd", starts_on=datetime.date(2025, 1, 1))


@pytest.fixture
def other_programme_site(other_programme):
    return Site.objects.create(programme=other_programme, name="Odense Kommune", municipality_code="461")


def make_user(username, role, *, programme=None, site=None, first_name="", last_name=""):
    user = User.objects.create_user(
        username,
        password="korrekt-hest-batteri",
        role=role,
        first_name=first_name or username.capitalize(),
        last_name=last_name or "Testesen",
    )
    if programme is not None:
        Membership.objects.create(user=user, programme=programme, site=site)
    return user


@pytest.fixture
def alice(programme, site):
    return make_user("alice", Role.JOB_BROKER, programme=programme, site=site, last_name="Andersen")


@pytest.fixture
def bob(programme, site):
    return make_user("bob", Role.JOB_BROKER, programme=programme, site=site, last_name="Berg")


@pytest.fixture
def charlie(other_programme):
    return make_user("charlie", Role.JOB_BROKER, programme=other_programme, last_name="Christensen")


@pytest.fixture
def caseworker(programme):
    return make_user("sara", Role.CASEWORKER, programme=programme, last_name="Sagsbehandler")


@pytest.fixture
def outside_caseworker(other_programme):
    return make_user("ole", Role.CASEWORKER, programme=other_programme, last_name="Odense")


@pytest.fixture
def mentor(programme):
    return make_user("mads", Role.MENTOR, programme=programme, last_name="Mentor")


@pytest.fixture
def coordinator(programme):
    return make_user("kim", Role.COORDINATOR, programme=programme, last_name="Koordinator")


@pytest.fixture
def manager(programme):
    return make_user("maja", Role.MANAGER, programme=programme, last_name="Leder")


@pytest.fixture
def evaluator(programme):
    return make_user("eva", Role.EVALUATOR, programme=programme, last_name="Evaluator")


@pytest.fixture
def administrator(db):
    return make_user("admin", Role.ADMINISTRATOR)


@pytest.fixture
def staff(alice, bob, charlie, caseworker, outside_caseworker, mentor, coordinator, manager, evaluator, administrator):
    """Everyone, by fixture name: `staff.alice`, `staff.manager`, ..."""
    return SimpleNamespace(
        alice=alice,
        bob=bob,
        charlie=charlie,
        caseworker=caseworker,
        outside_caseworker=outside_caseworker,
        mentor=mentor,
        coordinator=coordinator,
        manager=manager,
        evaluator=evaluator,
        administrator=administrator,
    )


# --- Citizens -------------------------------------------------------------------------------


@pytest.fixture
def refer(programme, site, caseworker):
    """`refer(first_name=..., last_name=..., **overrides)`: the start form through the real action.

    Defaults: Job i Nordvest, Aarhus, referred by the caseworker on REFERRED_ON, yellow, 10 hours,
    a fresh valid CPR number. The citizen consents to sharing data with companies and to the evaluation from the
    referral date, as nearly every citizen does (`consents=()` for one never asked; docs/consent.md).
    """

    def _refer(
        *,
        acting_user=None,
        cpr_number=None,
        first_name="Test",
        last_name="Borger",
        consents=(ConsentKind.DATA_SHARING, ConsentKind.EVALUATION),
        **overrides,
    ):
        arguments = {
            "programme": programme,
            "site": site,
            "referred_on": REFERRED_ON,
            "traffic_light": "yellow",
            "estimated_weekly_hours": 10,
        }
        arguments.update(overrides)
        enrolment = actions.refer_citizen(
            acting_user=acting_user or caseworker,
            cpr_number=cpr_number or make_cpr(),
            first_name=first_name,
            last_name=last_name,
            **arguments,
        )
        # The consents as the history rows people.actions.give_consent writes (without its change-log rows, which
        # tests of other actions count); the consent tests record theirs through the action.
        for kind in consents:
            Consent.objects.get_or_create(
                citizen=enrolment.citizen,
                kind=kind,
                defaults={
                    "on": enrolment.referred_on,
                    "manner": ConsentManner.WRITTEN,
                    "recorded_by": acting_user or caseworker,
                },
            )
        return enrolment

    return _refer


ALICES_CPR = "010190-1234"
BOBS_CPR = "020285-1235"
RANDERS_CPR = "030378-2236"
MENTORS_CPR = "040499-3237"
CHARLIES_CPR = "050570-1238"


@pytest.fixture
def alices_enrolment(refer, alice):
    return refer(
        cpr_number=ALICES_CPR,
        first_name="Mette",
        last_name="Sørensen",
        job_broker=alice,
        traffic_light="green",
        referral_text="Henvist efter samtale om misbrug – fortroligt.",
    )


@pytest.fixture
def bobs_enrolment(refer, bob, mentor):
    enrolment = refer(cpr_number=BOBS_CPR, first_name="Ahmed", last_name="Hassan", job_broker=bob, traffic_light="red")
    # There is no action for assigning a mentor yet; set the field the way such an action would.
    Enrolment.objects.filter(pk=enrolment.pk).update(mentor=mentor)
    enrolment.refresh_from_db()
    return enrolment


@pytest.fixture
def randers_enrolment(refer, other_site):
    return refer(cpr_number=RANDERS_CPR, first_name="Lars", last_name="Nielsen", site=other_site)


@pytest.fixture
def mentors_enrolment(refer, other_site, mentor):
    return refer(cpr_number=MENTORS_CPR, first_name="Fatima", last_name="Ali", site=other_site, job_broker=mentor)


@pytest.fixture
def charlies_enrolment(refer, other_programme, other_programme_site, outside_caseworker, charlie):
    return refer(
        cpr_number=CHARLIES_CPR,
        first_name="Karen",
        last_name="Jensen",
        programme=other_programme,
        site=other_programme_site,
        acting_user=outside_caseworker,
        job_broker=charlie,
    )


@pytest.fixture
def alices_citizen(alices_enrolment):
    return alices_enrolment.citizen


@pytest.fixture
def charlies_citizen(charlies_enrolment):
    return charlies_enrolment.citizen


@pytest.fixture
def world(staff, alices_enrolment, bobs_enrolment, randers_enrolment, mentors_enrolment, charlies_enrolment):
    """All staff and all five enrolments; citizens by the same names: `world.alices_citizen`."""
    enrolments = {
        "alices": alices_enrolment,
        "bobs": bobs_enrolment,
        "randers": randers_enrolment,
        "mentors": mentors_enrolment,
        "charlies": charlies_enrolment,
    }
    namespace = SimpleNamespace(**vars(staff))
    for name, enrolment in enrolments.items():
        setattr(namespace, f"{name}_enrolment", enrolment)
        setattr(namespace, f"{name}_citizen", enrolment.citizen)
    return namespace


# --- Companies ------------------------------------------------------------------------------


def make_company(name, kind=Company.Kind.PRIVATE, *, programme=None, city="Aarhus", industry_code="561010"):
    company = Company.objects.create(cvr=make_cvr(), name=name, kind=kind, industry_code=industry_code, city=city)
    if programme is not None:
        NetworkAgreement.objects.create(company=company, programme=programme, signed_on=datetime.date(2025, 1, 15))
    return company


@pytest.fixture
def company(programme):
    return make_company("Café Havnen", programme=programme)


@pytest.fixture
def social_company(programme):
    return make_company("Grønt Værksted", Company.Kind.SOCIAL_ECONOMIC, programme=programme, industry_code="813000")


@pytest.fixture
def buddy(company):
    return CompanyContact.objects.create(company=company, name="Birgit Buddy", is_buddy=True)


def make_opening(
    company, programme, title, *, weekly_hours=8, days=("mon",), buddy=None, status=Opening.Status.OPEN, **extra
):
    return Opening.objects.create(
        company=company,
        programme=programme,
        title=title,
        tasks=extra.pop("tasks", "Opvask og rengøring"),
        weekly_hours=weekly_hours,
        days=list(days),
        buddy=buddy,
        status=status,
        posted_on=extra.pop("posted_on", datetime.date(2025, 3, 1)),
        **extra,
    )


@pytest.fixture
def start(caseworker, company):
    """`start(enrolment, **overrides)`: start a placement through the real action, with an agreement on 10 ordinary hours."""

    def _start(enrolment, *, acting_user=None, **overrides):
        arguments = {
            "company": company,
            "kind": PlacementKind.SMALL_JOB,
            "starts_on": enrolment.referred_on + datetime.timedelta(days=14),
            "agreed_ordinary_hours": 10,
        }
        arguments.update(overrides)
        # The caseworker covers Job i Nordvest; a case elsewhere is started by its own job broker.
        default = (
            caseworker if enrolment.programme_id == caseworker.memberships.get().programme_id else enrolment.job_broker
        )
        return actions.start_placement(acting_user=acting_user or default, enrolment=enrolment, **arguments)

    return _start


class SMTPServer:
    """A real SMTP server (aiosmtpd) on a free port of 127.0.0.1; `.messages` are the e-mails it received, parsed
    (email.message.Message), in order. `stop()` and `start()` take it away and bring it back on the same port."""

    def __init__(self):
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.host = "127.0.0.1"
        self.messages = []
        self.envelopes = []
        self.controller = None

    def start(self):
        import email

        from aiosmtpd.controller import Controller

        server = self

        class Handler:
            async def handle_DATA(self, smtp, session, envelope):
                server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
                server.messages.append(email.message_from_bytes(envelope.original_content or envelope.content))
                return "250 Message accepted for delivery"

        self.controller = Controller(Handler(), hostname=self.host, port=self.port)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server(settings):
    """A running SMTP server, with Django's SMTP backend pointed at it (no TLS, no login)."""
    server = SMTPServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = server.host
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    try:
        yield server
    finally:
        server.stop()
