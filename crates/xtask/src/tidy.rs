//! Tidy: cheap structural rules of the codebase, checked on every test run.
//!
//! - every non-test `.rs` file under `crates/` opens with a `//!` module doc;
//! - the pure crates (`types`, `codec`, `engine`) keep their own `clippy.toml`, which makes the
//!   compiler refuse floating point, randomly seeded hash maps, clocks, randomness, I/O and
//!   threads there; tidy checks only what clippy cannot: that those files keep their rules,
//!   that no `async fn` appears, and that the manifests name no runtime crates;
//! - no `todo!` or `unimplemented!` outside tests;
//! - the server's `clippy.toml` keeps refusing unbounded channels and the wall clock, and only
//!   `clock.rs` silences that (the one place the clock is read);
//! - every doc reference names a file of the repository and a section it has (`references`).

use std::fs;
use std::path::{Path, PathBuf};

/// The workspace root (two levels above this crate).
pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).expect("crates/xtask is two levels deep").to_path_buf()
}

/// Crates that must stay pure state machines.
const PURE_CRATES: &[&str] = &["types", "codec", "engine"];

/// Text that must not appear in the pure crates' sources (split so this file passes itself).
/// Clocks, floats, hash seeds and I/O are clippy's (`disallowed-types`, `disallowed-methods`).
const PURE_BANNED: &[(&str, &str)] = &[("as", "ync fn")];

/// What the pure crates' `clippy.toml` must keep disallowing: every rule it has.
const PURE_CLIPPY_RULES: &[&str] = &[
    "\"f32\"",
    "\"f64\"",
    "\"std::collections::HashMap\"",
    "\"std::collections::HashSet\"",
    "\"std::hash::RandomState\"",
    "\"std::time::Instant\"",
    "\"std::time::SystemTime\"",
    "\"std::fs::File\"",
    "\"std::net::TcpStream\"",
    "\"std::thread::JoinHandle\"",
    "\"std::time::Instant::now\"",
    "\"std::time::SystemTime::now\"",
    "\"std::hash::RandomState::new\"",
    "\"std::collections::HashMap::new\"",
    "\"std::collections::HashMap::with_capacity\"",
    "\"std::collections::HashSet::new\"",
    "\"std::collections::HashSet::with_capacity\"",
    "\"std::thread::spawn\"",
    "\"std::env::var\"",
    "\"std::fs::read\"",
    "\"std::fs::write\"",
    "\"std::fs::read_to_string\"",
];

/// What the server's `clippy.toml` must keep disallowing: unbounded queues, and the wall
/// clock outside `clock.rs`.
const SERVER_CLIPPY_RULES: &[&str] =
    &["\"std::sync::mpsc::channel\"", "\"tokio::sync::mpsc::unbounded_channel\"", "\"std::time::SystemTime::now\""];

/// Dependencies the pure crates' manifests may not name.
const PURE_BANNED_DEPS: &[&str] = &["tokio", "axum", "rand", "async", "futures"];

