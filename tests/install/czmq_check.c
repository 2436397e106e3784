/* czmq (Debian's libczmq 4, itself linked to libzmq.so.5) on the libzmq this
 * process loads: its zauth actor is the ZAP handler, zcert makes the CURVE
 * certificates.
 * - CURVE: only the client whose public certificate is in the directory
 *   given to zauth talks; a stranger's message never arrives; zauth's
 *   User-Id (the client key) and the certificate's metadata are on the
 *   server's messages;
 * - PLAIN: the password file admits admin/secret and refuses a wrong one.
 * argv[1] (optional): the libzmq that must be mapped (ours). Exits 0 on
 * success, prints "FAIL: ..." and exits 1 otherwise. */
#include <czmq.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void fail (const char *what)
{
    printf ("FAIL: %s\n", what);
    exit (1);
}

static void check_loaded (const char *want)
{
    char line[1024], real_want[4096], real_got[4096];
    int found = 0;
    FILE *maps = fopen ("/proc/self/maps", "r");
    if (!maps || !realpath (want, real_want))
        fail ("cannot resolve the expected libzmq");
    while (fgets (line, sizeof line, maps)) {
        char *path = strchr (line, '/');
        if (!path)
            continue;
        path[strcspn (path, "\n")] = 0;
        if (strstr (strrchr (path, '/'), "libzmq.so") && realpath (path, real_got)
            && strcmp (real_got, real_want) == 0)
            found = 1;
    }
    fclose (maps);
    if (!found)
        fail ("the expected libzmq is not the one loaded");
    printf ("libzmq loaded: %s\n", real_want);
}

/* A PULL server with ZAP domain "global", bound on loopback: a CURVE
 * server with `cert`'s keys, or a PLAIN server when cert is NULL. */
static zsock_t *server_new (zcert_t *cert, char *endpoint, size_t len)
{
    zsock_t *server = zsock_new (ZMQ_PULL);
    int port;
    if (!server)
        fail ("zsock_new");
    if (cert) {
        zcert_apply (cert, server);
        zsock_set_curve_server (server, 1);
    } else
        zsock_set_plain_server (server, 1);
    zsock_set_zap_domain (server, "global");
    zsock_set_rcvtimeo (server, 5000);
    port = zsock_bind (server, "tcp://127.0.0.1:*");
    if (port < 0)
        fail ("bind");
    snprintf (endpoint, len, "tcp://127.0.0.1:%d", port);
    return server;
}

/* The server receives `want` (and nothing else within 300 ms); returns the
 * message for its properties. */
static zframe_t *expect_only (zsock_t *server, const char *want)
{
    zframe_t *frame = zframe_recv (server);
    if (!frame)
        fail ("no message reached the server");
    if (!zframe_streq (frame, want))
        fail ("the server received another message");
    {
        zpoller_t *poller = zpoller_new (server, NULL);
        if (zpoller_wait (poller, 300))
            fail ("a refused client's message arrived");
        zpoller_destroy (&poller);
    }
    return frame;
}

