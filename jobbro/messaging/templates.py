"""Staff-editable message templates: Django template text (plain text, no HTML escaping, no {% include %} or
{% load %} of anything but the built-in tags), one row per template and language, made from the Danish defaults
(defaults.py) the first time a template is used or listed."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template import Context, Engine, TemplateSyntaxError
from django.utils.translation import gettext as _

from jobbro.messaging.defaults import DEFAULTS
from jobbro.messaging.models import MessageTemplate

ENGINE = Engine(loaders=[], libraries={}, autoescape=False)
MISSING = "\x00missing:%s\x00"
CHECK_ENGINE = Engine(loaders=[], libraries={}, autoescape=False, string_if_invalid=MISSING)


def ensure(key, language="da", default=None):
    """The template's row, made from its default (built in, or `default`=(subject, body)) when there is none yet."""
    row = MessageTemplate.objects.filter(key=key, language=language).first()
    if row is None and language != "da":
        row = MessageTemplate.objects.filter(key=key, language="da").first()
    if row is not None:
        return row
    if key in DEFAULTS:
        subject, body, _examples = DEFAULTS[key]
    elif default is not None:
        subject, body = default
    else:
        raise LookupError(f"No message template {key!r}")
    try:
        with transaction.atomic():
            return MessageTemplate.objects.create(key=key, language="da", subject=subject, body=body)
    except IntegrityError:
        return MessageTemplate.objects.get(key=key, language="da")


def ensure_all():
    for key in DEFAULTS:
        ensure(key)
    return MessageTemplate.objects.all()


def render(template_key, context, language="da", default=None):
    """(subject, body) of the template rendered with `context`; `default` = (subject, body) for a template that has
    no built-in default yet (it is stored, so staff can edit it from then on)."""
    row = ensure(template_key, language, default)
    context = Context(dict(context), autoescape=False)
    subject = ENGINE.from_string(row.subject).render(context).strip()
    body = ENGINE.from_string(row.body).render(context)
    return " ".join(subject.split()), body.strip() + "\n"


def examples(key):
    return dict(DEFAULTS[key][2]) if key in DEFAULTS else {}


def check(key, subject, body):
    """Refuse text that does not render with the message's variables: ValidationError naming the field, in Danish."""
    variables = examples(key)
    errors = {}
    for field, label, text in (("subject", _("subject line"), subject), ("body", _("text"), body)):
        try:
            rendered = CHECK_ENGINE.from_string(text).render(Context(variables, autoescape=False))
        except TemplateSyntaxError as error:
            errors[field] = _("The %(field)s cannot be used: %(error)s") % {"field": label, "error": error}
            continue
        except Exception as error:  # a filter that fails on the example values
            errors[field] = _("The %(field)s cannot be used: %(error)s") % {"field": label, "error": error}
            continue
        if "\x00missing:" in rendered and variables:
            errors[field] = _("The %(field)s uses a value this message does not have. It may use: %(names)s.") % {
                "field": label,
                "names": ", ".join("{{ " + name + " }}" for name in sorted(variables)),
            }
    if errors:
        raise ValidationError(errors)
