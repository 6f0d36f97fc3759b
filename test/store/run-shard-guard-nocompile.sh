#!/bin/sh
# SHARD_SET_GUARD (store/multilock.h) and SHARD_GUARD (store/shard.h) obey
# the same compile-time rule as LOCK_GUARD: a suspension inside them must not
# compile, after them it must.
#   nocompile/fail_*.c  must be rejected with the lock rule's message;
#   nocompile/ok_*.c    must compile with the project's warning flags.
# Usage: run-shard-guard-nocompile.sh [BUILD_DIR]. Compiles with gcc and
# clang where installed; ends with `RESULT <passed> <failed>`.
cd "$(dirname "$0")/../.." || exit 1

warn=$(sed -n 's/^WARN *:= *//p' GNUmakefile)
cwarn=$(sed -n 's/^CWARN *:= *//p' GNUmakefile | sed "s|\$(WARN)|$warn|")
[ -n "$cwarn" ] || { echo "cannot read CWARN from GNUmakefile"; echo "RESULT 0 1"; exit 1; }

out=$(mktemp)
trap 'rm -f "$out"' EXIT
passed=0 failed=0
for compiler in gcc clang; do
    command -v $compiler >/dev/null 2>&1 || continue
    flags="-std=gnu11 -O2 $cwarn -I. -D_GNU_SOURCE -pthread"
    if [ $compiler = clang ]; then flags="$flags -Wthread-safety"; fi
    for src in test/store/nocompile/fail_*.c test/store/nocompile/ok_*.c; do
        name=$(basename "$src" .c)
        # shellcheck disable=SC2086
        if $compiler $flags -c "$src" -o /dev/null >"$out" 2>&1; then compiled=1; else compiled=0; fi
        case $name in
        fail_*)
            if [ $compiled = 1 ]; then
                verdict="FAIL (it compiled)"
            elif grep -q 'released before suspending' "$out"; then
                verdict=ok
            else
                verdict="FAIL (rejected for another reason)"
            fi
            ;;
        *)
            if [ $compiled = 1 ]; then verdict=ok; else verdict="FAIL (did not compile)"; fi
            ;;
        esac
        if [ "$verdict" = ok ]; then
            passed=$((passed + 1))
            echo "ok    $compiler $name"
        else
            failed=$((failed + 1))
            echo "FAIL  $compiler $name: $verdict"
            sed 's/^/      /' "$out" | head -n 20
        fi
    done
done
echo "RESULT $passed $failed"
[ $failed -eq 0 ]
