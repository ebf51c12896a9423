# SPDX-License-Identifier: MIT
# Two authoritative DNS servers on loopback for tests/admin/*.test.sh
# (sourced after lib.sh): Knot DNS (Debian package knot), a primary that
# takes RFC 2136 updates signed with one TSIG key, and a secondary that
# copies the zone from it by zone transfer only when the test says so
# (dns_sync), so a test can hold one server behind the other.
#
#   dns_start ZONE...  start both, serving every ZONE; sets DNS_PRIMARY, DNS_SECONDARY (IP:PORT),
#                      DNS_KEY (BIND key file for updates), DNS_BAD_KEY. Random loopback ports,
#                      both servers on 127.0.0.1 and named ns1/ns2 at 127.0.0.1; with
#                      DNS_STANDARD_PORTS=1 (a private network namespace) 127.0.0.1:53 and
#                      127.0.0.2:53, which the zone's NS and A records name, as in the world.
#   dns_sync ZONE      make the secondary transfer the zone now; waits for it
#   dns_txt SERVER NAME   the TXT value(s) SERVER serves at NAME, strings joined
KNOTD=$(command -v knotd || echo /usr/sbin/knotd)
KNOTC=$(command -v knotc || echo /usr/sbin/knotc)
[[ -x $KNOTD && -x $KNOTC ]] || { echo "FAIL: knotd not installed (Debian package knot)"; exit 1; }
command -v dig >/dev/null || { echo "FAIL: dig not installed (Debian package dnsutils)"; exit 1; }

# A loopback port nothing listens on (TCP probe; knotd takes UDP and TCP).
dns_free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "$p"; return 0; fi
  done
  echo "FAIL: no free port" >&2; return 1
}

# dns_key_file FILE NAME: a BIND key statement with a fresh secret, as
# tsig-keygen(8) writes it.
dns_key_file() {
  printf 'key "%s" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' "$2" "$(openssl rand -base64 32)" > "$1"
  chmod 0640 "$1"
}

# dns_serial SERVER ZONE: the SOA serial SERVER serves, or nothing.
dns_serial() {
  dig +short +time=1 +tries=1 -p "${1##*:}" @"${1%:*}" "$2" SOA 2>/dev/null | awk '{ print $3 }'
}

dns_txt() {
  dig +short +time=2 +tries=1 -p "${1##*:}" @"${1%:*}" "$2" TXT 2>/dev/null |
    sed -e 's/" "//g' -e 's/^"//' -e 's/"$//'
}

# dns_wait WHAT CMD...: polls CMD (bounded: 10 s in 0.1 s steps).
dns_wait() {
  local what=$1; shift
  for _ in $(seq 1 100); do
    "$@" && return 0
    sleep 0.1
  done
  echo "FAIL: timed out waiting for $what"; return 1
}

dns_knot_conf() {  # DIR IP@PORT ROLE ZONE OTHER_IP@PORT
  local dir=$1 listen=$2 role=$3 zone=$4 other=${5:-}
  mkdir -p "$dir"
  {
    printf 'server:\n  rundir: %s\n  listen: %s\n  pidfile: %s/knot.pid\n' "$dir" "$listen" "$dir"
    printf 'log:\n  - target: %s/knot.log\n    any: info\n' "$dir"
    printf 'database:\n  storage: %s\n' "$dir"
    printf 'control:\n  listen: %s/knot.sock\n' "$dir"
    if [[ $role == primary ]]; then
      local secret
      secret=$(sed -n 's/.*secret "\(.*\)";/\1/p' "$DNS_KEY")
      printf 'key:\n  - id: %s\n    algorithm: hmac-sha256\n    secret: %s\n' "$(sed -n 's/^key "\(.*\)".*/\1/p' "$DNS_KEY")" "$secret"
      printf 'acl:\n  - id: update\n    key: %s\n    action: update\n' "$(sed -n 's/^key "\(.*\)".*/\1/p' "$DNS_KEY")"
      printf '  - id: transfer\n    address: 127.0.0.0/8\n    action: transfer\n'
      printf 'template:\n  - id: default\n    storage: %s\n    file: "%%s.zone"\n    zonefile-sync: -1\n' "$dir"
      printf '    zonefile-load: whole\n    journal-content: changes\n'
      printf 'zone:\n'
      for z in $zone; do printf '  - domain: %s\n    acl: [update, transfer]\n' "$z"; done
    else
      printf 'remote:\n  - id: primary\n    address: %s\n' "$other"
      printf 'template:\n  - id: default\n    storage: %s\n    file: "%%s.zone"\n    zonefile-sync: -1\n' "$dir"
      printf '    journal-content: changes\n'
      printf 'zone:\n'
      for z in $zone; do printf '  - domain: %s\n    master: primary\n' "$z"; done
    fi
  } > "$dir/knot.conf"
}

