"""Recall notices speak the officer's language (issue 16): the mail, whoever's scan or
request sends it, and the Notices page; the reason a photo left and what that means for
its uses are translated with them."""

import pytest
from django.urls import reverse
from django.utils import translation

from photolib.accounts import services as account_services
from photolib.catalog.models import Listing
from photolib.consent.services import RequestContext
from photolib.photos import moderation
from tests.catalog.test_recall import held  # noqa: F401 - the shared fixture

pytestmark = pytest.mark.django_db


def mails_to(mailoutbox, user):
    return [m for m in mailoutbox if m.to == [user.email]]


def test_a_recall_is_mailed_in_each_officers_language(held, mailoutbox,  # noqa: F811
                                                       django_capture_on_commit_callbacks):
    downloader, collector = held["downloader"], held["collector"]
    account_services.user_set_language(user=downloader, language="de")
    account_services.user_set_language(user=collector, language="fr")
    mailoutbox.clear()
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        moderation.photo_take_down(photo_id=held["photo"].pk, acting_user=held["reviewer"],
                                   reason="A complaint about a car's number plate")

    [german] = mails_to(mailoutbox, downloader)
    assert german.subject == ("„Harbour at dawn“ darf nicht mehr verwendet werden: von den "
                              "Prüferinnen und Prüfern der Bibliothek gesperrt")
    assert german.body.startswith(f"Guten Tag {downloader.display_name},")
    for text in ("hat die Fotobibliothek der Stadt am", "Ihre Downloads davon:",
                 "Kampagne „Spring festival“ (",
                 "Was das bedeutet: Die Prüferinnen und Prüfer der Bibliothek haben es "
                 "gesperrt: Entfernen Sie es überall",
                 "Bitte bestätigen Sie diesen Hinweis auf der Seite „Hinweise“:"):
        assert text in german.body, text
    assert "can no longer be used" not in german.body + german.subject

    [french] = mails_to(mailoutbox, collector)
    assert french.subject == ("« Harbour at dawn » ne peut plus être utilisée : retirée du "
                              "catalogue par les modérateurs de la photothèque")
    for text in ("Bonjour ", "a quitté la photothèque de la ville le",
                 "Vos collections qui la contiennent : “Harbour stories”.",
                 "Ce que cela signifie : Les modérateurs de la photothèque l’ont retirée du "
                 "catalogue"):
        assert text in french.body, text

    # The listing stores the reason's code, not words: any reader gets their own language.
    listing = Listing.objects.get(photo_key=held["photo"].pk)
    assert listing.reason == Listing.Reason.TAKEN_DOWN
    with translation.override("en"):
        assert listing.get_reason_display() == "taken down by the library's reviewers"


def test_the_notices_page_speaks_the_officers_language(held, client,  # noqa: F811
                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        moderation.photo_withdraw(photo_id=held["photo"].pk, acting_user=held["resident"],
                                  context=RequestContext(ip_address="192.0.2.7",
                                                         user_agent="pytest"))
    downloader = held["downloader"]
    account_services.user_set_language(user=downloader, language="fr")
    client.force_login(downloader)
    page = client.get(reverse("catalog:notices")).content.decode()
    assert "retirée par le photographe" in page
    assert "Selon l’accord sous lequel elle a été partagée, aucune nouvelle utilisation" in page
    assert "withdrawn by the photographer" not in page
