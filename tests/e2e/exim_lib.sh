# SPDX-License-Identifier: MIT
# A private Exim 4.96 (Debian 12's exim4-daemon-heavy, unpacked, not
# installed: it conflicts with the postfix package) running the SHIPPED
# examples/exim conf.d fragments, relaying to a local SMTP sink.
# Sourced by exim.test.sh after lib.sh; needs E2E_TMP, E2E_DB.

EX_EXAMPLE=$DKIM_SRC/examples/exim/conf.d
EX_PACKAGES=(exim4-base exim4-config exim4-daemon-heavy)
EX_USER=Debian-exim   # compiled into Debian's binary, looked up by name

# Downloads the three .debs once (kept in E2E_CACHE, default
# $DKIM_BUILD/e2e-cache) and unpacks them into $E2E_TMP/exim-root.
exim_unpack() {
  local cache=${E2E_CACHE:-$DKIM_BUILD/e2e-cache/exim} p missing=()
  mkdir -p "$cache"
  for p in "${EX_PACKAGES[@]}"; do
    compgen -G "$cache/${p}_*.deb" >/dev/null || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    # (apt warns that it downloads as root, since _apt cannot write here.)
    (cd "$cache" && timeout 180 apt-get download -q "${missing[@]}" >"$E2E_TMP/apt.log" 2>&1) ||
      (timeout 180 apt-get update -qq >/dev/null 2>&1 &&
        cd "$cache" && timeout 180 apt-get download -q "${missing[@]}" >"$E2E_TMP/apt.log" 2>&1) ||
      die "apt-get download ${missing[*]} failed: $(tail -3 "$E2E_TMP/apt.log")"
  fi
  EX_ROOT=$E2E_TMP/exim-root
  for p in "${EX_PACKAGES[@]}"; do
    dpkg-deb -x "$(compgen -G "$cache/${p}_*.deb" | sort -V | tail -n 1)" "$EX_ROOT" ||
      die "dpkg-deb -x $p failed"
  done
  EXIM=$EX_ROOT/usr/sbin/exim4
  local libs
  libs=$(ldd "$EXIM" | awk '/not found/ { print $1 }' | tr '\n' ' ')
  [ -z "$libs" ] || die "exim4 needs libraries not installed: $libs(Debian: libmariadb3 libidn12 libspf2-2)"
}

ensure_exim_user() { ensure_system_user "$EX_USER" /var/spool/exim4; }

# Composes the configuration: this test's main section (paths, ports, ACL,
# authenticator, a plain smarthost route for unauthenticated mail) plus the
# three shipped conf.d fragments, in Debian's order, with only paths
# substituted. Arguments: the SMTP AUTH users (password pw-USER).
# Debian's macros DCconfig_smarthost/DCsmarthost select the
# smarthost variant and point it at the sink.
exim_setup() {
  EX_DIR=$E2E_TMP/exim
  EX_CONF=$EX_DIR/exim4.conf
  EX_LOG=$EX_DIR/log/mainlog
  EX_SMTP_PORT=$(free_port)
  EX_SINK_PORT=$(free_port)
  EX_SINK=$EX_DIR/sink
  E2E_LOGS+=("$EX_LOG" "$EX_DIR/log/paniclog")
  mkdir -p "$EX_DIR/spool" "$EX_DIR/log" "$EX_SINK" "$E2E_TMP/bin"
  chown "$EX_USER:" "$EX_DIR/spool" "$EX_DIR/log"
  install_filter
  local u
  for u in "$@"; do printf '%s: pw-%s\n' "$u" "$u"; done >"$EX_DIR/passwd"
  local f
  for f in main/05_dkim-filter router/190_dkim-filter transport/30_dkim-filter; do
    [ -f "$EX_EXAMPLE/$f" ] || die "$EX_EXAMPLE/$f missing"
  done
  {
    exim_base_main
    exim_example main/05_dkim-filter
    exim_base_acl_auth
    echo "begin routers"
    exim_example router/190_dkim-filter
    exim_base_routers
    echo "begin transports"
    exim_example transport/30_dkim-filter
    exim_base_transports
  } >"$EX_CONF"
  chmod 0644 "$EX_CONF"
  grep -q "$E2E_TMP/bin/dkim-filter --stdout" "$EX_CONF" ||
    die "examples/exim: filter path /usr/sbin/dkim-filter not found to substitute"
  grep -q -- "--db $E2E_DB" "$EX_CONF" ||
    die "examples/exim: database path /var/lib/dkim-filter/dkim.db not found to substitute"
  "$EXIM" -C "$EX_CONF" -bV >"$EX_DIR/bV.log" 2>&1 ||
    die "exim rejects the configuration: $(grep -v '^ ' "$EX_DIR/bV.log" | tail -5)"
  # The direct-delivery (dnslookup) variant of the example must parse too.
  sed 's/^DCconfig_smarthost = 1$/DCconfig_internet = 1/' "$EX_CONF" >"$EX_DIR/internet.conf"
  "$EXIM" -C "$EX_DIR/internet.conf" -bV >"$EX_DIR/bV-internet.log" 2>&1 ||
    die "exim rejects the dnslookup variant: $(tail -5 "$EX_DIR/bV-internet.log")"
}

