/* FFI misuse that must fail cleanly, not crash: zmq_msg_t objects that were
 * never initialised (zeroed, filled with a byte, filled with random bytes)
 * or already closed; sockets after zmq_ctx_shutdown; NULL buffers.
 *
 * The portable part holds for libzmq too (its msg_t::check() rejects a type
 * byte outside 101..106, and a closed message has type 0). Parts marked
 * LIBZMQ_RS_ONLY check where libzmq-rs is stricter than libzmq, which reads
 * such messages without checking, asserts, or crashes; they are compiled out
 * with ZMQ_CTESTS_SYSTEM. */
#include "testutil.h"

#ifndef ZMQ_CTESTS_SYSTEM
#define LIBZMQ_RS_ONLY 1
#endif

/* A valid message holding "payload": must be untouched by failed calls. */
static void check_payload (zmq_msg_t *m)
{
    CHECK_EQ (zmq_msg_size (m), 7);
    CHECK (memcmp (zmq_msg_data (m), "payload", 7) == 0);
}

/* Every call that checks its message must give EFAULT for `bad`, and leave
 * the valid message `good` as it was. */
static void reject_bad_message (zmq_msg_t *bad, void *s)
{
    zmq_msg_t good;
    CHECK_RC (zmq_msg_init_size (&good, 7));
    memcpy (zmq_msg_data (&good), "payload", 7);

    CHECK_ERR (zmq_msg_recv (bad, s, ZMQ_DONTWAIT), EFAULT);
    CHECK_ERR (zmq_recvmsg (s, bad, ZMQ_DONTWAIT), EFAULT);
    CHECK_ERR (zmq_msg_copy (&good, bad), EFAULT);
    check_payload (&good);
    CHECK_ERR (zmq_msg_copy (bad, &good), EFAULT);
    check_payload (&good);
    CHECK_ERR (zmq_msg_move (&good, bad), EFAULT);
    check_payload (&good);
    CHECK_ERR (zmq_msg_move (bad, &good), EFAULT);
    check_payload (&good);
    CHECK_ERR (zmq_msg_close (bad), EFAULT);

#ifdef LIBZMQ_RS_ONLY
    /* libzmq asserts in zmq_msg_send (it reads the size first) and reads
     * the others without a check */
    CHECK_ERR (zmq_msg_send (bad, s, ZMQ_DONTWAIT), EFAULT);
    CHECK_ERR (zmq_sendmsg (s, bad, ZMQ_DONTWAIT), EFAULT);
    errno = 0;
    CHECK_EQ (zmq_msg_size (bad), 0);
    CHECK_EQ (errno, EFAULT);
    CHECK_NULL_ERR (zmq_msg_data (bad), EFAULT);
    errno = 0;
    CHECK_EQ (zmq_msg_more (bad), 0);
    CHECK_EQ (errno, EFAULT);
    CHECK_ERR (zmq_msg_get (bad, ZMQ_MORE), EFAULT);
    CHECK_ERR (zmq_msg_get (bad, ZMQ_SHARED), EFAULT);
    CHECK_ERR (zmq_msg_set (bad, ZMQ_MORE, 1), EFAULT);
    CHECK_NULL_ERR (zmq_msg_gets (bad, "Socket-Type"), EFAULT);
    CHECK_ERR (zmq_msg_close (bad), EFAULT);
#endif

    /* the good message still works end to end */
    CHECK_RC (zmq_msg_close (&good));
}

static void garbage_messages (void *ctx)
{
    static const unsigned char fills[] = {0x00, 0xA5, 0xFF, 0x01};
    void *s = test_socket (ctx, ZMQ_PAIR);
    zmq_msg_t bad;
    size_t i;

    for (i = 0; i < sizeof fills; i++) {
        memset (&bad, fills[i], sizeof bad);
        reject_bad_message (&bad, s);
    }

    /* a closed message (libzmq marks it invalid too) */
    CHECK_RC (zmq_msg_init_size (&bad, 100));
    CHECK_RC (zmq_msg_close (&bad));
    reject_bad_message (&bad, s);
    CHECK_RC (zmq_msg_init_data (&bad, (void *) "const", 5, NULL, NULL));
    CHECK_RC (zmq_msg_close (&bad));
    reject_bad_message (&bad, s);

#ifdef LIBZMQ_RS_ONLY
    {
        /* Random bytes (a fixed xorshift sequence): libzmq would take one
         * in 42 of these for a message. */
        uint64_t x = 0x9E3779B97F4A7C15ull;
        int round;
        for (round = 0; round < 200; round++) {
            unsigned char *p = (unsigned char *) &bad;
            for (i = 0; i < sizeof bad; i++) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                p[i] = (unsigned char) x;
            }
            reject_bad_message (&bad, s);
        }
    }
#endif

    /* a message moved away is empty but valid; closing both is fine */
    {
        zmq_msg_t a, b;
        CHECK_RC (zmq_msg_init_size (&a, 100));
        CHECK_RC (zmq_msg_init (&b));
        CHECK_RC (zmq_msg_move (&b, &a));
        CHECK_EQ (zmq_msg_size (&a), 0);
        CHECK_EQ (zmq_msg_size (&b), 100);
        CHECK_RC (zmq_msg_close (&a));
        CHECK_RC (zmq_msg_close (&b));
        CHECK_ERR (zmq_msg_close (&a), EFAULT);
        CHECK_ERR (zmq_msg_close (&b), EFAULT);
    }
    close_socket (s);
}

