#!/bin/sh
# End-to-end tests of the droptest CLI (suite 'cli').
#
# usage: cli_test.sh TEST TESTBIN EMPTYBIN DROPTEST SPINBIN
#   TESTBIN   droptest-testbin (the CLI over testbin_scenarios.c)
#   EMPTYBIN  droptest-empty (the CLI with no scenario)
#   DROPTEST  the repo's droptest binary (the built-in scenarios)
#   SPINBIN   droptest-spinbin (a scenario that spins: the watchdog)
#
# Each test runs in a fresh temporary directory, asserts on exit codes,
# output and files, and prints both sides of a failed comparison.
set -u

test_name=$1
. "$(dirname "$0")/cli_lib.sh"
BIN=$(cli_abs "$2")
EMPTY=$(cli_abs "$3")
BUILTIN=$(cli_abs "$4")
SPIN=$(cli_abs "$5")
cli_enter_tmp droptest-cli

# ---- help ------------------------------------------------------------------

t_help_exits_zero() {
    dt "$BIN" --help; expect_rc 0
    grep -q 'explore' out || fail "--help does not list explore"
    dt "$BIN" help; expect_rc 0
    grep -q 'check-determinism' out || fail "help does not list commands"
    for c in list run explore fuzz replay minimize check-determinism; do
        dt "$BIN" "$c" --help; expect_rc 0
        grep -q "usage: droptest $c" out || fail "$c --help shows no usage"
        dt "$BIN" help "$c"; expect_rc 0
    done
}

# ---- bad input ---------------------------------------------------------------

t_bad_numbers_one_line() {
    bad run pass/simple --seed abc
    grep -q -- '--seed: `abc` is not a number' err || fail "message does not name --seed and abc"
    bad run pass/simple --seed -1
    bad run pass/simple --seed 18446744073709551616
    bad run pass/simple --seed ''
    bad run pass/simple --seed ' 1'
    bad run pass/simple --abort-prob 1.5
    bad run pass/simple --abort-prob nan
    bad run pass/simple --abort-at x
    bad run pass/simple --abort-at 1,,2
    bad explore --all --seeds 0
    bad explore --all --seeds 5..2
    bad explore --all --seeds 1..x
    bad explore --all --shard 3/2
    bad explore --all --shard 0/2
    bad explore --all --shard 1
    bad explore --all --jobs 0
    bad explore --all --jobs 2x
    bad explore --all --max-runs 0
    bad explore --all --time-limit 0
    bad explore --all --time-limit -3
    bad fuzz --all --time-limit abc
    bad fuzz --all --max-runs 5 --max-aborts 0
    bad run pass/simple --strategy pct:99
    bad run pass/simple --strategy bogus
    bad minimize x.repro --max-runs none
}

t_bad_usage_one_line() {
    bad
    bad bogus-command
    bad run pass/simple --bogus
    bad run pass/simple --seed
    bad run pass/simple --seed 1 --seed 2
    bad run pass/simple --json=yes
    bad run
    bad run no/such-scenario
    grep -q 'no/such-scenario' err || fail "message does not name the scenario"
    bad explore no/such-scenario
    bad explore
    bad explore --all pass/simple
    bad fuzz --all
    bad check-determinism no/such-scenario
    bad list extra
    bad help no-such-command
    bad minimize
    bad replay
}

t_bad_input_writes_nothing() {
    mkdir outdir
    bad explore --all --seeds 0 --junit outdir/j.xml --repro-dir outdir/repros --json
    bad explore no/such --junit outdir/j.xml --repro-dir outdir/repros
    bad explore --all --shard 3/2 --junit outdir/j.xml
    bad fuzz --all --junit outdir/j.xml --repro-dir outdir/r
    bad run pass/simple --seed abc --trace-json outdir/t.json --repro outdir/r.repro
    bad run pass/simple --abort-prob 2 --trace-json outdir/t.json --repro outdir/r.repro
    bad replay missing.repro --trace-json outdir/t.json
    bad minimize missing.repro -o outdir/m.repro
    bad explore --all --junit no/such/dir/j.xml
    left=$(ls -A outdir)
    [ -z "$left" ] || fail "bad input left files behind: $left"
}

# ---- list --------------------------------------------------------------------

