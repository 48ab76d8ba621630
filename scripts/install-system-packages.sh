#!/usr/bin/env bash
# Install the Debian packages Zhiku needs, or say which ones are missing when not root.
set -euo pipefail

PACKAGES=(
  python3.11 python3.11-venv        # Debian 12's own Python for .venv
  fonts-noto-cjk                    # Chinese fonts for PDFs (Noto Serif/Sans CJK SC)
  libpango-1.0-0 libpangoft2-1.0-0  # WeasyPrint's text layout
  libharfbuzz-subset0               # font subsetting: a PDF page in 0.2 s instead of 10 s
  chromium                          # browser tests (Playwright drives Debian's Chromium)
  poppler-utils                     # pdftoppm, to look at generated PDFs
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  [[ "$pkg" == \#* ]] && continue
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "缺少以下 Debian 软件包，请以 root 身份安装后重试 / missing Debian packages, install them as root:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "安装 Debian 软件包 / installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
