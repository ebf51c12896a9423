# SPDX-License-Identifier: MIT
# A private Postfix instance built from examples/postfix-milter, with
# dkim-filter-milter started beside it. Sourced after lib.sh and
# postfix_lib.sh (their helpers: pf_base_*, pf_authorize_config_dir,
# pf_start, dovecot_start, submit, wait_delivered...). Needs E2E_TMP, E2E_DB.

MT_EXAMPLE=$DKIM_SRC/examples/postfix-milter
MT_EXAMPLE_SOCKET=unix:/run/dkim-filter/milter.sock

# The instance: the same base as postfix.test.sh's, then the shipped
# milter example on top with only the listen addresses and the socket path
# substituted (each substitution checked).
mt_setup() {
  PF_CONF=$E2E_TMP/postfix/etc
  PF_QUEUE=$E2E_TMP/postfix/spool
  PF_LOG=$E2E_TMP/postfix/maillog
  PF_MAIL=$E2E_TMP/mail
  E2E_LOGS+=("$PF_LOG")
  PF_SUB_PORT=$(free_port)
  PF_SMTPS_PORT=$(free_port)
  # The unit's RuntimeDirectory: dkim-filter:postfix 0750. Postfix's
  # daemons run with the postfix group only (set_ugid() drops supplementary
  # groups), so the socket is reached through that group.
  MT_RUN=$E2E_TMP/run
  MT_SOCKET=unix:$MT_RUN/milter.sock
  mkdir -p "$PF_CONF" "$PF_QUEUE" "$E2E_TMP/postfix/data" "$PF_MAIL" "$MT_RUN"
  chown "$E2E_FILTER_USER":postfix "$MT_RUN"
  chmod 0750 "$MT_RUN"
  chown nobody:nogroup "$PF_MAIL"
  chown postfix: "$E2E_TMP/postfix/data"
  cp /etc/postfix/dynamicmaps.cf "$PF_CONF/"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -keyout "$PF_CONF/tls.key" -out "$PF_CONF/tls.crt" 2>/dev/null ||
    die "openssl could not make a test certificate"
  pf_base_master_cf >"$PF_CONF/master.cf"
  mt_example_master_cf >>"$PF_CONF/master.cf"
  pf_base_main_cf >"$PF_CONF/main.cf"
  mt_apply_example_main_cf
  pf_authorize_config_dir
}

mt_example_master_cf() {
  local out
  out=$(sed -e "s#^submission\\([[:space:]]\\)#127.0.0.1:$PF_SUB_PORT\\1#" \
            -e "s#^submissions\\([[:space:]]\\)#127.0.0.1:$PF_SMTPS_PORT\\1#" \
            -e "s#$MT_EXAMPLE_SOCKET#$MT_SOCKET#" "$MT_EXAMPLE/master.cf")
  for want in "^127.0.0.1:$PF_SUB_PORT " "^127.0.0.1:$PF_SMTPS_PORT " "smtpd_milters=$MT_SOCKET\$"; do
    grep -q -- "$want" <<<"$out" || die "examples/postfix-milter/master.cf: no match for '$want'"
  done
  [ "$(grep -c "smtpd_milters=$MT_SOCKET" <<<"$out")" -eq 2 ] ||
    die "examples/postfix-milter/master.cf: both submission services must name the milter"
  printf '%s\n' "$out"
}

mt_apply_example_main_cf() {
  local line
  [ -f "$MT_EXAMPLE/main.cf" ] || die "$MT_EXAMPLE/main.cf missing"
  while IFS= read -r line; do
    postconf -c "$PF_CONF" -e "${line//$MT_EXAMPLE_SOCKET/$MT_SOCKET}" ||
      die "postconf rejects example line: $line"
  done < <(grep -E '^[a-z0-9_]+[[:space:]]*=' "$MT_EXAMPLE/main.cf")
  local want
  for want in "disable_mime_output_conversion=yes" "milter_default_action=tempfail" "milter_protocol=6" \
              "non_smtpd_milters=$MT_SOCKET"; do
    [ "$(postconf -c "$PF_CONF" -h "${want%%=*}")" = "${want#*=}" ] ||
      die "example main.cf does not set ${want%%=*} = ${want#*=}"
  done
  [ -z "$(postconf -c "$PF_CONF" -h smtpd_milters)" ] ||
    die "example main.cf sets smtpd_milters globally (port 25 mail would be signed)"
  for want in '{auth_authen}' '{client_addr}' ' i '; do
    [[ " $(postconf -c "$PF_CONF" -h milter_mail_macros) " == *"$want"* ]] ||
      die "example milter_mail_macros lacks $want"
  done
}

# mt_start [ARG...]: the milter in the foreground as the unit runs it (user
# dkim-filter, group postfix, supplementary group dkim-filter for the
# database), log lines to $MT_LOG; waits until the socket is there.
mt_start() {
  MT_LOG=${MT_LOG:-$E2E_TMP/milter.log}
  E2E_LOGS+=("$MT_LOG")
  rm -f "$MT_RUN/milter.sock"
  setpriv --reuid="$E2E_FILTER_USER" --regid=postfix --groups="$E2E_DB_GROUP" \
    "$DKIM_BUILD/dkim-filter-milter" --foreground --log stderr --db "$E2E_DB" --socket "$MT_SOCKET" "$@" \
    2>>"$MT_LOG" &
  MT_PID=$!
  e2e_on_exit "mt_stop"
  wait_until 20 "the milter's socket" test -S "$MT_RUN/milter.sock"
}

# mt_stop [SIGNAL]: stops the milter started last (TERM by default).
mt_stop() {
  local sig=${1:-TERM} i
  [ -n "${MT_PID:-}" ] || return 0
  kill -"$sig" "$MT_PID" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do kill -0 "$MT_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$MT_PID" 2>/dev/null || true
  wait "$MT_PID" 2>/dev/null || true
  MT_PID=
}

# mt_keys_file: $E2E_DNS in the form tests/interop/verify_all reads.
mt_keys_file() {
  sed -E 's/^([^ ]+) TXT "(.*)"$/\1 \2/' "$E2E_DNS" >"$E2E_TMP/keys.txt"
  echo "$E2E_TMP/keys.txt"
}

# mt_verify_all FILE DOMAIN SELECTOR...: dkimpy, Mail::DKIM and libopendkim
# must pass the signature d=DOMAIN s=SELECTOR, for each SELECTOR.
mt_verify_all() {
  local msg=$1 domain=$2 sel out
  shift 2
  for sel in "$@"; do
    out=$($PY "$DKIM_SRC/tests/interop/verify_all" --keys "$E2E_TMP/keys.txt" -d "$domain" -s "$sel" "$msg" 2>&1) ||
      die "verifiers reject d=$domain s=$sel in $msg: $out"
  done
}
