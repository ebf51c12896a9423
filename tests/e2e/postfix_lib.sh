# SPDX-License-Identifier: MIT
# A private Postfix instance built from examples/postfix, plus Dovecot SASL.
# Sourced by postfix.test.sh after lib.sh; needs E2E_TMP, E2E_DB.

PF_EXAMPLE=$DKIM_SRC/examples/postfix

# Writes the instance: a base configuration for this machine (queue, ports,
# local maildir delivery, TLS certificate), then the shipped example applied
# on top with only paths and listen addresses substituted.
pf_setup() {
  PF_CONF=$E2E_TMP/postfix/etc
  PF_QUEUE=$E2E_TMP/postfix/spool
  PF_LOG=$E2E_TMP/postfix/maillog
  PF_MAIL=$E2E_TMP/mail
  E2E_LOGS+=("$PF_LOG")
  PF_SUB_PORT=$(free_port)
  PF_SMTPS_PORT=$(free_port)
  PF_REINJECT_PORT=$(free_port)
  mkdir -p "$PF_CONF" "$PF_QUEUE" "$E2E_TMP/postfix/data" "$PF_MAIL" "$E2E_TMP/bin"
  chown nobody:nogroup "$PF_MAIL"
  chown postfix: "$E2E_TMP/postfix/data"
  cp /etc/postfix/dynamicmaps.cf "$PF_CONF/"
  install_filter
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -keyout "$PF_CONF/tls.key" -out "$PF_CONF/tls.crt" 2>/dev/null ||
    die "openssl could not make a test certificate"
  pf_base_master_cf >"$PF_CONF/master.cf"
  pf_example_master_cf >>"$PF_CONF/master.cf"
  # A service the example redefines (pickup, in master-smtp.cf) replaces
  # Debian's stock one: postconf -M prints one entry per name, the last.
  pf_dedupe_master_cf
  pf_base_main_cf >"$PF_CONF/main.cf"
  pf_apply_example_main_cf
  pf_authorize_config_dir
}

pf_base_main_cf() {
  cat <<EOF
compatibility_level = 3.6
queue_directory = $PF_QUEUE
data_directory = $E2E_TMP/postfix/data
maillog_file_prefixes = $E2E_TMP
maillog_file = $PF_LOG
myhostname = mx.e2e.test
mydomain = e2e.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
biff = no
smtputf8_enable = no
# Loopback only: anything not for the test maildir is refused at once.
default_transport = error:e2e test instance delivers locally only
relay_transport = error:e2e test instance delivers locally only
virtual_mailbox_domains = dest.example
virtual_mailbox_base = $PF_MAIL
virtual_mailbox_maps = static:inbox/
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
smtpd_tls_cert_file = $PF_CONF/tls.crt
smtpd_tls_key_file = $PF_CONF/tls.key
smtpd_tls_security_level = may
# Retry deferred mail soon; the test flushes the queue itself anyway.
queue_run_delay = 300s
minimal_backoff_time = 300s
EOF
}

# Every "name = value" of the example main.cf, paths substituted.
pf_apply_example_main_cf() {
  local line
  [ -f "$PF_EXAMPLE/main.cf" ] || die "$PF_EXAMPLE/main.cf missing"
  while IFS= read -r line; do
    postconf -c "$PF_CONF" -e "${line//\/etc\/postfix\//$PF_CONF/}" || die "postconf rejects example line: $line"
  done < <(grep -E '^[a-z0-9_]+[[:space:]]*=' "$PF_EXAMPLE/main.cf")
  # The sender-login table the example names, as the README makes it.
  admin postfix sender-logins --output "$PF_CONF/dkim-sender-logins" 2>/dev/null ||
    die "dkim-filter-admin postfix sender-logins failed"
  [ "$(postconf -c "$PF_CONF" -h disable_mime_output_conversion)" = yes ] ||
    die "example main.cf does not set disable_mime_output_conversion = yes"
}

# Debian's stock services, without the port 25 listener, not chrooted.
pf_base_master_cf() {
  awk '/^#/ || /^[[:space:]]*$/ { next }
       /^[^[:space:]]/ { skip = ($1 == "smtp" && $2 == "inet") }
       skip { next }
       /^[^[:space:]]/ && NF >= 8 { $5 = "n" }
       { print }' /etc/postfix/master.cf.proto
}

