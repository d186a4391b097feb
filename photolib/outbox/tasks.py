"""The one task beat sends: run a periodic job by name (``photolib.periodic``)."""

from __future__ import annotations

from celery import shared_task

from photolib import periodic


@shared_task(name=periodic.PERIODIC_TASK, ignore_result=True)
def run_periodic_job(name: str) -> str:
    return periodic.run_job(name)
