"""Every URL pattern of the site, for the URL × role test (tests/test_url_matrix.py) and `manage.py url_matrix_count`."""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

from jobbro.accounts.policy import PAGES

# URL patterns the matrix leaves out, each with its reason; a name ending in ":" leaves out a whole namespace.
NOT_CHECKED = {
    "admin:": "Django's admin site: hundreds of generated pages behind one gate (the administer capability), tested by the admin tests",
    "set_language": "Django's language switch: public and the same for everyone, it only sets a cookie",
    "api:": "the JSON API: a token per integration, never a session; the same table applied to the service user, tested by jobbro/api/tests",
}

# The users every URL is requested as: anonymous, one of each role, and a job broker at another site.
ROLES_CHECKED = (
    "anonymous",
    "job_broker",
    "job_broker_at_another_site",
    "caseworker",
    "mentor",
    "coordinator",
    "manager",
    "evaluator",
    "administrator",
)


@dataclass(frozen=True)
class Pattern:
    name: str
    route: str
    keys: tuple


def url_patterns(patterns=None, prefix="", namespace=""):
    """Every URL pattern, walking included configurations; names carry their namespace ("admin:index")."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_patterns(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield Pattern(
                f"{namespace}{entry.name or ''}", prefix + str(entry.pattern), tuple(entry.pattern.converters)
            )


def left_out(name):
    return any(name.startswith(skip) if skip.endswith(":") else name == skip for skip in NOT_CHECKED)


def checked_patterns():
    return [pattern for pattern in url_patterns() if not left_out(pattern.name)]


def missing_from_the_table():
    return sorted({pattern.name for pattern in checked_patterns()} - set(PAGES))
