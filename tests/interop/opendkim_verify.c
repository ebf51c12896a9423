// SPDX-License-Identifier: MIT
// Independent DKIM verifier on OpenDKIM's libopendkim, for the interop tests.
//
//   opendkim_verify --features
//   opendkim_verify KEYFILE MESSAGE...
//
// KEYFILE uses libopendkim's file query method (DKIM_QUERY_FILE), one key per
// line: "SELECTOR._domainkey.DOMAIN<whitespace>TXT-VALUE". No DNS is used.
// Messages are fed to libopendkim exactly as they are on disk; the caller
// (verify_all) converts them to CRLF, the SMTP wire form, beforehand.
//
// For every DKIM-Signature of every message one line goes to stdout:
//   FILE <TAB> DOMAIN <TAB> SELECTOR <TAB> ALGORITHM <TAB> pass|fail <TAB> DETAIL
// and "FILE - - - none DETAIL" when libopendkim found no signature at all.
// Exit status: 0 when every message was processed (whatever the verdicts),
// 2 on a usage or I/O error.
#include <opendkim/dkim.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int read_file(const char *path, unsigned char **data, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return -1;
  size_t cap = 1 << 16, n = 0;
  unsigned char *buf = malloc(cap);
  for (;;) {
    if (buf == NULL) {
      fclose(f);
      return -1;
    }
    n += fread(buf + n, 1, cap - n, f);
    if (n < cap) break;
    cap *= 2;
    buf = realloc(buf, cap);
  }
  int err = ferror(f);
  fclose(f);
  if (err) {
    free(buf);
    return -1;
  }
  *data = buf;
  *len = n;
  return 0;
}

static const char *alg_name(DKIM_SIGINFO *sig) {
  dkim_alg_t alg = DKIM_SIGN_UNKNOWN;
  if (dkim_sig_getsignalg(sig, &alg) != DKIM_STAT_OK) return "?";
  switch (alg) {
    case DKIM_SIGN_RSASHA1: return "rsa-sha1";
    case DKIM_SIGN_RSASHA256: return "rsa-sha256";
#ifdef DKIM_SIGN_ED25519SHA256
    case DKIM_SIGN_ED25519SHA256: return "ed25519-sha256";
#endif
    default: return "?";
  }
}

static void report_sig(const char *path, DKIM_SIGINFO *sig) {
  const unsigned char *d = dkim_sig_getdomain(sig);
  const unsigned char *s = dkim_sig_getselector(sig);
  unsigned int flags = dkim_sig_getflags(sig);
  int bh = dkim_sig_getbh(sig);
  int ok = DKIM_SIG_CHECK(sig);
  const char *err = dkim_sig_geterrorstr(dkim_sig_geterror(sig));
  printf("%s\t%s\t%s\t%s\t%s\tflags=0x%x bh=%s error=%s\n", path, d ? (const char *)d : "-",
         s ? (const char *)s : "-", alg_name(sig), ok ? "pass" : "fail", flags,
         bh == DKIM_SIGBH_MATCH ? "match" : bh == DKIM_SIGBH_MISMATCH ? "mismatch" : "untested",
         err ? err : "none");
}

static int verify_one(DKIM_LIB *lib, const char *path) {
  unsigned char *msg = NULL;
  size_t len = 0;
  if (read_file(path, &msg, &len) != 0) {
    fprintf(stderr, "opendkim_verify: cannot read %s\n", path);
    return -1;
  }
  DKIM_STAT st = DKIM_STAT_OK;
  DKIM *dkim = dkim_verify(lib, (const unsigned char *)path, NULL, &st);
  if (dkim == NULL) {
    fprintf(stderr, "opendkim_verify: dkim_verify: %s\n", dkim_getresultstr(st));
    free(msg);
    return -1;
  }
  DKIM_STAT chunk = dkim_chunk(dkim, msg, len);
  if (chunk == DKIM_STAT_OK) chunk = dkim_chunk(dkim, NULL, 0);
  DKIM_STAT eom = chunk == DKIM_STAT_OK ? dkim_eom(dkim, NULL) : chunk;
  DKIM_SIGINFO **sigs = NULL;
  int nsigs = 0;
  if (dkim_getsiglist(dkim, &sigs, &nsigs) != DKIM_STAT_OK) nsigs = 0;
  for (int i = 0; i < nsigs; i++) report_sig(path, sigs[i]);
  if (nsigs == 0)
    printf("%s\t-\t-\t-\tnone\t%s (%s)\n", path, dkim_getresultstr(eom),
           dkim_geterror(dkim) ? dkim_geterror(dkim) : "");
  dkim_free(dkim);
  free(msg);
  return 0;
}

int main(int argc, char **argv) {
  DKIM_LIB *lib = dkim_init(NULL, NULL);
  if (lib == NULL) {
    fprintf(stderr, "opendkim_verify: dkim_init failed\n");
    return 2;
  }
  if (argc == 2 && strcmp(argv[1], "--features") == 0) {
    printf("ed25519=%s\n", dkim_libfeature(lib, DKIM_FEATURE_ED25519) ? "yes" : "no");
    dkim_close(lib);
    return 0;
  }
  if (argc < 3) {
    fprintf(stderr, "usage: opendkim_verify KEYFILE MESSAGE... | --features\n");
    return 2;
  }
  dkim_query_t qtype = DKIM_QUERY_FILE;
  if (dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYMETHOD, &qtype, sizeof qtype) != DKIM_STAT_OK ||
      dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYINFO, argv[1], strlen(argv[1])) !=
          DKIM_STAT_OK) {
    fprintf(stderr, "opendkim_verify: cannot select the file query method\n");
    return 2;
  }
  int rc = 0;
  for (int i = 2; i < argc; i++)
    if (verify_one(lib, argv[i]) != 0) rc = 2;
  dkim_close(lib);
  return rc;
}
