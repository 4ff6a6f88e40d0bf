#!/usr/bin/env python3
"""The layout of the library's sources, checked: the rules issue 17 set for
runtime/src and sim/src, each a meson test of the 'layout' suite.

Usage: check_layout.py [--root DIR] RULE...

RULE is one of the names in RULES below, or `all`. DIR is the source tree
(default: two folders above this script). Every violation is printed as one
line, `path:line: what is wrong`, with the path relative to DIR; the exit
status is 1 if there was any, 0 if none, 2 for a bad command line.
"""

import os
import re
import sys

# The library's two trees of internal sources. Each is compiled with only
# its own src/ on the include path, so `#include "core/x.h"` names a job
# folder of the including file's own tree.
TREES = ('runtime', 'sim')

# The job folders of each tree, lowest floor first: a folder may include
# headers of its own floor and of the floors below it, never above. A
# folder not listed here has no place yet and is reported when it includes
# across folders or is included from another.
FLOORS = {
    'runtime': ('core', 'sync'),
    'sim': ('base', 'core', 'trace', 'repro', 'cli'),
}

# The simulator's public headers, by name: the runtime includes none of
# them. A header that exists under sim/include counts as well; the names
# cover a header not written yet.
SIM_PUBLIC_HEADERS = frozenset((
    'dt_sim.h', 'dt_scenario.h', 'dt_repro.h', 'dt_trace.h',
    'dt_trace_hash.h', 'dt_fifo_driver.h', 'dt_version.h',
))

SOURCE_SUFFIXES = ('.c', '.h', '.S')
HEADER_LINES_LIMIT = 300    # an internal header has fewer lines than this
FUNCTION_LINES_MAX = 70     # signature's first line to the closing brace

INCLUDE_RE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*([<"])([^>"]+)[>"]',
                        re.MULTILINE)
CALLED_NAME_RE = re.compile(r'\b([A-Za-z_]\w*)\s*\(')


def source_files(root, tree):
    """The source files under tree/src, as paths relative to root, sorted."""
    found = []
    for folder, dirs, files in os.walk(os.path.join(root, tree, 'src')):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(SOURCE_SUFFIXES):
                found.append(os.path.relpath(os.path.join(folder, name), root))
    return found


def job_folder(path):
    """The job folder of a path under TREE/src/ ('' for a file directly in
    src/), or None for a path elsewhere."""
    parts = path.split(os.sep)
    if len(parts) < 3 or parts[0] not in TREES or parts[1] != 'src':
        return None
    return parts[2] if len(parts) > 3 else ''


def read(root, path):
    with open(os.path.join(root, path), encoding='utf-8') as f:
        return f.read()


def line_of(text, index):
    return text.count('\n', 0, index) + 1


# ---- rules -----------------------------------------------------------------

def check_no_loose_source_files(root):
    """No .c, .h or .S file directly in runtime/src or sim/src: every source
    lives in a job folder."""
    problems = []
    for tree in TREES:
        folders = ', '.join(f + '/' for f in FLOORS[tree])
        for path in source_files(root, tree):
            if job_folder(path) == '':
                problems.append((path, 1, 'a source file directly in '
                                 f'{tree}/src: it belongs in one of its job '
                                 f'folders ({folders})'))
    return problems


def check_internal_headers_under_300_lines(root):
    """Every internal header (.h under runtime/src or sim/src) has fewer
    than HEADER_LINES_LIMIT lines."""
    problems = []
    for tree in TREES:
        for path in source_files(root, tree):
            if not path.endswith('.h'):
                continue
            count = len(read(root, path).splitlines())
            if count >= HEADER_LINES_LIMIT:
                problems.append((path, 1, f'{count} lines; an internal header '
                                 f'has fewer than {HEADER_LINES_LIMIT}'))
    return problems


