"""The deterministic demo programme: a believable company-oriented employment programme from a seed.

Every other write in jobbro goes through an action (cases/actions.py), which validates, writes the
history row and writes an audit row. The demo generator is the documented exception: it bulk-inserts
seed data directly (rows as tuples through `executemany`, a chunk of 2,000 citizens per transaction),
so that 100,000 citizens load in minutes instead of hours. It therefore writes **no audit rows**
(nobody acted, so there is nothing to audit). It keeps by construction the invariants the actions
would keep: every current field (step, traffic light, named staff) equals the last row of its
history, no timesheet lies outside its placement, no placement overlaps another, and no recorded fact
is dated after `today`. The only dates after `today` are forward-looking ones: planned ends, milestone
deadlines, planned placements and planned courses. The tests in demo/tests check all of this.

Determinism: every choice comes from one `random.Random(seed)` and a `Faker("da_DK")` seeded with the
same seed, consumed in a fixed order; no database id ever feeds back into a choice. The same seed,
size and `today` give the same names, dates and counts in a fresh database. (The CPR tokens differ
from run to run: Fernet encryption is randomised on purpose.)

Scale: staff grow with the number of citizens so caseloads stay believable (about 30 per job broker),
and the network holds about one company per four citizens. Citizens are simulated one at a time into
plain lists that are flushed per chunk, so memory stays bounded at any size.
"""

import math
import random
import unicodedata
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from time import monotonic

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone
from faker import Faker

from jobbro import codes
from jobbro.accounts.models import Membership, Programme, ResultGoal, Role, Site, TargetGroup, User
from jobbro.accounts.policy import ROLE_CAPABILITIES, Capability
from jobbro.bulk import RowWriter
from jobbro.cases.models import (
    PROGRESSION_DIMENSIONS,
    AgreedHoursChange,
    AssignmentChange,
    Contact,
    Enrolment,
    HourlyWage,
    JobPlan,
    Milestone,
    Outcome,
    OutcomeStatus,
    ParticipantForm,
    Placement,
    PlacementEndReason,
    PlacementKind,
    ProgressionAssessment,
    Step,
    StepChange,
    Timesheet,
    UpskillingDecision,
    UpskillingEnrolment,
    default_legal_basis,
)
from jobbro.cases.rules import week_has_ended
from jobbro.companies.models import (
    Company,
    CompanyContact,
    Course,
    KnowledgeInstitution,
    NetworkAgreement,
    Opening,
    Requirement,
    Weekday,
)
from jobbro.days import today as local_today
from jobbro.matching import pool as citizen_pool
from jobbro.people import cpr
from jobbro.people.models import (
    BenefitType,
    Citizen,
    CompetenceAssessment,
    Consent,
    CVEntry,
    JobGoal,
    OriginGroup,
    ParallelEffort,
    Restriction,
    Sex,
    TrafficLight,
    TrafficLightChange,
)
from jobbro.reporting import facts

DEMO_PASSWORD = "jobbro-demo"
PROGRAMME_NAME = "Virksomhedsrettet indsats – Jobbro demo"
CHUNK_CITIZENS = 2000
BATCH_SIZE = 1000
SQLITE_CACHE_KIB = 128 * 1024
CREATED_AT = time(8, 30)  # UTC: the start form is filled in in the morning
REGISTERED_AT = time(13, 0)  # UTC: hours are registered on Friday afternoon
DAY = timedelta(days=1)
WEEK = timedelta(days=7)
REFERRAL_WINDOW_DAYS = 540  # about 18 months of referrals before `today`
OPEN_SMALL_JOBS = 12  # at least this many small jobs are open on the demo's day (see _Generator._openings)

CitizenTargetGroup = Citizen.target_groups.through
ContactStaff = Contact.staff.through
ContactCompanyContact = Contact.company_contacts.through

# Parents before children (the foreign keys are deferred anyway, but the order reads right).
TABLE_ORDER = (
    Company,
    NetworkAgreement,
    CompanyContact,
    Opening,
    Citizen,
    CitizenTargetGroup,
    TrafficLightChange,
    Consent,
    JobGoal,
    Restriction,
    CVEntry,
    ParallelEffort,
    CompetenceAssessment,
    Enrolment,
    ParticipantForm,
    StepChange,
    AssignmentChange,
    JobPlan,
    Placement,
    Contact,
    UpskillingDecision,
    UpskillingEnrolment,
    ProgressionAssessment,
    Outcome,
    Milestone,
    AgreedHoursChange,
    Timesheet,
    HourlyWage,
    ContactStaff,
    ContactCompanyContact,
)
SUMMARY_LABELS = {
    Citizen: "citizens",
    Enrolment: "enrolments",
    Company: "companies",
    Opening: "openings",
    Placement: "placements",
    Timesheet: "timesheets",
    Contact: "contacts",
    User: "users",
    Membership: "memberships",
    Site: "sites",
    TargetGroup: "target_groups",
    ResultGoal: "result_goals",
    NetworkAgreement: "network_agreements",
    CompanyContact: "company_contacts",
    KnowledgeInstitution: "knowledge_institutions",
    Course: "courses",
    StepChange: "step_changes",
    AssignmentChange: "assignment_changes",
    TrafficLightChange: "traffic_light_changes",
    JobGoal: "job_goals",
    Restriction: "restrictions",
    CVEntry: "cv_entries",
    CompetenceAssessment: "competence_assessments",
    ParallelEffort: "parallel_efforts",
    Consent: "consents",
    JobPlan: "job_plans",
    Milestone: "milestones",
    AgreedHoursChange: "agreed_hours_changes",
    UpskillingDecision: "upskilling_decisions",
    UpskillingEnrolment: "upskilling_enrolments",
    ProgressionAssessment: "progression_assessments",
    Outcome: "outcomes",
    ContactStaff: "contact_staff_links",
}

# ---------------------------------------------------------------------------------------------
# The programme's fixed shape
# ---------------------------------------------------------------------------------------------

# name, kind, municipality code, share of citizens, postcodes
SITES = (
    (
        "Aarhus Kommune",
        Site.Kind.MUNICIPALITY,
        "751",
        0.5,
        (
            ("8000", "Aarhus C"),
            ("8200", "Aarhus N"),
            ("8210", "Aarhus V"),
            ("8220", "Brabrand"),
            ("8240", "Risskov"),
            ("8260", "Viby J"),
            ("8270", "Højbjerg"),
        ),
    ),
    (
        "Randers Kommune",
        Site.Kind.MUNICIPALITY,
        "730",
        0.3,
        (
            ("8900", "Randers C"),
            ("8920", "Randers NV"),
            ("8930", "Randers NØ"),
            ("8940", "Randers SV"),
            ("8960", "Randers SØ"),
            ("8870", "Langå"),
        ),
    ),
    ("Udekontoret i Gellerup", Site.Kind.OUTREACH_OFFICE, "751", 0.2, (("8220", "Brabrand"), ("8210", "Aarhus V"))),
)
SITE_SHARES = [site[3] for site in SITES]
# Vulnerable housing areas per site: area, postcode, city.
HOUSING_AREAS = {
    0: (
        ("Bispehaven", "8210", "Aarhus V"),
        ("Herredsvang", "8210", "Aarhus V"),
        ("Skovgårdsparken", "8220", "Brabrand"),
    ),
    1: (("Jennumparken", "8930", "Randers NØ"),),
    2: (("Gellerupparken", "8220", "Brabrand"), ("Toveshøj", "8220", "Brabrand")),
}

TG_WOMEN = "kvinder-ikke-vestlig-baggrund"
TG_ACTIVITY_READY = "aktivitetsparate-og-ressourceforloeb"
TG_FREE_CARD = "socialt-frikort"
TG_HOUSING = "udsatte-boligomraader"
TG_MATCH_4 = "etniske-minoriteter-matchkategori-4"
TG_YOUNG = "unge-under-30"
TARGET_GROUPS = (
    (TG_WOMEN, "Kvinder med ikke-vestlig baggrund"),
    (TG_ACTIVITY_READY, "Aktivitetsparate kontanthjælpsmodtagere og borgere i ressourceforløb"),
    (TG_FREE_CARD, "Borgere med socialt frikort"),
    (TG_HOUSING, "Beboere i udsatte boligområder"),
    (TG_MATCH_4, "Etniske minoriteter i matchkategori 4"),
    (TG_YOUNG, "Unge under 30 år"),
)

# Final result goals for 120 citizens (scaled by size); interim goals fall a year into the programme.
FINAL_GOALS = {
    ResultGoal.Metric.REFERRED: 120,
    ResultGoal.Metric.MATCHED_AND_STARTED: 70,
    ResultGoal.Metric.EMPLOYED: 48,
}
# The payment criterion the programme owners gave as an example ("at least 40 % of the target group in ordinary
# hours"); the demo sets it as a percent goal of those receiving active effort.
PAYMENT_CRITERION_PERCENT = 40
INTERIM_GOALS = {
    ResultGoal.Metric.REFERRED: 70,
    ResultGoal.Metric.MATCHED_AND_STARTED: 35,
    ResultGoal.Metric.EMPLOYED: 20,
}

# The core logins, shown in the login table. Site index None means the whole programme.
CORE_STAFF = (
    ("jobformidler", Role.JOB_BROKER, None),
    ("jobformidler2", Role.JOB_BROKER, 0),
    ("jobformidler3", Role.JOB_BROKER, 1),
    ("jobformidler4", Role.JOB_BROKER, 2),
    ("sagsbehandler", Role.CASEWORKER, None),
    ("sagsbehandler2", Role.CASEWORKER, 1),
    ("mentor", Role.MENTOR, None),
    ("koordinator", Role.COORDINATOR, None),
    ("leder", Role.MANAGER, None),
    ("evaluator", Role.EVALUATOR, None),
    ("admin", Role.ADMINISTRATOR, None),
)
# Citizens per extra staff member once the programme outgrows the core staff.
CITIZENS_PER_STAFF = {Role.JOB_BROKER: 30, Role.CASEWORKER: 60, Role.MENTOR: 120}

INSTITUTIONS = (
    (
        "Sprogcenter Aarhus",
        KnowledgeInstitution.Kind.LANGUAGE_SCHOOL,
        "Aarhus",
        (
            ("Dansk på arbejdspladsen", Course.Subject.LANGUAGE, 40, 0),
            ("Dansk for voksne – modul 2", Course.Subject.LANGUAGE, 60, 0),
        ),
    ),
    (
        "Sprogcenter Randers",
        KnowledgeInstitution.Kind.LANGUAGE_SCHOOL,
        "Randers",
        (("Arbejdspladsdansk", Course.Subject.LANGUAGE, 30, 0),),
    ),
    (
        "AMU-center Østjylland",
        KnowledgeInstitution.Kind.ADULT_EDUCATION,
        "Aarhus",
        (
            ("Hygiejnebevis (fødevarehygiejne)", Course.Subject.HYGIENE, 2, 1200),
            ("Professionel rengøring", Course.Subject.CLEANING, 5, 3500),
            ("Truckcertifikat B", Course.Subject.FORKLIFT, 10, 8900),
            ("Arbejdsmiljø og sikkerhed", Course.Subject.OTHER, 3, 1800),
        ),
    ),
    (
        "Erhvervsskolen Randers",
        KnowledgeInstitution.Kind.VOCATIONAL_COLLEGE,
        "Randers",
        (
            ("Køkkenhjælper – grundforløb", Course.Subject.KITCHEN, 15, 6500),
            ("Ejendomsservice for begyndere", Course.Subject.OTHER, 10, 5200),
        ),
    ),
    (
        "Social- og Sundhedsskolen Østjylland",
        KnowledgeInstitution.Kind.VOCATIONAL_COLLEGE,
        "Aarhus",
        (("Introduktion til pleje og omsorg", Course.Subject.CARE, 20, 7500),),
    ),
    (
        "VUC Østjylland",
        KnowledgeInstitution.Kind.ADULT_EDUCATION,
        "Aarhus",
        (("IT for begyndere", Course.Subject.IT, 10, 2500),),
    ),
)
# Which course subject helps towards which job goal (DISCO-08).
COURSE_FOR_OCCUPATION = {
    "9412": Course.Subject.HYGIENE,
    "5120": Course.Subject.KITCHEN,
    "9411": Course.Subject.HYGIENE,
    "9112": Course.Subject.CLEANING,
    "9111": Course.Subject.CLEANING,
    "9333": Course.Subject.FORKLIFT,
    "4321": Course.Subject.FORKLIFT,
    "5322": Course.Subject.CARE,
    "5311": Course.Subject.CARE,
    "4110": Course.Subject.IT,
}

