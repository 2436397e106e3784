/* thr_send ENDPOINT SIZE COUNT
 * Connects a PUSH socket to ENDPOINT, sends COUNT messages of SIZE bytes,
 * closes with the default linger (waits for delivery) and prints {}.
 * Pair: thr_recv. With BENCH_CURVE_SERVERKEY set it is a CURVE client of
 * that server (see bench.h).
 * With BENCH_WAIT_STDIN=1 in the environment (bench/run.py sets it), it
 * reads standard input to EOF before closing the socket: the runner closes
 * that pipe once thr_recv has exited, so the connection stays up until the
 * receiver has everything. Without it, libzmq 4.3.4's ipc receiver often
 * loses the last few thousand messages when the sender disconnects while the
 * receiving pipe is full (RCVHWM reached); the measurement itself (first to
 * last message, on the receiver) is the same either way. */
#include "bench.h"
#include <unistd.h>

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
    bench_client_security (s);
    CHECK (zmq_connect (s, argv[1]));
    for (i = 0; i < count; i++) {
        /* a fresh message each time, like libzmq's perf/remote_thr (the
         * payload is not filled in, as there) */
        CHECK (zmq_msg_init_size (&msg, size));
        CHECK (zmq_msg_send (&msg, s, 0));
    }
    if (getenv ("BENCH_WAIT_STDIN")) {
        char b[256];
        while (read (0, b, sizeof b) > 0)
            ;
    }
    zmq_close (s);
    zmq_ctx_term (ctx);
    printf ("{}\n");
    return 0;
}
