#!/bin/sh
# End-to-end tests (suite 'cli'): campaigns and runs that the code under
# test cannot break (issue 18 §3). The scenarios are robust_scenarios.c.
#
# usage: robust_test.sh TEST ROBUSTBIN
#
# Each test runs in a fresh temporary directory. Commands that hung before
# the fix run under `timeout`, so that the old behaviour fails the test
# instead of stalling the suite.
set -u

test_name=$1
. "$(dirname "$0")/cli_lib.sh"
BIN=$(cli_abs "$2")

# Code under test that calls exit() ends its process mid-run, with the
# run's memory still held: not a leak for a sanitizer build to report.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS

cli_enter_tmp droptest-robust

# dt ARGS...: unlike cli_lib.sh's, runs the binary, for at most 60 s, so
# that what hung before the fix fails the test instead of stalling the
# suite.
dt() {
    last="$*"
    timeout 60 "$BIN" "$@" >out 2>err
    rc=$?
}

# ---- run ---------------------------------------------------------------------

t_run_reports_abort_and_exit_as_crash() {
    # Before: abort() ended `run` with 134 and nothing printed; exit(0) was
    # a silent pass.
    dt run robust/abort; expect_rc 1
    grep -q '^verdict: *crash' out || fail "abort() is not a crash"
    grep -q 'crash: the worker process was killed by signal 6' out \
        || fail "the crash does not say how the run ended"
    grep -q '^replay: ' out || fail "no replay command"
    dt run robust/exit0 --json; expect_rc 1
    expect_eq "$(field verdict)" '"crash"' "verdict of exit(0)"
    grep -q 'exited with status 0 during the run' out \
        || fail "exit(0) is not reported as such"
    expect_eq "$(field await_points)" 1 "await points reached before exit(0)"
    # A repro of it replays to the same end.
    dt run robust/abort --repro a.repro; expect_rc 1
    dt replay a.repro; expect_rc 0
    grep -q '^verdict: *crash' out || fail "the replay of abort() is no crash"
}

t_run_reports_fork_once() {
    # Before: both processes ran on and printed the report twice.
    dt run robust/fork; expect_rc 1
    expect_eq "$(grep -c '^verdict:' out)" 1 "reports printed"
    grep -q '^verdict: *crash' out || fail "fork() is not a crash"
    grep -q 'the code under test forked' out || fail "the fork is not named"
}

t_run_in_process_keeps_old_way() {
    dt run robust/exit0 --in-process; expect_rc 0
    [ ! -s out ] || fail "--in-process printed a report after exit(0)"
    dt run robust/pass --in-process; expect_rc 0
    grep -q '^verdict: *pass' out || fail "--in-process run did not report"
}

t_run_stops_spins_the_watchdog_cannot_see() {
    # Before: both hung for ever (the watchdog's alarm never rang).
    for s in robust/alarm_off robust/sigalrm_blocked; do
        dt run $s --run-timeout 1 --json; expect_rc 1
        expect_eq "$(field verdict)" '"blocking"' "verdict of $s"
        grep -q 'reached no await point for 1 s of real time' out \
            || fail "$s: the stop is not explained"
    done
}

t_replay_stops_spins_the_watchdog_cannot_see() {
    dt run robust/alarm_off --run-timeout 1 --repro s.repro; expect_rc 1
    dt replay s.repro --run-timeout 1; expect_rc 0
    grep -q '^verdict: *blocking' out || fail "the replay is not blocking"
}

t_watchdog_judges_time_since_await() {
    # About 1.8 s of real CPU work, never 150 ms without an await point:
    # not blocking under a 1 s limit (before, the limit was on the run's
    # length). A spin is still stopped.
    dt run robust/slow_awaits --run-timeout 1; expect_rc 0
    grep -q '^verdict: *pass' out || fail "a run that keeps awaiting was stopped"
    dt explore robust/slow_awaits --max-runs 1 --run-timeout 1 --json
    expect_rc 0
    expect_eq "$(field met)" true "explore of robust/slow_awaits met"
    # The same in the command's own process, where the watchdog's timer
    # is set up and taken down for each run.
    dt run robust/slow_awaits --run-timeout 1 --in-process; expect_rc 0
    dt run robust/spin --run-timeout 1 --in-process --json; expect_rc 1
    expect_eq "$(field verdict)" '"blocking"' "verdict of a spin in process"
    grep -q 'task `root` .*ran for 1 s of real time without reaching an await point' out \
        || fail "the watchdog does not name the spinning task"
    dt run robust/spin --run-timeout 1; expect_rc 1
    grep -q 'task `root` .*ran for 1 s of real time' out \
        || fail "the worker's watchdog does not name the spinning task"
}

