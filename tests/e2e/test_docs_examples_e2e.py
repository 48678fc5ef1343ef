"""Every example a user can copy runs against a real `lodestar serve` and succeeds (item 16).

The server runs where a user who typed `lodestar demo` would be: its store and the demo data
under `./.lodestar`. README's `curl` blocks run in bash exactly as written (only the host is
this server's); each block runs with the key of the role its paragraph names. Every example
in the OpenAPI schema (what /docs offers to "Try it out") is sent too: path and query
parameter examples, each body example (or the body Swagger UI composes from the property
examples), ids that an earlier call returned following the schema's OpenAPI links.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.e2e.conftest import KEYS
from tests.e2e.lodestar_process import REPO, Server, lodestar_env
from tests.store_homes import home_from

README = REPO / "README.md"
ROLES = {
    "Planner": "planner",
    "Pricing team": "pricing",
    "Data scientist": "data_scientist",
    "Sales and marketing": "planner",
}
"""How a README paragraph names the role whose key its example uses."""
SCIENTIST = {"X-API-Key": KEYS["data_scientist"]}
TAGS = {"health", "forecasts", "leads", "pricing", "models", "training"}
"""The API of issue 10 whose examples this test runs; planning (plans, price lists, actuals,
audit: issue 11) joins by adding its tags once its examples and links chain its ids."""


@pytest.fixture(scope="module")
def docs_server(
    tmp_path_factory: pytest.TempPathFactory,
    every_family_template: Path,
    demo_paths: dict[str, Path],
) -> Iterator[Server]:
    """`lodestar serve` started in a folder holding `.lodestar` as `lodestar demo` leaves it."""
    folder = tmp_path_factory.mktemp("user")
    home = home_from(every_family_template, folder / ".lodestar")
    (home / "demo").mkdir()
    for name, path in demo_paths.items():
        shutil.copy(path, home / "demo" / path.name)
        assert name
    keys = ",".join(f"{role}:{key}" for role, key in KEYS.items())
    env = lodestar_env(Path(".lodestar"), LODESTAR_API_KEYS=keys)
    server = Server(env, folder / "server.log", cwd=folder)
    yield server
    server.stop()


def readme_curl_blocks(text: str) -> list[tuple[str, str]]:
    """(role, bash code) of every ```bash block that calls curl, with its paragraph's role."""
    blocks: list[tuple[str, str]] = []
    paragraph, previous, code = "", "", None
    for line in text.splitlines():
        if code is not None:
            if line.startswith("```"):
                if "curl " in "\n".join(code):
                    role = next((r for w, r in ROLES.items() if paragraph.startswith(w)), "")
                    assert role, f"no role named before the example: {paragraph!r}"
                    blocks.append((role, "\n".join(code)))
                code = None
            else:
                code.append(line)
        elif line.startswith("```bash"):
            code = []
        elif line.strip() and not previous.strip():
            paragraph = line.strip()
        previous = line
    return blocks


