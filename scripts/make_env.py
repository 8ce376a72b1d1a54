"""Print a local .env: DEBUG on, a fresh SECRET_KEY and a fresh encryption key, and every other
setting a newcomer may want, commented out with what it does."""

from __future__ import annotations

import secrets

from cryptography.fernet import Fernet

print("# Local settings for `make run`. The server reads them when it starts: restart it")
print("# (Ctrl-C, then `make run` again) after changing anything here.")
print("DEBUG=true")
print(f"SECRET_KEY={secrets.token_urlsafe(50)}")
print("# Encrypts every stored secret; keep it. Several keys, comma-separated: the first seals.")
print(f"STUDIO_ENCRYPTION_KEYS={Fernet.generate_key().decode()}")
print("ALLOWED_HOSTS=127.0.0.1,localhost")
print("# Environment variables a secret field may name as {{NAME}}, each with the host it may")
print("# be sent to: the walkthrough's {{OPENAI_API_KEY}} (export it before make run) goes to")
print("# api.openai.com only. Add more as NAME@host, comma-separated.")
print("STUDIO_ENV_CREDENTIALS=OPENAI_API_KEY@api.openai.com")
print("""
# Test may call private addresses (127.0.0.1, 10.x, ...) only when listed here. This machine
# is, so an API you run here works at once; on a shared server leave it empty.
STUDIO_OUTBOUND_ALLOW=127.0.0.1,localhost
# The largest response kept (bytes, default 10 MB) and shown (default 256 KB):
# STUDIO_MAX_RESPONSE_BYTES=10485760
# STUDIO_DISPLAY_BYTES=262144
# The largest request body a Test may send (default 1 MB) and API description Import API reads
# (default 25 MB):
# STUDIO_MAX_REQUEST_BYTES=1048576
# STUDIO_MAX_IMPORT_BYTES=26214400
# Test runs are removed after this many days, except each action's newest N and kept ones:
# STUDIO_RUN_RETENTION_DAYS=90
# STUDIO_RUNS_PER_ACTION=100
# Failed logins before a username is locked out from one address, and for how many minutes:
# AXES_FAILURE_LIMIT=5
# AXES_COOLOFF_MINUTES=15
# A mailer turns on the password reset pages, e.g. smtp+tls://user:pass@smtp.example.com:587
# EMAIL_URL=
# Another database than the local SQLite file, e.g. postgres://user@127.0.0.1:5432/studio
# DATABASE_URL=
# A cache shared by every server process (Cancel reaches a Test on another process through it):
# CACHE_URL=
# TIME_ZONE=UTC
# LOG_LEVEL=INFO""")
