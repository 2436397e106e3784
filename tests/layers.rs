//! The layering rules, checked on the source text of `src/`:
//!
//! 1. No import cycles, at any level: between top-level modules (`ctx`,
//!    `engine`, `socket`, …) and between sibling modules inside each folder
//!    (`zmtp/decoder` vs `zmtp/encoder`, `ffi/ctx` vs `ffi/socket`, …). An
//!    edge is a `crate::a::b…`, `super::…` or `self::…` path in a file; it
//!    counts at the level where the two modules part (`socket/types/dealer`
//!    using `crate::socket::strategy::fq` is `types -> strategy` inside
//!    `socket`). A child using its ancestor (`super::` up to its `mod.rs`)
//!    or a parent using its child is no edge. Test code is left out:
//!    `#[cfg(test)]` items and files named `tests.rs` / `testutil.rs`.
//! 2. No file in `src/` over [`MAX_LINES`] lines, test code aside.
//!
//! Paths are read from the text, not resolved by the compiler: a `use` of
//! an item that a parent re-exports from a sibling counts as a use of the
//! parent. The checker is meant to be small enough to trust by reading.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 700;

/// A module path below the crate root: `["zmtp", "mechanism", "null"]`.
type ModPath = Vec<String>;

/// Where an edge was seen: file, line and the path as written.
type Evidence = (String, usize, String);

/// Edges between siblings, grouped by their parent (`[]` = the crate root).
type Graph = BTreeMap<ModPath, BTreeMap<(String, String), Evidence>>;

// ------------------------------------------------------------ source text

