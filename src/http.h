/* http.h — the HTTP front: libmicrohttpd with an epoll thread pool. Routes
 * POST /fsi/api/rsfComIfsService/callService[/{infno}] to api_call_start, parks write calls
 * (polled, not suspended) until the group commit answers them, limits body size; /api/v1/ to admin_handle;
 * GET of other paths to the console's static files. */
#ifndef YB_HTTP_H
#define YB_HTTP_H

#include "admin.h"
#include "api.h"
#include "err.h"

typedef struct http_server http_server;

/* Start serving; host is an IPv4 address ("127.0.0.1", "0.0.0.0"). adm serves /api/v1/; web is
 * the console's folder (its npm libraries are in web/../node_modules), or NULL for none. */
int http_start(api_server *srv, admin_server *adm, const char *web, const char *host, int port,
               int threads, http_server **out, yb_err *e);
/* Stop accepting, let the writer finish what is queued, stop. */
void http_stop(http_server *h);

#endif
