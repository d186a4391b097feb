"""Accessibility beyond axe, in Chromium: the keyboard's focus, target sizes, announced
errors and upload progress, and the phone layouts (390 px) of the receipt, record, error and
upload pages. (axe itself runs on every page of every journey: tests/e2e/accessibility.py.)"""

from __future__ import annotations

import zoneinfo

import pytest
from django.test import Client
from django.urls import reverse

from photolib.consent.models import ConsentRecord
from tests.conftest import TEST_OUTPUT, staff_login
from tests.e2e.accessibility import PHONE, check_now
from tests.e2e.conftest import item, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = TEST_OUTPUT / "a11y"

# A few bytes that look like a JPEG to the browser; the server refuses them.
DROP_JS = """(names) => {
  const zone = document.querySelector("[data-drop-zone]");
  const data = new DataTransfer();
  for (const name of names) {
    data.items.add(new File([new Uint8Array([255, 216, 255, 224, 0, 16])], name,
                            {type: "image/jpeg"}));
  }
  zone.dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true}));
}"""

# What the keyboard focus is on now: the control, the box a person sees (its label when the
# control itself is visually hidden, as the file picker is) and that box's outline.
FOCUSED_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  let shown = el;
  const own = el.getBoundingClientRect();
  if ((own.width < 2 || own.height < 2) && el.labels && el.labels.length) shown = el.labels[0];
  // A checkbox or radio is clicked through its whole label.
  const target = (el.type === "checkbox" || el.type === "radio") && el.closest("label")
    ? el.closest("label") : shown;
  const style = getComputedStyle(shown);
  const box = target.getBoundingClientRect();
  const inText = el.tagName === "A" && !el.classList.contains("button")
    && /^(P|LI|DIV|SPAN|DD)$/.test(el.parentElement.tagName)
    && el.parentElement.textContent.trim() !== el.textContent.trim();
  return {
    what: el.tagName.toLowerCase() + (el.type ? "[" + el.type + "]" : "") + " "
          + (el.name || el.className || el.textContent.trim().slice(0, 30)),
    outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
    width: box.width, height: box.height, inText: inText,
  };
}"""


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_the_keyboard_reaches_every_upload_control_with_a_visible_focus(page, resident_member):
    sign_in(page, resident_member.email)
    page.get_by_text("Signed in as").wait_for()
    page.goto("/photos/upload/")
    page.evaluate(DROP_JS, ["Hafen.jpg"])
    item(page, "Hafen.jpg").wait_for()
    check_now(page, "one photo in the list")

    page.evaluate("document.activeElement && document.activeElement.blur()")
    seen: list[str] = []
    reached: list[dict] = []
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        if focused is None:
            break
        if focused["what"] in seen and focused["what"] == seen[0]:
            break  # round the page once
        seen.append(focused["what"])
        reached.append(focused)
    names = " | ".join(seen)
    for control in ("input[file] file", "input[text] upload-title", "textarea",
                    "select", "button[button] link upload-remove", "summary",
                    "input[checkbox] own_work", "input[radio] people", "button[submit]"):
        assert control in names, f"the keyboard never reached {control}: {names}"
    for focused in reached:
        assert focused["outline"] not in ("none", "") and focused["outlineWidth"] >= 2, (
            f"no visible focus on {focused['what']}: {focused}")
        if not focused["inText"]:
            assert focused["width"] >= 24 and focused["height"] >= 24, (
                f"{focused['what']} is a target smaller than 24 × 24 px: {focused}")
    # The file picker's focus is shown on its "Choose photos" button.
    picker = page.locator("#id_file")
    picker.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    outline = page.locator("label[for=id_file]").evaluate(
        "el => getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).outlineWidth")
    assert outline == "solid 3px"


def test_form_errors_are_linked_to_their_fields_and_announced(page, resident_member):
    sign_in(page, resident_member.email)
    page.get_by_text("Signed in as").wait_for()
    page.goto("/accounts/profile/")
    page.get_by_label("Display name").fill("")
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    page.get_by_role("button", name="Save").click()
    summary = page.get_by_role("alert")
    summary.wait_for()
    assert "Display name: This field is required." in summary.inner_text()
    assert summary.get_by_role("link").get_attribute("href") == "#id_display_name"
    field = page.locator("#id_display_name")
    assert field.get_attribute("aria-invalid") == "true"
    described = field.get_attribute("aria-describedby").split()
    assert "id_display_name_error" in described
    assert page.locator("#id_display_name_error").inner_text() == "This field is required."
    # The error is where the field's description says, and the link in the summary goes there.
    summary.get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "id_display_name"
    check_now(page, "a field with its error")


def test_upload_errors_and_each_uploads_progress_are_announced(page, resident_member):
    sign_in(page, resident_member.email)
    page.get_by_text("Signed in as").wait_for()
    page.goto("/photos/upload/")
    announcer = page.locator("[data-upload-announcer]")
    assert announcer.get_attribute("aria-live") == "polite"
    page.evaluate("""() => {
      window.heard = [];
      const region = document.querySelector("[data-upload-announcer]");
      new MutationObserver(() => window.heard.push(region.textContent))
        .observe(region, {childList: true, characterData: true, subtree: true});
    }""")
    page.evaluate(DROP_JS, ["Hafen.jpg"])
    # Sent without the people answer: the error is announced and linked to the question.
    page.get_by_role("button", name="Upload 1 photo").click()
    error = page.get_by_role("alert").filter(has_text="identifiable people appear")
    error.wait_for()
    people = page.get_by_role("radiogroup", name="People in the photo")
    assert people.get_attribute("aria-invalid") == "true"
    assert people.get_attribute("aria-describedby") == error.get_attribute("id")
    check_now(page, "the people question with its error")
    page.get_by_role("radio").first.check()
    assert people.get_attribute("aria-invalid") is None
    assert people.get_attribute("aria-describedby") is None
    page.locator("input[name=own_work]").check()
    page.get_by_role("button", name="Upload 1 photo").click()
    item(page, "Hafen.jpg").locator(".upload-state", has_text="Not uploaded").wait_for()
    heard = page.evaluate("window.heard")
    assert heard[0] == "Hafen.jpg: Ready to upload"
    assert "Hafen.jpg: Uploading… 0%" in heard
    assert heard[-1].startswith("Hafen.jpg: Not uploaded: ")
    # Every state the page shows is also heard, not only seen.
    assert heard[-1].removeprefix("Hafen.jpg: ") == item(page, "Hafen.jpg").locator(
        ".upload-state").inner_text()


def phone(page):
    page.set_viewport_size(PHONE)


def fits(page) -> int:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways: {width} px wide"
    assert page.evaluate("window.innerWidth") == PHONE["width"]  # the viewport meta is there
    return page.evaluate("document.scrollingElement.scrollHeight")


def test_receipt_and_error_pages_fit_a_phone(page, resident_member):
    resident_member.time_zone = "Europe/Berlin"
    resident_member.save(update_fields=["time_zone"])
    phone(page)
    sign_in(page, resident_member.email)
    page.get_by_text("Signed in as").wait_for()
    record = ConsentRecord.objects.get(user=resident_member)
    page.goto(reverse("consent:receipt", args=[record.id]))
    page.get_by_role("heading", name="Consent receipt").wait_for()
    fits(page)
    # Each value has the screen's width, not a sliver beside its name; words stay whole.
    widths = page.locator("dl.facts dd").evaluate_all(
        "dds => dds.map(dd => dd.getBoundingClientRect().width)")
    assert min(widths) >= 300, widths
    # The time in the resident's own zone, saying which, with the UTC time of the record.
    shown = page.locator("dl.facts dd time").first
    utc = record.created_at.isoformat(timespec="seconds")
    assert shown.get_attribute("datetime") == utc
    berlin = record.created_at.astimezone(zoneinfo.ZoneInfo("Europe/Berlin"))
    assert shown.inner_text() == berlin.strftime("%Y-%m-%d %H:%M:%S %Z (Europe/Berlin)")
    time_fact = page.locator("dl.facts dd", has=page.locator("time")).first
    assert f"(UTC: {utc})" in time_fact.inner_text()
    person = page.locator("dl.facts dd").nth(2)
    assert person.evaluate("dd => dd.getClientRects().length") >= 1
    assert person.evaluate("dd => dd.getBoundingClientRect().height") < 60  # one or two lines
    shot(page, "phone-receipt")
    page.goto(reverse("consent:my_consent"))
    fits(page)
    shot(page, "phone-my-consent")

    for url, status, heading in ((reverse("consent:record_list"), 403, "Not allowed"),
                                 ("/no-such-page/", 404, "Not found")):
        response = page.goto(url)
        assert response.status == status
        page.get_by_role("heading", name=heading).wait_for()
        fits(page)
        shot(page, f"phone-{status}")


def test_record_pages_fit_a_phone(page, resident_member, live_server):
    from photolib.accounts.models import User
    from photolib.accounts.services import user_grant_role

    reviewer = User.objects.create_user("rita@example.org", "a-long-test-password",
                                        display_name="Rita", credit_name="Rita")
    user_grant_role(user=reviewer, role="reviewer")
    client = Client()
    staff_login(client, reviewer)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])
    phone(page)
    record = ConsentRecord.objects.get(user=resident_member)
    page.goto(reverse("consent:record_list"))
    page.get_by_role("heading").first.wait_for()
    fits(page)
    shot(page, "phone-record-list")
    page.goto(reverse("consent:record_detail", args=[record.id]))
    page.get_by_role("heading", name=f"Consent record #{record.sequence}").wait_for()
    fits(page)
    widths = page.locator("dl.facts dd").evaluate_all(
        "dds => dds.map(dd => dd.getBoundingClientRect().width)")
    assert min(widths) >= 300, widths
    shot(page, "phone-record-detail")


def test_the_upload_list_stays_short_on_a_phone(page, resident_member):
    phone(page)
    sign_in(page, resident_member.email)
    page.get_by_text("Signed in as").wait_for()
    page.goto("/photos/upload/")
    empty = fits(page)
    names = [f"Hafen_{n}.jpg" for n in range(1, 6)]
    page.evaluate(DROP_JS, names)
    assert page.locator(".upload-item").count() == 5
    # Each photo's details start folded; one opens with a tap on its summary.
    assert page.locator(".upload-details[open]").count() == 0
    height = fits(page)
    assert height - empty < 5 * 170, f"five photos add {height - empty} px"
    check_now(page, "five photos, folded, on a phone")
    shot(page, "phone-upload-five-photos")
    first = item(page, names[0])
    first.locator("summary").click()
    first.locator(".upload-title").fill("Harbour at dawn")
    fits(page)
    shot(page, "phone-upload-one-open")


def test_the_check_itself_finds_what_it_should(page, browser, live_server):
    """The guard that every journey relies on fails on a broken page, and it received copies
    of the pages this test's browser loaded."""
    from tests.e2e.accessibility import Checker, Snapshot

    page.goto("/accounts/login/")
    page.evaluate("0")
    assert [s.url for s in page.a11y.snapshots] == [f"{live_server.url}/accounts/login/"]
    broken = Snapshot(f"{live_server.url}/broken/", "", """<!doctype html><html><head>
      <title>x</title></head><body><main><h1>A</h1><img src="x.png">
      <table><tr><th>Name</th><th></th></tr><tr><td>a</td><td>b</td></tr></table>
      <pre>""" + "x" * 200 + "</pre></main></body></html>")
    checker = Checker(browser)
    try:
        problems = checker.check([broken])
    finally:
        checker.close()
    found = "\n".join(problems)
    for expected in ("html-has-lang", "image-alt", "empty-table-header", "scrolls sideways"):
        assert expected in found, found


