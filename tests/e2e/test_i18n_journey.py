"""The whole journey in German and in French (issue 16), in Debian's Chromium.

A visitor picks the language with the footer switcher, signs up, confirms the address,
joins the demo group, uploads a photo; a reviewer approves it and marketing finds and
downloads it, each reading the site in that language (the language cookie stays with the
browser; a signed-in resident's own language is the one chosen at sign-up). Every page is
checked for the language's words, not only for loading, and a screenshot of each step is
saved under var/test-output/screenshots/i18n-<lang>-*.png.
"""

from __future__ import annotations

import re
import time

import pytest
from django.core import mail
from django.core.management import call_command

from photolib.accounts.models import User
from photolib.catalog.models import Download
from photolib.photos.models import Photo
from tests.conftest import SCREENSHOTS
from tests.e2e.conftest import choose_photos
from tests.media_ingest.conftest import corpus_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHOTO = "oe_Landscape_3.jpg"
PASSWORD = "a-long-and-unusual-passphrase"

# What each language shows at each step (from locale/<lang>/LC_MESSAGES/django.po).
WORDS = {
    "de": {
        "home": "Bürger-Fotobibliothek",
        "sign_up_heading": "Konto anlegen",
        "sign_up_button": "Registrieren",
        "check_email": "Sehen Sie in Ihr E-Mail-Postfach",
        "mail_subject": "Bestätigen Sie Ihre E-Mail-Adresse",
        "confirmed": "E-Mail-Adresse bestätigt",
        "sign_in": "Anmelden",
        "signed_in_as": "Angemeldet als",
        "groups": "Gruppen",
        "photo_groups": "Fotogruppen",
        "join": "Dieser Gruppe beitreten",
        "agree": "Ich stimme zu und trete bei",
        "receipt": "Einwilligungsbeleg",
        "receipt_mail": "Beleg für Ihre Einwilligung",
        "receipt_mail_body": "Dies ist Ihr Beleg für die Einwilligung",
        "upload_nav": "Hochladen",
        "upload_heading": "Fotos hochladen",
        "waiting": "Wartet auf Prüfung",
        "upload_one": "1 Foto hochladen",  # the upload script's words (djangojs.po)
        "ready": "Bereit zum Hochladen",
        "sign_out": "Abmelden",
        "second_step": "Zweiter Schritt",
        "verify": "Prüfen",
        "queue": "Zu prüfen",
        "approve": "Freigeben",
        "approved": "Freigegeben: Das Foto ist im Katalog.",
        "catalog": "Katalog",
        "search": "Suchen",
        "licence": "Lizenz",
        "download": "Herunterladen",
        "title": "Leuchtturm im Abendlicht",
        "word": "Leuchtturm",
        "campaign": "Website Hafenfest 2027",
    },
    "fr": {
        "home": "Photothèque citoyenne",
        "sign_up_heading": "Créer votre compte",
        "sign_up_button": "S’inscrire",
        "check_email": "Consultez vos e-mails",
        "mail_subject": "Confirmez votre adresse e-mail",
        "confirmed": "Adresse e-mail confirmée",
        "sign_in": "Se connecter",
        "signed_in_as": "Connecté en tant que",
        "groups": "Groupes",
        "photo_groups": "Groupes photo",
        "join": "Adhérer à ce groupe",
        "agree": "J’accepte et j’adhère",
        "receipt": "Reçu de consentement",
        "receipt_mail": "Reçu de votre consentement",
        "receipt_mail_body": "Voici votre reçu pour le consentement",
        "upload_nav": "Téléverser",
        "upload_heading": "Téléverser des photos",
        "waiting": "En attente de modération",
        "upload_one": "Téléverser 1 photo",
        "ready": "Prête à téléverser",
        "sign_out": "Se déconnecter",
        "second_step": "Deuxième étape",
        "verify": "Vérifier",
        "queue": "File de modération",
        "approve": "Approuver",
        "approved": "Approuvée : la photo est dans le catalogue.",
        "catalog": "Catalogue",
        "search": "Rechercher",
        "licence": "Licence",
        "download": "Télécharger",
        "title": "Phare au soleil couchant",
        "word": "phare",
        "campaign": "Site du festival du port 2027",
    },
}


@pytest.fixture
def photo_file():
    path = corpus_dir() / PHOTO
    if not path.is_file():
        from tests.media_ingest.conftest import _corpus_required

        message = f"photo corpus not found at {corpus_dir()}"
        pytest.fail(message) if _corpus_required() else pytest.skip(message)
    return path


class Steps:
    """Screenshots of one journey, numbered in order."""

    def __init__(self, page, lang: str):
        self.page, self.lang, self.n = page, lang, 0

    def shot(self, name: str) -> None:
        self.n += 1
        path = SCREENSHOTS / f"i18n-{self.lang}-{self.n:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)


def heading(page, text: str) -> None:
    page.get_by_role("heading", name=text).first.wait_for()


