#!/bin/sh
# The 'scenarios' suite, run through the droptest binary as a user runs it.
#
#   scenario_test.sh DROPTEST explore NAME
#       explore NAME (16 seeds, every await point): its expectation is met
#   scenario_test.sh DROPTEST replay FILE
#       FILE, a failure found once, still replays: same trace, same verdict
#   scenario_test.sh DROPTEST covers-scenarios NAME...
#       the NAMEs given to meson are exactly the scenarios the binary has
#   scenario_test.sh DROPTEST covers-regressions DIR FILE...
#       the FILEs given to meson are exactly the .repro files in DIR
set -eu
droptest=$1
mode=$2
shift 2

# The set difference of two sorted lists, for messages.
missing_from() {
    printf '%s\n' "$1" | sort >"$tmp/a"
    printf '%s\n' "$2" | sort >"$tmp/b"
    comm -23 "$tmp/a" "$tmp/b" | tr '\n' ' '
}

case $mode in
explore)
    exec "$droptest" explore "$1" --jobs 1
    ;;
replay)
    exec "$droptest" replay "$1"
    ;;
covers-scenarios)
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    have=$("$droptest" list | awk '{print $1}')
    given=$(printf '%s\n' "$@")
    extra=$(missing_from "$have" "$given")
    gone=$(missing_from "$given" "$have")
    if [ -n "$extra$gone" ]; then
        [ -z "$extra" ] || echo "scenarios without a test in tests/scenarios/meson.build: $extra" >&2
        [ -z "$gone" ] || echo "tests for scenarios the binary does not have: $gone" >&2
        exit 1
    fi
    ;;
covers-regressions)
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    dir=$1
    shift
    have=$(cd "$dir" && ls -- *.repro 2>/dev/null || true)
    given=$(for f in "$@"; do basename "$f"; done)
    extra=$(missing_from "$have" "$given")
    gone=$(missing_from "$given" "$have")
    if [ -n "$extra$gone" ]; then
        [ -z "$extra" ] || echo "repro files not listed in tests/scenarios/meson.build: $extra" >&2
        [ -z "$gone" ] || echo "listed repro files that do not exist: $gone" >&2
        exit 1
    fi
    ;;
*)
    echo "scenario_test.sh: unknown mode '$mode'" >&2
    exit 2
    ;;
esac
