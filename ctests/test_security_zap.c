/* The ZAP reply checks (RFC 27; libzmq zap_client_t): a handler whose
 * replies break the protocol makes the server's handshake fail with
 * HANDSHAKE_FAILED_PROTOCOL and the ZAP code, and nothing is delivered:
 * - version other than "1.0": ZAP_BAD_VERSION;
 * - a request id that is not the request's: ZAP_BAD_REQUEST_ID;
 * - status "201" (only 200, 300, 400, 500 exist): ZAP_INVALID_STATUS_CODE;
 * - 7 frames, or 5: ZAP_MALFORMED_REPLY;
 * - metadata whose property overruns the frame: ZAP_INVALID_METADATA.
 * Each for NULL (with a ZAP domain), PLAIN and CURVE servers. */
#include "testutil.h"

#include "monitor.h"
#include "zaputil.h"

static const char *const mechanisms[] = {"NULL", "PLAIN", "CURVE"};

static void secure (void *server, void *client, const char *mechanism)
{
    int one = 1;
    CHECK_RC (zmq_setsockopt (server, ZMQ_ZAP_DOMAIN, "test", 4));
    if (strcmp (mechanism, "PLAIN") == 0) {
        set_int (server, ZMQ_PLAIN_SERVER, 1);
        CHECK_RC (zmq_setsockopt (client, ZMQ_PLAIN_USERNAME, "admin", 5));
        CHECK_RC (zmq_setsockopt (client, ZMQ_PLAIN_PASSWORD, "password", 8));
    } else if (strcmp (mechanism, "CURVE") == 0) {
        char spub[41], ssec[41], cpub[41], csec[41];
        CHECK_RC (zmq_curve_keypair (spub, ssec));
        CHECK_RC (zmq_curve_keypair (cpub, csec));
        CHECK_RC (zmq_setsockopt (server, ZMQ_CURVE_SERVER, &one, sizeof one));
        CHECK_RC (zmq_setsockopt (server, ZMQ_CURVE_SECRETKEY, ssec, 40));
        CHECK_RC (zmq_setsockopt (client, ZMQ_CURVE_SERVERKEY, spub, 40));
        CHECK_RC (zmq_setsockopt (client, ZMQ_CURVE_PUBLICKEY, cpub, 40));
        CHECK_RC (zmq_setsockopt (client, ZMQ_CURVE_SECRETKEY, csec, 40));
    }
}

static void run (const char *mechanism, int fault, int code)
{
    void *ctx = zmq_ctx_new ();
    void *server = test_socket (ctx, ZMQ_DEALER);
    void *client = test_socket (ctx, ZMQ_DEALER);
    void *smon;
    char ep[256];
    zap_t zap;
    memset (&zap, 0, sizeof zap);
    zap.fault = fault;
    zap.user_id = "someone";
    zap.meta_name = "Hello";
    zap.meta_value = "World";
    zap_start (&zap, ctx);
    secure (server, client, mechanism);
    smon = mon_start (ctx, server, "inproc://mon-server",
                      ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                        | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
                        | ZMQ_EVENT_HANDSHAKE_SUCCEEDED
                        | ZMQ_EVENT_MONITOR_STOPPED);
    bind_loopback (server, ep, sizeof ep);
    CHECK_RC (zmq_connect (client, ep));
    SEND_MAYBE (client, "hello");
    {
        mon_event_t e = mon_expect (smon, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
                                    NULL);
        if ((int) e.value != code)
            FAIL ("%s, fault %d: protocol error 0x%x, expected 0x%x",
                  mechanism, fault, e.value, code);
    }
    CHECK_NOTHING (server, 100);
    close_socket (client);
    close_socket (server);
    mon_until_stopped (smon);
    close_socket (smon);
    zap_stop (&zap);
    term_ctx (ctx);
}

int main (void)
{
    size_t m;
    test_start (40);
    for (m = 0; m < sizeof mechanisms / sizeof mechanisms[0]; m++) {
        const char *mech = mechanisms[m];
        run (mech, ZAP_FAULT_VERSION, ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION);
        run (mech, ZAP_FAULT_REQUEST_ID, ZMQ_PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID);
        run (mech, ZAP_FAULT_STATUS, ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE);
        run (mech, ZAP_FAULT_TOO_MANY, ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY);
        run (mech, ZAP_FAULT_TOO_FEW, ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY);
        run (mech, ZAP_FAULT_METADATA, ZMQ_PROTOCOL_ERROR_ZAP_INVALID_METADATA);
        printf ("%s: every faulty ZAP reply refused with its code\n", mech);
    }
    printf ("OK\n");
    return 0;
}
