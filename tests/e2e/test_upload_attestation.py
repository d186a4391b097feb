"""The people answer is an explicit choice for every photo, in Debian's Chromium.

Nothing is pre-selected; the answer for all photos applies to every photo without one of its
own, whenever it is set or changed; a photo without an answer is not sent; the form without
JavaScript refuses a post without one (400, nothing stored).
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from photolib.photos.attestation import OWN_WORK_STATEMENT, PEOPLE_STATEMENTS
from photolib.photos.models import People, Photo
from tests.e2e.conftest import item, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def jpegs(tmp_path):
    paths = []
    for n, colour in enumerate([(200, 40, 40), (40, 200, 40), (40, 40, 200)]):
        out = io.BytesIO()
        Image.new("RGB", (320, 240), colour).save(out, "JPEG")
        path = tmp_path / f"photo_{n}.jpg"
        path.write_bytes(out.getvalue())
        paths.append(path)
    return paths


def sign_in_to_upload(page, user) -> None:
    sign_in(page, user.email)
    page.get_by_text("Signed in as").wait_for()
    page.goto("/photos/upload/")


def answer_for_all(page, people: str) -> None:
    page.get_by_role("radio", name=PEOPLE_STATEMENTS[people]).check()


def upload_and_wait(page, paths) -> None:
    page.get_by_label(OWN_WORK_STATEMENT).check()
    page.locator("[data-upload-button]").click()
    for path in paths:
        item(page, path.name).locator(".upload-state", has_text="Waiting for review").wait_for(
            timeout=30_000)


def answers(user) -> dict[str, str]:
    return dict(Photo.objects.filter(owner=user)
                .values_list("original_name", "attestation__people"))


def test_nothing_is_preselected_and_no_answer_sends_nothing(page, resident_member, jpegs):
    sign_in_to_upload(page, resident_member)
    assert page.locator("input[name=people]:checked").count() == 0
    page.locator("input[type=file][name=file]").set_input_files([str(p) for p in jpegs[:2]])
    page.get_by_label(OWN_WORK_STATEMENT).check()
    page.get_by_role("button", name="Upload 2 photos").click()
    page.get_by_role("alert").filter(has_text="identifiable people appear").wait_for()
    assert item(page, jpegs[0].name).get_attribute("data-state") == "error"
    assert Photo.objects.count() == 0

    answer_for_all(page, People.CONSENTED)
    page.get_by_role("button", name="Upload 2 photos").click()
    for path in jpegs[:2]:
        item(page, path.name).locator(".upload-state", has_text="Waiting for review").wait_for(
            timeout=30_000)
    assert answers(resident_member) == {p.name: People.CONSENTED for p in jpegs[:2]}


def test_answer_before_adding_files(page, resident_member, jpegs):
    sign_in_to_upload(page, resident_member)
    answer_for_all(page, People.CONSENTED)
    page.locator("input[type=file][name=file]").set_input_files([str(p) for p in jpegs[:2]])
    upload_and_wait(page, jpegs[:2])
    assert answers(resident_member) == {p.name: People.CONSENTED for p in jpegs[:2]}


def test_answer_after_adding_files_applies_to_all(page, resident_member, jpegs):
    sign_in_to_upload(page, resident_member)
    page.locator("input[type=file][name=file]").set_input_files([str(p) for p in jpegs[:2]])
    row = item(page, jpegs[0].name)
    assert not row.locator(".upload-release").is_visible()
    answer_for_all(page, People.MINORS)
    assert row.locator(".upload-release").is_visible()  # the batch answer asks for a release
    answer_for_all(page, People.CONSENTED)  # changed again, still after adding the files
    assert not row.locator(".upload-release").is_visible()
    upload_and_wait(page, jpegs[:2])
    assert answers(resident_member) == {p.name: People.CONSENTED for p in jpegs[:2]}


def test_one_photo_with_its_own_answer(page, resident_member, jpegs):
    sign_in_to_upload(page, resident_member)
    page.locator("input[type=file][name=file]").set_input_files([str(p) for p in jpegs])
    item(page, jpegs[1].name).locator(".upload-people").select_option(People.NONE)
    answer_for_all(page, People.CONSENTED)
    upload_and_wait(page, jpegs)
    assert answers(resident_member) == {jpegs[0].name: People.CONSENTED,
                                        jpegs[1].name: People.NONE,
                                        jpegs[2].name: People.CONSENTED}


@pytest.fixture
def page_without_script(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_the_form_without_javascript(page_without_script, resident_member, jpegs):
    page = page_without_script
    sign_in_to_upload(page, resident_member)
    assert page.locator("input[name=people]:checked").count() == 0
    page.locator("input[type=file][name=file]").set_input_files([str(jpegs[0])])
    page.get_by_label("Title").fill("Fountain")
    page.get_by_label(OWN_WORK_STATEMENT).check()
    with page.expect_response(lambda r: r.url.endswith("/photos/upload/")) as sent:
        page.locator("[data-upload-button]").click()
    assert sent.value.status == 400
    page.get_by_role("alert").filter(has_text="identifiable people appear").wait_for()
    assert Photo.objects.count() == 0

    page.locator("input[type=file][name=file]").set_input_files([str(jpegs[0])])
    answer_for_all(page, People.NONE)
    page.get_by_label(OWN_WORK_STATEMENT).check()
    page.locator("[data-upload-button]").click()
    page.get_by_role("heading", name="My photos").wait_for()
    assert answers(resident_member) == {jpegs[0].name: People.NONE}


def test_hiding_the_location_at_upload_is_stored(page, resident_member, jpegs):
    sign_in_to_upload(page, resident_member)
    page.locator("input[type=file][name=file]").set_input_files([str(jpegs[0])])
    answer_for_all(page, People.NONE)
    page.get_by_label("Hide where it was taken from the city's marketing staff").check()
    upload_and_wait(page, jpegs[:1])
    assert Photo.objects.get(owner=resident_member).hide_location is True
