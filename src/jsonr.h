/* jsonr.h — JSON text in: json_loadb's result for request bodies, faster. A small strict parser
 * builds the jansson tree for the plain documents HIS clients send; anything it does not take
 * (exponents, surrogate pairs, huge numbers, any error) goes to json_loadb itself, so the
 * accepted documents, the trees and the error texts are jansson's. */
#ifndef YB_JSONR_H
#define YB_JSONR_H

#include <jansson.h>
#include <stddef.h>

/* json_loadb(s, n, flags, err) with the same result (a new reference, or NULL and *err).
 * flags: 0 or JSON_ALLOW_NUL take the fast path; other flags go to jansson directly. */
json_t *jsonr_loadb(const char *s, size_t n, size_t flags, json_error_t *err);
/* The fast path alone: NULL where it declines (the caller then asks jansson). */
json_t *jsonr_fast(const char *s, size_t n, size_t flags);

#endif
