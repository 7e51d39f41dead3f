"""Forms in the design system's dress, and the one way a page form calls an action.

A page never saves a model itself: it validates its form, calls an action, and
if the action refuses (ValidationError), the action's messages are put next to
the fields they name, the input is kept, and nothing has been saved.
"""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from jobbro.numbers import require_ascii_digits
from jobbro.textlimits import bound_form_field


def dress(fields):
    """Give each widget the class Det Fælles Designsystem styles it with; dates get the browser's date picker.

    Number fields accept only the digits 0-9 (jobbro/numbers.py): Django's own would read "٤٠" as 40. A text
    field nobody gave a length limit gets the default one (jobbro/textlimits.py)."""
    for field in fields.values():
        require_ascii_digits(field)
        bound_form_field(field)
        widget = field.widget
        if isinstance(field, forms.DateField) and type(widget) is forms.DateInput:
            field.widget = widget = forms.DateInput(format="%Y-%m-%d", attrs={**widget.attrs, "type": "date"})
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-checkbox")
        elif isinstance(widget, (forms.CheckboxSelectMultiple, forms.RadioSelect)):
            continue
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        elif isinstance(widget, forms.Textarea):
            widget.attrs.setdefault("class", "form-input")
            widget.attrs.setdefault("rows", 4)
        else:
            widget.attrs.setdefault("class", "form-input")


class DesignSystemForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        dress(self.fields)


class DesignSystemModelForm(forms.ModelForm):
    """A ModelForm used only to validate and display; the action saves."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        dress(self.fields)


def add_action_errors(form, error):
    """Place an action's ValidationError on the form: on the named field if the form has it, else on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            target = field if field in form.fields else None
            for message in errors:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def run_action(form, action, /, **arguments):
    """Call the action; on refusal put its messages on the form and return None."""
    try:
        return action(**arguments)
    except ValidationError as error:
        add_action_errors(form, error)
        return None


__all__ = ["DesignSystemForm", "DesignSystemModelForm", "NON_FIELD_ERRORS", "add_action_errors", "dress", "run_action"]
