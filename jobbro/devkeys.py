"""Development keys, generated on first use and stored outside git.

Production mode never reads this file: it demands keys from the environment.
"""

import json
import secrets

from cryptography.fernet import Fernet


def load_or_create(path):
    if path.exists():
        return json.loads(path.read_text())
    keys = {
        "secret_key": secrets.token_urlsafe(50),
        "cpr_key": Fernet.generate_key().decode(),
        "cpr_hash_key": secrets.token_urlsafe(32),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(keys, indent=2))
    path.chmod(0o600)
    return keys
