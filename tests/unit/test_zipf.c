/* test_zipf.c — one-entry ZIP archives: round trip, a stored entry, and every damaged shape refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zlib.h>

#include "zipf.h"

static const char TXT[] = "411500ST0000000001\t411500MZ0000000001\t41150000000000000001\t157.00\t98.20\t58.80\t0\n"
                          "411500ST0000000002\t411500MZ0000000002\t41150000000000000002\t20.00\t0.00\t20.00\t0\n";

static void test_round_trip(void **state) {
  (void)state;
  uint8_t *z;
  size_t zn;
  assert_int_equal(zipf_write_one("对账明细.txt", TXT, sizeof TXT - 1, &z, &zn), 0);
  assert_int_equal(z[0], 'P'), assert_int_equal(z[1], 'K');
  char *out, name[64];
  size_t n;
  const char *why = NULL;
  assert_int_equal(zipf_read_first(z, zn, &out, &n, name, sizeof name, &why), 0);
  assert_int_equal(n, sizeof TXT - 1);
  assert_memory_equal(out, TXT, n);
  assert_int_equal(out[n], 0);
  assert_string_equal(name, "对账明细.txt");
  free(out);
  /* a flipped data byte: the inflate or the CRC-32 refuses it */
  z[30 + strlen("对账明细.txt") + 3] ^= 0x55;
  assert_int_equal(zipf_read_first(z, zn, &out, &n, name, sizeof name, &why), -1);
  assert_null(out);
  assert_non_null(why);
  /* cut short: no end of central directory */
  assert_int_equal(zipf_read_first(z, zn - 10, &out, &n, name, sizeof name, &why), -1);
  assert_string_equal(why, "not a ZIP archive (no end of central directory)");
  free(z);
}

/* A stored (method 0) entry, as some clients write small files, laid out by hand. */
static void test_stored_entry(void **state) {
  (void)state;
  const char *nm = "a.txt";
  size_t len = sizeof TXT - 1, nl = strlen(nm);
  uint8_t *z = calloc(1, 30 + nl + len + 46 + nl + 22);
  uint32_t crc = (uint32_t)crc32(0L, (const Bytef *)TXT, (uInt)len);
#define W16(p, v) ((p)[0] = (uint8_t)(v), (p)[1] = (uint8_t)((v) >> 8))
#define W32(p, v) (W16(p, (v) & 0xffff), W16((p) + 2, (v) >> 16))
  W32(z, 0x04034b50u), W16(z + 4, 10), W32(z + 14, crc), W32(z + 18, len), W32(z + 22, len), W16(z + 26, nl);
  memcpy(z + 30, nm, nl), memcpy(z + 30 + nl, TXT, len);
  uint8_t *c = z + 30 + nl + len;
  W32(c, 0x02014b50u), W16(c + 6, 10), W32(c + 16, crc), W32(c + 20, len), W32(c + 24, len), W16(c + 28, nl);
  memcpy(c + 46, nm, nl);
  uint8_t *e = c + 46 + nl;
  W32(e, 0x06054b50u), W16(e + 8, 1), W16(e + 10, 1), W32(e + 12, 46 + nl), W32(e + 16, (uint32_t)(c - z));
  char *out, name[8];
  size_t n;
  const char *why = NULL;
  assert_int_equal(zipf_read_first(z, (size_t)(e + 22 - z), &out, &n, name, sizeof name, &why), 0);
  assert_memory_equal(out, TXT, len);
  assert_string_equal(name, "a.txt");
  free(out);
  W32(c + 16, crc ^ 1u); /* the central directory's CRC no longer matches */
  assert_int_equal(zipf_read_first(z, (size_t)(e + 22 - z), &out, &n, name, sizeof name, &why), -1);
  assert_string_equal(why, "ZIP entry fails its CRC-32");
  W16(c + 10, 12); /* bzip2 */
  assert_int_equal(zipf_read_first(z, (size_t)(e + 22 - z), &out, &n, name, sizeof name, &why), -1);
  assert_string_equal(why, "ZIP entry compressed other than stored or deflated");
  free(z);
}

static void test_not_zip(void **state) {
  (void)state;
  char *out;
  size_t n;
  const char *why = NULL;
  const uint8_t txt[] = "setl_id\tmdtrt_id\tpsn_no\n0123456789abcdef0123";
  assert_int_equal(zipf_read_first(txt, sizeof txt, &out, &n, NULL, 0, &why), -1);
  assert_string_equal(why, "not a ZIP archive");
  assert_int_equal(zipf_read_first(txt, 3, &out, &n, NULL, 0, &why), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_stored_entry),
      cmocka_unit_test(test_not_zip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
