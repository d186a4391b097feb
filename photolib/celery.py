"""The Celery application. Workers start with ``celery -A photolib worker``."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photolib.settings")

app = Celery("photolib")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
