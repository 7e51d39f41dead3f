"""How long a text may be, for every model and form: one set of limits and one check.

Django enforces a TextField's max_length only in a form built from the model, never in the model or the
database. So every text field has a max_length and the validator below (full_clean, and with it every
action, refuses a longer text), every form field is bounded (the shared form tools give a field without a
limit the default one), and `length_errors` names the field in Danish for the actions to show.
"""

from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.deconstruct import deconstructible
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

NAME = 200  # a name, a title, an address line
SHORT_TEXT = 1000  # a reason, a condition, a purpose, a commitment
NOTE = 5000  # a case note, a referral, a description, the tasks of a job
MESSAGE = 100_000  # the text of a message jobbro sends (the small-jobs list holds every open small job)
ERROR = 2000  # an error a server or gateway answered, as recorded
SEARCH = 100  # a search box
EMAIL = 254  # the longest e-mail address there can be
FORM_DEFAULT = 200  # a one-line form field nobody gave a limit
FORM_TEXTAREA_DEFAULT = NOTE  # a text area nobody gave a limit


@deconstructible
class MaxTextLength(MaxLengthValidator):
    message = _("Write at most %(limit_value)d characters (the text has %(show_value)d).")


def text_validators(limit):
    return [MaxTextLength(limit)]


def too_long_message(label, limit, length):
    return gettext("%(field)s: the text is too long – write at most %(max)s characters (it has %(length)s).") % {
        "field": capfirst(str(label)),
        "max": limit,
        "length": length,
    }


def length_errors(instance):
    """{field name: message naming the field} for every text of a model instance longer than its field allows."""
    errors = {}
    for field in instance._meta.concrete_fields:
        if isinstance(field, (models.CharField, models.TextField)) and field.max_length:
            value = getattr(instance, field.attname, None)
            if isinstance(value, str) and len(value) > field.max_length:
                errors[field.name] = too_long_message(field.verbose_name, field.max_length, len(value))
    return errors


def bound_form_field(field):
    """Give a form's text field the default limit if it has none, in the form and in the browser (maxlength)."""
    from django import forms

    if not isinstance(field, forms.CharField) or field.max_length is not None:
        return field
    limit = (
        FORM_TEXTAREA_DEFAULT
        if isinstance(field.widget, forms.Textarea)
        else EMAIL
        if isinstance(field, forms.EmailField)
        else FORM_DEFAULT
    )
    field.max_length = limit
    field.validators.append(MaxLengthValidator(limit))
    field.widget.attrs.update(field.widget_attrs(field.widget))
    return field


__all__ = [
    "ERROR",
    "MESSAGE",
    "NAME",
    "NOTE",
    "SEARCH",
    "SHORT_TEXT",
    "MaxTextLength",
    "bound_form_field",
    "length_errors",
    "text_validators",
    "too_long_message",
]
