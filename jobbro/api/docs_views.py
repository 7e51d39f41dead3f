"""A plain page listing the API's operations from its own schema (no scripts from elsewhere: the CSP forbids them)."""

from django.shortcuts import render
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.views import SpectacularJSONAPIView

from jobbro.api.language import requested_language

METHODS = ("get", "post", "put", "patch", "delete")


def operations():
    schema = SchemaGenerator(patterns=None).get_schema(request=None, public=True)
    for path, entries in schema["paths"].items():
        for method in METHODS:
            if method in entries:
                operation = entries[method]
                yield {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                }


def docs(request):
    return render(request, "api/docs.html", {"operations": list(operations())})


class SchemaView(SpectacularJSONAPIView):
    """The OpenAPI schema, its titles and choices in Danish unless Accept-Language prefers English (as the API)."""

    def initial(self, request, *args, **kwargs):
        translation.activate(requested_language(request.headers.get("Accept-Language")))
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Language"] = translation.get_language()
        return response
