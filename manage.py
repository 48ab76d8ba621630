#!/usr/bin/env python3
"""Django's command-line utility for Zhiku."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhiku.settings")
    from django.core.management import execute_from_command_line

    from zhiku.env import ConfigError

    try:
        execute_from_command_line(sys.argv)
    except ConfigError as exc:
        # A bad environment value: say which one, without a traceback.
        sys.stderr.write(f"配置错误：{exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
