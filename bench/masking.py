"""Masking secrets in a 256 KB response body, in every encoding, versus plain str.replace.

    .venv/bin/python bench/masking.py [runs]

A 256 KB JSON-ish body (letters, digits, punctuation) holding 5 secrets, each echoed raw,
percent-encoded, as base64 and hex. Measured in the same run: `secrets.redact` (one Aho-Corasick
pass over every form of every secret, the pattern built once per set of secrets and cached),
the first call that builds the pattern, and a baseline of one `str.replace` per raw secret.
Median of `runs` (default 200) each. Target: redact under 5 ms.
"""

from __future__ import annotations

import base64
import os
import random
import statistics
import string
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from connectors import redaction, secrets  # noqa: E402

BODY_BYTES = 256 * 1024
SECRETS = 5


def body_with(known: list[str], rng: random.Random) -> str:
    alphabet = string.ascii_letters + string.digits + ' {}[]":,./+=-_'
    parts = []
    for secret in known:
        data = secret.encode()
        parts += [secret, quote(secret, safe=""), base64.b64encode(b"x" + data).decode()]
        parts += [data.hex()]
    filler = "".join(rng.choices(alphabet, k=BODY_BYTES - sum(map(len, parts))))
    step = len(filler) // (len(parts) + 1)
    out = [filler[i * step : (i + 1) * step] + part for i, part in enumerate(parts)]
    return "".join(out) + filler[len(parts) * step :]


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    rng = random.Random(7)
    known = [
        "sk-" + "".join(rng.choices(string.ascii_letters + string.digits + "/+=", k=40))
        for _ in range(SECRETS)
    ]
    body = body_with(known, rng)
    forms = sum(len(redaction.forms_of(s)) for s in known)

    def baseline() -> str:
        text = body
        for secret in known:
            text = text.replace(secret, secrets.MASK)
        return text

    masked = secrets.redact(body, known)
    assert not any(s in masked for s in known)
    first = []
    for _ in range(20):
        redaction._masker.cache_clear()
        started = time.perf_counter()
        secrets.redact(body, known)
        first.append(time.perf_counter() - started)
    base = median_ms(baseline, runs)
    full = median_ms(lambda: secrets.redact(body, known), runs)
    print(f"body {len(body.encode()) / 1024:.0f} KB, {SECRETS} secrets, {forms} forms, {runs} runs")
    print(f"str.replace, raw only       median {base:7.3f} ms")
    print(f"redact, every encoding      median {full:7.3f} ms   ({full / base:.1f}x the baseline)")
    print(f"redact, first call (build)  median {statistics.median(first) * 1000:7.3f} ms")
    print(f"target <= 5 ms: {'met' if full <= 5 else 'NOT met'}")


if __name__ == "__main__":
    main()
