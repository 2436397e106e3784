/* pubsub fanout NSUBS COUNT
 *   One XPUB (PUB semantics) in the parent process binds tcp://127.0.0.1:*;
 *   a forked child process (its own context) opens NSUBS SUB sockets, each
 *   subscribes to "" and connects, and polls them all with zmq_poll. No
 *   slow-joiner sleep: the publisher sets ZMQ_XPUB_VERBOSE and waits until it
 *   has received all NSUBS subscriptions (so every pipe is attached), and sets
 *   ZMQ_XPUB_NODROP so that a full subscriber pipe blocks the publisher
 *   instead of dropping (every SUB gets all COUNT messages). Publishes COUNT
 *   64-byte messages. Prints {"msgs_per_s": X, "bytes_per_s": Y} where X is
 *   the aggregate delivered rate (NSUBS*COUNT messages, timed in the child
 *   from the first message received to the last), plus "send_msgs_per_s".
 * pubsub prefixes NTOPICS COUNT
 *   Same set-up with one SUB subscribed to NTOPICS distinct prefixes
 *   "t00000".."t<NTOPICS-1>" (publisher waits for all NTOPICS
 *   subscriptions). Message i (64 bytes) starts with topic
 *   "t%05d" % (i mod 2*NTOPICS): half of the messages match. Prints
 *   {"msgs_per_s": delivered rate, "bytes_per_s": ..,
 *    "send_msgs_per_s": COUNT / publisher's send time, "delivered": n}. */
#include "bench.h"
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define MSG_SIZE 64

struct result
{
    double elapsed;
    long delivered;
};

static void subscriber (int in, int out, int prefixes, long nsubs_or_topics,
                        long count)
{
    char endpoint[256];
    long nsubs = prefixes ? 1 : nsubs_or_topics, expect, got = 0, i;
    void *ctx = zmq_ctx_new ();
    void **subs = calloc ((size_t) nsubs, sizeof *subs);
    zmq_pollitem_t *items = calloc ((size_t) nsubs, sizeof *items);
    zmq_msg_t msg;
    struct result res;
    double start = 0;
    int unlimited = 0;
    read_all (in, endpoint, sizeof endpoint);
    CHECK (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, (int) nsubs + 16));
    for (i = 0; i < nsubs; i++) {
        subs[i] = zmq_socket (ctx, ZMQ_SUB);
        if (!subs[i])
            DIE ("zmq_socket");
        /* subscriptions travel upstream through the SUB's send pipe and
         * are dropped past its SNDHWM: unlimited, so all NTOPICS arrive */
        CHECK (zmq_setsockopt (subs[i], ZMQ_SNDHWM, &unlimited,
                               sizeof unlimited));
        if (prefixes) {
            long t;
            for (t = 0; t < nsubs_or_topics; t++) {
                char topic[16];
                snprintf (topic, sizeof topic, "t%05d", (int) t);
                CHECK (zmq_setsockopt (subs[i], ZMQ_SUBSCRIBE, topic, 6));
            }
        } else
            CHECK (zmq_setsockopt (subs[i], ZMQ_SUBSCRIBE, "", 0));
        CHECK (zmq_connect (subs[i], endpoint));
        items[i].socket = subs[i];
        items[i].events = ZMQ_POLLIN;
    }
    if (prefixes) {
        expect = 0;
        for (i = 0; i < count; i++)
            if (i % (2 * nsubs_or_topics) < nsubs_or_topics)
                expect++;
    } else
        expect = nsubs * count;
    zmq_msg_init (&msg);
    while (got < expect) {
        if (zmq_poll (items, (int) nsubs, -1) < 0)
            DIE ("zmq_poll");
        for (i = 0; i < nsubs; i++) {
            if (!(items[i].revents & ZMQ_POLLIN))
                continue;
            while (zmq_msg_recv (&msg, subs[i], ZMQ_DONTWAIT) >= 0) {
                if (got++ == 0)
                    start = now ();
            }
            if (zmq_errno () != EAGAIN)
                DIE ("zmq_msg_recv");
        }
    }
    res.elapsed = now () - start;
    res.delivered = got;
    zmq_msg_close (&msg);
    for (i = 0; i < nsubs; i++) {
        int zero = 0;
        zmq_setsockopt (subs[i], ZMQ_LINGER, &zero, sizeof zero);
        zmq_close (subs[i]);
    }
    zmq_ctx_term (ctx);
    if (write (out, &res, sizeof res) != (ssize_t) sizeof res)
        exit (1);
    exit (0);
}

