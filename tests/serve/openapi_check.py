"""Checks answers against the OpenAPI document the server serves (jsonschema, draft 2020-12, which
OpenAPI 3.1 schemas are)."""
import json

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012


class OpenApi:
    def __init__(self, doc: dict):
        self.doc = doc
        self.registry = Registry().with_resource("urn:openapi", Resource.from_contents(doc, default_specification=DRAFT202012))

    def schema_for(self, path: str, status: int, content_type: str = "application/json") -> dict:
        op = self.doc["paths"][path]["get"]
        responses = op["responses"]
        assert str(status) in responses, f"GET {path}: {status} is not a documented answer ({sorted(responses)})"
        r = responses[str(status)]
        if "$ref" in r:
            r = self.doc["components"]["responses"][r["$ref"].rsplit("/", 1)[1]]
        return r["content"][content_type]["schema"]

    def validate(self, path: str, status: int, body, content_type: str = "application/json"):
        """path is the route (no query); body the parsed JSON."""
        schema = self.schema_for(path, status, content_type)
        wrapped = {"$ref": "urn:openapi#/" + self._pointer(path, status, content_type)} if "$ref" not in schema else \
            {"$ref": "urn:openapi" + schema["$ref"]}
        jsonschema.Draft202012Validator(wrapped, registry=self.registry).validate(body)

    def validate_component(self, name: str, body):
        jsonschema.Draft202012Validator({"$ref": f"urn:openapi#/components/schemas/{name}"}, registry=self.registry).validate(body)

    def _pointer(self, path, status, content_type):
        esc = path.replace("~", "~0").replace("/", "~1")
        return f"paths/{esc}/get/responses/{status}/content/{content_type.replace('/', '~1')}/schema"


def load(serve) -> OpenApi:
    code, headers, body = serve.get("/api/v1/openapi.json")
    assert code == 200 and headers["Content-Type"].startswith("application/json")
    return OpenApi(json.loads(body))