def test_the_check_waits_for_stylesheets_and_names_one_that_never_loads(browser, live_server):
    """A copy is checked with its stylesheets applied: the site's own stylesheet is found
    loaded, while one the server does not have is reported as not loading (three tries), not
    as whatever the page looks like without it."""
    from tests.e2e.accessibility import RENDER_TRIES, Checker, Snapshot

    def page_with(href: str) -> Snapshot:
        name = href.rsplit("/", 1)[-1].removesuffix(".css")  # each its own page to check
        return Snapshot(f"{live_server.url}/styled/{name}/", "", f"""<!doctype html>
          <html lang="en"><head><title>x</title><base href="{live_server.url}/">
          <link rel="stylesheet" href="{href}"></head>
          <body><main><h1>Styled</h1></main></body></html>""")

    checker = Checker(browser)
    try:
        present = checker.check([page_with("/static/photolib/site.css")])
        missing = checker.check([page_with("/static/photolib/no-such-sheet.css")])
    finally:
        checker.close()
    assert present == []
    assert len(missing) == 2, missing  # desktop and phone
    assert all(f"did not load after {RENDER_TRIES} tries: /static/photolib/no-such-sheet.css"
               in p for p in missing), missing
    assert checker.rerendered == 2 * (RENDER_TRIES - 1)


