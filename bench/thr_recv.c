/* thr_recv ENDPOINT SIZE COUNT
 * Binds a PULL socket on ENDPOINT, receives COUNT messages of SIZE bytes and
 * prints {"msgs_per_s": X, "bytes_per_s": Y}, timed from the first message
 * received to the last (COUNT-1 intervals). Pair: thr_send. */
#include "bench.h"

int main (int argc, char **argv)
{
    void *ctx, *s;
    zmq_msg_t msg;
    long count, i;
    size_t size;
    double start, el;
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
    CHECK (zmq_bind (s, argv[1]));
    zmq_msg_init (&msg);
    CHECK (zmq_msg_recv (&msg, s, 0));
    start = now ();
    for (i = 1; i < count; i++) {
        CHECK (zmq_msg_recv (&msg, s, 0));
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
