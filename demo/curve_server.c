/* Demo: a CURVE server (REP) with an authenticator that lets in one client
 * key. The allowed client gets its reply; a stranger with other keys is
 * refused during the handshake and the server never sees its request. */
#include <zmq.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static unsigned char allowed_key[32]; /* the one client the server accepts */

/* The authenticator: a ZAP handler (RFC 27) on inproc://zeromq.zap.01.
 * Requests are: version, request id, domain, address, routing id,
 * mechanism, client public key (32 bytes for CURVE). */
static void *authenticator (void *handler)
{
    char frame[7][64];
    int size[7];
    for (;;) {
        int i, ok;
        for (i = 0; i < 7; i++) {
            size[i] = zmq_recv (handler, frame[i], sizeof frame[i], 0);
            if (size[i] < 0) { /* ETERM: the context is shutting down */
                zmq_close (handler);
                return NULL;
            }
        }
        ok = size[6] == 32 && memcmp (frame[6], allowed_key, 32) == 0;
        printf ("authenticator: %s from %.*s\n", ok ? "allow" : "deny",
                size[3], frame[3]);
        zmq_send (handler, "1.0", 3, ZMQ_SNDMORE);
        zmq_send (handler, frame[1], size[1], ZMQ_SNDMORE); /* request id */
        zmq_send (handler, ok ? "200" : "400", 3, ZMQ_SNDMORE);
        zmq_send (handler, ok ? "OK" : "unknown key", ok ? 2 : 11, ZMQ_SNDMORE);
        zmq_send (handler, ok ? "client-1" : "", ok ? 8 : 0, ZMQ_SNDMORE);
        zmq_send (handler, "", 0, 0); /* no metadata */
    }
}

/* A REQ client with its own keys that knows the server's public key. */
static void *client (void *ctx, const char *server_key, const char *endpoint,
                     char *public_key, char *secret_key)
{
    void *req = zmq_socket (ctx, ZMQ_REQ);
    int linger = 0, timeout = 2000;
    zmq_setsockopt (req, ZMQ_CURVE_SERVERKEY, server_key, 40);
    zmq_setsockopt (req, ZMQ_CURVE_PUBLICKEY, public_key, 40);
    zmq_setsockopt (req, ZMQ_CURVE_SECRETKEY, secret_key, 40);
    zmq_setsockopt (req, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt (req, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_connect (req, endpoint);
    return req;
}

int main (void)
{
    char server_public[41], server_secret[41];
    char client_public[41], client_secret[41];
    char stranger_public[41], stranger_secret[41];
    char endpoint[256], reply[64];
    size_t len = sizeof endpoint;
    void *ctx = zmq_ctx_new ();
    void *handler, *server, *good, *stranger;
    zmq_pollitem_t item;
    zmq_msg_t request;
    pthread_t th;
    int n, one = 1, timeout = 2000, ok;

    if (!zmq_has ("curve")) {
        printf ("this libzmq has no CURVE\n");
        return 1;
    }
    zmq_curve_keypair (server_public, server_secret);
    zmq_curve_keypair (client_public, client_secret);
    zmq_curve_keypair (stranger_public, stranger_secret);
    zmq_z85_decode (allowed_key, client_public);

    /* The authenticator must be bound before clients connect. */
    handler = zmq_socket (ctx, ZMQ_REP);
    zmq_bind (handler, "inproc://zeromq.zap.01");
    pthread_create (&th, NULL, authenticator, handler);

    server = zmq_socket (ctx, ZMQ_REP);
    zmq_setsockopt (server, ZMQ_CURVE_SERVER, &one, sizeof one);
    zmq_setsockopt (server, ZMQ_CURVE_SECRETKEY, server_secret, 40);
    zmq_setsockopt (server, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    if (zmq_bind (server, "tcp://127.0.0.1:*") != 0) {
        printf ("server: bind failed: %s\n", zmq_strerror (zmq_errno ()));
        return 1;
    }
    zmq_getsockopt (server, ZMQ_LAST_ENDPOINT, endpoint, &len);
    printf ("server: CURVE on %s, key %s\n", endpoint, server_public);

    stranger = client (ctx, server_public, endpoint, stranger_public,
                       stranger_secret);
    /* No waiting: the refusal may end the stranger's only pipe first. */
    zmq_send (stranger, "Let me in", 9, ZMQ_DONTWAIT);
    good = client (ctx, server_public, endpoint, client_public, client_secret);
    zmq_send (good, "Hello", 5, 0);

    /* Only the allowed client's request arrives, with its ZAP User-Id. */
    zmq_msg_init (&request);
    n = zmq_msg_recv (&request, server, 0);
    if (n < 0) {
        printf ("server: no request: %s\n", zmq_strerror (zmq_errno ()));
        return 1;
    }
    printf ("server: \"%.*s\" from User-Id %s\n", n,
            (char *) zmq_msg_data (&request),
            zmq_msg_gets (&request, "User-Id"));
    zmq_msg_close (&request);
    zmq_send (server, "World", 5, 0);

    n = zmq_recv (good, reply, sizeof reply - 1, 0);
    reply[n > 0 ? n : 0] = 0;
    printf ("client: got reply \"%s\"\n", reply);
    ok = n == 5 && strcmp (reply, "World") == 0;

    item.socket = server;
    item.events = ZMQ_POLLIN;
    if (zmq_poll (&item, 1, 300) == 0)
        printf ("server: nothing from the stranger\n");
    else
        ok = 0;

    zmq_close (good);
    zmq_close (stranger);
    zmq_close (server);
    zmq_ctx_term (ctx); /* the authenticator sees ETERM and closes */
    pthread_join (th, NULL);
    return ok ? 0 : 1;
}
