/* dip_policy.h — the "dip" section of a policy file (docs/policy.md): DIP catalogue, scoring,
 * advance and clearing parameters, read into dip_params with every problem named by JSON path. */
#ifndef YB_DIP_POLICY_H
#define YB_DIP_POLICY_H

#include <jansson.h>

#include "dip.h"

/* Called once per problem with its JSON path ("dip.weights[1]") and message. */
typedef void (*dip_policy_fail_fn)(void *ctx, int code, const char *path, const char *msg);

/* Defaults, then every key of `v` (borrowed). Returns the number of problems. */
int dip_policy_parse(json_t *v, const char *path, dip_params *out, dip_policy_fail_fn fail, void *ctx);

#endif
