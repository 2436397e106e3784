/* Pins every stable constant of libzmq 4.3.5's zmq.h (spec/ABI.md) and the
 * layouts of zmq_msg_t and zmq_pollitem_t with compile-time assertions.
 * Generated once from ABI.md's table; draft constants are out of scope. */
#include "testutil.h"

#include <stddef.h>

#define PIN(name, value) _Static_assert ((name) == (value), #name " == " #value)

/* Version: the system header (4.3.4) differs only in the patch number. */
PIN (ZMQ_VERSION_MAJOR, 4);
PIN (ZMQ_VERSION_MINOR, 3);
#ifndef ZMQ_CTESTS_SYSTEM
PIN (ZMQ_VERSION_PATCH, 5);
PIN (ZMQ_VERSION, 40305);
#endif
PIN (ZMQ_MAKE_VERSION (1, 2, 3), 10203);
PIN (ZMQ_VERSION, ZMQ_MAKE_VERSION (ZMQ_VERSION_MAJOR, ZMQ_VERSION_MINOR, ZMQ_VERSION_PATCH));

PIN (ZMQ_HAUSNUMERO, 156384712);
PIN (EFSM, (ZMQ_HAUSNUMERO + 51));
PIN (ENOCOMPATPROTO, (ZMQ_HAUSNUMERO + 52));
PIN (ETERM, (ZMQ_HAUSNUMERO + 53));
PIN (EMTHREAD, (ZMQ_HAUSNUMERO + 54));
PIN (ZMQ_IO_THREADS, 1);
PIN (ZMQ_MAX_SOCKETS, 2);
PIN (ZMQ_SOCKET_LIMIT, 3);
PIN (ZMQ_THREAD_PRIORITY, 3);
PIN (ZMQ_THREAD_SCHED_POLICY, 4);
PIN (ZMQ_MAX_MSGSZ, 5);
PIN (ZMQ_MSG_T_SIZE, 6);
PIN (ZMQ_THREAD_AFFINITY_CPU_ADD, 7);
PIN (ZMQ_THREAD_AFFINITY_CPU_REMOVE, 8);
PIN (ZMQ_THREAD_NAME_PREFIX, 9);
PIN (ZMQ_IO_THREADS_DFLT, 1);
PIN (ZMQ_MAX_SOCKETS_DFLT, 1023);
PIN (ZMQ_THREAD_PRIORITY_DFLT, -1);
PIN (ZMQ_THREAD_SCHED_POLICY_DFLT, -1);
PIN (ZMQ_PAIR, 0);
PIN (ZMQ_PUB, 1);
PIN (ZMQ_SUB, 2);
PIN (ZMQ_REQ, 3);
PIN (ZMQ_REP, 4);
PIN (ZMQ_DEALER, 5);
PIN (ZMQ_ROUTER, 6);
PIN (ZMQ_PULL, 7);
PIN (ZMQ_PUSH, 8);
PIN (ZMQ_XPUB, 9);
PIN (ZMQ_XSUB, 10);
PIN (ZMQ_STREAM, 11);
PIN (ZMQ_XREQ, ZMQ_DEALER);
PIN (ZMQ_XREP, ZMQ_ROUTER);
PIN (ZMQ_AFFINITY, 4);
PIN (ZMQ_ROUTING_ID, 5);
PIN (ZMQ_SUBSCRIBE, 6);
PIN (ZMQ_UNSUBSCRIBE, 7);
PIN (ZMQ_RATE, 8);
PIN (ZMQ_RECOVERY_IVL, 9);
PIN (ZMQ_SNDBUF, 11);
PIN (ZMQ_RCVBUF, 12);
PIN (ZMQ_RCVMORE, 13);
PIN (ZMQ_FD, 14);
PIN (ZMQ_EVENTS, 15);
PIN (ZMQ_TYPE, 16);
PIN (ZMQ_LINGER, 17);
PIN (ZMQ_RECONNECT_IVL, 18);
PIN (ZMQ_BACKLOG, 19);
PIN (ZMQ_RECONNECT_IVL_MAX, 21);
PIN (ZMQ_MAXMSGSIZE, 22);
PIN (ZMQ_SNDHWM, 23);
PIN (ZMQ_RCVHWM, 24);
PIN (ZMQ_MULTICAST_HOPS, 25);
PIN (ZMQ_RCVTIMEO, 27);
PIN (ZMQ_SNDTIMEO, 28);
PIN (ZMQ_LAST_ENDPOINT, 32);
PIN (ZMQ_ROUTER_MANDATORY, 33);
PIN (ZMQ_TCP_KEEPALIVE, 34);
PIN (ZMQ_TCP_KEEPALIVE_CNT, 35);
PIN (ZMQ_TCP_KEEPALIVE_IDLE, 36);
PIN (ZMQ_TCP_KEEPALIVE_INTVL, 37);
PIN (ZMQ_IMMEDIATE, 39);
PIN (ZMQ_XPUB_VERBOSE, 40);
PIN (ZMQ_ROUTER_RAW, 41);
PIN (ZMQ_IPV6, 42);
PIN (ZMQ_MECHANISM, 43);
PIN (ZMQ_PLAIN_SERVER, 44);
PIN (ZMQ_PLAIN_USERNAME, 45);
PIN (ZMQ_PLAIN_PASSWORD, 46);
PIN (ZMQ_CURVE_SERVER, 47);
PIN (ZMQ_CURVE_PUBLICKEY, 48);
PIN (ZMQ_CURVE_SECRETKEY, 49);
PIN (ZMQ_CURVE_SERVERKEY, 50);
PIN (ZMQ_PROBE_ROUTER, 51);
PIN (ZMQ_REQ_CORRELATE, 52);
PIN (ZMQ_REQ_RELAXED, 53);
PIN (ZMQ_CONFLATE, 54);
PIN (ZMQ_ZAP_DOMAIN, 55);
PIN (ZMQ_ROUTER_HANDOVER, 56);
PIN (ZMQ_TOS, 57);
PIN (ZMQ_CONNECT_ROUTING_ID, 61);
PIN (ZMQ_GSSAPI_SERVER, 62);
PIN (ZMQ_GSSAPI_PRINCIPAL, 63);
PIN (ZMQ_GSSAPI_SERVICE_PRINCIPAL, 64);
PIN (ZMQ_GSSAPI_PLAINTEXT, 65);
PIN (ZMQ_HANDSHAKE_IVL, 66);
PIN (ZMQ_SOCKS_PROXY, 68);
PIN (ZMQ_XPUB_NODROP, 69);
PIN (ZMQ_BLOCKY, 70);
PIN (ZMQ_XPUB_MANUAL, 71);
PIN (ZMQ_XPUB_WELCOME_MSG, 72);
PIN (ZMQ_STREAM_NOTIFY, 73);
PIN (ZMQ_INVERT_MATCHING, 74);
PIN (ZMQ_HEARTBEAT_IVL, 75);
PIN (ZMQ_HEARTBEAT_TTL, 76);
PIN (ZMQ_HEARTBEAT_TIMEOUT, 77);
PIN (ZMQ_XPUB_VERBOSER, 78);
PIN (ZMQ_CONNECT_TIMEOUT, 79);
PIN (ZMQ_TCP_MAXRT, 80);
PIN (ZMQ_THREAD_SAFE, 81);
PIN (ZMQ_MULTICAST_MAXTPDU, 84);
PIN (ZMQ_VMCI_BUFFER_SIZE, 85);
PIN (ZMQ_VMCI_BUFFER_MIN_SIZE, 86);
PIN (ZMQ_VMCI_BUFFER_MAX_SIZE, 87);
PIN (ZMQ_VMCI_CONNECT_TIMEOUT, 88);
PIN (ZMQ_USE_FD, 89);
PIN (ZMQ_GSSAPI_PRINCIPAL_NAMETYPE, 90);
PIN (ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE, 91);
PIN (ZMQ_BINDTODEVICE, 92);
PIN (ZMQ_MORE, 1);
PIN (ZMQ_SHARED, 3);
PIN (ZMQ_DONTWAIT, 1);
PIN (ZMQ_SNDMORE, 2);
PIN (ZMQ_NULL, 0);
PIN (ZMQ_PLAIN, 1);
PIN (ZMQ_CURVE, 2);
PIN (ZMQ_GSSAPI, 3);
PIN (ZMQ_GROUP_MAX_LENGTH, 255);
PIN (ZMQ_IDENTITY, ZMQ_ROUTING_ID);
PIN (ZMQ_CONNECT_RID, ZMQ_CONNECT_ROUTING_ID);
PIN (ZMQ_TCP_ACCEPT_FILTER, 38);
PIN (ZMQ_IPC_FILTER_PID, 58);
PIN (ZMQ_IPC_FILTER_UID, 59);
PIN (ZMQ_IPC_FILTER_GID, 60);
PIN (ZMQ_IPV4ONLY, 31);
PIN (ZMQ_DELAY_ATTACH_ON_CONNECT, ZMQ_IMMEDIATE);
PIN (ZMQ_NOBLOCK, ZMQ_DONTWAIT);
PIN (ZMQ_FAIL_UNROUTABLE, ZMQ_ROUTER_MANDATORY);
PIN (ZMQ_ROUTER_BEHAVIOR, ZMQ_ROUTER_MANDATORY);
PIN (ZMQ_SRCFD, 2);
PIN (ZMQ_GSSAPI_NT_HOSTBASED, 0);
PIN (ZMQ_GSSAPI_NT_USER_NAME, 1);
PIN (ZMQ_GSSAPI_NT_KRB5_PRINCIPAL, 2);
PIN (ZMQ_EVENT_CONNECTED, 0x0001);
PIN (ZMQ_EVENT_CONNECT_DELAYED, 0x0002);
PIN (ZMQ_EVENT_CONNECT_RETRIED, 0x0004);
PIN (ZMQ_EVENT_LISTENING, 0x0008);
PIN (ZMQ_EVENT_BIND_FAILED, 0x0010);
PIN (ZMQ_EVENT_ACCEPTED, 0x0020);
PIN (ZMQ_EVENT_ACCEPT_FAILED, 0x0040);
PIN (ZMQ_EVENT_CLOSED, 0x0080);
PIN (ZMQ_EVENT_CLOSE_FAILED, 0x0100);
PIN (ZMQ_EVENT_DISCONNECTED, 0x0200);
PIN (ZMQ_EVENT_MONITOR_STOPPED, 0x0400);
PIN (ZMQ_EVENT_ALL, 0xFFFF);
PIN (ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, 0x0800);
PIN (ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0x1000);
PIN (ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, 0x2000);
PIN (ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 0x4000);
PIN (ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED, 0x10000000);
PIN (ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND, 0x10000001);
PIN (ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE, 0x10000002);
PIN (ZMQ_PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE, 0x10000003);
PIN (ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED, 0x10000011);
PIN (ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE, 0x10000012);
PIN (ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO, 0x10000013);
PIN (ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE, 0x10000014);
PIN (ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR, 0x10000015);
PIN (ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY, 0x10000016);
PIN (ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME, 0x10000017);
PIN (ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA, 0x10000018);
PIN (ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC, 0x11000001);
PIN (ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH, 0x11000002);
PIN (ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED, 0x20000000);
PIN (ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY, 0x20000001);
PIN (ZMQ_PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID, 0x20000002);
PIN (ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION, 0x20000003);
PIN (ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE, 0x20000004);
PIN (ZMQ_PROTOCOL_ERROR_ZAP_INVALID_METADATA, 0x20000005);
PIN (ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED, 0x30000000);
PIN (ZMQ_POLLIN, 1);
PIN (ZMQ_POLLOUT, 2);
PIN (ZMQ_POLLERR, 4);
PIN (ZMQ_POLLPRI, 8);
PIN (ZMQ_POLLITEMS_DFLT, 16);
PIN (ZMQ_HAS_CAPABILITIES, 1);
PIN (ZMQ_STREAMER, 1);
PIN (ZMQ_FORWARDER, 2);
PIN (ZMQ_QUEUE, 3);

