"""The messaging pages: template editing (validated, in Danish), the small-jobs list's subscribers and opt-outs,
a citizen's consent to be contacted, and the message log on the citizen and company pages, with their denials."""

import pytest
from django.template import Context, TemplateDoesNotExist, TemplateSyntaxError

from jobbro.messaging import actions, outbox, templates
from jobbro.messaging.models import CitizenContactConsent, Message, MessageTemplate, OptOut, Subscription


def page(client, user, url, data=None):
    client.force_login(user)
    return client.post(url, data) if data is not None else client.get(url)


def test_coordinators_and_administrators_see_the_templates_others_do_not(client, staff):
    for user in (staff.coordinator, staff.administrator):
        response = page(client, user, "/messages/templates/")
        assert response.status_code == 200
        assert b"small_jobs_list" in response.content and b"hours_reminder" in response.content
    for user in (staff.alice, staff.caseworker, staff.mentor, staff.manager, staff.evaluator):
        assert page(client, user, "/messages/templates/").status_code == 404


def test_a_template_that_does_not_render_is_refused_with_a_danish_error_naming_the_field(client, coordinator):
    row = templates.ensure("hours_reminder")
    url = f"/messages/templates/{row.pk}/"
    broken = page(client, coordinator, url, {"subject": "Timer {% if name %}", "body": "Hej {{ name }}"})
    assert broken.status_code == 200
    assert "Feltet «emnelinje» kan ikke bruges" in broken.content.decode()
    unknown = page(client, coordinator, url, {"subject": "Timer", "body": "Hej {{ navn }}"})
    assert "Feltet «tekst» bruger en værdi, som beskeden ikke har" in unknown.content.decode()
    row.refresh_from_db()
    assert row.subject == "Timer mangler for uge {{ week }}"  # unchanged
    saved = page(client, coordinator, url, {"subject": "Timer for uge {{ week }}", "body": "Kære {{ name }}"})
    assert saved.status_code == 302
    row.refresh_from_db()
    assert row.body == "Kære {{ name }}" and row.updated_by == coordinator
    assert outbox.render("hours_reminder", {"name": "Kim", "week": "12"}) == ("Timer for uge 12", "Kære Kim\n")


def test_a_job_broker_may_not_edit_a_template(client, alice):
    row = templates.ensure("hours_reminder")
    assert page(client, alice, f"/messages/templates/{row.pk}/", {"subject": "x", "body": "y"}).status_code == 404
    row.refresh_from_db()
    assert row.body != "y"


def test_templates_render_no_includes_or_foreign_tag_libraries():
    with pytest.raises(TemplateSyntaxError):
        templates.ENGINE.from_string("{% load static %}")
    with pytest.raises(TemplateDoesNotExist):
        templates.ENGINE.from_string('{% include "base.html" %}').render(Context({}))


def test_the_coordinator_manages_the_small_jobs_list_and_opt_outs(client, coordinator, programme, alice):
    response = page(client, coordinator, "/messages/small-jobs-list/", {"programme": programme.pk, "email": "a@b.dk"})
    assert response.status_code == 302
    subscription = Subscription.objects.get(email="a@b.dk", ended_at__isnull=True)
    assert b"a@b.dk" in page(client, coordinator, "/messages/small-jobs-list/").content
    assert page(client, alice, "/messages/small-jobs-list/").status_code == 404
    assert page(client, alice, f"/messages/small-jobs-list/{subscription.pk}/end/", {}).status_code == 404
    assert page(client, coordinator, f"/messages/small-jobs-list/{subscription.pk}/end/", {}).status_code == 302
    subscription.refresh_from_db()
    assert subscription.ended_at is not None
    page(client, coordinator, "/messages/opt-outs/", {"address": "20 30 40 50", "purpose": ""})
    assert OptOut.objects.get().address == "+4520304050"
    assert page(client, alice, "/messages/opt-outs/", {"address": "x@y.dk", "purpose": ""}).status_code == 404
    assert OptOut.objects.count() == 1


def test_an_outside_coordinator_cannot_end_another_programmes_subscription(client, coordinator, other_programme):
    subscription = actions.subscribe(acting_user=None, programme=other_programme, email="x@y.dk")
    assert page(client, coordinator, f"/messages/small-jobs-list/{subscription.pk}/end/", {}).status_code == 404


def test_a_job_broker_records_consent_to_be_contacted_and_the_coordinator_may_not(
    client, alice, coordinator, charlie, alices_citizen
):
    url = f"/citizens/{alices_citizen.pk}/contact-consent/"
    assert page(client, alice, url, {"channel": "email", "given": "yes"}).status_code == 302
    assert page(client, coordinator, url, {"channel": "sms", "given": "yes"}).status_code == 404
    assert page(client, charlie, url, {"channel": "sms", "given": "yes"}).status_code == 404  # another programme
    assert list(CitizenContactConsent.objects.values_list("channel", "given", "recorded_by")) == [
        ("email", True, alice.pk)
    ]
    assert outbox.has_consent(alices_citizen, "email") and not outbox.has_consent(alices_citizen, "sms")


@pytest.fixture
def logged(alices_citizen, alice, company):
    actions.record_contact_consent(acting_user=alice, citizen=alices_citizen, channel="email", given=True)
    about_citizen = outbox.queue(
        channel="email",
        to="mette@example.dk",
        subject="Dit møde",
        body="Hemmelig tekst om Mette",
        dedupe_key="log:1",
        citizen=alices_citizen,
        purpose="meeting_invitation",
    )
    about_company = outbox.queue(
        channel="email",
        to="kim@cafe-havnen.dk",
        subject="Netværksmøde",
        body="Tekst til virksomheden",
        dedupe_key="log:2",
        company=company,
        purpose="event_invitation",
    )
    return about_citizen, about_company


def test_the_citizen_page_lists_the_messages_and_shows_the_text_only_to_those_who_read_notes(
    client, logged, alice, coordinator, alices_citizen
):
    url = f"/citizens/{alices_citizen.pk}/"
    seen = page(client, alice, url).content.decode()
    assert 'id="message-log"' in seen and "Hemmelig tekst om Mette" in seen
    assert f'data-message="{logged[0].pk}"' in seen
    hidden = page(client, coordinator, url).content.decode()  # the coordinator reads no case notes
    assert f'data-message="{logged[0].pk}"' in hidden
    assert "Hemmelig tekst om Mette" not in hidden and "mette@example.dk" not in hidden
    assert "data-body-hidden" in hidden


def test_the_company_page_lists_its_messages(client, logged, coordinator, company, alices_citizen):
    Message.objects.filter(pk=logged[0].pk).update(company=company)
    content = page(client, coordinator, f"/companies/{company.pk}/").content.decode()
    assert "Tekst til virksomheden" in content  # not about a citizen: shown to all who see the company
    assert f'data-message="{logged[0].pk}"' in content
    assert "Hemmelig tekst om Mette" not in content  # about a citizen: a case note


def test_an_outsider_does_not_see_the_citizen_or_the_log(client, logged, charlie, alices_citizen):
    assert page(client, charlie, f"/citizens/{alices_citizen.pk}/").status_code == 404


def test_every_default_template_renders_with_its_examples():
    for key in templates.DEFAULTS:
        row = MessageTemplate(key=key, subject=templates.DEFAULTS[key][0], body=templates.DEFAULTS[key][1])
        templates.check(key, row.subject, row.body)