R = Requirement
# Industry (DB07): typical occupations, the tasks in words, and what the tasks involve.
INDUSTRY_JOBS = {
    "107100": (("9412", "9329"), "Bagning, pakning af brød og opvask", (R.LONG_STANDING, R.HYGIENE_CERTIFICATE)),
    "410000": (
        ("9313", "7115"),
        "Oprydning på byggepladsen og hjælp til tømrerne",
        (R.HEAVY_LIFTING, R.DRIVING_LICENCE),
    ),
    "471110": (
        ("5223", "9333"),
        "Varepåfyldning, flaskeretur og kasse",
        (R.LONG_STANDING, R.HANDLES_PORK, R.HANDLES_ALCOHOL),
    ),
    "471120": (
        ("5223", "9333"),
        "Varepåfyldning og facing i butikken",
        (R.LONG_STANDING, R.HANDLES_PORK, R.EVENING_WORK),
    ),
    "521000": (
        ("9333", "4321", "8322"),
        "Plukning og pakning af ordrer på lageret",
        (R.HEAVY_LIFTING, R.LONG_STANDING),
    ),
    "551010": (
        ("9112", "9111", "5131"),
        "Rengøring af værelser og opdækning til morgenmad",
        (R.VACUUMING, R.LONG_STANDING, R.HANDLES_ALCOHOL),
    ),
    "561010": (
        ("9412", "5120", "5131"),
        "Opvask, klargøring af grøntsager og oprydning",
        (R.LONG_STANDING, R.EVENING_WORK, R.HYGIENE_CERTIFICATE, R.HANDLES_PORK),
    ),
    "562100": (
        ("9412", "5120"),
        "Anretning og pakning af mad til arrangementer",
        (R.HYGIENE_CERTIFICATE, R.LONG_STANDING),
    ),
    "682040": (
        ("5153", "9622", "9214"),
        "Pasning af grønne områder og småreparationer i afdelingen",
        (R.HEAVY_LIFTING,),
    ),
    "812100": (("9112",), "Rengøring af kontorer og fællesarealer", (R.VACUUMING, R.EVENING_WORK)),
    "813000": (("9214",), "Lugning, beskæring og græsslåning", (R.HEAVY_LIFTING, R.DRIVING_LICENCE)),
    "841100": (("4110", "9622"), "Post, scanning og praktiske opgaver på rådhuset", ()),
    "873000": (("5322", "9412", "9112"), "Hjælp i køkkenet og samvær med beboerne", (R.LONG_STANDING,)),
    "881000": (("5322", "9111"), "Praktisk hjælp hos borgere i hjemmeplejen", (R.DRIVING_LICENCE, R.VACUUMING)),
    "949900": (("9629", "5223"), "Sortering af tøj og salg i genbrugsbutikken", ()),
    "960100": (("9329", "9112"), "Sortering, vask og foldning af tøj og linned", (R.LONG_STANDING, R.HEAVY_LIFTING)),
}
# Company kind: share of the network, industries, name patterns ({last}, {last2}, {street}, {city}).
COMPANY_KINDS = (
    (
        Company.Kind.SOCIAL_ECONOMIC,
        0.10,
        {
            "561010": ("Café Ny Start {city}", "Spisestedet Mellemrum"),
            "960100": ("Vaskeriet på {street}",),
            "949900": ("Genbrugshuset {city}",),
            "562100": ("Køkkenet Fælles Bord",),
            "813000": ("Grønt Værksted {city}",),
        },
    ),
    (Company.Kind.HOUSING_ORGANISATION, 0.05, {"682040": ("Boligforeningen {street}", "Almene Boliger {city}")}),
    (
        Company.Kind.PUBLIC,
        0.08,
        {"841100": ("{city} Rådhusservice",), "873000": ("Plejecentret {street}",), "881000": ("Hjemmeplejen {city}",)},
    ),
    (Company.Kind.NON_PROFIT, 0.05, {"949900": ("Frivilligcenter {city}", "Foreningen {street}")}),
    (
        Company.Kind.PRIVATE,
        None,
        {
            "107100": ("{last}s Bageri", "Bageriet på {street}"),
            "410000": ("{last} Byg ApS", "{last} & {last2} Entreprise A/S"),
            "471110": ("Købmand {last}", "{city} Nærkøb"),
            "471120": ("{city} Supermarked", "Storkøb {city} A/S"),
            "521000": ("{last} Logistik A/S", "{city} Lagerhotel ApS"),
            "551010": ("Hotel {street}", "{city} Kro & Hotel"),
            "561010": ("Restaurant {last}", "Café {street}"),
            "562100": ("{last} Catering ApS", "Madhuset {city}"),
            "812100": ("{last} Rengøring ApS", "Rent & Pænt {city}"),
            "813000": ("{last} Anlægsgartneri",),
            "960100": ("{last}s Vaskeri",),
        },
    ),
)
FACTORY_INDUSTRIES = ("471120", "551010", "812100", "521000")
WEEKDAYS = Weekday.values
COMMITMENTS = (
    "Tilbyder praktikpladser og småjob på 5-15 timer om ugen; buddy er udpeget.",
    "Stiller to praktikpladser til rådighed og deltager i netværksmøder hvert kvartal.",
    "Tilbyder småjob i weekender og ferier; vil gerne deltage i speeddating.",
    "Åbner for kaffebesøg og snuseperioder; ansætter gerne på få timer til at begynde med.",
)
CONTACT_TITLES = ("Daglig leder", "Butikschef", "Køkkenchef", "Driftsleder", "HR-konsulent", "Medarbejder", "Værkfører")

# Readiness follows the citizen's own estimate of weekly hours, loosely.
LIGHT_BY_BAND = {
    10: ((TrafficLight.RED, 50), (TrafficLight.YELLOW, 40), (TrafficLight.GREEN, 10)),
    20: ((TrafficLight.RED, 20), (TrafficLight.YELLOW, 55), (TrafficLight.GREEN, 25)),
    37: ((TrafficLight.RED, 5), (TrafficLight.YELLOW, 35), (TrafficLight.GREEN, 60)),
}
# The chance that a citizen in step 2 is ever matched; tuned so about 70 of 120 start a placement.
PLACEMENT_CHANCE = {TrafficLight.GREEN: 0.84, TrafficLight.YELLOW: 0.74, TrafficLight.RED: 0.5}
PAID_KINDS = (
    PlacementKind.HYBRID_INTERNSHIP,
    PlacementKind.SMALL_JOB,
    PlacementKind.ORDINARY_JOB,
    PlacementKind.FLEX_JOB,
)
PLANNED_WEEKS = {
    PlacementKind.INTERNSHIP: (4, 4, 4, 6, 8, 13),
    PlacementKind.HYBRID_INTERNSHIP: (8, 13, 26),
    PlacementKind.WAGE_SUBSIDY: (13, 26),
    PlacementKind.EDUCATION: (20, 40, 52),
    PlacementKind.REHABILITATION: (26, 52),
}
BREAK_PROBABILITY = {
    PlacementKind.INTERNSHIP: 0.3,
    PlacementKind.HYBRID_INTERNSHIP: 0.25,
    PlacementKind.WAGE_SUBSIDY: 0.25,
    PlacementKind.SMALL_JOB: 0.3,
    PlacementKind.ORDINARY_JOB: 0.2,
    PlacementKind.FLEX_JOB: 0.15,
    PlacementKind.EDUCATION: 0.25,
    PlacementKind.REHABILITATION: 0.2,
}
BROKEN_REASONS = (
    (PlacementEndReason.CITIZEN_LEFT, 3),
    (PlacementEndReason.ILLNESS, 3),
    (PlacementEndReason.NOT_A_MATCH, 3),
    (PlacementEndReason.COMPANY_ENDED, 2),
    (PlacementEndReason.OTHER, 1),
)
END_NOTES = {
    PlacementEndReason.COMPLETED: "Gennemført som planlagt.",
    PlacementEndReason.HIRED: "Ansat med ordinære timer i samme virksomhed.",
    PlacementEndReason.CITIZEN_LEFT: "Borgeren stoppede – ville hellere prøve noget andet.",
    PlacementEndReason.ILLNESS: "Sygemeldt i flere uger; forløbet sættes på pause.",
    PlacementEndReason.NOT_A_MATCH: "Opgaverne passede ikke til skånehensynene.",
    PlacementEndReason.COMPANY_ENDED: "Virksomheden havde ikke længere opgaver nok.",
    PlacementEndReason.OTHER: "Borgeren flyttede midlertidigt.",
}
EXIT_NOTES = {
    OutcomeStatus.ORDINARY_JOB: "Selvforsørgende – fortsætter i jobbet efter udskrivning.",
    OutcomeStatus.FLEX_JOB: "Fortsætter i fleksjobbet efter udskrivning.",
    OutcomeStatus.EDUCATION: "Fortsætter uddannelsen efter udskrivning.",
}
FOLLOW_UP_STAYS = {
    OutcomeStatus.ORDINARY_JOB: 0.85,
    OutcomeStatus.FLEX_JOB: 0.95,
    OutcomeStatus.EDUCATION: 0.85,
    OutcomeStatus.EARLY_PENSION: 1.0,
    OutcomeStatus.OTHER: 0.7,
    OutcomeStatus.BENEFIT: 0.88,
}
MATCH_KINDS = (Contact.Kind.COFFEE_VISIT, Contact.Kind.MATCH_MEETING)
MILESTONES = (
    (Milestone.Kind.CLARIFICATION, "Afklaring af opgaver og timer", 14),
    (Milestone.Kind.INTERNSHIP, "Praktik i netværksvirksomhed", 45),
    (Milestone.Kind.COURSE, "Relevant AMU-kursus", 60),
    (Milestone.Kind.MENTOR, "Mentor tilknyttet", 21),
    (Milestone.Kind.WAGE_SUBSIDY, "Løntilskud med henblik på ansættelse", 120),
    (Milestone.Kind.DANISH_LESSONS, "Arbejdspladsdansk", 30),
)
REFERRAL_TEXTS = (
    "Henvist fra jobcentret. {first} har været ledig længe og ønsker: {wish}. Kan arbejde ca. {hours} timer om ugen.",
    "{first} er motiveret for ordinære timer; har brug for støtte til at komme i gang. Ønske: {wish}.",
    "Har været i mange forløb uden effekt. {first} vil gerne prøve en virksomhed. Ønske: {wish}.",
)
PAST_WORKPLACES = ("Et supermarked", "Et hotel i hjemlandet", "Familiens butik", "Vikarbureau", "Et rengøringsfirma")
EDUCATIONS = (
    "Folkeskolens 9. klasse",
    "Grundskole i hjemlandet",
    "Gymnasium (ikke afsluttet)",
    "Ingen formel uddannelse",
)
PURPOSES = {
    PlacementKind.INTERNSHIP: "Afklare arbejdsevne, opgaver og skånehensyn i praksis.",
    PlacementKind.HYBRID_INTERNSHIP: "Afprøve hvor mange ordinære timer borgeren kan klare.",
    PlacementKind.WAGE_SUBSIDY: "Opbygge erfaring med henblik på ordinær ansættelse.",
    PlacementKind.SMALL_JOB: "Småjob med ordinære timer – første skridt mod selvforsørgelse.",
    PlacementKind.ORDINARY_JOB: "Ordinær ansættelse.",
    PlacementKind.FLEX_JOB: "Fleksjob med timer tilpasset arbejdsevnen.",
    PlacementKind.EDUCATION: "Uddannelse med praktik i virksomheden.",
    PlacementKind.REHABILITATION: "Revalidering med oplæring i virksomheden.",
}

