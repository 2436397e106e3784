/* Demo: a PUB sends 10 numbered messages to a SUB. The slow joiner is
 * handled by a sync topic: PUB repeats "sync" until the SUB has seen one
 * and says so on a PAIR back-channel, then sends the numbered messages. */
#include <zmq.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define MESSAGES 10

static int received;
static char endpoint[256];

static void *subscriber (void *ctx)
{
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    void *back = zmq_socket (ctx, ZMQ_PAIR);
    int timeout = 5000, linger = 0;
    char buf[64];
    zmq_setsockopt (sub, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt (sub, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt (back, ZMQ_LINGER, &linger, sizeof linger);
    zmq_connect (back, "inproc://back");
    zmq_connect (sub, endpoint);
    zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "news", 4);
    zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "sync", 4);
    for (;;) {
        int n = zmq_recv (sub, buf, sizeof buf - 1, 0);
        if (n < 0) {
            printf ("subscriber: %s\n", zmq_strerror (zmq_errno ()));
            break;
        }
        buf[n < (int) sizeof buf - 1 ? n : (int) sizeof buf - 1] = 0;
        if (strcmp (buf, "sync") == 0) {
            if (received == 0 && zmq_send (back, "ready", 5, ZMQ_DONTWAIT) == 5)
                printf ("subscriber: connected, subscription is live\n");
            continue;
        }
        printf ("subscriber: received \"%s\"\n", buf);
        if (strcmp (buf, "news end") == 0)
            break;
        received++;
    }
    zmq_close (sub);
    zmq_close (back);
    return NULL;
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    void *back = zmq_socket (ctx, ZMQ_PAIR);
    pthread_t th;
    int i, linger = 0, synced = 0;
    size_t len = sizeof endpoint;
    zmq_setsockopt (pub, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt (back, ZMQ_LINGER, &linger, sizeof linger);
    zmq_bind (back, "inproc://back");
    if (zmq_bind (pub, "tcp://127.0.0.1:*") != 0) {
        printf ("publisher: bind failed: %s\n", zmq_strerror (zmq_errno ()));
        return 1;
    }
    zmq_getsockopt (pub, ZMQ_LAST_ENDPOINT, endpoint, &len);
    printf ("publisher: bound to %s\n", endpoint);
    pthread_create (&th, NULL, subscriber, ctx);
    /* slow joiner: repeat "sync" until the subscriber confirms */
    for (i = 0; i < 500 && !synced; i++) {
        zmq_pollitem_t item = {back, 0, ZMQ_POLLIN, 0};
        zmq_send (pub, "sync", 4, 0);
        if (zmq_poll (&item, 1, 10) == 1) {
            char buf[8];
            zmq_recv (back, buf, sizeof buf, 0);
            synced = 1;
        }
    }
    if (!synced)
        printf ("publisher: subscriber never connected\n");
    for (i = 1; i <= MESSAGES && synced; i++) {
        char msg[32];
        snprintf (msg, sizeof msg, "news %d", i);
        printf ("publisher: sending \"%s\"\n", msg);
        zmq_send (pub, msg, strlen (msg), 0);
    }
    zmq_send (pub, "news end", 8, 0);
    pthread_join (th, NULL);
    zmq_close (pub);
    zmq_close (back);
    zmq_ctx_term (ctx);
    printf ("%d of %d messages received\n", received, MESSAGES);
    return received == MESSAGES ? 0 : 1;
}
