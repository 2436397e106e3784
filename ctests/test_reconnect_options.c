/* Reconnect options (R1, R3): option values, and RECONNECT_IVL -1 / 0
 * meaning "never reconnect": after the peer goes away and a new one binds
 * the same ipc path, nothing sent reaches it; a failed first connect is not
 * retried either. A positive interval, as a control, does reconnect and
 * retry. */
#include "testutil.h"

static void option_values (void *ctx)
{
    void *s = test_socket (ctx, ZMQ_PUSH);
    int v;
    CHECK_EQ (get_int (s, ZMQ_RECONNECT_IVL), 100);
    CHECK_EQ (get_int (s, ZMQ_RECONNECT_IVL_MAX), 0);
    set_int (s, ZMQ_RECONNECT_IVL_MAX, 500);
    CHECK_EQ (get_int (s, ZMQ_RECONNECT_IVL_MAX), 500);
    set_int (s, ZMQ_RECONNECT_IVL_MAX, 0);
    CHECK_EQ (get_int (s, ZMQ_RECONNECT_IVL_MAX), 0);
    v = -1;
    CHECK_ERR (zmq_setsockopt (s, ZMQ_RECONNECT_IVL_MAX, &v, sizeof v),
               EINVAL);
    CHECK_EQ (get_int (s, ZMQ_RECONNECT_IVL_MAX), 0);
    set_int (s, ZMQ_RECONNECT_IVL, -1);
    CHECK_EQ (get_int (s, ZMQ_RECONNECT_IVL), -1);
    set_int (s, ZMQ_RECONNECT_IVL, 0);
    CHECK_EQ (get_int (s, ZMQ_RECONNECT_IVL), 0);
    v = -2;
    CHECK_ERR (zmq_setsockopt (s, ZMQ_RECONNECT_IVL, &v, sizeof v), EINVAL);
    CHECK_EQ (get_int (s, ZMQ_RECONNECT_IVL), 0);
    close_socket (s);
}

/* Sends `msg` without blocking; a socket that has given up its only
 * endpoint may refuse (EAGAIN), which is as good as a lost message here. */
static void send_maybe (void *s, const char *msg)
{
    int rc = zmq_send (s, msg, strlen (msg), ZMQ_DONTWAIT);
    if (rc < 0)
        CHECK_EQ (errno, EAGAIN);
}

/* Binds a new PULL on `ep`; the old listener's close is asynchronous. */
static void *rebind (void *ctx, const char *ep)
{
    void *pull = test_socket (ctx, ZMQ_PULL);
    long long deadline = now_ms () + 2000;
    while (zmq_bind (pull, ep) != 0) {
        CHECK_EQ (errno, EADDRINUSE);
        if (now_ms () > deadline)
            FAIL ("could not re-bind %s", ep);
        sleep_ms (5);
    }
    return pull;
}

/* PUSH (RECONNECT_IVL = ivl) connects to a PULL on an ipc path; the PULL
 * goes away and a new one binds the same path 200 ms later. With ivl > 0
 * the message sent afterwards arrives; with ivl <= 0 nothing arrives within
 * 300 ms. */
static void peer_comes_back (void *ctx, int ivl, const char *name)
{
    char ep[256], buf[64];
    void *push = test_socket (ctx, ZMQ_PUSH);
    void *pull = test_socket (ctx, ZMQ_PULL);
    ipc_endpoint (ep, sizeof ep, name);
    set_int (push, ZMQ_RECONNECT_IVL, ivl);
    CHECK_RC (zmq_bind (pull, ep));
    CHECK_RC (zmq_connect (push, ep));
    SEND_STR (push, "before", 0);
    RECV_STR (pull, "before", 0);

    close_socket (pull);
    /* longer than any interval a broken implementation would fall back to
     * (the default 100 ms, or 0) */
    sleep_ms (200);
    pull = rebind (ctx, ep);
    if (ivl > 0) {
        SEND_STR (push, "after", 0);
        RECV_STR (pull, "after", 0);
    } else {
        send_maybe (push, "after");
        if (recv_str_timeout (pull, buf, sizeof buf, 300) >= 0)
            FAIL ("RECONNECT_IVL %d: received \"%s\" after the peer came "
                  "back",
                  ivl, buf);
        CHECK_EQ (errno, EAGAIN);
    }
    close_socket (push);
    close_socket (pull);
}

/* A connect that fails (nothing bound yet) is retried with ivl > 0, and
 * with ivl <= 0 it is not: a PULL bound 200 ms later receives nothing within
 * 300 ms. */
static void failed_connect (void *ctx, int ivl, const char *name)
{
    char ep[256], buf[64];
    void *push = test_socket (ctx, ZMQ_PUSH);
    void *pull;
    ipc_endpoint (ep, sizeof ep, name);
    set_int (push, ZMQ_RECONNECT_IVL, ivl);
    CHECK_RC (zmq_connect (push, ep));
    sleep_ms (200);
    pull = rebind (ctx, ep);
    if (ivl > 0) {
        SEND_STR (push, "late", 0);
        RECV_STR (pull, "late", 0);
        close_socket (push);
        close_socket (pull);
        return;
    }
    send_maybe (push, "late");
    if (recv_str_timeout (pull, buf, sizeof buf, 300) >= 0)
        FAIL ("RECONNECT_IVL %d: a failed connect was retried", ivl);
    CHECK_EQ (errno, EAGAIN);
    close_socket (push);
    close_socket (pull);
}

int main (void)
{
    void *ctx;
    test_start (20);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    option_values (ctx);
    peer_comes_back (ctx, 50, "control");
    peer_comes_back (ctx, -1, "ivl-minus-1");
    peer_comes_back (ctx, 0, "ivl-0");
    failed_connect (ctx, 50, "late-bind-control");
    failed_connect (ctx, -1, "late-bind-minus-1");
    failed_connect (ctx, 0, "late-bind-0");
    term_ctx (ctx);
    return 0;
}
