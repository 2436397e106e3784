/* lat_inproc SIZE COUNT
 * REQ (main thread) <-> REP (thread) over inproc in one process; COUNT round
 * trips of SIZE bytes, the first COUNT/100 (at least 1) are warm-up.
 * Prints {"mean_us": a, "p50_us": b, "p99_us": c, "p999_us": d}. */
#include "bench.h"
#include <pthread.h>

static void *ctx;
static size_t size;
static long count;

static void *echo (void *arg)
{
    void *s = arg;
    zmq_msg_t msg;
    long i;
    zmq_msg_init (&msg);
    for (i = 0; i < count; i++) {
        CHECK (zmq_msg_recv (&msg, s, 0));
        CHECK (zmq_msg_send (&msg, s, 0));
    }
    zmq_msg_close (&msg);
    zmq_close (s);
    return NULL;
}

int main (int argc, char **argv)
{
    void *rep, *req;
    pthread_t t;
    long warm, i;
    char *buf;
    double *rtt, t0;
    if (argc != 3) {
        fprintf (stderr, "usage: lat_inproc SIZE COUNT\n");
        return 2;
    }
    size = (size_t) arg_long (argv[1]);
    count = arg_long (argv[2]);
    warm = count / 100 ? count / 100 : 1;
    if (count <= warm) {
        fprintf (stderr, "COUNT too small\n");
        return 2;
    }
    buf = calloc (1, size + 1);
    rtt = malloc (sizeof *rtt * (size_t) count);
    ctx = zmq_ctx_new ();
    rep = zmq_socket (ctx, ZMQ_REP);
    req = zmq_socket (ctx, ZMQ_REQ);
    if (!rep || !req)
        DIE ("zmq_socket");
    CHECK (zmq_bind (rep, "inproc://lat"));
    CHECK (zmq_connect (req, "inproc://lat"));
    pthread_create (&t, NULL, echo, rep);
    for (i = 0; i < count; i++) {
        int n;
        t0 = now ();
        CHECK (zmq_send (req, buf, size, 0));
        n = zmq_recv (req, buf, size + 1, 0);
        if (n < 0)
            DIE ("zmq_recv");
        if ((size_t) n != size) {
            fprintf (stderr, "reply %ld has %d bytes\n", i, n);
            return 1;
        }
        rtt[i] = (now () - t0) * 1e6;
    }
    pthread_join (t, NULL);
    zmq_close (req);
    zmq_ctx_term (ctx);
    print_latency (rtt + warm, count - warm);
    free (rtt);
    free (buf);
    return 0;
}
