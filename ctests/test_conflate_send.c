/* ZMQ_CONFLATE is a property of the pipes, as in libzmq 4.3: a PUSH, DEALER
 * or PUB with CONFLATE keeps only its newest outgoing message per pipe (sends
 * never block, whatever SNDHWM says), and a PULL, DEALER or SUB keeps only
 * the newest incoming one. Over inproc the connecting socket's CONFLATE
 * decides for the pipe, both ways. */
#include "testutil.h"

static void send_ten (void *s)
{
    int i;
    char b[8];
    for (i = 0; i < 10; i++) {
        snprintf (b, sizeof b, "m%d", i);
        CHECK_EQ (zmq_send (s, b, strlen (b), ZMQ_DONTWAIT), (int) strlen (b));
    }
}

/* Receives everything that arrives within 300 ms of quiet into `out`
 * (space separated). */
static void recv_all (void *s, char *out, size_t len)
{
    char b[64];
    int n;
    out[0] = 0;
    while (poll_socket (s, ZMQ_POLLIN, 300)
           && (n = zmq_recv (s, b, sizeof b - 1, ZMQ_DONTWAIT)) >= 0) {
        b[n] = 0;
        if (out[0])
            strncat (out, " ", len - strlen (out) - 1);
        strncat (out, b, len - strlen (out) - 1);
    }
}

/* `type` with CONFLATE and SNDHWM 2 connects to an ipc endpoint nobody
 * listens on, sends m0..m9, then `rtype` binds there: only m9 arrives. */
static void before_peer (void *ctx, int type, int rtype, const char *name)
{
    char ep[256], got[256];
    void *s = test_socket (ctx, type);
    void *r;
    set_int (s, ZMQ_CONFLATE, 1);
    set_int (s, ZMQ_SNDHWM, 2);
    ipc_endpoint (ep, sizeof ep, name);
    CHECK_RC (zmq_connect (s, ep));
    send_ten (s);
    r = test_socket (ctx, rtype);
    CHECK_RC (zmq_bind (r, ep));
    recv_all (r, got, sizeof got);
    CHECK_STR (got, "m9");
    close_socket (s);
    close_socket (r);
}

/* inproc PUSH with CONFLATE, binding or connecting, to a PULL without. */
static void inproc_push (void *ctx, int push_connects, const char *expect)
{
    static int k;
    char ep[64], got[256];
    void *push = test_socket (ctx, ZMQ_PUSH);
    void *pull = test_socket (ctx, ZMQ_PULL);
    snprintf (ep, sizeof ep, "inproc://conflate-send-%d", k++);
    set_int (push, ZMQ_CONFLATE, 1);
    if (push_connects) {
        CHECK_RC (zmq_bind (pull, ep));
        CHECK_RC (zmq_connect (push, ep));
    } else {
        CHECK_RC (zmq_bind (push, ep));
        CHECK_RC (zmq_connect (pull, ep));
    }
    send_ten (push);
    recv_all (pull, got, sizeof got);
    CHECK_STR (got, expect);
    close_socket (push);
    close_socket (pull);
}

/* A conflating PUB connected to a subscribed SUB that is not reading. */
static void inproc_pub (void *ctx)
{
    char got[256];
    void *sub = test_socket (ctx, ZMQ_SUB);
    void *pub = test_socket (ctx, ZMQ_PUB);
    set_int (pub, ZMQ_CONFLATE, 1);
    CHECK_RC (zmq_bind (sub, "inproc://conflate-pub"));
    CHECK_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0));
    CHECK_RC (zmq_connect (pub, "inproc://conflate-pub"));
    sync_pub_sub (pub, sub, "sync");
    send_ten (pub);
    recv_all (sub, got, sizeof got);
    CHECK_STR (got, "m9");
    close_socket (pub);
    close_socket (sub);
}