static void curve (zactor_t *auth, const char *dir)
{
    char endpoint[64], path[512];
    zcert_t *server_cert = zcert_new ();
    zcert_t *client_cert = zcert_new ();
    zcert_t *stranger_cert = zcert_new ();
    zsock_t *server, *client, *stranger;
    zframe_t *frame;
    const char *user;

    zcert_set_meta (client_cert, "name", "trusted client");
    snprintf (path, sizeof path, "%s/client.cert", dir);
    if (zcert_save_public (client_cert, path) != 0)
        fail ("zcert_save_public");
    zstr_sendx (auth, "CURVE", dir, NULL);
    zsock_wait (auth);

    server = server_new (server_cert, endpoint, sizeof endpoint);

    stranger = zsock_new (ZMQ_PUSH);
    zcert_apply (stranger_cert, stranger);
    zsock_set_curve_serverkey (stranger, zcert_public_txt (server_cert));
    zsock_set_linger (stranger, 0);
    /* A refused handshake ends the connecting session (as in libzmq): if
     * that happens before the send, the PUSH has no pipe left, so the send
     * must not wait. */
    zsock_set_sndtimeo (stranger, 0);
    zsock_connect (stranger, "%s", endpoint);
    zstr_send (stranger, "from the stranger");

    client = zsock_new (ZMQ_PUSH);
    zcert_apply (client_cert, client);
    zsock_set_curve_serverkey (client, zcert_public_txt (server_cert));
    zsock_set_linger (client, 0);
    zsock_connect (client, "%s", endpoint);
    zstr_send (client, "from the client");

    frame = expect_only (server, "from the client");
    user = zframe_meta (frame, "User-Id");
    if (!user || strcmp (user, zcert_public_txt (client_cert)) != 0)
        fail ("CURVE User-Id is not the client's key");
    if (!zframe_meta (frame, "name")
        || strcmp (zframe_meta (frame, "name"), "trusted client") != 0)
        fail ("the certificate's metadata is not on the message");
    zframe_destroy (&frame);
    printf ("CURVE: the certified client talks (User-Id = its key), the "
            "stranger is refused\n");
    zsock_destroy (&client);
    zsock_destroy (&stranger);
    zsock_destroy (&server);
    zcert_destroy (&server_cert);
    zcert_destroy (&client_cert);
    zcert_destroy (&stranger_cert);
    unlink (path);
}

static void plain (zactor_t *auth, const char *dir)
{
    char endpoint[64], path[512];
    zsock_t *server, *client, *wrong;
    zframe_t *frame;
    FILE *f;

    snprintf (path, sizeof path, "%s/passwords", dir);
    f = fopen (path, "w");
    if (!f)
        fail ("cannot write the password file");
    fprintf (f, "admin=secret\n");
    fclose (f);
    zstr_sendx (auth, "PLAIN", path, NULL);
    zsock_wait (auth);

    server = server_new (NULL, endpoint, sizeof endpoint);

    wrong = zsock_new (ZMQ_PUSH);
    zsock_set_plain_username (wrong, "admin");
    zsock_set_plain_password (wrong, "guess");
    zsock_set_linger (wrong, 0);
    zsock_set_sndtimeo (wrong, 0); /* see the stranger above */
    zsock_connect (wrong, "%s", endpoint);
    zstr_send (wrong, "with a wrong password");

    client = zsock_new (ZMQ_PUSH);
    zsock_set_plain_username (client, "admin");
    zsock_set_plain_password (client, "secret");
    zsock_set_linger (client, 0);
    zsock_connect (client, "%s", endpoint);
    zstr_send (client, "with the password");

    frame = expect_only (server, "with the password");
    if (!zframe_meta (frame, "User-Id")
        || strcmp (zframe_meta (frame, "User-Id"), "admin") != 0)
        fail ("PLAIN User-Id is not admin");
    zframe_destroy (&frame);
    printf ("PLAIN: admin/secret talks, a wrong password is refused\n");
    zsock_destroy (&client);
    zsock_destroy (&wrong);
    zsock_destroy (&server);
    unlink (path);
}

int main (int argc, char **argv)
{
    char dir[] = "/tmp/czmq-check-XXXXXX";
    zactor_t *auth;
    if (argc > 1)
        check_loaded (argv[1]);
    if (!zsys_has_curve ())
        fail ("czmq reports no CURVE in this libzmq");
    if (!mkdtemp (dir))
        fail ("mkdtemp");
    auth = zactor_new (zauth, NULL);
    if (!auth)
        fail ("zactor_new (zauth)");
    curve (auth, dir);
    plain (auth, dir);
    zactor_destroy (&auth);
    rmdir (dir);
    printf ("czmq zauth/zcert: OK\n");
    return 0;
}
