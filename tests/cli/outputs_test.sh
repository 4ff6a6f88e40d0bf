#!/bin/sh
# End-to-end tests of the CLI's output paths and error lines (suite 'cli'):
# a device, a FIFO or a symlink named as an output is written, never
# replaced; a path that cannot be written is refused before any run; user
# input echoed in a message has its control characters escaped.
#
# usage: outputs_test.sh TEST TESTBIN
#   TESTBIN   droptest-testbin (the CLI over testbin_scenarios.c)
#
# The helpers are cli_lib.sh's. Some checks need root (mknod, a
# path root cannot write); they are skipped, saying so, without it.
set -u

test_name=$1
. "$(dirname "$0")/cli_lib.sh"
BIN=$(cli_abs "$2")

reader=
cli_on_exit() {
    if [ -n "$reader" ]; then kill "$reader" 2>/dev/null; fi
}
cli_enter_tmp droptest-outputs

is_root() {
    [ "$(id -u)" -eq 0 ]
}

# no_temporaries DIR: no temporary file of an output is left in DIR.
no_temporaries() {
    left=$(ls -A "$1" | grep 'tmp')
    [ -z "$left" ] || fail "temporary files left in $1: $left"
}

# A repro of a failing run, for minimize.
leak_repro() {
    "$BIN" run leak/manual --seed 5 --abort-at 1 --repro "$1" >/dev/null
    grep -q '^verdict leak$' "$1" || fail "no failing repro to minimize"
}

# ---- devices, FIFOs and symlinks are written, not replaced ------------------

# every_output PATH: each output option writes PATH once.
every_output() {
    dt "$BIN" explore pass/simple --seeds 1 --junit "$1"; expect_rc 0
    dt "$BIN" run pass/simple --seed 1 --trace-json "$1"; expect_rc 0
    dt "$BIN" run pass/simple --seed 1 --repro "$1"; expect_rc 0
    dt "$BIN" replay good.repro --trace-json "$1"; expect_rc 0
    dt "$BIN" minimize leak.repro -o "$1"; expect_rc 0
}

t_outputs_devices_written_in_place() {
    "$BIN" run pass/simple --seed 1 --repro good.repro >/dev/null
    leak_repro leak.repro
    # A device node of our own first: the old code replaced it with a file,
    # which must be found here before /dev/null itself is named.
    if mknod null c 1 3 2>/dev/null; then
        every_output null
        [ -c null ] || fail "an output replaced a character device: $(ls -l null)"
        ln -s null link-to-null
        every_output link-to-null
        [ -L link-to-null ] && [ -c null ] || fail "a symlink to a device was replaced"
    elif is_root; then
        echo "skip: mknod is not permitted; /dev/null is not risked"
        return 0
    fi
    dt "$BIN" explore pass/simple --seeds 1 --junit /dev/null; expect_rc 0
    [ -c /dev/null ] || fail "--junit /dev/null replaced /dev/null"
    no_temporaries /dev
    no_temporaries .
}

t_outputs_fifo_gets_the_bytes() {
    mkfifo fifo || fail "mkfifo failed"
    # The reader opens first, as `cat` behind a named pipe does; the
    # command opens the FIFO when its report is ready.
    cat fifo >got &
    reader=$!
    dt "$BIN" explore pass/simple --seeds 1 --junit fifo
    if [ ! -p fifo ]; then
        kill "$reader" 2>/dev/null
        fail "--junit replaced the FIFO with $(ls -l fifo)"
    fi
    wait "$reader"
    reader=
    expect_rc 0
    grep -q '<testsuite name="droptest"' got || fail "the FIFO's reader got no JUnit: $(head -c 300 got)"
    grep -q '</testsuites>' got || fail "the FIFO's reader got a partial JUnit"
    cat fifo >trace &
    reader=$!
    dt "$BIN" run pass/simple --seed 1 --trace-json fifo
    [ -p fifo ] || { kill "$reader"; fail "--trace-json replaced the FIFO"; }
    wait "$reader"
    reader=
    expect_rc 0
    head -c 1 trace | grep -q '[[{]' || fail "the FIFO's reader got no trace JSON"
    no_temporaries .
}

