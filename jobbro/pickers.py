"""A searchable field for choosing one among thousands (all companies, all staff), instead of a select with every
option on every page.

The field is a text input, labelled like any field, with a hidden input beside it holding the chosen row's id.
jobbro/static/jobbro/picker.js turns it into a combobox: typing asks the search endpoint (a URL name, given per
field) for a short list of matches, shown as a listbox the arrow keys, Enter and Escape work; picking one fills
the text and the id. The endpoint answers only from what the user may see (jobbro/web/pickers.py).

Without JavaScript the field still works: the name typed is matched on the server against the field's own
queryset (which is what the user may choose): a row whose name is exactly the text, or the only row whose
name, or other search fields, hold every word of it; when several match, the form says so and names them, so
the user can add a word. On a form error the chosen row's name is shown again, with its id.

A field whose names are personal data (citizens) sets `method = "post"`: the script then posts the typed text
(with the form's CSRF token) instead of putting it in the endpoint's address, so a name never reaches an address
or the access log.

The hidden input carries the field's own name, so an old link with ?job_broker=12 still works; the text input is
named `<name>-text`. When the text is posted and no longer names the row the id points at, the text decides.

This module is one of the shared form tools: it imports nothing from the domain apps.
"""

import functools
import operator

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

MATCHES_SHOWN = 10  # options the endpoint returns, and names a refusal lists
TEXT_SUFFIX = "-text"


