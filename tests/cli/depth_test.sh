#!/bin/sh
# End-to-end tests of explore's --depth (suite 'cli'), over the scenarios
# of depthbin_scenarios.c, which need two or three aborts.
#
# usage: depth_test.sh TEST DEPTHBIN DROPTEST
#   DEPTHBIN  droptest-depthbin (the CLI over depthbin_scenarios.c)
#   DROPTEST  the repo's droptest binary (the built-in scenarios)
#
# Each test runs in a fresh temporary directory and prints both sides of
# a failed comparison. The helpers are cli_lib.sh's.
set -u

test_name=$1
. "$(dirname "$0")/cli_lib.sh"
BIN=$(cli_abs "$2")
BUILTIN=$(cli_abs "$3")
cli_enter_tmp droptest-depth

# sub_field OBJECT NAME [FILE]: NAME inside "OBJECT":{...} ("pairs" or
# "triples").
sub_field() {
    grep -o "\"$1\":{[^}]*}" "${3:-out}" | head -n 1 |
        grep -o "\"$2\":[0-9]*" | sed "s/^\"$2\"://"
}

# The aborts of the replay command printed for the first failure.
replay_aborts() {
    grep -o 'replay: .*' out | head -n 1 | grep -o -- '--abort-at [0-9,]*' |
        sed 's/--abort-at //'
}

# ---- the tests -------------------------------------------------------------

t_depth_one_misses_what_depth_two_finds() {
    dt "$BIN" explore depth/two --seeds 3 --depth 1; expect_rc 1
    grep -q 'pairs:' out && fail "--depth 1 prints a pairs line"
    grep -q '^UNMET  depth/two: expected invariant, got pass' out ||
        fail "depth 1 found the two-abort bug"
    dt "$BIN" explore depth/two --seeds 3; expect_rc 0
    grep -q '^OK     depth/two: expected invariant, got invariant' out ||
        fail "the default depth missed the two-abort bug"
    grep -q '^       pairs: [0-9]* runs (all), [0-9]* pruned' out ||
        fail "no pairs line"
    aborts=$(replay_aborts)
    case $aborts in
        *,*) ;;
        *) fail "the replay command has not two aborts: $aborts" ;;
    esac
    seed=$(grep -o 'replay: .*' out | head -n 1 | grep -o -- '--seed [0-9]*')
    dt "$BIN" run depth/two $seed --abort-at "$aborts" --json; expect_rc 1
    expect_eq "$(field verdict)" '"invariant"' "the replayed pair's verdict"
    expect_eq "$(field aborts_injected)" 2 "aborts the pair injected"
}

