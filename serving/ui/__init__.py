"""Workbench: the browser pages `lodestar serve` answers at `/`, over the same engine answers.

`serving.ui.mount.mount_ui(app, settings)` is the one hook the FastAPI app calls: it keeps the
sign-in sessions, adds the page routers and serves our own static files (plotly.js comes from
the installed `plotly` package, so every page works offline). Each page module
(`<domain>_pages.py`) holds one domain's routes and declares its menu entries (`MENU`).

Plan pages (`plan_pages.py`, with `plan_view.py` arranging the rows) and price-list pages
(`price_list_pages.py`) call the `engine.database` repository functions the /v1/plans and
/v1/price-lists routes call, with the same arguments, so their numbers are the API's; buttons
are offered by role (never approving one's own submission) and the engine still decides.
"""
