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
# The walkthrough's {{OPENAI_API_KEY}}: an exported OPENAI_API_KEY, sent to api.openai.com only.
print("STUDIO_ENV_CREDENTIALS=OPENAI_API_KEY@api.openai.com")
print("""
# Test may call private addresses (127.0.0.1, 10.x, ...) only when listed here, e.g. an API
# you run on this machine: STUDIO_OUTBOUND_ALLOW=127.0.0.1,localhost
# STUDIO_OUTBOUND_ALLOW=
# The largest response kept (bytes, default 10 MB) and shown (default 256 KB):
# STUDIO_MAX_RESPONSE_BYTES=10485760
# STUDIO_DISPLAY_BYTES=262144
# Another database than the local SQLite file, e.g. postgres://user@127.0.0.1:5432/studio
# DATABASE_URL=
# A cache shared by every server process (Cancel reaches a Test on another process through it):
# CACHE_URL=
# TIME_ZONE=UTC
# LOG_LEVEL=INFO""")
