/* High-water marks: PUSH blocks at SNDHWM (EAGAIN with DONTWAIT, or after
 * SNDTIMEO), PUB drops for a slow SUB while every send succeeds. */
#include "testutil.h"

/* PUSH connected to an endpoint nobody listens on: the pipe exists from
 * zmq_connect (IMMEDIATE=0) and holds exactly SNDHWM messages. (An ipc path
 * in our temp dir: a "free" tcp port could be taken by a parallel test.) */
static void push_blocks_at_hwm (void *ctx)
{
    char ep[256];
    int sent = 0;
    long long t0;
    void *push = test_socket (ctx, ZMQ_PUSH);
    ipc_endpoint (ep, sizeof ep, "nobody");

    set_int (push, ZMQ_SNDHWM, 10);
    CHECK_RC (zmq_connect (push, ep));
    while (sent < 1000) {
        int rc = zmq_send (push, "x", 1, ZMQ_DONTWAIT);
        if (rc == -1) {
            CHECK_EQ (errno, EAGAIN);
            break;
        }
        CHECK_EQ (rc, 1);
        sent++;
    }
    CHECK_EQ (sent, 10);
    /* a blocking send times out after SNDTIMEO */
    set_int (push, ZMQ_SNDTIMEO, 100);
    t0 = now_ms ();
    CHECK_ERR (zmq_send (push, "x", 1, 0), EAGAIN);
    CHECK (now_ms () - t0 >= 80);
    close_socket (push);
}

/* inproc PUSH -> PULL: sends succeed until both HWMs are full, then EAGAIN;
 * once the reader drains, sending is possible again. */
static void push_pull_inproc_hwm (void *ctx)
{
    int sent = 0, got = 0;
    void *pull = test_socket (ctx, ZMQ_PULL);
    void *push = test_socket (ctx, ZMQ_PUSH);
    set_int (pull, ZMQ_RCVHWM, 5);
    set_int (push, ZMQ_SNDHWM, 5);
    CHECK_RC (zmq_bind (pull, "inproc://hwm"));
    CHECK_RC (zmq_connect (push, "inproc://hwm"));
    while (sent < 1000) {
        int rc = zmq_send (push, "y", 1, ZMQ_DONTWAIT);
        if (rc == -1) {
            CHECK_EQ (errno, EAGAIN);
            break;
        }
        sent++;
    }
    CHECK (sent >= 5 && sent <= 20);
    while (got < sent) {
        RECV_STR (pull, "y", 0);
        got++;
    }
    CHECK (poll_socket (push, ZMQ_POLLOUT, TEST_TIMEOUT_MS));
    CHECK_EQ (zmq_send (push, "z", 1, ZMQ_DONTWAIT), 1);
    RECV_STR (pull, "z", 0);
    close_socket (push);
    close_socket (pull);
}

/* PUB with SNDHWM 2 to a SUB with RCVHWM 2 that does not read: all 10
 * sends succeed, only some messages arrive. */
static void pub_drops (void *ctx)
{
    int i, got = 0;
    char buf[16];
    void *pub = test_socket (ctx, ZMQ_PUB);
    void *sub = test_socket (ctx, ZMQ_SUB);
    set_int (pub, ZMQ_SNDHWM, 2);
    set_int (sub, ZMQ_RCVHWM, 2);
    CHECK_RC (zmq_bind (pub, "inproc://drop"));
    CHECK_RC (zmq_connect (sub, "inproc://drop"));
    CHECK_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0));
    sync_pub_sub (pub, sub, "sync");
    for (i = 0; i < 10; i++) {
        snprintf (buf, sizeof buf, "m%d", i);
        CHECK_EQ (zmq_send (pub, buf, strlen (buf), ZMQ_DONTWAIT),
                  (int) strlen (buf));
    }
    while (zmq_recv (sub, buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
        got++;
    CHECK_EQ (errno, EAGAIN);
    printf ("PUB/SUB with HWM 2+2: %d of 10 delivered\n", got);
    CHECK (got >= 1 && got < 10);
    close_socket (sub);
    close_socket (pub);
}

int main (void)
{
    void *ctx;
    test_start (30);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    push_blocks_at_hwm (ctx);
    push_pull_inproc_hwm (ctx);
    pub_drops (ctx);
    term_ctx (ctx);
    return 0;
}
