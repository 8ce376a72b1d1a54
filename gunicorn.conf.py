"""Gunicorn for a team's server: `make serve` (or `gunicorn -c gunicorn.conf.py`).

Threads, because a Test waits on someone else's API for up to its connector's timeout: a
waiting thread must not keep other people from the catalog. Every value comes from the
environment, with defaults for a small server.
"""

from __future__ import annotations

import os

wsgi_app = "studio.wsgi:application"
# Persistent database connections: each worker thread keeps its own for the next request
# (studio/settings.py reads it; health checks stay on). CONN_MAX_AGE=0 reconnects every time.
os.environ.setdefault("CONN_MAX_AGE", "60")
_host, _port = os.environ.get("HOST", "0.0.0.0"), os.environ.get("PORT", "8000")
bind = os.environ.get("GUNICORN_BIND", f"{_host}:{_port}")
worker_class = "gthread"
# Processes: 2 is plenty for a team; each holds `threads` requests (Tests) at once.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "16"))
# gthread's main loop keeps the worker alive while threads wait, so this bounds a stuck
# worker, not a slow Test (a Test's own deadline is its connector's timeout).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# A fresh process now and then returns memory that long Python processes keep.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# Trust X-Forwarded-* only from the proxy in front (comma-separated addresses).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # "" turns it off
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Worker temp files in memory: no stalls on a slow or full disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
