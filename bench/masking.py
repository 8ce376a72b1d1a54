"""Masking secrets in a 256 KB response body, in every encoding, versus plain str.replace.

    .venv/bin/python bench/masking.py [runs]

A 256 KB JSON-ish body (letters, digits, punctuation) holding 5 secrets, each echoed raw,
percent-encoded, as base64, hex, percent-encoded twice, base64 of percent-encoded and as XML
character references. Measured in the same run, interleaved (one of each in turn, so both see
the same machine load): `sealing.redact` (one Aho-Corasick pass over every form of every
secret, then over each decoded layer of escapes; the automaton built once per set of secrets
and cached) and a baseline of one `str.replace` per raw secret; then the first call that builds
the automaton. Median of `runs` (default 200) each. Target: redact under 5 ms.
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

from bench.interleave import interleaved, median  # noqa: E402
from connectors.lib import redaction  # noqa: E402
from connectors.secrets import sealing  # noqa: E402

BODY_BYTES = 256 * 1024
SECRETS = 5


def body_with(known: list[str], rng: random.Random) -> str:
    alphabet = string.ascii_letters + string.digits + ' {}[]":,./+=-_'
    parts = []
    for secret in known:
        data = secret.encode()
        parts += [secret, quote(secret, safe=""), base64.b64encode(b"x" + data).decode()]
        parts += [data.hex(), quote(quote(secret, safe=""), safe="")]
        parts += [base64.b64encode(quote(secret, safe="").encode()).decode()]
        parts += ["".join(f"&#{ord(char)};" for char in secret)]
    filler = "".join(rng.choices(alphabet, k=BODY_BYTES - sum(map(len, parts))))
    step = len(filler) // (len(parts) + 1)
    out = [filler[i * step : (i + 1) * step] + part for i, part in enumerate(parts)]
    return "".join(out) + filler[len(parts) * step :]


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
            text = text.replace(secret, sealing.MASK)
        return text

    masked = sealing.redact(body, known)
    assert not any(s in masked for s in known)
    assert "&#" not in masked and "%25" not in masked, "a nested or escaped form was not masked"
    first = []
    for _ in range(20):
        redaction._masker.cache_clear()
        started = time.perf_counter()
        sealing.redact(body, known)
        first.append(time.perf_counter() - started)
    times = interleaved({"baseline": baseline, "redact": lambda: sealing.redact(body, known)}, runs)
    base, full = median(times["baseline"]), median(times["redact"])
    print(f"body {len(body.encode()) / 1024:.0f} KB, {SECRETS} secrets, {forms} forms, {runs} runs")
    print(f"str.replace, raw only       median {base:7.3f} ms")
    print(f"redact, every encoding      median {full:7.3f} ms   ({full / base:.1f}x the baseline)")
    print(f"redact, first call (build)  median {statistics.median(first) * 1000:7.3f} ms")
    print(f"target <= 5 ms: {'met' if full <= 5 else 'NOT met'}")


if __name__ == "__main__":
    main()