exim_example() {
  sed -e "s#/usr/sbin/dkim-filter #$E2E_TMP/bin/dkim-filter #" \
      -e "s#/var/lib/dkim-filter/dkim.db#$E2E_DB#" "$EX_EXAMPLE/$1"
}

exim_base_main() {
  cat <<EOF
# Written by tests/e2e/exim_lib.sh: this machine's part of the configuration.
exim_path = $EXIM
spool_directory = $EX_DIR/spool
log_file_path = $EX_DIR/log/%slog
pid_file_path = $EX_DIR/exim.pid
primary_hostname = mx.e2e.test
CONFDIR = $EX_DIR
DCconfig_smarthost = 1
DCsmarthost = 127.0.0.2::$EX_SINK_PORT
domainlist local_domains = mx.e2e.test
hostlist relay_from_hosts = <; 127.0.0.1
daemon_smtp_ports = $EX_SMTP_PORT
local_interfaces = <; 127.0.0.1
tls_advertise_hosts =
host_lookup =
rfc1413_hosts =
acl_smtp_rcpt = acl_check_rcpt
keep_environment =
log_selector = +subject +received_recipients
EOF
}

exim_base_acl_auth() {
  cat <<EOF
begin acl
acl_check_rcpt:
  accept authenticated = *
  accept hosts = :
  deny message = relay not permitted

begin authenticators
plain_server:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = \${if eq{\$auth3}{\${lookup{\$auth2}lsearch{$EX_DIR/passwd}{\$value}fail}}}
  server_set_id = \$auth2
EOF
}

# Debian's own smarthost route for everything else (unauthenticated mail).
exim_base_routers() {
  cat <<'EOF'
smarthost:
  driver = manualroute
  domains = ! +local_domains
  transport = remote_smtp_smarthost
  route_list = * DCsmarthost byname
  host_find_failed = ignore
  same_domain_copy_routing = yes
  no_more
EOF
}

exim_base_transports() {
  cat <<'EOF'
remote_smtp_smarthost:
  driver = smtp
  multi_domain

begin retry
*   *   F,1h,10m
EOF
}

sink_start() {
  "$PY" "$E2E_DIR/smtp_sink.py" 127.0.0.2 "$EX_SINK_PORT" "$EX_SINK" >"$EX_DIR/sink.log" 2>&1 &
  EX_SINK_PID=$!
  e2e_on_exit "kill $EX_SINK_PID"
  wait_until 20 "the SMTP sink" test -e "$EX_SINK/ready"
}

