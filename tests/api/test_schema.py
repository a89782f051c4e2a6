"""The API reference is the generated OpenAPI 3 schema, and fuzzing the API from it finds no
server error."""

from typing import Any

import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error

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


def test_fuzzing_finds_no_server_error(centre: Centre) -> None:
    """Every operation, with generated valid and invalid input, as a supervisor."""
    agent = Api(centre.agent)
    for _ in range(2):  # real tickets, so that generated numbers sometimes hit existing ones
        agent.post("tickets", COMPLAINT)
    # As a supervisor (sees everything) and a handler (department-bound, acts on own tickets).
    tokens = [Token.objects.get_or_create(user=u)[0] for u in (centre.supervisor, centre.handler_a)]
    # As Django's test client does: keep the test's connection (and transaction) open.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        for token in tokens:
            _fuzz({"Authorization": f"Token {token.key}"})
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _fuzz(headers: dict[str, str]) -> None:
    api = schemathesis.openapi.from_wsgi("/api/v1/schema", get_wsgi_application())
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) > 25

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=15,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def call(case: Any) -> None:
            response = case.call(headers=headers)
            case.validate_response(response, checks=[not_a_server_error])

        call()
