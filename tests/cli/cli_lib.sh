# Helpers shared by the 'cli' suite's test scripts, which source this file
# before anything else. Each test runs in a fresh temporary directory,
# asserts on exit codes, output and files, and prints both sides of a
# failed comparison.

# cli_abs PATH: PATH, made absolute against the directory the test
# started in (meson gives paths relative to the build directory).
cli_abs() {
    case $1 in /*) echo "$1" ;; *) echo "$(pwd)/$1" ;; esac
}

# cli_on_exit: what a script must undo before its directory goes (a
# reader it started, say); a script redefines it.
cli_on_exit() { :; }

# cli_enter_tmp PREFIX: cd into a new temporary directory, removed at
# exit.
cli_enter_tmp() {
    T=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || exit 99
    trap 'cli_on_exit; rm -rf "$T"' EXIT
    cd "$T" || exit 99
}

fail() {
    echo "FAIL $test_name: $*" >&2
    if [ -f out ]; then echo "--- stdout:" >&2; head -c 3000 out >&2; fi
    if [ -f err ]; then echo "--- stderr:" >&2; head -c 3000 err >&2; fi
    exit 1
}

# dt CMD ARGS...: runs it with stdout in `out`, stderr in `err`, exit in rc.
rc=0
last=
dt() {
    last="$*"
    "$@" >out 2>err
    rc=$?
}

expect_rc() {
    [ "$rc" -eq "$1" ] || fail "\`$last\`: expected exit $1, got $rc"
}

expect_eq() {
    [ "$1" = "$2" ] || fail "$3: expected \`$2\`, got \`$1\`"
}

# bad ARGS...: a usage error of $BIN: exit 2, exactly one line on stderr
# starting with `droptest: `, nothing on stdout (so nothing ran).
bad() {
    dt "$BIN" "$@"
    [ "$rc" -eq 2 ] || fail "\`$*\`: expected exit 2, got $rc"
    lines=$(wc -l <err)
    [ "$lines" -eq 1 ] || fail "\`$*\`: expected one line on stderr, got $lines"
    grep -q '^droptest: ' err || fail "\`$*\`: stderr does not start with droptest:"
    [ ! -s out ] || fail "\`$*\`: wrote to stdout (it ran)"
}

# field NAME [FILE]: the first "NAME":value of a JSON line (string
# values keep their quotes).
field() {
    grep -o "\"$1\":\(\"[^\"]*\"\|\[[^]]*\]\|{[^}]*}\|[^,}]*\)" "${2:-out}" |
        head -n 1 | sed "s/^\"$1\"://"
}

# scenario_line NAME [FILE]: the JSON line of one scenario from campaign
# output.
scenario_line() {
    grep "^{\"scenario\":\"$1\"" "${2:-out}"
}
