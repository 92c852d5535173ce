/* zipf.c — one-entry ZIP archives (zipf.h). The layout follows PKWARE's APPNOTE: local file
 * header (PK\3\4), data, central directory header (PK\1\2), end of central directory (PK\5\6).
 * No ZIP64, no encryption, no multi-disk archives: a reconciliation file is far below 4 GiB. */
#include "zipf.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

static uint32_t rd16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | rd16(p + 2) << 16; }
static void wr16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static void wr32(uint8_t *p, uint32_t v) { wr16(p, v & 0xffff), wr16(p + 2, v >> 16); }

enum { LOCAL = 30, CENTRAL = 46, EOCD = 22 };

static int fail(const char **why, const char *msg) {
  if (why) *why = msg;
  return -1;
}

/* Raw deflate data (no zlib header) of in[0..n) into exactly want bytes. */
static int inflate_raw(const uint8_t *in, size_t n, uint8_t *out, size_t want) {
  z_stream z;
  memset(&z, 0, sizeof z);
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return -1;
  z.next_in = (Bytef *)in, z.avail_in = (uInt)n;
  z.next_out = out, z.avail_out = (uInt)want;
  int rc = inflate(&z, Z_FINISH);
  size_t got = want - z.avail_out;
  inflateEnd(&z);
  return rc == Z_STREAM_END && got == want ? 0 : -1;
}

int zipf_read_first(const uint8_t *buf, size_t n, char **out, size_t *out_n, char *name, size_t name_cap,
                    const char **why) {
  *out = NULL, *out_n = 0;
  if (name_cap) name[0] = 0;
  if (n < EOCD || rd32(buf) != 0x04034b50) return fail(why, "not a ZIP archive");
  size_t e = n - EOCD, stop = n > EOCD + 65535 ? n - EOCD - 65535 : 0; /* the EOCD ends the file, */
  while (rd32(buf + e) != 0x06054b50) {                                  /* before its comment */
    if (e == stop) return fail(why, "not a ZIP archive (no end of central directory)");
    e--;
  }
  if (rd16(buf + e + 10) < 1) return fail(why, "the ZIP archive is empty");
  size_t c = rd32(buf + e + 16);
  if (c > e || e - c < CENTRAL || rd32(buf + c) != 0x02014b50) return fail(why, "damaged ZIP central directory");
  uint32_t flags = rd16(buf + c + 8), method = rd16(buf + c + 10), crc = rd32(buf + c + 16);
  size_t csize = rd32(buf + c + 20), usize = rd32(buf + c + 24), nlen = rd16(buf + c + 28);
  size_t local = rd32(buf + c + 42);
  if (flags & 1) return fail(why, "encrypted ZIP entries are not accepted");
  if (method != 0 && method != 8) return fail(why, "ZIP entry compressed other than stored or deflated");
  if (usize > ZIPF_MAX_OUT) return fail(why, "ZIP entry too large");
  if (c + CENTRAL + nlen > e) return fail(why, "damaged ZIP central directory");
  if (local > c || c - local < LOCAL || rd32(buf + local) != 0x04034b50) return fail(why, "damaged ZIP entry");
  size_t data = local + LOCAL + rd16(buf + local + 26) + rd16(buf + local + 28);
  if (data > c || c - data < csize) return fail(why, "damaged ZIP entry");
  if (name_cap) {
    size_t k = nlen < name_cap - 1 ? nlen : name_cap - 1;
    memcpy(name, buf + c + CENTRAL, k);
    name[k] = 0;
  }
  uint8_t *b = malloc(usize + 1);
  if (!b) return fail(why, "out of memory");
  int rc = method == 0 ? (csize == usize ? (memcpy(b, buf + data, usize), 0) : -1)
                       : inflate_raw(buf + data, csize, b, usize);
  if (rc || (uint32_t)crc32(0L, b, (uInt)usize) != crc) {
    free(b);
    return fail(why, rc ? "damaged ZIP data" : "ZIP entry fails its CRC-32");
  }
  b[usize] = 0;
  *out = (char *)b, *out_n = usize;
  return 0;
}

int zipf_write_one(const char *name, const char *data, size_t n, uint8_t **out, size_t *out_n) {
  size_t nlen = strlen(name);
  uLong bound = compressBound((uLong)n);
  uint8_t *z = malloc(LOCAL + nlen + bound + CENTRAL + nlen + EOCD);
  if (!z || n > ZIPF_MAX_OUT || nlen > 0xffff) {
    free(z);
    return -1;
  }
  uint8_t *d = z + LOCAL + nlen;
  z_stream s;
  memset(&s, 0, sizeof s);
  if (deflateInit2(&s, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    free(z);
    return -1;
  }
  s.next_in = (Bytef *)data, s.avail_in = (uInt)n;
  s.next_out = d, s.avail_out = (uInt)bound;
  int rc = deflate(&s, Z_FINISH);
  size_t csize = s.total_out;
  deflateEnd(&s);
  if (rc != Z_STREAM_END) {
    free(z);
    return -1;
  }
  uint32_t crc = (uint32_t)crc32(0L, (const Bytef *)data, (uInt)n);
  time_t now = time(NULL);
  struct tm t;
  localtime_r(&now, &t);
  uint32_t dtime = (uint32_t)(t.tm_hour << 11 | t.tm_min << 5 | t.tm_sec / 2);
  uint32_t ddate = (uint32_t)((t.tm_year - 80) << 9 | (t.tm_mon + 1) << 5 | t.tm_mday);
  /* the fields a local and a central header share, from "version needed" on */
  uint8_t common[26];
  wr16(common, 20), wr16(common + 2, 0x0800 /* UTF-8 name */), wr16(common + 4, 8);
  wr16(common + 6, dtime), wr16(common + 8, ddate), wr32(common + 10, crc);
  wr32(common + 14, (uint32_t)csize), wr32(common + 18, (uint32_t)n), wr16(common + 22, (uint32_t)nlen);
  wr16(common + 24, 0);
  wr32(z, 0x04034b50);
  memcpy(z + 4, common, sizeof common);
  memcpy(z + LOCAL, name, nlen);
  uint8_t *c = d + csize;
  memset(c, 0, CENTRAL);
  wr32(c, 0x02014b50), wr16(c + 4, 20);
  memcpy(c + 6, common, sizeof common);
  wr32(c + 42, 0); /* the local header's offset */
  memcpy(c + CENTRAL, name, nlen);
  uint8_t *e = c + CENTRAL + nlen;
  memset(e, 0, EOCD);
  wr32(e, 0x06054b50), wr16(e + 8, 1), wr16(e + 10, 1);
  wr32(e + 12, (uint32_t)(CENTRAL + nlen)), wr32(e + 16, (uint32_t)(c - z));
  *out = z, *out_n = (size_t)(e + EOCD - z);
  return 0;
}
