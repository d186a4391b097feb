"""``manage.py inspect_photo PATH... [--json]``: what ingest would make of local files.

Runs sniffing, the limits, EXIF and rendering (``media_ingest.inspect``) with this site's
limits and stores nothing. Directories are expanded (their files, sorted, not recursive).
Prints per file the format, dimensions, EXIF facts and ``accepted`` or the rejection reason;
with ``--json`` one JSON object per line. A refused file is a result, not an error: the exit
status is 0 unless no path was given.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand

import media_ingest
from photolib.photos.pipeline import ingest_limits, pillow_lock


def expand(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.is_file()))
        else:
            files.append(path)  # a missing path is reported by inspect() as unreadable
    return files


class Command(BaseCommand):
    help = "Inspect local image files as ingest would (nothing is stored)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="files or directories")
        parser.add_argument("--json", action="store_true", help="one JSON object per line")

    def handle(self, *args, paths: list[str], json: bool = False, **options):
        limits = ingest_limits()
        for path in expand(paths):
            with pillow_lock:
                verdict = media_ingest.inspect(path, limits)
            if json:
                self.stdout.write(_json_line(verdict))
            else:
                self.stdout.write(self._describe(verdict))

    def _describe(self, v: dict) -> str:
        name = v["file"]
        if v["status"] != "accepted":
            return f"{name}: rejected: {v.get('reason')} [{v.get('error')}]"
        exif = v.get("exif") or {}
        facts = [f"{v['format']} {v['width']}x{v['height']}",
                 f"{v.get('size_bytes', 0):,} bytes"]
        camera = " ".join(x for x in (exif.get("make"), exif.get("model")) if x)
        if camera:
            facts.append(camera)
        if exif.get("taken_at"):
            facts.append(f"taken {exif['taken_at']}")
        if exif.get("orientation"):
            facts.append(f"orientation {exif['orientation']}")
        if exif.get("gps_latitude") is not None:
            facts.append(f"GPS {exif['gps_latitude']:.5f},{exif['gps_longitude']:.5f}")
        return f"{name}: accepted: " + ", ".join(facts)


def _json_line(verdict: dict) -> str:
    return json.dumps(verdict, ensure_ascii=False, default=str, sort_keys=True)