t_list_prints_scenarios() {
    dt "$BIN" list; expect_rc 0
    for s in pass/simple hang/orphan leak/manual crash/segv crash/kill \
             invariant/lost nondet/global; do
        grep -q "^$s " out || fail "list does not show $s"
    done
    grep -q '^leak/manual  *leak ' out || fail "list does not show the expected verdict"
    dt "$BIN" list --json; expect_rc 0
    n=$(grep -c '^{"name":' out)
    expect_eq "$n" 7 "JSON lines of list"
    grep -q '"name":"hang/orphan","expected":"hang"' out || fail "list --json lacks hang/orphan"
}

t_empty_binary_explores_nothing() {
    dt "$EMPTY" list; expect_rc 0
    [ ! -s out ] || fail "list of a binary without scenarios printed something"
    dt "$EMPTY" explore --all; expect_rc 0
    dt "$EMPTY" explore --all --json; expect_rc 0
    [ ! -s out ] || fail "explore --all --json without scenarios printed lines"
    dt "$EMPTY" check-determinism --all; expect_rc 0
    dt "$EMPTY" --help; expect_rc 0
}

# The repo's own binary: the README's main job meets every expectation.
t_builtin_explore_all_meets_expectations() {
    dt "$BUILTIN" explore --all --seeds 4 --json; expect_rc 0
    [ "$(grep -c '"met":true' out)" -ge 4 ] \
        || fail "explore --all of the built-in scenarios: not every line met"
    ! grep -q '"met":false' out || fail "a built-in scenario was unmet"
}

# ---- run ---------------------------------------------------------------------

t_run_json_fields() {
    dt "$BIN" run leak/manual --seed 3 --abort-at 1 --json; expect_rc 1
    n=$(wc -l <out)
    expect_eq "$n" 1 "lines of run --json"
    expect_eq "$(field scenario)" '"leak/manual"' scenario
    expect_eq "$(field seed)" 3 seed
    expect_eq "$(field strategy)" '"random"' strategy
    expect_eq "$(field abort_at)" '[1]' abort_at
    expect_eq "$(field abort_prob)" 0 abort_prob
    expect_eq "$(field verdict)" '"leak"' verdict
    expect_eq "$(field expected)" '"leak"' expected
    grep -q '"failures":\[{"kind":"leak","summary":"[^"]*txn' out || fail "failures lack the leak of txn"
    field trace_hash | grep -q '^"[0-9a-f]\{16\}"$' || fail "trace_hash is not 16 hex digits: $(field trace_hash)"
    field await_points | grep -q '^[0-9][0-9]*$' || fail "await_points is not a number"
    field virtual_time_ns | grep -q '^[0-9][0-9]*$' || fail "virtual_time_ns is not a number"
    dt "$BIN" run pass/simple --seed 3 --json; expect_rc 0
    expect_eq "$(field verdict)" '"pass"' "verdict of pass/simple"
    expect_eq "$(field failures)" '[]' "failures of pass/simple"
    dt "$BIN" run leak/manual --seed 3 --abort-at 1
    expect_rc 1
    grep -q '^replay: .* run leak/manual --seed 3 --strategy random --abort-at 1$' out ||
        fail "text output lacks the replay command"
}

t_run_same_seed_same_hash() {
    for strategy in random pct fifo; do
        "$BIN" run invariant/lost --seed 42 --strategy $strategy --json >a.json
        "$BIN" run invariant/lost --seed 42 --strategy $strategy --json >b.json
        ha=$(field trace_hash a.json)
        hb=$(field trace_hash b.json)
        [ -n "$ha" ] || fail "no trace hash"
        expect_eq "$hb" "$ha" "trace hash of a second process ($strategy)"
    done
    "$BIN" run hang/orphan --seed 7 --abort-prob 0.5 --json >a.json
    "$BIN" run hang/orphan --seed 7 --abort-prob 0.5 --json >b.json
    expect_eq "$(field trace_hash b.json)" "$(field trace_hash a.json)" "hash with --abort-prob"
}

