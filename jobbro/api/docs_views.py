"""A plain page listing the API's operations from its own schema (no scripts from elsewhere: the CSP forbids them)."""

from django.shortcuts import render
from drf_spectacular.generators import SchemaGenerator

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
