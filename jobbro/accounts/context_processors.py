from jobbro.accounts.policy import UserCapabilities


def capabilities(request):
    """`perms_jobbro` in every template: `{% if perms_jobbro.read_notes %}` asks the role table."""
    return {"perms_jobbro": UserCapabilities(getattr(request, "user", None))}
