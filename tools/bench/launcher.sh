#!/bin/sh
# What ./functional costs on top of the app it runs, measured in one run: `./functional ARGS` against the built app
# started directly as `dotnet Functional.Shell.dll ARGS` (what the launcher execs) and through its apphost
# (src/Shell/bin/Release/net10.0/linux-x64/publish/Functional.Shell, the other way to start it), in alternating rounds; reports wall and
# CPU medians, quartiles and the paired differences, with the machine's load.
#
# usage: tools/bench/launcher.sh [ROUNDS]          (default 40; ARGS are `logic --epochs 1 --quiet`, then `--version`)
# Needs: python3 (standard library; tools/bench/alternate.py does the timing), the .NET SDK. Installs nothing.
# The first ./functional call below builds the app if the tree changed since its last build; nothing is timed until then.
set -eu
cd "$(dirname -- "$0")/../.."
rounds=${1:-40}
app=src/Shell/bin/Release/net10.0/linux-x64/publish/Functional.Shell

./functional --version >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== logic --epochs 1 --quiet (checkpoint into a temporary folder)"
args="logic --epochs 1 --quiet --out $out"
python3 tools/bench/alternate.py "$rounds" 2 "launcher=./functional $args" "dotnet-dll=dotnet $app.dll $args" "apphost=$app $args"

echo "== --version (the app's cheapest command: the launcher's share stands out of less noise)"
python3 tools/bench/alternate.py "$rounds" 2 "launcher=./functional --version" "dotnet-dll=dotnet $app.dll --version" "apphost=$app --version"