# ---- explore -----------------------------------------------------------------

t_explore_survives_fork() {
    # Before: "a worker reported a unit it was not given", exit 3, every
    # result lost.
    dt explore robust/fork robust/pass --seeds 3 --jobs 2 --json; expect_rc 0
    scenario_line robust/fork >fork.json
    expect_eq "$(field met fork.json)" true "robust/fork met (crash)"
    grep -q 'the code under test forked' fork.json || fail "the fork is not named"
    scenario_line robust/pass >pass.json
    expect_eq "$(field met pass.json)" true "robust/pass met"
    # Every run of every seed is counted: 3 runs a seed (two points).
    expect_eq "$(field runs pass.json)" 9 "runs of robust/pass"
}

t_explore_stops_spins_the_watchdog_cannot_see() {
    # Before: explore hung for ever on either.
    dt explore robust/alarm_off robust/sigalrm_blocked robust/pass \
        --seeds 1 --jobs 2 --run-timeout 1 --json
    expect_rc 0
    for s in robust/alarm_off robust/sigalrm_blocked robust/pass; do
        scenario_line $s >s.json
        expect_eq "$(field met s.json)" true "$s met"
    done
    grep -q 'its watchdog could not stop it' out || fail "the kill is not explained"
}

# interrupt SIGNAL CODE TARGET: explore of a slow scenario, stopped
# mid-way by SIGNAL sent to the command (TARGET parent, as `kill` does) or
# to its whole process group (TARGET group, as a terminal's Ctrl-C does).
interrupt() {
    # In a session of its own, so that its process group is only it and
    # its workers. A shell starts a background job with SIGINT ignored;
    # env gives it the default back, as an interactive shell would.
    setsid env --default-signal=INT "$BIN" explore robust/slow \
        --seeds 200 --jobs 2 --json --junit j.xml >out 2>err &
    pid=$!
    tries=0
    while [ "$(ps -o pid= --ppid "$pid" 2>/dev/null | wc -l)" -lt 2 ]; do
        tries=$((tries + 1))
        [ $tries -lt 200 ] || { kill -KILL "$pid"; fail "the workers did not start"; }
        sleep 0.1
    done
    workers=$(ps -o pid= --ppid "$pid")
    # A little longer, for some whole seeds.
    sleep 1.5
    if [ "$3" = group ]; then kill -"$1" "-$pid"; else kill -"$1" "$pid"; fi
    wait "$pid"
    rc=$?
    last="explore interrupted by SIG$1 sent to its $3"
    expect_rc "$2"
    for w in $workers; do
        kill -0 "$w" 2>/dev/null && fail "worker $w outlived the command"
    done
    scenario_line robust/slow >slow.json || fail "no summary after SIG$1"
    expect_eq "$(field interrupted slow.json)" true "marked interrupted"
    # Only whole seeds are counted: 5 runs each (4 await points), and no
    # worker killed by the signal is a crash.
    runs=$(field runs slow.json)
    seeds=$(field seeds slow.json)
    expect_eq "$runs" "$((seeds * 5))" "runs of the seeds that completed"
    expect_eq "$(field failing_runs slow.json)" 0 "failing runs"
    [ "$seeds" -lt 200 ] || fail "the campaign was not stopped"
    # A pass not proven over all its seeds is neither met nor unmet.
    expect_eq "$(field undecided slow.json)" true "undecided"
    expect_eq "$(field met slow.json)" false "met"
    grep -q '<testcase' j.xml || fail "no JUnit written"
    grep -q '<skipped message="interrupted before its seeds completed' j.xml ||
        fail "the JUnit testcase is not marked skipped"
    grep -q 'skipped="1"' j.xml || fail "the JUnit suite counts no skip"
}

t_explore_interrupted_by_sigint() {
    interrupt INT 130 group
}

t_explore_interrupted_by_sigterm() {
    interrupt TERM 143 parent
}

case $test_name in
    run_reports_abort_and_exit_as_crash|run_reports_fork_once|\
    run_in_process_keeps_old_way|run_stops_spins_the_watchdog_cannot_see|\
    replay_stops_spins_the_watchdog_cannot_see|\
    watchdog_judges_time_since_await|explore_survives_fork|\
    explore_stops_spins_the_watchdog_cannot_see|\
    explore_interrupted_by_sigint|explore_interrupted_by_sigterm)
        "t_$test_name"
        echo "ok $test_name"
        ;;
    *)
        echo "robust_test.sh: unknown test \`$test_name\`" >&2
        exit 99
        ;;
esac
