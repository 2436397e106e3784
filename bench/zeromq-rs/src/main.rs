//! zeromq-bench: throughput and latency benchmark for zmq.rs (the pure-Rust,
//! tokio-based `zeromq` crate), with the same command line as the kit's C
//! programs so one runner can drive both.
//!
//!   zeromq-bench thr_recv ENDPOINT SIZE COUNT   bind PULL, print {"msgs_per_s": X, "bytes_per_s": Y}
//!   zeromq-bench thr_send ENDPOINT SIZE COUNT   connect PUSH, send COUNT messages, print {}
//!   zeromq-bench lat_rep  ENDPOINT SIZE COUNT   bind REP, echo COUNT messages, print {}
//!   zeromq-bench lat_req  ENDPOINT SIZE COUNT   connect REQ, COUNT round trips, print
//!                                               {"mean_us": a, "p50_us": b, "p99_us": c, "p999_us": d}
//!
//! Exactly one JSON line goes to stdout; diagnostics go to stderr.
//! Exit codes: 0 ok, 1 runtime error, 2 usage error, 3 mode unsupported by zmq.rs.
//!
//! Conventions (matching libzmq's perf/local_thr and remote_lat where sensible):
//! - thr_recv times from the first message received to the last one and
//!   reports COUNT / elapsed (as local_thr does); bytes_per_s = msgs_per_s * SIZE.
//! - lat_req times every round trip (send + matching recv) and reports the full
//!   round-trip time in microseconds (NOT halved as remote_lat does). The first
//!   COUNT/100 round trips are warm-up and are not counted; the REP side still
//!   echoes exactly COUNT messages.
//! - Each sent message is a single zero-filled frame of SIZE bytes. The payload
//!   is one shared `Bytes` buffer cloned per message (a refcount bump, no copy),
//!   which is the idiomatic zero-copy way to send with zmq.rs.
//!
//! Runtime: a tokio *current-thread* runtime is the default. Measured on the
//! 2-core bench machine (tcp, 64 B, 200k msgs, both ends zmq.rs), it was faster
//! than a multi-thread runtime for throughput and latency (see README.md).
//! Set ZEROMQ_BENCH_RT=multi (optionally ZEROMQ_BENCH_WORKERS=N) to use a
//! multi-thread runtime instead.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use bytes::Bytes;
use zeromq::prelude::*;
use zeromq::{PullSocket, PushSocket, RepSocket, ReqSocket, ZmqError, ZmqMessage};

/// Error type of this program: the message for stderr and the exit code.
struct Fail {
    code: u8,
    msg: String,
}

fn fail<T>(msg: impl Into<String>) -> Result<T, Fail> {
    Err(Fail {
        code: 1,
        msg: msg.into(),
    })
}

fn zfail<T>(what: &str, e: ZmqError) -> Result<T, Fail> {
    fail(format!("{what}: {e}"))
}

fn unsupported<T>(msg: impl Into<String>) -> Result<T, Fail> {
    Err(Fail {
        code: 3,
        msg: format!("unsupported: {}", msg.into()),
    })
}

const USAGE: &str = "usage: zeromq-bench {thr_recv|thr_send|lat_rep|lat_req} ENDPOINT SIZE COUNT";