/* POSIX codes keep their native Linux values (zmq.h defines them as
 * ZMQ_HAUSNUMERO + n only #ifndef the platform has them). */
PIN (ENOTSUP, 95);
PIN (EPROTONOSUPPORT, 93);
PIN (ENOBUFS, 105);
PIN (ENETDOWN, 100);
PIN (EADDRINUSE, 98);
PIN (EADDRNOTAVAIL, 99);
PIN (ECONNREFUSED, 111);
PIN (EINPROGRESS, 115);
PIN (ENOTSOCK, 88);
PIN (EMSGSIZE, 90);
PIN (EAFNOSUPPORT, 97);
PIN (ENETUNREACH, 101);
PIN (ECONNABORTED, 103);
PIN (ECONNRESET, 104);
PIN (ENOTCONN, 107);
PIN (ETIMEDOUT, 110);
PIN (EHOSTUNREACH, 113);
PIN (ENETRESET, 102);
PIN (EFSM, 156384763);
PIN (ENOCOMPATPROTO, 156384764);
PIN (ETERM, 156384765);
PIN (EMTHREAD, 156384766);

/* Layouts (x86-64 Linux). */
_Static_assert (sizeof (zmq_msg_t) == 64, "sizeof zmq_msg_t");
_Static_assert (_Alignof (zmq_msg_t) == sizeof (void *), "alignof zmq_msg_t");
_Static_assert (sizeof (zmq_pollitem_t) == 16, "sizeof zmq_pollitem_t");
_Static_assert (offsetof (zmq_pollitem_t, socket) == 0, "pollitem.socket");
_Static_assert (offsetof (zmq_pollitem_t, fd) == 8, "pollitem.fd");
_Static_assert (offsetof (zmq_pollitem_t, events) == 12, "pollitem.events");
_Static_assert (offsetof (zmq_pollitem_t, revents) == 14, "pollitem.revents");
_Static_assert (sizeof (zmq_fd_t) == sizeof (int), "zmq_fd_t is int");

