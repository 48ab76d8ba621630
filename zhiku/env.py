"""Typed reading of configuration from environment variables.

Every helper refuses a bad value with a message naming the variable, so a typo in
production stops start-up instead of silently running with a default.
"""

from __future__ import annotations

import os
from pathlib import Path


class ConfigError(Exception):
    """A configuration value is missing or malformed."""


def load_dotenv(path: Path) -> None:
    """Read KEY=VALUE lines from ``path`` into the environment, never overriding a set value."""
    if not path.is_file():
        return
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise ConfigError(f"{path}:{lineno}: 无法解析的配置行（应为 KEY=VALUE）：{raw!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        os.environ.setdefault(key, value)


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ConfigError(f"环境变量 {name} 未设置，且没有默认值。")
        return default
    return value


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"环境变量 {name} 的值 {value!r} 不是布尔值：请使用 true 或 false。")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ConfigError(f"环境变量 {name} 的值 {value!r} 不是整数。") from None
    if minimum is not None and number < minimum:
        raise ConfigError(f"环境变量 {name} 的值 {number} 小于允许的最小值 {minimum}。")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_secret(name: str, *, debug: bool, dev_default: str, min_length: int = 32) -> str:
    """Return a secret; in production it must be set and long enough."""
    value = os.environ.get(name, "")
    if not value:
        if debug:
            return dev_default
        raise ConfigError(
            f"环境变量 {name} 未设置：生产环境必须提供至少 {min_length} 个字符的密钥。"
        )
    if len(value) < min_length:
        raise ConfigError(f"环境变量 {name} 太短：至少需要 {min_length} 个字符。")
    return value
