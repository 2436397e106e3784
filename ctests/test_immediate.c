/* ZMQ_IMMEDIATE: with 1, a PUSH connected to an endpoint nobody listens on
 * has no pipe, so a DONTWAIT send gets EAGAIN; once a PULL binds, the
 * connection completes and sends go through. With 0 (default) messages
 * queue before the connection exists. */
#include "testutil.h"

/* An endpoint nobody listens on yet. An ipc path in our temp dir, not a
 * "free" tcp port, which a test running in parallel could be given. */
static void free_endpoint (char *ep, size_t len)
{
    static int n;
    char name[32];
    snprintf (name, sizeof name, "immediate-%d", ++n);
    ipc_endpoint (ep, len, name);
}

int main (void)
{
    char ep[256];
    void *ctx, *push, *pull;
    test_start (20);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);

    /* IMMEDIATE = 1 */
    free_endpoint (ep, sizeof ep);
    push = test_socket (ctx, ZMQ_PUSH);
    CHECK_EQ (get_int (push, ZMQ_IMMEDIATE), 0);
    set_int (push, ZMQ_IMMEDIATE, 1);
    CHECK_EQ (get_int (push, ZMQ_IMMEDIATE), 1);
    set_int (push, ZMQ_RECONNECT_IVL, 50);
    CHECK_RC (zmq_connect (push, ep));
    CHECK_ERR (zmq_send (push, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    CHECK_EQ (get_int (push, ZMQ_EVENTS) & ZMQ_POLLOUT, 0);

    pull = test_socket (ctx, ZMQ_PULL);
    CHECK_RC (zmq_bind (pull, ep));
    if (!poll_socket (push, ZMQ_POLLOUT, TEST_TIMEOUT_MS))
        FAIL ("IMMEDIATE PUSH never became writable after the peer bound");
    SEND_STR (push, "connected", ZMQ_DONTWAIT);
    RECV_STR (pull, "connected", 0);
    close_socket (push);
    close_socket (pull);

    /* IMMEDIATE = 0: queued before the peer exists, delivered after */
    free_endpoint (ep, sizeof ep);
    push = test_socket (ctx, ZMQ_PUSH);
    set_int (push, ZMQ_RECONNECT_IVL, 50);
    CHECK_RC (zmq_connect (push, ep));
    SEND_STR (push, "early", ZMQ_DONTWAIT);
    pull = test_socket (ctx, ZMQ_PULL);
    CHECK_RC (zmq_bind (pull, ep));
    RECV_STR (pull, "early", 0);
    close_socket (push);
    close_socket (pull);

    term_ctx (ctx);
    return 0;
}
