"""Workbench: the browser pages `lodestar serve` answers at `/`, over the same engine answers.

`serving.ui.mount.mount_ui(app, settings)` is the one hook the FastAPI app calls: it keeps the
sign-in sessions, adds the page routers and serves our own static files (plotly.js comes from
the installed `plotly` package, so every page works offline). Each page module
(`<domain>_pages.py`) holds one domain's routes and declares its menu entries in `nav.py`.
"""
