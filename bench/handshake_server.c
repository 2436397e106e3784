/* handshake_server ENDPOINT SIZE COUNT
 * Binds a ROUTER socket on ENDPOINT and echoes COUNT messages (each one
 * from a new connection of handshake_client, which sends one SIZE-byte
 * message per connection), then prints {}. With BENCH_CURVE_SECRET set it is
 * a CURVE server (see bench.h), else NULL. Gives up after 10 s without a
 * first message or 5 s without the next one. Pair: handshake_client. */
#include "bench.h"

int main (int argc, char **argv)
{
    void *ctx, *s;
    zmq_msg_t id, body;
    long count, i;
    int first_timeout = 10000, stall_timeout = 5000;
    if (argc != 4) {
        fprintf (stderr, "usage: handshake_server ENDPOINT SIZE COUNT\n");
        return 2;
    }
    (void) arg_long (argv[2]);
    count = arg_long (argv[3]);
    ctx = zmq_ctx_new ();
    s = zmq_socket (ctx, ZMQ_ROUTER);
    if (!s)
        DIE ("zmq_socket");
    CHECK (zmq_setsockopt (s, ZMQ_RCVTIMEO, &first_timeout,
                           sizeof first_timeout));
    bench_server_security (s);
    CHECK (zmq_bind (s, argv[1]));
    zmq_msg_init (&id);
    zmq_msg_init (&body);
    for (i = 0; i < count; i++) {
        if (zmq_msg_recv (&id, s, 0) < 0 || zmq_msg_recv (&body, s, 0) < 0) {
            fprintf (stderr, "handshake_server: %ld of %ld messages, then: %s\n",
                     i, count, zmq_strerror (zmq_errno ()));
            return 1;
        }
        if (i == 0)
            CHECK (zmq_setsockopt (s, ZMQ_RCVTIMEO, &stall_timeout,
                                   sizeof stall_timeout));
        /* the client may already have gone (it closes right after the
         * reply): a lost reply is its problem, not a failure here */
        if (zmq_msg_send (&id, s, ZMQ_SNDMORE) >= 0)
            zmq_msg_send (&body, s, 0);
    }
    zmq_msg_close (&id);
    zmq_msg_close (&body);
    zmq_close (s);
    zmq_ctx_term (ctx);
    printf ("{}\n");
    return 0;
}
