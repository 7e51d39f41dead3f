"""The net-gain pages: the job broker's flow from the case, who gets 404, Danish errors on the fields, the kept figures
on the result and print pages (also after the rule tables change), and the read log."""

import datetime
import re
import shutil
from decimal import Decimal

import pytest
from django.urls import reverse

from jobbro.accounts.models import Role
from jobbro.audit.models import AccessLog, Action, ChangeLog
from jobbro.cases import actions as case_actions
from jobbro.conftest import make_user
from jobbro.netgain import actions, calculator, tables
from jobbro.netgain.models import NetGainCalculation
from jobbro.netgain.views import nearest_hundred, versions_text
from jobbro.people.models import Citizen

pytestmark = pytest.mark.django_db

ON = datetime.date(2026, 3, 2)


# The citizen's own cash benefit a month, as on a payment letter: an input (the 2026 table has no published
# cash-benefit amounts, so the job broker writes it in), not a figure of the rules.
OWN_BENEFIT = Decimal("11500")


def first_rate(benefit="cash", on=ON):
    return next(rate for b, rate, _amount in calculator.rates_in_force(on) if b == benefit)


def new_url(enrolment):
    return reverse("netgain_new", kwargs={"citizen_pk": enrolment.citizen_id, "enrolment_pk": enrolment.pk})


def months_url(enrolment):
    return reverse("netgain_months", kwargs={"citizen_pk": enrolment.citizen_id, "enrolment_pk": enrolment.pk})


def result_url(calculation, name="netgain_result"):
    return reverse(name, kwargs={"citizen_pk": calculation.enrolment.citizen_id, "pk": calculation.pk})


