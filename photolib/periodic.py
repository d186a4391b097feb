"""The periodic jobs: one registry, run by Celery beat in production and by
``manage.py run_periodic`` (cron) on small installs.

``settings.PHOTOLIB_PERIODIC_JOBS`` names each job: ``{"name": {"run": "dotted.path",
"every": seconds}}``. ``run`` is a function called with no arguments that returns a one-line
summary; it must be idempotent and safe to run twice at once, because cron and beat may
overlap and a job may be retried. To add a job, add one entry there; beat's schedule
(``CELERY_BEAT_SCHEDULE``) is built from the same table.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

PERIODIC_TASK = "photolib.outbox.tasks.run_periodic_job"


def beat_schedule(jobs: dict[str, dict]) -> dict[str, dict]:
    """Celery beat's schedule for ``jobs`` (called by settings, so it imports nothing)."""
    return {name: {"task": PERIODIC_TASK, "schedule": float(job["every"]), "args": (name,)}
            for name, job in jobs.items()}


def job_names() -> list[str]:
    return list(settings.PHOTOLIB_PERIODIC_JOBS)


def run_job(name: str) -> str:
    """Run one job now, in this process; returns its summary. ``KeyError`` for no such job."""
    job = settings.PHOTOLIB_PERIODIC_JOBS[name]
    return str(import_string(job["run"])())