dns_start() {  # ZONE...: both servers serve every ZONE
  local zone="$*" z paddr=127.0.0.1 saddr=127.0.0.1 pport=53 sport=53
  if [[ ${DNS_STANDARD_PORTS:-} == 1 ]]; then
    saddr=127.0.0.2
  else
    pport=$(dns_free_port) && sport=$(dns_free_port) || exit 1
  fi
  DNS_PRIMARY=$paddr:$pport
  DNS_SECONDARY=$saddr:$sport
  DNS_KEY=$work/dns/update.key
  DNS_BAD_KEY=$work/dns/wrong.key
  mkdir -p "$work/dns"
  dns_key_file "$DNS_KEY" update-key
  dns_key_file "$DNS_BAD_KEY" update-key   # the same name, another secret
  dns_knot_conf "$work/dns/primary" "$paddr@$pport" primary "$zone"
  dns_knot_conf "$work/dns/secondary" "$saddr@$sport" secondary "$zone" "$paddr@$pport"
  for z in $zone; do
    cat > "$work/dns/primary/$z.zone" <<Z
\$ORIGIN $z.
\$TTL 300
@ IN SOA ns1.$z. admin.$z. 1 86400 3600 864000 300
@ IN NS ns1.$z.
@ IN NS ns2.$z.
ns1 IN A $paddr
ns2 IN A $saddr
Z
  done
  local role
  for role in primary secondary; do
    "$KNOTC" -c "$work/dns/$role/knot.conf" conf-check >/dev/null || { echo "FAIL: knot.conf ($role) rejected"; exit 1; }
  done
  "$KNOTD" -c "$work/dns/primary/knot.conf" > "$work/dns/primary.out" 2>&1 &
  DNS_PRIMARY_PID=$!
  cleanup_hooks+=("kill $DNS_PRIMARY_PID 2>/dev/null; wait $DNS_PRIMARY_PID 2>/dev/null")
  for z in $zone; do dns_wait "the primary to serve $z" dns_serving "$DNS_PRIMARY" "$z" || exit 1; done
  "$KNOTD" -c "$work/dns/secondary/knot.conf" > "$work/dns/secondary.out" 2>&1 &
  DNS_SECONDARY_PID=$!
  cleanup_hooks+=("kill $DNS_SECONDARY_PID 2>/dev/null; wait $DNS_SECONDARY_PID 2>/dev/null")
  dns_wait "the secondary's control socket" test -S "$work/dns/secondary/knot.sock" || exit 1
  for z in $zone; do dns_sync "$z" || exit 1; done
}

dns_serving() { [[ -n $(dns_serial "$1" "$2") ]]; }

# Asks the secondary to refresh (again: a request may meet a transfer
# under way) and says whether it serves the primary's serial.
dns_synced() {
  "$KNOTC" -s "$work/dns/secondary/knot.sock" zone-refresh "$1" >/dev/null 2>&1 || true
  local s
  s=$(dns_serial "$DNS_SECONDARY" "$1")
  [[ -n $s && $s == "$(dns_serial "$DNS_PRIMARY" "$1")" ]]
}

dns_sync() { dns_wait "the secondary to copy $1 (serial $(dns_serial "$DNS_PRIMARY" "$1"))" dns_synced "$1"; }
