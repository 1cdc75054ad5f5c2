#!/bin/sh
# A tune keeps the machine figures it planned with in its database, and `kiln compile` with that database
# plans with them after `kiln machine` has measured the machine otherwise: fusion forms blocks by those
# figures, and the tuned choices belong to the blocks the tune saw. Without the database, the compile plans
# with the figures measured last.
# Usage: plan_figures_kept.sh KILN MODEL
set -eu
kiln=$1 model=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export XDG_CACHE_HOME="$dir/cache"

"$kiln" tune "$model" --db "$dir/tuning.db" --budget 30 >"$dir/tune.out" 2>&1 || { cat "$dir/tune.out"; exit 1; }
# The machine measured again, its bandwidth now 1 GB/s.
sed -i 's/"bandwidth": [0-9.e+]*/"bandwidth": 1000000000.0/' "$dir/cache/kiln/machine.json"

"$kiln" compile "$model" -o "$dir/tuned" --db "$dir/tuning.db" >"$dir/tuned.out" 2>&1
"$kiln" compile "$model" -o "$dir/untuned" --db "$dir/tuning.db" --untuned >"$dir/untuned.out" 2>&1
"$kiln" compile "$model" -o "$dir/plain" >"$dir/plain.out" 2>&1
grep "planned for" "$dir/tuned.out" "$dir/untuned.out" "$dir/plain.out"
for run in tuned untuned; do
  grep -q "planned for .* GB/s (as its tunes planned, kept in $dir/tuning.db)" "$dir/$run.out"
  if grep -q "and 1.0 GB/s" "$dir/$run.out"; then exit 1; fi
done
grep -q "planned for .* and 1.0 GB/s (measured .*cache" "$dir/plain.out"
echo "plan figures kept ok"
