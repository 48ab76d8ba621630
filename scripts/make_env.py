"""Write .env from .env.example with freshly generated secrets (used by `make run`)."""

from __future__ import annotations

import re
import secrets
import sys
from pathlib import Path

from cryptography.fernet import Fernet

SECRETS = {
    "ZHIKU_SECRET_KEY": lambda: secrets.token_urlsafe(50),
    "ZHIKU_FIELD_KEYS": lambda: Fernet.generate_key().decode(),
    "ZHIKU_LOOKUP_HASH_KEY": lambda: secrets.token_urlsafe(48),
}


def main(example: Path, target: Path) -> None:
    if target.exists():
        sys.exit(f"{target} 已存在，未覆盖。")
    text = example.read_text(encoding="utf-8")
    for key, make in SECRETS.items():
        line = f"{key}={make()}"
        pattern = re.compile(rf"^#?\s*{key}=.*$", re.MULTILINE)
        if pattern.search(text):
            text = pattern.sub(lambda _m, line=line: line, text, count=1)
        else:
            text += f"\n{line}\n"
    target.write_text(text, encoding="utf-8")
    target.chmod(0o600)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
