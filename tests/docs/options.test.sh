#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The man pages and --help must agree: every option that --help lists (of
# dkim-filter, dkim-filter-milter, and of every dkim-filter-admin command) is documented in the
# man page's section for it, and the man page documents no option that
# --help does not know. Both pages must render without a warning.
set -euo pipefail
DKIM_SRC=${DKIM_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
DKIM_BUILD=${DKIM_BUILD:-$DKIM_SRC/build}
PY=/usr/bin/python3
fail() { echo "FAIL [docs.options]: $*" >&2; exit 1; }

for b in dkim-filter dkim-filter-milter dkim-filter-admin dkim-filter-web dkim-filter-sync; do
  [ -x "$DKIM_BUILD/$b" ] || fail "$DKIM_BUILD/$b not built"
  [ -f "$DKIM_SRC/man/$b.8" ] || fail "man/$b.8 missing"
done

# 1. Rendering: mandoc's linter, groff with all warnings, and man -l as a
#    reader runs it. Any message at all is a failure.
command -v mandoc >/dev/null || fail "mandoc not installed (apt-get install mandoc)"
for page in "$DKIM_SRC"/man/*.8; do
  out=$(mandoc -T lint "$page" 2>&1) || fail "mandoc -T lint $page: $out"
  [ -z "$out" ] || fail "mandoc -T lint $page: $out"
  out=$(groff -ww -man -z "$page" 2>&1) || fail "groff $page: $out"
  [ -z "$out" ] || fail "groff -ww $page: $out"
  out=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null) || fail "man -l $page failed: $out"
  [ -z "$out" ] || fail "man --warnings -l $page: $out"
done

# 2. Option lists. The comparison lives in Python: it reads `--help` texts
#    (Boost.Program_options layout: an option line starts with exactly two
#    spaces and a dash) and the roff source (an option is a .TP tag under
#    the section or subsection that documents it).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$DKIM_BUILD/dkim-filter" --help >"$work/filter.help" || fail "dkim-filter --help exited $?"
"$DKIM_BUILD/dkim-filter-milter" --help >"$work/milter.help" || fail "dkim-filter-milter --help exited $?"
"$DKIM_BUILD/dkim-filter-admin" --help >"$work/admin.help" || fail "dkim-filter-admin --help exited $?"
"$DKIM_BUILD/dkim-filter-web" --help >"$work/web.help" || fail "dkim-filter-web --help exited $?"
"$DKIM_BUILD/dkim-filter-sync" --help >"$work/sync.help" || fail "dkim-filter-sync --help exited $?"
# The command list of the overview: "  key generate DOMAIN ..." -> "key
# generate". The command column ends at the first run of two spaces; the
# command is its leading lower-case words (arguments are upper-case or
# options), so "postfix sender-logins" is two words and "init" one.
sed -n '/^Commands:/,/^$/p' "$work/admin.help" | grep -E '^  [a-z]' |
  sed -E 's/^  //; s/  .*//' |
  awk '{ cmd = ""; for (i = 1; i <= NF && $i ~ /^[a-z][a-z-]*$/; i++) cmd = cmd (cmd == "" ? "" : " ") $i; print cmd }' \
    >"$work/commands"
[ -s "$work/commands" ] || fail "no command list in dkim-filter-admin --help"
while read -r cmd; do
  # shellcheck disable=SC2086 # the command is one or two words
  "$DKIM_BUILD/dkim-filter-admin" $cmd --help >"$work/cmd.$(echo "$cmd" | tr ' ' _).help" ||
    fail "dkim-filter-admin $cmd --help exited $?"
done <"$work/commands"

$PY - "$work" "$DKIM_SRC/man" <<'EOF' || fail "--help and the man pages disagree (details above)"
import os, re, sys

work, man = sys.argv[1], sys.argv[2]
HELP_OPT = re.compile(r'^  (-[A-Za-z] \[ --[a-z0-9-]+ \]|--[a-z0-9-]+)')

def help_options(text, group=None):
    """Options of a Boost --help text; with group, only that caption's."""
    found, current = set(), None
    for line in text.splitlines():
        if line and not line.startswith(' ') and line.endswith(':'):
            current = line[:-1]
            continue
        m = HELP_OPT.match(line)
        if m and (group is None or current == group):
            found.update(re.findall(r'--[a-z0-9-]+|-[A-Za-z](?= )', m.group(1)))
    return found

def unroff(s):
    s = re.sub(r'\\f[BIRP]', '', s).replace('\\-', '-').replace('\\%', '').replace('\\&', '')
    return s.replace('"', '')

def man_sections(path):
    """{(section, subsection): set of options in .TP tags}."""
    out, sh, ss, tag_next = {}, None, None, False
    for line in open(path, encoding='utf-8'):
        line = line.rstrip('\n')
        if line.startswith('.SH '):
            sh, ss = unroff(line[4:]).strip(), None
        elif line.startswith('.SS '):
            ss = unroff(line[4:]).strip()
        elif line.startswith('.TP'):
            tag_next = True
            continue
        elif tag_next:
            tag = unroff(line)
            opts = set(re.findall(r'(?<![\w-])(--[a-z0-9][a-z0-9-]*|-[A-Za-z])(?![\w-])', tag))
            out.setdefault((sh, ss), set()).update(opts)
        tag_next = False
    return out

errors = []
def compare(what, from_help, from_man):
    for o in sorted(from_help - from_man):
        errors.append(f'{what}: {o} is in --help but not in the man page')
    for o in sorted(from_man - from_help):
        errors.append(f'{what}: {o} is in the man page but not in --help')

# dkim-filter: all options, and the config-file group on its own.
filter_help = open(os.path.join(work, 'filter.help')).read()
fm = man_sections(os.path.join(man, 'dkim-filter.8'))
man_all = set().union(*[v for (sh, _), v in fm.items() if sh == 'OPTIONS'])
compare('dkim-filter', help_options(filter_help), man_all)
cfg_help = help_options(filter_help, 'Options (also valid in the config file)')
if not cfg_help:
    errors.append('dkim-filter --help: no "Options (also valid in the config file)" group')
compare('dkim-filter config-file options', cfg_help,
        fm.get(('OPTIONS', 'Options also valid in the configuration file'), set()))

# dkim-filter-milter: the same two checks.
milter_help = open(os.path.join(work, 'milter.help')).read()
mm = man_sections(os.path.join(man, 'dkim-filter-milter.8'))
compare('dkim-filter-milter', help_options(milter_help),
        set().union(*[v for (sh, _), v in mm.items() if sh == 'OPTIONS']))
cfg_help = help_options(milter_help, 'Options (also valid in the config file)')
if not cfg_help:
    errors.append('dkim-filter-milter --help: no "Options (also valid in the config file)" group')
compare('dkim-filter-milter config-file options', cfg_help,
        mm.get(('OPTIONS', 'Options also valid in the configuration file'), set()))

# dkim-filter-admin: one man subsection per command, plus the options that
# every command accepts (documented once, under OPTIONS).
am = man_sections(os.path.join(man, 'dkim-filter-admin.8'))
commands = open(os.path.join(work, 'commands')).read().split('\n')
commands = [c for c in commands if c]
man_commands = {ss for (sh, ss) in am if sh == 'COMMANDS' and ss}
man_commands |= {ss for ss in re.findall(r'^\.SS (.+)$', open(os.path.join(man, 'dkim-filter-admin.8')).read(), re.M)}
for c in commands:
    if c not in man_commands:
        errors.append(f'dkim-filter-admin: command "{c}" has no ".SS {c}" in the man page')
for c in man_commands - set(commands):
    errors.append(f'dkim-filter-admin: the man page documents "{c}", which --help does not list')
per_cmd = {c: help_options(open(os.path.join(work, 'cmd.' + c.replace(' ', '_') + '.help')).read())
           for c in commands}
common = set.intersection(*per_cmd.values())
if not {'--db', '--help', '-h'} <= common:
    errors.append(f'dkim-filter-admin: not every command takes --db and --help (common: {sorted(common)})')
compare('dkim-filter-admin (options of every command)', common, am.get(('OPTIONS', None), set()))
for c in commands:
    compare(f'dkim-filter-admin {c}', per_cmd[c] - common, am.get(('COMMANDS', c), set()))

# dkim-filter-web: as dkim-filter, all options and the config-file group.
web_help = open(os.path.join(work, 'web.help')).read()
wm = man_sections(os.path.join(man, 'dkim-filter-web.8'))
compare('dkim-filter-web', help_options(web_help),
        set().union(*[v for (sh, _), v in wm.items() if sh == 'OPTIONS']))
web_cfg = help_options(web_help, 'Options (also valid in the config file)')
if not web_cfg:
    errors.append('dkim-filter-web --help: no "Options (also valid in the config file)" group')
compare('dkim-filter-web config-file options', web_cfg,
        wm.get(('OPTIONS', 'Options also valid in the configuration file'), set()))
# dkim-filter-sync: one OPTIONS section.
sync_help = open(os.path.join(work, 'sync.help')).read()
sm = man_sections(os.path.join(man, 'dkim-filter-sync.8'))
compare('dkim-filter-sync', help_options(sync_help), sm.get(('OPTIONS', None), set()))

for e in errors:
    print(e)
sys.exit(1 if errors else 0)
EOF
# 3. The log line's empty value: what the filter writes is what the page says.
printf 'From: a@example.com\n\nbody\n' | "$DKIM_BUILD/dkim-filter" --stdout --log stderr --on-error pass >/dev/null 2>"$work/log" ||
  fail "dkim-filter --stdout exited $?"
grep -q ' queue_id=- \| queue_id=-$\|: queue_id=- ' "$work/log" || fail "no queue_id=- in the log line: $(cat "$work/log")"
LC_ALL=C MANWIDTH=200 man -l "$DKIM_SRC/man/dkim-filter.8" 2>/dev/null | grep -E -q 'An +empty +value +is +written +as +-\.' ||
  fail "man/dkim-filter.8 does not say that an empty log value is written as -"
! LC_ALL=C MANWIDTH=200 man -l "$DKIM_SRC/man/dkim-filter.8" 2>/dev/null | grep -q '""' ||
  fail "man/dkim-filter.8 still shows \"\" as a log value"

echo "PASS [docs.options]: --help and man pages agree; both pages render without warnings"
