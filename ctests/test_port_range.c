/* A tcp port that does not fit in 16 bits at bind is EINVAL, as libzmq
 * 4.3.4 answers for 65536 and its multiples (it truncates the number and
 * refuses the 0 it gets); the checks run before the interface is looked up.
 * (libzmq binds the truncated port for other values, e.g. 99999 -> 34463; we
 * refuse those too, so only the common answers are checked in system mode.)
 * At connect we refuse a port over 65535 at once (libzmq accepts the syntax
 * and resolves the truncated port later): checked on our library only. */
#include "testutil.h"

int main (void)
{
    void *ctx, *s;
    test_start (20);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    s = test_socket (ctx, ZMQ_PULL);
    CHECK_ERR (zmq_bind (s, "tcp://127.0.0.1:65536"), EINVAL);
    CHECK_ERR (zmq_bind (s, "tcp://*:65536"), EINVAL);
    CHECK_ERR (zmq_bind (s, "tcp://127.0.0.1:131072"), EINVAL);
    CHECK_ERR (zmq_bind (s, "tcp://lo:65536"), EINVAL);
    CHECK_ERR (zmq_bind (s, "tcp://no-such-if0:65536"), EINVAL);
    /* the limits themselves still work */
    CHECK_ERR (zmq_bind (s, "tcp://no-such-if0:65535"), ENODEV);
    CHECK_RC (zmq_bind (s, "tcp://127.0.0.1:*"));
#ifndef ZMQ_CTESTS_SYSTEM
    CHECK_ERR (zmq_bind (s, "tcp://127.0.0.1:99999"), EINVAL);
    CHECK_ERR (zmq_bind (s, "tcp://127.0.0.1:4294967297"), EINVAL);
    CHECK_ERR (zmq_connect (s, "tcp://127.0.0.1:65536"), EINVAL);
    CHECK_ERR (zmq_connect (s, "tcp://127.0.0.1:99999"), EINVAL);
#endif
    close_socket (s);
    term_ctx (ctx);
    return 0;
}
