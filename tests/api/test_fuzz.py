"""Schemathesis fuzzes every operation of the published OpenAPI document: no input may give a 5xx.

Generated ids are mostly steered onto rows that exist, so the cases reach the operations instead
of stopping at 404. Evaluator token everywhere; admin where only an admin may act.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from tracker.api.openapi import OPERATIONS

ADMIN_ONLY = {(op.method, op.path) for op in OPERATIONS if op.roles and "evaluator" not in op.roles}


@pytest.fixture
def fuzz_world(app, world, tokens):
    """The `world` campaign plus the ids a generated path parameter is steered onto."""
    ids = {"campaign_id": [world.campaign], "target_id": [world.target, world.other],
           "request_id": [world.online, world.phone, world.mail], "event_id": [world.event],
           "attempt_id": [world.attempt], "indicator_id": [1, 8, 10, 12, 16, 25]}
    return {"ids": ids, "tokens": tokens}


def _steer(case, ids: dict) -> None:
    # Three in four generated ids become existing ones; the rest stay as generated (→ 404 paths).
    for name, value in (case.path_parameters or {}).items():
        if name in ids and isinstance(value, int) and value % 4:
            known = ids[name]
            case.path_parameters[name] = known[value % len(known)]


@pytest.mark.parametrize("method,path", [(op.method, op.path) for op in OPERATIONS],
                         ids=[op.operation_id for op in OPERATIONS])
def test_no_input_gives_a_server_error(app, fuzz_world, method, path):
    # schemathesis.pytest's own parametrize does not run under pytest 9 (it sets node._nodeid),
    # so each operation's strategies are driven with Hypothesis directly.
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)[path][method]
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))
    token = fuzz_world["tokens"]["admin" if (method, path) in ADMIN_ONLY else "evaluator"]

    @given(case=cases)
    @settings(max_examples=25, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
    def fuzz(case):
        _steer(case, fuzz_world["ids"])
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        assert response.status_code < 500, (case.method, case.formatted_path, case.query, case.body,
                                            response.text[:500])

    fuzz()