def test_item16_every_readme_curl_example_succeeds(docs_server: Server) -> None:
    blocks = readme_curl_blocks(README.read_text())
    assert len(blocks) >= 4
    prelude = "curl() { command curl -sS -w '\\n%{http_code}\\n' \"$@\"; }\n"
    for role, code in blocks:
        assert code.count("curl ") == 1, code
        script = prelude + code.replace("http://127.0.0.1:8000", docs_server.url)
        done = subprocess.run(
            ["bash", "-c", script],
            env={"PATH": "/usr/bin:/bin", "KEY": KEYS[role]},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, (code, done.stderr)
        *body, status = done.stdout.rstrip("\n").split("\n")
        assert status.startswith("2"), (role, code, status, "\n".join(body)[:500])
        if "text/csv" in code:
            assert body[0].startswith("region,quarter,mean,lo_80,hi_80"), body[:2]


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Follow a $ref (or the non-null branch of an optional body) to its schema."""
    if "anyOf" in schema:
        schema = next(s for s in schema["anyOf"] if s.get("type") != "null")
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return doc["components"]["schemas"][name]
    return schema


def _first_example(doc: dict[str, Any], schema: dict[str, Any]) -> Any:
    resolved = _resolve(doc, schema)
    for candidate in (schema, resolved):
        if candidate.get("examples"):
            return candidate["examples"][0]
        if "example" in candidate:
            return candidate["example"]
    return None


def body_examples(doc: dict[str, Any], operation: dict[str, Any]) -> list[Any]:
    """Each example body of an operation: the schema's own examples, else the composed one."""
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return [None]
    schema = _resolve(doc, content["schema"])
    if schema.get("examples"):
        return list(schema["examples"])
    composed = {}
    for name, prop in schema.get("properties", {}).items():
        example = _first_example(doc, prop)
        if example is not None:
            composed[name] = example
    missing = set(schema.get("required", [])) - set(composed)
    assert not missing, f"no example for required {sorted(missing)} of {operation['operationId']}"
    return [composed]


def _parameter_example(parameter: dict[str, Any]) -> Any:
    for where in (parameter, parameter.get("schema", {})):
        if where.get("examples"):
            examples = where["examples"]
            return examples[0] if isinstance(examples, list) else next(iter(examples.values()))
        if "example" in where:
            return where["example"]
    return None


def _evaluate(expression: str, request_path: dict[str, Any], response: Any) -> Any:
    """The two runtime expressions our links use: $response.body#/x and $request.path.x."""
    if expression.startswith("$response.body#/"):
        value = response
        for part in expression.removeprefix("$response.body#/").split("/"):
            value = value[part]
        return value
    if expression.startswith("$request.path."):
        return request_path[expression.removeprefix("$request.path.")]
    raise AssertionError(f"unsupported link expression {expression}")


def test_item16_every_openapi_example_succeeds(docs_server: Server) -> None:
    doc = httpx.get(f"{docs_server.url}/openapi.json", timeout=30).json()
    operations = [
        (path, method, op)
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
        if set(op.get("tags", [])) & TAGS
    ]
    operations.sort(key=lambda item: item[1] == "delete")  # deletes last, order kept otherwise
    linked: dict[str, dict[str, Any]] = {}  # operationId -> parameters an earlier answer gave
    sent = 0
    with httpx.Client(base_url=docs_server.url, headers=SCIENTIST, timeout=120) as http:
        for path, method, operation in operations:
            path_values: dict[str, Any] = {}
            query: dict[str, Any] = {}
            for parameter in operation.get("parameters", []):
                value = linked.get(operation["operationId"], {}).get(parameter["name"])
                if value is None:
                    value = _parameter_example(parameter)
                if parameter["in"] == "path":
                    assert value is not None, f"no example for {parameter['name']} of {path}"
                    path_values[parameter["name"]] = value
                elif value is not None:
                    query[parameter["name"]] = value
            url = path
            for name, value in path_values.items():
                url = url.replace(f"{{{name}}}", quote(str(value), safe=""))
            for body in body_examples(doc, operation):
                answer = http.request(method.upper(), url, params=query, json=body)
                sent += 1
                assert answer.status_code < 300, (method, url, query, body, answer.text[:500])
                payload = answer.json() if answer.content else None
                for response in operation["responses"].values():
                    for link in response.get("links", {}).values():
                        target = linked.setdefault(link["operationId"], {})
                        for name, expression in link.get("parameters", {}).items():
                            target[name] = _evaluate(expression, path_values, payload)
    assert sent >= 20


def test_item25_docs_and_their_assets_over_http(docs_server: Server) -> None:
    with httpx.Client(base_url=docs_server.url, timeout=30) as http:
        for page in ("/docs", "/redoc"):
            html = http.get(page)
            assert html.status_code == 200
            assert not re.findall(r"""["'(]\s*(?:https?:)?//""", html.text)
            assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html.text)
            assert assets
            for asset in assets:
                assert http.get(asset).status_code == 200, asset
