"""Fuzz the JSON API from its own OpenAPI document: no input, however odd, gets a 500.

Schemathesis turns every operation of ``/api/v1/openapi.json`` into a Hypothesis
strategy; the cases are sent to the real app over HTTP (uvicorn on loopback, the
embedded Valkey behind it) with an integration token.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from conftest import API_TOKEN
from hypothesis import HealthCheck, given, settings
from support.browser import live_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def api(
    tmp_path_factory: pytest.TempPathFactory, embedded_server: Any
) -> Iterator[tuple[Any, str]]:
    url = f"{embedded_server.url}?db=10"
    with live_server(url, Path(tmp_path_factory.mktemp("fuzz"))) as server:
        schema = schemathesis.openapi.from_url(f"{server.url}/api/v1/openapi.json")
        yield schema, f"{server.url}/api/v1"


def _operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


def test_every_operation_survives_fuzzing(api: tuple[Any, str]) -> None:
    schema, base = api
    operations = _operations(schema)
    assert len(operations) >= 12
    failures: list[str] = []
    calls: list[int] = []
    for operation in operations:

        @settings(
            max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            response = case.call(base_url=base, headers={"Authorization": f"Bearer {API_TOKEN}"})
            calls.append(response.status_code)
            if response.status_code >= 500:
                where = f"{case.method} {case.formatted_path}"
                failures.append(f"{where} -> {response.status_code}: {response.text[:200]}")

        check()
    assert not failures, "\n".join(failures[:10])
    print(f"\nfuzzed {len(operations)} operations with {len(calls)} requests")
    assert len(calls) >= 10 * len(operations)


def test_markets_and_skills_in_the_document(api: tuple[Any, str]) -> None:
    schema, _base = api
    paths = {op.path for op in _operations(schema)}
    assert "/markets/{market}/jobs" in paths and "/skills/parse" in paths
