"""Print a local .env: DEBUG on, a fresh SECRET_KEY and a fresh encryption key."""

from __future__ import annotations

import secrets

from cryptography.fernet import Fernet

print("DEBUG=true")
print(f"SECRET_KEY={secrets.token_urlsafe(50)}")
print(f"STUDIO_ENCRYPTION_KEYS={Fernet.generate_key().decode()}")
print("ALLOWED_HOSTS=127.0.0.1,localhost")
