/* zipf.h — the one-file ZIP archives of the national interface's file exchange (9101 upload,
 * 3202's result, 9102 download): a TXT inside a ZIP. Reads the first entry of an archive
 * (stored or deflated, checked against its CRC-32) and writes a one-entry archive (deflated).
 * zlib does the compression; the container is read from its central directory. */
#ifndef YIBAO_ZIPF_H
#define YIBAO_ZIPF_H

#include <stddef.h>
#include <stdint.h>

#define ZIPF_MAX_OUT (16u << 20) /* an entry larger than this is refused (a zip bomb guard: a month of
                                  * a large hospital's settlements is ~10 MB of TXT) */

/* The first entry of the archive buf[0..n): its bytes (malloc'd, NUL-terminated, *out_n without
 * the NUL) and its name. Returns 0, or -1 with why (a static text) set. */
int zipf_read_first(const uint8_t *buf, size_t n, char **out, size_t *out_n, char *name, size_t name_cap,
                    const char **why);

/* An archive of one entry `name` holding data[0..n): malloc'd into *out, *out_n. 0 or -1. */
int zipf_write_one(const char *name, const char *data, size_t n, uint8_t **out, size_t *out_n);

#endif