# The shipped master.cf fragment: listen addresses and paths substituted,
# and each substitution checked so a changed example cannot slip through.
pf_example_master_cf() {
  local out
  out=$(sed -e "s#^submission\\([[:space:]]\\)#127.0.0.1:$PF_SUB_PORT\\1#" \
            -e "s#127.0.0.1:10026#127.0.0.1:$PF_REINJECT_PORT#g" \
            -e "s#^submissions\\([[:space:]]\\)#127.0.0.1:$PF_SMTPS_PORT\\1#" \
            -e "s#/usr/sbin/dkim-filter #$E2E_TMP/bin/dkim-filter #" \
            -e "s#/var/lib/dkim-filter/dkim.db#${PF_DB_ARGS:-$E2E_DB}#" "$PF_EXAMPLE/${PF_MASTER:-master.cf}")
  for want in "^127.0.0.1:$PF_SUB_PORT " "^127.0.0.1:$PF_SMTPS_PORT " \
              "argv=$E2E_TMP/bin/dkim-filter " "--db $E2E_DB "; do
    grep -q -- "$want" <<<"$out" || die "examples/postfix/master.cf: no match for '$want'"
  done
  printf '%s\n' "$out"
}

# Keeps the last entry of each service name/type in master.cf (with its
# continuation lines), so an example's pickup overrides the stock one.
pf_dedupe_master_cf() {
  awk '/^[^[:space:]#]/ { key = $1 "/" $2; n++ } { entry[n] = entry[n] $0 "\n"; name[n] = key }
       END { for (i = 1; i <= n; i++) last[name[i]] = i
             for (i = 0; i <= n; i++) if (i == 0 || last[name[i]] == i) printf "%s", entry[i] }' \
    "$PF_CONF/master.cf" >"$PF_CONF/master.cf.new" && mv "$PF_CONF/master.cf.new" "$PF_CONF/master.cf"
}

# Postfix's set-gid programs (postdrop, postqueue) accept a non-default
# configuration directory only when the default main.cf lists it in
# alternate_config_directories. Debian's "No configuration" install has no
# main.cf: one is created, marked as ours. Our directory is added now and
# removed at exit (the file too if we created it and nobody else is listed),
# under a lock, so that tests running side by side do not undo each other.
PF_DEFAULT_MAIN=/etc/postfix/main.cf
PF_MARKER='# temporary, written by dkim-filter tests/e2e'

pf_authorize_config_dir() {
  e2e_on_exit "pf_unauthorize_config_dir"
  (
    flock -w 30 9 || die "cannot lock $PF_DEFAULT_MAIN"
    [ -f "$PF_DEFAULT_MAIN" ] || printf '%s\n' "$PF_MARKER" >"$PF_DEFAULT_MAIN"
    local dirs
    dirs=$(postconf -c /etc/postfix -h alternate_config_directories)
    postconf -c /etc/postfix -e "alternate_config_directories = $dirs $PF_CONF"
  ) 9>/tmp/dkim-filter-e2e-postfix.lock
}

pf_unauthorize_config_dir() {
  (
    flock -w 30 9 || exit 0
    [ -f "$PF_DEFAULT_MAIN" ] || exit 0
    local dirs
    # shellcheck disable=SC2020 # spaces and commas both separate entries
    dirs=$(postconf -c /etc/postfix -h alternate_config_directories |
      tr ' ,' '\n\n' | grep -v -x -F -e "$PF_CONF" -e '' | tr '\n' ' ') || true
    if [ -z "$dirs" ] && [ "$(head -n 1 "$PF_DEFAULT_MAIN")" = "$PF_MARKER" ]; then
      rm -f "$PF_DEFAULT_MAIN"
    else
      postconf -c /etc/postfix -e "alternate_config_directories = $dirs"
    fi
  ) 9>/tmp/dkim-filter-e2e-postfix.lock
}

pf_start() {
  e2e_on_exit "pf_stop"
  postfix -c "$PF_CONF" start >"$E2E_TMP/postfix/start.log" 2>&1 ||
    die "postfix start failed: $(cat "$E2E_TMP/postfix/start.log" "$PF_LOG" 2>/dev/null)"
  wait_until 20 "Postfix on 127.0.0.1:$PF_SUB_PORT" port_open "$PF_SUB_PORT"
  wait_until 20 "Postfix on 127.0.0.1:$PF_SMTPS_PORT" port_open "$PF_SMTPS_PORT"
}

pf_stop() {
  local pid i
  pid=$(tr -d ' ' <"$PF_QUEUE/pid/master.pid" 2>/dev/null) || true
  postfix -c "$PF_CONF" stop >/dev/null 2>&1 || true
  [ -n "$pid" ] || return 0
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
}

