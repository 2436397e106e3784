# Known-answer vectors for src/zmtp/mechanism/curve (PyNaCl = libsodium).
import struct, nacl.bindings as b
from nacl.public import PrivateKey, Box
from nacl.secret import SecretBox
import zmq.utils.z85 as z85
def hx(x): return x.hex()
csk = z85.decode(b"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs")
ssk = z85.decode(b"JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6")
c, s = PrivateKey(csk), PrivateKey(ssk)
print("client_pub", hx(bytes(c.public_key)))
print("server_pub", hx(bytes(s.public_key)))
bx = Box(c, s.public_key)
print("shared", hx(bx.shared_key()))
n = b"CurveZMQHELLO---" + struct.pack(">Q", 1)
print("hello_box", hx(bx.encrypt(bytes(64), n).ciphertext))
n = b"CurveZMQMESSAGEC" + struct.pack(">Q", 3)
print("message_box", hx(bx.encrypt(b"\x01hello", n).ciphertext))
n = b"CurveZMQMESSAGES" + struct.pack(">Q", 0x0102030405060708)
print("message_s_box", hx(Box(s, c.public_key).encrypt(b"", n).ciphertext))
k = bytes(range(32)); n = b"COOKIE--" + bytes([0xAA]*16)
print("cookie_box", hx(SecretBox(k).encrypt(bytes(range(100, 164)), n).ciphertext))
