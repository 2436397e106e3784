/* Prints the loaded library's version, checks it against argv[1] ("4.3.5"),
 * and runs one REQ/REP exchange over tcp. Used by `make test` to prove that
 * a program built elsewhere (Debian's header, or pkg-config after
 * `make install`) runs on our library. */
#include <zmq.h>
#include <stdio.h>
#include <string.h>

int main (int argc, char **argv)
{
    int major, minor, patch;
    char version[32], ep[256], buf[32];
    size_t n = sizeof ep;
    void *ctx, *rep, *req;
    int r, timeout = 5000;

    zmq_version (&major, &minor, &patch);
    snprintf (version, sizeof version, "%d.%d.%d", major, minor, patch);
    printf ("loaded libzmq %s\n", version);
    if (argc > 1 && strcmp (argv[1], version) != 0) {
        fprintf (stderr, "FAIL: expected libzmq %s\n", argv[1]);
        return 1;
    }
    ctx = zmq_ctx_new ();
    rep = zmq_socket (ctx, ZMQ_REP);
    req = zmq_socket (ctx, ZMQ_REQ);
    zmq_setsockopt (rep, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt (req, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    if (zmq_bind (rep, "tcp://127.0.0.1:*") != 0
        || zmq_getsockopt (rep, ZMQ_LAST_ENDPOINT, ep, &n) != 0
        || zmq_connect (req, ep) != 0 || zmq_send (req, "Hello", 5, 0) != 5
        || zmq_recv (rep, buf, sizeof buf, 0) != 5
        || zmq_send (rep, "I am OK!", 8, 0) != 8) {
        fprintf (stderr, "FAIL: %s\n", zmq_strerror (zmq_errno ()));
        return 1;
    }
    r = zmq_recv (req, buf, sizeof buf - 1, 0);
    if (r != 8) {
        fprintf (stderr, "FAIL: reply: %s\n", zmq_strerror (zmq_errno ()));
        return 1;
    }
    buf[r] = 0;
    printf ("REQ got \"%s\"\n", buf);
    zmq_close (req);
    zmq_close (rep);
    zmq_ctx_term (ctx);
    return strcmp (buf, "I am OK!") != 0;
}
