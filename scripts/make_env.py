"""Print a local .env: DEBUG on, a fresh SECRET_KEY and encryption key, OPENAI_API_KEY usable."""

from __future__ import annotations

import secrets

from cryptography.fernet import Fernet

print("DEBUG=true")
print(f"SECRET_KEY={secrets.token_urlsafe(50)}")
print(f"STUDIO_ENCRYPTION_KEYS={Fernet.generate_key().decode()}")
print("ALLOWED_HOSTS=127.0.0.1,localhost")
# The walkthrough's {{OPENAI_API_KEY}}: an exported OPENAI_API_KEY, sent to api.openai.com only.
print("STUDIO_ENV_CREDENTIALS=OPENAI_API_KEY@api.openai.com")
