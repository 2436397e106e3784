/* lat_rep ENDPOINT SIZE COUNT
 * Binds a REP socket on ENDPOINT, echoes COUNT messages of SIZE bytes (the
 * REQ side's warm-up included: lat_req sends exactly COUNT), prints {}.
 * Pair: lat_req. */
#include "bench.h"

int main (int argc, char **argv)
{
    void *ctx, *s;
    long count, i;
    size_t size;
    zmq_msg_t msg;
    if (argc != 4) {
        fprintf (stderr, "usage: lat_rep ENDPOINT SIZE COUNT\n");
        return 2;
    }
    size = (size_t) arg_long (argv[2]);
    count = arg_long (argv[3]);
    ctx = zmq_ctx_new ();
    s = zmq_socket (ctx, ZMQ_REP);
    if (!s)
        DIE ("zmq_socket");
    CHECK (zmq_bind (s, argv[1]));
    zmq_msg_init (&msg);
    for (i = 0; i < count; i++) {
        CHECK (zmq_msg_recv (&msg, s, 0));
        if (zmq_msg_size (&msg) != size) {
            fprintf (stderr, "message %ld has %zu bytes, expected %zu\n", i,
                     zmq_msg_size (&msg), size);
            return 1;
        }
        CHECK (zmq_msg_send (&msg, s, 0));
    }
    zmq_msg_close (&msg);
    zmq_close (s);
    zmq_ctx_term (ctx);
    printf ("{}\n");
    return 0;
}