pf_postqueue() { postqueue -c "$PF_CONF" "$@"; }

pf_queue_empty() {
  [ -z "$(find "$PF_QUEUE"/{maildrop,incoming,active,deferred,hold} -type f 2>/dev/null)" ]
}

# dovecot_start USER...: Dovecot's auth service only, answering Postfix on
# private/auth of the instance's queue, from a passwd-file (password pw-USER).
dovecot_start() {
  local dir=$E2E_TMP/dovecot u
  mkdir -p "$dir/run" "$dir/state"
  E2E_LOGS+=("$dir/log")
  for u in "$@"; do printf '%s:{PLAIN}pw-%s\n' "$u" "$u"; done >"$dir/users"
  chmod 0644 "$dir/users"
  cat >"$dir/dovecot.conf" <<EOF
base_dir = $dir/run
state_dir = $dir/state
instance_name = dkim-e2e
protocols = none
log_path = $dir/log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home=/nonexistent
}
service auth {
  unix_listener $PF_QUEUE/private/auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
EOF
  e2e_on_exit "dovecot_stop '$dir'"
  dovecot -c "$dir/dovecot.conf" || die "dovecot failed to start: $(cat "$dir/log" 2>/dev/null)"
  wait_until 20 "Dovecot's auth socket" test -S "$PF_QUEUE/private/auth"
}

dovecot_stop() {
  local pid i
  pid=$(cat "$1/run/master.pid" 2>/dev/null) || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
}

# submit USER ENVELOPE_SENDER FROM TAG [smtps]: one message with SMTP AUTH
# (STARTTLS on submission, or implicit TLS on submissions) to
# rcpt@dest.example, or to the comma-separated envelope recipients in
# SUBMIT_TO; what was sent is kept in sent-TAG.eml. SUBMIT_EXTRA, if set, is
# appended to the body.
submit() {
  local user=$1 sender=$2 from=$3 tag=$4 mode=${5:-submission} file
  file=$E2E_TMP/sent-$tag.eml
  cat >"$file" <<EOF
From: Sender <$from>
To: Recipient <rcpt@dest.example>
Subject: e2e $tag
Date: $(date -R)
Message-ID: <$tag.$$@e2e.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Grüße from the $tag test.
Trailing spaces and a tab	stay as they are.  
.leading dot, and an empty line follows

EOF
  [ -z "${SUBMIT_EXTRA:-}" ] || printf '%s\n' "$SUBMIT_EXTRA" >>"$file"
  # swaks ends DATA with CRLF "." on its own: hand it the message without
  # its last newline so what arrives is exactly $file.
  head -c -1 "$file" >"$file.swaks"
  local tls=(--tls --port "$PF_SUB_PORT")
  [ "$mode" = smtps ] && tls=(--tlsc --port "$PF_SMTPS_PORT")
  swaks --server 127.0.0.1 "${tls[@]}" --timeout 30 \
    --auth PLAIN --auth-user "$user" --auth-password "pw-$user" \
    --from "$sender" --to "${SUBMIT_TO:-rcpt@dest.example}" --data "@$file.swaks" \
    >"$E2E_TMP/swaks-$tag.log" 2>&1 ||
    die "swaks ($tag) failed: $(tail -5 "$E2E_TMP/swaks-$tag.log")"
}

find_delivered() {
  local f
  for f in "$PF_MAIL"/inbox/new/*; do
    [ -f "$f" ] && header_has "$f" "Subject: e2e $1" && { echo "$f"; break; }
  done
  return 0
}

has_delivered() { [ "$(find_all_delivered "$1" | wc -l)" -ge "${2:-1}" ]; }

find_all_delivered() {
  local f
  for f in "$PF_MAIL"/inbox/new/*; do
    [ -f "$f" ] && header_has "$f" "Subject: e2e $1" && echo "$f"
  done
  return 0
}

# queue_id_of TAG: the queue id Postfix gave the submitted message.
queue_id_of() {
  sed -n 's/.* Ok: queued as \([0-9A-Za-z]*\).*/\1/p' "$E2E_TMP/swaks-$1.log" | tail -n 1
}

# wait_delivered TAG [COPIES]: prints the maildir file of the message, once
# COPIES (default 1) copies are there.
wait_delivered() {
  wait_until 60 "delivery of the '$1' message" has_delivered "$1" "${2:-1}"
  find_delivered "$1"
}