class PickerWidget(forms.Widget):
    """A text input for the name, a hidden input for the id, and the (empty) list the script fills."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.url = ""
        self.method = "get"
        self.field = None

    def value_from_datadict(self, data, files, name):
        text = data.get(name + TEXT_SUFFIX)
        return {"pk": data.get(name) or "", "text": None if text is None else text.strip()}

    def value_omitted_from_data(self, data, files, name):
        return name not in data and name + TEXT_SUFFIX not in data

    def _shown(self, value):
        """(text, id) to show for a value: a row, an id, or what was posted."""
        if value in (None, ""):
            return "", ""
        if isinstance(value, dict):  # posted and refused: show what was typed, keep the id only if it still fits
            found = self.field.from_id(value["pk"]) if value["pk"] else None
            if value["text"] is None and found is not None:
                return self.field.text_from_instance(found), found.pk
            if found is not None and value["text"] == self.field.text_from_instance(found):
                return value["text"], found.pk
            return value["text"] or "", ""
        found = value if hasattr(value, "pk") else self.field.from_id(value)
        if found is None:
            return "", ""
        return self.field.text_from_instance(found), found.pk

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        input_id = attrs.pop("id", None) or f"id_{name}"
        if "hx-get" in attrs:  # a page that reloads part of itself on a change sends the chosen id along
            attrs.setdefault("hx-include", f"[id='{input_id}-value']")
        text, pk = self._shown(value)
        shown = {key: value for key, value in attrs.items() if value is not None and value is not False}
        extra = format_html(
            "".join(f" {key}" if value is True else f' {key}="{{}}"' for key, value in shown.items()),
            *(value for value in shown.values() if value is not True),
        )
        return format_html(
            '<div class="jb-picker" data-jb-picker data-url="{url}"{method} data-found="{found}" data-none="{none}">'
            '<input type="text" name="{text_name}" id="{id}" value="{text}" autocomplete="off" role="combobox"'
            ' aria-autocomplete="list" aria-expanded="false" aria-controls="{id}-options"{extra}>'
            '<input type="hidden" name="{name}" id="{id}-value" value="{pk}" data-jb-picker-value>'
            '<ul class="jb-picker-options" id="{id}-options" role="listbox" aria-label="{list_label}"'
            ' data-more="{more}" hidden></ul>'
            '<span class="sr-only" aria-live="polite" data-jb-picker-status></span>'
            "</div>",
            url=self.url,
            method=format_html(' data-method="{}"', self.method) if self.method != "get" else "",
            text_name=name + TEXT_SUFFIX,
            id=input_id,
            text=text,
            extra=extra,
            name=name,
            pk=pk,
            list_label=_("Matches"),
            found=_("%s matches; the arrow keys move through them, Enter chooses."),
            none=_("No matches."),
            more=_("More match: type more of the name."),
        )


class PickerChoiceField(forms.ModelChoiceField):
    """Choose one row of `queryset` by name; `search_url` names the endpoint that offers matches as one types.

    `search_fields` are the columns a typed word is looked for in; `url_query` is added to the endpoint's address
    (e.g. which role). `text_from_instance` is the name written in the field, `label_from_instance` what an option
    in the list reads (it may say more, e.g. the programme or the city)."""

    widget = PickerWidget
    search_fields = ("name",)
    method = "get"  # "post": the endpoint is asked by POST, the text in the body (names that are personal data)
    default_error_messages = {
        "no_match": _("Nothing you may choose matches “%(text)s”."),
        "several": _("Several match “%(text)s”: %(names)s. Write more of the name, or choose from the list."),
    }

    def __init__(self, queryset, *, search_url, url_query="", search_fields=None, **kwargs):
        kwargs.setdefault("empty_label", None)
        super().__init__(queryset, **kwargs)
        self.search_url = search_url
        self.url_query = url_query
        if search_fields is not None:
            self.search_fields = tuple(search_fields)
        self.widget.field = self

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.widget.field = result
        return result

    def _set_queryset(self, queryset):
        # Never hand the widget the choices: rendering them is what this field is here to avoid.
        self._queryset = None if queryset is None else queryset.all()

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)

    def get_bound_field(self, form, field_name):
        self.widget.url = self.url()
        self.widget.method = self.method
        return super().get_bound_field(form, field_name)

    def url(self):
        address = reverse(self.search_url)
        return f"{address}?{self.url_query}" if self.url_query else address

    def text_from_instance(self, obj):
        return str(obj)

    def from_id(self, pk):
        try:
            return self.queryset.filter(pk=int(pk)).first()
        except (TypeError, ValueError):
            return None

    def matching(self, text):
        return search(self.queryset, self.search_fields, text)

    def to_python(self, value):
        if not isinstance(value, dict):  # initial data, or a form built in code
            return super().to_python(value)
        text, pk = value["text"], value["pk"]
        if text is None:  # only the id (an old link, or a form posted by code)
            return super().to_python(pk)
        if not text:
            return None
        found = self.from_id(pk) if pk else None
        if found is not None and self.text_from_instance(found) == text:
            return found
        matches = list(self.matching(text)[: MATCHES_SHOWN + 1])
        exact = [row for row in matches if self.text_from_instance(row).casefold() == text.casefold()]
        if len(exact) == 1:
            return exact[0]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise ValidationError(self.error_messages["no_match"], code="no_match", params={"text": text})
        names = "; ".join(self.label_from_instance(row) for row in matches[:MATCHES_SHOWN])
        if len(matches) > MATCHES_SHOWN:
            names += " …"
        raise ValidationError(self.error_messages["several"], code="several", params={"text": text, "names": names})

    def prepare_value(self, value):
        """What the widget shows: a posted text that names one row shows as that row, with its id."""
        if isinstance(value, dict):
            try:
                return self.to_python(value) or value
            except ValidationError:
                return value
        return value

    def has_changed(self, initial, data):
        if self.disabled:
            return False
        initial_pk = getattr(initial, "pk", initial)
        try:
            chosen = self.to_python(data)
        except ValidationError:
            return True
        return str(getattr(chosen, "pk", chosen) or "") != str(initial_pk or "")


def search(queryset, fields, text):
    """The rows of `queryset` in which every word of `text` is found in one of `fields`, as they are ordered."""
    for word in text.split()[:5]:
        queryset = queryset.filter(functools.reduce(operator.or_, (Q(**{f"{f}__icontains": word}) for f in fields)))
    return queryset


class CompanyPickerField(PickerChoiceField):
    """A company, found by a word of its name, its CVR number or its city."""

    search_fields = ("name", "cvr", "city")

    def text_from_instance(self, company):
        return company.name

    def label_from_instance(self, company):
        return company_label(company)


def company_label(company):
    place = f"{company.postcode} {company.city}".strip()
    return f"{company.name} · {place} · CVR {company.cvr}" if place else f"{company.name} · CVR {company.cvr}"


class StaffPickerField(PickerChoiceField):
    """A staff user, found by a word of the first name, last name or user name."""

    search_fields = ("first_name", "last_name", "username")

    def text_from_instance(self, user):
        return user.get_full_name() or user.username

    def label_from_instance(self, user):
        return self.text_from_instance(user)
