//! Vectors shared by the CURVE tests and fuzz seeds: the example keys of
//! zmq_curve(7) and real libzmq 4.3.5 traffic captured by
//! `capture_libzmq.py` / `capture_libzmq_server.py`.

pub(super) const CLIENT_SECRET: &[u8] = b"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs";
#[cfg(test)]
pub(super) const CLIENT_PUBLIC: &[u8] = b"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
pub(super) const SERVER_SECRET: &[u8] = b"JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";
#[cfg(test)]
pub(super) const SERVER_PUBLIC: &[u8] = b"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";

/// The bytes of a hex string (constants here; a bad digit pair is skipped).
pub(super) fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .filter_map(|i| u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}

/// A real libzmq 4.3.5 client (pyzmq wheel), captured by
/// `capture_libzmq.py`: its HELLO, and its INITIATE after a WELCOME made by
/// PyNaCl with s' = 1..=32 and cookie key K = 64..=95.
pub(super) const LIBZMQ_HELLO: &str =
    "0548454c4c4f0100000000000000000000000000000000000000000000000000000000000000000000000000\
00000000000000000000000000000000000000000000000000000000000000000000000056c9585eab9a436f\
3096d8eba6e1f4d0379aa222a5eed34833964154448f946a0000000000000001294adb291ead7b8b15c644f1\
8f52528b4f034d6bd991ec66422c34376b4324cb79dbfb141fe174e19a7dc790d100aec04608cfc168d5c06d\
c5105e0210d6ff26e0843db9bf28fa5b0caf1853cbe940ea";

pub(super) const LIBZMQ_INITIATE: &str =
    "08494e495449415445111111111111111111111111111111117a29b166fdcbd3c5ec1aac2f6cf9d496190411\
b12a8f2a84613864ac6b07c2beff42d8636621d42681d30627510ed41cdc5e825b1d1bd838a0764978ed1300\
92ff15aa005f444395c69a2eb2586d41b100000000000000026c4feece24c0bd4333b8475f923f4413567f03\
81cdc476e2210ec3351babbc65c2b0412cc69543771ea49ff6a015855c86d5135d49b48d0516e2f972c8aa7a\
49dcf70936694ef9628d9efbe7d25cfb1c37fd4e6919fd29a493632c504b0d90d3e77207b6dfa51fb448ace0\
27081dc79a595ce63639c1eefbb4c9ef73331635c5dbebb20028d782750a2f1d8d30bfab8ab723e6f1958e79\
7903c9f38ca0767ad3b03c1b4ce8e86fa9032f4cea471c296cab7010";

/// A real libzmq 4.3.5 server (pyzmq wheel, PAIR), captured by
/// `capture_libzmq_server.py` talking to it as a PyNaCl client whose
/// transient secret c' is 2..=33: WELCOME, READY, then "hi" (MORE) and "".
pub(super) const LIBZMQ_SERVER_WELCOME: &str =
    "0757454c434f4d454db89c61964350c0fdbed44794e9641915786054a54922b251d3c3fbd6ba82090a87a7af\
43743ad611758a7b9a408590e9c1b18bcf027802bc9f77583aa191092d0b86e470d24a16545b74953f2603e6\
6d12a213355bca6a581b1cd4b5825efe3df69872cc91232b6bd92e67beb0cc97d088f320e114929ae6518930\
59e3b8a5babdae4a3c0c13a70c1144fff0ac3747125dddd8b5f5736060256023d9b670a5";

pub(super) const LIBZMQ_SERVER_READY: &str =
    "05524541445900000000000000018b9aa38d7b06600bf6e419e6c848251c5f00dacd5d497924b17557f4e0ab\
7209c48536b8";

pub(super) const LIBZMQ_SERVER_MESSAGE1: &str =
    "074d455353414745000000000000000202b468e0e450526a862a2600f17c932b7531fa";

pub(super) const LIBZMQ_SERVER_MESSAGE2: &str =
    "074d4553534147450000000000000003a3e92299dfbf39a835b9d95250bb2b5af2";