t_outputs_symlink_followed() {
    mkdir d
    echo old >d/target.xml
    ln -s d/target.xml link.xml
    dt "$BIN" explore pass/simple --seeds 1 --junit link.xml; expect_rc 0
    [ -L link.xml ] || fail "--junit replaced the symlink: $(ls -l link.xml)"
    grep -q '</testsuites>' d/target.xml || fail "the symlink's target holds no JUnit"
    # A chain of two links, the second relative to its own directory.
    ln -s target.xml d/hop.xml
    ln -s d/hop.xml chain.xml
    dt "$BIN" run pass/simple --seed 1 --repro chain.xml; expect_rc 0
    [ -L chain.xml ] && [ -L d/hop.xml ] || fail "--repro replaced a link of the chain"
    grep -q '^droptest-repro 1$' d/target.xml || fail "the chain's target holds no repro"
    # A dangling link: its target is created, as a shell's `>` does.
    ln -s d/new.json dangling.json
    dt "$BIN" run pass/simple --seed 1 --trace-json dangling.json; expect_rc 0
    [ -L dangling.json ] || fail "--trace-json replaced a dangling symlink"
    [ -f d/new.json ] && head -c 1 d/new.json | grep -q '[[{]' ||
        fail "the dangling link's target was not written"
    # --repro-dir through a symlink to a directory.
    mkdir repros
    ln -s repros rlink
    dt "$BIN" explore leak/manual --seeds 1 --repro-dir rlink; expect_rc 0
    [ -L rlink ] || fail "--repro-dir replaced its symlink"
    ls repros | grep -q '\.repro$' || fail "no repro written through the link: $(ls repros)"
    # /dev/stdout, a link to what stdout is: a file keeps the report
    # printed before the JUnit, a pipe gets both.
    if [ -e /dev/stdout ]; then
        "$BIN" explore pass/simple --seeds 1 --junit /dev/stdout >so.txt
        grep -q '^explore: 1 scenarios' so.txt || fail "--junit /dev/stdout into a file lost the report: $(head -c 300 so.txt)"
        grep -q '</testsuites>' so.txt || fail "--junit /dev/stdout into a file has no JUnit"
        "$BIN" explore pass/simple --seeds 1 --junit /dev/stdout | cat >piped.txt
        grep -q '^explore: 1 scenarios' piped.txt && grep -q '</testsuites>' piped.txt ||
            fail "--junit /dev/stdout into a pipe: $(head -c 300 piped.txt)"
    fi
    no_temporaries .
    no_temporaries d
}

t_outputs_refused_kinds_exit_2() {
    mkdir dir
    ln -s dir dirlink
    bad explore pass/simple --seeds 1 --junit dir
    bad explore pass/simple --seeds 1 --junit dirlink
    bad run pass/simple --trace-json dir/
    bad run pass/simple --trace-json nodir/
    grep -q 'directory' err || fail "a path ending in / is not named as a directory"
    if command -v python3 >/dev/null 2>&1 &&
        python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("sock")' 2>/dev/null; then
        [ -S sock ] || fail "no socket made"
        bad explore pass/simple --seeds 1 --junit sock
        grep -q 'socket' err || fail "the refusal does not say socket"
        bad run pass/simple --repro sock
        [ -S sock ] || fail "the socket was replaced"
    else
        echo "skip: no python3 to make a socket"
    fi
    if mknod blk b 7 0 2>/dev/null; then
        bad run pass/simple --trace-json blk
        [ -b blk ] || fail "the block device was replaced"
    fi
    # A file where a directory is expected.
    : >plain
    mkfifo fifo
    bad explore leak/manual --seeds 1 --repro-dir plain
    bad explore leak/manual --seeds 1 --repro-dir fifo
    ln -s plain plainlink
    bad explore leak/manual --seeds 1 --repro-dir plainlink
    [ -f plain ] && [ -p fifo ] && [ -L plainlink ] || fail "a refused output was touched"
    no_temporaries .
}

