/* Multipart messages, including 0-byte frames: every frame arrives in
 * order with RCVMORE set on all but the last, over inproc and tcp. */
#include "testutil.h"

static void check_multipart (void *ctx, const char *tr)
{
    char ep[256];
    zmq_msg_t msg;
    int more;
    size_t more_len = sizeof more;
    void *pull = test_socket (ctx, ZMQ_PULL);
    void *push = test_socket (ctx, ZMQ_PUSH);
    bind_transport (pull, tr, ep, sizeof ep);
    CHECK_RC (zmq_connect (push, ep));

    /* "a", "", "ccc", "" (last frame empty too) */
    SEND_STR (push, "a", ZMQ_SNDMORE);
    CHECK_EQ (zmq_send (push, "", 0, ZMQ_SNDMORE), 0);
    SEND_STR (push, "ccc", ZMQ_SNDMORE);
    CHECK_EQ (zmq_send (push, NULL, 0, 0), 0);
    /* then a single empty message, then a single-frame one */
    CHECK_EQ (zmq_send (push, "", 0, 0), 0);
    SEND_STR (push, "single", 0);

    RECV_STR (pull, "a", 1);
    RECV_STR (pull, "", 1);
    RECV_STR (pull, "ccc", 1);
    RECV_STR (pull, "", 0);
    RECV_STR (pull, "", 0);

    /* zmq_msg_recv + zmq_msg_more / ZMQ_MORE on the last one */
    CHECK_RC (zmq_msg_init (&msg));
    CHECK_EQ (zmq_msg_recv (&msg, pull, 0), 6);
    CHECK (memcmp (zmq_msg_data (&msg), "single", 6) == 0);
    CHECK_EQ (zmq_msg_more (&msg), 0);
    CHECK_EQ (zmq_msg_get (&msg, ZMQ_MORE), 0);
    CHECK_RC (zmq_getsockopt (pull, ZMQ_RCVMORE, &more, &more_len));
    CHECK_EQ (more, 0);

    /* zmq_msg_send with SNDMORE; receiver sees zmq_msg_more == 1 */
    {
        zmq_msg_t part;
        CHECK_RC (zmq_msg_init_size (&part, 2));
        memcpy (zmq_msg_data (&part), "p1", 2);
        CHECK_EQ (zmq_msg_send (&part, push, ZMQ_SNDMORE), 2);
        CHECK_RC (zmq_msg_init_size (&part, 0));
        CHECK_EQ (zmq_msg_send (&part, push, 0), 0);
    }
    CHECK_EQ (zmq_msg_recv (&msg, pull, 0), 2);
    CHECK_EQ (zmq_msg_more (&msg), 1);
    CHECK_EQ (zmq_msg_get (&msg, ZMQ_MORE), 1);
    CHECK_EQ (zmq_msg_recv (&msg, pull, 0), 0);
    CHECK_EQ (zmq_msg_size (&msg), 0);
    CHECK_EQ (zmq_msg_more (&msg), 0);
    CHECK_RC (zmq_msg_close (&msg));

    /* many frames in one message */
    {
        int i;
        char f[16];
        for (i = 0; i < 100; i++) {
            snprintf (f, sizeof f, "f%d", i);
            SEND_STR (push, f, i < 99 ? ZMQ_SNDMORE : 0);
        }
        for (i = 0; i < 100; i++) {
            snprintf (f, sizeof f, "f%d", i);
            RECV_STR (pull, f, i < 99 ? 1 : 0);
        }
    }
    close_socket (push);
    close_socket (pull);
}

int main (void)
{
    void *ctx;
    test_start (30);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    check_multipart (ctx, "inproc");
    check_multipart (ctx, "tcp");
    check_multipart (ctx, "ipc");
    term_ctx (ctx);
    return 0;
}