t_run_trace_outputs() {
    dt "$BIN" run leak/manual --seed 1 --abort-at 1 --trace --trace-json t.json --repro r.repro
    expect_rc 1
    grep -q 'worker' out || fail "--trace printed no timeline naming the worker"
    [ -s t.json ] || fail "--trace-json wrote nothing"
    head -c 1 t.json | grep -q '[[{]' || fail "--trace-json is not JSON"
    grep -q '^scenario leak/manual$' r.repro || fail "--repro lacks the scenario"
    dt "$BIN" replay r.repro --trace-json t2.json; expect_rc 0
    [ -s t2.json ] || fail "replay --trace-json wrote nothing"
}

# ---- explore -----------------------------------------------------------------

t_explore_hang_replays() {
    dt "$BIN" explore hang/orphan --seeds 3 --json; expect_rc 0
    line=$(scenario_line hang/orphan)
    echo "$line" >line
    expect_eq "$(field met line)" true met
    expect_eq "$(field got line)" '"hang"' got
    grep -o '{"kind":"hang"[^}]*}' line | head -n 1 >hang
    [ -s hang ] || fail "no distinct hang failure in the JSON"
    cmd=$(field command hang | sed 's/^"//; s/"$//')
    hash=$(field trace_hash hang)
    [ -n "$cmd" ] || fail "no replay command"
    # The printed command, run as printed, reproduces the same run.
    sh -c "$cmd --json" >replay.json
    expect_eq "$(field verdict replay.json)" '"hang"' "verdict of the replayed command"
    expect_eq "$(field trace_hash replay.json)" "$hash" "trace hash of the replayed command"
    dt "$BIN" explore hang/orphan --seeds 3; expect_rc 0
    grep -q 'replay: .* run hang/orphan --seed' out || fail "text summary has no replay command"
}

t_explore_jobs_agree() {
    "$BIN" explore --all --seeds 4 --json --jobs 1 >one.json
    r1=$?
    "$BIN" explore --all --seeds 4 --json --jobs 2 >two.json
    r2=$?
    expect_eq "$r2" "$r1" "exit of --jobs 2"
    for s in pass/simple hang/orphan leak/manual crash/segv crash/kill invariant/lost; do
        a=$(scenario_line $s one.json | grep -o '"runs":[0-9]*,\|"failures":{[^}]*}')
        b=$(scenario_line $s two.json | grep -o '"runs":[0-9]*,\|"failures":{[^}]*}')
        expect_eq "$b" "$a" "runs and failures by kind of $s with --jobs 2"
    done
    cmp -s one.json two.json || fail "--jobs 1 and --jobs 2 reports differ"
}

t_explore_crash_contained() {
    # crash/kill kills its worker process in some runs: every other run
    # must still be counted, and the crash reported.
    dt "$BIN" explore crash/kill pass/simple --seeds 3 --json --jobs 2; expect_rc 0
    scenario_line crash/kill >kill.json
    want=0
    for seed in 1 2 3; do
        "$BIN" run crash/kill --seed $seed --json >base.json
        n=$(field await_points base.json)
        want=$((want + 1 + n))
    done
    expect_eq "$(field runs kill.json)" "$want" "runs of crash/kill (baseline + one per await point)"
    field failures kill.json | grep -q '"crash":[1-9]' || fail "no crash counted"
    grep -q 'worker process was killed by signal' kill.json || fail "the crash does not say the worker died"
    expect_eq "$(field met kill.json)" true "crash/kill met"
    scenario_line pass/simple >pass.json
    expect_eq "$(field met pass.json)" true "pass/simple after crashes"
    field runs pass.json | grep -q '^[1-9]' || fail "pass/simple ran nothing"
    # A crash inside a task is caught by the runtime itself.
    dt "$BIN" explore crash/segv --seeds 2 --jobs 1; expect_rc 0
    grep -q 'crash: .*signal' out || fail "crash/segv reports no crash"
}

t_explore_unmet_exits_one() {
    # One run (the baseline) of leak/manual finds no leak: unmet.
    dt "$BIN" explore leak/manual --max-runs 1; expect_rc 1
    grep -q '^UNMET  *leak/manual: expected leak, got pass' out || fail "no UNMET line"
    dt "$BIN" explore leak/manual pass/simple --seeds 2; expect_rc 0
}

