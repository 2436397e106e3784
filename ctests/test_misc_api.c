/* zmq_strerror, zmq_errno, zmq_version, zmq_has, zmq_ctx_set/get. */
#include "testutil.h"

int main (void)
{
    int major = -1, minor = -1, patch = -1;
    void *ctx;
    test_start (20);

    zmq_version (&major, &minor, &patch);
    CHECK_EQ (major, ZMQ_VERSION_MAJOR);
    CHECK_EQ (minor, ZMQ_VERSION_MINOR);
    CHECK_EQ (patch, ZMQ_VERSION_PATCH);
    CHECK_EQ (major, 4);
    CHECK_EQ (minor, 3);
#ifndef ZMQ_CTESTS_SYSTEM
    CHECK_EQ (patch, 5);
#endif

    /* ZeroMQ's own error texts */
    CHECK_STR (zmq_strerror (EFSM),
               "Operation cannot be accomplished in current state");
    CHECK_STR (zmq_strerror (ENOCOMPATPROTO),
               "The protocol is not compatible with the socket type");
    CHECK_STR (zmq_strerror (ETERM), "Context was terminated");
    CHECK_STR (zmq_strerror (EMTHREAD), "No thread available");
    /* everything else: the C library's text */
    CHECK_STR (zmq_strerror (EINVAL), strerror (EINVAL));
    CHECK_STR (zmq_strerror (EAGAIN), strerror (EAGAIN));
    CHECK_STR (zmq_strerror (ENOTSOCK), strerror (ENOTSOCK));
    /* libzmq's err.cpp has its own text for this one POSIX code */
    CHECK_STR (zmq_strerror (EHOSTUNREACH), "Host unreachable");
    {
        int e;
        for (e = 1; e < 134; e++) {
            if (e == EHOSTUNREACH)
                continue;
            if (strcmp (zmq_strerror (e), strerror (e)) != 0)
                FAIL ("zmq_strerror(%d) = \"%s\", strerror gives \"%s\"", e,
                      zmq_strerror (e), strerror (e));
        }
    }

    /* zmq_errno is the C library's errno */
    errno = 0;
    CHECK (zmq_socket (NULL, ZMQ_PAIR) == NULL);
    CHECK_EQ (errno, EFAULT);
    CHECK_EQ (zmq_errno (), EFAULT);
    errno = EINTR;
    CHECK_EQ (zmq_errno (), EINTR);

    /* capabilities */
    CHECK_EQ (zmq_has ("ipc"), 1);
    CHECK_EQ (zmq_has ("no-such-capability"), 0);
    CHECK_EQ (zmq_has ("pgm") == 0 || zmq_has ("pgm") == 1, 1);

    /* context options */
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_IO_THREADS), ZMQ_IO_THREADS_DFLT);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_MAX_SOCKETS), ZMQ_MAX_SOCKETS_DFLT);
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_MSG_T_SIZE), (int) sizeof (zmq_msg_t));
    CHECK_RC (zmq_ctx_set (ctx, ZMQ_IO_THREADS, 2));
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_IO_THREADS), 2);
    CHECK_RC (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, 10));
    CHECK_EQ (zmq_ctx_get (ctx, ZMQ_MAX_SOCKETS), 10);
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_IO_THREADS, -1), EINVAL);
    {
        /* ZMQ_MAX_SOCKETS is enforced: the 11th socket fails with EMFILE */
        void *socks[11];
        int i;
        for (i = 0; i < 10; i++) {
            socks[i] = zmq_socket (ctx, ZMQ_PAIR);
            CHECK (socks[i] != NULL);
        }
        CHECK_NULL_ERR (zmq_socket (ctx, ZMQ_PAIR), EMFILE);
        for (i = 0; i < 10; i++)
            close_socket (socks[i]);
    }
    term_ctx (ctx);
    return 0;
}
