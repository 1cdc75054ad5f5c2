#!/bin/sh
# `kiln tune` killed mid-search with SIGKILL (no handler runs, a write may be cut short) leaves a database
# that opens intact with what was measured, and a second run resumes from it: the first run's times are read
# back rather than measured again. Then `kiln compile` uses the choice the second run made. LeNet-5 is one
# block: the first run is killed once its default is timed, in the middle of that block's search.
# Usage: tune_killed_and_resumed.sh KILN PYTHON MODEL
set -eu
kiln=$1 python=$2 model=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
db=$dir/tuning.db
rows() {
  "$python" -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute('pragma integrity_check').fetchone()[0], c.execute('select count(*) from block_times').fetchone()[0])" "$db" 2>/dev/null || echo "none 0"
}

"$kiln" tune "$model" --db "$db" --budget 300 >"$dir/first.out" 2>&1 &
pid=$!
for _ in $(seq 240); do
  set -- $(rows)
  [ "$2" -ge 1 ] && break
  sleep 0.5
done
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
set -- $(rows)
echo "after SIGKILL: integrity $1, $2 rows"
[ "$1" = ok ] && [ "$2" -ge 1 ]

"$kiln" tune "$model" --db "$db" --budget 60 >"$dir/second.out" 2>&1
grep -E "\([1-9][0-9]* read from the database\)" "$dir/second.out" || { cat "$dir/second.out"; exit 1; }

"$kiln" compile "$model" -o "$dir/artifact" --db "$db" >"$dir/compile.out" 2>&1
grep -E "[1-9][0-9]* of [0-9]+ blocks scheduled as .kiln tune. chose" "$dir/compile.out"
echo "tune resumed ok"
