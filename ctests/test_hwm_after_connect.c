/* ZMQ_SNDHWM changed after zmq_connect applies to the pipes that exist
 * already, as libzmq 4.3: on a pipe to a tcp/ipc session the new SNDHWM is
 * the limit; on an inproc pipe it is summed with the peer's RCVHWM, as at
 * connect time (0 = unlimited). */
#include "testutil.h"

#define MAX_MSGS 100000

static int fill (void *s)
{
    int n = 0;
    while (n < MAX_MSGS) {
        int rc = zmq_send (s, "x", 1, ZMQ_DONTWAIT);
        if (rc == -1) {
            CHECK_EQ (errno, EAGAIN);
            break;
        }
        n++;
    }
    return n;
}

/* PUSH connected to an ipc endpoint nobody listens on (the pipe exists from
 * zmq_connect): SNDHWM `first` at connect, `then` afterwards. */
static int to_nobody (void *ctx, int first, int then)
{
    static int k;
    char ep[256], name[32];
    int n;
    void *push = test_socket (ctx, ZMQ_PUSH);
    snprintf (name, sizeof name, "nobody-%d", k++);
    ipc_endpoint (ep, sizeof ep, name);
    set_int (push, ZMQ_SNDHWM, first);
    CHECK_RC (zmq_connect (push, ep));
    set_int (push, ZMQ_SNDHWM, then);
    n = fill (push);
    close_socket (push);
    return n;
}

/* inproc PUSH (SNDHWM 2) -> PULL (RCVHWM 2), then the PUSH's SNDHWM set to
 * `then`. */
static int inproc (void *ctx, int then)
{
    static int k;
    char ep[64];
    int n;
    void *pull = test_socket (ctx, ZMQ_PULL);
    void *push = test_socket (ctx, ZMQ_PUSH);
    snprintf (ep, sizeof ep, "inproc://hwm-after-%d", k++);
    set_int (pull, ZMQ_RCVHWM, 2);
    set_int (push, ZMQ_SNDHWM, 2);
    CHECK_RC (zmq_bind (pull, ep));
    CHECK_RC (zmq_connect (push, ep));
    set_int (push, ZMQ_SNDHWM, then);
    n = fill (push);
    CHECK_EQ (drain (pull), n);
    close_socket (push);
    close_socket (pull);
    return n;
}

int main (void)
{
    void *ctx;
    test_start (30);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    CHECK_EQ (to_nobody (ctx, 2, 10), 10);
    CHECK_EQ (to_nobody (ctx, 10, 3), 3);
    CHECK_EQ (to_nobody (ctx, 5, 0), MAX_MSGS);
    CHECK_EQ (inproc (ctx, 10), 12);
    CHECK_EQ (inproc (ctx, 1), 3);
    CHECK_EQ (inproc (ctx, 0), MAX_MSGS);
    term_ctx (ctx);
    return 0;
}
