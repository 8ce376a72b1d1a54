"""The studio's settings with one more URL, /bench/hello/: a logged-in Django "hello" behind
the same middleware, the baseline of bench/roundtrip.py and bench/serve.py."""

from __future__ import annotations

from studio.settings import *  # noqa: F403

ROOT_URLCONF = "bench.hello_urls"
