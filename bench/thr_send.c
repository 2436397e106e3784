/* thr_send ENDPOINT SIZE COUNT
 * Connects a PUSH socket to ENDPOINT, sends COUNT messages of SIZE bytes,
 * closes with the default linger (waits for delivery) and prints {}.
 * Pair: thr_recv. */
#include "bench.h"

int main (int argc, char **argv)
{
    void *ctx, *s;
    long count, i;
    size_t size;
    zmq_msg_t msg;
    if (argc != 4) {
        fprintf (stderr, "usage: thr_send ENDPOINT SIZE COUNT\n");
        return 2;
    }
    size = (size_t) arg_long (argv[2]);
    count = arg_long (argv[3]);
    ctx = zmq_ctx_new ();
    s = zmq_socket (ctx, ZMQ_PUSH);
    if (!s)
        DIE ("zmq_socket");
    CHECK (zmq_connect (s, argv[1]));
    for (i = 0; i < count; i++) {
        /* a fresh message each time, like libzmq's perf/remote_thr (the
         * payload is not filled in, as there) */
        CHECK (zmq_msg_init_size (&msg, size));
        CHECK (zmq_msg_send (&msg, s, 0));
    }
    zmq_close (s);
    zmq_ctx_term (ctx);
    printf ("{}\n");
    return 0;
}
