# Captures a real libzmq (pyzmq wheel) CURVE client's HELLO and INITIATE,
# answering its HELLO with a WELCOME built by PyNaCl from fixed keys, so the
# Rust tests can decode real libzmq bytes (commands_tests.rs, LIBZMQ_*).
import socket, struct, threading, zmq
import zmq.utils.z85 as z85
from nacl.public import PrivateKey, Box
from nacl.secret import SecretBox

SERVER_SECRET = z85.decode(b"JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6")
S_PRIME = bytes(range(1, 33))          # server transient secret s'
COOKIE_KEY = bytes(range(64, 96))      # cookie key K
server = PrivateKey(SERVER_SECRET)
s_t = PrivateKey(S_PRIME)

def recv_exact(c, n):
    b = b""
    while len(b) < n:
        d = c.recv(n - len(b))
        assert d
        b += d
    return b

def recv_frame(c):
    flags = recv_exact(c, 1)[0]
    size = struct.unpack(">Q", recv_exact(c, 8))[0] if flags & 2 else recv_exact(c, 1)[0]
    return recv_exact(c, size)

def send_cmd(c, body):
    c.sendall((bytes([4, len(body)]) if len(body) < 256 else b"\x06" + struct.pack(">Q", len(body))) + body)

lst = socket.socket(); lst.bind(("127.0.0.1", 0)); lst.listen(1)
out = {}
def serve():
    c, _ = lst.accept()
    c.settimeout(5)
    c.sendall(b"\xff" + bytes(8) + b"\x7f\x03\x00" + b"CURVE".ljust(20, b"\0") + b"\x01" + bytes(31))
    recv_exact(c, 64)
    hello = recv_frame(c); out["hello"] = hello
    c_prime = hello[80:112]
    cookie_nonce = b"\x11" * 16
    cookie = cookie_nonce + SecretBox(COOKIE_KEY).encrypt(c_prime + S_PRIME, b"COOKIE--" + cookie_nonce).ciphertext
    welcome_nonce = b"\x22" * 16
    from nacl.public import PublicKey
    wbox = Box(server, PublicKey(c_prime)).encrypt(bytes(s_t.public_key) + cookie, b"WELCOME-" + welcome_nonce).ciphertext
    send_cmd(c, b"\x07WELCOME" + welcome_nonce + wbox)
    out["initiate"] = recv_frame(c)
    c.close()
t = threading.Thread(target=serve); t.start()
ctx = zmq.Context()
d = ctx.socket(zmq.DEALER)
d.curve_serverkey = z85.encode(bytes(server.public_key))
d.curve_publickey = b"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
d.curve_secretkey = b"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"
d.connect("tcp://127.0.0.1:%d" % lst.getsockname()[1])
t.join(10)
d.close(0); ctx.term()
print("libzmq", zmq.zmq_version())
print("HELLO", out["hello"].hex())
print("INITIATE", out["initiate"].hex())
