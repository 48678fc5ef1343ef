"""The methods a path allows, for the `Allow` header of a 405 (RFC 9110).

Starlette's 405 lists only the methods of the first route whose path matched, so a path
served by two routes (GET and POST /v1/pricing/saved-scenarios) announced one of them. The
answer here comes from the OpenAPI schema, which lists every method of every path.
"""

from __future__ import annotations

import re
from typing import Any

_PARAMETER = re.compile(r"\{[^}/]+\}")


def path_pattern(template: str) -> re.Pattern[str]:
    """'/v1/models/{family}/promote' -> a regex matching '/v1/models/sales/promote'."""
    parts = _PARAMETER.split(template)
    return re.compile("^" + "[^/]+".join(re.escape(part) for part in parts) + "$")


def allowed_methods(openapi_paths: dict[str, dict[str, Any]], path: str) -> list[str]:
    """Upper-case methods the schema declares for `path` (HEAD wherever GET is), sorted."""
    methods: set[str] = set()
    for template, operations in openapi_paths.items():
        if path_pattern(template).match(path):
            methods.update(m.upper() for m in operations if m.lower() != "parameters")
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)
