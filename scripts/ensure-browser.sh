#!/bin/sh
# Make sure the browser tests have a Chromium and a Chinese font.
# Playwright cannot download its own browsers here, so the tests drive Debian's chromium;
# without a CJK font, Chinese text renders as empty boxes in screenshots.
# Installs with apt-get when something is missing and we are root; otherwise says what to do.
set -eu

CHROMIUM="${CLOSELOOP_CHROMIUM:-/usr/bin/chromium}"
need=""
[ -x "$CHROMIUM" ] || need="$need chromium"
if ! fc-list 2>/dev/null | grep -qi "wqy\|noto sans cjk"; then
    need="$need fonts-wqy-microhei"
fi
# The monthly report's PDF tests read the PDF back (pdftotext) and render it (pdftoppm).
command -v pdftoppm >/dev/null 2>&1 || need="$need poppler-utils"
[ -z "$need" ] && exit 0

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-browser: installing$need" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # shellcheck disable=SC2086  # the package list is meant to split
    apt-get install -y -qq --no-install-recommends $need >/dev/null
    exit 0
fi

echo "ensure-browser: missing:$need" >&2
echo "  Install them (Debian/Ubuntu): sudo apt-get install -y$need" >&2
echo "  or point CLOSELOOP_CHROMIUM at a Chromium binary. The browser tests fail without it." >&2
exit 1
