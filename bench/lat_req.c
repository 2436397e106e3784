/* lat_req ENDPOINT SIZE COUNT
 * Connects a REQ socket to ENDPOINT and does COUNT round trips of SIZE-byte
 * messages; the first COUNT/100 (at least 1) are warm-up and not counted.
 * Prints {"mean_us": a, "p50_us": b, "p99_us": c, "p999_us": d} of the
 * measured round-trip times. Pair: lat_rep. */
#include "bench.h"

int main (int argc, char **argv)
{
    void *ctx, *s;
    long count, warm, i;
    size_t size;
    char *buf;
    double *rtt, t0;
    if (argc != 4) {
        fprintf (stderr, "usage: lat_req ENDPOINT SIZE COUNT\n");
        return 2;
    }
    size = (size_t) arg_long (argv[2]);
    count = arg_long (argv[3]);
    warm = count / 100 ? count / 100 : 1;
    if (count <= warm) {
        fprintf (stderr, "COUNT too small\n");
        return 2;
    }
    buf = calloc (1, size + 1);
    rtt = malloc (sizeof *rtt * (size_t) count);
    ctx = zmq_ctx_new ();
    s = zmq_socket (ctx, ZMQ_REQ);
    if (!s)
        DIE ("zmq_socket");
    CHECK (zmq_connect (s, argv[1]));
    for (i = 0; i < count; i++) {
        int n;
        t0 = now ();
        CHECK (zmq_send (s, buf, size, 0));
        n = zmq_recv (s, buf, size + 1, 0);
        if (n < 0)
            DIE ("zmq_recv");
        if ((size_t) n != size) {
            fprintf (stderr, "reply %ld has %d bytes, expected %zu\n", i, n,
                     size);
            return 1;
        }
        rtt[i] = (now () - t0) * 1e6;
    }
    zmq_close (s);
    zmq_ctx_term (ctx);
    print_latency (rtt + warm, count - warm);
    free (rtt);
    free (buf);
    return 0;
}
