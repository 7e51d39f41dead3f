"""The questionnaire pages: who may open what, the answer page at a link, the results with free text kept to those who
read case notes, and the spreadsheets holding no formula."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jobbro.audit.models import AccessLog
from jobbro.spreadsheets import FORMULA_STARTS
from jobbro.surveys import actions
from jobbro.surveys.models import Answer, Invitation, Question
from jobbro.surveys.tests.conftest import build, questions, token_of


def answer_url(link):
    return reverse("survey_answer", kwargs={"token": token_of(link)})


def sent(questionnaire, user, enrolments):
    return actions.send(acting_user=user, questionnaire=questionnaire, recipients=enrolments, message=False)


def texts(content):
    book = load_workbook(io.BytesIO(content))
    return [cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value]


def test_a_coordinator_builds_opens_and_sends_through_the_pages(client, coordinator, programme, world):
    client.force_login(coordinator)
    response = client.post(
        reverse("questionnaire_new"),
        {"programme": programme.pk, "title": "Seks måneder", "audience": "citizens", "intro": ""},
    )
    questionnaire = programme.questionnaires.get()
    assert response.url == reverse("questionnaire_detail", kwargs={"pk": questionnaire.pk})
    url = reverse("questionnaire_question_new", kwargs={"pk": questionnaire.pk})
    assert client.post(url, {"text": "", "kind": "scale"}).status_code == 400
    client.post(url, {"text": "Hvor godt er du fulgt op?", "kind": "scale", "required": "on"})
    client.post(url, {"text": "Hvad gik godt?", "kind": "text"})
    first, second = questionnaire.questions.order_by("position")
    client.post(
        reverse("questionnaire_question_move", kwargs={"pk": questionnaire.pk, "question_pk": second.pk}),
        {"direction": "up"},
    )
    assert list(questionnaire.questions.order_by("position")) == [second, first]
    assert client.get(reverse("questionnaire_preview", kwargs={"pk": questionnaire.pk})).status_code == 200
    client.post(reverse("questionnaire_open", kwargs={"pk": questionnaire.pk}))
    # Fixed once open: a question posted now is refused with the reason.
    refused = client.post(url, {"text": "Ny", "kind": "yes_no"})
    assert refused.status_code == 400 and questionnaire.questions.count() == 2
    page = client.get(reverse("questionnaire_send", kwargs={"pk": questionnaire.pk}))
    assert page.status_code == 200
    response = client.post(reverse("questionnaire_send", kwargs={"pk": questionnaire.pk}), {"send_messages": ""})
    assert response.status_code == 200
    assert Invitation.objects.filter(questionnaire=questionnaire).count() == 4
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    tokens = response.context["tokens"]
    assert len(tokens) == 4 and all(token in response.content.decode() for token in tokens)
    sheet = client.post(reverse("questionnaire_links_xlsx", kwargs={"pk": questionnaire.pk}), {"token": tokens})
    assert sheet["Content-Disposition"].startswith('attachment; filename="spoergeskema-links-seks-maaneder-')
    assert sum("/spoergeskema/" in str(value) for value in texts(sheet.content)) == 4


@pytest.mark.parametrize("role", ["alice", "caseworker", "mentor", "manager", "evaluator", "charlie"])
def test_only_coordinators_and_administrators_open_the_builder(client, staff, questionnaire, role):
    client.force_login(getattr(staff, role))
    for name in ("questionnaire_detail", "questionnaire_send", "questionnaire_preview"):
        assert client.get(reverse(name, kwargs={"pk": questionnaire.pk})).status_code == 404
    assert client.post(reverse("questionnaire_close", kwargs={"pk": questionnaire.pk})).status_code == 404


def test_the_outsider_gets_404_for_results_and_the_mentor_for_the_list(client, staff, questionnaire):
    client.force_login(staff.charlie)  # a job broker in another programme: the capability, not the programme
    assert client.get(reverse("questionnaire_results", kwargs={"pk": questionnaire.pk})).status_code == 404
    assert client.get(reverse("questionnaire_results_xlsx", kwargs={"pk": questionnaire.pk})).status_code == 404
    assert questionnaire.title not in client.get(reverse("questionnaire_list")).content.decode()
    client.force_login(staff.mentor)
    assert client.get(reverse("questionnaire_list")).status_code == 404


def test_the_answer_page_takes_the_answers_once_with_errors_per_question(client, questionnaire, coordinator, world):
    [(_invitation, link)] = sent(questionnaire, coordinator, [world.alices_enrolment])
    url = answer_url(link)
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Hvor godt er du fulgt op?" in body and world.alices_citizen.first_name in body
    assert world.alices_citizen.last_name not in body
    assert "<a " not in body and "<nav" not in body  # no way into jobbro
    scale, yes_no, choice, text = questions(questionnaire)
    missing = client.post(url, {f"q{text.pk}": "Godt"})
    assert missing.status_code == 400
    assert set(missing.context["form"].errors) == {f"q{scale.pk}", f"q{yes_no.pk}"}
    done = client.post(url, {f"q{scale.pk}": "5", f"q{yes_no.pk}": "0", f"q{text.pk}": "Godt"})
    assert done.url == reverse("survey_thanks")
    assert Answer.objects.filter(invitation__questionnaire=questionnaire).count() == 3
    assert AccessLog.objects.filter(view="survey_answer", citizen=world.alices_citizen).exists()
    again = client.post(url, {f"q{scale.pk}": "1", f"q{yes_no.pk}": "1"})
    unknown = client.get(reverse("survey_answer", kwargs={"token": "x" * 43}))
    assert again.status_code == unknown.status_code == 404
    assert again.content == unknown.content
    assert Answer.objects.filter(invitation__questionnaire=questionnaire, number=1).count() == 0


def _answered(questionnaire, coordinator, enrolments, text="Mere kontakt"):
    scale, yes_no, _choice, free = questions(questionnaire)
    for _invitation, link in sent(questionnaire, coordinator, enrolments):
        actions.submit_answers(token=token_of(link), given={scale.pk: "4", yes_no.pk: "1", free.pk: text})


def test_free_text_answers_are_shown_only_to_those_who_read_case_notes(client, staff, questionnaire, world):
    _answered(questionnaire, staff.coordinator, [world.alices_enrolment, world.bobs_enrolment], text="=HYPERLINK(1)")
    url = reverse("questionnaire_results", kwargs={"pk": questionnaire.pk})
    for role in ("manager", "coordinator", "evaluator"):
        client.force_login(getattr(staff, role))
        page = client.get(url)
        assert page.status_code == 200
        assert "HYPERLINK" not in page.content.decode()
        assert "HYPERLINK" not in " ".join(map(str, texts(client.get(url.replace("results/", "results.xlsx")).content)))
    client.force_login(staff.alice)
    page = client.get(url).content.decode()
    assert page.count("=HYPERLINK(1)") == 2
    assert AccessLog.objects.filter(view="questionnaire_results", user=staff.alice).count() == 2
    sheet = client.get(reverse("questionnaire_results_xlsx", kwargs={"pk": questionnaire.pk}))
    values = [value for value in texts(sheet.content) if isinstance(value, str)]
    assert "'=HYPERLINK(1)" in values or "=HYPERLINK(1)" not in values
    assert not any(value.lstrip(" ").startswith(FORMULA_STARTS) for value in values)


def test_small_counts_are_withheld_and_the_response_rate_names_both_counts(
    client, manager, questionnaire, coordinator, world
):
    _answered(questionnaire, coordinator, [world.alices_enrolment, world.bobs_enrolment])
    sent(questionnaire, coordinator, [world.randers_enrolment])
    client.force_login(manager)
    page = client.get(reverse("questionnaire_results", kwargs={"pk": questionnaire.pk}))
    rates = page.context["rates"]
    assert (rates.total.answered, rates.total.invited) == (2, 3)
    assert str(rates.total.percent) == "66.7"
    assert not rates.problems
    scale_result = page.context["questions"][0]
    assert scale_result.answered == 2
    assert [str(count) for _label, count in scale_result.options] == ["0", "0", "0", "færre end 5", "0"]
    assert str(scale_result.mean) == "færre end 5"
    assert "66,7 %" in page.content.decode()


def test_a_questionnaire_to_staff_is_answered_by_a_staff_member(client, coordinator, programme, alice):
    team = build(coordinator, programme, audience="staff", title="Medarbejdere")
    [(invitation, link)] = sent(team, coordinator, [alice])
    scale, yes_no, _choice, _text = questions(team)
    client.post(answer_url(link), {f"q{scale.pk}": "3", f"q{yes_no.pk}": "1"})
    invitation.refresh_from_db()
    assert invitation.answered_at is not None
    assert Question.objects.get(pk=scale.pk).answers.get().number == 3
