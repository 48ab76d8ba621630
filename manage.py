#!/usr/bin/env python3
"""Django's command-line utility for Zhiku."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhiku.settings")
    from zhiku.env import ConfigError

    try:
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - load settings now, to report bad configuration plainly
    except ConfigError as exc:
        sys.stderr.write(f"配置错误：{exc}\n")
        sys.exit(2)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
