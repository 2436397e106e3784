/* zmq_unbind / zmq_disconnect: by LAST_ENDPOINT and by the connect string;
 * unknown endpoints give ENOENT; an unbound port can be bound again. */
#include "testutil.h"

int main (void)
{
    char ep[256], ipc[256];
    void *ctx, *pull, *push, *other;
    test_start (20);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    pull = test_socket (ctx, ZMQ_PULL);
    push = test_socket (ctx, ZMQ_PUSH);
    other = test_socket (ctx, ZMQ_PULL);

    bind_loopback (pull, ep, sizeof ep);
    CHECK_RC (zmq_connect (push, ep));
    SEND_STR (push, "one", 0);
    RECV_STR (pull, "one", 0);

    CHECK_ERR (zmq_disconnect (push, "tcp://127.0.0.1:1"), ENOENT);
    CHECK_ERR (zmq_unbind (pull, "tcp://127.0.0.1:1"), ENOENT);
    CHECK_ERR (zmq_unbind (pull, "inproc://never-bound"), ENOENT);
    CHECK_ERR (zmq_disconnect (push, "inproc://never-connected"), ENOENT);

    CHECK_RC (zmq_disconnect (push, ep));
    CHECK_ERR (zmq_disconnect (push, ep), ENOENT);
    /* no pipe left: a send with DONTWAIT cannot go anywhere */
    CHECK_ERR (zmq_send (push, "x", 1, ZMQ_DONTWAIT), EAGAIN);

    CHECK_RC (zmq_unbind (pull, ep));
    CHECK_ERR (zmq_unbind (pull, ep), ENOENT);
    /* the port is free again (the listener closes asynchronously, in the
     * I/O thread: retry for a bounded time) */
    {
        long long deadline = now_ms () + TEST_TIMEOUT_MS;
        while (zmq_bind (other, ep) != 0) {
            CHECK_EQ (errno, EADDRINUSE);
            if (now_ms () > deadline)
                FAIL ("port of %s still in use after unbind", ep);
            sleep_ms (10);
        }
    }
    CHECK_RC (zmq_connect (push, ep));
    SEND_STR (push, "two", 0);
    RECV_STR (other, "two", 0);

    /* ipc and inproc */
    ipc_endpoint (ipc, sizeof ipc, "unbind");
    CHECK_RC (zmq_bind (pull, ipc));
    CHECK_RC (zmq_unbind (pull, ipc));
    CHECK_ERR (zmq_unbind (pull, ipc), ENOENT);
    CHECK_RC (zmq_bind (pull, "inproc://unbind"));
    CHECK_RC (zmq_unbind (pull, "inproc://unbind"));
    CHECK_RC (zmq_bind (other, "inproc://unbind"));

    close_socket (pull);
    close_socket (push);
    close_socket (other);
    term_ctx (ctx);
    return 0;
}
