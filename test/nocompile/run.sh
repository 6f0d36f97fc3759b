#!/bin/sh
# The compile-time lock rule, proven with the compiler itself.
#   fail_*.c  must NOT compile, and must fail for the right reason: the
#             compiler output names LOCK_GUARD and says the lock "must be
#             released before suspending" (not some unrelated error).
#   ok_*.c    must compile cleanly with the project's warning flags.
# Usage: run.sh CC [CASE_DIR]. Runs the cases in CASE_DIR (default
# test/nocompile; test/store/nocompile holds the store's shard guards). Each
# case is compiled with CC and, where installed, with the other of gcc/clang.
# Prints one line per case and compiler, then `RESULT <passed> <failed>`.
cd "$(dirname "$0")/../.." || exit 1
cc=${1:-cc}
cases=${2:-test/nocompile}

# The warning flags, read from the GNUmakefile so they cannot drift.
warn=$(sed -n 's/^WARN *:= *//p' GNUmakefile)
cwarn=$(sed -n 's/^CWARN *:= *//p' GNUmakefile | sed "s|\$(WARN)|$warn|")
[ -n "$cwarn" ] || { echo "cannot read CWARN from GNUmakefile"; echo "RESULT 0 1"; exit 1; }

compilers=$cc
if $cc --version 2>/dev/null | grep -qi clang; then other=gcc; else other=clang; fi
if command -v $other >/dev/null 2>&1; then compilers="$compilers $other"; fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
passed=0 failed=0
for compiler in $compilers; do
    flags="-std=gnu11 -O2 $cwarn -I. -D_GNU_SOURCE -pthread"
    if $compiler --version 2>/dev/null | grep -qi clang; then flags="$flags -Wthread-safety"; fi
    for src in "$cases"/fail_*.c "$cases"/ok_*.c; do
        name=$(basename "$src" .c)
        # shellcheck disable=SC2086
        if $compiler $flags -c "$src" -o /dev/null >"$out" 2>&1; then compiled=1; else compiled=0; fi
        case $name in
        fail_*)
            if [ $compiled = 1 ]; then
                verdict="FAIL (it compiled)"
            elif grep -q 'LOCK_GUARD' "$out" && grep -q 'released before suspending' "$out"; then
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
