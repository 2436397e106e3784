/* raw_thr tcp|unix SIZE COUNT
 * Raw-socket ceiling for thr_recv/thr_send: COUNT messages of SIZE bytes
 * framed exactly like ZMTP 3.0 data frames (flags 0x00 + 1-byte length for
 * SIZE <= 255, flags 0x02 + 8-byte big-endian length above), sent by a thread
 * over a plain TCP connection on 127.0.0.1 ("tcp") or a Unix-domain
 * socketpair ("unix"). The sender writes batches of at least 64 KiB holding
 * as many whole frames as fit (all frames are identical, so the batch is
 * built once: no per-message copy); the receiver reads max(256 KiB, one
 * frame) at a time and parses every frame header to count messages. Timed on the receiver from
 * the first complete message to the last, like thr_recv.
 * Prints {"msgs_per_s": X, "bytes_per_s": Y}. No libzmq involved (it is
 * linked like the others but never called). */
#include "bench.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

static size_t size;
static long count;
static int wfd;

static void *sender (void *arg)
{
    size_t hdr = size <= 255 ? 2 : 9, frame = hdr + size, per, i, j;
    unsigned char *batch;
    long left = count;
    (void) arg;
    per = 65536 / frame;
    if (per < 1)
        per = 1;
    batch = calloc (per, frame);
    for (i = 0; i < per; i++) {
        unsigned char *f = batch + i * frame;
        if (hdr == 2) {
            f[0] = 0x00;
            f[1] = (unsigned char) size;
        } else {
            f[0] = 0x02;
            for (j = 0; j < 8; j++)
                f[1 + j] = (unsigned char) ((uint64_t) size >> (56 - 8 * j));
        }
        memset (f + hdr, 'x', size);
    }
    while (left > 0) {
        size_t n = (size_t) left < per ? (size_t) left : per;
        write_all (wfd, batch, n * frame);
        left -= (long) n;
    }
    free (batch);
    return NULL;
}

int main (int argc, char **argv)
{
    int rfd, fds[2];
    pthread_t t;
    size_t bufsz = 256 * 1024, pos, n;
    unsigned char *buf, hdr[9];
    size_t hlen = 0, need = 0;
    uint64_t remaining = 0;
    long got = 0;
    int in_payload = 0;
    double start = 0, el;
    if (argc != 4 || (strcmp (argv[1], "tcp") && strcmp (argv[1], "unix"))) {
        fprintf (stderr, "usage: raw_thr tcp|unix SIZE COUNT\n");
        return 2;
    }
    size = (size_t) arg_long (argv[2]);
    count = arg_long (argv[3]);
    if (count < 2) {
        fprintf (stderr, "COUNT must be >= 2\n");
        return 2;
    }
    if (strcmp (argv[1], "unix") == 0) {
        if (socketpair (AF_UNIX, SOCK_STREAM, 0, fds) != 0) {
            perror ("socketpair");
            return 1;
        }
        rfd = fds[0];
        wfd = fds[1];
    } else {
        struct sockaddr_in a;
        socklen_t alen = sizeof a;
        int one = 1;
        int l = socket (AF_INET, SOCK_STREAM, 0);
        memset (&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
        if (bind (l, (struct sockaddr *) &a, sizeof a) != 0 || listen (l, 1) != 0
            || getsockname (l, (struct sockaddr *) &a, &alen) != 0) {
            perror ("listen");
            return 1;
        }
        wfd = socket (AF_INET, SOCK_STREAM, 0);
        if (connect (wfd, (struct sockaddr *) &a, sizeof a) != 0) {
            perror ("connect");
            return 1;
        }
        rfd = accept (l, NULL, NULL);
        if (rfd < 0) {
            perror ("accept");
            return 1;
        }
        close (l);
        /* like libzmq's tcp transport */
        setsockopt (wfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        setsockopt (rfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    /* read at least a whole large frame per call, as libzmq's decoder does
     * for large messages (it reads straight into the message) */
    if (bufsz < size + 9)
        bufsz = size + 9;
    buf = malloc (bufsz);
    pthread_create (&t, NULL, sender, NULL);
    while (got < count) {
        ssize_t r = read (rfd, buf, bufsz);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            fprintf (stderr, "read: %s after %ld messages\n",
                     r ? strerror (errno) : "EOF", got);
            return 1;
        }
        n = (size_t) r;
        pos = 0;
        while (pos < n) {
            if (in_payload) {
                size_t take = n - pos;
                if ((uint64_t) take > remaining)
                    take = (size_t) remaining;
                pos += take;
                remaining -= take;
                if (remaining == 0) {
                    in_payload = 0;
                    if (got++ == 0)
                        start = now ();
                }
                continue;
            }
            hdr[hlen++] = buf[pos++];
            if (hlen == 1) {
                need = (hdr[0] & 0x02) ? 9 : 2;
                continue;
            }
            if (hlen == need) {
                uint64_t len = 0;
                size_t j;
                for (j = 1; j < need; j++)
                    len = (len << 8) | hdr[j];
                if (len != size) {
                    fprintf (stderr, "frame %ld: length %llu\n", got,
                             (unsigned long long) len);
                    return 1;
                }
                hlen = 0;
                remaining = len;
                if (len == 0) {
                    if (got++ == 0)
                        start = now ();
                } else
                    in_payload = 1;
            }
        }
    }
    el = now () - start;
    pthread_join (t, NULL);
    close (wfd);
    close (rfd);
    free (buf);
    print_thr (count - 1, size, el);
    return 0;
}
