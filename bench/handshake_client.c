/* handshake_client ENDPOINT SIZE COUNT
 * COUNT times: a new DEALER socket (linger 0) connects to ENDPOINT, sends
 * one SIZE-byte message, waits for handshake_server's echo and closes. The
 * echo proves the whole connection setup finished: TCP connect, ZMTP
 * greeting, the mechanism's handshake (CURVE with BENCH_CURVE_SERVERKEY set,
 * see bench.h: HELLO, WELCOME, INITIATE, READY; else NULL's READY pair) and
 * one message each way. Timed from the end of the first iteration (a
 * warm-up: the server may still be binding) to the end of the last; prints
 * {"handshakes_per_s": X, "mean_us": a, "p50_us": b, "p99_us": c,
 * "p999_us": d} over the COUNT-1 timed iterations (each: socket, connect,
 * handshake, round trip, close). One context for all of them, as a client
 * application reconnecting would have. Pair: handshake_server. */
#include "bench.h"

static void once (void *ctx, const char *ep, char *buf, size_t size,
                  long i)
{
    int zero = 0, timeout = 5000;
    void *s = zmq_socket (ctx, ZMQ_DEALER);
    if (!s)
        DIE ("zmq_socket");
    CHECK (zmq_setsockopt (s, ZMQ_LINGER, &zero, sizeof zero));
    CHECK (zmq_setsockopt (s, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    bench_client_security (s);
    CHECK (zmq_connect (s, ep));
    CHECK (zmq_send (s, buf, size, 0));
    if (zmq_recv (s, buf, size + 1, 0) != (int) size) {
        fprintf (stderr, "handshake_client: no echo on connection %ld: %s\n",
                 i, zmq_strerror (zmq_errno ()));
        exit (1);
    }
    CHECK (zmq_close (s));
}

int main (int argc, char **argv)
{
    void *ctx;
    long count, i;
    size_t size;
    char *buf;
    double *us, t0, t, start;
    if (argc != 4) {
        fprintf (stderr, "usage: handshake_client ENDPOINT SIZE COUNT\n");
        return 2;
    }
    size = (size_t) arg_long (argv[2]);
    count = arg_long (argv[3]);
    if (count < 2) {
        fprintf (stderr, "COUNT must be >= 2\n");
        return 2;
    }
    buf = calloc (1, size + 1);
    us = malloc (sizeof *us * (size_t) count);
    if (!buf || !us)
        return 1;
    ctx = zmq_ctx_new ();
    once (ctx, argv[1], buf, size, 0);
    start = t0 = now ();
    for (i = 1; i < count; i++) {
        once (ctx, argv[1], buf, size, i);
        t = now ();
        us[i - 1] = (t - t0) * 1e6;
        t0 = t;
    }
    t = t0 - start;
    zmq_ctx_term (ctx);
    qsort (us, (size_t) (count - 1), sizeof *us, cmp_double);
    printf ("{\"handshakes_per_s\": %.1f, \"mean_us\": %.3f, "
            "\"p50_us\": %.3f, \"p99_us\": %.3f, \"p999_us\": %.3f}\n",
            (count - 1) / (t > 0 ? t : 1e-9), t * 1e6 / (count - 1),
            pct (us, count - 1, 0.50), pct (us, count - 1, 0.99),
            pct (us, count - 1, 0.999));
    free (us);
    free (buf);
    return 0;
}
