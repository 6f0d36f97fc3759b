#!/bin/sh
# Runs every test suite and sums them up in one line, the last one printed:
#   tests: N passed, M failed
# Usage: run-tests.sh BUILD_DIR CC TEST_BINARY...
# gtest binaries report through their own summary; the other suites
# (test/*/run*.sh) end their output with "RESULT <passed> <failed>".
# A suite that crashes or times out before its summary counts as one failure.
build=$1 cc=$2
shift 2
log=$build/test-logs
mkdir -p "$log"
passed=0 failed=0 broken=""

count() { # $1 = label, $2 = passed, $3 = failed
    passed=$((passed + $2))
    failed=$((failed + $3))
    if [ "$3" -ne 0 ]; then broken="$broken $1"; fi
}

run_gtest() {
    name=$(echo "$1" | sed "s|^$build/test/||; s|/|-|g")
    echo "== $name"
    timeout -k 10 900 "$1" --gtest_brief=1 >"$log/$name.log" 2>&1
    rc=$?
    grep -v '^\[==========\]\|^\[----------\]' "$log/$name.log" | tail -n 40
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) tests\{0,1\}\..*/\1/p' "$log/$name.log")
    # --gtest_brief prints one "[  FAILED  ] Suite.Test (N ms)" line per failure
    f=$(grep -c '^\[  FAILED  \] .* ([0-9]* ms)$' "$log/$name.log")
    p=${p:-0} f=${f:-0}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "   $name exited with status $rc before reporting a failure"
        f=1
    fi
    count "$name" "$p" "$f"
}

run_script() { # $1 = name, rest = command
    name=$1
    shift
    echo "== $name"
    timeout -k 10 900 "$@" >"$log/$name.log" 2>&1
    rc=$?
    tail -n 40 "$log/$name.log"
    line=$(grep '^RESULT [0-9]* [0-9]*$' "$log/$name.log" | tail -1)
    if [ -z "$line" ]; then
        echo "   $name exited with status $rc without a RESULT line"
        count "$name" 0 1
        return
    fi
    set -- $line
    f=$3
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    count "$name" "$2" "$f"
}

if [ -f test/nocompile/run.sh ]; then run_script nocompile sh test/nocompile/run.sh "$cc"; fi
for t in "$@"; do
    run_gtest "$t"
done
for s in test/*/run-*.sh; do
    [ -f "$s" ] || continue
    run_script "$(basename "$s" .sh)" sh "$s" "$build"
done

if [ -n "$broken" ]; then echo "failing suites:$broken"; fi
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