def resolve_include(root, tree, path, quoted, name):
    """The file an include names, relative to root, found the way the
    compiler looks for it (the including file's folder for a quoted name,
    then the tree's src/, then the public include folders); None if it is
    none of the project's."""
    places = [os.path.dirname(path)] if quoted else []
    places += [os.path.join(tree, 'src'),
               os.path.join('runtime', 'include'),
               os.path.join('sim', 'include')]
    for place in places:
        candidate = os.path.normpath(os.path.join(place, name))
        if os.path.isfile(os.path.join(root, candidate)):
            return candidate
    return None


def include_problem(tree, folder, name, target):
    """What is wrong with an include of `name` (found at `target`, or None)
    from a file of job folder `folder` of `tree`; None if nothing is."""
    floors = FLOORS[tree]
    if target is None:
        if tree == 'runtime' and os.path.basename(name) in SIM_PUBLIC_HEADERS:
            return f'the runtime includes the simulator\'s header "{name}"'
        return None
    if target.startswith(os.path.join('sim', 'include') + os.sep):
        if tree == 'runtime':
            return f'the runtime includes the simulator\'s header "{name}"'
        return None
    if target.startswith(os.path.join('runtime', 'include') + os.sep):
        return None
    if job_folder(target) is None:
        return (f'includes "{name}", which is neither in {tree}/src nor a '
                'public header')
    target_tree = target.split(os.sep)[0]
    if target_tree != tree:
        if tree == 'runtime':
            return f'the runtime includes the simulator\'s "{name}"'
        return (f'the simulator includes the runtime\'s internal "{name}"; '
                'it sees the runtime only through runtime/include')
    to = job_folder(target)
    if to == folder:
        return None
    if to == '':
        return f'{folder}/ includes "{name}", a file loose in {tree}/src'
    for unplaced in (folder, to):
        if unplaced not in floors:
            return (f'{folder}/ includes "{name}" from {to}/, but {unplaced}/ '
                    f'has no floor in {tree}/src: add it to FLOORS in '
                    'tests/layout/check_layout.py')
    allowed = floors[:floors.index(folder) + 1]
    if to in allowed:
        return None
    return (f'{folder}/ includes "{name}" from {to}/, a floor above it; '
            f'{folder}/ may include only '
            + ', '.join(f + '/' for f in allowed))


def check_includes_go_one_way(root):
    """Includes between job folders go down the floors of FLOORS, never up;
    the runtime includes nothing of the simulator's and the simulator
    nothing of the runtime's but its public headers. A file loose in src/
    is left to check_no_loose_source_files."""
    problems = []
    for tree in TREES:
        for path in source_files(root, tree):
            folder = job_folder(path)
            if folder == '':
                continue
            text = read(root, path)
            for m in INCLUDE_RE.finditer(text):
                quoted, name = m.group(1) == '"', m.group(2)
                target = resolve_include(root, tree, path, quoted, name)
                what = include_problem(tree, folder, name, target)
                if what:
                    problems.append((path, line_of(text, m.start()), what))
    return problems


def code_only(text):
    """The text with comments, string and character literals and
    preprocessor lines blanked out (every character but a newline becomes
    a space), so that the braces left are the code's own and every index
    keeps its line."""
    out = list(text)
    i, n = 0, len(text)
    line_start = True  # only blanks since the last newline, outside comments

    def blank(start, end):
        for j in range(start, end):
            if out[j] != '\n':
                out[j] = ' '

    while i < n:
        c = text[i]
        if c == '\n':
            line_start = True
            i += 1
        elif c in ' \t\r\f\v':
            i += 1
        elif line_start and c == '#':
            end = i
            while end < n and text[end] != '\n':
                end += 2 if text[end] == '\\' else 1
            end = min(end, n)
            blank(i, end)
            i = end
        elif text.startswith('/*', i):
            end = text.find('*/', i + 2)
            end = n if end < 0 else end + 2
            blank(i, end)
            i = end
            line_start = False
        elif text.startswith('//', i):
            end = text.find('\n', i)
            end = n if end < 0 else end
            blank(i, end)
            i = end
        elif c in '"\'':
            end = i + 1
            while end < n and text[end] != c and text[end] != '\n':
                end += 2 if text[end] == '\\' else 1
            end = min(end + 1, n)
            blank(i, end)
            i = end
            line_start = False
        else:
            line_start = False
            i += 1
    return ''.join(out)