# Job wishes in the citizen's own words, by DISCO-08 code.
WISHES = {
    "9412": "Jeg vil gerne arbejde i et køkken",
    "9112": "Rengøring – det er jeg god til",
    "5223": "Arbejde i en butik",
    "9333": "Lagerarbejde, gerne med lidt fart på",
    "9214": "Udendørs arbejde med planter",
    "5322": "Hjælpe ældre mennesker",
    "5153": "Ejendomsservice eller pedelarbejde",
    "5311": "Arbejde med børn",
    "9329": "Pakkeri eller produktion",
    "8322": "Køre bil for en virksomhed",
    "4110": "Kontorarbejde",
    "5120": "Blive kok",
    "9622": "Altmuligmand",
    "9111": "Praktisk hjælp i hjem",
    "5131": "Servering på café",
}
WISH_CODES = tuple(WISHES)
RESTRICTION_TEXTS = {
    Restriction.Tag.NO_HEAVY_LIFTING: "Dårlig ryg – må ikke løfte over 10 kg.",
    Restriction.Tag.NO_VACUUMING: "Kan ikke støvsuge på grund af skulderen.",
    Restriction.Tag.NO_LONG_STANDING: "Smerter i knæ ved lang tids stående arbejde.",
    Restriction.Tag.NO_PORK: "Vil ikke håndtere svinekød.",
    Restriction.Tag.NO_ALCOHOL: "Vil ikke håndtere alkohol.",
    Restriction.Tag.SCHOOL_HOURS_ONLY: "Kan kun arbejde mens børnene er i skole (8–14).",
    Restriction.Tag.NO_EVENINGS: "Ingen aften- eller natarbejde.",
    Restriction.Tag.LIMITED_HOURS: "Højst få timer ad gangen i begyndelsen.",
    Restriction.Tag.NEEDS_QUIET: "Har brug for rolige omgivelser – angst i store grupper.",
    Restriction.Tag.OTHER: "Skal kunne holde pauser efter behov.",
}
RESTRICTION_TAGS = list(RESTRICTION_TEXTS)
EFFORT_TEXTS = {
    ParallelEffort.Kind.HEALTH: "Forløb hos fysioterapeut for ryggen.",
    ParallelEffort.Kind.PSYCHIATRIC: "Samtaleforløb i distriktspsykiatrien.",
    ParallelEffort.Kind.SUBSTANCE_ABUSE: "Ambulant misbrugsbehandling.",
    ParallelEffort.Kind.FAMILY: "Familiebehandling via Familiecentret.",
    ParallelEffort.Kind.HOUSING_SUPPORT: "Bostøtte to gange om ugen.",
    ParallelEffort.Kind.DEBT_COUNSELLING: "Gældsrådgivning hos frivillig rådgivning.",
    ParallelEffort.Kind.OTHER: "Forløb i sundhedscentret.",
}
NO_UPSKILLING_REASONS = (
    "Vil først prøve kræfter med en praktik.",
    "Har allerede de relevante kurser.",
    "Helbredet skal stabiliseres først.",
    "Ønsker at fokusere på ordinære timer nu.",
)
CONTACT_NOTES = {
    Contact.Kind.CONVERSATION: (
        "Samtale om jobønsker og hverdagen.",
        "Vi skrev CV'et sammen og tilføjede erfaring fra hjemlandet.",
        "Snak om skånehensyn og hvor mange timer {first} kan klare.",
        "Opfølgning på jobplanen.",
        "Gennemgang af kompetencekortet.",
        "{first} fortalte om sin uge; aftalt næste skridt.",
    ),
    Contact.Kind.PHONE: (
        "Ringede for at høre hvordan ugen er gået.",
        "Kort opkald – ny tid aftalt.",
        "{first} meldte afbud, ny samtale aftalt.",
        "Talte med buddy om de første dage – det går godt.",
    ),
    Contact.Kind.COMPANY_VISIT: (
        "Besøg hos {company}: rundvisning og snak om opgaverne.",
        "Snuseperiode aftalt hos {company}.",
        "Besøg på arbejdspladsen – {first} trives med opgaverne.",
    ),
    Contact.Kind.COFFEE_VISIT: ("Kaffemøde hos {company} med buddy; {first} var positiv.",),
    Contact.Kind.MATCH_MEETING: ("Matchmøde hos {company}: opgaver, timer og dage aftalt skriftligt.",),
    Contact.Kind.MONTHLY_FOLLOW_UP: (
        "Månedlig opfølgning med virksomhed og borger – det går godt.",
        "Månedlig opfølgning: flere timer drøftet.",
        "Månedlig opfølgning: aftalt fast mødetid med buddy.",
    ),
    Contact.Kind.THREE_MONTH_TALK: ("Tremånederssamtale: fremtiden efter ansættelsen drøftet med {company}.",),
    Contact.Kind.AFTERCARE: (
        "Efterværn: opkald efter udskrivning – {first} er stadig i job.",
        "Efterværn: kort besøg, alt vel.",
    ),
}
NON_WESTERN_FEMALE = (
    "Fatima",
    "Amina",
    "Aisha",
    "Maryam",
    "Zainab",
    "Hawa",
    "Leila",
    "Nour",
    "Yasmin",
    "Samira",
    "Hodan",
    "Fadumo",
    "Asma",
    "Hiba",
    "Rahma",
    "Ayan",
    "Zahra",
    "Nadia",
    "Shukri",
    "Dilan",
    "Rojin",
    "Aylin",
    "Elif",
    "Zeynep",
    "Tahmina",
    "Parwana",
    "Shabnam",
    "Mina",
    "Sahra",
    "Halima",
)
NON_WESTERN_MALE = (
    "Mohammad",
    "Ahmad",
    "Ali",
    "Hassan",
    "Hussein",
    "Omar",
    "Abdi",
    "Mustafa",
    "Ibrahim",
    "Yusuf",
    "Khalid",
    "Mahmoud",
    "Bilal",
    "Karim",
    "Samir",
    "Abdullahi",
    "Said",
    "Jamal",
    "Emre",
    "Mehmet",
    "Murat",
    "Rojhat",
    "Ahmed",
    "Farhad",
    "Reza",
    "Hamid",
    "Nasir",
    "Tariq",
)
NON_WESTERN_LAST = (
    "Hussein",
    "Ali",
    "Mohamed",
    "Ahmed",
    "Hassan",
    "Abdi",
    "Yilmaz",
    "Demir",
    "Kaya",
    "Öztürk",
    "Khan",
    "Rahimi",
    "Hosseini",
    "Nazari",
    "Jama",
    "Farah",
    "Warsame",
    "Osman",
    "Ibrahim",
    "Aziz",
    "Karimi",
    "Sharif",
    "Haidari",
    "Çelik",
    "Aydin",
    "Mahmoud",
    "Abdullahi",
    "Yusuf",
    "Omar",
    "Nur",
)
WESTERN_FEMALE = ("Anna", "Katarzyna", "Maria", "Agnieszka", "Ioana", "Laura", "Julia", "Ewa", "Ingrid", "Sofia")
WESTERN_MALE = ("Piotr", "Marek", "Tomasz", "Lukas", "Andrei", "Jonas", "Mateusz", "Pavel", "Johan", "Stefan")
WESTERN_LAST = (
    "Kowalski",
    "Nowak",
    "Schmidt",
    "Müller",
    "Andersson",
    "Popescu",
    "Horvat",
    "Wiśniewski",
    "Lindqvist",
    "Novak",
)

HALF_HOURS = [Decimal(n) / 2 for n in range(121)]  # 0, 0.5, ... 60 as Decimals, built once


def _hours(value):
    """An hour figure as a Decimal on the half-hour grid, clamped to 0-60 like the model's validators."""
    return HALF_HOURS[max(0, min(120, round(value * 2)))]


def _days(n):
    return timedelta(days=n)


def _monday_on_or_after(day):
    return day + timedelta(days=(7 - day.weekday()) % 7)


def _weekday_on_or_before(day):
    """Referrals and meetings happen on weekdays."""
    return day - timedelta(days=max(0, day.weekday() - 4))


def _add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _ascii(text):
    text = text.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if c.isalnum() and c.isascii())


def make_cvr(rng):
    """A random CVR number with a valid modulus-11 check (weights 2,7,6,5,4,3,2,1)."""
    while True:
        digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(6)]
        check = -sum(w * d for w, d in zip((2, 7, 6, 5, 4, 3, 2), digits, strict=True)) % 11
        if check < 10:
            return "".join(map(str, digits)) + str(check)


def make_cpr(rng, birth, sex):
    """A CPR number for a birth date and sex, its 7th digit giving the century as stdnum's dk.cpr reads it."""
    seventh = rng.choice("0123") if birth.year < 2000 else "4"  # 0-3: 1900-1999; 4: 2000-2036
    last = rng.choice("13579" if sex == Sex.MALE else "02468")
    return f"{birth:%d%m%y}{seventh}{rng.randint(0, 99):02d}{last}"


# ---------------------------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------------------------


@dataclass
class Summary:
    counts: dict
    logins: list  # (username, role) of the core logins; every demo user has DEMO_PASSWORD
    elapsed: float
    programme_id: int
    seed: int
    today: date

    def __getattr__(self, name):
        # summary.citizens, summary.placements, ... read the counts.
        counts = self.__dict__.get("counts", {})
        if name in counts:
            return counts[name]
        raise AttributeError(name)


# ---------------------------------------------------------------------------------------------
# Rows as tuples
# ---------------------------------------------------------------------------------------------


