"""The API reference is the generated OpenAPI 3 schema, and it is honest: fuzzing the API from
it finds no server error, and every answer — status, content type, body — is one the schema
documents."""

from typing import Any

import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation import GenerationMode

from tests.conftest import COMPLAINT, Api, Centre


def test_schema_and_docs_are_served(client: Any) -> None:
    schema = client.get("/api/v1/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    document = schema.json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    assert "/api/v1/tickets" in paths
    for action in ("accept", "dispatch", "send-back", "approve-extension", "attachments"):
        assert f"/api/v1/tickets/{{number}}/{action}" in paths, action
    assert "TokenAuthentication" in str(document["components"]["securitySchemes"]) or (
        "tokenAuth" in document["components"]["securitySchemes"]
    )
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


def test_every_operation_documents_its_errors_in_the_one_shape(client: Any) -> None:
    document = client.get("/api/v1/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    schemas = document["components"]["schemas"]
    assert schemas["Error"]["properties"]["error"]["$ref"].endswith("/ErrorDetail")
    assert schemas["ErrorDetail"]["required"] == ["code", "details", "message"]
    assert schemas["ErrorDetail"]["properties"]["details"]["type"] == "object"
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            expected = {"400", "401", "403", "404"}
            if method == "post":
                expected |= {"409", "413", "415"}
            responses = operation["responses"]
            assert expected <= set(responses), (method, path, sorted(responses))
            for status in expected:
                schema = responses[status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, status)
                assert responses[status]["description"], (method, path, status)


def test_what_can_be_null_or_blank_says_so(client: Any) -> None:
    schemas = client.get("/api/v1/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()[
        "components"
    ]["schemas"]
    for component, fields in {
        "Ticket": ["category", "department", "handler", "merged_into", "customer", "respondent"],
        "TicketDetail": ["category", "department", "handler", "merged_into", "occurred_at"],
        "Department": ["parent"],
        "Category": ["parent", "department"],
        "RespondentOut": ["department"],
        "LocationOut": ["lat", "lng"],
    }.items():
        for field in fields:
            assert schemas[component]["properties"][field].get("nullable"), (component, field)
    for field in ("severity", "validity", "satisfaction"):  # "" until decided
        variants = schemas["Ticket"]["properties"][field]["oneOf"]
        assert {"$ref": "#/components/schemas/BlankEnum"} in variants, field
    assert schemas["BlankEnum"]["enum"] == [""]


def test_fuzzing_finds_no_server_error_and_nothing_undocumented(centre: Centre) -> None:
    """Every operation, with generated valid input as a supervisor and a handler (department-
    bound), and with generated invalid input as a supervisor; every answer must conform to
    the schema: its status, its content type and its body."""
    agent = Api(centre.agent)
    for _ in range(2):  # real tickets, so that generated numbers sometimes hit existing ones
        agent.post("tickets", COMPLAINT)
    supervisor, handler = (
        Token.objects.get_or_create(user=u)[0] for u in (centre.supervisor, centre.handler_a)
    )
    # As Django's test client does: keep the test's connection (and transaction) open.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        _fuzz(supervisor.key, GenerationMode.POSITIVE)
        _fuzz(handler.key, GenerationMode.POSITIVE)
        _fuzz(supervisor.key, GenerationMode.NEGATIVE)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _has_input(operation: Any) -> bool:
    """Whether the operation takes anything but credentials: a path, query or body."""
    where = {str(p.location.value) for p in operation.iter_parameters()}
    return bool(where & {"path", "query"}) or bool(operation.get_request_payload_content_types())


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _fuzz(token: str, mode: GenerationMode) -> None:
    api = schemathesis.openapi.from_wsgi("/api/v1/schema", get_wsgi_application())
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) > 25
    headers = {"Authorization": f"Token {token}"}

    for operation in operations:
        if mode == GenerationMode.NEGATIVE and not _has_input(operation):
            continue  # nothing to make invalid

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=15,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def call(case: Any) -> None:
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS)

        call()
