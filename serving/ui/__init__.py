"""Workbench: the browser pages `lodestar serve` answers at `/`, over the same engine answers.

`serving.ui.mount.mount_ui(app, settings)` is the one hook the FastAPI app calls: it keeps the
sign-in sessions, adds the page routers and serves our own static files (plotly.js comes from
the installed `plotly` package, so every page works offline). Each page module
(`<domain>_pages.py`) holds one domain's routes and declares its menu entries in `nav.py`.

Plan pages (once /v1/plans exists) are one more module, `plan_pages.py`: a plan list and a plan
page reusing `forecast_pages.read_view` / `quarter_table` (drill-down and the quarter table),
`charts.fan_chart` (add the plan as one more trace), `exports.export_response`, and
`pages.checked_form` for overrides, submit, approve and lock (each button shown by role, the
engine still deciding); its menu lines go in `nav.NAV` under "Planning".
"""