/* Function types and signatures: assigning to pointers of the exact
 * prototype fails to compile on any mismatch. */
static void free_fn (void *data, void *hint)
{
    (void) data;
    (void) hint;
}
static void thread_fn (void *arg)
{
    (void) arg;
}
static void timer_fn (int id, void *arg)
{
    (void) id;
    (void) arg;
}

int main (void)
{
    zmq_free_fn *ffn = free_fn;
    zmq_thread_fn *tfn = thread_fn;
    zmq_timer_fn *timfn = timer_fn;
    int (*p_msg_init_data) (zmq_msg_t *, void *, size_t, zmq_free_fn *, void *) = zmq_msg_init_data;
    int (*p_poll) (zmq_pollitem_t *, int, long) = zmq_poll;
    int (*p_send) (void *, const void *, size_t, int) = zmq_send;
    int (*p_recv) (void *, void *, size_t, int) = zmq_recv;
    int (*p_getsockopt) (void *, int, void *, size_t *) = zmq_getsockopt;
    int (*p_setsockopt) (void *, int, const void *, size_t) = zmq_setsockopt;
    size_t (*p_msg_size) (const zmq_msg_t *) = zmq_msg_size;
    const char *(*p_msg_gets) (const zmq_msg_t *, const char *) = zmq_msg_gets;
    char *(*p_z85_encode) (char *, const uint8_t *, size_t) = zmq_z85_encode;
    uint8_t *(*p_z85_decode) (uint8_t *, const char *) = zmq_z85_decode;
    void (*p_counter_destroy) (void **) = zmq_atomic_counter_destroy;
    long (*p_timers_timeout) (void *) = zmq_timers_timeout;
    int (*p_timers_add) (void *, size_t, zmq_timer_fn, void *) = zmq_timers_add;
    unsigned long (*p_sw_stop) (void *) = zmq_stopwatch_stop;
    void *(*p_threadstart) (zmq_thread_fn *, void *) = zmq_threadstart;
    int (*p_sendiov) (void *, struct iovec *, size_t, int) = zmq_sendiov;
    int (*p_recviov) (void *, struct iovec *, size_t *, int) = zmq_recviov;
    int (*p_proxy_steerable) (void *, void *, void *, void *) = zmq_proxy_steerable;
    int (*p_device) (int, void *, void *) = zmq_device;
    void *(*p_init) (int) = zmq_init;
    void *funcs[] = {(void *) ffn, (void *) tfn, (void *) timfn,
                     (void *) p_msg_init_data, (void *) p_poll, (void *) p_send,
                     (void *) p_recv, (void *) p_getsockopt,
                     (void *) p_setsockopt, (void *) p_msg_size,
                     (void *) p_msg_gets, (void *) p_z85_encode,
                     (void *) p_z85_decode, (void *) p_counter_destroy,
                     (void *) p_timers_timeout, (void *) p_timers_add,
                     (void *) p_sw_stop, (void *) p_threadstart,
                     (void *) p_sendiov, (void *) p_recviov,
                     (void *) p_proxy_steerable, (void *) p_device,
                     (void *) p_init};
    size_t i;
    for (i = 0; i < sizeof funcs / sizeof funcs[0]; i++)
        CHECK (funcs[i] != NULL);
#ifndef __ZMQ_H_INCLUDED__
    FAIL ("header guard __ZMQ_H_INCLUDED__ missing");
#endif
    return 0;
}
