#!/usr/bin/env bash
# Renders the workbooks a person sees to PDF and PNG, to look at them without Excel:
# rejected.xlsx from the demo run, the batch template (templates/cp-batch-template.xlsx)
# when it exists, and any other .xlsx given as arguments.
#
#   bash docs/render.sh [MORE.xlsx ...]
#
# Output, in docs/render/ (not committed):
#   demo/                   the demo run's reports (and demo/junit.xml)
#   NAME.pdf, NAME-N.png    as printed: A4 pages, notes exported as note icons
#   NAME-sheet.pdf/.png     each sheet whole on one page, for an overview
#
# It needs LibreOffice Calc and poppler's pdftoppm, and installs them with apt-get when
# they are missing (as root).
set -euo pipefail
cd "$(dirname "$0")/.."

out=docs/render
dpi=80

install_missing() {
  command -v libreoffice >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 && return
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -qq --no-install-recommends libreoffice-calc poppler-utils >/dev/null 2>&1 ||
    { $sudo apt-get update -qq &&
      $sudo apt-get install -y -qq --no-install-recommends libreoffice-calc poppler-utils >/dev/null; }
}

install_missing
rm -rf "$out"
mkdir -p "$out/demo"

# The demo run: exit 1 (some rows rejected) is its normal outcome; 2 is a failure.
status=0
cargo run --quiet --release -- validate fixtures/demo/batch.xlsx --evs fixtures/demo/evs.csv \
  --as-of 2026-11-23 --out "$out/demo" --junit "$out/demo/junit.xml" --quiet || status=$?
if [ "$status" -gt 1 ]; then
  echo "render.sh: the demo run failed (exit $status)" >&2
  exit "$status"
fi

inputs=("$out/demo/rejected.xlsx")
[ -f templates/cp-batch-template.xlsx ] && inputs+=(templates/cp-batch-template.xlsx)
inputs+=("$@")

# A profile of its own, so a LibreOffice already open elsewhere neither blocks nor is touched.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
profile="file://$work/profile"

# convert FILTER_OPTIONS SOURCE NAME: SOURCE to $out/NAME.pdf
convert() {
  local options=$1 source=$2 name=$3
  mkdir -p "$work/in"
  cp "$source" "$work/in/$name.xlsx"
  libreoffice -env:UserInstallation="$profile" --headless \
    --convert-to "pdf:calc_pdf_Export:$options" --outdir "$out" "$work/in/$name.xlsx" >/dev/null 2>&1
  [ -f "$out/$name.pdf" ] || { echo "render.sh: LibreOffice did not convert $source" >&2; exit 1; }
}

for source in "${inputs[@]}"; do
  name=$(basename "$source" .xlsx)
  convert '{"ExportNotes":{"type":"boolean","value":"true"}}' "$source" "$name"
  convert '{"SinglePageSheets":{"type":"boolean","value":"true"}}' "$source" "$name-sheet"
  # Poppler warns about LibreOffice's note annotations; the pages render all the same.
  pdftoppm -png -r "$dpi" "$out/$name.pdf" "$out/$name" 2>/dev/null
  pdftoppm -png -r "$dpi" "$out/$name-sheet.pdf" "$out/$name-sheet" 2>/dev/null
  echo "$source -> $out/$name-*.png ($(ls "$out/$name"-[0-9]*.png | wc -l) pages), $out/$name-sheet-*.png"
done