def without_attributes(head):
    """The head with every `__attribute__((...))` cut out."""
    while True:
        start = head.find('__attribute__')
        if start < 0:
            return head
        depth, end = 0, start + len('__attribute__')
        while end < len(head):
            depth += {'(': 1, ')': -1}.get(head[end], 0)
            end += 1
            if depth == 0 and head[end - 1] == ')':
                break
        head = head[:start] + ' ' + head[end:]


def function_name(head):
    """The name a function definition's head declares: the first name
    followed by `(` once the attributes are cut out."""
    m = CALLED_NAME_RE.search(without_attributes(head))
    return m.group(1) if m else '?'


def signature_start(code, start, end):
    """Where the signature in code[start:end] (the head of a definition)
    begins: its first character after the last blank line outside
    parentheses, so that a macro call written above the function with a
    blank line between is not counted as part of it."""
    depth = 0
    first = start
    line_blank = True
    for i in range(start, end):
        c = code[i]
        if c == '\n':
            if line_blank and depth == 0:
                first = i + 1
            line_blank = True
        elif not c.isspace():
            line_blank = False
            depth += {'(': 1, ')': -1}.get(c, 0)
    while first < end and code[first].isspace():
        first += 1
    return first


def functions(text):
    """Every function defined in C text, as (name, first line, last line):
    from the first line of its signature to the line of its closing
    brace. A definition is a brace at file level whose head (the code since
    the previous `;` or `}` at file level) ends with `)` and has no `=`,
    which leaves out structs, unions, enums and initializers."""
    code = code_only(text)
    found = []
    depth = 0
    head_start = 0
    opened = None  # (name, index of the signature's first character)
    for i, c in enumerate(code):
        if c == '{':
            if depth == 0:
                head = code[head_start:i]
                stripped = head.strip()
                opened = None
                if stripped.endswith(')') and '=' not in stripped:
                    first = signature_start(code, head_start, i)
                    opened = (function_name(code[first:i]), first)
            depth += 1
        elif c == '}' and depth > 0:
            depth -= 1
            if depth == 0:
                if opened:
                    name, first = opened
                    found.append((name, line_of(code, first),
                                  line_of(code, i)))
                opened = None
                head_start = i + 1
        elif c == ';' and depth == 0:
            head_start = i + 1
    return found


def check_functions_at_most_70_lines(root):
    """No function in a .c file of runtime/src or sim/src is longer than
    FUNCTION_LINES_MAX lines, its signature's first line to its closing
    brace."""
    problems = []
    for tree in TREES:
        for path in source_files(root, tree):
            if not path.endswith('.c'):
                continue
            for name, first, last in functions(read(root, path)):
                length = last - first + 1
                if length > FUNCTION_LINES_MAX:
                    problems.append((path, first, f'{name} is {length} lines, '
                                     f'over the {FUNCTION_LINES_MAX} a '
                                     'function may have'))
    return problems


RULES = {
    'no_loose_source_files': check_no_loose_source_files,
    'internal_headers_under_300_lines': check_internal_headers_under_300_lines,
    'includes_go_one_way': check_includes_go_one_way,
    'functions_at_most_70_lines': check_functions_at_most_70_lines,
}


def main(argv):
    args = argv[1:]
    root = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    if args[:1] == ['--root'] and len(args) >= 2:
        root, args = args[1], args[2:]
    rules = list(RULES) if args == ['all'] else args
    unknown = [r for r in rules if r not in RULES]
    if not rules or unknown:
        print(f'usage: {os.path.basename(argv[0])} [--root DIR] RULE...; '
              f'RULE is all or one of: {", ".join(RULES)}', file=sys.stderr)
        return 2
    failed = False
    for rule in rules:
        for path, line, what in RULES[rule](root):
            print(f'{path}:{line}: {what}')
            failed = True
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
