/* REQ/REP state machines: out-of-order calls fail with EFSM and leave the
 * socket usable. */
#include "testutil.h"

int main (void)
{
    char buf[16];
    void *ctx, *req, *rep;
    test_start (20);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    req = test_socket (ctx, ZMQ_REQ);
    rep = test_socket (ctx, ZMQ_REP);
    CHECK_RC (zmq_bind (rep, "inproc://fsm"));
    CHECK_RC (zmq_connect (req, "inproc://fsm"));

    /* REQ: recv before any send */
    CHECK_ERR (zmq_recv (req, buf, sizeof buf, 0), EFSM);
    /* REP: send before any recv */
    CHECK_ERR (zmq_send (rep, "x", 1, 0), EFSM);

    SEND_STR (req, "one", 0);
    /* REQ: second send while the reply is pending */
    CHECK_ERR (zmq_send (req, "two", 3, 0), EFSM);
    CHECK_ERR (zmq_send (req, "two", 3, ZMQ_DONTWAIT), EFSM);

    RECV_STR (rep, "one", 0);
    /* REP: second recv while a reply is owed */
    CHECK_ERR (zmq_recv (rep, buf, sizeof buf, ZMQ_DONTWAIT), EFSM);
    SEND_STR (rep, "reply", 0);
    /* REP: second send */
    CHECK_ERR (zmq_send (rep, "again", 5, 0), EFSM);
    RECV_STR (req, "reply", 0);
    /* REQ: recv again before a new send */
    CHECK_ERR (zmq_recv (req, buf, sizeof buf, 0), EFSM);

    /* the pair still works */
    SEND_STR (req, "three", 0);
    RECV_STR (rep, "three", 0);
    SEND_STR (rep, "ok", 0);
    RECV_STR (req, "ok", 0);

    /* multipart request and reply */
    SEND_STR (req, "a", ZMQ_SNDMORE);
    SEND_STR (req, "b", 0);
    RECV_STR (rep, "a", 1);
    RECV_STR (rep, "b", 0);
    SEND_STR (rep, "c", ZMQ_SNDMORE);
    SEND_STR (rep, "d", 0);
    RECV_STR (req, "c", 1);
    RECV_STR (req, "d", 0);

    close_socket (req);
    close_socket (rep);
    term_ctx (ctx);
    return 0;
}
