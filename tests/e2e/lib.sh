# SPDX-License-Identifier: MIT
# Shared helpers for the end-to-end tests (sourced, not run).
# Each test: e2e_init NAME; register clean-up with e2e_on_exit; fail with die.

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DKIM_SRC=${DKIM_SRC:-$(cd "$E2E_DIR/../.." && pwd)}
DKIM_BUILD=${DKIM_BUILD:-$DKIM_SRC/build}
PY=/usr/bin/python3   # Debian's python, which has python3-dkim
E2E_CLEANUP=()
E2E_LOGS=()   # shown (tail) when a test fails
E2E_NAME=e2e

die() { echo "FAIL [$E2E_NAME]: $*" >&2; exit 1; }
note() { echo "[$E2E_NAME] $*"; }

# Runs the registered clean-up steps in reverse order, whatever happened.
e2e_cleanup() {
  local rc=$? i
  set +e
  if [ "$rc" -ne 0 ]; then
    for i in "${E2E_LOGS[@]}"; do
      [ -s "$i" ] && { echo "--- last lines of $i:"; tail -n 25 "$i"; } >&2
    done
  fi
  for ((i = ${#E2E_CLEANUP[@]} - 1; i >= 0; i--)); do
    eval "${E2E_CLEANUP[i]}" >/dev/null 2>&1
  done
  exit $rc
}
e2e_on_exit() { E2E_CLEANUP+=("$1"); }

e2e_init() {
  E2E_NAME=$1
  [ "$(id -u)" -eq 0 ] || die "must run as root (starts MTA daemons)"
  for b in dkim-filter dkim-filter-admin; do
    [ -x "$DKIM_BUILD/$b" ] || die "$DKIM_BUILD/$b not built"
  done
  # World-traversable: Postfix, Dovecot and the filter user work in here.
  E2E_TMP=$(mktemp -d "/tmp/dkim-e2e-$1.XXXXXX")
  chmod 0755 "$E2E_TMP"
  trap e2e_cleanup EXIT
  trap 'exit 130' INT TERM
  if [ -z "${E2E_KEEP:-}" ]; then e2e_on_exit "rm -rf '$E2E_TMP'"; fi
}

# header_has FILE LINE: LINE is one of the header lines of FILE (a bounce
# quoting the message in its body does not count).
header_has() {
  awk -v want="$2" '$0 == "" { exit } $0 == want { found = 1; exit } END { exit !found }' "$1"
}

# install_filter: $E2E_TMP/bin/dkim-filter, the path the examples' command
# lines are pointed at, is a wrapper that records its argument vector
# (NUL-separated, one file per run in $E2E_ARGV) and execs a copy of the
# real binary. It writes nothing else, so the filter's output is untouched.
install_filter() {
  E2E_ARGV=$E2E_TMP/argv
  mkdir -p "$E2E_TMP/bin" "$E2E_ARGV"
  chmod 1777 "$E2E_ARGV"
  install -m 0755 "$DKIM_BUILD/dkim-filter" "$E2E_TMP/bin/dkim-filter.real"
  cat >"$E2E_TMP/bin/dkim-filter" <<WRAPPER
#!/bin/bash
f=\$(mktemp "$E2E_ARGV/run.XXXXXX") && printf '%s\\0' "\$@" >"\$f"
exec "$E2E_TMP/bin/dkim-filter.real" "\$@"
WRAPPER
  chmod 0755 "$E2E_TMP/bin/dkim-filter"
}

# expect_argv WORD ARG...: the filter run whose arguments contain WORD (a
# queue id) got exactly ARG... (DB stands for $E2E_DB, "" for an empty one,
# SIZE for the number after a --size).
expect_argv() {
  local word=$1 f want got
  shift
  want=$(printf '%s\n' "$@" | sed -e "s#^DB\$#$E2E_DB#" -e 's/^$/<empty>/')
  for f in "$E2E_ARGV"/run.*; do
    [ -f "$f" ] || continue
    got=$(tr '\0' '\n' <"$f" | sed 's/^$/<empty>/' | awk 'p == "--size" && /^[0-9]+$/ { $0 = "SIZE" } { p = $0; print }')
    grep -q -x -F -- "$word" <<<"$got" || continue
    [ "$got" = "$want" ] && return 0
    die "filter argv for $word: expected [$(tr '\n' ' ' <<<"$want")], got [$(tr '\n' ' ' <<<"$got")]"
  done
  die "no filter run with argument $word"
}

# (No "producer | grep -q" pipelines in these helpers: with pipefail, grep
# leaving early makes the producer die of SIGPIPE and the pipeline fail.)

# wait_until SECONDS DESCRIPTION COMMAND...: polls every 0.2 s.
wait_until() {
  local limit=$1 what=$2 i
  shift 2
  for ((i = 0; i < limit * 5; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  die "timed out after ${limit}s waiting for $what"
}

# A currently free TCP port on 127.0.0.1.
free_port() {
  $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ensure_system_user NAME HOME: creates the system account (with its own
# group) when missing, as the product's or Exim's package would. It is left
# in place: tests running side by side may be using it.
ensure_system_user() {
  getent passwd "$1" >/dev/null && return 0
  useradd --system --no-create-home --home-dir "$2" --shell /usr/sbin/nologin \
    --user-group "$1" 2>/dev/null || getent passwd "$1" >/dev/null ||
    die "cannot create system user $1"
}

# The unprivileged account the filter runs as under Postfix.
ensure_filter_user() {
  E2E_FILTER_USER=dkim-filter
  ensure_system_user "$E2E_FILTER_USER" /nonexistent
  E2E_DB_GROUP=$E2E_FILTER_USER
}

admin() { "$DKIM_BUILD/dkim-filter-admin" --db "$E2E_DB" "$@"; }

# Creates the key database in $E2E_TMP/db, readable by group E2E_DB_GROUP only
# (the filter refuses a database that others can read), and starts the DNS
# record file the verifiers serve.
make_db() {
  mkdir -p "$E2E_TMP/db"
  E2E_DB=$E2E_TMP/db/dkim.db
  E2E_DNS=$E2E_TMP/dns.txt
  : >"$E2E_DNS"
  admin init >/dev/null || die "dkim-filter-admin init failed"
  fix_db_permissions
}

fix_db_permissions() {
  chown -R root:"$E2E_DB_GROUP" "$E2E_TMP/db"
  chmod 0750 "$E2E_TMP/db"
  chmod 0640 "$E2E_DB"
}

# add_key DOMAIN SELECTOR [ALGORITHM]: generates and records its DNS record.
add_key() {
  local alg=${3:-rsa}
  admin key generate "$1" "$2" --algorithm "$alg" >/dev/null 2>"$E2E_TMP/keygen.err" ||
    die "key generate $1 $2 $alg failed"
  admin key dns "$1" "$2" >>"$E2E_DNS" || die "key dns $1 $2 failed"
  fix_db_permissions
}

# The two customers both MTA tests send as: A with a dual RSA + Ed25519
# selector list, B with its own RSA key.
add_two_customers() {
  add_key customer-a.example s2026rsa rsa
  add_key customer-a.example s2026ed ed25519
  add_key customer-b.example s2026rsa rsa
  admin user add alice@customer-a.example --selector s2026rsa,s2026ed >/dev/null || die "user add alice failed"
  admin user add bob@customer-b.example --selector s2026rsa >/dev/null || die "user add bob failed"
}

# verify_signed FILE [MIN_SIGNATURES]: both verifiers must pass every signature.
verify_signed() {
  local msg=$1 min=${2:-1} n
  $PY "$E2E_DIR/verify_dkim.py" --normalize "$E2E_DNS" >"$E2E_TMP/dns.norm"
  $PY "$E2E_DIR/verify_dkim.py" "$msg" "$E2E_DNS" || die "dkimpy rejects $msg"
  perl "$E2E_DIR/verify_dkim.pl" "$msg" "$E2E_TMP/dns.norm" || die "Mail::DKIM rejects $msg"
  n=$(count_signatures "$msg")
  [ "$n" -ge "$min" ] || die "$msg has $n signatures, expected at least $min"
}

verify_unsigned() {
  local n
  n=$(count_signatures "$1")
  [ "$n" -eq 0 ] || die "$1 carries $n DKIM-Signature fields, expected none"
}

count_signatures() {
  # Header section only: a body line could mention the field name.
  sed '/^$/q' "$1" | grep -ci '^dkim-signature:' || true
}

# message_intact SENT DELIVERED: the delivered message must be the sent one,
# byte for byte, below the fields the MTAs and the filter put on top
# (Return-Path, Delivered-To, X-Original-To, Received, DKIM-Signature).
# Anything else added, removed or changed -- a stray line from the filter's
# stderr included -- fails.
message_intact() {
  local sent=$1 got=$2 stripped
  stripped=$E2E_TMP/$(basename "$got").stripped
  awk 'top && /^[ \t]/ { next }
       top && tolower($0) ~ /^(return-path|delivered-to|x-original-to|received|dkim-signature):/ { next }
       { top = 0; print }' top=1 "$got" >"$stripped"
  cmp -s "$sent" "$stripped" ||
    die "$got is not the sent message plus added fields: $(diff "$sent" "$stripped" | head -n 8)"
}
