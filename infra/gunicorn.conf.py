"""gunicorn settings for the web process (``gunicorn -c infra/gunicorn.conf.py``).

Uploads stream to temporary files, so a few sync workers with threads serve a
city's traffic; put a proxy (nginx) in front that terminates TLS and sets
X-Forwarded-Proto, which the production profile trusts.
"""

import multiprocessing
import os

wsgi_app = "photolib.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 2))
timeout = 120  # large uploads from phones on slow networks
# No request waits long on a dependency that stopped answering: the database, S3, the
# broker and SMTP all have short timeouts in settings (README, "Configuration"), so a hung
# service answers 503 in seconds instead of filling every thread for `timeout`.
max_requests = 1000
max_requests_jitter = 100
accesslog = "-"
