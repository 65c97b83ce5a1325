#!/usr/bin/env bash
# Mutation testing of the core with Stryker.NET 5.1.0 (the version .config/dotnet-tools.json pins): mutates src/Model
# against tests/Model and the Training core against tests/Properties (stryker/model.json, stryker/training.json), then
# prints the score per project and per file. Slow (tens of minutes on 2 cores), so it is in neither CI nor the test
# command; see the README's "Mutation testing".
#
#   tools/mutation/run.sh                          # both configurations
#   tools/mutation/run.sh training                 # one
#   tools/mutation/run.sh model -- --concurrency 2 # options after -- go to every dotnet stryker call
#   tools/mutation/run.sh --scores                 # reprint the scores of the last reports, with the survivors
#
# Reports: artifacts/mutation/<name>/reports/mutation-report.{json,html}.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/artifacts/mutation

names=()
scores_only=false
while [[ $# -gt 0 && $1 != -- ]]; do
  case $1 in
    model | training) names+=("$1") ;;
    --scores) scores_only=true ;;
    *) echo "run.sh: unknown argument '$1' (expected model, training, --scores, or -- followed by Stryker options)" >&2; exit 2 ;;
  esac
  shift
done
[[ ${1-} == -- ]] && shift
((${#names[@]})) || names=(model training)

reports=()
for name in "${names[@]}"; do reports+=("$name=$out/$name/reports/mutation-report.json"); done
if $scores_only; then
  exec python3 "$root/tools/mutation/scores.py" --survivors "${reports[@]}"
fi

cd "$root"
dotnet tool restore > /dev/null
# Every FsCheck property replays one fixed seed (tests/Shared/Support/PropertyDefaults.cs), so a mutant's verdict does
# not depend on the cases a random seed happens to draw.
export MUTATION_TESTING=1
for name in "${names[@]}"; do
  case $name in
    model) project=src/Model ;;
    training) project=src/Training ;;
  esac
  rm -rf "${out:?}/$name"
  start=$(date +%s)
  # Stryker runs from the project it mutates (the config's test-projects are relative to it) and builds in Debug.
  (cd "$root/$project" && dotnet stryker --config-file "$root/stryker/$name.json" --output "$out/$name" "$@")
  echo "$name: $(( ($(date +%s) - start) / 60 )) min $(( ($(date +%s) - start) % 60 )) s"
done
python3 "$root/tools/mutation/scores.py" "${reports[@]}"