t_explore_shards_add_up() {
    "$BIN" explore --all --seeds 5 --json >all.json
    "$BIN" explore --all --seeds 5 --json --shard 1/2 >s1.json
    "$BIN" explore --all --seeds 5 --json --shard 2/2 >s2.json
    for s in pass/simple hang/orphan leak/manual crash/segv crash/kill invariant/lost; do
        scenario_line $s all.json >a
        scenario_line $s s1.json >b
        scenario_line $s s2.json >c
        ra=$(field runs a); rb=$(field runs b); rc2=$(field runs c)
        expect_eq "$((rb + rc2))" "$ra" "runs of $s over two shards"
        for k in hang leak crash invariant detached_task; do
            ka=$(field failures a | grep -o "\"$k\":[0-9]*" | sed 's/.*://')
            kb=$(field failures b | grep -o "\"$k\":[0-9]*" | sed 's/.*://')
            kc=$(field failures c | grep -o "\"$k\":[0-9]*" | sed 's/.*://')
            expect_eq "$((${kb:-0} + ${kc:-0}))" "${ka:-0}" "$k runs of $s over two shards"
        done
    done
}

# A scenario expected to fail is met when some run finds the kind, which
# a shard can only judge if it holds every run: such a scenario runs whole
# in one shard (dealt in turn), one expected to pass is spread over all.
t_explore_shards_keep_failing_scenarios_whole() {
    "$BIN" explore --all --seeds 6 --json >all.json
    for i in 1 2 3; do
        dt "$BIN" explore --all --seeds 6 --json --shard $i/3; expect_rc 0
        cp out s$i.json
    done
    for s in hang/orphan leak/manual crash/segv crash/kill invariant/lost \
             pass/simple; do
        scenario_line $s all.json >a
        holders=0
        for i in 1 2 3; do
            scenario_line $s s$i.json >b
            [ "$(field runs b)" -gt 0 ] || continue
            holders=$((holders + 1))
            if [ $s != pass/simple ]; then
                expect_eq "$(field runs b)" "$(field runs a)" "runs of $s in its shard"
                expect_eq "$(field met b)" true "$s met in its shard"
            fi
        done
        if [ $s = pass/simple ]; then
            expect_eq $holders 3 "shards running pass/simple"
        else
            expect_eq $holders 1 "shards running $s"
        fi
    done
    # Dealt in turn, the five failing scenarios land 2, 2 and 1; the two
    # expected to pass have seeds in every shard.
    for i in 1 2 3; do
        grep -c '"skipped":false' s$i.json >>held
    done
    expect_eq "$(sort held | tr '\n' ' ')" "3 4 4 " "scenarios run per shard"
}

t_explore_junit_well_formed() {
    dt "$BIN" explore --all --seeds 2 --max-runs 1 --junit report.xml; expect_rc 1
    [ -s report.xml ] || fail "no JUnit file"
    n=$(grep -c '<testcase ' report.xml)
    expect_eq "$n" 7 "testcases"
    grep -q '<testsuite name="droptest"' report.xml || fail "no testsuite droptest"
    grep -q '<failure type="unmet" message="expected leak, got pass"' report.xml ||
        fail "unmet leak/manual has no failure element"
    grep -q '</testsuites>' report.xml || fail "JUnit file not closed"
    if command -v xmllint >/dev/null 2>&1; then
        xmllint --noout report.xml 2>xml.err || fail "xmllint: $(cat xml.err)"
    fi
    ls | grep -q 'tmp' && fail "a temporary file was left: $(ls)"
    return 0
}

t_explore_repro_dir_replays() {
    dt "$BIN" explore hang/orphan leak/manual invariant/lost --seeds 2 --repro-dir repros
    expect_rc 0
    [ -d repros ] || fail "--repro-dir was not created"
    n=$(ls repros | grep -c '\.repro$')
    [ "$n" -ge 3 ] || fail "expected a repro per distinct failure, got $n"
    ls repros | grep -q '^leak_manual-leak-[0-9]*-[0-9]*\.repro$' || fail "no leak repro named as expected: $(ls repros)"
    grep -q 'replay .*repros/' out || fail "summary does not show the replay command of a repro"
    for f in repros/*.repro; do
        dt "$BIN" replay "$f"; expect_rc 0
        grep -q 'as recorded' out || fail "replay of $f did not match its hash"
    done
}

# ---- replay --------------------------------------------------------------------

t_replay_refuses_bad_files() {
    "$BIN" run leak/manual --seed 1 --abort-at 1 --repro good.repro >/dev/null
    [ -s good.repro ] || fail "no repro written"
    sed 's/^droptest-repro 1$/droptest-repro 999/' good.repro >version.repro
    bad replay version.repro
    grep -q 'version.repro' err || fail "message does not name the file"
    printf 'this is not a repro\n\001\002garbage\n' >garbage.repro
    bad replay garbage.repro
    : >empty.repro
    bad replay empty.repro
    sed 's/^scenario .*/scenario no\/such-scenario/' good.repro >unknown.repro
    bad replay unknown.repro
    sed 's/^seed .*/seed twelve/' good.repro >seed.repro
    bad replay seed.repro
    bad replay missing.repro
    bad minimize garbage.repro
    bad replay good.repro --seed 3
}

