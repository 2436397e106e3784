//! Build script: makes the cdylib a drop-in `libzmq.so.5`.
//!
//! - soname `libzmq.so.5`, as libzmq 4.3.x installs it;
//! - a version script exporting only `zmq_*` (libzmq's own
//!   `{ global: zmq_*; local: *; };`), so no Rust or helper symbols leak.
//!
//! Both apply to the cdylib only (`rustc-cdylib-link-arg`).

use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");

    let target_os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os != "linux" {
        return;
    }

    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR is set by cargo"));
    let script = out_dir.join("libzmq.version");
    fs::write(&script, "{\n  global: zmq_*;\n  local: *;\n};\n").expect("write version script");

    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libzmq.so.5");
    println!(
        "cargo:rustc-cdylib-link-arg=-Wl,--version-script={}",
        script.display()
    );
}
