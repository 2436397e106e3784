/* zmq_unbind of a tcp/ipc endpoint: once it returns, nothing sent towards
 * that endpoint arrives any more, whatever the I/O threads are doing (the
 * pipes of the connections accepted there are detached before unbind
 * returns). Looped to catch a race. */
#include "testutil.h"

#define ROUNDS 200

static void round_trip (void *ctx, const char *tr, int round)
{
    char ep[256], buf[32];
    int rc;
    void *pull = test_socket (ctx, ZMQ_PULL);
    void *push = test_socket (ctx, ZMQ_PUSH);
    if (strcmp (tr, "ipc") == 0) {
        char name[32];
        snprintf (name, sizeof name, "unbind-race-%d", round);
        ipc_endpoint (ep, sizeof ep, name);
        CHECK_RC (zmq_bind (pull, ep));
    } else
        bind_loopback (pull, ep, sizeof ep);
    CHECK_RC (zmq_connect (push, ep));
    SEND_STR (push, "before", 0);
    RECV_STR (pull, "before", 0);

    CHECK_RC (zmq_unbind (pull, ep));
    /* the PUSH may not know yet: the send may well succeed */
    rc = zmq_send (push, "after", 5, ZMQ_DONTWAIT);
    CHECK (rc == 5 || (rc == -1 && errno == EAGAIN));
    rc = zmq_recv (pull, buf, sizeof buf, ZMQ_DONTWAIT);
    if (rc >= 0) FAIL ("round %d %s: got %d bytes after unbind", round, tr, rc);
    if (round % 10 == 0) {
        /* and not later either */
        CHECK (!poll_socket (pull, ZMQ_POLLIN, 50));
    }
    close_socket (push);
    close_socket (pull);
}

int main (void)
{
    void *ctx;
    int i;
    test_start (50);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    for (i = 0; i < ROUNDS; i++) {
        round_trip (ctx, "tcp", i);
        round_trip (ctx, "ipc", i);
    }
    term_ctx (ctx);
    return 0;
}
