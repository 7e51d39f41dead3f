"""Schemathesis against the running server: every operation of the published schema, with a token for the demo
programme's administrator, checked for server errors and for answers (codes and bodies) that match the schema."""

import datetime

import hypothesis
import pytest
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from jobbro.accounts.models import User
from jobbro.api import actions
from jobbro.api.models import Integration, Scope
from jobbro.audit.models import AccessLog
from jobbro.demo.generator import generate

pytestmark = pytest.mark.django_db(transaction=True)

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture
def demo_token(settings):
    """A small demo programme, and a token with every scope acting as its administrator."""
    settings.API_RATE = "100000/minute"
    generate(citizens=12, seed=2026, today=datetime.date(2026, 6, 1))
    administrator = User.objects.get(username="admin")
    _integration, token = actions.create_integration(
        acting_user=administrator, name="Schemathesis", user=administrator, scopes=Scope.values
    )
    return token


@pytest.fixture
def published_schema(live_server):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/")
    schema.config.update(base_url=live_server.url)
    return schema


EXAMPLES = hypothesis.settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    derandomize=True,
    database=None,
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
)


def run_operation(operation, mode, headers):
    """Examples of one operation in one generation mode; the first failure, or None."""

    @EXAMPLES
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def examples(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        examples()
    except Exception as failure:  # a check failed: reported with the operation, all operations still run
        return f"{mode} {operation.label}: {failure}"
    return None


def test_every_operation_answers_as_its_schema_says(published_schema, demo_token):
    headers = {"Authorization": f"Bearer {demo_token}"}
    operations = [result.ok() for result in published_schema.get_all_operations()]
    assert len(operations) >= 25
    failures = [
        failure
        for operation in operations
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        if (failure := run_operation(operation, mode, headers))
    ]
    assert not failures, "\n\n".join(failures)
    # The requests reached the records: the citizens they showed are in the read log under the integration.
    integration = Integration.objects.get(name="Schemathesis")
    assert integration.last_used_at is not None
    assert AccessLog.objects.filter(view__endswith=f"(integration #{integration.pk})", status_code=200).count() > 12
