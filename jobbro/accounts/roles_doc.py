"""docs/roles.md's matrix, written from the role table (policy.py) by `manage.py roles_doc`.

The matrix sits between two markers; the prose around it is kept as written. A test fails when the file
differs from what the table generates.
"""

from pathlib import Path

from django.conf import settings
from django.utils import translation

from jobbro.accounts import policy
from jobbro.accounts.models import Role

START = "<!-- The matrix below is generated from jobbro/accounts/policy.py by `manage.py roles_doc`; edit the table there. -->"
END = "<!-- End of the generated matrix. -->"


def path():
    return Path(settings.BASE_DIR) / "docs" / "roles.md"


def _row(cells):
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def _sees(role):
    if policy.Capability.READ_CITIZEN not in policy.ROLE_CAPABILITIES[role]:
        return "none (pseudonymised data only)"
    return policy.CITIZEN_SCOPE[role].label


def matrix():
    """The role × capability matrix as a Markdown table, in English."""
    with translation.override("en"):
        header = ["may", *(Role(role).label.lower() for role in policy.ROLES)]
        with translation.override("da"):
            danish = ["*Danish*", *(f"*{Role(role).label.lower()}*" for role in policy.ROLES)]
        lines = [_row(header), _row(["---"] * len(header)), _row(danish)]
        lines.append(_row(["sees citizens", *(_sees(role) for role in policy.ROLES)]))
        for capability in policy.Capability:
            granted = policy.roles_with(capability)
            cells = ["yes" if role in granted else "–" for role in policy.ROLES]
            lines.append(_row([f"{capability.label} (`{capability.value}`)", *cells]))
        start_pages = [f"`{policy.START_PAGE[role]}`" for role in policy.ROLES]
        lines.append(_row(["lands on after signing in", *start_pages]))
    return "\n".join(lines)


def render(text):
    """The document with its matrix replaced by the one the table generates."""
    start = text.index(START) + len(START)
    end = text.index(END)
    return text[:start] + "\n\n" + matrix() + "\n\n" + text[end:]
