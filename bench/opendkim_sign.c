// SPDX-License-Identifier: MIT
// A minimal DKIM signer on OpenDKIM's libopendkim: the benchmark's baseline
// (opendkim-testmsg only signs rsa-sha1) and a second reference signer for
// the interop harness. Same command line as `dkim-filter --key`:
//
//   opendkim_sign --stdout --key FILE -d DOMAIN -s SELECTOR [--canon H/B]
//
// Reads the whole message from stdin into memory (as libopendkim users such
// as opendkim-testmsg do), signs it rsa-sha256 (ed25519-sha256 for an Ed25519
// key) over dkim-filter's default header list with From over-signed, and writes the
// DKIM-Signature field followed by the unchanged input, in the input's
// line-ending style. DKIM_LIBFLAGS_FIXCRLF lets libopendkim hash LF input as
// CRLF.
#include <errno.h>
#include <opendkim/dkim.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *kSignHeaders[] = {"from",
                                     "date",
                                     "subject",
                                     "reply-to",
                                     "sender",
                                     "to",
                                     "cc",
                                     "bcc",
                                     "message-id",
                                     "in-reply-to",
                                     "references",
                                     "content-type",
                                     "mime-version",
                                     "content-transfer-encoding",
                                     NULL};
static const char *kOversign[] = {"from", NULL};

static int slurp(int fd, unsigned char **data, size_t *len) {
  size_t cap = 1 << 16, n = 0;
  unsigned char *buf = malloc(cap);
  for (;;) {
    if (buf == NULL) return -1;
    if (n == cap) {
      cap *= 2;
      unsigned char *grown = realloc(buf, cap);
      if (grown == NULL) {
        free(buf);
        return -1;
      }
      buf = grown;
    }
    ssize_t got = read(fd, buf + n, cap - n);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      free(buf);
      return -1;
    }
    if (got == 0) break;
    n += (size_t)got;
  }
  *data = buf;
  *len = n;
  return 0;
}

static void die(const char *what, const char *detail) {
  fprintf(stderr, "opendkim_sign: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  exit(75);
}

static dkim_canon_t canon_of(const char *name) {
  if (strcmp(name, "relaxed") == 0) return DKIM_CANON_RELAXED;
  if (strcmp(name, "simple") == 0) return DKIM_CANON_SIMPLE;
  die("unknown canonicalization", name);
  return DKIM_CANON_SIMPLE;
}

// Writes the signature field with libopendkim's folding turned into `eol`.
static void write_field(const unsigned char *hdr, size_t len, const char *eol) {
  fputs("DKIM-Signature: ", stdout);
  for (size_t i = 0; i < len; i++) {
    if (hdr[i] == '\r') continue;
    if (hdr[i] == '\n')
      fputs(eol, stdout);
    else
      putchar(hdr[i]);
  }
  fputs(eol, stdout);
}

int main(int argc, char **argv) {
  const char *key_path = NULL, *domain = NULL, *selector = NULL;
  char canon[32] = "relaxed/relaxed";
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--stdout") == 0) continue;
    if (i + 1 >= argc) die("usage", "opendkim_sign --stdout --key FILE -d DOMAIN -s SELECTOR");
    if (strcmp(argv[i], "--key") == 0)
      key_path = argv[++i];
    else if (strcmp(argv[i], "-d") == 0)
      domain = argv[++i];
    else if (strcmp(argv[i], "-s") == 0)
      selector = argv[++i];
    else if (strcmp(argv[i], "--canon") == 0)
      snprintf(canon, sizeof canon, "%s", argv[++i]);
    else
      die("unknown option", argv[i]);
  }
  if (!key_path || !domain || !selector) die("usage", "--key, -d and -s are required");
  char *slash = strchr(canon, '/');
  if (slash) *slash = '\0';
  dkim_canon_t hcanon = canon_of(canon), bcanon = canon_of(slash ? slash + 1 : "simple");

  FILE *kf = fopen(key_path, "rb");
  if (!kf) die("cannot read key", key_path);
  unsigned char *key = NULL, *msg = NULL;
  size_t key_len = 0, msg_len = 0;
  if (slurp(fileno(kf), &key, &key_len) != 0) die("cannot read key", key_path);
  fclose(kf);
  unsigned char *keyz = realloc(key, key_len + 1);
  if (!keyz) die("out of memory", NULL);
  keyz[key_len] = '\0';
  if (slurp(0, &msg, &msg_len) != 0) die("cannot read stdin", strerror(errno));

  DKIM_LIB *lib = dkim_init(NULL, NULL);
  if (!lib) die("dkim_init failed", NULL);
  unsigned int flags = DKIM_LIBFLAGS_FIXCRLF;
  // list options take the array pointer and its size (sizeof(char **))
  if (dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags, sizeof flags) != DKIM_STAT_OK ||
      dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_SIGNHDRS, (void *)kSignHeaders, sizeof(const char **)) !=
          DKIM_STAT_OK ||
      dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_OVERSIGNHDRS, (void *)kOversign, sizeof(const char **)) !=
          DKIM_STAT_OK)
    die("dkim_options failed", NULL);
  dkim_alg_t alg = strstr((char *)keyz, "BEGIN PRIVATE KEY") && key_len < 200 ? DKIM_SIGN_ED25519SHA256
                                                                              : DKIM_SIGN_RSASHA256;
  DKIM_STAT st = DKIM_STAT_OK;
  DKIM *dkim = dkim_sign(lib, (const unsigned char *)"bench", NULL, keyz, (const unsigned char *)selector,
                         (const unsigned char *)domain, hcanon, bcanon, alg, -1, &st);
  if (!dkim) die("dkim_sign", dkim_getresultstr(st));
  if ((st = dkim_chunk(dkim, msg, msg_len)) != DKIM_STAT_OK ||
      (st = dkim_chunk(dkim, NULL, 0)) != DKIM_STAT_OK || (st = dkim_eom(dkim, NULL)) != DKIM_STAT_OK)
    die("signing failed", dkim_geterror(dkim) ? dkim_geterror(dkim) : dkim_getresultstr(st));
  unsigned char *hdr = NULL;
  size_t hdr_len = 0;
  st = dkim_getsighdr_d(dkim, strlen("DKIM-Signature: "), &hdr, &hdr_len);
  if (st != DKIM_STAT_OK) die("dkim_getsighdr_d", dkim_getresultstr(st));
  const unsigned char *nl = memchr(msg, '\n', msg_len);
  write_field(hdr, hdr_len, nl && nl > msg && nl[-1] == '\r' ? "\r\n" : "\n");
  if (fwrite(msg, 1, msg_len, stdout) != msg_len || fflush(stdout) != 0) die("write failed", strerror(errno));
  dkim_free(dkim);
  dkim_close(lib);
  free(msg);
  free(keyz);
  return 0;
}
