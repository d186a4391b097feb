"""A receiver for the photo library's webhooks: the smallest thing a CMS needs, standard
library only. It checks each delivery's signature and age, answers 204, and prints what a
CMS would act on (unpublish a photo, review new agreement terms).

    PHOTOLIB_WEBHOOK_SECRET='the secret entered in the admin' \\
        python3 infra/webhook_receiver.py --port 8081

Put it behind your HTTPS proxy and register https://your.host/... in the library's admin
(API > Webhook endpoints). The library signs every delivery with the header

    Photolib-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + raw body>

and re-sends an event (same ``id``) until it gets a 2xx, so act on each ``id`` once.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

#: Deliveries older than this are refused (a replayed request).
MAX_AGE_SECONDS = 300


def signature_ok(secret: bytes, header: str, body: bytes, now: float | None = None) -> bool:
    """True when ``header`` is the library's signature of ``body`` and fresh."""
    fields = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        sent_at = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - sent_at) > MAX_AGE_SECONDS:
        return False
    expected = hmac.new(secret, f"{sent_at}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields.get("v1", ""))


def handler_for(secret: bytes, seen: set[str]):
    class WebhookHandler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(min(length, 1_000_000))
            if not signature_ok(secret, self.headers.get("Photolib-Signature", ""), body):
                self.send_response(400)
                self.end_headers()
                return
            event = json.loads(body)
            if event["id"] not in seen:  # a re-send of an event already handled: skip
                seen.add(event["id"])
                data = event["data"]
                if event["type"].startswith("photo."):
                    print(f"unpublish photo {data['photo_id']}: {event['type']} "
                          f"({data['reason']}, since {data['rights_ended_at']})", flush=True)
                else:
                    print(f"agreement {data['group']} v{data['version']} published: "
                          f"{data['url']}", flush=True)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    return WebhookHandler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args()
    secret = os.environ.get("PHOTOLIB_WEBHOOK_SECRET", "").encode()
    if not secret:
        sys.exit("Set PHOTOLIB_WEBHOOK_SECRET to the endpoint's secret.")
    server = HTTPServer((args.host, args.port), handler_for(secret, set()))
    print(f"listening on {args.host}:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
