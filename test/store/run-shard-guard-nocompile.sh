#!/bin/sh
# SHARD_SET_GUARD (store/multilock.h) and SHARD_GUARD (store/shard.h) obey
# the same compile-time rule as LOCK_GUARD: a suspension inside them must not
# compile, after them it must. The cases are in test/store/nocompile/; the
# runner is the LOCK_GUARD one. Usage: run-shard-guard-nocompile.sh [BUILD_DIR].
cd "$(dirname "$0")/../.." || exit 1
exec sh test/nocompile/run.sh gcc test/store/nocompile
