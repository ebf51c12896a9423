# SPDX-License-Identifier: MIT
# Helpers of load.test.sh and milter_load.test.sh (sourced after lib.sh and
# postfix_lib.sh): the starting keys and users, a timing wrapper around the
# filter, the key rotation run beside the load, and the wait for delivery.

# load_init_state: the files the rotation writes and the check reads, the
# pool of keys the rotation draws from, and the starting state of SENDERS:
# customer A signs RSA, customer B RSA + Ed25519 (u4 RSA only).
load_init_state() {
  LOAD_EVENTS=$E2E_TMP/events.txt # selector changes, with times
  LOAD_KEYMAP=$E2E_TMP/keymap.txt # every DNS record ever published
  LOAD_ADMIN_ERR=$E2E_TMP/admin.err
  LOAD_ROTATOR_LOG=$E2E_TMP/rotator.log
  : >"$LOAD_EVENTS"
  : >"$LOAD_KEYMAP"
  : >"$LOAD_ADMIN_ERR"
  : >"$LOAD_ROTATOR_LOG"
  E2E_LOGS+=("$LOAD_ADMIN_ERR" "$LOAD_ROTATOR_LOG")
  load_make_pool
  load_new_key a.load.example ra0 rsa
  load_new_key b.load.example rb0 rsa
  load_new_key b.load.example eb0 ed25519
  local u
  for u in "${SENDERS[@]}"; do admin user add "$u" >/dev/null || die "user add $u failed"; done
  load_user_set u1@a.load.example ra0
  load_user_set u2@a.load.example ra0
  load_user_set u3@b.load.example rb0,eb0
  load_user_set u4@b.load.example rb0
  fix_db_permissions
  LOAD_CUR_A=ra0
  LOAD_CUR_B="rb0 eb0"
}

# load_wait_delivered SECONDS: until all LOAD_COUNT messages are in the
# maildir and the queue is empty, at most SECONDS.
load_delivered_count() { find "$PF_MAIL/inbox/new" -type f 2>/dev/null | wc -l; }
load_all_done() { [ "$(load_delivered_count)" -ge "$LOAD_COUNT" ] && pf_queue_empty; }
load_wait_delivered() {
  local deadline=$((SECONDS + $1))
  until load_all_done; do
    [ "$SECONDS" -lt "$deadline" ] ||
      die "after $1 s: $(load_delivered_count) of $LOAD_COUNT delivered; queue: $(pf_postqueue -p | tail -n 3)"
    sleep 0.2
  done
}

# load_start_rotator: load_rotator in the background (LOAD_ROTATOR_PID),
# until load_stop_rotator; killed at exit whatever happens.
load_start_rotator() {
  LOAD_ROTATOR_STOP=$E2E_TMP/rotator.stop
  load_rotator "$LOAD_ROTATOR_STOP" &
  LOAD_ROTATOR_PID=$!
  e2e_on_exit "kill $LOAD_ROTATOR_PID"
}

# load_stop_rotator: asks the rotation to stop, waits (30 s at most) and
# reports what it did.
load_stop_rotator() {
  local i
  touch "$LOAD_ROTATOR_STOP"
  for ((i = 0; i < 150; i++)); do kill -0 "$LOAD_ROTATOR_PID" 2>/dev/null || break; sleep 0.2; done
  kill -0 "$LOAD_ROTATOR_PID" 2>/dev/null && die "the key rotation did not stop within 30 s"
  wait "$LOAD_ROTATOR_PID" || die "key rotation failed: $(cat "$LOAD_ROTATOR_LOG")"
  note "rotation: $(cat "$LOAD_ROTATOR_LOG"), $(wc -l <"$LOAD_EVENTS") selector changes, $(grep -c TXT "$LOAD_KEYMAP") keys published"
}

# load_install_wrapper: replaces the harness's argv-recording wrapper (the
# path the example's argv= line points at) by one that records, per run, its
# start and end (bash's EPOCHREALTIME, no extra process), exit status, queue
# id and SASL user in $LOAD_RUNS, and the filter's own log line (--log
# stderr) in $LOAD_FILTER_LOG. The filter's stderr reaches Postfix only when
# the run failed, so a deferral still says why.
load_install_wrapper() {
  local dir=$E2E_TMP/runs
  mkdir -p "$dir"
  chmod 1777 "$dir"
  LOAD_RUNS=$dir/runs.log
  LOAD_FILTER_LOG=$dir/filter.log
  : >"$LOAD_RUNS"
  : >"$LOAD_FILTER_LOG"
  chmod 0666 "$LOAD_RUNS" "$LOAD_FILTER_LOG"
  E2E_LOGS+=("$LOAD_FILTER_LOG")
  cat >"$E2E_TMP/bin/dkim-filter" <<WRAPPER
#!/bin/bash
start=\$EPOCHREALTIME qid=- user=- prev=
for a in "\$@"; do
  case \$prev in -q) qid=\$a ;; -u) user=\${a:--} ;; esac
  [ "\$a" = -- ] && break
  prev=\$a
