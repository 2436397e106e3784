/* Error paths: NULL or closed sockets/contexts, bad arguments. Every call
 * returns -1 (or NULL) with the right errno and does not crash.
 *
 * Parts marked LIBZMQ_RS_ONLY check where libzmq-rs is stricter than
 * libzmq (which crashes on a NULL zmq_msg_t, or reads freed memory for a
 * closed socket/context); they are compiled out with ZMQ_CTESTS_SYSTEM. */
#include "testutil.h"

#ifndef ZMQ_CTESTS_SYSTEM
#define LIBZMQ_RS_ONLY 1
#endif

static void null_context (void)
{
    CHECK_ERR (zmq_ctx_term (NULL), EFAULT);
    CHECK_ERR (zmq_ctx_shutdown (NULL), EFAULT);
    CHECK_ERR (zmq_ctx_set (NULL, ZMQ_IO_THREADS, 1), EFAULT);
    CHECK_ERR (zmq_ctx_get (NULL, ZMQ_IO_THREADS), EFAULT);
    CHECK_ERR (zmq_term (NULL), EFAULT);
    CHECK_ERR (zmq_ctx_destroy (NULL), EFAULT);
    CHECK_NULL_ERR (zmq_socket (NULL, ZMQ_PAIR), EFAULT);
}

static void bad_socket (void *s)
{
    char buf[16];
    int val = 0;
    size_t len = sizeof val;
    zmq_msg_t msg;
    CHECK_ERR (zmq_setsockopt (s, ZMQ_LINGER, &val, sizeof val), ENOTSOCK);
    CHECK_ERR (zmq_getsockopt (s, ZMQ_LINGER, &val, &len), ENOTSOCK);
    CHECK_ERR (zmq_bind (s, "inproc://x"), ENOTSOCK);
    CHECK_ERR (zmq_connect (s, "inproc://x"), ENOTSOCK);
    CHECK_ERR (zmq_unbind (s, "inproc://x"), ENOTSOCK);
    CHECK_ERR (zmq_disconnect (s, "inproc://x"), ENOTSOCK);
    CHECK_ERR (zmq_send (s, "x", 1, 0), ENOTSOCK);
    CHECK_ERR (zmq_send_const (s, "x", 1, 0), ENOTSOCK);
    CHECK_ERR (zmq_recv (s, buf, sizeof buf, 0), ENOTSOCK);
    CHECK_RC (zmq_msg_init (&msg));
    CHECK_ERR (zmq_msg_send (&msg, s, 0), ENOTSOCK);
    CHECK_ERR (zmq_msg_recv (&msg, s, 0), ENOTSOCK);
    CHECK_ERR (zmq_sendmsg (s, &msg, 0), ENOTSOCK);
    CHECK_ERR (zmq_recvmsg (s, &msg, 0), ENOTSOCK);
    CHECK_RC (zmq_msg_close (&msg));
    CHECK_ERR (zmq_socket_monitor (s, "inproc://mon", ZMQ_EVENT_ALL),
               ENOTSOCK);
    CHECK_ERR (zmq_close (s), ENOTSOCK);
}