t_replay_detects_changed_hash() {
    "$BIN" run leak/manual --seed 1 --abort-at 1 --repro good.repro >/dev/null
    dt "$BIN" replay good.repro; expect_rc 0
    sed 's/^trace_hash .*/trace_hash 0123456789abcdef/' good.repro >changed.repro
    dt "$BIN" replay changed.repro; expect_rc 1
    grep -q 'nondeterminism: .*0123456789abcdef' out || fail "no nondeterminism failure naming both hashes"
}

# ---- minimize -------------------------------------------------------------------

t_minimize_keeps_kind() {
    # Extra aborts at points the run never reaches, and one more that does
    # not matter: minimize must drop them and keep the leak.
    "$BIN" run leak/manual --seed 5 --abort-at 1,7,9 --repro big.repro >/dev/null
    grep -q '^verdict leak$' big.repro || fail "the input does not fail with leak"
    dt "$BIN" minimize big.repro -o small.repro; expect_rc 0
    [ -s small.repro ] || fail "no output file"
    grep -q '^verdict leak$' small.repro || fail "minimized repro lost the leak: $(cat small.repro)"
    before=$(grep '^abort_at' big.repro | sed 's/^abort_at *//' | tr ',' '\n' | grep -c .)
    after=$(grep '^abort_at' small.repro | sed 's/^abort_at *//' | tr ',' '\n' | grep -c .)
    [ "$after" -le "$before" ] || fail "more aborts after ($after) than before ($before)"
    [ "$after" -ge 1 ] || fail "a leak needs an abort, minimized to none"
    dt "$BIN" replay small.repro; expect_rc 0
    grep -q '^verdict: *leak' out || fail "the minimized repro does not replay as leak"
    # To stdout without -o.
    dt "$BIN" minimize big.repro; expect_rc 0
    grep -q '^droptest-repro 1$' out || fail "minimize without -o wrote no repro to stdout"
    # A passing repro has nothing to shrink: exit 1, one clear line.
    "$BIN" run pass/simple --seed 1 --repro pass.repro >/dev/null
    dt "$BIN" minimize pass.repro -o never.repro; expect_rc 1
    grep -q 'pass' err || fail "no line saying the repro passes"
    [ ! -e never.repro ] || fail "minimize of a pass wrote a file"
}

# ---- check-determinism ------------------------------------------------------------

t_check_determinism() {
    dt "$BIN" check-determinism nondet/global --seeds 2; expect_rc 1
    grep -q 'nondeterminism: nondet/global seed 1 k [0-9]*: trace hash [0-9a-f]\{16\} in one process, [0-9a-f]\{16\} in the other' out ||
        fail "no nondeterminism line naming scenario, seed, k and both hashes"
    dt "$BIN" check-determinism pass/simple hang/orphan --seeds 2; expect_rc 0
    grep -q '^OK  *pass/simple' out || fail "pass/simple not reported deterministic"
}

# ---- fuzz -----------------------------------------------------------------------

t_fuzz_reproducible() {
    "$BIN" fuzz leak/manual invariant/lost pass/simple --max-runs 60 --seed 9 --json --jobs 1 >a.json
    ra=$?
    "$BIN" fuzz leak/manual invariant/lost pass/simple --max-runs 60 --seed 9 --json --jobs 2 >b.json
    rb=$?
    expect_eq "$ra" 0 "exit of fuzz"
    expect_eq "$rb" "$ra" "exit of fuzz --jobs 2"
    cmp -s a.json b.json || fail "fuzz --max-runs is not reproducible: $(diff a.json b.json | head -5)"
    expect_eq "$(field runs a.json)" 60 "runs of a fuzz capped at 60"
    dt "$BIN" fuzz hang/orphan --time-limit 0.2 --jobs 1; expect_rc 0
}

