/* thr_recv ENDPOINT SIZE COUNT
 * Binds a PULL socket on ENDPOINT, receives COUNT messages of SIZE bytes and
 * prints {"msgs_per_s": X, "bytes_per_s": Y}, timed from the first message
 * received to the last (COUNT-1 intervals). Pair: thr_send.
 * With BENCH_CURVE_SECRET set it is a CURVE server (see bench.h). */
#include "bench.h"

int main (int argc, char **argv)
{
    void *ctx, *s;
    zmq_msg_t msg;
    long count, i;
    size_t size;
    double start, el;
    int first_timeout = 10000, stall_timeout = 5000;
    if (argc != 4) {
        fprintf (stderr, "usage: thr_recv ENDPOINT SIZE COUNT\n");
        return 2;
    }
    size = (size_t) arg_long (argv[2]);
    count = arg_long (argv[3]);
    if (count < 2) {
        fprintf (stderr, "COUNT must be >= 2\n");
        return 2;
    }
    ctx = zmq_ctx_new ();
    s = zmq_socket (ctx, ZMQ_PULL);
    if (!s)
        DIE ("zmq_socket");
    /* a stalled stream fails with a count instead of hanging: 10 s for the
     * first message, then 5 s without any message */
    CHECK (zmq_setsockopt (s, ZMQ_RCVTIMEO, &first_timeout,
                           sizeof first_timeout));
    bench_server_security (s);
    CHECK (zmq_bind (s, argv[1]));
    zmq_msg_init (&msg);
    if (zmq_msg_recv (&msg, s, 0) < 0)
        DIE ("no first message within 10 s: zmq_msg_recv");
    CHECK (zmq_setsockopt (s, ZMQ_RCVTIMEO, &stall_timeout,
                           sizeof stall_timeout));
    start = now ();
    for (i = 1; i < count; i++) {
        if (zmq_msg_recv (&msg, s, 0) < 0) {
            fprintf (stderr, "thr_recv: received %ld of %ld messages, then "
                             "nothing for 5 s: %s\n",
                     i, count, zmq_strerror (zmq_errno ()));
            return 1;
        }
        if (zmq_msg_size (&msg) != size) {
            fprintf (stderr, "message %ld has %zu bytes, expected %zu\n", i,
                     zmq_msg_size (&msg), size);
            return 1;
        }
    }
    el = now () - start;
    zmq_msg_close (&msg);
    zmq_close (s);
    zmq_ctx_term (ctx);
    print_thr (count - 1, size, el);
    return 0;
}
