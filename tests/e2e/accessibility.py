"""axe-core (bundled in axe-playwright-python) on every page the browser journeys visit.

Each document the journey's page loads sends a copy of its DOM, as its own scripts left it
at DOMContentLoaded and without scripts, to the test (a Playwright binding; the journey is
not slowed or interleaved). When the test ends, each page not yet checked in this session
(a page is its path with ids blanked, its query keys and the main navigation, i.e. the role)
is rendered from that copy against the live server's stylesheet at 1280 px and at a 390 px
phone, and checked there:

- axe with the WCAG 2.0/2.1/2.2 A and AA rules: any violation fails the test;
- on the phone, no horizontal scrolling of the page itself.

A copy is checked only once every stylesheet it links has loaded: a stylesheet that a busy
live server answered late or not at all would otherwise show the page half-styled (the
admin's light-blue bars without photolib/admin.css, and axe rightly fails their contrast).
Such a copy is rendered again, up to three times; a stylesheet that never loads is reported
as that, not as the contrast it causes. Its transitions and animations are then run to their
end, so that axe measures the colours a reader sees a moment later.

``check_now(page, label)`` takes a copy of the page as it is at that moment (a filled upload
list, a form with its errors), for states a journey reaches without loading a page.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Two of axe's best practices behind WCAG 1.3.1 that this site once broke (issue 16).
EXTRA_RULES = {"empty-table-header": {"enabled": True}, "heading-order": {"enabled": True}}
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

# The DOM of this document without its scripts, with a <base> so that the copy finds the
# stylesheet and images on the live server; who is signed in is read from the main menu.
SNAPSHOT_JS = """() => {
  const root = document.documentElement.cloneNode(true);
  root.querySelectorAll("script").forEach(s => s.remove());
  const head = root.querySelector("head");
  if (head) {
    const base = document.createElement("base");
    base.href = location.href;
    head.prepend(base);
  }
  const menu = [...document.querySelectorAll("nav a, nav button, #user-tools a")]
    .map(a => a.textContent.replace(/[0-9]+/g, "").replace(/\\s+/g, " ").trim()).join("|");
  return {url: location.href, menu: menu, html: "<!doctype html>" + root.outerHTML};
}"""

INIT_SCRIPT = """(() => {
  if (window.top !== window) return;
  document.addEventListener("DOMContentLoaded", () => {
    if (document.contentType !== "text/html" || !window.__photolibA11ySnapshot) return;
    window.__photolibA11ySnapshot((SNAPSHOT)());
  });
})();""".replace("SNAPSHOT", SNAPSHOT_JS)

# A path segment that names one thing (a number, a UUID, a token or a long slug).
_ID = re.compile(r"^(\d+|[0-9a-f]{8}-[0-9a-f-]{27}|[0-9a-f]{16,}|[A-Za-z0-9_-]{20,})$")


def page_key(url: str, menu: str) -> str:
    parts = urlsplit(url)
    path = "/".join("{}" if _ID.match(seg) else seg for seg in parts.path.split("/"))
    query = ",".join(sorted({k for k, _ in parse_qsl(parts.query)}))
    return f"{path}?{query} [{menu}]"


@dataclass
class Snapshot:
    url: str
    menu: str
    html: str
    label: str = ""

    @property
    def key(self) -> str:
        return page_key(self.url, self.menu) + (f" #{self.label}" if self.label else "")


@dataclass
class Checker:
    """One per session: a page per viewport to render copies in, and the pages checked."""

    browser: object
    checked: set[str] = field(default_factory=set)
    seconds: float = 0.0
    rerendered: int = 0
    pages: dict = field(default_factory=dict)

    def _page(self, viewport: dict):
        name = viewport["width"]
        if name not in self.pages:
            context = self.browser.new_context(viewport=viewport)
            self.pages[name] = context.new_page()
        return self.pages[name]

    def check(self, snapshots: list[Snapshot]) -> list[str]:
        from axe_playwright_python.sync_playwright import Axe

        axe = Axe()
        problems: list[str] = []
        started = time.monotonic()
        for snap in snapshots:
            if snap.key in self.checked:
                continue
            self.checked.add(snap.key)
            for viewport in (DESKTOP, PHONE):
                page = self._page(viewport)
                where = f"{snap.url} ({snap.label or 'as loaded'}) at {viewport['width']} px"
                missing = self._render(page, snap.url, snap.html)
                if missing:
                    problems.append(f"{where}: stylesheet(s) did not load after "
                                    f"{RENDER_TRIES} tries: {', '.join(missing)}")
                    continue
                results = axe.run(page, options={
                    "runOnly": {"type": "tag", "values": WCAG_TAGS}, "rules": EXTRA_RULES,
                    "resultTypes": ["violations"]})
                for v in results.response["violations"]:
                    targets = "; ".join(" ".join(n["target"]) if isinstance(n["target"], list)
                                        else str(n["target"]) for n in v["nodes"][:5])
                    problems.append(f"{where}: {v['id']} ({v['impact']}): {v['help']} "
                                    f"[{len(v['nodes'])} element(s): {targets}]")
                if viewport is PHONE:
                    width = page.evaluate("document.scrollingElement.scrollWidth")
                    if width > PHONE["width"]:
                        wide = page.evaluate(WIDEST_JS, PHONE["width"])
                        problems.append(f"{where}: the page scrolls sideways ({width} px wide; "
                                        f"too wide: {wide})")
        self.seconds += time.monotonic() - started
        return problems

    def _render(self, page, url: str, html: str) -> list[str]:
        """Render the copy in a document of the page's own origin (so that its stylesheets'
        rules can be read); the stylesheets still missing after RENDER_TRIES tries."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if not page.url.startswith(origin + "/"):
            page.goto(origin + "/a11y-check-blank/")  # any page of the origin; a 404 will do
        for attempt in range(RENDER_TRIES):
            if attempt:
                self.rerendered += 1
            page.set_content(html, wait_until="load")
            missing = page.evaluate(MISSING_SHEETS_JS)
            if not missing:
                page.evaluate(FINISH_ANIMATIONS_JS)
                return []
        return missing

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()


