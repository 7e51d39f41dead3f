from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """Look a label up in a dict of choices: {{ labels|get_item:value }}."""
    return mapping.get(key, key or "")


@register.filter
def case_note(text, perms):
    """Free text about a citizen, or "" for a reader who may not read case notes (accounts/free_text.py).

    {{ milestone.title|case_note:perms_jobbro|default:milestone.get_kind_display }}. Without the user's
    capabilities (a template rendered outside a request) nothing is shown.
    """
    try:
        allowed = bool(perms and perms["read_notes"])
    except (KeyError, TypeError):
        allowed = False
    return text if allowed else ""


@register.filter
def kroner(value):
    """An amount in Danish kroner as the pages show it: 1.234,50 kr. (cases/wages.py kroner)."""
    from jobbro.cases.wages import kroner as as_kroner

    return as_kroner(value)
