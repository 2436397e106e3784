/* A raw TCP peer for C tests that need the other end of a connection to
 * misbehave: plain BSD sockets on 127.0.0.1, a hand-written ZMTP 3.1 NULL
 * handshake, and waits with deadlines. Include after testutil.h. */
#ifndef ZMQ_RS_RAWPEER_H
#define ZMQ_RS_RAWPEER_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* Everything a raw peer has read from its connection. */
typedef struct
{
    unsigned char data[8192];
    size_t len;
} raw_capture_t;

/* A listening socket on 127.0.0.1:<ephemeral>; the port goes to *port. */
static TU_UNUSED int raw_listen (int *port)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    CHECK (fd >= 0);
    memset (&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    CHECK_RC (bind (fd, (struct sockaddr *) &sa, sizeof sa));
    CHECK_RC (listen (fd, 8));
    CHECK_RC (getsockname (fd, (struct sockaddr *) &sa, &len));
    *port = ntohs (sa.sin_port);
    return fd;
}

/* Accepts one connection within timeout_ms; -1 on timeout. */
static TU_UNUSED int raw_accept (int lfd, int timeout_ms)
{
    struct pollfd p;
    int rc;
    p.fd = lfd;
    p.events = POLLIN;
    p.revents = 0;
    do {
        rc = poll (&p, 1, timeout_ms);
    } while (rc == -1 && errno == EINTR);
    CHECK (rc >= 0);
    if (rc == 0)
        return -1;
    rc = accept (lfd, NULL, NULL);
    CHECK (rc >= 0);
    return rc;
}

/* A blocking connection to 127.0.0.1:port. */
static TU_UNUSED int raw_connect (int port)
{
    struct sockaddr_in sa;
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    CHECK (fd >= 0);
    memset (&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    sa.sin_port = htons ((unsigned short) port);
    CHECK_RC (connect (fd, (struct sockaddr *) &sa, sizeof sa));
    return fd;
}

static TU_UNUSED void raw_send (int fd, const void *data, size_t len)
{
    const unsigned char *p = (const unsigned char *) data;
    while (len > 0) {
        ssize_t n = send (fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        CHECK (n > 0);
        p += n;
        len -= (size_t) n;
    }
}

/* Sends a short ZMTP frame (flags 0x04 for a command). */
static TU_UNUSED void raw_send_frame (int fd, unsigned char flags,
                                      const void *body, size_t len)
{
    unsigned char head[2];
    CHECK (len < 256);
    head[0] = flags;
    head[1] = (unsigned char) len;
    raw_send (fd, head, 2);
    raw_send (fd, body, len);
}

/* Sends a ZMTP 3.1 NULL greeting and a READY with Socket-Type. */
static TU_UNUSED void raw_handshake (int fd, const char *socket_type)
{
    unsigned char greeting[64];
    unsigned char ready[64];
    size_t n = 0, tl = strlen (socket_type);
    memset (greeting, 0, sizeof greeting);
    greeting[0] = 0xff;
    greeting[9] = 0x7f;
    greeting[10] = 3; /* major */
    greeting[11] = 1; /* minor */
    memcpy (greeting + 12, "NULL", 4);
    raw_send (fd, greeting, sizeof greeting);

    memcpy (ready, "\x05READY", 6);
    n = 6;
    ready[n++] = 11;
    memcpy (ready + n, "Socket-Type", 11);
    n += 11;
    ready[n++] = 0;
    ready[n++] = 0;
    ready[n++] = 0;
    ready[n++] = (unsigned char) tl;
    memcpy (ready + n, socket_type, tl);
    n += tl;
    raw_send_frame (fd, 0x04, ready, n);
}

/* Reads (and keeps in cap) whatever arrives until the peer closes the
 * connection or timeout_ms passes. Returns the milliseconds until the close
 * (EOF or a reset), or -1 on timeout. */
static TU_UNUSED long long raw_wait_closed (int fd, raw_capture_t *cap,
                                            int timeout_ms)
{
    long long start = now_ms ();
    long long deadline = start + timeout_ms;
    for (;;) {
        unsigned char buf[1024];
        struct pollfd p;
        long long left = deadline - now_ms ();
        ssize_t n;
        int rc;
        if (left < 0)
            return -1;
        p.fd = fd;
        p.events = POLLIN;
        p.revents = 0;
        rc = poll (&p, 1, (int) left);
        if (rc == -1 && errno == EINTR)
            continue;
        CHECK (rc >= 0);
        if (rc == 0)
            return -1;
        n = recv (fd, buf, sizeof buf, 0);
        if (n == 0 || (n < 0 && errno == ECONNRESET))
            return now_ms () - start;
        CHECK (n > 0);
        if (cap && cap->len + (size_t) n <= sizeof cap->data) {
            memcpy (cap->data + cap->len, buf, (size_t) n);
            cap->len += (size_t) n;
        }
    }
}

/* Whether the captured stream (a 64-byte greeting, then frames) holds a
 * command whose body starts with `prefix` (e.g. "\x04PING"). */
static TU_UNUSED int raw_has_command (const raw_capture_t *cap,
                                      const char *prefix, size_t prefix_len)
{
    size_t pos = 64;
    while (pos + 2 <= cap->len) {
        unsigned char flags = cap->data[pos];
        unsigned long long size;
        size_t head;
        if (flags & 0x02) {
            int i;
            if (pos + 9 > cap->len)
                return 0;
            size = 0;
            for (i = 1; i <= 8; i++)
                size = (size << 8) | cap->data[pos + (size_t) i];
            head = 9;
        } else {
            size = cap->data[pos + 1];
            head = 2;
        }
        if (pos + head + size > cap->len)
            return 0;
        if ((flags & 0x04) && size >= prefix_len
            && memcmp (cap->data + pos + head, prefix, prefix_len) == 0)
            return 1;
        pos += head + (size_t) size;
    }
    return 0;
}

/* Reads into cap until it holds a command starting with `prefix` (see
 * raw_has_command); returns 0 if the connection closes or timeout_ms passes
 * first. */
static TU_UNUSED int raw_read_until (int fd, raw_capture_t *cap,
                                     const char *prefix, size_t prefix_len,
                                     int timeout_ms)
{
    long long deadline = now_ms () + timeout_ms;
    while (!raw_has_command (cap, prefix, prefix_len)) {
        struct pollfd p;
        long long left = deadline - now_ms ();
        ssize_t n;
        int rc;
        if (left < 0 || cap->len == sizeof cap->data)
            return 0;
        p.fd = fd;
        p.events = POLLIN;
        p.revents = 0;
        rc = poll (&p, 1, (int) left);
        if (rc == -1 && errno == EINTR)
            continue;
        CHECK (rc >= 0);
        if (rc == 0)
            return 0;
        n = recv (fd, cap->data + cap->len, sizeof cap->data - cap->len, 0);
        if (n <= 0)
            return 0;
        cap->len += (size_t) n;
    }
    return 1;
}

#endif
