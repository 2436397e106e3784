/* zmq_msg_* API: init, init_size, data, size, copy, move, more, get
 * (ZMQ_MORE, ZMQ_SHARED), set, close twice -> EFAULT. */
#include "testutil.h"

int main (void)
{
    zmq_msg_t a, b;
    test_start (20);

    CHECK_RC (zmq_msg_init (&a));
    CHECK_EQ (zmq_msg_size (&a), 0);
    CHECK_EQ (zmq_msg_more (&a), 0);
    CHECK_EQ (zmq_msg_get (&a, ZMQ_MORE), 0);
    CHECK_RC (zmq_msg_close (&a));

    /* small (inline) and large sizes */
    {
        size_t sizes[] = {0, 1, 33, 34, 1000, 1 << 20};
        size_t i;
        for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            size_t n = sizes[i];
            CHECK_RC (zmq_msg_init_size (&a, n));
            CHECK_EQ (zmq_msg_size (&a), n);
            if (n) {
                memset (zmq_msg_data (&a), 'x', n);
                CHECK (zmq_msg_data (&a) != NULL);
            }
            CHECK_EQ (zmq_msg_get (&a, ZMQ_SHARED), 0);
            CHECK_RC (zmq_msg_init (&b));
            CHECK_RC (zmq_msg_copy (&b, &a));
            CHECK_EQ (zmq_msg_size (&b), n);
            if (n)
                CHECK_EQ (((char *) zmq_msg_data (&b))[n - 1], 'x');
            /* a copy of a large message shares its buffer */
            if (n > 33) {
                CHECK_EQ (zmq_msg_get (&a, ZMQ_SHARED), 1);
                CHECK_EQ (zmq_msg_get (&b, ZMQ_SHARED), 1);
                CHECK (zmq_msg_data (&a) == zmq_msg_data (&b));
            } else {
                CHECK_EQ (zmq_msg_get (&b, ZMQ_SHARED), 0);
            }
            CHECK_RC (zmq_msg_close (&a));
            CHECK_RC (zmq_msg_close (&b));
        }
    }

    /* move: dest takes the content, src becomes empty */
    CHECK_RC (zmq_msg_init_size (&a, 5));
    memcpy (zmq_msg_data (&a), "hello", 5);
    CHECK_RC (zmq_msg_init_size (&b, 3));
    CHECK_RC (zmq_msg_move (&b, &a));
    CHECK_EQ (zmq_msg_size (&b), 5);
    CHECK (memcmp (zmq_msg_data (&b), "hello", 5) == 0);
    CHECK_EQ (zmq_msg_size (&a), 0);
    CHECK_RC (zmq_msg_close (&a));
    CHECK_RC (zmq_msg_close (&b));

    /* a zmq_msg_t moved by plain byte copy (as C++ bindings do) still works */
    {
        zmq_msg_t moved;
        CHECK_RC (zmq_msg_init_size (&a, 10));
        memcpy (zmq_msg_data (&a), "0123456789", 10);
        memcpy (&moved, &a, sizeof a);
        memset (&a, 0xAB, sizeof a);
        CHECK_EQ (zmq_msg_size (&moved), 10);
        CHECK (memcmp (zmq_msg_data (&moved), "0123456789", 10) == 0);
        CHECK_RC (zmq_msg_close (&moved));
    }

    /* unknown property */
    CHECK_RC (zmq_msg_init (&a));
    CHECK_ERR (zmq_msg_get (&a, 12345), EINVAL);
    CHECK_ERR (zmq_msg_set (&a, 12345, 1), EINVAL);
    CHECK_RC (zmq_msg_close (&a));

    /* close twice: EFAULT */
    CHECK_RC (zmq_msg_init_size (&a, 100));
    CHECK_RC (zmq_msg_close (&a));
    CHECK_ERR (zmq_msg_close (&a), EFAULT);
    CHECK_RC (zmq_msg_init (&a));
    CHECK_RC (zmq_msg_close (&a));
    CHECK_ERR (zmq_msg_close (&a), EFAULT);

    /* copy from / move from a closed message: EFAULT */
    CHECK_RC (zmq_msg_init (&b));
    CHECK_ERR (zmq_msg_copy (&b, &a), EFAULT);
    CHECK_ERR (zmq_msg_move (&b, &a), EFAULT);
    CHECK_RC (zmq_msg_close (&b));
    return 0;
}