def sign_in(page, words: dict, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    heading(page, words["sign_in"])
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(password)
    page.locator("main").get_by_role("button", name=words["sign_in"]).click()


def sign_in_staff(page, words: dict, email: str, password: str) -> None:
    """Password, then the code page, in the page's language (as tests.e2e.conftest does
    in English)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from photolib.accounts.management.commands.seed_demo import DEMO_TOTP_SECRET
    from tests.conftest import totp_code

    sign_in(page, words, email, password)
    heading(page, words["second_step"])
    last = (TOTPDevice.objects.filter(user__email=email, confirmed=True)
            .values_list("last_t", flat=True).first())
    while last is not None and last >= int(time.time()) // 30:
        time.sleep(0.5)
    page.locator("#id_code").fill(totp_code(DEMO_TOTP_SECRET))
    page.get_by_role("button", name=words["verify"]).click()


def sign_out(page, words: dict) -> None:
    page.get_by_role("button", name=words["sign_out"]).click()


def nav_link(page, name: str):
    return page.get_by_role("navigation").first.get_by_role("link", name=name, exact=True)


@pytest.mark.parametrize("lang", ["de", "fr"])
def test_the_whole_journey_in_the_chosen_language(page, photo_file, tmp_path, lang):
    call_command("seed_demo", quiet_logins=True)
    words = WORDS[lang]
    steps = Steps(page, lang)

    # A visitor reads English (the site's default) and picks the language in the footer.
    page.goto("/")
    heading(page, "Community photo library")
    assert page.locator("html").get_attribute("lang") == "en"
    page.locator("#site-language").select_option(lang)
    page.locator(".language-switcher button").click()
    heading(page, words["home"])
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("#site-language").input_value() == lang
    steps.shot("home")

    # Sign up; the verification mail is written in the language signed up in.
    page.get_by_role("link", name=words["sign_up_button"]).first.click()
    heading(page, words["sign_up_heading"])
    email = f"lena-{lang}@example.org"
    page.locator("#id_email").fill(email)
    page.locator("#id_display_name").fill("Lena")
    page.locator("#id_credit_name").fill("Lena K.")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    steps.shot("sign-up")
    page.locator("main").get_by_role("button", name=words["sign_up_button"]).click()
    heading(page, words["check_email"])
    assert User.objects.get(email=email).language == lang
    verification = next(m for m in mail.outbox if email in m.to)
    assert verification.subject.startswith(words["mail_subject"])
    link = re.search(r"https?://\S+/accounts/verify/\S+/", verification.body).group(0)
    page.goto(re.sub(r"^https?://[^/]+", "", link))
    heading(page, words["confirmed"])
    steps.shot("email-confirmed")

    # Sign in and join the group.
    sign_in(page, words, email, PASSWORD)
    page.get_by_text(words["signed_in_as"]).wait_for()
    nav_link(page, words["groups"]).click()
    heading(page, words["photo_groups"])
    page.get_by_role("link", name="City Community Photos").first.click()
    page.get_by_role("link", name=words["join"]).click()
    for box in page.locator("main form input[type=checkbox]").all():
        box.check()
    steps.shot("join")
    page.get_by_role("button", name=words["agree"]).click()
    heading(page, words["receipt"])
    steps.shot("receipt")
    receipt_mail = next(m for m in mail.outbox if email in m.to and m.attachments)
    assert receipt_mail.subject.startswith(words["receipt_mail"])
    assert words["receipt_mail_body"] in receipt_mail.body

    # Upload one photo.
    nav_link(page, words["upload_nav"]).click()
    heading(page, words["upload_heading"])
    choose_photos(page, str(photo_file))
    page.locator(".upload-item .upload-state", has_text=words["ready"]).wait_for()
    assert page.locator("[data-upload-button]").inner_text() == words["upload_one"]
    page.locator(".upload-item .upload-title").fill(words["title"])
    page.locator("input[name=people][value=none]").check()
    page.locator("#id_own_work").check()
    page.locator("[data-upload-button]").click()
    page.locator(".upload-state", has_text=words["waiting"]).wait_for(timeout=30_000)
    steps.shot("uploaded")
    photo = Photo.objects.get(title=words["title"])
    sign_out(page, words)

    # A reviewer approves it from the queue.
    sign_in_staff(page, words, "reviewer@example.org", "reviewer-demo-pass")
    nav_link(page, words["queue"]).click()
    heading(page, words["queue"])
    page.locator("tr", has_text=words["title"]).get_by_role(
        "button", name=words["approve"], exact=True).click()
    page.get_by_text(words["approved"]).wait_for()
    steps.shot("approved")
    sign_out(page, words)

    # Marketing searches, opens the photo and downloads it for a campaign.
    sign_in(page, words, "marketing@example.org", "marketing-demo-pass")
    nav_link(page, words["catalog"]).click()
    heading(page, words["catalog"])
    page.locator("#id_q").fill(words["word"])
    page.get_by_role("button", name=words["search"]).click()
    tile = page.locator(".photo-tile", has_text=words["title"])
    tile.wait_for()
    steps.shot("search")
    tile.get_by_role("link", name=words["title"]).click()
    heading(page, words["title"])
    heading(page, words["licence"])
    page.locator("#id_use").select_option("web")
    page.locator("#id_campaign").fill(words["campaign"])
    steps.shot("photo")
    with page.expect_download() as info:
        page.locator("main").get_by_role("button", name=words["download"]).click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.stat().st_size > 0
    record = Download.objects.get(photo=photo)
    assert (record.use, record.campaign) == ("web", words["campaign"])