RENDER_TRIES = 3

# The linked stylesheets of the rendered copy without a rule: not loaded yet, or answered
# with an error (Chromium then keeps an empty sheet). The site has no empty stylesheet.
MISSING_SHEETS_JS = """() => [...document.querySelectorAll('link[rel~="stylesheet"]')]
  .filter(link => !link.disabled && !(link.sheet && link.sheet.cssRules.length))
  .map(link => link.getAttribute("href"))"""

# Run every transition and animation of the rendered copy to its end, so that axe sees the
# colours a reader sees. Chromium may style a copy's elements once before its stylesheets are
# in (the links then have the browser's blue); the admin's links fade to their colour over
# 0.15 s (``transition: color``), and axe, measuring within that time, found the blue on the
# dark header. An endless animation cannot be finished and stays where it is.
FINISH_ANIMATIONS_JS = """() => document.getAnimations().forEach(a => {
  try { a.finish(); } catch (endless) { /* InvalidStateError */ }
})"""

# The elements whose right edge passes the phone's width, for the message.
WIDEST_JS = """(limit) => [...document.body.querySelectorAll("*")]
  .filter(el => el.getBoundingClientRect().right > limit + 1)
  .slice(0, 5).map(el => el.tagName.toLowerCase() + (el.className ? "." + el.className : ""))
  .join(", ")"""


class Recorder:
    """The copies one test's page sent; attached as ``page.a11y``."""

    def __init__(self, page) -> None:
        self.page = page
        self.snapshots: list[Snapshot] = []
        page.context.expose_binding("__photolibA11ySnapshot", self._receive)
        page.context.add_init_script(script=INIT_SCRIPT)

    def _receive(self, _source, data: dict) -> None:
        self.snapshots.append(Snapshot(data["url"], data["menu"], data["html"]))

    def check_now(self, label: str) -> None:
        data = self.page.evaluate(SNAPSHOT_JS)
        self.snapshots.append(Snapshot(data["url"], data["menu"], data["html"], label))


def check_now(page, label: str) -> None:
    """Check this page in its current state as well (see the module's docstring)."""
    page.a11y.check_now(label)