/// The text with comments removed and string/char literals emptied; line
/// breaks are kept so line numbers still match.
fn strip_comments_and_strings(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    while i < c.len() {
        let next = c.get(i + 1).copied();
        if c[i] == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == '/' && next == Some('*') {
            i += 2;
            while i < c.len() && !(c[i] == '*' && c.get(i + 1) == Some(&'/')) {
                if c[i] == '\n' {
                    out.push('\n');
                }
                i += 1;
            }
            i += 2;
        } else if c[i] == 'r'
            && (i == 0 || !ident(c[i - 1]) || (c[i - 1] == 'b' && (i < 2 || !ident(c[i - 2]))))
            && matches!(next, Some('"') | Some('#'))
        {
            // Raw string r"…", r#"…"#, br"…".
            let mut j = i + 1;
            while c.get(j) == Some(&'#') {
                j += 1;
            }
            if c.get(j) != Some(&'"') {
                out.push(c[i]);
                i += 1;
                continue;
            }
            let hashes = j - i - 1;
            i = j + 1;
            while i < c.len() && !(c[i] == '"' && (1..=hashes).all(|k| c.get(i + k) == Some(&'#')))
            {
                if c[i] == '\n' {
                    out.push('\n');
                }
                i += 1;
            }
            i += 1 + hashes;
            out.push_str("\"\"");
        } else if c[i] == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1; // the escaped character, maybe a line break
                }
                if c.get(i) == Some(&'\n') {
                    out.push('\n');
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c[i] == '\'' && next == Some('\\') {
            // '\n', '\'', '\u{..}': skip the escaped character, then to the quote.
            i += 3;
            while i < c.len() && c[i] != '\'' {
                i += 1;
            }
            i += 1;
            out.push_str("' '");
        } else if c[i] == '\'' && c.get(i + 2) == Some(&'\'') {
            i += 3;
            out.push_str("' '");
        } else {
            // Includes lifetimes ('a): harmless.
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// Blanks every `#[cfg(test)]` item (up to its `;` or its balanced `{…}`),
/// keeping line breaks. Returns the text and how many lines were test code.
fn strip_test_items(code: &str) -> (String, usize) {
    const ATTR: &str = "#[cfg(test)]";
    let mut out = String::with_capacity(code.len());
    let mut test_lines = 0;
    let mut rest = code;
    while let Some(at) = rest.find(ATTR) {
        out.push_str(&rest[..at]);
        let item = &rest[at..];
        let mut depth = 0usize;
        let mut end = item.len();
        for (k, ch) in item.char_indices().skip(ATTR.len()) {
            match ch {
                '{' => depth += 1,
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end = k + 1;
                        break;
                    }
                }
                ';' if depth == 0 => {
                    end = k + 1;
                    break;
                }
                _ => {}
            }
        }
        let removed = &item[..end];
        let newlines = removed.matches('\n').count();
        test_lines += newlines + 1;
        out.extend(std::iter::repeat_n('\n', newlines));
        rest = &item[end..];
    }
    out.push_str(rest);
    (out, test_lines)
}

// ------------------------------------------------------------------ paths

/// Parses a path tree at `s[*i..]`: `a::b::{c, d::e, self}` gives
/// `[a b c] [a b d e] [a b self]`. Stops at anything else (`<`, `(`, …).
fn parse_tree(s: &[char], i: &mut usize) -> Vec<Vec<String>> {
    let skip_ws = |i: &mut usize| {
        while *i < s.len() && s[*i].is_whitespace() {
            *i += 1;
        }
    };
    skip_ws(i);
    if s.get(*i) == Some(&'{') {
        *i += 1;
        let mut all = Vec::new();
        loop {
            skip_ws(i);
            match s.get(*i) {
                None => break,
                Some('}') => {
                    *i += 1;
                    break;
                }
                Some(',') => *i += 1,
                _ => {
                    let before = *i;
                    all.extend(parse_tree(s, i));
                    if *i == before {
                        *i += 1; // not a path: step over it
                    }
                }
            }
        }
        return all;
    }
    let start = *i;
    while *i < s.len() && (s[*i].is_alphanumeric() || s[*i] == '_') {
        *i += 1;
    }
    if start == *i {
        return vec![Vec::new()]; // `*` or the end of the path
    }
    let seg: String = s[start..*i].iter().collect();
    let mut j = *i;
    while j < s.len() && s[j].is_whitespace() {
        j += 1;
    }
    if s.get(j) == Some(&':') && s.get(j + 1) == Some(&':') {
        *i = j + 2;
        let mut subs = parse_tree(s, i);
        for p in &mut subs {
            p.insert(0, seg.clone());
        }
        return subs;
    }
    vec![vec![seg]]
}

/// Every `crate::…`, `super::…` and `self::…` path in `code`, resolved from
/// module `here` to an absolute path, with its line number.
fn paths(code: &str, here: &[String]) -> Vec<(usize, ModPath)> {
    let s: Vec<char> = code.chars().collect();
    let mut found = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < s.len() {
        if s[i] == '\n' {
            line += 1;
        }
        let boundary = i == 0 || !(s[i - 1].is_alphanumeric() || s[i - 1] == '_');
        let word = ["crate", "super", "self"].into_iter().find(|w| {
            let w: Vec<char> = w.chars().collect();
            s[i..].starts_with(&w) && s[i + w.len()..].starts_with(&[':', ':'])
        });
        if let (true, Some(_)) = (boundary, word) {
            let mut j = i;
            let tree_line = line;
            for p in parse_tree(&s, &mut j) {
                if let Some(abs) = resolve(&p, here) {
                    found.push((tree_line, abs));
                }
            }
            line += s[i..j].iter().filter(|&&c| c == '\n').count();
            i = j.max(i + 1);
            continue;
        }
        i += 1;
    }
    found
}

/// `crate::a::b` → `[a b]`; `super::x` → the parent of `here` + `[x]`;
/// `self` segments inside a group are dropped.
fn resolve(p: &[String], here: &[String]) -> Option<ModPath> {
    let mut base: ModPath = match p.first()?.as_str() {
        "crate" => Vec::new(),
        "self" | "super" => here.to_vec(),
        _ => return None,
    };
    let mut rest = &p[1..];
    if p[0] == "super" {
        base.pop()?;
    }
    while rest.first().is_some_and(|s| s == "super") {
        base.pop()?;
        rest = &rest[1..];
    }
    base.extend(rest.iter().filter(|s| *s != "self").cloned());
    Some(base)
}

/// The edge `path` makes from module `from`: `(parent, from_child, to_child)`
/// where the two part, or None for ancestor/descendant uses.
fn edge(
    from: &[String],
    path: &[String],
    modules: &BTreeSet<ModPath>,
) -> Option<(ModPath, String, String)> {
    let to = (0..=path.len())
        .rev()
        .map(|n| &path[..n])
        .find(|p| p.is_empty() || modules.contains(*p))?;
    let common = from.iter().zip(to).take_while(|(a, b)| a == b).count();
    if common == from.len() || common == to.len() {
        return None;
    }
    Some((
        from[..common].to_vec(),
        from[common].clone(),
        to[common].clone(),
    ))
}

// ----------------------------------------------------------------- cycles

/// Every elementary cycle of a directed graph, each once, starting at its
/// smallest node: `[a, b, c]` means a → b → c → a.
fn cycles(edges: &BTreeSet<(String, String)>) -> Vec<Vec<String>> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (a, b) in edges {
        next.entry(a).or_default().push(b);
    }
    fn walk<'a>(
        start: &'a str,
        path: &mut Vec<&'a str>,
        next: &BTreeMap<&'a str, Vec<&'a str>>,
        out: &mut Vec<Vec<String>>,
    ) {
        let last = path[path.len() - 1];
        for &n in next.get(last).into_iter().flatten() {
            if n == start && path.len() > 1 {
                out.push(path.iter().map(|s| s.to_string()).collect());
            } else if n > start && !path.contains(&n) && out.len() < 1000 {
                path.push(n);
                walk(start, path, next, out);
                path.pop();
            }
        }
    }
    let mut out = Vec::new();
    for &start in next.keys() {
        walk(start, &mut vec![start], &next, &mut out);
    }
    out
}