/* inproc PULL with CONFLATE, binding or connecting, from a PUSH without. */
static void inproc_pull (void *ctx, int pull_connects, const char *expect)
{
    static int k;
    char ep[64], got[256];
    void *push = test_socket (ctx, ZMQ_PUSH);
    void *pull = test_socket (ctx, ZMQ_PULL);
    snprintf (ep, sizeof ep, "inproc://conflate-recv-%d", k++);
    set_int (pull, ZMQ_CONFLATE, 1);
    if (pull_connects) {
        CHECK_RC (zmq_bind (push, ep));
        CHECK_RC (zmq_connect (pull, ep));
    } else {
        CHECK_RC (zmq_bind (pull, ep));
        CHECK_RC (zmq_connect (push, ep));
    }
    send_ten (push);
    recv_all (pull, got, sizeof got);
    CHECK_STR (got, expect);
    close_socket (push);
    close_socket (pull);
}

/* ipc PUSH (no CONFLATE, SNDHWM 1) -> PULL with CONFLATE and RCVHWM 1
 * that does not read: the PULL's pipe has no HWM and keeps only the newest
 * message, so 5 MB of sends never meet back-pressure (without conflation
 * they would block once the socket buffers are full); the reader then finds
 * the newest message, and the last one comes last. */
static void ipc_pull (void *ctx)
{
    char ep[256], buf[1024];
    int i, n;
    void *pull = test_socket (ctx, ZMQ_PULL);
    void *push = test_socket (ctx, ZMQ_PUSH);
    set_int (pull, ZMQ_CONFLATE, 1);
    set_int (pull, ZMQ_RCVHWM, 1);
    set_int (push, ZMQ_SNDHWM, 1);
    ipc_endpoint (ep, sizeof ep, "conflate-recv");
    CHECK_RC (zmq_bind (pull, ep));
    CHECK_RC (zmq_connect (push, ep));
    memset (buf, 'x', sizeof buf);
    for (i = 0; i < 5000; i++) {
        snprintf (buf, 16, "%05d", i);
        CHECK_EQ (zmq_send (push, buf, sizeof buf, 0), (int) sizeof buf);
    }
    do {
        n = recv_str_timeout (pull, buf, sizeof buf, TEST_TIMEOUT_MS);
        CHECK_EQ (n, (int) sizeof buf);
    } while (strncmp (buf, "04999", 5) != 0);
    CHECK (!poll_socket (pull, ZMQ_POLLIN, 100));
    close_socket (push);
    close_socket (pull);
}

#ifndef ZMQ_CTESTS_SYSTEM
/* Ours keeps whole multipart messages (libzmq's buffer holds one frame). */
static void multipart (void *ctx)
{
    char ep[256];
    void *push = test_socket (ctx, ZMQ_PUSH);
    void *pull;
    int i;
    set_int (push, ZMQ_CONFLATE, 1);
    ipc_endpoint (ep, sizeof ep, "conflate-multipart");
    CHECK_RC (zmq_connect (push, ep));
    for (i = 0; i < 5; i++) {
        char b[8];
        snprintf (b, sizeof b, "h%d", i);
        SEND_STR (push, b, ZMQ_SNDMORE);
        SEND_STR (push, "body", 0);
    }
    pull = test_socket (ctx, ZMQ_PULL);
    CHECK_RC (zmq_bind (pull, ep));
    RECV_STR (pull, "h4", 1);
    RECV_STR (pull, "body", 0);
    CHECK (!poll_socket (pull, ZMQ_POLLIN, 200));
    close_socket (push);
    close_socket (pull);
}
#endif

int main (void)
{
    void *ctx;
    test_start (30);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    before_peer (ctx, ZMQ_PUSH, ZMQ_PULL, "conflate-push");
    before_peer (ctx, ZMQ_DEALER, ZMQ_DEALER, "conflate-dealer");
    inproc_push (ctx, 1, "m9");
    inproc_push (ctx, 0, "m0 m1 m2 m3 m4 m5 m6 m7 m8 m9");
    inproc_pub (ctx);
    inproc_pull (ctx, 1, "m9");
    inproc_pull (ctx, 0, "m0 m1 m2 m3 m4 m5 m6 m7 m8 m9");
    ipc_pull (ctx);
#ifndef ZMQ_CTESTS_SYSTEM
    multipart (ctx);
#endif
    term_ctx (ctx);
    return 0;
}