# run and replay stop a spinning task too, in their own process: the run
# ends, blocking, instead of hanging the command.
t_run_and_replay_stop_a_spinning_run() {
    dt "$SPIN" explore spin/on_abort --seeds 1 --jobs 1 --run-timeout 1 \
        --repro-dir .; expect_rc 0
    repro=$(ls spin_on_abort-blocking-*.repro)
    [ -f "$repro" ] || fail "explore wrote no repro of the spinning run"
    grep -q '^trace_hash 0000000000000000$' "$repro" \
        || fail "a stopped run's repro records a trace hash: $(cat "$repro")"
    dt "$SPIN" replay "$repro" --run-timeout 1; expect_rc 0
    grep -q '^verdict: *blocking' out || fail "the replay is not blocking"
    grep -q '^trace hash: *none (the watchdog stopped the run' out \
        || fail "the replay does not say the run was stopped"
    k=$(sed -n 's/^abort_at //p' "$repro")
    dt "$SPIN" run spin/on_abort --seed 1 --abort-at "$k" --run-timeout 1 \
        --json; expect_rc 1
    expect_eq "$(field verdict)" '"blocking"' "verdict of the spinning run"
    expect_eq "$(field end)" '"interrupted"' "end of the spinning run"
    field failures | grep -q 'task `root`.*ran for 1 s of real time' \
        || fail "run does not name the task the watchdog stopped"
    # The same run without an abort ends on its own, watchdog or not.
    dt "$SPIN" run spin/on_abort --seed 1 --run-timeout 1; expect_rc 0
    dt "$SPIN" run spin/on_abort --run-timeout 0; expect_rc 2
    grep -q -- '--run-timeout' err || fail "a bad --run-timeout is not named"
}

t_explore_run_timeout_stops_a_spinning_run() {
    # The runs where the child is aborted spin forever: each is stopped
    # after 1 s, reported as blocking, and the campaign goes on.
    dt "$SPIN" explore spin/on_abort --seeds 1 --jobs 1 --run-timeout 1 --json
    expect_rc 0
    grep -q '"met":true' out || fail "spin/on_abort did not meet blocking"
    grep -q 'task `root` (spawned at [^)]*spinbin_scenarios.c:[0-9]*) ran for 1 s of real time without reaching an await point' out \
        || fail "the report does not name the task the watchdog stopped"
    grep -q '"failing_runs":[1-9]' out || fail "no failing run counted"
    runs=$(field runs out)
    "$SPIN" run spin/on_abort --seed 1 --json >base.json
    expect_eq "$runs" "$(( $(field await_points base.json) + 1 ))" \
        "runs of spin/on_abort (every run accounted for after a stop)"
    dt "$SPIN" explore spin/on_abort --run-timeout 0; expect_rc 2
    grep -q -- '--run-timeout' err || fail "a bad --run-timeout is not named"
}

case $test_name in
    help_exits_zero|bad_numbers_one_line|bad_usage_one_line|\
    bad_input_writes_nothing|list_prints_scenarios|\
    empty_binary_explores_nothing|run_json_fields|run_same_seed_same_hash|\
    run_trace_outputs|explore_hang_replays|explore_jobs_agree|\
    explore_crash_contained|explore_unmet_exits_one|explore_shards_add_up|\
    explore_shards_keep_failing_scenarios_whole|\
    explore_junit_well_formed|explore_repro_dir_replays|\
    replay_refuses_bad_files|replay_detects_changed_hash|\
    minimize_keeps_kind|check_determinism|fuzz_reproducible|\
    builtin_explore_all_meets_expectations|\
    explore_run_timeout_stops_a_spinning_run|\
    run_and_replay_stop_a_spinning_run)
        "t_$test_name"
        echo "ok $test_name"
        ;;
    *)
        echo "cli_test.sh: unknown test \`$test_name\`" >&2
        exit 99
        ;;
esac
