"""The Celery application. Workers start with ``celery -A photolib worker``."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photolib.settings")

app = Celery("photolib")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def enqueue(task_name: str, *args) -> None:
    """Send the task registered as ``task_name`` with ``args``; services call this instead of
    importing task modules, so a service never depends on the task that calls it.

    With a broker the message goes out by name (``send_task``: the web process needs no task
    code). Eager (the embedded default, tests) the task runs here and now, as ``delay`` would:
    ``send_task`` ignores ``task_always_eager``, so the task is looked up in the registry,
    importing the apps' task modules first if nothing has yet.
    """
    if app.conf.task_always_eager:
        if task_name not in app.tasks:
            app.loader.import_default_modules()
        app.tasks[task_name].apply_async(args=args)
    else:
        app.send_task(task_name, args=args)
