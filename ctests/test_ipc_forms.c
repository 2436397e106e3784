/* ipc endpoint forms (N4, N5): the Linux abstract namespace `ipc://@name`,
 * the `ipc://*` wildcard (a fresh directory under TMPDIR, TEMPDIR, TMP or
 * the working directory, removed on close) and named paths (a stale file is
 * replaced at bind; the socket file stays after close). Messages flow over
 * each. */
#include "testutil.h"

static void last_endpoint (void *s, char *buf, size_t len)
{
    size_t l = len;
    CHECK_RC (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, buf, &l));
}

static void check_flow (void *ctx, void *pull, const char *ep)
{
    char got[256];
    void *push = test_socket (ctx, ZMQ_PUSH);
    CHECK_RC (zmq_connect (push, ep));
    last_endpoint (push, got, sizeof got);
    CHECK_STR (got, ep);
    SEND_STR (push, ep, 0);
    RECV_STR (pull, ep, 0);
    close_socket (push);
}

/* Waits up to 2 s for `path` to disappear; returns 1 if it did. */
static int wait_gone (const char *path)
{
    long long deadline = now_ms () + 2000;
    struct stat st;
    while (stat (path, &st) == 0) {
        if (now_ms () > deadline)
            return 0;
        sleep_ms (5);
    }
    CHECK_EQ (errno, ENOENT);
    return 1;
}

static void abstract_namespace (void *ctx)
{
    char ep[256], got[256];
    void *pull = test_socket (ctx, ZMQ_PULL);
    void *other = test_socket (ctx, ZMQ_PULL);
    snprintf (ep, sizeof ep, "ipc://@zmq-rs-test-%d-abstract", (int) getpid ());
    CHECK_RC (zmq_bind (pull, ep));
    last_endpoint (pull, got, sizeof got);
    CHECK_STR (got, ep);
    check_flow (ctx, pull, ep);
    /* an abstract name is taken while bound (nothing on disk to unlink) */
    CHECK_ERR (zmq_bind (other, ep), EADDRINUSE);
    close_socket (pull);
    /* and free again once the owner is gone (the close is asynchronous) */
    {
        long long deadline = now_ms () + 2000;
        while (zmq_bind (other, ep) != 0) {
            CHECK_EQ (errno, EADDRINUSE);
            if (now_ms () > deadline)
                FAIL ("abstract name %s still taken after close", ep);
            sleep_ms (5);
        }
    }
    check_flow (ctx, other, ep);
    close_socket (other);
}

static void wildcard (void *ctx)
{
    char ep[256], path[256], dir[256];
    struct stat st;
    size_t n;
    void *pull = test_socket (ctx, ZMQ_PULL);
    CHECK_RC (zmq_bind (pull, "ipc://*"));
    last_endpoint (pull, ep, sizeof ep);
    CHECK (strncmp (ep, "ipc://", 6) == 0);
    CHECK (strchr (ep, '*') == NULL);
    snprintf (path, sizeof path, "%s", ep + 6);
    n = strlen (path);
    CHECK (n > 7 && strcmp (path + n - 7, "/socket") == 0);
    snprintf (dir, sizeof dir, "%.*s", (int) (n - 7), path);
    /* inside $TMPDIR (set to this test's directory in main) */
    CHECK (strncmp (dir, test_tmpdir (), strlen (test_tmpdir ())) == 0);
    CHECK_RC (stat (dir, &st));
    CHECK (S_ISDIR (st.st_mode));
    CHECK_RC (stat (path, &st));
    CHECK (S_ISSOCK (st.st_mode));
    check_flow (ctx, pull, ep);
    /* a second wildcard bind gets a different directory */
    {
        char ep2[256];
        void *pull2 = test_socket (ctx, ZMQ_PULL);
        CHECK_RC (zmq_bind (pull2, "ipc://*"));
        last_endpoint (pull2, ep2, sizeof ep2);
        CHECK (strcmp (ep, ep2) != 0);
        close_socket (pull2);
        CHECK (wait_gone (ep2 + 6));
    }
    close_socket (pull);
    /* the socket file and its directory are removed on close */
    if (!wait_gone (path))
        FAIL ("%s still exists after close", path);
    if (!wait_gone (dir))
        FAIL ("directory %s still exists after close", dir);
}