struct Args {
    endpoint: String,
    size: usize,
    count: u64,
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    if argv.len() != 5 {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    let mode = argv[1].as_str();
    let args = match parse_args(&argv[2..]) {
        Ok(a) => a,
        Err(f) => {
            eprintln!("{}\n{USAGE}", f.msg);
            return ExitCode::from(f.code);
        }
    };
    if !matches!(mode, "thr_recv" | "thr_send" | "lat_rep" | "lat_req") {
        eprintln!("unknown mode {mode:?}\n{USAGE}");
        return ExitCode::from(2);
    }
    if let Err(f) = check_endpoint(&args.endpoint) {
        eprintln!("{}", f.msg);
        return ExitCode::from(f.code);
    }

    let rt = match build_runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tokio runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = rt.block_on(async {
        match mode {
            "thr_recv" => thr_recv(&args).await,
            "thr_send" => thr_send(&args).await,
            "lat_rep" => lat_rep(&args).await,
            "lat_req" => lat_req(&args).await,
            _ => unreachable!(),
        }
    });
    // Don't wait for stray background tasks (accept loops etc.) on exit.
    rt.shutdown_timeout(Duration::from_millis(100));

    match result {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(f) => {
            eprintln!("zeromq-bench {mode}: {}", f.msg);
            ExitCode::from(f.code)
        }
    }
}

fn parse_args(a: &[String]) -> Result<Args, Fail> {
    let Ok(size) = a[1].parse::<usize>() else {
        return Err(Fail {
            code: 2,
            msg: format!("bad SIZE {:?}", a[1]),
        });
    };
    let count = match a[2].parse::<u64>() {
        Ok(c) if c > 0 => c,
        _ => {
            return Err(Fail {
                code: 2,
                msg: format!("bad COUNT {:?} (must be > 0)", a[2]),
            })
        }
    };
    Ok(Args {
        endpoint: a[0].clone(),
        size,
        count,
    })
}

/// zmq.rs 0.7 supports tcp:// and ipc:// only (no inproc, pgm, ws, ...).
fn check_endpoint(ep: &str) -> Result<(), Fail> {
    if ep.starts_with("tcp://") || ep.starts_with("ipc://") {
        Ok(())
    } else if let Some((scheme, _)) = ep.split_once("://") {
        unsupported(format!("transport {scheme}:// is not supported by zmq.rs"))
    } else {
        Err(Fail {
            code: 2,
            msg: format!("bad ENDPOINT {ep:?}"),
        })
    }
}

fn build_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    let kind = std::env::var("ZEROMQ_BENCH_RT").unwrap_or_default();
    match kind.as_str() {
        "" | "current" => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
        "multi" => {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            if let Some(n) = std::env::var("ZEROMQ_BENCH_WORKERS")
                .ok()
                .and_then(|v| v.parse::<usize>().ok())
            {
                b.worker_threads(n);
            }
            b.enable_all().build()
        }
        other => Err(std::io::Error::other(format!(
            "ZEROMQ_BENCH_RT must be 'current' or 'multi', not {other:?}"
        ))),
    }
}

/// Path of an ipc:// endpoint, if it is one.
fn ipc_path(ep: &str) -> Option<&str> {
    ep.strip_prefix("ipc://")
}

/// Bind `socket` on the endpoint. For ipc, remove a stale socket file first
/// (libzmq does the same), so reusing a path between runs works.
async fn bind<S: Socket>(socket: &mut S, ep: &str) -> Result<(), Fail> {
    if let Some(path) = ipc_path(ep) {
        let _ = std::fs::remove_file(path);
    }
    match socket.bind(ep).await {
        Ok(_) => Ok(()),
        Err(e) => zfail(&format!("bind {ep}"), e),
    }
}

fn cleanup_ipc(ep: &str) {
    if let Some(path) = ipc_path(ep) {
        let _ = std::fs::remove_file(path);
    }
}

async fn connect<S: Socket>(socket: &mut S, ep: &str) -> Result<(), Fail> {
    match socket.connect(ep).await {
        Ok(()) => Ok(()),
        Err(e) => zfail(&format!("connect {ep}"), e),
    }
}

/// Checks that a received message is one frame of `size` bytes.
fn check_msg(m: &ZmqMessage, size: usize) -> Result<(), Fail> {
    if m.len() != 1 {
        return fail(format!("expected 1 frame, got {}", m.len()));
    }
    let got = m.get(0).map_or(0, |f| f.len());
    if got != size {
        return fail(format!("expected {size}-byte message, got {got} bytes"));
    }
    Ok(())
}

