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

# Fails naming what differs between two lists, $1 and $2 (one item per
# line): $3 introduces the items only in the first, $4 those only in the
# second.
same_sets() {
    tmp=$(mktemp -d)
    printf '%s\n' "$1" | sort >"$tmp/a"
    printf '%s\n' "$2" | sort >"$tmp/b"
    only_a=$(comm -23 "$tmp/a" "$tmp/b" | tr '\n' ' ')
    only_b=$(comm -13 "$tmp/a" "$tmp/b" | tr '\n' ' ')
    rm -rf "$tmp"
    [ -z "$only_a" ] || echo "$3: $only_a" >&2
    [ -z "$only_b" ] || echo "$4: $only_b" >&2
    [ -z "$only_a$only_b" ]
}

case $mode in
explore)
    exec "$droptest" explore "$1" --jobs 1
    ;;
replay)
    exec "$droptest" replay "$1"
    ;;
covers-scenarios)
    same_sets "$("$droptest" list | awk '{print $1}')" \
        "$(printf '%s\n' "$@")" \
        "scenarios without a test in tests/scenarios/meson.build" \
        "tests for scenarios the binary does not have"
    ;;
covers-regressions)
    dir=$1
    shift
    same_sets "$(cd "$dir" && ls -- *.repro 2>/dev/null || true)" \
        "$(for f in "$@"; do basename "$f"; done)" \
        "repro files not listed in tests/scenarios/meson.build" \
        "listed repro files that do not exist"
    ;;
*)
    echo "scenario_test.sh: unknown mode '$mode'" >&2
    exit 2
    ;;
esac
