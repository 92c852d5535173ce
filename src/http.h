/* http.h — the HTTP front: libmicrohttpd with an epoll thread pool. Routes
 * POST /fsi/api/rsfComIfsService/callService[/{infno}] to api_call_start, parks write calls
 * (suspend) until the group commit answers them, limits body size. */
#ifndef YB_HTTP_H
#define YB_HTTP_H

#include "api.h"
#include "err.h"

typedef struct http_server http_server;

/* Start serving; host is an IPv4 address ("127.0.0.1", "0.0.0.0"). */
int http_start(api_server *srv, const char *host, int port, int threads, http_server **out,
               yb_err *e);
/* Stop accepting, let the writer finish what is queued, stop. */
void http_stop(http_server *h);

#endif
