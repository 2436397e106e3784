/* ZMQ_LINGER: default -1 (term waits until queued messages are sent),
 * 0 (term returns at once, messages dropped), N ms (term waits about N). */
#include "testutil.h"

/* An endpoint nobody listens on (not a "free" tcp port, which a test
 * running in parallel could be given). */
static void dead_endpoint (char *ep, size_t len)
{
    ipc_endpoint (ep, len, "nobody");
}

/* PUSH with a queued message to nobody, linger as given: returns term time */
static long long term_time (int linger)
{
    char ep[256];
    long long t0;
    void *ctx = zmq_ctx_new ();
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    CHECK (push != NULL);
    dead_endpoint (ep, sizeof ep);
    set_int (push, ZMQ_LINGER, linger);
    CHECK_EQ (get_int (push, ZMQ_LINGER), linger);
    CHECK_RC (zmq_connect (push, ep));
    SEND_STR (push, "stuck", ZMQ_DONTWAIT);
    close_socket (push);
    t0 = now_ms ();
    term_ctx (ctx);
    return now_ms () - t0;
}

int main (void)
{
    long long dt;
    test_start (30);
    {
        void *ctx = zmq_ctx_new ();
        void *s = zmq_socket (ctx, ZMQ_PUSH);
        CHECK (s != NULL);
        CHECK_EQ (get_int (s, ZMQ_LINGER), -1);
        set_int (s, ZMQ_LINGER, 0);
        close_socket (s);
        term_ctx (ctx);
    }

    dt = term_time (0);
    if (dt > 1000)
        FAIL ("LINGER 0: zmq_ctx_term took %lld ms", dt);
    dt = term_time (300);
    if (dt < 250 || dt > 3000)
        FAIL ("LINGER 300: zmq_ctx_term took %lld ms", dt);

    /* default linger: messages queued before close reach the peer, which
     * lives in another context, before zmq_ctx_term returns */
    {
        char ep[256];
        int i;
        void *rctx = zmq_ctx_new ();
        void *sctx = zmq_ctx_new ();
        void *pull = test_socket (rctx, ZMQ_PULL);
        void *push = zmq_socket (sctx, ZMQ_PUSH);
        CHECK (push != NULL);
        bind_loopback (pull, ep, sizeof ep);
        CHECK_RC (zmq_connect (push, ep));
        for (i = 0; i < 100; i++)
            SEND_STR (push, "flushed", 0);
        close_socket (push);
        term_ctx (sctx);
        for (i = 0; i < 100; i++)
            RECV_STR (pull, "flushed", 0);
        close_socket (pull);
        term_ctx (rctx);
    }
    return 0;
}
