"""The role table answers who may what; templates ask it through perms_jobbro."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st

from jobbro.accounts.models import Role, User
from jobbro.accounts.policy import (
    ROLE_CAPABILITIES,
    Capability,
    CitizenScope,
    UnknownCapability,
    UserCapabilities,
    citizen_scope,
    may,
    may_open,
    needs,
    roles_with,
)

C = Capability


def test_anonymous_and_inactive_users_may_nothing(alice):
    assert not any(may(AnonymousUser(), capability) for capability in Capability)
    alice.is_active = False
    assert not any(may(alice, capability) for capability in Capability)


def test_every_role_has_a_row_and_every_capability_a_column():
    assert set(ROLE_CAPABILITIES) == set(Role)
    assert all(roles_with(capability) for capability in Capability)


@pytest.mark.parametrize(
    ("role", "granted", "denied"),
    [
        (
            Role.JOB_BROKER,
            {C.READ_NOTES, C.REVEAL_CPR, C.CASE_WORK, C.RANK_CITIZENS},
            {C.REFER, C.IMPORT, C.READ_ALL_REPORTS},
        ),
        (
            Role.CASEWORKER,
            {C.REFER, C.REVEAL_CPR, C.READ_RESTRICTIONS},
            {C.MANAGE_NETWORK, C.RANK_CITIZENS, C.ADMINISTER},
        ),
        (Role.MENTOR, {C.READ_NOTES, C.CASE_WORK, C.OWN_CASELOAD}, {C.REVEAL_CPR, C.REFER, C.RUN_MATCHING}),
        (
            Role.COORDINATOR,
            {C.MANAGE_NETWORK, C.IMPORT, C.RUN_MATCHING, C.READ_ALL_REPORTS},
            {C.READ_NOTES, C.CASE_WORK},
        ),
        (
            Role.MANAGER,
            {C.READ_CITIZEN, C.READ_ALL_REPORTS, C.SEE_COMPANIES},
            {C.READ_NOTES, C.READ_RESTRICTIONS, C.REVEAL_CPR},
        ),
        (Role.EVALUATOR, {C.READ_ALL_REPORTS}, {C.READ_CITIZEN, C.SEE_COMPANIES, C.READ_NOTES}),
        (Role.ADMINISTRATOR, {C.ADMINISTER, C.READ_NOTES, C.REFER, C.IMPORT}, {C.REVEAL_CPR, C.OWN_CASELOAD}),
    ],
)
def test_the_table_grants_what_docs_roles_promises(role, granted, denied):
    assert granted <= ROLE_CAPABILITIES[role]
    assert not denied & ROLE_CAPABILITIES[role]


def test_a_superuser_may_what_an_administrator_may_and_sees_everything(alice):
    alice.is_superuser = True
    assert may(alice, C.ADMINISTER) and may(alice, C.REVEAL_CPR)
    assert citizen_scope(alice) == CitizenScope.EVERYTHING


def test_a_mentor_reaches_only_own_citizens(mentor, alice):
    assert citizen_scope(mentor) == CitizenScope.OWN_CITIZENS
    assert citizen_scope(alice) == CitizenScope.MEMBERSHIPS


def test_templates_ask_the_table_and_a_typo_is_loud(alice, manager):
    template = Template("{% if perms_jobbro.read_notes %}notes{% else %}none{% endif %}")
    assert template.render(Context({"perms_jobbro": UserCapabilities(alice)})) == "notes"
    assert template.render(Context({"perms_jobbro": UserCapabilities(manager)})) == "none"
    with pytest.raises(UnknownCapability):
        Template("{% if perms_jobbro.read_nots %}x{% endif %}").render(
            Context({"perms_jobbro": UserCapabilities(alice)})
        )


@given(
    role=st.sampled_from(list(Role)),
    superuser=st.booleans(),
    active=st.booleans(),
    capability=st.sampled_from(list(Capability)),
)
def test_may_is_the_role_s_row_plus_the_administrator_s_for_a_superuser(role, superuser, active, capability):
    user = User(username="x", role=role, is_superuser=superuser, is_active=active)
    expected = active and (
        capability in ROLE_CAPABILITIES[role] or (superuser and capability in ROLE_CAPABILITIES[Role.ADMINISTRATOR])
    )
    assert may(user, capability) is expected
    assert may_open(user, needs(capability)) is expected
    assert UserCapabilities(user)[capability.value] is expected


def test_a_row_with_a_role_in_the_wrong_column_is_refused(monkeypatch):
    from jobbro.accounts import policy

    shifted = (policy.CO, *([None] * (len(policy.ROLES) - 1)))  # the coordinator written in the job broker's column
    monkeypatch.setitem(policy.GRANTS, C.IMPORT, shifted)
    with pytest.raises(ValueError, match="import"):
        policy._capabilities_by_role()