// ------------------------------------------------------------- the crate

struct Crate {
    graph: Graph,
    /// Files over the limit, with their line count (test code aside).
    large: Vec<(String, usize)>,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// `src/a/b.rs` and `src/a/b/mod.rs` → `[a b]`; `src/lib.rs` → `[]`.
fn module_of(rel: &Path) -> ModPath {
    let mut m: ModPath = rel
        .iter()
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    let file = m.pop().unwrap();
    let stem = file.trim_end_matches(".rs");
    if !matches!(stem, "mod" | "lib" | "main") {
        m.push(stem.to_string());
    }
    m
}

fn scan(src: &Path) -> Crate {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let files: Vec<(PathBuf, ModPath)> = files
        .into_iter()
        .filter(|p| !p.ends_with("tests.rs") && !p.ends_with("testutil.rs"))
        .map(|p| {
            let m = module_of(p.strip_prefix(src).unwrap());
            (p, m)
        })
        .collect();
    let modules: BTreeSet<ModPath> = files.iter().map(|(_, m)| m.clone()).collect();
    let mut graph = Graph::new();
    let mut large = Vec::new();
    for (path, here) in &files {
        let text = fs::read_to_string(path).unwrap();
        let (code, test_lines) = strip_test_items(&strip_comments_and_strings(&text));
        let name = path
            .strip_prefix(src.parent().unwrap())
            .unwrap()
            .display()
            .to_string();
        let lines = text.lines().count().saturating_sub(test_lines);
        if lines > MAX_LINES {
            large.push((name.clone(), lines));
        }
        for (line, p) in paths(&code, here) {
            if let Some((parent, a, b)) = edge(here, &p, &modules) {
                let ev = (name.clone(), line, p.join("::"));
                graph.entry(parent).or_default().entry((a, b)).or_insert(ev);
            }
        }
    }
    Crate { graph, large }
}

/// The report of every broken rule; empty when all hold.
fn report(c: &Crate) -> String {
    let mut r = String::new();
    for (parent, edges) in &c.graph {
        let keys: BTreeSet<(String, String)> = edges.keys().cloned().collect();
        let place = if parent.is_empty() {
            "crate".to_string()
        } else {
            parent.join("/")
        };
        for cyc in cycles(&keys) {
            r += &format!("cycle in {place}: {} -> {}\n", cyc.join(" -> "), cyc[0]);
            for k in 0..cyc.len() {
                let (a, b) = (&cyc[k], &cyc[(k + 1) % cyc.len()]);
                let (file, line, path) = &edges[&(a.clone(), b.clone())];
                r += &format!("    {a} -> {b}: {file}:{line} uses {path}\n");
            }
        }
    }
    for (file, lines) in &c.large {
        r += &format!("file over {MAX_LINES} lines (test code aside): {file}: {lines}\n");
    }
    r
}

// ------------------------------------------------------------------ tests

#[test]
fn layers_have_no_cycles_and_files_are_small() {
    // LAYERS_SRC=/other/checkout/src checks another tree.
    let src = std::env::var_os("LAYERS_SRC")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let r = report(&scan(&src));
    assert!(r.is_empty(), "layering rules broken:\n{r}");
}

/// Always runs: the checker itself must see the crate (a checker that
/// finds no edges would pass vacuously).
#[test]
fn checker_sees_the_crate() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let c = scan(&src);
    let top = &c.graph[&Vec::new()];
    assert!(top.contains_key(&("transport".to_string(), "sys".to_string())));
    assert!(top.contains_key(&("engine".to_string(), "zmtp".to_string())));
    let socket = &c.graph[&vec!["socket".to_string()]];
    assert!(socket.contains_key(&("types".to_string(), "strategy".to_string())));
    println!("{}", report(&c));
}

