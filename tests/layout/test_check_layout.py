#!/usr/bin/env python3
"""The layout checker itself, on small trees written for it: on a tree that
breaks every rule it prints exactly the expected `path:line: what` lines and
exits 1; on the same tree without the broken files it prints nothing and
exits 0. A checker that cannot fail would pass any tree.

Usage: test_check_layout.py (exits 0 when the checker behaves, 1 if not).
"""

import os
import subprocess
import sys
import tempfile

CHECKER = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       'check_layout.py')


def lines(count, text='int x;'):
    return ''.join(f'{text}\n' for _ in range(count))


def function(name, length, params='(int a)'):
    """A C function of exactly `length` lines: a signature of two lines or
    more, and a body holding what could fool a brace counter."""
    head = f'static int\n{name}{params}'.split('\n')
    body = ['    const char *s = "}{";', "    char c = '{';",
            '    /* } */', '    // {']
    body += ['    (void)s;'] * (length - len(head) - 3 - len(body))
    return '\n'.join(head + ['{'] + body + ['    return a + c;', '}']) + '\n'


# Parameters with a comment and a blank line among them: still signature.
SPLIT_PARAMS = '(int a,\n    /* the second */\n\n    int b)'


# Files that break no rule: each edge of a rule on its allowed side.
GOOD = {
    'runtime/src/core/ok.h': lines(299),
    'runtime/src/core/ok.c': '#include "ok.h"\n#include "droptest/pub.h"\n',
    'runtime/src/sync/s.h': '#include "core/ok.h"\n#include <stdio.h>\n',
    'runtime/src/sync/fine.c': '#include "s.h"\n#include "core/ok.h"\n',
    'runtime/include/droptest/pub.h': '',
    'sim/include/droptest/dt_sim.h': '',
    'sim/src/base/b.h': '',
    'sim/src/core/c.h': '#include "base/b.h"\n#include "droptest/dt_sim.h"\n',
    'sim/src/trace/t.c': '#  include "core/c.h"\n',
    'sim/src/repro/r.h': '#include "trace/../core/c.h"\n',
    'sim/src/cli/x.c': '#include "repro/r.h"\n#include "base/b.h"\n',
    'runtime/src/meson.build': '# not a source: it may stand there\n',
    'runtime/src/core/fit.c': (
        '#define OPEN {\n'
        'struct big {\n' + lines(80, '    int field;') + '};\n'
        'static const int table[] = {\n' + lines(80, '    1,') + '};\n'
        + function('fits', 70)
        # A macro call above, a blank line between: not the function's.
        + 'DT_MARK(x)\n\n' + function('fits_below_a_mark', 70, SPLIT_PARAMS)
        + '__attribute__((format(printf, 1, 2))) static void\n'
          'p(const char *f, ...)\n{\n}\n'),
}

# Files that each break one rule, and what the checker must say of them.
BAD = {
    'runtime/src/loose.c': '',
    'sim/src/loose.h': '',
    'runtime/src/core/big.h': lines(300),
    'runtime/src/core/up.c': '\n#include "sync/s.h"\n',
    'runtime/src/core/sim_pub.c': ('#include "droptest/dt_sim.h"\n'
                                   '#include <droptest/dt_version.h>\n'),
    'runtime/src/core/stray.c': '#include "../../../tests/t.h"\n',
    'tests/t.h': '',
    'sim/src/base/down.c': '#include "core/c.h"\n',
    'sim/src/cli/reach.c': '#include "../../../runtime/src/core/ok.h"\n',
    'sim/src/io/y.c': '#include "core/c.h"\n#include "y.h"\n',
    'sim/src/io/y.h': '',
    'sim/src/core/long.c': ('\n' + function('too_long', 71)
                            + function('too_long_in_all', 71, SPLIT_PARAMS)),
}

EXPECTED = {
    'no_loose_source_files': [
        'runtime/src/loose.c:1: a source file directly in runtime/src: it '
        'belongs in one of its job folders (core/, sync/)',
        'sim/src/loose.h:1: a source file directly in sim/src: it belongs in '
        'one of its job folders (base/, core/, trace/, repro/, cli/)',
    ],
    'internal_headers_under_300_lines': [
        'runtime/src/core/big.h:1: 300 lines; an internal header has fewer '
        'than 300',
    ],
    'includes_go_one_way': [
        'runtime/src/core/sim_pub.c:1: the runtime includes the simulator\'s '
        'header "droptest/dt_sim.h"',
        'runtime/src/core/sim_pub.c:2: the runtime includes the simulator\'s '
        'header "droptest/dt_version.h"',
        'runtime/src/core/stray.c:1: includes "../../../tests/t.h", which is '
        'neither in runtime/src nor a public header',
        'runtime/src/core/up.c:2: core/ includes "sync/s.h" from sync/, a '
        'floor above it; core/ may include only core/',
        'sim/src/base/down.c:1: base/ includes "core/c.h" from core/, a floor '
        'above it; base/ may include only base/',
        'sim/src/cli/reach.c:1: the simulator includes the runtime\'s '
        'internal "../../../runtime/src/core/ok.h"; it sees the runtime only '
        'through runtime/include',
        'sim/src/io/y.c:1: io/ includes "core/c.h" from core/, but io/ has no '
        'floor in sim/src: add it to FLOORS in tests/layout/check_layout.py',
    ],
    'functions_at_most_70_lines': [
        'sim/src/core/long.c:2: too_long is 71 lines, over the 70 a function '
        'may have',
        'sim/src/core/long.c:73: too_long_in_all is 71 lines, over the 70 a '
        'function may have',
    ],
}


def write_tree(root, files):
    for path, text in files.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, 'w', encoding='utf-8') as f:
            f.write(text)


def check(root, rule):
    done = subprocess.run([sys.executable, CHECKER, '--root', root, rule],
                          capture_output=True, text=True, check=False)
    return done.returncode, done.stdout.splitlines()


def main():
    failures = []
    with tempfile.TemporaryDirectory() as clean, \
            tempfile.TemporaryDirectory() as broken:
        write_tree(clean, GOOD)
        write_tree(broken, {**GOOD, **BAD})
        for rule, expected in EXPECTED.items():
            code, out = check(clean, rule)
            if code != 0 or out:
                failures.append(f'{rule} on the clean tree: exit {code}, '
                                f'printed {out}; expected exit 0, nothing')
            code, out = check(broken, rule)
            if code != 1 or out != expected:
                failures.append(f'{rule} on the broken tree: exit {code}, '
                                f'printed {out}; expected exit 1, {expected}')
        code, _ = check(clean, 'no_such_rule')
        if code != 2:
            failures.append(f'an unknown rule: exit {code}; expected 2')
    for failure in failures:
        print(failure)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
