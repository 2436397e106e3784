/* thr_inproc SIZE COUNT
 *   PUSH (thread) -> PULL (main thread) over inproc in one process.
 * Built a second time with -DTHR_LOCAL as
 * thr_local ENDPOINT SIZE COUNT
 *   the same over any endpoint (e.g. tcp://127.0.0.1:* or ipc://...), used by
 *   the callgrind runs (one process, so valgrind sees both sides); with the
 *   BENCH_CURVE_* variables (bench.h) the PULL is a CURVE server and the
 *   PUSH its client.
 * Prints {"msgs_per_s": X, "bytes_per_s": Y}, timed on the receiver from the
 * first message received to the last, like thr_recv. */
#include "bench.h"
#include <pthread.h>

static void *ctx;
static char endpoint[256];
static size_t size;
static long count;

static void *sender (void *arg)
{
    void *s = zmq_socket (ctx, ZMQ_PUSH);
    zmq_msg_t msg;
    long i;
    (void) arg;
    if (!s)
        DIE ("zmq_socket");
    bench_client_security (s);
    CHECK (zmq_connect (s, endpoint));
    for (i = 0; i < count; i++) {
        CHECK (zmq_msg_init_size (&msg, size));
        CHECK (zmq_msg_send (&msg, s, 0));
    }
    zmq_close (s);
    return NULL;
}

int main (int argc, char **argv)
{
    void *s;
    size_t n = sizeof endpoint;
    pthread_t t;
    zmq_msg_t msg;
    long i;
    double start, el;
#ifdef THR_LOCAL
    const char *bind_ep;
    if (argc != 4) {
        fprintf (stderr, "usage: thr_local ENDPOINT SIZE COUNT\n");
        return 2;
    }
    bind_ep = argv[1];
    argv++;
#else
    const char *bind_ep = "inproc://thr";
    if (argc != 3) {
        fprintf (stderr, "usage: thr_inproc SIZE COUNT\n");
        return 2;
    }
#endif
    size = (size_t) arg_long (argv[1]);
    count = arg_long (argv[2]);
    if (count < 2) {
        fprintf (stderr, "COUNT must be >= 2\n");
        return 2;
    }
    ctx = zmq_ctx_new ();
    s = zmq_socket (ctx, ZMQ_PULL);
    if (!s)
        DIE ("zmq_socket");
    bench_server_security (s);
    CHECK (zmq_bind (s, bind_ep));
    CHECK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, endpoint, &n));
    pthread_create (&t, NULL, sender, NULL);
    zmq_msg_init (&msg);
    CHECK (zmq_msg_recv (&msg, s, 0));
    start = now ();
    for (i = 1; i < count; i++)
        CHECK (zmq_msg_recv (&msg, s, 0));
    el = now () - start;
    pthread_join (t, NULL);
    zmq_msg_close (&msg);
    zmq_close (s);
    zmq_ctx_term (ctx);
    print_thr (count - 1, size, el);
    return 0;
}