int main (int argc, char **argv)
{
    int prefixes, p2c[2], c2p[2], one = 1, zero = 0, status;
    long n, count, subs_expected, i, ntopics;
    char endpoint[256] = "";
    size_t len = sizeof endpoint;
    void *ctx, *pub;
    pid_t pid;
    zmq_msg_t msg;
    struct result res;
    double t0, send_el;
    char *topics = NULL;
    if (argc != 4
        || (strcmp (argv[1], "fanout") && strcmp (argv[1], "prefixes"))) {
        fprintf (stderr, "usage: pubsub fanout NSUBS COUNT | "
                         "pubsub prefixes NTOPICS COUNT\n");
        return 2;
    }
    prefixes = strcmp (argv[1], "prefixes") == 0;
    n = arg_long (argv[2]);
    count = arg_long (argv[3]);
    if (n < 1 || count < 2 || (prefixes && n > 99999)) {
        fprintf (stderr, "bad arguments\n");
        return 2;
    }
    raise_nofile ();
    if (pipe (p2c) || pipe (c2p)) {
        perror ("pipe");
        return 1;
    }
    /* fork before any context exists in this process */
    pid = fork ();
    if (pid < 0) {
        perror ("fork");
        return 1;
    }
    if (pid == 0) {
        close (p2c[1]);
        close (c2p[0]);
        subscriber (p2c[0], c2p[1], prefixes, n, count);
    }
    close (p2c[0]);
    close (c2p[1]);
    ctx = zmq_ctx_new ();
    pub = zmq_socket (ctx, ZMQ_XPUB);
    if (!pub)
        DIE ("zmq_socket");
    CHECK (zmq_setsockopt (pub, ZMQ_XPUB_VERBOSE, &one, sizeof one));
    CHECK (zmq_setsockopt (pub, ZMQ_XPUB_NODROP, &one, sizeof one));
    CHECK (zmq_setsockopt (pub, ZMQ_RCVHWM, &zero, sizeof zero));
    CHECK (zmq_bind (pub, "tcp://127.0.0.1:*"));
    CHECK (zmq_getsockopt (pub, ZMQ_LAST_ENDPOINT, endpoint, &len));
    if (write (p2c[1], endpoint, sizeof endpoint) != (ssize_t) sizeof endpoint)
        return 1;
    /* every subscription has reached the publisher: all pipes attached */
    subs_expected = n;
    zmq_msg_init (&msg);
    for (i = 0; i < subs_expected; i++) {
        CHECK (zmq_msg_recv (&msg, pub, 0));
        if (zmq_msg_size (&msg) < 1 || ((char *) zmq_msg_data (&msg))[0] != 1) {
            fprintf (stderr, "unexpected message from XPUB\n");
            return 1;
        }
    }
    zmq_msg_close (&msg);
    ntopics = prefixes ? n : 1;
    topics = malloc ((size_t) (2 * ntopics) * 16);
    for (i = 0; i < 2 * ntopics; i++)
        snprintf (topics + i * 16, 16, "t%05d", (int) i);
    t0 = now ();
    for (i = 0; i < count; i++) {
        CHECK (zmq_msg_init_size (&msg, MSG_SIZE));
        memset (zmq_msg_data (&msg), 'x', MSG_SIZE);
        if (prefixes)
            memcpy (zmq_msg_data (&msg), topics + (i % (2 * ntopics)) * 16, 6);
        CHECK (zmq_msg_send (&msg, pub, 0));
    }
    send_el = now () - t0;
    read_all (c2p[0], &res, sizeof res);
    if (waitpid (pid, &status, 0) != pid || !WIFEXITED (status)
        || WEXITSTATUS (status) != 0) {
        fprintf (stderr, "subscriber process failed\n");
        return 1;
    }
    zmq_setsockopt (pub, ZMQ_LINGER, &zero, sizeof zero);
    zmq_close (pub);
    zmq_ctx_term (ctx);
    free (topics);
    if (res.elapsed <= 0)
        res.elapsed = 1e-9;
    printf ("{\"msgs_per_s\": %.1f, \"bytes_per_s\": %.1f, "
            "\"send_msgs_per_s\": %.1f, \"delivered\": %ld}\n",
            (res.delivered - 1) / res.elapsed,
            (res.delivered - 1) * (double) MSG_SIZE / res.elapsed,
            count / send_el, res.delivered);
    return 0;
}
