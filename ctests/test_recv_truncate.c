/* zmq_recv truncation (returns the full size, copies len bytes),
 * zmq_send_const, zero-length sends. */
#include "testutil.h"

static const char constant[] = "constant-data-that-outlives-the-message";

int main (void)
{
    void *ctx, *a, *b;
    char buf[8];
    test_start (20);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    a = test_socket (ctx, ZMQ_PAIR);
    b = test_socket (ctx, ZMQ_PAIR);
    CHECK_RC (zmq_bind (a, "inproc://trunc"));
    CHECK_RC (zmq_connect (b, "inproc://trunc"));

    SEND_STR (b, "0123456789ABCDEF", 0);
    memset (buf, '#', sizeof buf);
    CHECK_EQ (zmq_recv (a, buf, 4, 0), 16);
    CHECK (memcmp (buf, "0123####", 8) == 0);

    /* len 0: nothing copied, full size returned */
    SEND_STR (b, "abc", 0);
    CHECK_EQ (zmq_recv (a, NULL, 0, 0), 3);

    /* truncated frame of a multipart message keeps RCVMORE */
    SEND_STR (b, "longer-first", ZMQ_SNDMORE);
    SEND_STR (b, "z", 0);
    CHECK_EQ (zmq_recv (a, buf, 2, 0), 12);
    CHECK_EQ (get_int (a, ZMQ_RCVMORE), 1);
    RECV_STR (a, "z", 0);

    /* send_const over inproc and tcp */
    CHECK_EQ (zmq_send_const (b, constant, sizeof constant - 1, 0),
              (int) sizeof constant - 1);
    RECV_STR (a, constant, 0);
    {
        char ep[256];
        char big[64];
        void *pull = test_socket (ctx, ZMQ_PULL);
        void *push = test_socket (ctx, ZMQ_PUSH);
        bind_loopback (pull, ep, sizeof ep);
        CHECK_RC (zmq_connect (push, ep));
        CHECK_EQ (zmq_send_const (push, constant, 8, ZMQ_SNDMORE), 8);
        CHECK_EQ (zmq_send_const (push, constant, sizeof constant - 1, 0),
                  (int) sizeof constant - 1);
        CHECK_EQ (zmq_recv (pull, big, sizeof big, 0), 8);
        CHECK (memcmp (big, "constant", 8) == 0);
        CHECK_EQ (get_int (pull, ZMQ_RCVMORE), 1);
        RECV_STR (pull, constant, 0);
        close_socket (push);
        close_socket (pull);
    }

    /* zmq_send with len 0 and a NULL buffer */
    CHECK_EQ (zmq_send (b, NULL, 0, 0), 0);
    CHECK_EQ (zmq_recv (a, buf, sizeof buf, 0), 0);

    close_socket (a);
    close_socket (b);
    term_ctx (ctx);
    return 0;
}
