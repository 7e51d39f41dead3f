"""In a real browser: a job broker with a large caseload finds her citizen by name in the course page's searchable
field, with the keyboard, and enrols him; the name is posted, never put in an address."""

import pytest

from jobbro.cases.models import UpskillingEnrolment
from jobbro.companies import forms
from jobbro.companies.models import Course, KnowledgeInstitution
from jobbro.web.tests.browser_pickers import pick

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "korrekt-hest-batteri"


def test_a_job_broker_finds_her_citizen_by_name_and_enrols_him(alice, refer, logged_in_page, live_server, axe_check):
    school = KnowledgeInstitution.objects.create(name="Sprogcenter", kind=KnowledgeInstitution.Kind.LANGUAGE_SCHOOL)
    course = Course.objects.create(
        institution=school, name="Dansk på jobbet", subject=Course.Subject.LANGUAGE, duration_days=40, cost_dkk=0
    )
    citizens = [
        refer(first_name=f"Kursist{i:02d}", last_name="Holm", job_broker=alice)
        for i in range(forms.ENROL_SELECT_MAX + 1)
    ]
    page = logged_in_page("alice", PASSWORD)
    addresses = []
    page.on("request", lambda request: addresses.append((request.method, request.url)))
    page.goto(f"{live_server.url}/courses/{course.pk}/")
    assert page.locator("#id_enrolment[role=combobox]").count() == 1

    chosen = pick(page, "id_enrolment", "kursist07", "Kursist07 Holm")
    assert chosen == str(citizens[7].pk)
    asked = [(method, url) for method, url in addresses if "/courses/citizens/" in url]
    assert asked and all(method == "POST" for method, _url in asked)
    assert not any("kursist" in url.lower() for _method, url in addresses)
    violations = axe_check(page)
    assert not violations, "\n".join(v["summary"] for v in violations)

    with page.expect_navigation():
        page.locator("#enrol-form [type=submit]").click()
    upskilling = UpskillingEnrolment.objects.get()
    assert upskilling.enrolment == citizens[7]
    assert (
        page.locator(f"#course-citizens tr[data-upskilling='{upskilling.pk}']")
        .inner_text()
        .startswith("Kursist07 Holm")
    )