/* Binds ipc://* and returns the directory part of LAST_ENDPOINT in dir
 * (everything before "/socket"), after checking traffic. */
static void *bind_wildcard (void *ctx, char *dir, size_t len)
{
    char ep[256];
    size_t n;
    void *pull = test_socket (ctx, ZMQ_PULL);
    CHECK_RC (zmq_bind (pull, "ipc://*"));
    last_endpoint (pull, ep, sizeof ep);
    n = strlen (ep);
    CHECK (n > 6 + 7 && strcmp (ep + n - 7, "/socket") == 0);
    snprintf (dir, len, "%.*s", (int) (n - 6 - 7), ep + 6);
    check_flow (ctx, pull, ep);
    return pull;
}

/* The wildcard directory is made under TMPDIR, else TEMPDIR, else TMP, else
 * relative to the working directory (N4). */
static void wildcard_tmpdir_order (void *ctx)
{
    char dir[256], want[300], cwd[256];
    const char *base = test_tmpdir ();
    void *pull;
    CHECK (getcwd (cwd, sizeof cwd) != NULL);
    CHECK_RC (chdir (base));
    unsetenv ("TMPDIR");
    unsetenv ("TEMPDIR");
    unsetenv ("TMP");

    setenv ("TMP", base, 1);
    pull = bind_wildcard (ctx, dir, sizeof dir);
    snprintf (want, sizeof want, "%s/tmp", base);
    CHECK (strncmp (dir, want, strlen (want)) == 0);
    close_socket (pull);
    CHECK (wait_gone (dir));

    /* TEMPDIR comes before TMP; the value is used as given */
    setenv ("TEMPDIR", ".", 1);
    pull = bind_wildcard (ctx, dir, sizeof dir);
    CHECK (strncmp (dir, "./tmp", 5) == 0);
    close_socket (pull);
    CHECK (wait_gone (dir));

    /* none set: a relative directory in the working directory */
    unsetenv ("TEMPDIR");
    unsetenv ("TMP");
    pull = bind_wildcard (ctx, dir, sizeof dir);
    CHECK (strncmp (dir, "tmp", 3) == 0 && strchr (dir, '/') == NULL);
    close_socket (pull);
    CHECK (wait_gone (dir));

    CHECK_RC (chdir (cwd));
    setenv ("TMPDIR", base, 1);
}

static void named_path (void *ctx)
{
    char ep[256];
    const char *path;
    struct stat st;
    FILE *f;
    void *pull;

    ipc_endpoint (ep, sizeof ep, "named");
    path = ep + 6;
    /* a stale regular file at the path is unlinked by bind */
    f = fopen (path, "w");
    CHECK (f != NULL);
    fputs ("stale", f);
    fclose (f);
    CHECK_RC (stat (path, &st));
    CHECK (S_ISREG (st.st_mode));

    pull = test_socket (ctx, ZMQ_PULL);
    CHECK_RC (zmq_bind (pull, ep));
    CHECK_RC (stat (path, &st));
    CHECK (S_ISSOCK (st.st_mode));
    check_flow (ctx, pull, ep);
    close_socket (pull);

    /* a new bind takes the path over again (the file is checked to
     * survive close and unbind at the end of main, once every listener is
     * surely closed) */
    pull = test_socket (ctx, ZMQ_PULL);
    CHECK_RC (zmq_bind (pull, ep));
    check_flow (ctx, pull, ep);
    CHECK_RC (zmq_unbind (pull, ep));
    close_socket (pull);
}

int main (void)
{
    void *ctx;
    test_start (20);
    setenv ("TMPDIR", test_tmpdir (), 1);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    abstract_namespace (ctx);
    wildcard (ctx);
    wildcard_tmpdir_order (ctx);
    named_path (ctx);
    term_ctx (ctx);
    /* the named file survived close and unbind: after the context is gone
     * (every listener closed) it is still there */
    {
        char ep[256];
        struct stat st;
        snprintf (ep, sizeof ep, "%s/named", test_tmpdir ());
        CHECK_RC (stat (ep, &st));
        CHECK (S_ISSOCK (st.st_mode));
    }
    return 0;
}
