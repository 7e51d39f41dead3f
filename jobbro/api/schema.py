"""The OpenAPI 3 schema (drf-spectacular): each operation says the scope it needs, and every error it can answer.

Every operation can answer 401 (no or a bad token), 403 (the token lacks the scope), 404 (a record that does not
exist or is out of reach, or a capability the service user lacks) and 429 (over the rate limit); a write or a list
with parameters also 400 with {field: [messages]}."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": "The refused fields, each with its messages (non_field_errors for the rest).",
    "additionalProperties": True,
}
ANSWERS = {
    "401": "No token, or one that is unknown, expired or revoked.",
    "403": "The token does not have the scope the operation needs.",
    "404": "No such record, or out of the service user's reach.",
    "429": "Too many requests with this token; wait as many seconds as Retry-After says.",
}


class ScopedAutoSchema(AutoSchema):
    def get_description(self):
        description = super().get_description() or ""
        scopes = getattr(self.view, "scopes", {})
        needed = scopes.get(getattr(self.view, "action", None))
        if needed:
            description = f"{description}\n\nScope: `{needed}`".strip()
        return description


def add_error_answers(result, generator, request, public):
    """A postprocessing hook: the error answers every operation can give, in the schema."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR
    schemas["FieldErrors"] = FIELD_ERRORS
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code, text in ANSWERS.items():
                responses.setdefault(
                    code,
                    {
                        "description": text,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                )
            if method == "post" or operation.get("parameters"):
                responses.setdefault(
                    "400",
                    {
                        "description": "Refused: each field with its messages.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FieldErrors"}}},
                    },
                )
    return result


class IntegrationTokenScheme(OpenApiAuthenticationExtension):
    target_class = "jobbro.api.authentication.IntegrationTokenAuthentication"
    name = "integrationToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An integration's token (docs/api.md)."}