@contextmanager
def _sqlite_cache(kib):
    """A bigger page cache on this connection while loading, so SQLite keeps the growing indexes in memory."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


# ---------------------------------------------------------------------------------------------
# The simulated course of one enrolment, before it becomes rows
# ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Profile:
    site: int
    ref: date
    birth: date
    sex: str
    origin: str
    benefit: str
    light: str
    estimate: float
    vulnerable: bool
    housing_area: tuple | None
    free_card: bool
    match: int | None
    danish: int
    neglected: bool
    wish: str
    age: int
    first: str = ""
    last: str = ""


@dataclass(slots=True)
class _Co:
    """A network company as the simulation sees it."""

    id: int
    name: str
    industry: str
    kind: str
    site: int
    factory: bool
    occupations: tuple
    buddies: list = field(default_factory=list)  # ids of company contacts who are buddies


@dataclass(slots=True)
class _Placement:
    kind: str
    co: _Co
    start: date
    planned_end: date | None = None
    end: date | None = None
    reason: str = ""
    by_exit: bool = False
    planned: bool = False
    agreed: float | None = None
    condition: str = ""
    no_reason: str = ""
    schedule: list = field(default_factory=list)  # (from, ordinary, internship)
    buddy: int | None = None
    id: int | None = None


@dataclass(slots=True)
class _Course:
    s2: date | None = None
    exit_on: date | None = None
    exit_status: str = ""
    placements: list = field(default_factory=list)
    steps: list = field(default_factory=list)  # (step, date, note)


# ---------------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------------


def generate(*, citizens=120, seed=2026, today=None):
    """Build a demo programme with `citizens` citizens; see the module docstring. Returns a Summary."""
    return _Generator(citizens=citizens, seed=seed, today=today or local_today()).run()


class _Generator:
    def __init__(self, *, citizens, seed, today):
        self.n = citizens
        self.seed = seed
        self.today = today
        self.rng = random.Random(seed)
        self.fake = Faker("da_DK")
        self.fake.seed_instance(seed)
        self.counts = Counter()
        self.cprs = set()
        self.pending_kinds = list(PlacementKind.values)
        self.pending_reasons = list(PlacementEndReason.values)
        self.planned_seen = False
        self.placement_no = 0

    # -- run -------------------------------------------------------------------------------

    def run(self):
        started = monotonic()
        if Programme.objects.filter(name=PROGRAMME_NAME).exists():
            raise ValueError(f"The demo programme {PROGRAMME_NAME!r} already exists.")
        self.t = {model: RowWriter(model, timezone.now()) for model in TABLE_ORDER}
        self.cpr_hashes_taken = set(Citizen.objects.values_list("cpr_hash", flat=True))
        self._name_pools()
        with _sqlite_cache(SQLITE_CACHE_KIB):
            with transaction.atomic():
                self._programme()
                self._staff()
                self._courses()
                self._companies()
                self._flush()
            for first in range(0, self.n, CHUNK_CITIZENS):
                for _i in range(first, min(self.n, first + CHUNK_CITIZENS)):
                    self._citizen()
                with transaction.atomic():
                    self._flush()
            # The rows went in in bulk, past the receivers that keep the report facts: the programme is new, so its
            # cases and the companies they were placed at or in contact with are everything they touched.
            enrolment_ids = Enrolment.objects.filter(programme=self.programme).values_list("pk", flat=True)
            facts.refresh_for(facts.Written.of_enrolments(enrolment_ids))
            citizen_pool.mark_changed()  # and the matching features kept in memory: every citizen
            from jobbro.demo.meetings_demo import add_meetings_demo

            self.counts.update(add_meetings_demo(self.programme, self.today, self.seed))
            from jobbro.demo.outreach_demo import add_outreach_demo

            self.counts.update(add_outreach_demo(self.programme, self.today, self.seed))
            from jobbro.demo.messaging_demo import add_messaging_demo

            self.counts.update(add_messaging_demo(self.programme, self.today, self.seed))
            from jobbro.demo.netgain_demo import add_net_gain_demo

            self.counts.update(add_net_gain_demo(self.programme, self.today))
            from jobbro.demo.surveys_demo import add_surveys_demo

            self.counts.update(add_surveys_demo(self.programme, self.today, self.seed))
            # The outreach parts wrote through the actions (a meeting held is a contact on the case): their cases'
            # facts are brought up to date here rather than left for the worker.
            facts.catch_up()
        return self._summary(monotonic() - started)

    def _flush(self):
        for model, table in self.t.items():
            self.counts[model] += table.flush()

    def _summary(self, elapsed):
        counts = {label: self.counts[model] for model, label in SUMMARY_LABELS.items()}
        counts.update(
            placed=self.counts["placed"],
            employed=self.counts["employed"],
            employed_social_economic=self.counts["employed_social_economic"],
        )
        return Summary(
            counts=counts,
            logins=self.logins,
            elapsed=round(elapsed, 2),
            programme_id=self.programme.pk,
            seed=self.seed,
            today=self.today,
        )

    def _bulk(self, objs):
        """The few setup rows that go through the ORM: programme, sites, users and their memberships."""
        if objs:
            type(objs[0]).objects.bulk_create(objs, batch_size=BATCH_SIZE)
            self.counts[type(objs[0])] += len(objs)
        return objs

    def _pick(self, weighted):
        """Choose from ((value, weight), ...)."""
        values, weights = zip(*weighted, strict=True)
        return self.rng.choices(values, weights)[0]

    def _date_between(self, first, last):
        return first + _days(self.rng.randint(0, max(0, (last - first).days)))

    # -- names -----------------------------------------------------------------------------

    def _name_pools(self):
        """Danish names and streets drawn once from Faker: drawing per citizen would cost more and add nothing."""
        fake = self.fake
        self.danish_female = [fake.first_name_female() for _ in range(300)]
        self.danish_male = [fake.first_name_male() for _ in range(300)]
        self.danish_last = [fake.last_name() for _ in range(400)]
        self.streets = [fake.street_name() for _ in range(300)]

    def _name(self, sex, origin):
        rng = self.rng
        female = sex == Sex.FEMALE
        if origin == OriginGroup.NON_WESTERN:
            return rng.choice(NON_WESTERN_FEMALE if female else NON_WESTERN_MALE), rng.choice(NON_WESTERN_LAST)
        if origin == OriginGroup.WESTERN and rng.random() < 0.7:
            return rng.choice(WESTERN_FEMALE if female else WESTERN_MALE), rng.choice(WESTERN_LAST)
        return rng.choice(self.danish_female if female else self.danish_male), rng.choice(self.danish_last)

    def _person_name(self):
        rng = self.rng
        first = rng.choice(self.danish_female if rng.random() < 0.5 else self.danish_male)
        return first, rng.choice(self.danish_last)

    def _phone(self):
        rng = self.rng
        return f"{rng.randint(20, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"

    def _address(self, site):
        postcode, city = self.rng.choice(SITES[site][4])
        return f"{self.rng.choice(self.streets)} {self.rng.randint(1, 140)}", postcode, city

    # -- programme, staff, courses ---------------------------------------------------------

    def _programme(self):
        start = (self.today - _days(REFERRAL_WINDOW_DAYS + 30)).replace(day=1)
        end = _add_years(start, 3) - DAY
        self.programme = Programme.objects.create(
            name=PROGRAMME_NAME,
            starts_on=start,
            ends_on=end,
            description="Demoprogram: virksomhedsrettet indsats for udsatte ledige i Aarhus og Randers med "
            "klyngenetværk, småjob, jobpakker og efterværn. Alle personer er opdigtede.",
        )
        self.counts[Programme] += 1
        self.sites = self._bulk(
            [
                Site(programme=self.programme, name=name, kind=kind, municipality_code=code)
                for name, kind, code, _share, _postcodes in SITES
            ]
        )
        self.target_groups = {}
        for code, name in TARGET_GROUPS:
            self.target_groups[code], created = TargetGroup.objects.get_or_create(code=code, defaults={"name": name})
            self.counts[TargetGroup] += created
        self.programme.target_groups.set(self.target_groups.values())
        self._result_goals(start, end)
        self._goals_per_site_and_target_group(end)

    def _goals_per_site_and_target_group(self, end):
        """Beside the programme's goals: one site's share of the employed, the young people's matched and started,
        and the payment criterion as a percent goal (the example the programme owners gave: at least 40 % of those
        receiving active effort in ordinary hours). Demo figures, like the rest of the demo."""
        scale = self.n / 120
        first_site_share = SITES[0][3]
        self._bulk(
            [
                ResultGoal(
                    programme=self.programme,
                    metric=ResultGoal.Metric.EMPLOYED,
                    target=max(1, round(FINAL_GOALS[ResultGoal.Metric.EMPLOYED] * scale * first_site_share)),
                    deadline=end,
                    site=self.sites[0],
                ),
                ResultGoal(
                    programme=self.programme,
                    metric=ResultGoal.Metric.MATCHED_AND_STARTED,
                    target=max(1, round(FINAL_GOALS[ResultGoal.Metric.MATCHED_AND_STARTED] * scale * 0.3)),
                    deadline=end,
                    target_group=self.target_groups[TG_YOUNG],
                ),
                ResultGoal(
                    programme=self.programme,
                    metric=ResultGoal.Metric.EMPLOYED,
                    kind=ResultGoal.Kind.SHARE_OF_ACTIVE,
                    target=PAYMENT_CRITERION_PERCENT,
                    deadline=end,
                    payment_criterion=True,
                ),
            ]
        )

    def _result_goals(self, start, end):
        """The three clean goals, scaled from 120/70/48; half of the employed in social-economic companies."""
        scale = self.n / 120
        goals = []
        for deadline, targets in ((_add_years(start, 1), INTERIM_GOALS), (end, FINAL_GOALS)):
            for metric, target in targets.items():
                scaled = max(1, round(target * scale))
                social = scaled // 2 if metric == ResultGoal.Metric.EMPLOYED else None
                goals.append(
                    ResultGoal(
                        programme=self.programme,
                        metric=metric,
                        target=scaled,
                        deadline=deadline,
                        social_economic_target=social,
                    )
                )
        self._bulk(goals)

    def _staff_plan(self):
        """The core logins, then extra staff so caseloads stay believable as the programme grows."""
        plan = list(CORE_STAFF)
        base = Counter(role for _name, role, _site in CORE_STAFF)
        stems = {name.rstrip("0123456789"): role for name, role, _site in CORE_STAFF}
        for stem, role in stems.items():
            per = CITIZENS_PER_STAFF.get(role)
            extra = max(0, math.ceil(self.n / per) - base[role]) if per else 0
            for k in range(extra):
                site = None if role == Role.MENTOR else k % len(SITES)
                plan.append((f"{stem}{base[role] + k + 1}", role, site))
        return plan

    def _staff(self):
        password = make_password(DEMO_PASSWORD)  # hashed once: hashing per user would take minutes
        taken = set(User.objects.values_list("username", flat=True))
        users, sites, self.logins = [], [], []
        for k, (username, role, site) in enumerate(self._staff_plan()):
            while username in taken:
                username += "-demo"
            first, last = self._person_name()
            admin = Capability.ADMINISTER in ROLE_CAPABILITIES[role]  # the demo's administrator may use the admin site
            users.append(
                User(
                    username=username,
                    first_name=first,
                    last_name=last,
                    email=f"{username}@jobbro.example",
                    role=role,
                    password=password,
                    is_staff=admin,
                    is_superuser=admin,
                )
            )
            sites.append(site)
            if k < len(CORE_STAFF):
                self.logins.append((username, role))
        self._bulk(users)
        self._bulk(
            [
                Membership(user=u, programme=self.programme, site=self.sites[s] if s is not None else None)
                for u, s in zip(users, sites, strict=True)
            ]
        )
        # Who can hold a case at each site: the site's own staff and those covering the whole programme.
        self.site_staff = {(role, s): [] for role in Role.values for s in range(len(SITES))}
        for user, site in zip(users, sites, strict=True):
            for s in range(len(SITES)) if site is None else (site,):
                self.site_staff[(user.role, s)].append(user.pk)
        self.coordinator = next(u.pk for u in users if u.role == Role.COORDINATOR)

    def _courses(self):
        self.courses = {}
        for name, kind, city, courses in INSTITUTIONS:
            institution, created = KnowledgeInstitution.objects.get_or_create(
                name=name, defaults={"kind": kind, "city": city}
            )
            self.counts[KnowledgeInstitution] += created
            for title, subject, days, cost in courses:
                course, created = Course.objects.get_or_create(
                    institution=institution,
                    name=title,
                    defaults={
                        "subject": subject,
                        "duration_days": days,
                        "cost_dkk": Decimal(cost),
                        "alongside_work": subject != Course.Subject.CARE,
                    },
                )
                self.counts[Course] += created
                self.courses.setdefault(course.subject, []).append((course.pk, course.duration_days))
        self.course_list = [c for subject in sorted(self.courses) for c in self.courses[subject]]

    # -- companies -------------------------------------------------------------------------

    def _company_kinds(self, total):
        """Kinds in the network's proportions: at least 3 social-economic and 2 housing organisations."""
        minimum = {Company.Kind.SOCIAL_ECONOMIC: 3, Company.Kind.HOUSING_ORGANISATION: 2}
        kinds = []
        for kind, share, industries in COMPANY_KINDS:
            count = total - len(kinds) if share is None else max(minimum.get(kind, 1), round(total * share))
            kinds += [(kind, industries)] * count
        self.rng.shuffle(kinds)
        return kinds

    def _company_name(self, patterns, city, names):
        rng = self.rng
        name = rng.choice(patterns).format(
            last=rng.choice(self.danish_last),
            last2=rng.choice(self.danish_last),
            street=rng.choice(self.streets),
            city=city,
        )
        candidate, k = name, 1
        while candidate in names:
            k += 1
            candidate = f"{name} {k}"
        names.add(candidate)
        return candidate

    def _companies(self):
        rng = self.rng
        total = max(29, self.n // 4)
        factories_left = max(1, round(total * 0.05))
        taken = set(Company.objects.values_list("cvr", flat=True))
        names = set()
        self.cos = []
        for kind, industries in self._company_kinds(total):
            site = self._pick(zip(range(len(SITES)), SITE_SHARES, strict=True))
            factory = kind == Company.Kind.PRIVATE and factories_left > 0
            factories_left -= factory
            industry = rng.choice(FACTORY_INDUSTRIES if factory else sorted(industries))
            address, postcode, city = self._address(site)
            cvr = make_cvr(rng)
            while cvr in taken:
                cvr = make_cvr(rng)
            taken.add(cvr)
            name = self._company_name(industries[industry], city, names)
            pk = self.t[Company].insert(
                cvr=cvr, name=name, industry_code=industry, kind=kind, address=address, postcode=postcode, city=city
            )
            self.cos.append(
                _Co(
                    id=pk,
                    name=name,
                    industry=industry,
                    kind=kind,
                    site=site,
                    factory=factory,
                    occupations=INDUSTRY_JOBS[industry][0],
                )
            )
        self._agreements()
        self._company_contacts()
        self._openings()
        self._index_companies()

    def _agreements(self):
        rng = self.rng
        for co in self.cos:
            if rng.random() < 0.15 and not co.factory:
                continue  # in the network without a signed agreement (yet)
            signed = self._date_between(self.programme.starts_on - _days(60), self.today - _days(30))
            ended = None
            if rng.random() < 0.05 and signed + _days(90) < self.today:
                ended = self._date_between(signed + _days(90), self.today)
            self.t[NetworkAgreement].insert(
                company_id=co.id,
                programme_id=self.programme.pk,
                signed_on=signed,
                ended_on=ended,
                commitments=rng.choice(COMMITMENTS),
            )

    def _company_contacts(self):
        rng = self.rng
        for co in self.cos:
            has_buddy = rng.random() < 0.8
            for k in range(rng.randint(1, 3)):
                first, last = self._person_name()
                buddy = (has_buddy and k == 0) or rng.random() < 0.15
                trained = (
                    self._date_between(self.programme.starts_on, self.today) if buddy and rng.random() < 0.5 else None
                )
                pk = self.t[CompanyContact].insert(
                    company_id=co.id,
                    name=f"{first} {last}",
                    job_title=rng.choice(CONTACT_TITLES),
                    phone=self._phone(),
                    email=f"{_ascii(first)}@{_ascii(co.name)[:30]}.example",
                    is_buddy=buddy,
                    buddy_trained_on=trained,
                )
                if buddy:
                    co.buddies.append(pk)

    def _opening(self, co, posted, hours, status=Opening.Status.OPEN, filled_on=None, closed_on=None, buddy=None):
        rng = self.rng
        occupation = rng.choice(co.occupations)
        tasks, requirements = INDUSTRY_JOBS[co.industry][1:]
        days = sorted(rng.sample(range(5), rng.randint(1, 4)) + ([5] if rng.random() < 0.15 else []))
        if buddy is None and co.buddies and rng.random() < 0.7:
            buddy = rng.choice(co.buddies)
        return self.t[Opening].insert(
            company_id=co.id,
            programme_id=self.programme.pk,
            occupation_code=occupation,
            title=f"Småjob som {codes.occupation_title(occupation).lower()}",
            tasks=tasks,
            weekly_hours=_hours(min(25, max(3, hours))),
            days=[WEEKDAYS[d] for d in days],
            requirements=[r.value for r in requirements if rng.random() < 0.6],
            danish_level_required=rng.randint(1, 3) if rng.random() < 0.4 else None,
            buddy_id=buddy,
            capacity=rng.choice((1, 1, 1, 2, 3)),
            status=status,
            posted_on=posted,
            filled_on=filled_on,
            closed_on=closed_on,
        )

    def _openings(self):
        """Small jobs the network offers besides those filled by placements; internship factories offer none. At
        least OPEN_SMALL_JOBS are open today, so the board, the rankings and the proposal have something to show
        from the first day (a small programme's random posting dates could leave none open)."""
        rng = self.rng
        opened = 0
        for co in self.cos:
            if co.factory:
                continue
            for _k in range(rng.randint(0, 3)):
                posted = self._date_between(self.programme.starts_on, self.today)
                hours = rng.choice((3, 4, 5, 6, 8, 10, 12, 15, 20, 25))
                if posted >= self.today - _days(60) and rng.random() < 0.8:
                    self._opening(co, posted, hours)
                    opened += 1
                elif rng.random() < 0.4:
                    filled = min(self.today, posted + _days(rng.randint(7, 40)))
                    self._opening(co, posted, hours, Opening.Status.FILLED, filled_on=filled)
                else:
                    closed = min(self.today, posted + _days(rng.randint(14, 60)))
                    self._opening(co, posted, hours, Opening.Status.CLOSED, closed_on=closed)
        offering = [co for co in self.cos if not co.factory]
        for _k in range(OPEN_SMALL_JOBS - opened if offering else 0):
            posted = self._date_between(self.today - _days(30), self.today)
            self._opening(rng.choice(offering), posted, rng.choice((3, 4, 5, 6, 8, 10, 12)))

    def _index_companies(self):
        self.factories = [co for co in self.cos if co.factory]
        self.by_kind = {}
        for co in self.cos:
            if not co.factory:
                self.by_kind.setdefault((co.kind, co.site), []).append(co)
                self.by_kind.setdefault((co.kind, None), []).append(co)

    # -- one citizen -----------------------------------------------------------------------

    def _citizen(self):
        p = self._profile()
        course = self._course(p)
        staff = self._staff_for(p, course)
        lights = self._traffic_changes(p, course)
        citizen = self._citizen_row(p, lights[-1][1])
        for on, light, note in lights:
            self.t[TrafficLightChange].insert(
                citizen_id=citizen,
                light=light,
                changed_on=on,
                note=note,
                changed_by_id=self._holder(staff, "broker", on),
            )
        enrolment = self._enrolment_row(citizen, p, course, staff)
        self._participant_form_row(enrolment, citizen, p, course)
        self._assignment_rows(enrolment, p, staff)
        self._step_rows(enrolment, course, staff)
        self._placement_rows(enrolment, p, course, staff)
        self._contact_rows(enrolment, p, course, staff)
        self._step1_rows(citizen, p, course, staff, enrolment)
        self._plan_rows(enrolment, p, course)
        self._assessment_rows(enrolment, p, course)
        self._outcome_rows(enrolment, course, staff)

    def _profile(self):
        rng = self.rng
        site = self._pick(zip(range(len(SITES)), SITE_SHARES, strict=True))
        ref = _weekday_on_or_before(self.today - _days(rng.randint(1, REFERRAL_WINDOW_DAYS)))
        age = rng.randint(18, 29) if rng.random() < 0.25 else rng.randint(30, 64)
        birth = self._date_between(_add_years(ref, -(age + 1)) + DAY, _add_years(ref, -age))
        origin_weights = (
            ((OriginGroup.NON_WESTERN, 80), (OriginGroup.DANISH, 15), (OriginGroup.WESTERN, 5))
            if site == 2
            else ((OriginGroup.NON_WESTERN, 40), (OriginGroup.DANISH, 52), (OriginGroup.WESTERN, 8))
        )
        origin = self._pick(origin_weights)
        sex = Sex.FEMALE if rng.random() < (0.62 if origin == OriginGroup.NON_WESTERN else 0.45) else Sex.MALE
        band = self._pick(((10, 35), (20, 54), (37, 11)))  # DOMAIN.md: 35 % up to 10 h, 54 % up to 20 h, 11 % more
        estimate = rng.choice({10: (3, 4, 5, 6, 8, 10), 20: (12, 15, 15, 16, 18, 20), 37: (22, 25, 30, 37)}[band])
        light = self._pick(LIGHT_BY_BAND[band])
        vulnerable = site == 2 or rng.random() < (0.4 if origin == OriginGroup.NON_WESTERN else 0.12)
        if origin == OriginGroup.DANISH:
            danish = 5
        else:
            danish = rng.randint(2, 5) if origin == OriginGroup.WESTERN else rng.randint(1, 4)
        p = _Profile(
            site=site,
            ref=ref,
            birth=birth,
            sex=sex,
            origin=origin,
            benefit=self._benefit(age, origin, light),
            light=light,
            estimate=estimate,
            vulnerable=vulnerable,
            housing_area=rng.choice(HOUSING_AREAS[site]) if vulnerable else None,
            free_card=rng.random() < (0.2 if light == TrafficLight.RED else 0.06),
            match=self._pick(((None, 55), (2, 10), (3, 15), (4, 20))),
            danish=danish,
            neglected=rng.random() < 0.08,
            wish=rng.choice(WISH_CODES),
            age=age,
        )
        p.first, p.last = self._name(sex, origin)
        return p

    def _benefit(self, age, origin, light):
        weights = [
            (BenefitType.CASH_BENEFIT, 45),
            (BenefitType.RESOURCE_COURSE, 14 if light == TrafficLight.RED else 6),
            (BenefitType.FLEX_JOB_UNEMPLOYMENT, 5),
            (BenefitType.SICKNESS_BENEFIT, 6),
        ]
        if age < 30:
            weights.append((BenefitType.EDUCATION_BENEFIT, 60))
        if origin == OriginGroup.NON_WESTERN:
            weights.append((BenefitType.INTEGRATION_BENEFIT, 15))
        return self._pick(weights)

    @staticmethod
    def _target_groups(p):
        """The target groups the citizen's own data puts them in; everyone is in at least one."""
        groups = []
        if p.sex == Sex.FEMALE and p.origin == OriginGroup.NON_WESTERN:
            groups.append(TG_WOMEN)
        if (
            p.benefit in (BenefitType.CASH_BENEFIT, BenefitType.RESOURCE_COURSE, BenefitType.EDUCATION_BENEFIT)
            and p.light != TrafficLight.GREEN
        ):
            groups.append(TG_ACTIVITY_READY)
        if p.free_card:
            groups.append(TG_FREE_CARD)
        if p.vulnerable:
            groups.append(TG_HOUSING)
        if p.origin != OriginGroup.DANISH and p.match == 4:
            groups.append(TG_MATCH_4)
        if p.age < 30:
            groups.append(TG_YOUNG)
        return groups or [TG_ACTIVITY_READY]

    def _new_cpr(self, p):
        while True:
            digits = make_cpr(self.rng, p.birth, p.sex)
            if digits in self.cprs:
                continue
            self.cprs.add(digits)
            digest = cpr.lookup_hash(digits)
            if digest not in self.cpr_hashes_taken:  # else a citizen from outside the demo holds it
                return digits, digest

    def _citizen_row(self, p, light):
        rng = self.rng
        digits, digest = self._new_cpr(p)
        if p.housing_area:
            area, postcode, city = p.housing_area
            address = f"{area} {rng.randint(1, 60)}, {rng.randint(0, 4)}. {rng.choice(('tv', 'th', 'mf'))}"
        else:
            area = ""
            address, postcode, city = self._address(p.site)
        email = f"{_ascii(p.first)}.{_ascii(p.last)}{rng.randint(1, 99)}@mail.example" if rng.random() < 0.6 else ""
        pk = self.t[Citizen].insert(
            cpr_encrypted=cpr.encrypt(digits),
            cpr_hash=digest,
            first_name=p.first,
            last_name=p.last,
            birth_date=p.birth,
            sex=p.sex,
            phone=self._phone(),
            email=email,
            address=address,
            postcode=postcode,
            city=city,
            origin_group=p.origin,
            benefit_type=p.benefit,
            housing_area=area,
            lives_in_vulnerable_housing_area=p.vulnerable,
            has_social_free_card=p.free_card,
            match_category=p.match,
            traffic_light=light,
            created_at=datetime.combine(p.ref, CREATED_AT, tzinfo=UTC),
        )
        for code in self._target_groups(p):
            self.t[CitizenTargetGroup].insert(citizen_id=pk, targetgroup_id=self.target_groups[code].pk)
        return pk

    # -- the course of an enrolment (pure simulation, no rows) ----------------------------

    def _course(self, p):
        rng = self.rng
        c = _Course(steps=[(Step.CLARIFICATION, p.ref, "Henvist til programmet (startskema)")])
        exit_on = p.ref + _days(rng.randint(200, 640))
        c.exit_on = exit_on if exit_on < self.today else None
        s2 = p.ref + _days(rng.randint(10, 45) + (rng.randint(10, 60) if p.light == TrafficLight.RED else 0))
        if s2 < (c.exit_on or self.today):
            c.s2 = s2
            c.steps.append((Step.TOWARDS_JOB, s2, "Afklaring afsluttet – klar til match"))
            if rng.random() < PLACEMENT_CHANCE[p.light]:
                self._placements(p, c)
        self._placement_steps(c)
        if c.exit_on:
            c.exit_status = self._exit_status(p, c)
            c.steps.append((Step.ENDED, c.exit_on, "Udskrevet (slutskema)"))
        c.steps.sort(key=lambda change: change[1])  # stable: same-day changes keep their order
        return c

    def _placements(self, p, c):
        """Placements one after another: a break sends the citizen back to step 2, a hire continues at once."""
        rng = self.rng
        t = c.s2 + _days(rng.randint(5, 50))
        prev = None
        while True:
            limit = c.exit_on or self.today
            hired = prev is not None and prev.reason == PlacementEndReason.HIRED
            start = t if hired else _monday_on_or_after(t)
            if start > limit:
                if not c.exit_on and not hired:
                    self._maybe_planned(p, c, start)
                break
            pl = self._placement(p, prev, start)
            c.placements.append(pl)
            self._maybe_success_exit(c, pl)
            limit = c.exit_on or self.today
            if pl.end is None or pl.end >= limit:
                pl.end, pl.by_exit = (c.exit_on, True) if c.exit_on else (None, False)
                pl.reason = PlacementEndReason.COMPLETED if c.exit_on else ""
                break
            if pl.reason in self.pending_reasons:
                self.pending_reasons.remove(pl.reason)
            prev = pl
            if pl.reason == PlacementEndReason.HIRED:
                t = pl.end + DAY
            elif rng.random() < 0.2:
                break  # back in step 2 without a new match yet
            else:
                t = pl.end + _days(rng.randint(7, 60))

    def _maybe_planned(self, p, c, start):
        """A placement agreed but not started: the enrolment stays in step 2 until the start date."""
        if self.planned_seen and (start > self.today + _days(28) or self.rng.random() < 0.5):
            return
        pl = self._placement(p, None, min(start, _monday_on_or_after(self.today + DAY)))
        pl.planned, pl.end, pl.reason = True, None, ""
        c.placements.append(pl)
        self.planned_seen = True

    def _maybe_success_exit(self, c, pl):
        """A good paid placement often ends the enrolment early: the citizen is self-sufficient."""
        if pl.kind not in (
            PlacementKind.ORDINARY_JOB,
            PlacementKind.FLEX_JOB,
            PlacementKind.EDUCATION,
            PlacementKind.SMALL_JOB,
        ):
            return
        if pl.kind == PlacementKind.SMALL_JOB and (pl.agreed or 0) < 12:
            return
        if self.rng.random() < 0.55:
            exit_on = pl.start + _days(self.rng.randint(120, 330))
            if exit_on < self.today and (c.exit_on is None or exit_on < c.exit_on):
                c.exit_on = exit_on

    def _kind(self, p, prev):
        """The kind of the next placement; kinds not seen yet are preferred so every kind is present."""
        rng = self.rng
        flex_ok = p.benefit in (
            BenefitType.FLEX_JOB_UNEMPLOYMENT,
            BenefitType.RESOURCE_COURSE,
            BenefitType.SICKNESS_BENEFIT,
        )
        if prev is not None and prev.reason == PlacementEndReason.HIRED:
            return self._pick(
                (
                    (PlacementKind.SMALL_JOB, 55),
                    (PlacementKind.ORDINARY_JOB, 30),
                    (PlacementKind.FLEX_JOB, 15 if flex_ok else 0),
                )
            )
        rehab_ok = p.benefit in (BenefitType.SICKNESS_BENEFIT, BenefitType.RESOURCE_COURSE, BenefitType.CASH_BENEFIT)
        plausible = {
            PlacementKind.FLEX_JOB: flex_ok,
            PlacementKind.EDUCATION: p.age < 35,
            PlacementKind.REHABILITATION: rehab_ok,
        }
        force = self.placement_no >= 40 or rng.random() < 0.35
        for kind in self.pending_kinds:
            if force and plausible.get(kind, True):
                return kind
        return self._pick(
            (
                (PlacementKind.INTERNSHIP, 40 + (20 if p.light == TrafficLight.RED else 0)),
                (PlacementKind.HYBRID_INTERNSHIP, 13),
                (PlacementKind.SMALL_JOB, 24 + (10 if prev is not None else 0)),
                (PlacementKind.WAGE_SUBSIDY, 8),
                (PlacementKind.ORDINARY_JOB, 5 if p.light == TrafficLight.GREEN else 1),
                (
                    PlacementKind.FLEX_JOB,
                    (60 if p.benefit == BenefitType.FLEX_JOB_UNEMPLOYMENT else 6) if flex_ok else 0,
                ),
                (PlacementKind.EDUCATION, 10 if p.age < 30 else 0),
                (PlacementKind.REHABILITATION, 4 if rehab_ok else 0),
            )
        )

    def _company(self, kind, p, prev):
        """Mostly local companies; social-economic ones for paid hours, factories for a share of internships."""
        rng = self.rng
        if prev is not None and prev.reason == PlacementEndReason.HIRED:
            return prev.co
        if kind == PlacementKind.INTERNSHIP and self.factories and rng.random() < 0.3:
            return rng.choice(self.factories)
        if p.vulnerable and rng.random() < 0.15:
            company_kind = Company.Kind.HOUSING_ORGANISATION
        elif kind in (PlacementKind.EDUCATION, PlacementKind.REHABILITATION):
            company_kind = self._pick(((Company.Kind.PRIVATE, 60), (Company.Kind.PUBLIC, 40)))
        else:
            social = 50 if kind in PAID_KINDS else 30
            company_kind = self._pick(
                (
                    (Company.Kind.SOCIAL_ECONOMIC, social),
                    (Company.Kind.PRIVATE, 100 - social - 14),
                    (Company.Kind.PUBLIC, 8),
                    (Company.Kind.NON_PROFIT, 6),
                )
            )
        local = self.by_kind.get((company_kind, p.site))
        return rng.choice(local if local and rng.random() < 0.85 else self.by_kind[(company_kind, None)])

    def _placement(self, p, prev, start):
        rng = self.rng
        kind = self._kind(p, prev)
        if kind in self.pending_kinds:
            self.pending_kinds.remove(kind)
        self.placement_no += 1
        pl = _Placement(kind=kind, co=self._company(kind, p, prev), start=start)
        if kind in PLANNED_WEEKS:
            weeks = rng.choice(PLANNED_WEEKS[kind])
        else:
            weeks = 26 if kind == PlacementKind.SMALL_JOB and rng.random() < 0.4 else None
        pl.planned_end = start + _days(weeks * 7 - 3) if weeks else None
        pl.end, pl.reason = self._natural_end(pl, p)
        pl.buddy = rng.choice(pl.co.buddies) if pl.co.buddies and rng.random() < 0.8 else None
        self._agreement(pl, p)
        return pl

    def _natural_end(self, pl, p):
        """When and why the placement would end if the enrolment ran on; (None, "") if it runs on."""
        rng = self.rng
        hire_ok = (
            pl.kind in (PlacementKind.INTERNSHIP, PlacementKind.HYBRID_INTERNSHIP, PlacementKind.WAGE_SUBSIDY)
            and not pl.co.factory
        )
        options = [r for r, _w in BROKEN_REASONS]
        if pl.planned_end:
            options.append(PlacementEndReason.COMPLETED)
            if hire_ok:
                options.append(PlacementEndReason.HIRED)
        reason = next((r for r in self.pending_reasons if r in options), None) if rng.random() < 0.5 else None
        if reason is None:
            if rng.random() < BREAK_PROBABILITY[pl.kind] + (0.1 if p.light == TrafficLight.RED else 0):
                reason = self._pick(BROKEN_REASONS)
            elif not pl.planned_end:
                return None, ""
            else:
                reason = PlacementEndReason.HIRED if hire_ok and rng.random() < 0.35 else PlacementEndReason.COMPLETED
        if reason in (PlacementEndReason.COMPLETED, PlacementEndReason.HIRED):
            return pl.planned_end, reason
        span = (pl.planned_end - pl.start).days if pl.planned_end else 280
        return pl.start + _days(rng.randint(3, max(4, span - 1))), reason

    def _agreement(self, pl, p):
        """Ordinary hours agreed, or the written condition for them, or the reason there is neither."""
        rng = self.rng
        kind = pl.kind
        if kind == PlacementKind.SMALL_JOB:
            pl.agreed = min(rng.choice((3, 4, 5, 6, 8, 10, 12, 15)), max(3, p.estimate))
        elif kind == PlacementKind.ORDINARY_JOB:
            pl.agreed = min(rng.choice((15, 20, 25, 30, 37)), max(15, p.estimate + 5))
        elif kind == PlacementKind.FLEX_JOB:
            pl.agreed = rng.choice((8, 10, 12, 15, 20))
        elif kind == PlacementKind.HYBRID_INTERNSHIP:
            pl.agreed = rng.choice((2, 3, 4, 5, 6))
        elif kind == PlacementKind.INTERNSHIP and (pl.co.factory or rng.random() < 0.4):
            pl.no_reason = (
                "Praktik til afklaring – virksomheden kan ikke tilbyde ansættelse."
                if pl.co.factory
                else "Praktikken skal først afklare arbejdsevne og skånehensyn."
            )
        elif kind in (PlacementKind.INTERNSHIP, PlacementKind.WAGE_SUBSIDY):
            pl.condition = (
                f"Når {p.first} kan klare {rng.choice((6, 8, 10, 12))} timer om ugen selvstændigt, tilbyder "
                f"{pl.co.name} {rng.choice((3, 5, 8, 10))} ordinære timer om ugen."
            )
        else:
            pl.no_reason = (
                "Uddannelse – borgeren er elev og får ikke løn for timerne."
                if kind == PlacementKind.EDUCATION
                else "Revalidering – borgeren forsørges af revalideringsydelse."
            )
        pl.schedule = self._schedule(pl, p)

    def _schedule(self, pl, p):
        """The agreed weekly hours over time; some placements grow their ordinary hours.

        Wage-subsidy and rehabilitation hours go in the internship column: the timesheet has no other
        column for hours that are not ordinary paid hours. Education keeps no timesheet.
        """
        rng = self.rng
        kind = pl.kind
        if kind == PlacementKind.EDUCATION:
            return []
        if kind not in PAID_KINDS:
            if kind == PlacementKind.WAGE_SUBSIDY:
                supported = rng.choice((15, 20, 25, 30))
            else:
                supported = max(6, min(25, p.estimate + rng.randint(-2, 6)))
            return [(pl.start, 0, supported)]
        ordinary = pl.agreed
        internship = rng.choice((6, 8, 10, 12, 15)) if kind == PlacementKind.HYBRID_INTERNSHIP else 0
        schedule = [(pl.start, ordinary, internship)]
        if rng.random() < (0.6 if kind == PlacementKind.HYBRID_INTERNSHIP else 0.45):
            cap = min(37, max(ordinary + 2, p.estimate + 12))
            day = pl.start
            while ordinary < cap:
                day += _days(rng.randint(6, 10) * 7)
                step = min(cap - ordinary, rng.randint(1, 4))
                ordinary += step
                internship = max(0, internship - step)
                schedule.append((day, ordinary, internship))
        return schedule

    @staticmethod
    def _placement_steps(c):
        """Step 3 when a placement starts, back to step 2 when it ends without a next one straight after."""
        started = [pl for pl in c.placements if not pl.planned]
        for i, pl in enumerate(started):
            previous = started[i - 1] if i else None
            if not (previous and previous.end and pl.start == previous.end + DAY):
                c.steps.append((Step.IN_COMPANY, pl.start, f"Startet hos {pl.co.name}"))
            following = started[i + 1] if i + 1 < len(started) else None
            if pl.end and not pl.by_exit and not (following and following.start == pl.end + DAY):
                c.steps.append((Step.TOWARDS_JOB, pl.end, "Forløbet sluttede – tilbage til trin 2"))

    def _exit_status(self, p, c):
        last = next((pl for pl in reversed(c.placements) if not pl.planned), None)
        if last and last.by_exit:
            hours = last.schedule[-1][1] if last.schedule else 0
            if last.kind == PlacementKind.FLEX_JOB:
                return OutcomeStatus.FLEX_JOB
            if last.kind == PlacementKind.EDUCATION:
                return OutcomeStatus.EDUCATION
            if last.kind in PAID_KINDS and hours >= 12 and self.rng.random() < 0.85:
                return OutcomeStatus.ORDINARY_JOB
        pension = 12 if p.light == TrafficLight.RED and p.age > 45 else 2
        return self._pick(
            (
                (OutcomeStatus.BENEFIT, 65),
                (OutcomeStatus.OTHER, 12),
                (OutcomeStatus.EARLY_PENSION, pension),
                (OutcomeStatus.ORDINARY_JOB, 8),
                (OutcomeStatus.EDUCATION, 5),
            )
        )

    def _staff_for(self, p, c):
        """Who held each role from when: brokers and caseworkers of the site; some change, which is tracked."""
        rng = self.rng
        limit = c.exit_on or self.today
        brokers = self.site_staff[(Role.JOB_BROKER, p.site)]
        caseworkers = self.site_staff[(Role.CASEWORKER, p.site)]
        staff = {
            "broker": [(p.ref, rng.choice(brokers))],
            "caseworker": [(p.ref, rng.choice(caseworkers))],
            "mentor": [],
        }
        if (p.light == TrafficLight.RED or rng.random() < 0.2) and p.ref + _days(60) < limit:
            staff["mentor"].append(
                (p.ref + _days(rng.randint(0, 60)), rng.choice(self.site_staff[(Role.MENTOR, p.site)]))
            )
        for key, pool, chance in (("broker", brokers, 0.08), ("caseworker", caseworkers, 0.15)):
            if rng.random() < chance and len(pool) > 1 and p.ref + _days(61) < limit:
                current = staff[key][0][1]
                staff[key].append(
                    (self._date_between(p.ref + _days(60), limit), rng.choice([u for u in pool if u != current]))
                )
        return staff

    @staticmethod
    def _holder(staff, key, on):
        holder = None
        for since, user in staff[key]:
            if since <= on:
                holder = user
        return holder

    def _traffic_changes(self, p, c):
        """The light at referral, then changes: greener with paid hours, sometimes redder after a break."""
        rng = self.rng
        changes = [(p.ref, p.light, "")]
        paid = [pl for pl in c.placements if pl.kind in PAID_KINDS and not pl.planned]
        broken = [
            pl for pl in c.placements if pl.reason in (PlacementEndReason.ILLNESS, PlacementEndReason.CITIZEN_LEFT)
        ]
        if p.light == TrafficLight.RED and c.s2 and rng.random() < 0.4:
            changes.append((c.s2, TrafficLight.YELLOW, "Afklaringen viser at der er timer at bygge på."))
        if paid and rng.random() < 0.7 and paid[0].start + _days(56) <= (c.exit_on or self.today):
            changes.append((paid[0].start + _days(56), TrafficLight.GREEN, "Har ordinære timer og trives."))
        elif broken and rng.random() < 0.4:
            changes.append((broken[0].end, TrafficLight.RED, "Forløbet brød sammen; skal have mere støtte."))
        changes.sort(key=lambda change: change[0])
        return changes

    # -- rows from the course -------------------------------------------------------------

    def _start_form_on(self, citizen, p, c):
        """The start form is filled at the referral, except for every other citizen referred in the last 30 days
        who is still in step 1: referred, start form not filled yet (as in the evaluations' status: 100 referred,
        not all with a start form). Decided without the random generator, so the rest of the demo is unchanged."""
        waiting = p.ref > self.today - _days(30) and c.exit_on is None and len(c.steps) == 1 and citizen % 2 == 0
        return None if waiting else p.ref

    def _enrolment_row(self, citizen, p, c, staff):
        text = self.rng.choice(REFERRAL_TEXTS).format(first=p.first, wish=WISHES[p.wish].lower(), hours=int(p.estimate))
        return self.t[Enrolment].insert(
            citizen_id=citizen,
            programme_id=self.programme.pk,
            site_id=self.sites[p.site].pk,
            job_broker_id=staff["broker"][-1][1],
            caseworker_id=staff["caseworker"][-1][1],
            mentor_id=staff["mentor"][-1][1] if staff["mentor"] else None,
            referred_by_id=staff["caseworker"][0][1],
            referral_text=text,
            referred_on=p.ref,
            started_on=self._start_form_on(citizen, p, c),
            ended_on=c.exit_on,
            traffic_light_at_referral=p.light,
            estimated_weekly_hours=_hours(p.estimate),
            current_step=c.steps[-1][0],
        )

    # The funder's participant form (docs/funders.md): answered for every citizen with a start form, the end form's
    # part for those who left. Decided from the form's own running number and the course, without the random
    # generator (the rest of the demo is unchanged) and without database ids (the same on every database); every 11th
    # leaves the education unanswered and every 13th who left the status at exit, so the page of missing answers has
    # something to show.
    EDUCATION_BY_NUMBER = ("isced_0_2",) * 5 + ("isced_3_4",) * 4 + ("isced_5_8",)
    EXIT_STATUS_OF_OUTCOME = {
        OutcomeStatus.ORDINARY_JOB: "employed",
        OutcomeStatus.FLEX_JOB: "employed",
        OutcomeStatus.EDUCATION: "education",
        OutcomeStatus.BENEFIT: "job_searching",
    }

    def _participant_form_row(self, enrolment, citizen, p, c):
        if self._start_form_on(citizen, p, c) is None:
            return
        self.participant_form_no = n = getattr(self, "participant_form_no", 0) + 1
        if p.light == TrafficLight.RED:
            entry = "inactive"
        else:
            entry = "long_term_unemployed" if n % 3 else "unemployed"
        answers = {
            "sex": "not_stated" if n % 17 == 0 else str(p.sex),
            "education_level": "" if n % 11 == 0 else self.EDUCATION_BY_NUMBER[n % 10],
            "status_at_entry": entry,
            "status_at_exit": "",
            "qualification_gained": None,
        }
        if c.exit_on is not None and n % 13:
            answers["status_at_exit"] = self.EXIT_STATUS_OF_OUTCOME.get(c.exit_status, "inactive")
            answers["qualification_gained"] = n % 4 == 0
        self.t[ParticipantForm].insert(enrolment_id=enrolment, changed_by_id=self.coordinator, **answers)

    def _assignment_rows(self, enrolment, p, staff):
        roles = (
            ("broker", AssignmentChange.Role.JOB_BROKER),
            ("caseworker", AssignmentChange.Role.CASEWORKER),
            ("mentor", AssignmentChange.Role.MENTOR),
        )
        for key, role in roles:
            for on, user in staff[key]:
                by = staff["caseworker"][0][1] if on == p.ref else self.coordinator
                self.t[AssignmentChange].insert(
                    enrolment_id=enrolment, role=role, user_id=user, changed_on=on, changed_by_id=by
                )

    def _step_rows(self, enrolment, c, staff):
        for step, on, note in c.steps:
            by = staff["caseworker"][0][1] if step == Step.CLARIFICATION else self._holder(staff, "broker", on)
            self.t[StepChange].insert(enrolment_id=enrolment, step=step, changed_on=on, changed_by_id=by, note=note)

    def _placement_rows(self, enrolment, p, c, staff):
        rng = self.rng
        employed = social = False
        for pl in c.placements:
            opening = None
            if pl.kind in PAID_KINDS and rng.random() < 0.65:
                filled = min(pl.start, self.today)
                posted = min(filled, max(self.programme.starts_on, pl.start - _days(rng.randint(7, 40))))
                opening = self._opening(
                    pl.co, posted, pl.agreed or 3, Opening.Status.FILLED, filled_on=filled, buddy=pl.buddy
                )
            pl.id = self.t[Placement].insert(
                enrolment_id=enrolment,
                company_id=pl.co.id,
                opening_id=opening,
                kind=pl.kind,
                legal_basis=default_legal_basis(pl.kind),
                starts_on=pl.start,
                planned_end_on=pl.planned_end,
                ended_on=pl.end,
                purpose=PURPOSES[pl.kind],
                agreed_ordinary_hours=_hours(pl.agreed) if pl.agreed is not None else None,
                ordinary_hours_condition=pl.condition,
                no_hours_reason=pl.no_reason,
                buddy_id=pl.buddy,
                end_reason=pl.reason,
                end_note=self._end_note(pl, c),
            )
            if pl.planned:
                continue
            broker = self._holder(staff, "broker", pl.start)
            for on, ordinary, internship in pl.schedule:
                if on <= min(pl.end or self.today, self.today):
                    self.t[AgreedHoursChange].insert(
                        placement_id=pl.id,
                        from_date=on,
                        ordinary_hours=_hours(ordinary),
                        internship_hours=_hours(internship),
                        changed_by_id=broker,
                    )
            paid = self._timesheets(pl, broker)
            if (
                paid
            ):  # an hourly wage from the start on every placement with paid hours (no draw: the demo stays as it was)
                self.t[HourlyWage].insert(
                    placement_id=pl.id, valid_from=pl.start, hourly_wage=Decimal(125 + pl.id % 7 * 5), set_by_id=broker
                )
            employed |= paid
            social |= paid and pl.co.kind == Company.Kind.SOCIAL_ECONOMIC
        self.counts["placed"] += any(not pl.planned for pl in c.placements)
        self.counts["employed"] += employed
        self.counts["employed_social_economic"] += social

    @staticmethod
    def _end_note(pl, c):
        if pl.by_exit:
            return EXIT_NOTES.get(c.exit_status, "Afsluttet ved udskrivning.")
        return END_NOTES.get(pl.reason, "")

    def _timesheets(self, pl, broker):
        """One row a week from the first Monday of the placement to its end; ordinary hours only where they are paid.

        As registration allows: only weeks that have ended (their Sunday has passed), and only weeks starting before
        the end date (the first day the placement no longer runs)."""
        rng = self.rng
        if not pl.schedule:
            return False
        week = _monday_on_or_after(pl.start)
        k, schedule, paid = 0, pl.schedule, False
        add = self.t[Timesheet].insert
        while week_has_ended(week, self.today) and (pl.end is None or week < pl.end):
            while k + 1 < len(schedule) and schedule[k + 1][0] <= week:
                k += 1
            _on, ordinary, internship = schedule[k]
            r = rng.random()
            if r < 0.03:
                week += WEEK
                continue  # not registered: the reminders will chase it
            if r < 0.08:
                ordinary, internship = 0, 0  # ill or on holiday
            elif r < 0.18:
                ordinary, internship = max(0, ordinary - rng.randint(1, 3)), max(0, internship - rng.randint(1, 4))
            elif r < 0.22 and ordinary:
                ordinary += rng.randint(1, 2)
            paid |= ordinary > 0
            add(
                placement_id=pl.id,
                week_start=week,
                ordinary_hours=_hours(ordinary),
                internship_hours=_hours(internship),
                registered_by_id=broker,
                registered_at=self._registered_at(week),
            )
            week += WEEK
        return paid

    def _registered_at(self, week):
        """Hours are registered on the week's Friday afternoon; one week in ten is late, after a reminder."""
        day = week + _days(4)
        if self.rng.random() < 0.1:
            day = min(self.today, day + _days(self.rng.randint(3, 20)))
        return datetime.combine(day, REGISTERED_AT, tzinfo=UTC)

    def _contact_rows(self, enrolment, p, c, staff):
        rng = self.rng
        contacts, people, buddies = self.t[Contact], self.t[ContactStaff], self.t[ContactCompanyContact]
        for kind, on, co, buddy, extra in self._contact_plan(p, c, staff):
            broker = self._holder(staff, "broker", on)
            note = rng.choice(CONTACT_NOTES[kind]).format(first=p.first, company=co.name if co else "virksomheden")
            contact = contacts.insert(
                enrolment_id=enrolment,
                kind=kind,
                occurred_on=on,
                note=note,
                company_id=co.id if co else None,
                registered_by_id=broker,
            )
            people.insert(contact_id=contact, user_id=broker)
            for user in extra:
                if user != broker:
                    people.insert(contact_id=contact, user_id=user)
            if buddy is not None:
                buddies.insert(contact_id=contact, companycontact_id=buddy)

    def _contact_plan(self, p, c, staff):
        """The contacts of an enrolment as (kind, date, company, buddy, extra staff), following its course."""
        rng = self.rng
        limit = min(c.exit_on or self.today, self.today)
        gaps = (45, 90) if p.neglected else (14, 30)
        plan = [(Contact.Kind.CONVERSATION, p.ref, None, None, (staff["caseworker"][0][1],))]
        if staff["mentor"]:
            plan.append((Contact.Kind.CONVERSATION, staff["mentor"][0][0], None, None, (staff["mentor"][0][1],)))
        cursor = p.ref
        if c.s2 and rng.random() < 0.4:  # a company visit or sniffing period in step 1
            co = rng.choice(
                self.by_kind.get((Company.Kind.PRIVATE, p.site)) or self.by_kind[(Company.Kind.PRIVATE, None)]
            )
            plan.append((Contact.Kind.COMPANY_VISIT, self._date_between(p.ref + DAY, c.s2), co, None, ()))
        for pl in c.placements:
            meeting = max(cursor, min(self.today, pl.start - _days(rng.randint(2, 9))))
            plan += self._periodic(cursor, meeting, gaps)
            plan.append((rng.choice(MATCH_KINDS), meeting, pl.co, pl.buddy, ()))
            if pl.planned:
                break
            end = min(pl.end or limit, limit)
            plan += self._follow_up(pl, end, staff)
            cursor = end
        else:
            plan += self._periodic(cursor, limit, gaps)
        if c.exit_on and c.exit_status in (OutcomeStatus.ORDINARY_JOB, OutcomeStatus.FLEX_JOB, OutcomeStatus.EDUCATION):
            for after in (30, 90, 180):
                if c.exit_on + _days(after) <= self.today:
                    plan.append((Contact.Kind.AFTERCARE, c.exit_on + _days(after), None, None, ()))
        return plan

    def _periodic(self, start, end, gaps):
        """Conversations and calls every few weeks between two dates."""
        rng = self.rng
        plan, day = [], start + _days(rng.randint(*gaps))
        while day < end:
            kind = Contact.Kind.CONVERSATION if rng.random() < 0.6 else Contact.Kind.PHONE
            plan.append((kind, _weekday_on_or_before(day), None, None, ()))
            day += _days(rng.randint(*gaps))
        return plan

    def _follow_up(self, pl, end, staff):
        """Close follow-up (weekly) in the first weeks, then monthly; a three-month talk in paid work."""
        rng = self.rng
        plan = []
        day = pl.start + WEEK
        for _k in range(rng.randint(3, 8)):
            if day > end:
                return plan
            visit = rng.random() < 0.3
            plan.append(
                (
                    Contact.Kind.COMPANY_VISIT if visit else Contact.Kind.PHONE,
                    day,
                    pl.co,
                    pl.buddy if visit else None,
                    (),
                )
            )
            day += WEEK
        while (day := day + _days(rng.randint(26, 35))) <= end:
            plan.append((Contact.Kind.MONTHLY_FOLLOW_UP, _weekday_on_or_before(day), pl.co, pl.buddy, ()))
        talk = _weekday_on_or_before(pl.start + _days(91))
        if pl.kind in PAID_KINDS and talk <= end:
            plan.append(
                (Contact.Kind.THREE_MONTH_TALK, talk, pl.co, pl.buddy, (self._holder(staff, "caseworker", talk),))
            )
        return plan

    def _step1_rows(self, citizen, p, c, staff, enrolment):
        """Step-1 material: job wishes and goals, restrictions, CV, competence card, parallel efforts, consents."""
        rng = self.rng
        limit = min(c.exit_on or self.today, self.today)
        clarified = c.s2 or limit
        self._job_goals(citizen, p, c, limit)
        if rng.random() < 0.4:
            for tag in rng.sample(RESTRICTION_TAGS, rng.randint(1, 2)):
                recorded = self._date_between(p.ref, clarified)
                ended = self._date_between(recorded, limit) if rng.random() < 0.1 and recorded < limit else None
                self.t[Restriction].insert(
                    citizen_id=citizen,
                    tag=tag,
                    description=RESTRICTION_TEXTS[tag],
                    recorded_on=recorded,
                    ended_on=ended,
                )
        if rng.random() < 0.86 and p.ref + _days(3) <= limit:
            self._cv(citizen, p, c, self._date_between(p.ref + _days(3), max(p.ref + _days(3), clarified)))
        if rng.random() < 0.8 and p.ref + _days(7) <= limit:
            self._competences(citizen, p, c, self._date_between(p.ref + _days(7), max(p.ref + _days(7), clarified)))
        if rng.random() < 0.35:
            self._parallel_effort(citizen, p, limit, staff, enrolment)
        for kind, share in ((Consent.Kind.DATA_SHARING, 0.95), (Consent.Kind.EVALUATION, 0.85)):
            if rng.random() < share:
                withdrawn = self._date_between(p.ref, limit) if rng.random() < 0.03 else None
                self._consent_row(citizen, kind, p.ref, staff)
                if withdrawn is not None:
                    self._consent_row(citizen, kind, withdrawn, staff, given=False)

    def _consent_row(self, citizen, kind, on, staff, *, given=True):
        """A consent given (or withdrawn) as a history row, recorded by the job broker of the day; how it was given
        follows from the citizen's id (no draw, so the rest of the programme stays as it was)."""
        manners = (Consent.Manner.WRITTEN, Consent.Manner.WRITTEN, Consent.Manner.DIGITAL, Consent.Manner.ORAL)
        self.t[Consent].insert(
            citizen_id=citizen,
            kind=kind,
            given=given,
            on=on,
            manner=manners[citizen % len(manners)],
            recorded_by_id=self._holder(staff, "broker", on),
        )

    def _parallel_effort(self, citizen, p, limit, staff, enrolment):
        rng = self.rng
        kind = self._pick(
            (
                (ParallelEffort.Kind.HEALTH, 4),
                (ParallelEffort.Kind.PSYCHIATRIC, 3),
                (ParallelEffort.Kind.SUBSTANCE_ABUSE, 2 if p.free_card else 0),
                (ParallelEffort.Kind.FAMILY, 2),
                (ParallelEffort.Kind.HOUSING_SUPPORT, 2),
                (ParallelEffort.Kind.DEBT_COUNSELLING, 2),
                (ParallelEffort.Kind.OTHER, 1),
            )
        )
        starts = self._date_between(p.ref - _days(180), limit)
        ends = self._date_between(starts, limit) if rng.random() < 0.4 and starts < limit else None
        self.t[ParallelEffort].insert(
            citizen_id=citizen, kind=kind, description=EFFORT_TEXTS[kind], starts_on=starts, ends_on=ends
        )
        consented = max(starts, p.ref)
        self._consent_row(citizen, Consent.Kind.CONTACT_WITH_TREATMENT, consented, staff)
        # With the consent, the job broker talks to the provider two weeks later (no draw: the rest stays as it was).
        talk = consented + _days(14)
        broker = self._holder(staff, "broker", talk)
        if talk <= limit and broker is not None:
            contact = self.t[Contact].insert(
                enrolment_id=enrolment,
                kind=Contact.Kind.TREATMENT_CONTACT,
                occurred_on=talk,
                note=f"Talt med {p.first}s behandler om, hvordan timerne i virksomheden passer med forløbet.",
                registered_by_id=broker,
            )
            self.t[ContactStaff].insert(contact_id=contact, user_id=broker)

    def _job_goals(self, citizen, p, c, limit):
        rng = self.rng
        goals = self.t[JobGoal]
        if rng.random() < 0.9:
            goals.insert(
                citizen_id=citizen, kind=JobGoal.Kind.WISH, occupation_code=p.wish, text=WISHES[p.wish], set_on=p.ref
            )
        if not c.s2:
            return
        code = p.wish if rng.random() < 0.7 else rng.choice(WISH_CODES)
        set_on = c.s2 - _days(rng.randint(0, 5))
        replaced = None
        if rng.random() < 0.25 and set_on + _days(30) < limit:
            replaced = self._date_between(set_on + _days(30), limit)
        goals.insert(
            citizen_id=citizen,
            kind=JobGoal.Kind.GOAL,
            occupation_code=code,
            text=WISHES[code],
            set_on=set_on,
            replaced_on=replaced,
        )
        if replaced:
            new = rng.choice(WISH_CODES)
            goals.insert(
                citizen_id=citizen, kind=JobGoal.Kind.GOAL, occupation_code=new, text=WISHES[new], set_on=replaced
            )

    def _cv(self, citizen, p, c, written):
        """The CV written together in step 1, then a line after each placement."""
        rng = self.rng
        years_ago = rng.randint(2, 15)
        job = rng.choice(WISH_CODES)
        entries = [
            (
                CVEntry.Kind.WORK,
                codes.occupation_title(job),
                rng.choice(PAST_WORKPLACES),
                _add_years(p.ref, -years_ago),
                _add_years(p.ref, -years_ago + rng.randint(1, 2)),
            ),
            (CVEntry.Kind.EDUCATION, rng.choice(EDUCATIONS), "", None, None),
            (CVEntry.Kind.LANGUAGE, f"Dansk – niveau {p.danish} af 5", "", None, None),
        ]
        if rng.random() < 0.4:
            entries.append((CVEntry.Kind.VOLUNTEER, "Frivillig i den lokale forening", "Beboerforeningen", None, None))
        if rng.random() < 0.3:
            entries.append(
                (
                    CVEntry.Kind.SKILL,
                    rng.choice(("Kørekort B", "God til mennesker", "Kan arbejde selvstændigt")),
                    "",
                    None,
                    None,
                )
            )
        cv = self.t[CVEntry]
        for kind, title, place, starts, ends in entries:
            cv.insert(
                citizen_id=citizen,
                kind=kind,
                title=title,
                organisation=place,
                starts_on=starts,
                ends_on=ends,
                recorded_on=written,
            )
        for pl in c.placements:
            if pl.end and not pl.planned and rng.random() < 0.8:
                cv.insert(
                    citizen_id=citizen,
                    kind=CVEntry.Kind.WORK if pl.kind in PAID_KINDS else CVEntry.Kind.INTERNSHIP,
                    title=codes.occupation_title(pl.co.occupations[0]),
                    organisation=pl.co.name,
                    starts_on=pl.start,
                    ends_on=pl.end,
                    recorded_on=min(self.today, pl.end + _days(rng.randint(0, 14))),
                    description=PURPOSES[pl.kind],
                )

    def _competences(self, citizen, p, c, assessed):
        """The competence card; for some a second look at work, assessed together with the company."""
        rng = self.rng
        base = {TrafficLight.GREEN: 4, TrafficLight.YELLOW: 3, TrafficLight.RED: 2}[p.light]
        card = self.t[CompetenceAssessment]
        for area in CompetenceAssessment.Area.values:
            level = p.danish if area == CompetenceAssessment.Area.DANISH else max(1, min(5, base + rng.randint(-1, 1)))
            card.insert(
                citizen_id=citizen,
                area=area,
                level=level,
                assessed_on=assessed,
                comment="Vurderet sammen med borgeren.",
            )
        started = [
            pl
            for pl in c.placements
            if not pl.planned and pl.start + _days(28) <= min(pl.end or self.today, self.today)
        ]
        if started and rng.random() < 0.5:
            pl = started[0]
            for area in (CompetenceAssessment.Area.PROFESSIONAL, CompetenceAssessment.Area.SOCIAL):
                card.insert(
                    citizen_id=citizen,
                    area=area,
                    level=min(5, base + 1),
                    assessed_on=pl.start + _days(28),
                    co_assessor_id=pl.co.id,
                    comment="Vurderet sammen med virksomheden.",
                )

    def _plan_rows(self, enrolment, p, c):
        rng = self.rng
        limit = min(c.exit_on or self.today, self.today)
        if p.ref + _days(7) > limit:
            return
        created = self._date_between(p.ref + _days(7), min(limit, c.s2 or limit))
        self.t[JobPlan].insert(
            enrolment_id=enrolment,
            title=f"Jobplan – {codes.occupation_title(p.wish).lower()}",
            target_occupation_code=p.wish,
            created_on=created,
            closed_on=c.exit_on,
        )
        if c.s2 and rng.random() < 0.35:
            package = self._job_package(enrolment, p, c, c.s2 + _days(rng.randint(0, 20)), limit)
            if package and rng.random() < 0.15:
                self._job_package(enrolment, p, c, package + _days(rng.randint(150, 250)), limit)
        self._upskilling(enrolment, p, c, limit)

    def _job_package(self, enrolment, p, c, created, limit):
        """A job package: milestones with dates towards a named job; some are overdue."""
        rng = self.rng
        if created > limit:
            return None
        code = rng.choice(WISH_CODES) if rng.random() < 0.3 else p.wish
        title = codes.occupation_title(code).lower()
        plan = self.t[JobPlan].insert(
            enrolment_id=enrolment,
            is_job_package=True,
            title=f"Mod job som {title}",
            target_occupation_code=code,
            created_on=created,
            closed_on=c.exit_on,
        )
        chosen = sorted(rng.sample(MILESTONES, rng.randint(2, 4)), key=lambda m: m[2])
        chosen.append((Milestone.Kind.TARGET_JOB, f"Ordinære timer som {title}", rng.randint(150, 240)))
        for kind, name, after in chosen:
            due = created + _days(after)
            done = None
            if due <= limit + _days(20) and rng.random() < 0.7:
                done = min(limit, self._date_between(max(created, due - _days(10)), due + _days(10)))
            self.t[Milestone].insert(plan_id=plan, kind=kind, title=name, due_on=due, completed_on=done)
        return created

    def _upskilling(self, enrolment, p, c, limit):
        """At the first talk upskilling is considered: wanted with a course, or not with a reason."""
        rng = self.rng
        decided = self._date_between(p.ref, min(limit, p.ref + _days(14)))
        if rng.random() >= 0.4:
            self.t[UpskillingDecision].insert(
                enrolment_id=enrolment, decided_on=decided, wanted=False, reason=rng.choice(NO_UPSKILLING_REASONS)
            )
            return
        subject = Course.Subject.LANGUAGE if p.danish <= 2 else COURSE_FOR_OCCUPATION.get(p.wish)
        course, duration = rng.choice(self.courses.get(subject) or self.course_list)
        self.t[UpskillingDecision].insert(enrolment_id=enrolment, decided_on=decided, wanted=True, course_id=course)
        starts = decided + _days(rng.randint(14, 60))
        if c.exit_on and starts > c.exit_on:
            return
        ends = starts + _days(math.ceil(duration * 7 / 5))
        if starts > self.today:
            status, ends = UpskillingEnrolment.Status.PLANNED, None
        elif rng.random() < 0.15:
            status, ends = UpskillingEnrolment.Status.INTERRUPTED, min(self.today, starts + _days(rng.randint(3, 10)))
        elif ends <= self.today:
            status = UpskillingEnrolment.Status.COMPLETED
        else:
            status, ends = UpskillingEnrolment.Status.STARTED, None
        self.t[UpskillingEnrolment].insert(
            enrolment_id=enrolment, course_id=course, starts_on=starts, ends_on=ends, status=status
        )

    def _assessment_rows(self, enrolment, p, c):
        """Self-assessments (1-10) every three or four months; scores rise with ordinary hours."""
        rng = self.rng
        limit = min(c.exit_on or self.today, self.today)
        base = {TrafficLight.GREEN: 6.5, TrafficLight.YELLOW: 5, TrafficLight.RED: 3.5}[p.light]
        day = p.ref + _days(rng.randint(0, 14))
        while day <= limit:
            hours = max((self._ordinary_on(pl, day) for pl in c.placements if not pl.planned), default=0)
            lift = min(3.0, hours / 7)
            scores = {d: max(1, min(10, round(base + lift + rng.gauss(0, 1.3)))) for d in PROGRESSION_DIMENSIONS}
            self.t[ProgressionAssessment].insert(enrolment_id=enrolment, assessed_on=day, **scores)
            day += _days(rng.randint(80, 120))

    @staticmethod
    def _ordinary_on(pl, day):
        if day < pl.start or (pl.end and day > pl.end):
            return 0
        hours = 0
        for since, ordinary, _internship in pl.schedule:
            if since <= day:
                hours = ordinary
        return hours

    def _outcome_rows(self, enrolment, c, staff):
        """The outcome at exit (end form) and follow-ups three and six months later."""
        if not c.exit_on:
            return
        broker = self._holder(staff, "broker", c.exit_on)
        outcomes = self.t[Outcome]
        outcomes.insert(
            enrolment_id=enrolment,
            kind=Outcome.Kind.EXIT,
            measured_on=c.exit_on,
            status=c.exit_status,
            registered_by_id=broker,
            note="Slutskema udfyldt.",
        )
        status = c.exit_status
        for months in (3, 6):
            on = c.exit_on + _days(round(months * 30.4))
            if on > self.today:
                break
            status = self._follow_up_status(status)
            outcomes.insert(
                enrolment_id=enrolment,
                kind=Outcome.Kind.FOLLOW_UP,
                measured_on=on,
                status=status,
                registered_by_id=broker,
                note=f"Opfølgning {months} måneder efter udskrivning.",
            )

    def _follow_up_status(self, status):
        if self.rng.random() < FOLLOW_UP_STAYS.get(status, 0.9):
            return status
        return OutcomeStatus.ORDINARY_JOB if status == OutcomeStatus.BENEFIT else OutcomeStatus.BENEFIT
