"""Errors as JSON, in the language asked for (Danish unless Accept-Language prefers English).

- a refusal by an action (django ValidationError) is 400 with {field: [messages]} ("non_field_errors" for the rest);
- a denial by the who-may-what table (django PermissionDenied from an action) is 404, like a record that does not
  exist: an integration cannot probe for what it may not see;
- no or a bad token 401, a token without the operation's scope 403, too many requests 429 with Retry-After.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

NON_FIELD = "non_field_errors"


def validation_detail(error):
    if hasattr(error, "error_dict"):
        return {NON_FIELD if field == "__all__" else field: messages for field, messages in error.message_dict.items()}
    return {NON_FIELD: list(error.messages)}


def exception_handler(exc, context):
    if isinstance(exc, ValidationError):
        exc = exceptions.ValidationError(validation_detail(exc))
    elif isinstance(exc, (PermissionDenied, Http404)):
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)
