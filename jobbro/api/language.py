"""The language of an API answer: Danish, unless the Accept-Language header prefers English.

The pages ignore the browser's header (web/middleware.py: the choice is the header switch's cookie); a system has no
switch, so the API reads the header it sends."""

from django.conf import settings


def requested_language(header):
    """The first language of the header, by its weights, that jobbro speaks; Danish if none."""
    offered = dict(settings.LANGUAGES)
    wanted = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in offered and weight > 0:
            wanted.append((-weight, position, primary))
    return min(wanted)[2] if wanted else settings.LANGUAGE_CODE
