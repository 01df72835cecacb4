#!/usr/bin/env bash
# Set up a fresh Debian machine for evidencekit: system programs, a virtual
# environment in .venv, and the package with its test tools. Safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."

# program (or, for a path, file) -> Debian package that provides it; the font is
# embedded in every typeset bundle page (evidencekit/redact/typeset.py); heif-enc
# makes the HEIC photos of the tests (evidencekit itself only reads HEIC, via pi-heif);
# age judges the encrypted packages in the tests; jq reads the JSON records in
# scripts/sample.sh's by-hand check of a received exhibit's chain (docs/receiving.md);
# chromium and its driver run the review app's browser tests (tests/review/test_browser.py)
# firefox-esr runs the same photo path in Firefox (tests/review/test_firefox.py), driven over
# its own Marionette server by marionette_driver: Debian has no geckodriver to install
# the italic serif draws the handwriting of the PDF test fixtures (fixtures/make_pdfs.py)
declare -A NEED=(
  [ffmpeg]=ffmpeg [ffprobe]=ffmpeg [qpdf]=qpdf [pdftotext]=poppler-utils
  [pdffonts]=poppler-utils
  [exiftool]=libimage-exiftool-perl [tesseract]=tesseract-ocr [openssl]=openssl
  [/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf]=fonts-dejavu-core
  [/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf]=fonts-dejavu-core
  [/usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf]=fonts-dejavu-extra
  [soffice]=libreoffice-writer-nogui [fc-list]=fontconfig
  [heif-enc]=libheif-examples [age]=age [age-keygen]=age [jq]=jq
  [chromium]=chromium [chromedriver]=chromium-driver [firefox-esr]=firefox-esr
)
missing=()
for prog in "${!NEED[@]}"; do
  if [[ $prog == /* ]]; then
    [ -f "$prog" ] || missing+=("${NEED[$prog]}")
  else
    command -v "$prog" >/dev/null 2>&1 || missing+=("${NEED[$prog]}")
  fi
done
# Metric-compatible fonts (Arial/Times/Courier) so LibreOffice lays DOCX statements out
# as Word does.
[ -d /usr/share/fonts/truetype/liberation2 ] || missing+=(fonts-liberation2)
[ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
# tesseract's English model is its own Debian package (PDF statements are OCRed in English)
if command -v tesseract >/dev/null 2>&1 && ! tesseract --list-langs 2>/dev/null | grep -qx eng; then
  missing+=(tesseract-ocr-eng)
fi
if [ ${#missing[@]} -gt 0 ]; then
  pkgs=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian packages: $pkgs" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $pkgs >/dev/null
  else
    echo "setup: please install these Debian packages first (as root): apt-get install $pkgs" >&2
    exit 1
  fi
fi

PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "setup: evidencekit needs Python 3.11 or newer ($PY is older)." >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
mkdir -p build
if ! .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]" \
    >build/pip-install.log 2>&1; then
  cat build/pip-install.log >&2
  echo "setup: pip could not install evidencekit (log above)" >&2
  exit 1
fi
.venv/bin/python -c 'import evidencekit, evidencekit_cli, evidencekit_review' \
  || { echo "setup: the package did not install" >&2; exit 1; }