/* After zmq_ctx_shutdown a socket notices `stop` at its next call, which
 * fails with ETERM; every later call except zmq_close does too (T3). */
static void calls_after_shutdown (void)
{
    void *ctx = zmq_ctx_new ();
    void *s, *peer;
    char buf[8];
    int val = 0;
    size_t len = sizeof val;
    zmq_msg_t msg;

    CHECK (ctx != NULL);
    s = test_socket (ctx, ZMQ_PAIR);
    peer = test_socket (ctx, ZMQ_PAIR);
    CHECK_RC (zmq_bind (s, "inproc://misuse"));
    CHECK_RC (zmq_connect (peer, "inproc://misuse"));
    CHECK_EQ (zmq_send (peer, "hi", 2, 0), 2);

    CHECK_RC (zmq_ctx_shutdown (ctx));
    /* the first call that processes commands sees the stop */
    CHECK_ERR (zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT), ETERM);
    CHECK_ERR (zmq_recv (s, buf, sizeof buf, 0), ETERM);
    CHECK_ERR (zmq_send (s, "x", 1, 0), ETERM);
    CHECK_ERR (zmq_send (s, "x", 1, ZMQ_DONTWAIT), ETERM);
    CHECK_RC (zmq_msg_init (&msg));
    CHECK_ERR (zmq_msg_send (&msg, s, 0), ETERM);
    CHECK_ERR (zmq_msg_recv (&msg, s, 0), ETERM);
    CHECK_RC (zmq_msg_close (&msg));
    CHECK_ERR (zmq_setsockopt (s, ZMQ_LINGER, &val, sizeof val), ETERM);
    CHECK_ERR (zmq_getsockopt (s, ZMQ_LINGER, &val, &len), ETERM);
    CHECK_ERR (zmq_bind (s, "inproc://misuse-2"), ETERM);
    CHECK_ERR (zmq_connect (s, "inproc://misuse-3"), ETERM);
    CHECK_ERR (zmq_unbind (s, "inproc://misuse"), ETERM);
    CHECK_ERR (zmq_disconnect (s, "inproc://misuse"), ETERM);
    CHECK_NULL_ERR (zmq_socket (ctx, ZMQ_PAIR), ETERM);
    /* a second shutdown is harmless */
    CHECK_RC (zmq_ctx_shutdown (ctx));
    CHECK_ERR (zmq_recv (peer, buf, sizeof buf, ZMQ_DONTWAIT), ETERM);

    CHECK_RC (zmq_close (s));
    CHECK_RC (zmq_close (peer));
    CHECK_RC (zmq_ctx_term (ctx));
}

#ifdef LIBZMQ_RS_ONLY
/* NULL buffers with a length, and impossible sizes: libzmq asserts, crashes
 * or wraps around. */
static void null_buffers (void *ctx)
{
    void *s = test_socket (ctx, ZMQ_PAIR);
    int val = 0;
    size_t len = sizeof val;
    zmq_msg_t msg;
    zmq_pollitem_t item;

    CHECK_ERR (zmq_send (s, NULL, 5, ZMQ_DONTWAIT), EFAULT);
    CHECK_ERR (zmq_recv (s, NULL, 5, ZMQ_DONTWAIT), EFAULT);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_LINGER, NULL, sizeof val), EINVAL);
    CHECK_ERR (zmq_getsockopt (s, ZMQ_LINGER, NULL, &len), EINVAL);
    CHECK_ERR (zmq_getsockopt (s, ZMQ_LINGER, &val, NULL), EINVAL);
    CHECK_ERR (zmq_msg_init_data (&msg, NULL, 5, NULL, NULL), EFAULT);
    CHECK_ERR (zmq_msg_init_size (&msg, (size_t) -1), ENOMEM);
    CHECK_ERR (zmq_msg_init_size (&msg, (size_t) -1 / 2), ENOMEM);
    CHECK_ERR (zmq_poll (NULL, 1, 0), EFAULT);
    item.socket = s;
    item.fd = 0;
    item.events = ZMQ_POLLIN;
    item.revents = 0;
    CHECK_ERR (zmq_poll (&item, -1, 0), EINVAL);
    CHECK_ERR (zmq_proxy (NULL, s, NULL), EFAULT);
    CHECK_ERR (zmq_proxy (s, NULL, NULL), EFAULT);
    close_socket (s);

    /* a closed socket in a poll set, while its context lives on */
    item.revents = 0;
    CHECK_ERR (zmq_poll (&item, 1, 0), ENOTSOCK);
}
#endif

int main (void)
{
    void *ctx;
    test_start (20);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    garbage_messages (ctx);
#ifdef LIBZMQ_RS_ONLY
    null_buffers (ctx);
#endif
    term_ctx (ctx);
    calls_after_shutdown ();
    return 0;
}