exim_start() {
  e2e_on_exit "exim_stop"
  "$EXIM" -C "$EX_CONF" -bd -oP "$EX_DIR/exim.pid" >"$EX_DIR/daemon.log" 2>&1 ||
    die "exim -bd failed: $(cat "$EX_DIR/daemon.log")"
  wait_until 20 "Exim on 127.0.0.1:$EX_SMTP_PORT" port_open "$EX_SMTP_PORT"
}

exim_stop() {
  local pid i
  pid=$(cat "$EX_DIR/exim.pid" 2>/dev/null) || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
}

ex() { "$EXIM" -C "$EX_CONF" "$@"; }

# make_message FROM TAG: the message as it must arrive, in sent-TAG.eml.
make_message() {
  cat >"$E2E_TMP/sent-$2.eml" <<EOF
From: Sender <$1>
To: Recipient <rcpt@dest.example>
Subject: e2e $2
Date: $(date -R)
Message-ID: <$2.$$@e2e.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Grüße from the $2 test.
Trailing spaces and a tab	stay as they are.  
.leading dot, and an empty line follows

EOF
}

# submit_smtp USER FROM TAG: SMTP AUTH submission to the Exim daemon.
submit_smtp() {
  local file=$E2E_TMP/sent-$3.eml
  make_message "$2" "$3"
  # swaks ends DATA with CRLF "." itself: give it the message without its
  # last newline so that what arrives is exactly $file.
  head -c -1 "$file" >"$file.swaks"
  swaks --server 127.0.0.1 --port "$EX_SMTP_PORT" --timeout 30 \
    --auth PLAIN --auth-user "$1" --auth-password "pw-$1" \
    --from "$2" --to rcpt@dest.example --data "@$file.swaks" \
    >"$E2E_TMP/swaks-$3.log" 2>&1 ||
    die "swaks ($3) failed: $(tail -5 "$E2E_TMP/swaks-$3.log")"
}

# submit_local ENVELOPE_SENDER FROM TAG [AUTH_ID]: trusted local submission
# (root), with -oMai setting the authenticated id when AUTH_ID is given;
# delivered in the foreground (-odi).
submit_local() {
  local auth=()
  [ $# -ge 4 ] && auth=(-oMai "$4")
  make_message "$2" "$3"
  # stderr: Exim repeats its panic-log line "exim user lost privilege for
  # using -C option" there; the delivery runs as the Exim user regardless.
  ex -odi "${auth[@]}" -f "$1" rcpt@dest.example <"$E2E_TMP/sent-$3.eml" 2>>"$EX_DIR/submit.log" ||
    die "exim local submission ($3) failed: $(tail -n 3 "$EX_DIR/submit.log")"
}

find_delivered() {
  local f
  for f in "$EX_SINK"/*.eml; do
    [ -f "$f" ] && header_has "$f" "Subject: e2e $1" && { echo "$f"; break; }
  done
  return 0
}

# exim_id_of TAG: the id Exim gave the message with that subject.
exim_id_of() {
  awk -v t="T=\"e2e $1\"" '/ <= / && index($0, t) { print $3 }' "$EX_LOG" | tail -n 1
}

has_delivered() { [ -n "$(find_delivered "$1")" ]; }

# The log line of a permanent failure (a bounce) of the message, if any.
exim_failure() {
  local id
  id=$(exim_id_of "$1")
  [ -n "$id" ] && grep -F " $id ** " "$EX_LOG"
  return 0
}

delivered_or_failed() { has_delivered "$1" || [ -n "$(exim_failure "$1")" ]; }

# wait_delivered TAG: prints the sink's file of the message, once there;
# fails at once when Exim gave the delivery up (e.g. a taint error).
wait_delivered() {
  wait_until 60 "delivery of the '$1' message" delivered_or_failed "$1"
  has_delivered "$1" || die "Exim failed the '$1' message: $(exim_failure "$1")"
  find_delivered "$1"
}