async fn thr_recv(a: &Args) -> Result<String, Fail> {
    let mut s = PullSocket::new();
    bind(&mut s, &a.endpoint).await?;

    let m = match s.recv().await {
        Ok(m) => m,
        Err(e) => return zfail("recv", e),
    };
    let start = Instant::now();
    check_msg(&m, a.size)?;
    for _ in 1..a.count {
        match s.recv().await {
            Ok(m) => check_msg(&m, a.size)?,
            Err(e) => return zfail("recv", e),
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    drop(s);
    cleanup_ipc(&a.endpoint);

    // Guard against a zero interval (COUNT=1 or a coarse clock).
    let elapsed = elapsed.max(1e-9);
    let msgs_per_s = a.count as f64 / elapsed;
    let bytes_per_s = msgs_per_s * a.size as f64;
    eprintln!(
        "thr_recv: {} msgs of {} B in {:.6} s",
        a.count, a.size, elapsed
    );
    Ok(format!(
        "{{\"msgs_per_s\": {}, \"bytes_per_s\": {}}}",
        json_f64(msgs_per_s),
        json_f64(bytes_per_s)
    ))
}

async fn thr_send(a: &Args) -> Result<String, Fail> {
    let mut s = PushSocket::new();
    // Waits (retrying) until the peer is up and the ZMTP handshake is done.
    connect(&mut s, &a.endpoint).await?;

    let payload = Bytes::from(vec![0u8; a.size]);
    for _ in 0..a.count {
        if let Err(e) = s.send(ZmqMessage::from(payload.clone())).await {
            return zfail("send", e);
        }
    }

    // zmq.rs has no linger: send() only queues the message for a per-peer
    // writer task. Dropping the socket drops the queue's senders; the writer
    // task then drains what is left, flushes it to the transport and exits,
    // closing the connection (close() keeps the data already handed to the
    // kernel). So wait until no task is left alive on the runtime.
    drop(s);
    wait_tasks_done(Duration::from_secs(60)).await?;
    Ok("{}".to_string())
}

/// Waits until every task spawned on the current runtime has finished.
async fn wait_tasks_done(timeout: Duration) -> Result<(), Fail> {
    let handle = tokio::runtime::Handle::current();
    let deadline = Instant::now() + timeout;
    while handle.metrics().num_alive_tasks() > 0 {
        if Instant::now() > deadline {
            return fail(format!(
                "timed out after {timeout:?} waiting for queued messages to be written"
            ));
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    Ok(())
}

async fn lat_rep(a: &Args) -> Result<String, Fail> {
    let mut s = RepSocket::new();
    bind(&mut s, &a.endpoint).await?;
    for _ in 0..a.count {
        let m = match s.recv().await {
            Ok(m) => m,
            Err(e) => return zfail("recv", e),
        };
        check_msg(&m, a.size)?;
        if let Err(e) = s.send(m).await {
            return zfail("send", e);
        }
    }
    // The last reply is only queued; let the writer task put it on the wire
    // before tearing the socket (and the runtime) down.
    drop(s);
    wait_tasks_done(Duration::from_secs(2)).await.ok();
    cleanup_ipc(&a.endpoint);
    Ok("{}".to_string())
}

async fn lat_req(a: &Args) -> Result<String, Fail> {
    let mut s = ReqSocket::new();
    connect(&mut s, &a.endpoint).await?;

    let warmup = a.count / 100;
    let mut samples: Vec<f64> = Vec::with_capacity((a.count - warmup) as usize);
    let payload = Bytes::from(vec![0u8; a.size]);
    for i in 0..a.count {
        let t0 = Instant::now();
        if let Err(e) = s.send(ZmqMessage::from(payload.clone())).await {
            return zfail("send", e);
        }
        let m = match s.recv().await {
            Ok(m) => m,
            Err(e) => return zfail("recv", e),
        };
        let rtt = t0.elapsed();
        check_msg(&m, a.size)?;
        if i >= warmup {
            samples.push(rtt.as_secs_f64() * 1e6);
        }
    }
    drop(s);

    samples.sort_by(|x, y| x.total_cmp(y));
    let mean = samples.iter().sum::<f64>() / samples.len() as f64;
    Ok(format!(
        "{{\"mean_us\": {}, \"p50_us\": {}, \"p99_us\": {}, \"p999_us\": {}}}",
        json_f64(mean),
        json_f64(percentile(&samples, 50.0)),
        json_f64(percentile(&samples, 99.0)),
        json_f64(percentile(&samples, 99.9))
    ))
}

/// Nearest-rank percentile of sorted, non-empty samples.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    let rank = ((p / 100.0) * n as f64).ceil() as usize;
    sorted[rank.clamp(1, n) - 1]
}

/// Formats a float so it is always a JSON number with a fractional part.
fn json_f64(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.3}")
    } else {
        "0.0".to_string()
    }
}
