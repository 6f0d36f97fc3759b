#!/bin/sh
# make test needs googletest. Install it through apt when we are root;
# otherwise say in one line what to install.
have_gtest() {
    [ -f /usr/include/gtest/gtest.h ] || return 1
    for lib in /usr/lib/*/libgtest.a /usr/lib/libgtest.a /usr/local/lib/libgtest.a; do
        [ -f "$lib" ] && return 0
    done
    return 1
}
have_gtest && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "googletest is missing: installing libgtest-dev through apt" >&2
    export DEBIAN_FRONTEND=noninteractive
    { apt-get install -y -q libgtest-dev googletest || { apt-get update -q && apt-get install -y -q libgtest-dev googletest; }; } >&2
    have_gtest && exit 0
fi
echo "make test needs googletest: install it with 'sudo apt-get install libgtest-dev googletest'" >&2
exit 1
