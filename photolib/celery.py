"""The Celery application. Workers start with ``celery -A photolib worker``."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photolib.settings")

app = Celery("photolib")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def enqueue(task_name: str, *args) -> None:
    """Ask for the task registered as ``task_name`` with ``args`` (JSON values: ids, never
    model instances); services call this instead of importing task modules, so a service
    never depends on the task that calls it.

    Call it inside the service's transaction: it writes an outbox row there
    (``photolib.outbox``), so the request is committed with the change it belongs to or not at
    all, and the task is handed over once that commits: published by name to the broker, or
    run in this process when tasks are eager (the embedded default, tests). A broker or task
    failure is logged and the row stays for the periodic drain; nothing is raised into the
    caller. Called outside a transaction (e.g. from ``transaction.on_commit``), the row is
    written and delivered at once.
    """
    from photolib.outbox.services import outbox_record  # models load after this module

    outbox_record(task_name=task_name, args=args)
