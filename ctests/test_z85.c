/* zmq_z85_encode / zmq_z85_decode: the RFC 32 test vector, a 32-byte key
 * round trip, and invalid sizes. */
#include "testutil.h"

int main (void)
{
    static const uint8_t hello[8] = {0x86, 0x4F, 0xD2, 0x6F,
                                     0xB5, 0x59, 0xF7, 0x5B};
    char text[41];
    uint8_t bytes[32];
    uint8_t key[32];
    int i;
    test_start (10);

    CHECK (zmq_z85_encode (text, hello, 8) == text);
    CHECK_STR (text, "HelloWorld");
    memset (bytes, 0, sizeof bytes);
    CHECK (zmq_z85_decode (bytes, "HelloWorld") == bytes);
    CHECK (memcmp (bytes, hello, 8) == 0);

    for (i = 0; i < 32; i++)
        key[i] = (uint8_t) (i * 37 + 11);
    CHECK (zmq_z85_encode (text, key, 32) != NULL);
    CHECK_EQ (strlen (text), 40);
    memset (bytes, 0, sizeof bytes);
    CHECK (zmq_z85_decode (bytes, text) != NULL);
    CHECK (memcmp (bytes, key, 32) == 0);

    /* all-zero and all-0xFF blocks */
    memset (key, 0, 4);
    CHECK (zmq_z85_encode (text, key, 4) != NULL);
    CHECK_STR (text, "00000");
    memset (key, 0xFF, 4);
    CHECK (zmq_z85_encode (text, key, 4) != NULL);
    CHECK_STR (text, "%nSc0");
    CHECK (zmq_z85_decode (bytes, "%nSc0") != NULL);
    CHECK (memcmp (bytes, key, 4) == 0);

    /* size not a multiple of 4 / length not a multiple of 5 */
    CHECK_NULL_ERR (zmq_z85_encode (text, hello, 7), EINVAL);
    CHECK_NULL_ERR (zmq_z85_decode (bytes, "Hello"
                                           "Worl"),
                    EINVAL);
    return 0;
}