t_outputs_unwritable_refused_up_front() {
    echo text >file
    leak_repro leak.repro
    # A path under a regular file, and a directory that does not exist:
    # refused for root and everyone else.
    bad explore pass/simple --seeds 1 --junit file/j.xml
    bad explore pass/simple --seeds 1 --repro-dir file/repros
    bad run pass/simple --trace-json no/such/t.json
    if ! is_root; then
        echo "skip: the /proc paths test what root cannot write"
        return 0
    fi
    # access() says yes to root for all of these; creating says no.
    for p in /proc/version /proc/droptest-new.xml; do
        bad explore pass/simple --seeds 1 --junit "$p"
        grep -q -- "--junit" err || fail "the refusal of $p does not name --junit"
        bad run pass/simple --seed 1 --trace-json "$p"
        bad run pass/simple --seed 1 --repro "$p"
        bad replay leak.repro --trace-json "$p"
        bad minimize leak.repro -o "$p"
    done
    # A read-only bind mount, where there is one to make: an existing
    # file in it and a new one.
    mkdir ro
    echo old >ro/old.xml
    if unshare -m sh -c 'mount --bind ro ro && mount -o remount,ro,bind ro' \
        2>/dev/null; then
        for p in ro/old.xml ro/new.xml; do
            dt unshare -m sh -c 'mount --bind ro ro &&
                mount -o remount,ro,bind ro && exec "$@"' sh \
                "$BIN" explore pass/simple --seeds 1 --junit "$p"
            expect_rc 2
            [ ! -s out ] || fail "--junit $p in a read-only mount: it ran"
            grep -q 'Read-only file system' err || fail "--junit $p: no reason given"
        done
    else
        echo "skip: no read-only bind mount can be made here"
    fi
    bad explore leak/manual --seeds 1 --repro-dir /proc
    bad explore leak/manual --seeds 1 --repro-dir /proc/droptest-repros
    # A refusal after a good output removes the temporary made for it.
    bad explore pass/simple --seeds 1 --junit j.xml --repro-dir /proc/x
    [ ! -e j.xml ] || fail "a refused command created j.xml"
    bad explore no/such-scenario --seeds 1 --repro-dir made --junit j.xml
    [ ! -e made ] || fail "a refused command left the --repro-dir it made"
    [ ! -e j.xml ] || fail "a refused command created j.xml"
    no_temporaries .
}

# ---- control characters in error lines --------------------------------------

# escaped WHAT: the one line of err holds no raw ESC and shows the escapes.
escaped() {
    esc=$(printf '\033')
    if grep -q "$esc" err; then fail "$1: a raw ESC reached stderr"; fi
    grep -q 'a\\nb\\x1b\[31m' err || fail "$1: no \\n and \\x1b escapes in: $(cat err)"
}

# repro_escaped WHAT: as escaped, for a carriage return and an ESC.
repro_escaped() {
    esc=$(printf '\033')
    if grep -q "$esc" err; then fail "$1: a raw ESC reached stderr"; fi
    grep -q 'a\\rb\\x1b\[31m' err || fail "$1: no \\r and \\x1b escapes in: $(cat err)"
}

t_outputs_control_chars_escaped() {
    ctl=$(printf 'a\nb\033[31m')
    bad run "x${ctl}"
    escaped "a scenario name"
    bad run pass/simple --seed "1${ctl}"
    escaped "an option value"
    bad run pass/simple --strategy "${ctl}"
    escaped "a strategy"
    bad "${ctl}"
    escaped "a command name"
    bad run pass/simple "--x${ctl}"
    escaped "an option name"
    bad explore pass/simple --junit "no/${ctl}/j.xml"
    escaped "an output path"
    bad replay "${ctl}.repro"
    escaped "an input path"
    # A path echoed in a report: the replay command of a repro stays on
    # its line, quoted so that a shell reads the path back.
    dt "$BIN" explore leak/manual --seeds 1 --repro-dir "r${ctl}"; expect_rc 0
    if grep -q "$esc" out; then fail "a raw ESC reached stdout"; fi
    grep -qF "replay \$'ra\\nb\\x1b[31m/leak_manual-leak-" out ||
        fail "the repro line does not quote the path as \$'...'"
    f=$(ls "r${ctl}" | grep 'leak_manual-leak-' | head -n 1)
    dt "$BIN" replay "r${ctl}/$f"; expect_rc 0
    if grep -q "$esc" out; then fail "replay echoed a raw ESC"; fi
    grep -qF 'ra\nb\x1b[31m/' out || fail "replay does not show the escaped path"
    # Repro file contents, echoed in the line that refuses them (a newline
    # ends a line there, so a carriage return and an ESC).
    "$BIN" run pass/simple --seed 1 --repro good.repro >/dev/null
    cr=$(printf 'a\rb\033[31m')
    sed "s/^scenario .*/scenario x${cr}/" good.repro >ctl.repro
    bad replay ctl.repro
    repro_escaped "a repro file's scenario"
    sed "s/^seed .*/seed 1${cr}/" good.repro >seed.repro
    bad replay seed.repro
    repro_escaped "a repro file's seed"
}

case $test_name in
    outputs_devices_written_in_place|outputs_fifo_gets_the_bytes|\
    outputs_symlink_followed|outputs_refused_kinds_exit_2|\
    outputs_unwritable_refused_up_front|outputs_control_chars_escaped)
        "t_$test_name"
        echo "ok $test_name"
        ;;
    *)
        echo "outputs_test.sh: unknown test \`$test_name\`" >&2
        exit 99
        ;;
esac
