/* Reconnect: PUSH connects to a tcp PULL; the PULL closes, messages are
 * sent while it is down, a new PULL binds the same port and receives them. */
#include "testutil.h"

/* Binds a tcp port below the kernel's ephemeral range (32768+), so that no
 * other process is handed it by bind(:0)/connect while we re-bind it. */
static void bind_low_port (void *s, char *ep, size_t len)
{
    int port, tries;
    srand ((unsigned) getpid ());
    port = 20000 + rand () % 10000;
    for (tries = 0; tries < 200; tries++, port++) {
        snprintf (ep, len, "tcp://127.0.0.1:%d", port);
        if (zmq_bind (s, ep) == 0)
            return;
        CHECK_EQ (errno, EADDRINUSE);
    }
    FAIL ("no free tcp port in 20000-30200");
}

int main (void)
{
    char ep[256];
    void *ctx, *push, *pull;
    int i;
    test_start (30);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    push = test_socket (ctx, ZMQ_PUSH);
    pull = test_socket (ctx, ZMQ_PULL);
    set_int (push, ZMQ_RECONNECT_IVL, 50);
    bind_low_port (pull, ep, sizeof ep);
    CHECK_RC (zmq_connect (push, ep));
    SEND_STR (push, "before", 0);
    RECV_STR (pull, "before", 0);

    close_socket (pull);
    /* Give the PUSH's I/O thread time to see the connection close, so the
     * next messages are queued in the pipe rather than written into the
     * dying connection (there is no portable event for this without a
     * monitor). */
    sleep_ms (300);
    for (i = 0; i < 5; i++) {
        char m[16];
        snprintf (m, sizeof m, "down %d", i);
        SEND_STR (push, m, ZMQ_DONTWAIT);
    }

    pull = test_socket (ctx, ZMQ_PULL);
    {
        /* same port; the old listener closes asynchronously: retry */
        long long deadline = now_ms () + TEST_TIMEOUT_MS;
        while (zmq_bind (pull, ep) != 0) {
            CHECK_EQ (errno, EADDRINUSE);
            if (now_ms () > deadline)
                FAIL ("could not re-bind %s", ep);
            sleep_ms (10);
        }
    }
    for (i = 0; i < 5; i++) {
        char m[16];
        snprintf (m, sizeof m, "down %d", i);
        RECV_STR (pull, m, 0);
    }
    SEND_STR (push, "after", 0);
    RECV_STR (pull, "after", 0);
    close_socket (push);
    close_socket (pull);
    term_ctx (ctx);
    return 0;
}