def test_the_check_measures_colours_after_their_transitions_end(browser, live_server):
    """A link whose colour is still fading in when the copy is rendered (as the admin's do,
    from the browser's blue, when Chromium styled them before the stylesheet was in) and text
    that animates from a faint grey are checked in the colours they end in; the faint start
    itself would fail, as the second copy (the same faint grey, held) shows."""
    from tests.e2e.accessibility import DESKTOP, PHONE, Checker, Snapshot

    sheets = {
        "fading.css": """
          a { color: #000; transition: color 60s; }
          @starting-style { a { color: #ddd; } }
          @keyframes appear { from { color: #ddd; } to { color: #000; } }
          em { animation: appear 60s forwards; }""",
        "held.css": "a, em { color: #ddd; }",
    }

    def copy(name: str) -> Snapshot:
        # The site's CSP allows its own stylesheets only: these are served from its origin.
        return Snapshot(f"{live_server.url}/{name}/", "", f"""<!doctype html>
          <html lang="en"><head><title>x</title><base href="{live_server.url}/">
          <link rel="stylesheet" href="/test-sheets/{name}.css"></head>
          <body><main><h1>Colours</h1><p><a href="/">A link</a> and <em>text</em></p></main>
          </body></html>""")

    checker = Checker(browser)
    try:
        for viewport in (DESKTOP, PHONE):
            checker._page(viewport).context.route("**/test-sheets/*", lambda route: route.fulfill(
                content_type="text/css", body=sheets[route.request.url.rsplit("/", 1)[-1]]))
        after_fading = checker.check([copy("fading")])
        held = checker.check([copy("held")])
    finally:
        checker.close()
    assert after_fading == []
    assert len(held) == 2 and all("color-contrast" in p and "2 element(s)" in p for p in held), held
