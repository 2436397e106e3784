/* mem_sockets NSOCKETS
 * Memory of an idle context holding NSOCKETS DEALER sockets, each connected
 * over inproc to one ROUTER bound in the same context (so every socket has
 * its pipe pair, as an idle client would). Baseline VmRSS (/proc/self/status)
 * is sampled after the context, the ROUTER and its bind exist; every DEALER
 * then sends one 1-byte message and the ROUTER receives all NSOCKETS of them
 * (proving every pipe is attached), then VmRSS is sampled again. Prints
 * {"rss_kib": delta, "per_socket_bytes": delta*1024/NSOCKETS}. */
#include "bench.h"
#include <unistd.h>

int main (int argc, char **argv)
{
    long n, i, before, after;
    void *ctx, *router, **d;
    zmq_msg_t msg;
    if (argc != 2) {
        fprintf (stderr, "usage: mem_sockets NSOCKETS\n");
        return 2;
    }
    n = arg_long (argv[1]);
    if (n < 1) {
        fprintf (stderr, "bad arguments\n");
        return 2;
    }
    raise_nofile ();
    d = calloc ((size_t) n, sizeof *d);
    ctx = zmq_ctx_new ();
    CHECK (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, (int) n + 16));
    router = zmq_socket (ctx, ZMQ_ROUTER);
    if (!router)
        DIE ("zmq_socket");
    CHECK (zmq_bind (router, "inproc://mem"));
    usleep (100000);
    before = rss_kib ();
    for (i = 0; i < n; i++) {
        d[i] = zmq_socket (ctx, ZMQ_DEALER);
        if (!d[i])
            DIE ("zmq_socket");
        CHECK (zmq_connect (d[i], "inproc://mem"));
        CHECK (zmq_send (d[i], "x", 1, 0));
    }
    zmq_msg_init (&msg);
    for (i = 0; i < 2 * n; i++) /* identity + body per dealer */
        CHECK (zmq_msg_recv (&msg, router, 0));
    zmq_msg_close (&msg);
    usleep (100000);
    after = rss_kib ();
    for (i = 0; i < n; i++)
        zmq_close (d[i]);
    zmq_close (router);
    zmq_ctx_term (ctx);
    free (d);
    printf ("{\"rss_kib\": %ld, \"per_socket_bytes\": %.0f}\n", after - before,
            (after - before) * 1024.0 / n);
    return 0;
}
