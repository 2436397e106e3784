/* SNDTIMEO / RCVTIMEO: a blocking call gives up with EAGAIN after about the
 * timeout; 0 behaves like DONTWAIT; the options read back. */
#include "testutil.h"

int main (void)
{
    char buf[16];
    long long t0, dt;
    void *ctx, *pull, *push;
    test_start (20);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    pull = zmq_socket (ctx, ZMQ_PULL);
    push = zmq_socket (ctx, ZMQ_PUSH);
    CHECK (pull && push);
    set_int (pull, ZMQ_LINGER, 0);
    set_int (push, ZMQ_LINGER, 0);

    /* defaults: -1 (infinite) */
    CHECK_EQ (get_int (pull, ZMQ_RCVTIMEO), -1);
    CHECK_EQ (get_int (push, ZMQ_SNDTIMEO), -1);

    set_int (pull, ZMQ_RCVTIMEO, 200);
    CHECK_EQ (get_int (pull, ZMQ_RCVTIMEO), 200);
    CHECK_RC (zmq_bind (pull, "inproc://timeo"));
    t0 = now_ms ();
    CHECK_ERR (zmq_recv (pull, buf, sizeof buf, 0), EAGAIN);
    dt = now_ms () - t0;
    if (dt < 180 || dt > 3000)
        FAIL ("RCVTIMEO 200 took %lld ms", dt);

    /* PUSH with no peer: the send blocks, SNDTIMEO gives EAGAIN */
    set_int (push, ZMQ_SNDTIMEO, 200);
    CHECK_EQ (get_int (push, ZMQ_SNDTIMEO), 200);
    t0 = now_ms ();
    CHECK_ERR (zmq_send (push, "x", 1, 0), EAGAIN);
    dt = now_ms () - t0;
    if (dt < 180 || dt > 3000)
        FAIL ("SNDTIMEO 200 took %lld ms", dt);

    /* timeout 0 = non-blocking */
    set_int (pull, ZMQ_RCVTIMEO, 0);
    t0 = now_ms ();
    CHECK_ERR (zmq_recv (pull, buf, sizeof buf, 0), EAGAIN);
    CHECK (now_ms () - t0 < 100);

    /* DONTWAIT overrides an infinite timeout */
    set_int (pull, ZMQ_RCVTIMEO, -1);
    CHECK_ERR (zmq_recv (pull, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);

    /* a message arriving within the timeout is received */
    set_int (pull, ZMQ_RCVTIMEO, 5000);
    CHECK_RC (zmq_connect (push, "inproc://timeo"));
    SEND_STR (push, "in time", 0);
    RECV_STR (pull, "in time", 0);

    close_socket (pull);
    close_socket (push);
    term_ctx (ctx);
    return 0;
}
