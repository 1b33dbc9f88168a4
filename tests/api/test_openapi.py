"""The OpenAPI document: served without a token, exactly the blueprint's routes, every $ref resolvable."""
from __future__ import annotations

import schemathesis

from tracker.api.openapi import PREFIX, openapi_path

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def test_document_lists_exactly_the_blueprint_routes(app, client):
    document = _document(client)
    documented = {(path, method.upper()) for path, item in document["paths"].items() for method in item}
    routed = {(openapi_path(rule.rule), method) for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
              for method in rule.methods - IGNORED_METHODS}
    assert documented == routed
    assert all(rule.rule.startswith(PREFIX) for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api."))
    assert document["servers"] == [{"url": PREFIX}]


def test_document_describes_security_and_errors(client):
    document = _document(client)
    assert document["openapi"] == "3.1.0"
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": document["components"]["securitySchemes"]["bearerAuth"][
            "description"]}
    operation_ids = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            operation_ids.append(operation["operationId"])
            public = operation.get("security") == []
            assert public == (path == "/openapi.json"), path
            if not public:
                assert "401" in operation["responses"], (method, path)
            if "{" in path:
                assert "404" in operation["responses"], (method, path)
            if "requestBody" in operation:
                assert "400" in operation["responses"], (method, path)
    assert len(operation_ids) == len(set(operation_ids))


def test_every_reference_resolves(client):
    document = _document(client)

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                target = document
                for part in node["$ref"].removeprefix("#/").split("/"):
                    target = target[part]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)


def test_request_schemas_reuse_the_bundle_definitions(client):
    schemas = _document(client)["components"]["schemas"]
    request = schemas["RequestInput"]["properties"]
    assert request["online"] == {"$ref": "#/components/schemas/bundle.online"}
    assert request["letter"] == {"$ref": "#/components/schemas/bundle.letter"}
    assert schemas["bundle.reply"]["properties"]["outcome"]["enum"][0] == "already_public"


def test_schemathesis_loads_every_operation(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    loaded = {result.ok().label for result in schema.get_all_operations()}
    paths = _document(app.test_client())["paths"]
    documented = {f"{method.upper()} {path}" for path, item in paths.items() for method in item}
    assert loaded == documented - {"GET /openapi.json"}  # schemathesis leaves out the schema's own URL