/// Runs every check; returns all problems found.
pub(crate) fn check(root: &Path) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    let crates = root.join("crates");
    for file in walk(&crates, |path| path.extension().is_some_and(|ext| ext == "rs")) {
        let text = fs::read_to_string(&file).unwrap_or_default();
        let relative = file.strip_prefix(root).unwrap_or(&file).display().to_string();
        let is_test = relative.contains("/tests/") || relative.contains("/benches/");
        if !is_test && !text.trim_start().starts_with("//!") {
            problems.push(format!("{relative}: missing `//!` module doc on the first line"));
        }
        let stub = ["todo", "!("].concat();
        let unimplemented = ["unimplemented", "!("].concat();
        if !is_test && (text.contains(&stub) || text.contains(&unimplemented)) {
            problems.push(format!("{relative}: stub macro in non-test code"));
        }
        let crate_name = relative.split('/').nth(1).unwrap_or_default();
        let silenced = ["clippy::disallowed", "_methods"].concat();
        if crate_name == "server"
            && relative.contains("/src/")
            && !relative.ends_with("/clock.rs")
            && text.contains(&silenced)
        {
            problems.push(format!("{relative}: silences the server's disallowed methods (only clock.rs may)"));
        }
        if PURE_CRATES.contains(&crate_name) && relative.contains("/src/") {
            for (head, tail) in PURE_BANNED {
                let banned = [*head, *tail].concat();
                if text.contains(&banned) {
                    problems.push(format!("{relative}: `{banned}` is not allowed in a pure crate"));
                }
            }
        }
    }
    let first = fs::read_to_string(crates.join(PURE_CRATES[0]).join("clippy.toml")).unwrap_or_default();
    for name in PURE_CRATES {
        let clippy = fs::read_to_string(crates.join(name).join("clippy.toml")).unwrap_or_default();
        if clippy != first {
            problems.push(format!("crates/{name}/clippy.toml: differs from crates/{}/clippy.toml", PURE_CRATES[0]));
        }
        for rule in PURE_CLIPPY_RULES {
            if !clippy.contains(rule) {
                problems.push(format!("crates/{name}/clippy.toml: no longer disallows {rule}"));
            }
        }
        let manifest = fs::read_to_string(crates.join(name).join("Cargo.toml")).unwrap_or_default();
        let dependencies = manifest.split("[dependencies]").nth(1).unwrap_or_default();
        let dependencies = dependencies.split("\n[").next().unwrap_or_default();
        for banned in PURE_BANNED_DEPS {
            if dependencies.lines().any(|line| line.trim_start().starts_with(banned)) {
                problems.push(format!("crates/{name}/Cargo.toml: depends on `{banned}`"));
            }
        }
    }
    let clippy = fs::read_to_string(crates.join("server").join("clippy.toml")).unwrap_or_default();
    for rule in SERVER_CLIPPY_RULES {
        if !clippy.contains(rule) {
            problems.push(format!("crates/server/clippy.toml: no longer disallows {rule}"));
        }
    }
    problems.extend(crate::references::check(root));
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

/// The files below `dir` that `keep` accepts, sorted, never entering `SKIPPED` folders.
pub(crate) fn walk(dir: &Path, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|name| !SKIPPED.iter().any(|skipped| name == *skipped)) {
                    stack.push(path);
                }
            } else if keep(&path) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Folders never walked: build output, installed packages, version control.
const SKIPPED: &[&str] = &["target", "node_modules", ".venv", "venv", ".git", "__pycache__"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_is_tidy() {
        if let Err(problems) = check(&workspace_root()) {
            panic!("tidy found problems:\n{}", problems.join("\n"));
        }
    }

    #[test]
    fn tidy_catches_a_missing_doc_an_async_fn_a_runtime_and_lost_clippy_rules() {
        let root = std::env::temp_dir().join(format!("pmx-tidy-{}", std::process::id()));
        let src = root.join("crates/engine/src");
        fs::create_dir_all(&src).unwrap();
        fs::write(root.join("crates/engine/Cargo.toml"), "[dependencies]\ntokio = \"1\"\n").unwrap();
        fs::write(src.join("lib.rs"), ["as", "ync fn f() {}"].concat()).unwrap();
        fs::write(root.join("crates/engine/clippy.toml"), "disallowed-types = [\"f64\"]\n").unwrap();
        let server = root.join("crates/server/src");
        fs::create_dir_all(&server).unwrap();
        let silenced = ["//! A file.\n#[expect(clippy::disallowed", "_methods, reason = \"\")]\nfn f() {}\n"].concat();
        fs::write(server.join("lib.rs"), &silenced).unwrap();
        fs::write(server.join("clock.rs"), &silenced).unwrap();
        let problems = check(&root).unwrap_err();
        fs::remove_dir_all(&root).unwrap();
        let count = |needle: &str| problems.iter().filter(|problem| problem.contains(needle)).count();
        assert_eq!(count("missing `//!`"), 1, "{problems:?}");
        assert_eq!(count("not allowed in a pure crate"), 1, "{problems:?}");
        assert_eq!(count("depends on `tokio`"), 1, "{problems:?}");
        // The engine's file lost all but one rule; the other pure crates and the server have no
        // clippy.toml at all.
        let expected = PURE_CRATES.len() * PURE_CLIPPY_RULES.len() - 1 + SERVER_CLIPPY_RULES.len();
        assert_eq!(count("clippy.toml: no longer disallows"), expected, "{problems:?}");
        // The engine's file is no longer the same as the others' (both missing).
        assert_eq!(count("differs from crates/types/clippy.toml"), 1, "{problems:?}");
        // Only clock.rs may silence the server's rules.
        assert_eq!(count("silences the server's disallowed methods"), 1, "{problems:?}");
        assert!(problems.iter().any(|problem| problem.starts_with("crates/server/src/lib.rs")), "{problems:?}");
    }
}
