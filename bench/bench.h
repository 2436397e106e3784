/* Shared helpers for the benchmark programs (header-only, C99 + POSIX).
 * Every program prints exactly one line of JSON on stdout on success,
 * diagnostics on stderr, and exits non-zero on failure. */
#ifndef BENCH_H
#define BENCH_H
#define _GNU_SOURCE
#include <zmq.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <unistd.h>

/* Writes all n bytes to fd (a pipe or socket), retrying on EINTR; exits on
 * error. */
static inline void write_all (int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write (fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            perror ("write");
            exit (1);
        }
        c += w;
        n -= (size_t) w;
    }
}

/* Reads exactly n bytes from fd, retrying on EINTR; exits on error or EOF. */
static inline void read_all (int fd, void *p, size_t n)
{
    char *c = p;
    while (n) {
        ssize_t r = read (fd, c, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            fprintf (stderr, "read: %s\n", r ? strerror (errno) : "EOF");
            exit (1);
        }
        c += r;
        n -= (size_t) r;
    }
}

static inline double now (void)
{
    struct timespec t;
    clock_gettime (CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

#define DIE(what)                                                              \
    do {                                                                       \
        fprintf (stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, what,          \
                 zmq_strerror (zmq_errno ()));                                 \
        exit (1);                                                              \
    } while (0)

#define CHECK(expr)                                                            \
    do {                                                                       \
        if ((expr) < 0)                                                        \
            DIE (#expr);                                                       \
    } while (0)

static inline long arg_long (const char *s)
{
    char *end;
    long v = strtol (s, &end, 10);
    if (*s == 0 || *end != 0 || v < 0) {
        fprintf (stderr, "bad number: %s\n", s);
        exit (2);
    }
    return v;
}

/* VmRSS of this process in KiB, from /proc/self/status. */
static inline long rss_kib (void)
{
    char line[256];
    long kib = -1;
    FILE *f = fopen ("/proc/self/status", "r");
    if (!f)
        return -1;
    while (fgets (line, sizeof line, f))
        if (strncmp (line, "VmRSS:", 6) == 0) {
            kib = strtol (line + 6, NULL, 10);
            break;
        }
    fclose (f);
    return kib;
}

/* Raise RLIMIT_NOFILE to the hard limit; returns the new soft limit. */
static inline long raise_nofile (void)
{
    struct rlimit r;
    if (getrlimit (RLIMIT_NOFILE, &r) != 0)
        return -1;
    r.rlim_cur = r.rlim_max;
    setrlimit (RLIMIT_NOFILE, &r);
    getrlimit (RLIMIT_NOFILE, &r);
    return (long) r.rlim_cur;
}

static inline int cmp_double (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

/* Percentile (0..1) of a sorted array, nearest-rank. */
static inline double pct (const double *sorted, long n, double p)
{
    long i = (long) (p * n + 0.5) - 1;
    if (i < 0)
        i = 0;
    if (i >= n)
        i = n - 1;
    return sorted[i];
}

/* Latency JSON from n round-trip times in microseconds (sorts them). */
static inline void print_latency (double *rtt_us, long n)
{
    double sum = 0;
    long i;
    for (i = 0; i < n; i++)
        sum += rtt_us[i];
    qsort (rtt_us, (size_t) n, sizeof *rtt_us, cmp_double);
    printf ("{\"mean_us\": %.3f, \"p50_us\": %.3f, \"p99_us\": %.3f, "
            "\"p999_us\": %.3f}\n",
            sum / n, pct (rtt_us, n, 0.50), pct (rtt_us, n, 0.99),
            pct (rtt_us, n, 0.999));
}

static inline void print_thr (long msgs, size_t size, double elapsed)
{
    if (elapsed <= 0)
        elapsed = 1e-9;
    printf ("{\"msgs_per_s\": %.1f, \"bytes_per_s\": %.1f}\n", msgs / elapsed,
            msgs * (double) size / elapsed);
}

/* CURVE for the benchmark pairs, chosen by the runner through the
 * environment (nothing is set and the socket stays NULL without it):
 *   BENCH_CURVE_SECRET     the server's Z85 secret key: bench_server_security
 *                          makes the socket a CURVE server with it;
 *   BENCH_CURVE_SERVERKEY  the server's Z85 public key: bench_client_security
 *                          makes the socket a CURVE client of that server,
 *                          with a client key pair made by zmq_curve_keypair
 *                          once per process.
 * The runner makes the server's pair with curve_keypair (same library). */
static inline void bench_check_z85 (const char *name, const char *key)
{
    if (strlen (key) != 40) {
        fprintf (stderr, "%s: expected 40 Z85 characters, got %zu\n", name,
                 strlen (key));
        exit (2);
    }
}

static inline void bench_server_security (void *s)
{
    const char *secret = getenv ("BENCH_CURVE_SECRET");
    int one = 1;
    if (!secret)
        return;
    bench_check_z85 ("BENCH_CURVE_SECRET", secret);
    CHECK (zmq_setsockopt (s, ZMQ_CURVE_SERVER, &one, sizeof one));
    CHECK (zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, secret, 40));
}

static inline void bench_client_security (void *s)
{
    static char pub[41], sec[41];
    const char *server = getenv ("BENCH_CURVE_SERVERKEY");
    if (!server)
        return;
    bench_check_z85 ("BENCH_CURVE_SERVERKEY", server);
    if (!pub[0])
        CHECK (zmq_curve_keypair (pub, sec));
    CHECK (zmq_setsockopt (s, ZMQ_CURVE_SERVERKEY, server, 40));
    CHECK (zmq_setsockopt (s, ZMQ_CURVE_PUBLICKEY, pub, 40));
    CHECK (zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, sec, 40));
}

#endif