def form_data(**overrides):
    data = {
        "rate": f"cash:{first_rate()}",
        "monthly_benefit": "11500",
        "hourly_wage": "140,00",
        "hours_1": "5",
        "hours_2": "10",
        "hours_3": "15",
        "age": "35",
        "children": "0",
        "calculated_for": ON.isoformat(),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def kept(world, enrolment=None, **overrides):
    arguments = {
        "household": calculator.Household(
            benefit="cash", rate=first_rate(), monthly_benefit=OWN_BENEFIT, age=35, couple=False, children=0
        ),
        "hourly_wage": Decimal(140),
        "hours": [5, 10, 15],
        "on": ON,
    }
    arguments.update(overrides)
    return actions.calculate_net_gain(
        acting_user=world.alice, enrolment=enrolment or world.alices_enrolment, **arguments
    )


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


# --- The flow -----------------------------------------------------------------------------------------------------


def test_a_job_broker_goes_from_the_case_to_the_gain_for_5_10_and_15_hours(client, world, start):
    enrolment = world.alices_enrolment
    placement = start(enrolment, starts_on=datetime.date(2026, 1, 5))
    case_actions.set_hourly_wage(
        acting_user=world.alice, placement=placement, valid_from=datetime.date(2026, 1, 5), hourly_wage="142.50"
    )
    client.force_login(world.alice)

    page = text(client.get(reverse("citizen_detail", kwargs={"citizen_pk": enrolment.citizen_id})))
    assert f'href="{new_url(enrolment)}"' in page, "the case page has the button"
    assert "Beregn gevinst" in page

    form = client.get(new_url(enrolment))
    assert form.status_code == 200
    initial = form.context["form"].initial
    assert initial["hourly_wage"] == "142,50", "the running placement's wage in force"
    assert [form.context["form"][f"hours_{n}"].value() for n in (1, 2, 3)] == [5, 10, 15]
    assert initial["age"] > 17

    response = client.post(new_url(enrolment), form_data(hourly_wage="142,50"))
    calculation = NetGainCalculation.objects.get()
    assert response.status_code == 302 and response["Location"] == result_url(calculation)
    assert calculation.hourly_wage == Decimal("142.50") and calculation.created_by == world.alice

    result = text(client.get(result_url(calculation)))
    for row in calculation.figures:
        gain = nearest_hundred(row["net_gain"])
        amount = f"{abs(gain):,}".replace(",", ".")
        hours = row["weekly_hours"].rstrip("0").rstrip(".") if "." in row["weekly_hours"] else row["weekly_hours"]
        more_or_less = "mere" if gain > 0 else "mindre"
        assert f"Hvis du arbejder {hours} timer om ugen, får du ca. {amount} kr. {more_or_less} om måneden." in result
    assert "Sådan er det regnet ud" in result
    assert versions_text(calculation.table_versions) in result  # e.g. 01.01.2026
    for title, _url in calculation.figures[0]["sources"]:
        assert title.replace("&", "&amp;") in result or title in result
    assert ChangeLog.objects.filter(action=Action.SAVE_NET_GAIN_CALCULATION, object_id=str(calculation.pk)).exists()


def test_without_a_running_placement_the_wage_is_empty_and_the_benefit_follows_the_case(client, world):
    enrolment = world.alices_enrolment
    Citizen.objects.filter(pk=enrolment.citizen_id).update(benefit_type="kontanthjaelp")
    client.force_login(world.alice)
    form = client.get(new_url(enrolment)).context["form"]
    assert "hourly_wage" not in form.initial
    assert form.initial["rate"].startswith("cash:")


def test_month_by_month_shows_a_line_per_month(client, world):
    client.force_login(world.alice)
    data = form_data(hours_1=None, hours_2=None, hours_3=None, calculated_for=None)
    data.update(
        {
            "month_1": "2026-01",
            "plan_hours_1": "5",
            "month_2": "2026-03",
            "plan_hours_2": "10",
            "month_3": "2026-05",
            "plan_hours_3": "15",
            "months": "6",
        }
    )
    response = client.post(months_url(world.alices_enrolment), data)
    calculation = NetGainCalculation.objects.get()
    assert response.status_code == 302 and calculation.kind == NetGainCalculation.Kind.MONTHS
    page = text(client.get(result_url(calculation)))
    assert [Decimal(row["weekly_hours"]) for row in calculation.figures] == [5, 5, 10, 10, 15, 15]
    for month in ("januar 2026", "februar 2026", "marts 2026", "april 2026", "maj 2026", "juni 2026"):
        assert month.capitalize() in page or month in page
    assert "5 timer om ugen" in page and "15 timer om ugen" in page


def test_the_list_on_the_case_page_shows_kept_calculations_to_all_who_see_the_case(client, world):
    calculation = kept(world)
    for who, button in (("alice", True), ("caseworker", True), ("coordinator", False), ("manager", False)):
        client.force_login(getattr(world, who))
        page = text(client.get(reverse("citizen_detail", kwargs={"citizen_pk": calculation.enrolment.citizen_id})))
        assert f'href="{result_url(calculation)}"' in page, who
        assert (f'href="{new_url(calculation.enrolment)}"' in page) is button, who


# --- Who gets 404 -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["mentor", "coordinator", "manager", "evaluator"])
def test_roles_without_the_capability_get_404_on_the_form_and_nothing_is_kept(client, world, who):
    enrolment = world.bobs_enrolment if who == "mentor" else world.alices_enrolment
    client.force_login(getattr(world, who))
    assert client.get(new_url(enrolment)).status_code == 404
    assert client.get(months_url(enrolment)).status_code == 404
    assert client.post(new_url(enrolment), form_data()).status_code == 404
    assert not NetGainCalculation.objects.exists()


@pytest.mark.parametrize(("who", "allowed"), [("coordinator", True), ("manager", True), ("evaluator", False)])
def test_a_kept_calculation_is_read_by_those_who_see_the_case(client, world, who, allowed):
    calculation = kept(world)
    client.force_login(getattr(world, who))
    for name in ("netgain_result", "netgain_print"):
        assert client.get(result_url(calculation, name)).status_code == (200 if allowed else 404)


def test_a_job_broker_of_another_site_gets_404_everywhere(client, world, programme, other_site):
    randers_broker = make_user("rikke", Role.JOB_BROKER, programme=programme, site=other_site)
    calculation = kept(world)
    client.force_login(randers_broker)
    assert client.get(new_url(world.alices_enrolment)).status_code == 404
    assert client.post(new_url(world.alices_enrolment), form_data()).status_code == 404
    for name in ("netgain_result", "netgain_print"):
        assert client.get(result_url(calculation, name)).status_code == 404
    assert NetGainCalculation.objects.count() == 1


def test_a_job_broker_of_another_programme_gets_404_and_a_real_calculation_looks_like_a_missing_one(client, world):
    calculation = kept(world)
    client.force_login(world.charlie)
    assert client.get(new_url(world.alices_enrolment)).status_code == 404
    assert client.get(result_url(calculation)).status_code == 404
    missing = reverse(
        "netgain_result", kwargs={"citizen_pk": calculation.enrolment.citizen_id, "pk": calculation.pk + 99}
    )
    client.force_login(world.alice)
    assert client.get(missing).status_code == 404


def test_a_calculation_is_found_only_under_its_own_citizen(client, world):
    calculation = kept(world)
    client.force_login(world.administrator)
    wrong = reverse("netgain_result", kwargs={"citizen_pk": world.bobs_citizen.pk, "pk": calculation.pk})
    assert client.get(wrong).status_code == 404
    assert client.get(result_url(calculation)).status_code == 200


# --- Errors in Danish, on the field -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"hourly_wage": "0"}, "hourly_wage", "Timelønnen skal være mere end 0 kr."),
        ({"hourly_wage": "12x"}, "hourly_wage", "Timeløn (kr.): skriv beløbet med cifrene 0-9, f.eks. 135,50."),
        ({"hourly_wage": ""}, "hourly_wage", "Skriv timelønnen, f.eks. 135,50."),
        ({"hours_2": "61"}, "hours_2", "Timer om ugen, andet valg (valgfrit): skriv mellem 1 og 60 timer om ugen."),
        ({"hours_1": ""}, "hours_1", "Skriv mindst det første antal timer om ugen, f.eks. 5."),
        ({"age": "7"}, "age", "Skriv en alder mellem 15 og 99."),
        ({"rate": ""}, "rate", "Vælg borgerens ydelse og sats."),
        ({"monthly_benefit": ""}, "monthly_benefit", "Skriv borgerens ydelse om måneden før skat"),
        ({"monthly_benefit": "mange"}, "monthly_benefit", "skriv beløbet med cifrene 0-9"),
        ({"calculated_for": "2019-06-01"}, "calculated_for", "01.06.2019"),
    ],
)
def test_a_bad_field_is_explained_in_danish_next_to_it_and_nothing_is_kept(client, world, overrides, field, message):
    client.force_login(world.alice)
    response = client.post(new_url(world.alices_enrolment), form_data(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field], errors
    assert message in errors[field][0]
    assert f'id="id_{field}-error"' in response.content.decode()
    assert not NetGainCalculation.objects.exists()


def test_the_same_month_twice_in_a_plan_is_refused_on_the_later_month(client, world):
    client.force_login(world.alice)
    data = form_data(hours_1=None, hours_2=None, hours_3=None, calculated_for=None)
    data.update({"month_1": "2026-01", "plan_hours_1": "5", "month_2": "2026-01", "plan_hours_2": "10", "months": "6"})
    response = client.post(months_url(world.alices_enrolment), data)
    assert response.status_code == 200
    assert "Måneden er allerede i planen" in response.context["form"].errors["month_2"][0]
    assert not NetGainCalculation.objects.exists()


# --- The kept figures: the page and the print are the same paper, also after the tables change ---------------------


def test_the_print_view_is_a4_without_menus_with_the_date_and_the_job_brokers_name(client, world):
    calculation = kept(world)
    client.force_login(world.alice)
    page = text(client.get(result_url(calculation, "netgain_print")))
    assert "jb-nav" not in page and "Log ud" not in page, "no navigation on paper"
    assert "netgain.css" in page  # @page { size: A4 } and the print rules
    assert calculation.created_at.strftime("%d.%m.%Y") in page
    assert "Din jobformidler: Alice Andersen" in page
    assert "Hvis du arbejder 10 timer om ugen" in page


def test_a_reprint_after_the_rule_tables_change_shows_the_kept_figures(client, world, tmp_path, monkeypatch):
    """A calculation from the table's own rate (ressourceforløbsydelse), then a corrected table: a fresh calculation
    gives other figures, the kept one prints as before."""
    rate = first_rate("resource_course")
    household = calculator.Household(benefit="resource_course", rate=rate, age=35, couple=False, children=0)
    calculation = kept(world, household=household)
    client.force_login(world.alice)
    before = client.get(result_url(calculation, "netgain_print")).content
    assert calculation.figures[0]["benefit_given"] is False

    changed = tmp_path / "rules"
    shutil.copytree(tables.RULES_DIR, changed)
    path = changed / f"{calculation.table_versions}.toml"
    amount = next(a for b, r, a in calculator.rates_in_force(ON) if b == "resource_course" and r == rate)
    original = path.read_text()
    corrected = original.replace(f'value = "{amount}"', f'value = "{amount + 1000}"', 1)
    assert corrected != original, "the rate's amount is written in the table as the calculator reads it"
    path.write_text(corrected)
    monkeypatch.setattr(tables, "RULES_DIR", changed)
    fresh = calculator.gain_for_hours(household, hourly_wage=Decimal(140), hours=(5, 10, 15), on=ON)
    assert [row.benefit_before for row in fresh] != [Decimal(row["benefit_before"]) for row in calculation.figures]

    assert client.get(result_url(calculation, "netgain_print")).content == before


# --- The read log -------------------------------------------------------------------------------------------------


def test_every_page_with_the_citizen_logs_the_read(client, world):
    calculation = kept(world)
    client.force_login(world.alice)
    citizen = calculation.enrolment.citizen_id
    for url, view in (
        (new_url(calculation.enrolment), "netgain_new"),
        (months_url(calculation.enrolment), "netgain_months"),
        (result_url(calculation), "netgain_result"),
        (result_url(calculation, "netgain_print"), "netgain_print"),
    ):
        client.get(url)
        assert AccessLog.objects.filter(user=world.alice, citizen_id=citizen, view=view, status_code=200).exists()
    client.force_login(world.charlie)
    client.get(result_url(calculation))
    assert AccessLog.objects.filter(
        user=world.charlie, citizen_ref=citizen, view="netgain_result", status_code=404
    ).exists()
