//! The C boundary stays thin (STYLE.md, "The C boundary"): every exported
//! `extern "C"` function in `src/ffi/` is a shim — validate pointers,
//! convert arguments, call one safe function, map the result — so its body
//! holds at most [`MAX_SHIM_LINES`] lines of code (comments, blank lines
//! and the signature aside). Logic belongs below `src/ffi/`.

use std::path::Path;

const MAX_SHIM_LINES: usize = 15;

/// (file, line, name, code lines) of every exported function in `text`.
fn shims(file: &str, text: &str) -> Vec<(String, usize, String, usize)> {
    // Test code is not exported.
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i].trim_start();
        let exported =
            l.starts_with("pub unsafe extern \"C\" fn ") || l.starts_with("pub extern \"C\" fn ");
        if !exported {
            i += 1;
            continue;
        }
        let name = l
            .split("fn ")
            .nth(1)
            .and_then(|s| s.split('(').next())
            .unwrap_or("?")
            .to_string();
        // The body starts after the line that ends the signature.
        let mut j = i;
        while !lines[j].trim_end().ends_with('{') {
            j += 1;
        }
        let mut depth = 0i32;
        let mut code = 0;
        let mut k = j;
        loop {
            let t = lines[k].trim();
            depth += t.matches('{').count() as i32 - t.matches('}').count() as i32;
            if k > j && depth > 0 && !t.is_empty() && !t.starts_with("//") {
                code += 1;
            }
            if depth == 0 {
                break;
            }
            k += 1;
        }
        out.push((file.to_string(), i + 1, name, code));
        i = k + 1;
    }
    out
}

#[test]
fn exported_functions_are_thin_shims() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ffi");
    let mut all = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "rs") {
            let text = std::fs::read_to_string(&p).unwrap();
            all.extend(shims(&p.display().to_string(), &text));
        }
    }
    // Every `#[no_mangle]` function of src/ffi/ (97 today) is seen.
    assert!(
        all.len() >= 90,
        "found only {} exported functions",
        all.len()
    );
    let fat: Vec<String> = all
        .iter()
        .filter(|s| s.3 > MAX_SHIM_LINES)
        .map(|(f, l, n, c)| format!("{f}:{l} {n}: {c} lines"))
        .collect();
    assert!(
        fat.is_empty(),
        "exported functions over {MAX_SHIM_LINES} lines of code (move the logic below src/ffi/):\n{}",
        fat.join("\n")
    );
}

#[test]
fn shim_counter_counts_code_lines_only() {
    let src = "#[no_mangle]\npub unsafe extern \"C\" fn zmq_x(\n    a: c_int,\n) -> c_int {\n    guard(\"zmq_x\", -1, || {\n        // SAFETY: a comment\n\n        Ok(a)\n    })\n}\n";
    let s = shims("f.rs", src);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].2, "zmq_x");
    // guard( ... Ok(a) ... })  — the closing brace of the fn is not counted.
    assert_eq!(s[0].3, 3);
}
