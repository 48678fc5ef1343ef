"""Static files served by us: our CSS and JS, and plotly.js from the installed `plotly` package.

Nothing is fetched from a CDN, so every page works on a machine without internet access.
plotly.min.js (about 4.6 MB) is read once, gzipped once and sent with a long cache lifetime.
"""

from __future__ import annotations

import gzip
import hashlib
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

STATIC_DIR = Path(__file__).parent / "static"
PLOTLY_PATH = "/assets/plotly.min.js"

router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=1)
def plotly_bundle() -> tuple[bytes, bytes, str]:
    """(plotly.min.js, its gzip, an ETag) from the plotly package's own data folder."""
    raw = files("plotly").joinpath("package_data", "plotly.min.js").read_bytes()
    return raw, gzip.compress(raw, 6), hashlib.sha256(raw).hexdigest()[:16]


@router.get(PLOTLY_PATH)
async def plotly_js(request: Request) -> Response:
    """The charting library, compressed when the browser accepts it, cached for a day."""
    raw, packed, etag = plotly_bundle()
    headers = {
        "Cache-Control": "public, max-age=86400",
        "ETag": f'"{etag}"',
        "Vary": "Accept-Encoding",
    }
    if request.headers.get("if-none-match") == f'"{etag}"':
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(packed, media_type="application/javascript", headers=headers)
    return Response(raw, media_type="application/javascript", headers=headers)
