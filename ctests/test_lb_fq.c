/* PUSH load-balances round-robin across 3 PULLs; PULL fair-queues between
 * 2 PUSHes. */
#include "testutil.h"

static void load_balance (void *ctx, const char *tr)
{
    char ep[3][256];
    void *pull[3];
    void *push = test_socket (ctx, ZMQ_PUSH);
    int i, p;
    /* The PULLs bind and the PUSH connects: with IMMEDIATE=0 every pipe
     * exists as soon as zmq_connect returns, so round-robin is exact. */
    for (p = 0; p < 3; p++) {
        pull[p] = test_socket (ctx, ZMQ_PULL);
        bind_transport (pull[p], tr, ep[p], sizeof ep[p]);
        CHECK_RC (zmq_connect (push, ep[p]));
    }
    for (i = 0; i < 30; i++)
        SEND_STR (push, "work", 0);
    for (p = 0; p < 3; p++) {
        for (i = 0; i < 10; i++)
            RECV_STR (pull[p], "work", 0);
    }
    for (p = 0; p < 3; p++) {
        char buf[16];
        if (zmq_recv (pull[p], buf, sizeof buf, ZMQ_DONTWAIT) != -1)
            FAIL ("%s: PULL %d got more than its share of 10", tr, p);
        close_socket (pull[p]);
    }
    close_socket (push);
}

static void fair_queue (void *ctx, const char *tr)
{
    char ep[256];
    char buf[16];
    int i, a = 0, b = 0, first_b = -1;
    void *pull = test_socket (ctx, ZMQ_PULL);
    void *pa = test_socket (ctx, ZMQ_PUSH);
    void *pb = test_socket (ctx, ZMQ_PUSH);
    bind_transport (pull, tr, ep, sizeof ep);
    CHECK_RC (zmq_connect (pa, ep));
    CHECK_RC (zmq_connect (pb, ep));
    for (i = 0; i < 10; i++) {
        SEND_STR (pa, "A", 0);
        SEND_STR (pb, "B", 0);
    }
    /* over tcp the arrival order is up to the network: only totals count */
    for (i = 0; i < 20; i++) {
        int n = zmq_recv (pull, buf, sizeof buf, 0);
        CHECK_EQ (n, 1);
        if (buf[0] == 'A')
            a++;
        else if (buf[0] == 'B') {
            if (first_b < 0)
                first_b = i;
            b++;
        } else
            FAIL ("unexpected message %c", buf[0]);
    }
    CHECK_EQ (a, 10);
    CHECK_EQ (b, 10);
    /* inproc pipes are attached together at the PULL's first call, so
     * fair-queueing alternates from the start */
    if (strcmp (tr, "inproc") == 0)
        CHECK (first_b == 0 || first_b == 1);
    close_socket (pa);
    close_socket (pb);
    close_socket (pull);
}

int main (void)
{
    void *ctx;
    test_start (30);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    load_balance (ctx, "inproc");
    load_balance (ctx, "tcp");
    load_balance (ctx, "ipc");
    fair_queue (ctx, "inproc");
    fair_queue (ctx, "tcp");
    term_ctx (ctx);
    return 0;
}
