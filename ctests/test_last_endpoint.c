/* ZMQ_LAST_ENDPOINT: resolved tcp wildcard, the ipc wildcard, inproc, and the
 * connect string as given. */
#include "testutil.h"

static void last_endpoint (void *s, char *buf, size_t len)
{
    size_t l = len;
    CHECK_RC (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, buf, &l));
    CHECK (l >= 1 && l <= len);
    CHECK_EQ (buf[l - 1], 0); /* the length includes the NUL */
    CHECK_EQ (strlen (buf), l - 1);
}

int main (void)
{
    char ep[256], ep2[256];
    void *ctx, *a, *b, *c;
    int port = 0;
    test_start (20);
    setenv ("TMPDIR", test_tmpdir (), 1);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    a = test_socket (ctx, ZMQ_PULL);
    b = test_socket (ctx, ZMQ_PUSH);
    c = test_socket (ctx, ZMQ_PULL);

    /* nothing bound yet: empty string */
    last_endpoint (a, ep, sizeof ep);
    CHECK_STR (ep, "");

    CHECK_RC (zmq_bind (a, "tcp://127.0.0.1:*"));
    last_endpoint (a, ep, sizeof ep);
    CHECK (strncmp (ep, "tcp://127.0.0.1:", 16) == 0);
    port = atoi (ep + 16);
    CHECK (port > 0 && port < 65536);
    CHECK (strchr (ep + 16, '*') == NULL);

    /* port 0 behaves like * */
    CHECK_RC (zmq_bind (c, "tcp://127.0.0.1:0"));
    last_endpoint (c, ep2, sizeof ep2);
    CHECK (strncmp (ep2, "tcp://127.0.0.1:", 16) == 0);
    CHECK (atoi (ep2 + 16) > 0);

    /* the connect string is reported as given */
    CHECK_RC (zmq_connect (b, ep));
    last_endpoint (b, ep2, sizeof ep2);
    CHECK_STR (ep2, ep);
    SEND_STR (b, "via resolved", 0);
    RECV_STR (a, "via resolved", 0);

    /* ipc wildcard: a fresh path ending in /socket under $TMPDIR */
    CHECK_RC (zmq_bind (a, "ipc://*"));
    last_endpoint (a, ep, sizeof ep);
    CHECK (strncmp (ep, "ipc://", 6) == 0);
    CHECK (strchr (ep, '*') == NULL);
    CHECK (strlen (ep) > 6 + 7
           && strcmp (ep + strlen (ep) - 7, "/socket") == 0);
    CHECK_RC (zmq_connect (b, ep));
    last_endpoint (b, ep2, sizeof ep2);
    CHECK_STR (ep2, ep);

    /* named ipc and inproc are reported verbatim */
    ipc_endpoint (ep2, sizeof ep2, "named");
    CHECK_RC (zmq_bind (c, ep2));
    last_endpoint (c, ep, sizeof ep);
    CHECK_STR (ep, ep2);
    CHECK_RC (zmq_bind (c, "inproc://last-ep"));
    last_endpoint (c, ep, sizeof ep);
    CHECK_STR (ep, "inproc://last-ep");

    /* a too-small buffer is EINVAL */
    {
        char tiny[4];
        size_t l = sizeof tiny;
        CHECK_ERR (zmq_getsockopt (c, ZMQ_LAST_ENDPOINT, tiny, &l), EINVAL);
    }
    close_socket (a);
    close_socket (b);
    close_socket (c);
    term_ctx (ctx);
    return 0;
}