static void bad_arguments (void *ctx)
{
    int val = 1;
    size_t len;
    char small[2];
    void *push = test_socket (ctx, ZMQ_PUSH);
    void *pull = test_socket (ctx, ZMQ_PULL);

    CHECK_NULL_ERR (zmq_socket (ctx, 99), EINVAL);
    CHECK_NULL_ERR (zmq_socket (ctx, -1), EINVAL);

    /* unknown option, wrong length, option not valid for the type */
    CHECK_ERR (zmq_setsockopt (push, 9999, &val, sizeof val), EINVAL);
    CHECK_ERR (zmq_setsockopt (push, ZMQ_LINGER, &val, 2), EINVAL);
    CHECK_ERR (zmq_setsockopt (push, ZMQ_SUBSCRIBE, "a", 1), EINVAL);
    len = sizeof val;
    CHECK_ERR (zmq_getsockopt (push, 9999, &val, &len), EINVAL);
    len = 2;
    CHECK_ERR (zmq_getsockopt (push, ZMQ_LINGER, small, &len), EINVAL);
    CHECK_ERR (zmq_ctx_set (ctx, 9999, 1), EINVAL);
    CHECK_ERR (zmq_ctx_get (ctx, 9999), EINVAL);

    /* endpoints */
    CHECK_ERR (zmq_bind (push, "foo://127.0.0.1:5555"), EPROTONOSUPPORT);
    CHECK_ERR (zmq_connect (push, "foo://127.0.0.1:5555"), EPROTONOSUPPORT);
    CHECK_ERR (zmq_bind (push, "no-separator"), EINVAL);
    CHECK_ERR (zmq_connect (push, "tcp://"), EINVAL);
    CHECK_ERR (zmq_connect (push, "tcp://127.0.0.1"), EINVAL);
    CHECK_ERR (zmq_bind (push, "tcp://8.8.8.8:5555"), EADDRNOTAVAIL);
    CHECK_ERR (zmq_bind (push, "tcp://no-such-if0:*"), ENODEV);
    CHECK_RC (zmq_bind (pull, "inproc://taken"));
    CHECK_ERR (zmq_bind (push, "inproc://taken"), EADDRINUSE);

    /* operations the socket type does not support */
    {
        char buf[4];
        CHECK_ERR (zmq_recv (push, buf, sizeof buf, ZMQ_DONTWAIT), ENOTSUP);
        CHECK_ERR (zmq_send (pull, "x", 1, ZMQ_DONTWAIT), ENOTSUP);
    }
    {
        void *pub = test_socket (ctx, ZMQ_PUB);
        void *sub = test_socket (ctx, ZMQ_SUB);
        char buf[4];
        CHECK_ERR (zmq_recv (pub, buf, sizeof buf, ZMQ_DONTWAIT), ENOTSUP);
        CHECK_ERR (zmq_send (sub, "x", 1, ZMQ_DONTWAIT), ENOTSUP);
        close_socket (pub);
        close_socket (sub);
    }

    /* zmq_poll on a NULL-socket item with a bad fd is not a crash; on a
     * closed-socket-like garbage pointer it is ENOTSOCK */
    {
        zmq_pollitem_t item;
        int garbage[32];
        memset (garbage, 0, sizeof garbage);
        item.socket = garbage;
        item.fd = 0;
        item.events = ZMQ_POLLIN;
        item.revents = 0;
        CHECK_ERR (zmq_poll (&item, 1, 0), ENOTSOCK);
    }
    close_socket (push);
    close_socket (pull);
}

#ifdef LIBZMQ_RS_ONLY
static void null_messages (void *ctx)
{
    void *s = test_socket (ctx, ZMQ_PAIR);
    CHECK_ERR (zmq_msg_init (NULL), EFAULT);
    CHECK_ERR (zmq_msg_init_size (NULL, 10), EFAULT);
    CHECK_ERR (zmq_msg_init_data (NULL, "x", 1, NULL, NULL), EFAULT);
    CHECK_ERR (zmq_msg_close (NULL), EFAULT);
    CHECK_ERR (zmq_msg_send (NULL, s, 0), EFAULT);
    CHECK_ERR (zmq_msg_recv (NULL, s, ZMQ_DONTWAIT), EFAULT);
    CHECK_ERR (zmq_msg_move (NULL, NULL), EFAULT);
    CHECK_ERR (zmq_msg_copy (NULL, NULL), EFAULT);
    CHECK_ERR (zmq_msg_get (NULL, ZMQ_MORE), EFAULT);
    CHECK_ERR (zmq_msg_set (NULL, ZMQ_MORE, 0), EFAULT);
    CHECK (zmq_msg_data (NULL) == NULL);
    close_socket (s);
}
#endif

int main (void)
{
    void *ctx, *s;
    test_start (20);
    null_context ();
    bad_socket (NULL);

    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    bad_arguments (ctx);
#ifdef LIBZMQ_RS_ONLY
    null_messages (ctx);
#endif

    /* a closed socket */
    s = zmq_socket (ctx, ZMQ_PAIR);
    CHECK (s != NULL);
    CHECK_RC (zmq_close (s));
    bad_socket (s);

    term_ctx (ctx);
#ifdef LIBZMQ_RS_ONLY
    /* a terminated context */
    CHECK_NULL_ERR (zmq_socket (ctx, ZMQ_PAIR), EFAULT);
    CHECK_ERR (zmq_ctx_term (ctx), EFAULT);
    CHECK_ERR (zmq_ctx_get (ctx, ZMQ_IO_THREADS), EFAULT);
#endif
    return 0;
}