t_depth_three_needs_depth_three() {
    dt "$BIN" explore depth/three --seeds 2; expect_rc 1
    dt "$BIN" explore depth/three --seeds 2 --depth 3 --repro-dir repros
    expect_rc 0
    grep -q '^       triples: [0-9]* runs' out || fail "no triples line"
    case $(replay_aborts) in
        *,*,*) ;;
        *) fail "the replay command has not three aborts" ;;
    esac
    for f in repros/*.repro; do
        grep -q '^abort_at [0-9]*,[0-9]*,[0-9]*$' "$f" ||
            fail "$f holds not three aborts"
        dt "$BIN" replay "$f"; expect_rc 0
        grep -q 'as recorded' out || fail "replay of $f did not match"
    done
}

# What a seed's runs are: at depth 2, its baseline, one run per await
# point, and one per pair run; pairs run and pruned make up every later
# point of every depth-1 run.
t_depth_runs_add_up() {
    for s in depth/pruned depth/two depth/supervised; do
        dt "$BIN" explore $s --seeds 2 --json
        scenario_line $s >s.json
        runs=$(field runs s.json)
        base=$(( $(field seeds s.json) + $(field await_points s.json) ))
        pairs=$(sub_field pairs runs s.json)
        pruned=$(sub_field pairs pruned s.json)
        expect_eq "$runs" "$((base + pairs))" "$s: runs"
        later=0
        for seed in 1 2; do
            "$BIN" run $s --seed $seed --json >b.json
            n=$(field await_points b.json)
            k=0
            while [ $k -lt "$n" ]; do
                "$BIN" run $s --seed $seed --abort-at $k --json >k.json
                later=$((later + $(field await_points k.json) - k - 1))
                k=$((k + 1))
            done
        done
        expect_eq "$((pairs + pruned))" "$later" \
            "$s: pairs run and pruned, against every later point"
    done
    dt "$BIN" explore depth/pruned --seeds 2 --json
    [ "$(sub_field pairs pruned)" -gt 0 ] ||
        fail "nothing pruned in depth/pruned"
    expect_eq "$(sub_field pairs runs)" 0 "pairs of depth/pruned run"
    dt "$BIN" explore depth/two --seeds 2 --depth 3 --json
    expect_eq "$(field runs)" "$(( $(field seeds) + $(field await_points) + \
        $(sub_field pairs runs) + $(sub_field triples runs) ))" \
        "runs at depth 3"
}

t_depth_sample_is_seeded_and_bounded() {
    dt "$BIN" explore depth/two --seeds 3 --max-pairs 5 --json; expect_rc 0
    cp out a.json
    expect_eq "$(sub_field pairs runs a.json)" 15 "pairs run (5 per seed)"
    expect_eq "$(sub_field pairs sampled_seeds a.json)" 3 "seeds sampled"
    [ "$(sub_field pairs candidates_max a.json)" -gt 5 ] ||
        fail "no seed had more than 5 pairs"
    dt "$BIN" explore depth/two --seeds 3 --max-pairs 5 --json
    cmp -s out a.json || fail "the same sample twice differs"
    dt "$BIN" explore depth/two --seeds 3 --max-pairs 5
    grep -q 'pairs: 5 of [0-9]* sampled per seed (the largest; 3 of 3 seeds sampled), 15 runs' out ||
        fail "the report does not say the pairs were sampled"
    dt "$BIN" explore depth/two --seeds 3 --max-pairs 5 --max-runs 20 --json
    expect_eq "$(field runs)" 20 "runs under --max-runs"
    # Depth 3 samples too, within its own budget.
    dt "$BIN" explore depth/three --seeds 2 --depth 3 --max-pairs 4 --json
    expect_eq "$(sub_field triples runs)" 8 "triples run (4 per seed)"
}

t_depth_jobs_and_shards_agree() {
    for j in 1 3; do
        "$BIN" explore depth/two depth/three depth/supervised --seeds 4 \
            --depth 3 --max-pairs 6 --jobs $j --json >jobs$j.json
    done
    cmp -s jobs1.json jobs3.json || fail "--jobs 1 and --jobs 3 differ"
    dt "$BIN" explore depth/supervised --seeds 4 --max-pairs 6 --json
    whole=$(field runs)
    wpairs=$(sub_field pairs runs)
    sum=0
    psum=0
    for i in 1 2 3; do
        dt "$BIN" explore depth/supervised --seeds 4 --max-pairs 6 \
            --shard $i/3 --json
        sum=$((sum + $(field runs)))
        psum=$((psum + $(sub_field pairs runs)))
    done
    expect_eq "$sum" "$whole" "runs of the shards together"
    expect_eq "$psum" "$wpairs" "pair runs of the shards together"
}

t_depth_worker_death_resumes_the_plan() {
    dt "$BIN" explore depth/two depth/two_kill --seeds 3 --json --jobs 2
    expect_rc 0
    scenario_line depth/two >two.json
    scenario_line depth/two_kill >kill.json
    expect_eq "$(field runs kill.json)" "$(field runs two.json)" \
        "runs of a unit whose workers died in depth-2 runs"
    expect_eq "$(sub_field pairs runs kill.json)" \
        "$(sub_field pairs runs two.json)" "pair runs"
    expect_eq "$(sub_field failures crash kill.json)" \
        "$(sub_field failures invariant two.json)" \
        "runs that killed their worker, against runs that broke"
    "$BIN" explore depth/two_kill --seeds 3 --json --jobs 1 >one.json
    scenario_line depth/two_kill one.json >kill1.json
    cmp -s kill1.json kill.json || fail "--jobs 1 and 2 differ after deaths"
}

t_depth_minimize_fewest_aborts() {
    # The noise task's abort (1) renumbers the worker's points, so the
    # bug's two aborts are 3 and 5 here but other points without it: a
    # minimize that only cuts keeps all three.
    dt "$BIN" run depth/two --strategy fifo --seed 0 --abort-at 1,3,5 \
        --repro three.repro
    expect_rc 1
    dt "$BIN" minimize three.repro -o min.repro; expect_rc 0
    grep -q 'aborts 3 -> 2' out || fail "minimize left more than two aborts"
    dt "$BIN" replay min.repro; expect_rc 0
    grep -q 'as recorded' out || fail "the shrunk repro does not replay"
    grep -q '^verdict invariant$' min.repro || fail "the kind changed"
    # A depth-3 failure keeps its three aborts; a depth-2 one its two.
    "$BIN" explore depth/three depth/two --seeds 1 --depth 3 \
        --repro-dir repros >/dev/null
    for f in repros/*.repro; do
        want=3
        case $f in *depth_two*) want=2 ;; esac
        dt "$BIN" minimize "$f" -o m.repro; expect_rc 0
        grep -q "aborts [0-9]* -> $want" out ||
            fail "$f: not shrunk to $want aborts"
    done
}

t_depth_help_and_bad_values() {
    dt "$BIN" explore --help; expect_rc 0
    grep -q -- '--depth D' out || fail "explore --help has no --depth"
    grep -q -- '--max-pairs M' out || fail "explore --help has no --max-pairs"
    grep -q 'perturbed' out || fail "explore --help says nothing of numbering"
    dt "$BIN" run --help; expect_rc 0
    grep -q 'perturbed' out || fail "run --help says nothing of numbering"
    for bad in "--depth 0" "--depth 4" "--depth x" "--max-pairs 0" \
        "--max-pairs -1"; do
        dt "$BIN" explore depth/two $bad
        expect_rc 2
        [ "$(wc -l <err)" -eq 1 ] || fail "$bad: not one line"
        opt=${bad%% *}
        grep -q -- "$opt" err || fail "$bad: the option is not named"
        [ ! -s out ] || fail "$bad: wrote to stdout"
    done
}

t_depth_builtin_restart_window() {
    dt "$BUILTIN" explore restart_window/buggy --depth 1; expect_rc 1
    dt "$BUILTIN" explore restart_window/buggy restart_window/fixed
    expect_rc 0
    grep -q '^OK     restart_window/buggy: expected invariant, got invariant' out ||
        fail "the default explore misses restart_window/buggy"
    dt "$BUILTIN" explore restart_window/fixed --depth 3; expect_rc 0
}

case $test_name in
    depth_one_misses_what_depth_two_finds|depth_three_needs_depth_three|\
    depth_runs_add_up|depth_sample_is_seeded_and_bounded|\
    depth_jobs_and_shards_agree|depth_worker_death_resumes_the_plan|\
    depth_minimize_fewest_aborts|depth_help_and_bad_values|\
    depth_builtin_restart_window)
        "t_$test_name"
        echo "ok $test_name"
        ;;
    *)
        echo "depth_test.sh: unknown test \`$test_name\`" >&2
        exit 99
        ;;
esac