done
err=$dir/err.\$\$
"$E2E_TMP/bin/dkim-filter.real" --log stderr "\$@" 2>"\$err"
rc=\$?
printf '%s %s %s %s %s\\n' "\$start" "\$EPOCHREALTIME" "\$rc" "\$qid" "\$user" >>"$LOAD_RUNS"
cat "\$err" >>"$LOAD_FILTER_LOG"
[ "\$rc" -eq 0 ] || cat "\$err" >&2
rm -f "\$err"
exit "\$rc"
WRAPPER
  chmod 0755 "$E2E_TMP/bin/dkim-filter"
}

# load_tune_postfix: the example's dkimfilter service must allow 10
# processes; deferred mail is retried within seconds (the harness's 300 s
# would outlast the test), so a deferral cannot hide as "still queued".
load_tune_postfix() {
  local maxproc
  maxproc=$(postconf -c "$PF_CONF" -M dkimfilter/unix | awk '{ print $7 }')
  [ "$maxproc" = 10 ] || die "examples/postfix/master.cf: dkimfilter maxproc is '$maxproc', expected 10"
  postconf -c "$PF_CONF" -e queue_run_delay=5s minimal_backoff_time=5s \
    maximal_backoff_time=10s || die "postconf (backoff times) failed"
}

# load_now: wall-clock time in seconds with microseconds (as the wrapper).
load_now() { echo "$EPOCHREALTIME"; }

# load_user_set USER SELECTORS: changes a sending user's selectors and logs
# "BEGIN END USER SELECTORS" (times around the command) to $LOAD_EVENTS, from
# which the check knows which selectors a filter run may have used.
load_user_set() {
  local t0 t1
  t0=$(load_now)
  admin user set "$1" --selector "$2" >/dev/null 2>>"$LOAD_ADMIN_ERR" ||
    load_rotator_fail "user set $1 --selector $2"
  t1=$(load_now)
  printf '%s %s %s %s\n' "$t0" "$t1" "$1" "$2" >>"$LOAD_EVENTS"
}

# load_new_key DOMAIN SELECTOR ALGORITHM: generates a key and appends its
# DNS record to $LOAD_KEYMAP, which keeps every key ever published.
load_new_key() {
  admin key generate "$1" "$2" --algorithm "$3" >/dev/null 2>>"$LOAD_ADMIN_ERR" ||
    load_rotator_fail "key generate $1 $2 $3"
  load_record_dns "$1" "$2"
}

load_record_dns() {
  admin key dns "$1" "$2" >>"$LOAD_KEYMAP" 2>>"$LOAD_ADMIN_ERR" ||
    load_rotator_fail "key dns $1 $2"
}

# RSA keys are made before the load: generating a 2048-bit key takes the
# rotation seconds on two busy cores, and then it hardly rotates. The
# rotation imports them (PKCS#8 and PKCS#1) under ever new selectors; a key
# comes back only after LOAD_POOL others, long deleted by then.
LOAD_POOL=${LOAD_POOL:-16}
LOAD_CANONS=(relaxed/relaxed simple/simple relaxed/simple simple/relaxed)

load_make_pool() {
  mkdir -p "$E2E_TMP/pool"
  seq 0 $((LOAD_POOL - 1)) | xargs -P 2 -I{} openssl genpkey -algorithm RSA \
    -pkeyopt rsa_keygen_bits:2048 -out "$E2E_TMP/pool/{}.pem" 2>/dev/null ||
    die "openssl could not generate the RSA key pool"
  local i
  for ((i = 1; i < LOAD_POOL; i += 2)); do
    openssl rsa -in "$E2E_TMP/pool/$i.pem" -traditional -out "$E2E_TMP/pool/$i.pem" 2>/dev/null ||
      die "openssl rsa -traditional failed"
  done
}

