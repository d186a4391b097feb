"""The attestation, word for word: the sentences an uploader affirms about one photo.

The upload form shows exactly these sentences and ``photo_upload`` stores the ones affirmed
on the immutable ``PhotoAttestation``. Whether a release is needed is the model's rule
(``photolib.photos.models.release_needed``), not restated here.
"""

from __future__ import annotations

from photolib.photos.models import People

OWN_WORK_STATEMENT = "I took this photo myself and I own its copyright."
PEOPLE_STATEMENTS: dict[str, str] = {
    People.NONE: "No identifiable people appear in this photo.",
    People.CONSENTED: "Identifiable people appear in this photo, and each of them agreed to "
                      "its use under the group's agreement.",
    People.RELEASE: "Identifiable people appear in this photo, and I attach the release they "
                    "signed.",
    People.MINORS: "Minors appear in this photo, and I attach the release a parent or guardian "
                   "of each of them signed.",
}


def attestation_statement(*, own_work: bool, people: str) -> str:
    """The exact text the uploader affirmed, stored on the ``PhotoAttestation``."""
    parts = [OWN_WORK_STATEMENT] if own_work else []
    parts.append(PEOPLE_STATEMENTS[people])
    return " ".join(parts)
