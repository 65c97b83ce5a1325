#!/usr/bin/env bash
# The browser check: one small run of every training exercise (plus an interrupted and a diverged run, and a compare),
# each report.html and compare.html loaded in Debian's headless Chromium, a screenshot of each, and a failure on a
# blank page, missing text, an image not shown, or any console error. Installs chromium and the node packages when they
# are missing (as root, as CI runs).
#
#   tools/browser-check/check.sh [--keep DIR] [--readme-shot PATH]
#
# --keep DIR keeps the runs and screenshots in DIR (default: a temporary folder, removed at the end);
# --readme-shot PATH also writes the README's picture of a report there.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
keep="" readme=""
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep="$2"; shift 2 ;;
    --readme-shot) readme="$(realpath -m "$2")"; shift 2 ;;
    *) echo "usage: $0 [--keep DIR] [--readme-shot PATH]" >&2; exit 2 ;;
  esac
done

if [ ! -x /usr/bin/chromium ]; then
  echo "browser check: installing Debian's chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if [ ! -d "$here/node_modules/playwright-core" ] || [ ! -d "$here/node_modules/pngjs" ]; then
  echo "browser check: installing its node packages (package-lock.json)"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi

if [ -n "$keep" ]; then work="$(realpath -m "$keep")"; rm -rf "$work"; mkdir -p "$work"
else work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT; fi
cd "$work"
fn() { "$repo/functional" "$@" --quiet >/dev/null; }

echo "browser check: making one run of each kind in $work"
fn logic --epochs 60
fn regression --preset split --epochs 60
fn regression --compare-weight-decay 0.001 --epochs 30
fn blobs --epochs 20
fn xor --epochs 2
fn xor --epochs 10 --activation tanh --center
fn xor-experiments --repeats 1 --epochs 2 --max-hidden 2
fn mnist --limit 300 --epochs 1
# A diverged run (exit 3) and an interrupted one (SIGTERM mid-training: exit 130, its checkpoint kept).
code=0; fn xor --epochs 2 --lr 1e30 --out diverged 2>/dev/null || code=$?
[ "$code" -eq 3 ] || { echo "browser check: the diverging run exited $code, expected 3" >&2; exit 1; }
code=0; timeout --preserve-status -s TERM 8 "$repo/functional" xor --epochs 200 --out interrupted --quiet >/dev/null 2>&1 || code=$?
[ "$code" -eq 130 ] || { echo "browser check: the interrupted run exited $code, expected 130" >&2; exit 1; }
xors=(runs/xor/2*)
"$repo/functional" compare "${xors[0]}" "${xors[1]}" --out compare >/dev/null

# Each page and the words it must show.
node - "$work" > manifest.json <<'JS'
const fs = require('fs'), path = require('path');
const work = process.argv[2];
const report = (ex) => fs.realpathSync(path.join(work, 'runs', ex, 'latest', 'report.html'));
const common = ['What was run', 'The data', 'Training curves', 'Final numbers', 'Verdicts', 'Checkpoint'];
const pages = [
  { name: 'logic', file: report('logic'), expect: [...common, 'completed', 'truth table'] },
  { name: 'regression', file: report('regression'), expect: [...common, 'weight decay 0.001'] },
  { name: 'blobs', file: report('blobs'), expect: [...common, 'make_blobs', 'boundary.png'] },
  { name: 'xor', file: report('xor'), expect: [...common, 'xor-surface.png', 'test loss'] },
  { name: 'xor-experiments', file: report('xor-experiments'), expect: [...common, 'Experiment 1', 'Experiment 6'] },
  { name: 'mnist', file: report('mnist'), expect: [...common, 'confusion.png', 'mnist predict'] },
  { name: 'diverged', file: path.join(work, 'diverged', 'report.html'), expect: ['diverged', 'non-finite'] },
  { name: 'interrupted', file: path.join(work, 'interrupted', 'report.html'), expect: ['interrupted', '--resume'] },
  { name: 'compare', file: path.join(work, 'compare', 'compare.html'), expect: ['compare', 'Final numbers', 'Configuration differences', 'Activation', 'Center'] },
];
process.stdout.write(JSON.stringify(pages, null, 1));
JS
args=()
if [ -n "$readme" ]; then args=(--readme-shot "3:$readme"); fi
node "$here/check.mjs" manifest.json "$work/screenshots" "${args[@]}"