# load_import_key DOMAIN SELECTOR K: imports pool key K with canonicalization
# number K of LOAD_CANONS.
load_import_key() {
  local canon=${LOAD_CANONS[$(($3 % ${#LOAD_CANONS[@]}))]}
  admin key import "$1" "$2" "$E2E_TMP/pool/$(($3 % LOAD_POOL)).pem" --canon "$canon" \
    >/dev/null 2>>"$LOAD_ADMIN_ERR" || load_rotator_fail "key import $1 $2 (pool $3, $canon)"
  load_record_dns "$1" "$2"
}

load_rotator_fail() {
  echo "dkim-filter-admin $* failed: $(tail -n 1 "$LOAD_ADMIN_ERR")" >>"$LOAD_ROTATOR_LOG"
  exit 1
}

# load_rotate_round K: new keys for one domain (alternating), its users
# moved to them, keys replaced LOAD_GRACE seconds ago deleted, and an
# unrelated user, IP range and key added, re-generated and deleted.
load_rotate_round() {
  local k=$1
  if ((k % 2)); then
    load_import_key a.load.example "ra$k" "$k"
    load_user_set u1@a.load.example "ra$k"
    load_user_set u2@a.load.example "ra$k"
    LOAD_RETIRED+=("$(load_now) a.load.example ${LOAD_CUR_A}")
    LOAD_CUR_A=ra$k
  else
    load_import_key b.load.example "rb$k" "$k"
    load_new_key b.load.example "eb$k" ed25519
    load_user_set u3@b.load.example "rb$k,eb$k"
    # u4 alternates between dual and RSA-only signing.
    if ((k % 4)); then load_user_set u4@b.load.example "rb$k"; else load_user_set u4@b.load.example "rb$k,eb$k"; fi
    LOAD_RETIRED+=("$(load_now) b.load.example ${LOAD_CUR_B}")
    LOAD_CUR_B="rb$k eb$k"
  fi
  admin user add "tmp$k@c.load.example" --selector "spare" >/dev/null 2>>"$LOAD_ADMIN_ERR" ||
    load_rotator_fail "user add tmp$k@c.load.example"
  admin user add "198.51.100.$((k % 250))/32" --domain c.load.example --selector spare \
    >/dev/null 2>>"$LOAD_ADMIN_ERR" || load_rotator_fail "user add 198.51.100.$((k % 250))/32"
  if ((k > 1)); then
    admin user delete "tmp$((k - 1))@c.load.example" >/dev/null 2>>"$LOAD_ADMIN_ERR" ||
      load_rotator_fail "user delete tmp$((k - 1))@c.load.example"
    admin user delete "198.51.100.$(((k - 1) % 250))" >/dev/null 2>>"$LOAD_ADMIN_ERR" ||
      load_rotator_fail "user delete 198.51.100.$(((k - 1) % 250))"
    admin key delete c.load.example spare --force >/dev/null 2>>"$LOAD_ADMIN_ERR" ||
      load_rotator_fail "key delete c.load.example spare"
  fi
  admin key generate c.load.example spare --algorithm ed25519 >/dev/null 2>>"$LOAD_ADMIN_ERR" ||
    load_rotator_fail "key generate c.load.example spare"
  load_delete_retired
}

# Deletes the retired keys whose grace period is over: a filter that read a
# user's old selectors just before the switch may still be loading the key.
load_delete_retired() {
  local keep=() entry t domain sel s now
  now=$(load_now)
  for entry in "${LOAD_RETIRED[@]}"; do
    read -r t domain sel <<<"$entry" || true
    # EPOCHREALTIME always has six decimals: without the dot, microseconds.
    if ((${now/./} - ${t/./} >= LOAD_GRACE * 1000000)); then
      for s in $sel; do
        admin key delete "$domain" "$s" --force >/dev/null 2>>"$LOAD_ADMIN_ERR" ||
          load_rotator_fail "key delete $domain $s"
        LOAD_DELETED=$((LOAD_DELETED + 1))
      done
    else
      keep+=("$entry")
    fi
  done
  LOAD_RETIRED=("${keep[@]}")
}

# load_rotator STOPFILE: rotation rounds every LOAD_ROUND_PAUSE seconds until
# STOPFILE exists; then prints its totals to $LOAD_ROTATOR_LOG. Runs in the
# background; exits non-zero if any admin command failed.
load_rotator() {
  local k=0
  trap - EXIT
  LOAD_RETIRED=()
  LOAD_DELETED=0
  while [ ! -e "$1" ]; do
    k=$((k + 1))
    load_rotate_round "$k"
    sleep "$LOAD_ROUND_PAUSE"
  done
  echo "rounds=$k keys_deleted=$LOAD_DELETED" >>"$LOAD_ROTATOR_LOG"
}
