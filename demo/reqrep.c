/* Demo: a REP server thread answers "I am OK!" to a REQ client.
 * Prints every request and reply; exits non-zero if anything is missing. */
#include <zmq.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define REQUESTS 5

static void *server (void *rep)
{
    int i;
    char buf[64];
    for (i = 0; i < REQUESTS; i++) {
        int n = zmq_recv (rep, buf, sizeof buf - 1, 0);
        if (n < 0)
            break;
        buf[n < (int) sizeof buf - 1 ? n : (int) sizeof buf - 1] = 0;
        printf ("server: received \"%s\"\n", buf);
        zmq_send (rep, "I am OK!", 8, 0);
    }
    zmq_close (rep);
    return NULL;
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    void *req, *rep;
    pthread_t th;
    int i, ok = 0, timeout = 5000, linger = 0;
    char endpoint[256];
    size_t len = sizeof endpoint;
    int major, minor, patch;

    zmq_version (&major, &minor, &patch);
    printf ("libzmq %d.%d.%d\n", major, minor, patch);
    rep = zmq_socket (ctx, ZMQ_REP);
    zmq_setsockopt (rep, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    if (zmq_bind (rep, "tcp://127.0.0.1:*") != 0) {
        printf ("server: bind failed: %s\n", zmq_strerror (zmq_errno ()));
        return 1;
    }
    zmq_getsockopt (rep, ZMQ_LAST_ENDPOINT, endpoint, &len);
    printf ("server: listening on %s\n", endpoint);
    pthread_create (&th, NULL, server, rep);
    req = zmq_socket (ctx, ZMQ_REQ);
    zmq_setsockopt (req, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt (req, ZMQ_SNDTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt (req, ZMQ_LINGER, &linger, sizeof linger);
    zmq_connect (req, endpoint);
    for (i = 0; i < REQUESTS; i++) {
        char request[32], reply[32];
        int n;
        snprintf (request, sizeof request, "Are you OK? #%d", i + 1);
        printf ("client: sending \"%s\"\n", request);
        if (zmq_send (req, request, strlen (request), 0) < 0) {
            printf ("client: send failed: %s\n", zmq_strerror (zmq_errno ()));
            break;
        }
        n = zmq_recv (req, reply, sizeof reply - 1, 0);
        if (n < 0) {
            printf ("client: no reply: %s\n", zmq_strerror (zmq_errno ()));
            break;
        }
        reply[n < (int) sizeof reply - 1 ? n : (int) sizeof reply - 1] = 0;
        printf ("client: got reply \"%s\"\n", reply);
        if (strcmp (reply, "I am OK!") == 0)
            ok++;
    }
    zmq_close (req);
    pthread_join (th, NULL);
    zmq_ctx_term (ctx);
    printf ("%d of %d replies were \"I am OK!\"\n", ok, REQUESTS);
    return ok == REQUESTS ? 0 : 1;
}
