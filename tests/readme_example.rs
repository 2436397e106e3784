//! The README's "A CURVE server with an authenticator" section shows
//! `demo/curve_server.c` verbatim (the demo itself runs in `make demo`):
//! this test fails as soon as the two differ.

use std::path::PathBuf;

const HEADING: &str = "## A CURVE server with an authenticator";

fn read(path: &str) -> String {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// The first ```c block after the heading, without its fences.
fn readme_block() -> String {
    let readme = read("README.md");
    let start = readme
        .find(HEADING)
        .expect("README has no CURVE example section");
    let section = &readme[start..];
    let open = section
        .find("```c\n")
        .expect("no ```c block in the section")
        + "```c\n".len();
    let len = section[open..]
        .find("\n```")
        .expect("unterminated ```c block")
        + 1;
    section[open..open + len].to_string()
}

#[test]
fn readme_curve_example_is_the_demo() {
    let block = readme_block();
    let demo = read("demo/curve_server.c");
    if block != demo {
        let line = block
            .lines()
            .zip(demo.lines())
            .position(|(a, b)| a != b)
            .map_or_else(|| block.lines().count().min(demo.lines().count()), |i| i);
        panic!(
            "README block and demo/curve_server.c differ from line {}:\n  README: {:?}\n  demo:   {:?}",
            line + 1,
            block.lines().nth(line),
            demo.lines().nth(line)
        );
    }
}

#[test]
fn the_demo_is_in_make_demo() {
    let makefile = read("Makefile");
    let demos = makefile
        .lines()
        .find(|l| l.starts_with("DEMOS :="))
        .expect("Makefile has no DEMOS line");
    assert!(
        demos.split_whitespace().any(|d| d == "curve_server"),
        "curve_server is not in {demos}"
    );
}
