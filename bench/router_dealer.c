/* router_dealer NDEALERS ROUNDS
 * One ROUTER in the parent process binds tcp://127.0.0.1:* and echoes every
 * request back to the DEALER that sent it (replies go out in the order the
 * ROUTER's fair-queueing hands requests over). A forked child process (its
 * own context, ZMQ_MAX_SOCKETS = NDEALERS + 16, RLIMIT_NOFILE raised to the
 * hard limit in both) connects NDEALERS DEALER sockets and polls them all
 * with zmq_poll; each dealer keeps one 16-byte request outstanding. One
 * untimed warm-up round trip per dealer (all connected), then ROUNDS timed
 * round trips per dealer. Prints {"rtt_per_s": aggregate round trips per
 * second, "msgs_per_s": same}. */
#include "bench.h"
#include <sys/wait.h>
#include <unistd.h>

/* Each dealer sends, then waits for `rounds` replies, re-sending after each
 * but the last. Returns once every dealer is done. */
static void run_rounds (void **d, zmq_pollitem_t *items, long nd, long rounds)
{
    long *left = malloc (sizeof *left * (size_t) nd), active = nd, i;
    char req[16] = "request-payload";
    char rep[64];
    for (i = 0; i < nd; i++) {
        left[i] = rounds;
        CHECK (zmq_send (d[i], req, sizeof req, 0));
        items[i].events = ZMQ_POLLIN;
    }
    while (active > 0) {
        if (zmq_poll (items, (int) nd, -1) < 0)
            DIE ("zmq_poll");
        for (i = 0; i < nd; i++) {
            if (!(items[i].revents & ZMQ_POLLIN))
                continue;
            while (left[i] > 0) {
                int r = zmq_recv (d[i], rep, sizeof rep, ZMQ_DONTWAIT);
                if (r < 0) {
                    if (zmq_errno () == EAGAIN)
                        break;
                    DIE ("zmq_recv");
                }
                if (--left[i] == 0) {
                    items[i].events = 0;
                    active--;
                } else
                    CHECK (zmq_send (d[i], req, sizeof req, 0));
            }
        }
    }
    free (left);
}

static void dealers (int in, int out, long nd, long rounds)
{
    char endpoint[256];
    void *ctx = zmq_ctx_new ();
    void **d = calloc ((size_t) nd, sizeof *d);
    zmq_pollitem_t *items = calloc ((size_t) nd, sizeof *items);
    long i;
    double t0, el;
    read_all (in, endpoint, sizeof endpoint);
    CHECK (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, (int) nd + 16));
    for (i = 0; i < nd; i++) {
        d[i] = zmq_socket (ctx, ZMQ_DEALER);
        if (!d[i])
            DIE ("zmq_socket");
        CHECK (zmq_connect (d[i], endpoint));
        items[i].socket = d[i];
    }
    run_rounds (d, items, nd, 1); /* warm-up: everyone connected */
    t0 = now ();
    run_rounds (d, items, nd, rounds);
    el = now () - t0;
    for (i = 0; i < nd; i++)
        zmq_close (d[i]);
    zmq_ctx_term (ctx);
    if (write (out, &el, sizeof el) != (ssize_t) sizeof el)
        exit (1);
    exit (0);
}

int main (int argc, char **argv)
{
    int p2c[2], c2p[2], status;
    long nd, rounds, total, i;
    char endpoint[256] = "";
    size_t len = sizeof endpoint;
    void *ctx, *router;
    zmq_msg_t id, body;
    pid_t pid;
    double el;
    if (argc != 3) {
        fprintf (stderr, "usage: router_dealer NDEALERS ROUNDS\n");
        return 2;
    }
    nd = arg_long (argv[1]);
    rounds = arg_long (argv[2]);
    if (nd < 1 || rounds < 1) {
        fprintf (stderr, "bad arguments\n");
        return 2;
    }
    raise_nofile ();
    if (pipe (p2c) || pipe (c2p)) {
        perror ("pipe");
        return 1;
    }
    pid = fork (); /* before any context exists */
    if (pid < 0) {
        perror ("fork");
        return 1;
    }
    if (pid == 0) {
        close (p2c[1]);
        close (c2p[0]);
        dealers (p2c[0], c2p[1], nd, rounds);
    }
    close (p2c[0]);
    close (c2p[1]);
    ctx = zmq_ctx_new ();
    router = zmq_socket (ctx, ZMQ_ROUTER);
    if (!router)
        DIE ("zmq_socket");
    CHECK (zmq_bind (router, "tcp://127.0.0.1:*"));
    CHECK (zmq_getsockopt (router, ZMQ_LAST_ENDPOINT, endpoint, &len));
    if (write (p2c[1], endpoint, sizeof endpoint) != (ssize_t) sizeof endpoint)
        return 1;
    zmq_msg_init (&id);
    zmq_msg_init (&body);
    total = nd * (rounds + 1);
    for (i = 0; i < total; i++) {
        CHECK (zmq_msg_recv (&id, router, 0));
        CHECK (zmq_msg_recv (&body, router, 0));
        CHECK (zmq_msg_send (&id, router, ZMQ_SNDMORE));
        CHECK (zmq_msg_send (&body, router, 0));
    }
    read_all (c2p[0], &el, sizeof el);
    if (waitpid (pid, &status, 0) != pid || !WIFEXITED (status)
        || WEXITSTATUS (status) != 0) {
        fprintf (stderr, "dealer process failed\n");
        return 1;
    }
    zmq_msg_close (&id);
    zmq_msg_close (&body);
    zmq_close (router);
    zmq_ctx_term (ctx);
    printf ("{\"rtt_per_s\": %.1f, \"msgs_per_s\": %.1f}\n",
            nd * rounds / el, nd * rounds / el);
    return 0;
}
