"""What happens to accounts, announced for the layers above.

``credit_changed`` is sent, after commit, when a person's display or credit name changes,
with ``sender=User`` and ``user_id``: the credit line on their photos is derived from it
(the catalog's search documents listen).
"""

from __future__ import annotations

from django.dispatch import Signal

credit_changed = Signal()
