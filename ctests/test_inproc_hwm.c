/* inproc high-water marks, as libzmq 4.3: the limit of an inproc pipe is the
 * writer's SNDHWM + the reader's RCVHWM (unlimited if either is 0); the
 * routing-id frame each side is greeted with does not count. A connect made
 * before the bind is limited by the connecter's SNDHWM alone until then. */
#include "testutil.h"

#define MAX_MSGS 100000

/* DONTWAIT sends until EAGAIN (at most MAX_MSGS). */
static int fill (void *s)
{
    int n = 0;
    while (n < MAX_MSGS) {
        int rc = zmq_send (s, "x", 1, ZMQ_DONTWAIT);
        if (rc == -1) {
            CHECK_EQ (errno, EAGAIN);
            break;
        }
        n++;
    }
    return n;
}

/* PUSH -> PULL over inproc with the given HWMs; returns how many messages
 * were accepted. connect_first: connect before the bind; send_before: fill
 * before the bind too (the count is then the total of both fills). */
static int push_pull (void *ctx, int sndhwm, int rcvhwm, int connect_first,
                      int send_before, int *before)
{
    static int k;
    char ep[64];
    int n = 0;
    void *pull = test_socket (ctx, ZMQ_PULL);
    void *push = test_socket (ctx, ZMQ_PUSH);
    snprintf (ep, sizeof ep, "inproc://inproc-hwm-%d", k++);
    set_int (pull, ZMQ_RCVHWM, rcvhwm);
    set_int (push, ZMQ_SNDHWM, sndhwm);
    if (connect_first) {
        CHECK_RC (zmq_connect (push, ep));
        if (send_before)
            n = *before = fill (push);
        CHECK_RC (zmq_bind (pull, ep));
    } else {
        CHECK_RC (zmq_bind (pull, ep));
        CHECK_RC (zmq_connect (push, ep));
    }
    n += fill (push);
    /* everything accepted arrives, in order and whole */
    {
        int got = drain (pull);
        CHECK_EQ (got, n < MAX_MSGS ? n : got);
    }
    close_socket (push);
    close_socket (pull);
    return n;
}

/* PUB with SNDHWM 5 to a SUB with RCVHWM 5 that does not read: 10 of 100
 * arrive (the pipe holds 5 + 5). */
static void pub_sub (void *ctx)
{
    int i;
    void *pub = test_socket (ctx, ZMQ_PUB);
    void *sub = test_socket (ctx, ZMQ_SUB);
    set_int (pub, ZMQ_SNDHWM, 5);
    set_int (sub, ZMQ_RCVHWM, 5);
    CHECK_RC (zmq_bind (pub, "inproc://inproc-hwm-pub"));
    CHECK_RC (zmq_connect (sub, "inproc://inproc-hwm-pub"));
    CHECK_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0));
    for (i = 0; i < 100; i++)
        CHECK_EQ (zmq_send (pub, "x", 1, ZMQ_DONTWAIT), 1);
    CHECK_EQ (drain (sub), 10);
    close_socket (sub);
    close_socket (pub);
}

/* A ROUTER reading from an inproc DEALER: the routing-id frame it keeps
 * does not take a place either. */
static void router_peer (void *ctx)
{
    int n;
    char buf[16];
    void *router = test_socket (ctx, ZMQ_ROUTER);
    void *dealer = test_socket (ctx, ZMQ_DEALER);
    set_int (router, ZMQ_RCVHWM, 1);
    set_int (dealer, ZMQ_SNDHWM, 1);
    CHECK_RC (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "D", 1));
    CHECK_RC (zmq_bind (router, "inproc://inproc-hwm-router"));
    CHECK_RC (zmq_connect (dealer, "inproc://inproc-hwm-router"));
    n = fill (dealer);
    CHECK_EQ (n, 2);
    for (; n > 0; n--) {
        CHECK_EQ (zmq_recv (router, buf, sizeof buf, 0), 1);
        CHECK_EQ (buf[0], 'D');
        CHECK_EQ (zmq_recv (router, buf, sizeof buf, 0), 1);
        CHECK_EQ (buf[0], 'x');
    }
    close_socket (dealer);
    close_socket (router);
}

int main (void)
{
    int before = -1;
    void *ctx;
    test_start (30);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);

    CHECK_EQ (push_pull (ctx, 1, 1, 0, 0, NULL), 2);
    CHECK_EQ (push_pull (ctx, 10, 10, 0, 0, NULL), 20);
    CHECK_EQ (push_pull (ctx, 3, 7, 0, 0, NULL), 10);
    CHECK_EQ (push_pull (ctx, 4, 0, 0, 0, NULL), MAX_MSGS);
    CHECK_EQ (push_pull (ctx, 0, 4, 0, 0, NULL), MAX_MSGS);
    /* connect before bind, sending after the bind: the sum */
    CHECK_EQ (push_pull (ctx, 4, 4, 1, 0, NULL), 8);
    /* sending before the bind: the connecter's SNDHWM alone; a writer held
     * at its HWM stays held until the reader reads */
    CHECK_EQ (push_pull (ctx, 4, 4, 1, 1, &before), 4);
    CHECK_EQ (before, 4);
    CHECK_EQ (push_pull (ctx, 1, 1, 1, 1, &before), 1);
    CHECK_EQ (before, 1);
    pub_sub (ctx);
    router_peer (ctx);
    term_ctx (ctx);
    return 0;
}
