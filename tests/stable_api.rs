//! Keeps `ctests/test_stable_api.c` honest: every function, socket type,
//! context option and socket option of libzmq's stable header must be walked.
//!
//! The reference is the real libzmq header, Debian's `/usr/include/zmq.h`
//! (libzmq3-dev, which `.ci/run` installs): its stable part, before the
//! `#ifdef ZMQ_BUILD_DRAFT_API` block. Every socket type, context option and
//! socket option defined there must be named in `ctests/test_stable_api.c`
//! (which sets and reads each one and fails on ENOTSUP); every stable
//! function must be called by some C test in `ctests/`.

use std::fs;
use std::path::PathBuf;

const SYSTEM_HEADER: &str = "/usr/include/zmq.h";

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The stable part of the real header.
fn stable_header() -> String {
    let text = fs::read_to_string(SYSTEM_HEADER)
        .unwrap_or_else(|e| panic!("{SYSTEM_HEADER}: {e} (install libzmq3-dev)"));
    let end = text
        .find("#ifdef ZMQ_BUILD_DRAFT_API")
        .expect("draft block in zmq.h");
    text[..end].to_owned()
}

/// The `ZMQ_*` names defined in the header sections whose heading comment
/// contains one of `sections`.
fn defines_in_sections(header: &str, sections: &[&str]) -> Vec<String> {
    let mut names = Vec::new();
    let mut inside = false;
    for line in header.lines() {
        let t = line.trim();
        if t.starts_with("/*  ") {
            inside = sections.iter().any(|s| t.contains(s));
            continue;
        }
        if inside {
            if let Some(rest) = t.strip_prefix("#define ") {
                let name = rest.split_whitespace().next().unwrap_or_default();
                if name.starts_with("ZMQ_") {
                    names.push(name.to_owned());
                }
            }
        }
    }
    names
}

/// The names of the functions the stable header exports.
fn stable_functions(header: &str) -> Vec<String> {
    let mut names: Vec<String> = header
        .split(';')
        .filter(|decl| decl.contains("ZMQ_EXPORT"))
        .filter_map(|decl| {
            let before_paren = decl[..decl.find('(')?].trim_end();
            let name = before_paren
                .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .next()?;
            name.starts_with("zmq_").then(|| name.to_owned())
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

fn is_ident(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `word` occurs in `text` as a whole identifier.
fn contains_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        !is_ident(text[..i].chars().next_back()) && !is_ident(text[i + word.len()..].chars().next())
    })
}

/// `text` calls the function `name` (the identifier followed by a parenthesis).
fn calls(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(i, _)| {
        !is_ident(text[..i].chars().next_back())
            && text[i + name.len()..].trim_start().starts_with('(')
    })
}

#[test]
fn every_stable_option_and_type_is_walked() {
    let header = stable_header();
    let walker = fs::read_to_string(crate_dir().join("ctests/test_stable_api.c"))
        .expect("ctests/test_stable_api.c");
    let names = defines_in_sections(
        &header,
        &[
            "Context options",
            "Default for new contexts",
            "Socket types.",
            "Deprecated aliases",
            "Socket options.",
            "Deprecated options and aliases",
        ],
    );
    assert!(names.len() > 100, "parsed too few names: {names:?}");
    let missing: Vec<&String> = names
        .iter()
        .filter(|n| !contains_word(&walker, n))
        .collect();
    assert!(
        missing.is_empty(),
        "not walked by ctests/test_stable_api.c: {missing:?}"
    );
}

#[test]
fn every_stable_function_is_called_by_a_c_test() {
    let header = stable_header();
    let functions = stable_functions(&header);
    assert!(functions.len() > 60, "parsed too few: {functions:?}");
    let mut tests = String::new();
    for entry in fs::read_dir(crate_dir().join("ctests")).expect("ctests/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "c") {
            tests.push_str(&fs::read_to_string(&path).expect("read C test"));
        }
    }
    let missing: Vec<&String> = functions.iter().filter(|f| !calls(&tests, f)).collect();
    assert!(missing.is_empty(), "no C test calls {missing:?}");
}
