/* Throughput: PUSH (thread) -> PULL (main) over one endpoint, in one process.
 * usage: thr ENDPOINT SIZE COUNT   e.g. thr tcp://127.0.0.1:* 64 1000000
 * Prints "msgs/s MB/s". Built once, run against any libzmq.so.5 by swapping
 * LD_LIBRARY_PATH. */
#include <zmq.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void *ctx;
static char endpoint[256];
static size_t size;
static long count;

static void *sender (void *arg)
{
    void *s = zmq_socket (ctx, ZMQ_PUSH);
    char *buf = calloc (1, size ? size : 1);
    long i;
    (void) arg;
    if (zmq_connect (s, endpoint) != 0) {
        fprintf (stderr, "connect: %s\n", zmq_strerror (zmq_errno ()));
        exit (1);
    }
    for (i = 0; i < count; i++)
        if (zmq_send (s, buf, size, 0) < 0) {
            fprintf (stderr, "send: %s\n", zmq_strerror (zmq_errno ()));
            exit (1);
        }
    zmq_close (s);
    free (buf);
    return NULL;
}

static double now (void)
{
    struct timespec t;
    clock_gettime (CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main (int argc, char **argv)
{
    void *s;
    size_t n = sizeof endpoint;
    pthread_t t;
    zmq_msg_t msg;
    long i;
    double start, el;
    if (argc < 4) {
        fprintf (stderr, "usage: thr ENDPOINT SIZE COUNT\n");
        return 2;
    }
    size = (size_t) atol (argv[2]);
    count = atol (argv[3]);
    ctx = zmq_ctx_new ();
    s = zmq_socket (ctx, ZMQ_PULL);
    if (zmq_bind (s, argv[1]) != 0) {
        fprintf (stderr, "bind: %s\n", zmq_strerror (zmq_errno ()));
        return 1;
    }
    zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, endpoint, &n);
    pthread_create (&t, NULL, sender, NULL);
    zmq_msg_init (&msg);
    zmq_msg_recv (&msg, s, 0);
    start = now ();
    for (i = 1; i < count; i++)
        if (zmq_msg_recv (&msg, s, 0) < 0) {
            fprintf (stderr, "recv: %s\n", zmq_strerror (zmq_errno ()));
            return 1;
        }
    el = now () - start;
    pthread_join (t, NULL);
    printf ("%.0f msgs/s %.1f MB/s\n", (count - 1) / el, (count - 1) * (double) size / el / 1e6);
    zmq_msg_close (&msg);
    zmq_close (s);
    zmq_ctx_term (ctx);
    return 0;
}
