"""One net-gain calculation kept on a demo case, through the real action: a citizen on resource-course benefit in a
running placement with an hourly wage, shown the gain for 5, 10 and 15 hours a week by their job broker.

The benefit is the rule table's own rate (no figure is made up); without such a citizen, or without a rule table
for the demo's today, the demo has no calculation."""

from collections import Counter
from decimal import Decimal

from jobbro.accounts.models import Role
from jobbro.cases import wages
from jobbro.cases.models import Enrolment, Placement
from jobbro.netgain import actions, calculator
from jobbro.netgain.forms import DEFAULT_HOURS
from jobbro.netgain.models import NetGainCalculation
from jobbro.people import cpr
from jobbro.people.models import BenefitType


def add_net_gain_demo(programme, today):
    """Returns a Counter for the demo's summary: the calculations kept."""
    try:
        rates = {
            rate: amount for benefit, rate, amount in calculator.rates_in_force(today) if benefit == "resource_course"
        }
    except calculator.RuleTableMissing:
        return Counter()
    rate = "other" if rates.get("other") is not None else next((r for r, a in rates.items() if a is not None), None)
    if rate is None:
        return Counter()
    enrolments = (
        Enrolment.objects.filter(
            programme=programme,
            ended_on__isnull=True,
            job_broker__role=Role.JOB_BROKER,  # a mentor may be the job broker, but calculates no gain
            citizen__benefit_type=BenefitType.RESOURCE_COURSE,
        )
        .select_related("citizen", "job_broker")
        .order_by("pk")
    )
    for enrolment in enrolments:
        placement = Placement.objects.running_on(today).filter(enrolment=enrolment).order_by("-starts_on").first()
        wage = wages.wage_in_force(placement, today) if placement else None
        if wage is None:
            continue
        household = calculator.Household(
            benefit="resource_course",
            rate=rate,
            age=cpr.age(enrolment.citizen.birth_date, today),
            couple=False,
            children=0,
        )
        actions.calculate_net_gain(
            acting_user=enrolment.job_broker,
            enrolment=enrolment,
            household=household,
            hourly_wage=Decimal(wage),
            hours=list(DEFAULT_HOURS),
            on=today,
        )
        return Counter({NetGainCalculation: 1})
    return Counter()
