#!/bin/sh
# The 'install' suite: install droptest into a scratch prefix the way a
# user would, then build the user guide's worked example out of tree
# against it — once with plain cc and pkg-config, once as a meson project
# with dependency('droptest') — and explore its scenarios.
#
# usage: install_test.sh SOURCE_ROOT SCRATCH_DIR
set -eu
src=$1
scratch=$2
rm -rf "$scratch"
mkdir -p "$scratch"

fail() {
    echo "install_test: $*" >&2
    exit 1
}

meson setup "$scratch/build" "$src" --prefix="$scratch/prefix" \
    --libdir=lib -Dtests=false >"$scratch/setup.log" 2>&1 \
    || { cat "$scratch/setup.log" >&2; fail "meson setup failed"; }
meson install -C "$scratch/build" >"$scratch/install.log" 2>&1 \
    || { cat "$scratch/install.log" >&2; fail "meson install failed"; }
for f in lib/libdroptest.a lib/pkgconfig/droptest.pc \
         include/droptest/runtime.h include/droptest/dt_scenario.h \
         include/droptest/dt_sim.h; do
    [ -f "$scratch/prefix/$f" ] || fail "not installed: $f"
done

# The example, copied away from the source tree so that nothing but the
# installed headers and library can be found.
cp -R "$src/examples/job_queue" "$scratch/job_queue"
PKG_CONFIG_PATH=$scratch/prefix/lib/pkgconfig
export PKG_CONFIG_PATH

cd "$scratch/job_queue"
# shellcheck disable=SC2046 # pkg-config's words are meant to split
cc -std=c11 -Wall -Wextra -Wpedantic -Werror -o job_queue_test \
    job_queue.c job_queue_scenarios.c $(pkg-config --cflags --libs droptest) \
    || fail "the example does not build with cc and pkg-config"
./job_queue_test list | grep -q '^job_queue/drain' \
    || fail "the example's scenario is not listed"
./job_queue_test explore --all --seeds 4 >explore.log 2>&1 \
    || { cat explore.log >&2; fail "the example's explore did not pass"; }
grep -q '^explore: 1 scenarios, 1 met, 0 unmet' explore.log \
    || { cat explore.log >&2; fail "unexpected explore summary"; }

meson setup build >"$scratch/example-setup.log" 2>&1 \
    || { cat "$scratch/example-setup.log" >&2; fail "the example's meson setup failed"; }
meson test -C build >"$scratch/example-test.log" 2>&1 \
    || { cat "$scratch/example-test.log" "$scratch/job_queue/build/meson-logs/testlog.txt" >&2; fail "the example's meson test failed"; }
echo "install_test: installed, built out of tree twice, explored: ok"