fn set(edges: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    edges
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn cycle_finder_on_a_fake_graph() {
    let g = set(&[
        ("a", "b"),
        ("b", "c"),
        ("c", "a"),
        ("c", "d"),
        ("d", "e"),
        ("e", "d"),
        ("f", "a"),
        ("b", "a"),
    ]);
    let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(
        cycles(&g),
        vec![v(&["a", "b"]), v(&["a", "b", "c"]), v(&["d", "e"])]
    );
    assert!(cycles(&set(&[("a", "b"), ("b", "c"), ("a", "c")])).is_empty());
    assert!(cycles(&set(&[])).is_empty());
}

#[test]
fn paths_and_edges() {
    let s = |x: &[&str]| x.iter().map(|p| p.to_string()).collect::<ModPath>();
    let here = s(&["zmtp", "mechanism", "null"]);
    let code = strip_comments_and_strings(
        "use super::properties::{add, parse};\n\
         use crate::zmtp::{self, error::Error};\n\
         // use crate::ffi::x;\n\
         let s = \"crate::ffi::y\"; pub(super) fn f() {}\n\
         let t = super::super::codec::put($crate::msg::Msg::new());",
    );
    let (code, test_lines) = strip_test_items(&format!(
        "{code}\n#[cfg(test)]\nmod tests {{\n    use crate::ffi::z;\n}}\n"
    ));
    assert_eq!(test_lines, 4);
    let got: Vec<(usize, String)> = paths(&code, &here)
        .into_iter()
        .map(|(l, p)| (l, p.join("::")))
        .collect();
    let want = [
        (1, "zmtp::mechanism::properties::add"),
        (1, "zmtp::mechanism::properties::parse"),
        (2, "zmtp"),
        (2, "zmtp::error::Error"),
        (5, "zmtp::codec::put"),
        (5, "msg::Msg::new"),
    ];
    let want: Vec<(usize, String)> = want.iter().map(|(l, p)| (*l, p.to_string())).collect();
    assert_eq!(got, want);

    let modules: BTreeSet<ModPath> = [
        s(&["zmtp"]),
        s(&["zmtp", "codec"]),
        s(&["zmtp", "mechanism"]),
        s(&["zmtp", "mechanism", "null"]),
        s(&["msg"]),
    ]
    .into_iter()
    .collect();
    let e = |p: &[&str]| edge(&here, &s(p), &modules);
    // Ancestors are no edge; siblings part inside their parent.
    assert_eq!(e(&["zmtp", "mechanism", "Mechanism"]), None);
    assert_eq!(e(&["zmtp", "Config"]), None);
    let codec = Some((s(&["zmtp"]), "mechanism".to_string(), "codec".to_string()));
    assert_eq!(e(&["zmtp", "codec", "put"]), codec);
    let msg = Some((s(&[]), "zmtp".to_string(), "msg".to_string()));
    assert_eq!(e(&["msg", "Msg"]), msg);
    // A parent using its child is no edge either.
    assert_eq!(
        edge(&s(&["zmtp"]), &s(&["zmtp", "codec", "x"]), &modules),
        None
    );
}
