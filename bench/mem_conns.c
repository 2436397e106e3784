/* mem_conns NCONNS
 * Memory a ROUTER spends per idle TCP peer. The parent process binds one
 * ROUTER on tcp://127.0.0.1:* and samples its VmRSS (baseline). A forked
 * child process (no libzmq calls: a raw C client on plain sockets) opens
 * NCONNS TCP connections and on each does a minimal ZMTP 3.0 NULL handshake
 * (RFC 23): sends the 64-byte greeting (version 3.0, mechanism NULL,
 * as-server 0), reads the server's greeting, sends a READY command with
 * Socket-Type DEALER, reads the server's READY, then sends one 1-byte
 * message frame and leaves the connection idle. The ROUTER receives NCONNS
 * messages (so every connection has finished its handshake and is attached
 * on the library's side), then the parent samples VmRSS again. Prints
 * {"rss_kib": delta, "per_conn_bytes": delta*1024/NCONNS}. RLIMIT_NOFILE is
 * raised to the hard limit in both processes. */
#include "bench.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void client (int in, int out, long n)
{
    char endpoint[256], *colon;
    unsigned char greeting[64], peer[64], ready[64], cmd[512], hdr[9];
    struct sockaddr_in a;
    size_t rlen = 0, clen;
    int *fds = calloc ((size_t) n, sizeof *fds);
    long i;
    char done = 'd';
    /* greeting: signature, version 3.0, "NULL", as-server 0, filler */
    memset (greeting, 0, sizeof greeting);
    greeting[0] = 0xff;
    greeting[9] = 0x7f;
    greeting[10] = 3;
    greeting[11] = 0;
    memcpy (greeting + 12, "NULL", 4);
    /* READY command: flags 0x04, size, "\5READY", property Socket-Type */
    {
        unsigned char body[64];
        size_t b = 0;
        body[b++] = 5;
        memcpy (body + b, "READY", 5);
        b += 5;
        body[b++] = 11;
        memcpy (body + b, "Socket-Type", 11);
        b += 11;
        body[b++] = 0;
        body[b++] = 0;
        body[b++] = 0;
        body[b++] = 6;
        memcpy (body + b, "DEALER", 6);
        b += 6;
        ready[rlen++] = 0x04;
        ready[rlen++] = (unsigned char) b;
        memcpy (ready + rlen, body, b);
        rlen += b;
        /* then one message frame: flags 0x00, size 1, "x" */
        ready[rlen++] = 0x00;
        ready[rlen++] = 1;
        ready[rlen++] = 'x';
    }
    read_all (in, endpoint, sizeof endpoint);
    colon = strrchr (endpoint, ':');
    memset (&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    a.sin_port = htons ((unsigned short) atoi (colon + 1));
    for (i = 0; i < n; i++) {
        fds[i] = socket (AF_INET, SOCK_STREAM, 0);
        if (fds[i] < 0) {
            fprintf (stderr, "socket %ld: %s\n", i, strerror (errno));
            exit (1);
        }
        if (connect (fds[i], (struct sockaddr *) &a, sizeof a) != 0) {
            fprintf (stderr, "connect %ld: %s\n", i, strerror (errno));
            exit (1);
        }
        write_all (fds[i], greeting, sizeof greeting);
        read_all (fds[i], peer, sizeof peer);
        if (peer[0] != 0xff || peer[9] != 0x7f || peer[10] < 3
            || memcmp (peer + 12, "NULL", 5) != 0) {
            fprintf (stderr, "connection %ld: bad greeting\n", i);
            exit (1);
        }
        write_all (fds[i], ready, rlen);
        read_all (fds[i], hdr, 1);
        if (hdr[0] == 0x04) {
            read_all (fds[i], hdr + 1, 1);
            clen = hdr[1];
        } else if (hdr[0] == 0x06) {
            int j;
            read_all (fds[i], hdr + 1, 8);
            clen = 0;
            for (j = 1; j < 9; j++)
                clen = (clen << 8) | hdr[j];
        } else {
            fprintf (stderr, "connection %ld: flags 0x%02x, not a command\n",
                     i, hdr[0]);
            exit (1);
        }
        if (clen > sizeof cmd) {
            fprintf (stderr, "connection %ld: command too long\n", i);
            exit (1);
        }
        read_all (fds[i], cmd, clen);
        if (clen < 6 || memcmp (cmd, "\5READY", 6) != 0) {
            fprintf (stderr, "connection %ld: not READY\n", i);
            exit (1);
        }
    }
    write_all (out, &done, 1);
    read_all (in, &done, 1); /* parent has measured */
    for (i = 0; i < n; i++)
        close (fds[i]);
    exit (0);
}

int main (int argc, char **argv)
{
    int p2c[2], c2p[2], status, timeout = 60000;
    long n, i, before, after;
    char endpoint[256] = "", c;
    size_t len = sizeof endpoint;
    void *ctx, *router;
    zmq_msg_t msg;
    pid_t pid;
    if (argc != 2) {
        fprintf (stderr, "usage: mem_conns NCONNS\n");
        return 2;
    }
    n = arg_long (argv[1]);
    if (n < 1) {
        fprintf (stderr, "bad arguments\n");
        return 2;
    }
    if (raise_nofile () < n + 64) {
        fprintf (stderr, "RLIMIT_NOFILE too low for %ld connections\n", n);
        return 1;
    }
    if (pipe (p2c) || pipe (c2p)) {
        perror ("pipe");
        return 1;
    }
    pid = fork (); /* before any context exists */
    if (pid < 0) {
        perror ("fork");
        return 1;
    }
    if (pid == 0) {
        close (p2c[1]);
        close (c2p[0]);
        client (p2c[0], c2p[1], n);
    }
    close (p2c[0]);
    close (c2p[1]);
    ctx = zmq_ctx_new ();
    router = zmq_socket (ctx, ZMQ_ROUTER);
    if (!router)
        DIE ("zmq_socket");
    CHECK (zmq_setsockopt (router, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
    CHECK (zmq_bind (router, "tcp://127.0.0.1:*"));
    CHECK (zmq_getsockopt (router, ZMQ_LAST_ENDPOINT, endpoint, &len));
    usleep (100000);
    before = rss_kib ();
    if (write (p2c[1], endpoint, sizeof endpoint) != (ssize_t) sizeof endpoint)
        return 1;
    zmq_msg_init (&msg);
    for (i = 0; i < 2 * n; i++) /* identity + body per connection */
        CHECK (zmq_msg_recv (&msg, router, 0));
    zmq_msg_close (&msg);
    if (read (c2p[0], &c, 1) != 1) {
        fprintf (stderr, "client process failed\n");
        return 1;
    }
    after = rss_kib ();
    if (write (p2c[1], &c, 1) != 1)
        return 1;
    if (waitpid (pid, &status, 0) != pid || !WIFEXITED (status)
        || WEXITSTATUS (status) != 0) {
        fprintf (stderr, "client process failed\n");
        return 1;
    }
    zmq_close (router);
    zmq_ctx_term (ctx);
    printf ("{\"rss_kib\": %ld, \"per_conn_bytes\": %.0f}\n", after - before,
            (after - before) * 1024.0 / n);
    return 0;
}
