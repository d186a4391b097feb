"""A real HTTP server on 127.0.0.1 for webhook tests: it records every request (headers and
raw body) and answers from a script of statuses (the last one repeats)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    server: ThreadingHTTPServer
    answers: list[int]
    location: str = ""
    received: list[Received] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/photolib"


def start_receiver(answers: list[int], location: str = "") -> Receiver:
    receiver: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            receiver.received.append(Received(self.path, dict(self.headers.items()), body))
            index = min(len(receiver.received), len(receiver.answers)) - 1
            status = receiver.answers[index]
            self.send_response(status)
            if receiver.location:
                self.send_header("Location", receiver.location)
            text = b"ok" if status < 300 else b"not today"
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver = Receiver(server=server, answers=answers, location=location)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver
