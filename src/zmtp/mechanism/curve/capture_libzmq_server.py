# Captures a real libzmq (pyzmq wheel) CURVE server's WELCOME, READY and
# first MESSAGE, talking to it as a PyNaCl client with a fixed transient key,
# so the Rust tests can decode real libzmq bytes (commands_tests.rs,
# LIBZMQ_SERVER_*).
import socket, struct, zmq
import zmq.utils.z85 as z85
from nacl.public import PrivateKey, PublicKey, Box

SERVER_SECRET = b"JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"
client = PrivateKey(z85.decode(b"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"))
c_t = PrivateKey(bytes(range(2, 34)))   # client transient secret c'
S = PrivateKey(z85.decode(SERVER_SECRET)).public_key

def recv_exact(c, n):
    b = b""
    while len(b) < n:
        d = c.recv(n - len(b)); assert d; b += d
    return b
def recv_frame(c):
    flags = recv_exact(c, 1)[0]
    size = struct.unpack(">Q", recv_exact(c, 8))[0] if flags & 2 else recv_exact(c, 1)[0]
    return recv_exact(c, size)
def send_cmd(c, body):
    c.sendall((bytes([4, len(body)]) if len(body) < 256 else b"\x06" + struct.pack(">Q", len(body))) + body)

ctx = zmq.Context()
srv = ctx.socket(zmq.PAIR)
srv.curve_server = True
srv.curve_secretkey = SERVER_SECRET
srv.bind("tcp://127.0.0.1:*")
port = int(srv.last_endpoint.rsplit(b":", 1)[1])
c = socket.create_connection(("127.0.0.1", port)); c.settimeout(5)
c.sendall(b"\xff" + bytes(8) + b"\x7f\x03\x00" + b"CURVE".ljust(20, b"\0") + b"\x00" + bytes(31))
recv_exact(c, 64)
hello = b"\x05HELLO\x01\x00" + bytes(72) + bytes(c_t.public_key) + struct.pack(">Q", 1) \
    + Box(c_t, S).encrypt(bytes(64), b"CurveZMQHELLO---" + struct.pack(">Q", 1)).ciphertext
send_cmd(c, hello)
welcome = recv_frame(c)
plain = Box(c_t, S).decrypt(welcome[24:], b"WELCOME-" + welcome[8:24])
s_t, cookie = PublicKey(plain[:32]), plain[32:]
vouch_nonce = b"\x33" * 16
vouch = vouch_nonce + Box(client, s_t).encrypt(bytes(c_t.public_key) + bytes(S), b"VOUCH---" + vouch_nonce).ciphertext
md = b"\x0bSocket-Type\x00\x00\x00\x04PAIR"
box = Box(c_t, s_t).encrypt(bytes(client.public_key) + vouch + md, b"CurveZMQINITIATE" + struct.pack(">Q", 2)).ciphertext
send_cmd(c, b"\x08INITIATE" + cookie + struct.pack(">Q", 2) + box)
ready = recv_frame(c)
srv.send(b"hi", zmq.SNDMORE); srv.send(b"")
m1 = recv_frame(c); m2 = recv_frame(c)
c.close(); srv.close(0); ctx.term()
print("libzmq", zmq.zmq_version())
for n, v in (("WELCOME", welcome), ("READY", ready), ("MESSAGE1", m1), ("MESSAGE2", m2)):
    print(n, v.hex())
