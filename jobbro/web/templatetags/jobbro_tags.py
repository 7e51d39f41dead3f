from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """Look a label up in a dict of choices: {{ labels|get_item:value }}."""
    return mapping.get(key, key or "")
