"""Browser fixtures: a real `lodestar serve` on trained demo models, Debian's Chromium via
Playwright, a network guard that blocks (and records) every request not bound for 127.0.0.1,
and a folder of screenshots kept as test artifacts.

In CI these tests never skip; elsewhere they skip only when /usr/bin/chromium is absent.
Set LODESTAR_DOCS_SCREENSHOTS=docs/workbench to also refresh the README's screenshots.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from engine.core.settings import Settings
from engine.registry.store import ModelStore
from serving.core.auth import hash_key
from tests.e2e.lodestar_process import Server, lodestar_env
from training.forecasting.job import train_forecast
from training.leads.job import train_leads
from training.pricing.job import train_pricing

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
KEYS = {
    "planner": "ui-planner-key",
    "approver": "ui-approver-key",
    "pricing": "ui-pricing-key",
    "data_scientist": "ui-ds-key",
}
NAMES = {
    "planner": "north-planner",
    "approver": "north-approver",
    "pricing": "pricing-analyst",
    "data_scientist": "data-scientist",
}
"""Each key's name, which the pages show and the audit trail records."""
DESKTOP = {"width": 1280, "height": 900}
TABLET = {"width": 820, "height": 1180}


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


if not CHROMIUM.exists() and not _in_ci():
    pytest.skip(
        f"{CHROMIUM} is absent (apt-get install chromium); browser tests run in CI",
        allow_module_level=True,
    )

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402


@pytest.fixture(scope="session")
def workbench_home(tmp_path_factory: pytest.TempPathFactory, demo_paths: dict[str, Path]) -> Path:
    """A store with sales v1 (champion) and v2, leads v1 and pricing v1, and the demo files."""
    home = tmp_path_factory.mktemp("workbench-home")
    demo = home / "demo"
    demo.mkdir()
    files = {name: Path(shutil.copy(path, demo / path.name)) for name, path in demo_paths.items()}
    store = ModelStore.from_settings(Settings(home=home))
    fast = {"selection": "baseline", "n_windows": 1}
    assert train_forecast(store, files["sales"], **fast).version == "1"
    assert train_forecast(store, files["sales"], force=True, **fast).version == "2"
    store.set_champion("sales", "1")
    train_leads(store, files["leads"], events=files["lead_events"])
    train_pricing(store, files["sales"])
    return home


@pytest.fixture(scope="session")
def server(workbench_home: Path) -> Iterator[Server]:
    """`lodestar serve` with one named key per role, the way users start it; the application
    database is the SQLite default under LODESTAR_HOME."""
    keys = ",".join(f"{role}:{NAMES[role]}:sha256:{hash_key(key)}" for role, key in KEYS.items())
    env = lodestar_env(workbench_home, LODESTAR_API_KEYS=keys, LODESTAR_REFRESH_SECONDS="0.5")
    started = Server(env, workbench_home / "server.log")
    yield started
    started.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the journeys' screenshots go (kept with pytest's temporary folders)."""
    return tmp_path_factory.mktemp("browser-artifacts")


def api_as(server: Server, role: str) -> httpx.Client:
    """An API client with a role's key, to hold what the pages show against the API's answers."""
    return httpx.Client(base_url=server.url, headers={"X-API-Key": KEYS[role]}, timeout=60)


@dataclass
class Session:
    """A signed-in browser tab, the requests the guard blocked, and where screenshots go."""

    page: Page
    base: str
    folder: Path
    blocked: list[str] = field(default_factory=list)

    def shot(self, name: str, docs_name: str | None = None, docs_from: str | None = None) -> Path:
        """Screenshot the whole page as an artifact; for the README (when asked) the window,
        scrolled so that `docs_from` (a CSS selector) is at the top."""
        path = self.folder / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        target = os.environ.get("LODESTAR_DOCS_SCREENSHOTS")
        if target and docs_name:
            Path(target).mkdir(parents=True, exist_ok=True)
            if docs_from:
                self.page.locator(docs_from).first.evaluate("el => el.scrollIntoView()")
            self.page.screenshot(path=str(Path(target) / f"{docs_name}.png"), full_page=False)
            self.page.evaluate("window.scrollTo(0, 0)")
        return path

    def unlabelled_controls(self) -> list[str]:
        """Visible form controls in <main> with neither a <label> nor an aria-label."""
        found = []
        for control in self.page.locator("main select, main input:not([type=hidden])").all():
            labelled = control.evaluate(
                "el => !!(el.labels && el.labels.length) || !!el.getAttribute('aria-label')"
            )
            if not labelled:
                found.append(control.evaluate("el => el.outerHTML"))
        return found

    def open(self, path: str) -> Page:
        """Go to a Workbench path in this tab; the tab's page."""
        self.page.goto(f"{self.base}{path}")
        return self.page

    def fill(self, fields: dict[str, str]) -> None:
        """Fill form controls found by label (or by a CSS selector starting with '#'): a <select>
        gets its option chosen, any other control the text typed in."""
        for name, value in fields.items():
            found = (
                self.page.locator(name) if name.startswith("#") else self.page.get_by_label(name)
            )
            if found.evaluate("el => el.tagName") == "SELECT":
                found.select_option(value)
            else:
                found.fill(value)

    def press(self, test_id: str, then: str = "notice") -> None:
        """Click the control with `test_id`, then wait for the element with test id `then`."""
        self.page.get_by_test_id(test_id).click()
        self.page.get_by_test_id(then).wait_for()

    def chart_drawn(self, selector: str = ".chart") -> None:
        """Wait until Plotly has drawn the first chart under `selector`."""
        self.page.locator(f"{selector} .main-svg").first.wait_for()

    def csrf(self) -> str:
        """The session's CSRF token, as the page's own forms carry it."""
        return self.page.locator("input[name=csrf_token]").first.get_attribute("value") or ""


@pytest.fixture
def signed_in(
    browser: Browser, server: Server, artifacts: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[[str], Session]]:
    """Factory: a fresh browser context signed in through the sign-in form with a role's key.

    Every request not bound for 127.0.0.1 is aborted and recorded; the test fails if any was.
    """
    sessions: list[Session] = []
    contexts = []

    def open_session(role: str) -> Session:
        context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
        context.set_default_timeout(30_000)
        contexts.append(context)
        folder = artifacts / request.node.name
        folder.mkdir(exist_ok=True)
        session = Session(context.new_page(), server.url, folder)

        def guard(route) -> None:  # noqa: ANN001 - playwright Route
            host = urlparse(route.request.url).hostname
            if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
                route.continue_()
            else:
                session.blocked.append(route.request.url)
                route.abort()

        context.route("**/*", guard)
        page = session.page
        page.goto(f"{server.url}/signin")
        page.get_by_label("API key").fill(KEYS[role])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/signin" not in url)
        sessions.append(session)
        return session

    yield open_session
    for context in contexts:
        context.close()
    for session in sessions:
        assert session.blocked == [], f"requests left this machine: {session.blocked}"


@pytest.fixture
def planner(signed_in: Callable[[str], Session]) -> Session:
    """A tab signed in with the planner's key."""
    return signed_in("planner")


@pytest.fixture
def analyst(signed_in: Callable[[str], Session]) -> Session:
    """A tab signed in with the pricing analyst's key."""
    return signed_in("pricing")


@pytest.fixture
def scientist(signed_in: Callable[[str], Session]) -> Session:
    """A tab signed in with the data scientist's key."""
    return signed_in("data_scientist")
