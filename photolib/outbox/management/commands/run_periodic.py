"""``manage.py run_periodic [--job NAME ...]``: run every periodic job once, for cron.

Small installs without Celery beat run this every few minutes (``*/5 * * * *``); each job is
idempotent, so running it more often, or next to beat, does no harm.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from photolib import periodic


class Command(BaseCommand):
    help = "Run every periodic job once (drain the outbox, re-enqueue stuck ingest, ...)."

    def add_arguments(self, parser):
        parser.add_argument("--job", nargs="+", default=[], help="only these jobs")

    def handle(self, *args, job, **options):
        names = job or periodic.job_names()
        unknown = sorted(set(names) - set(periodic.job_names()))
        if unknown:
            raise CommandError(f"No such job: {', '.join(unknown)}. "
                               f"Jobs: {', '.join(periodic.job_names())}.")
        failed = []
        for name in names:
            try:
                self.stdout.write(f"{name}: {periodic.run_job(name)}")
            except Exception as exc:  # one failing job must not stop the others
                failed.append(name)
                self.stderr.write(f"{name}: failed: {type(exc).__name__}: {exc}")
        if failed:
            raise CommandError(f"{len(failed)} job(s) failed: {', '.join(failed)}.")
