//! Doc references: every document a source file or a doc names is a file in the repository,
//! and every section it cites there exists.
//!
//! Checked in `.rs` files, Markdown, the compatibility suite's Python and JavaScript, and the
//! scripts:
//! - a name ending in `.md` must be a file: relative to the citing file's folder, to the
//!   repository root, or in `docs/`;
//! - `docs/<name>.md §N` (or `§N.M`) needs a heading numbered `N` (`N.M`) in that file, and
//!   `docs/style.md rule N` a bold `Rule N.` there;
//! - documents outside the repository are never cited, by name or by section.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Names of documents that live outside the repository (split so this file passes itself).
const OUTSIDE: &[(&str, &str)] = &[
    ("SEMAN", "TICS"),
    ("REF", "DATA"),
    ("CLIENTS", ".md"),
    ("CLIENTS", " §"),
    ("DESIGN", ".md"),
    ("DESIGN", ":"),
    ("DESIGN", " \""),
    ("DESIGN", ", \""),
    ("STYLE", ".md"),
    ("STYLE", " rule"),
    ("API", ".md"),
    ("../sha", "red"),
];

/// Extensions of the files whose references are checked.
const CHECKED: &[&str] = &["rs", "md", "py", "js", "mjs", "ts", "sh"];

/// Every problem with the doc references under `root`.
pub(crate) fn check(root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let mut sections = SectionCache::default();
    for file in files(root) {
        let Ok(text) = fs::read_to_string(&file) else { continue };
        let relative = file.strip_prefix(root).unwrap_or(&file).display().to_string();
        for (number, line) in text.lines().enumerate() {
            let at = format!("{relative}:{}", number + 1);
            for (head, tail) in OUTSIDE {
                let name = [*head, *tail].concat();
                if line.contains(&name) {
                    problems.push(format!("{at}: cites `{name}`, a document outside the repository"));
                }
            }
            for (name, end) in md_names(line) {
                let Some(path) = resolve(root, &file, name) else {
                    problems.push(format!("{at}: `{name}` is not a file in the repository"));
                    continue;
                };
                let cited = cited_sections(&line[end..]);
                if !cited.is_empty() {
                    let known = sections.of(&path);
                    for section in cited.into_iter().filter(|section| !known.contains(section)) {
                        problems.push(format!("{at}: `{name}` has no section {section}"));
                    }
                }
            }
        }
    }
    problems
}

/// The `*.md` names in a line (runs of path characters ending in `.md`), each with the byte
/// offset where it ends.
fn md_names(line: &str) -> Vec<(&str, usize)> {
    let is_path = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/');
    let mut names = Vec::new();
    let mut rest = line;
    let mut offset = 0;
    while let Some(found) = rest.find(".md") {
        let end = offset + found + 3;
        let after = line[end..].chars().next();
        if after.is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_') {
            let start = line[..offset + found].rfind(|c: char| !is_path(c)).map_or(0, |at| at + 1);
            let name = line[start..end].trim_start_matches("./");
            if name.len() > 3 && !name.starts_with('.') {
                names.push((name, end));
            }
        }
        offset = end;
        rest = &line[end..];
    }
    names
}

/// Where a cited name is: beside the citing file, from the root, or in `docs/`.
fn resolve(root: &Path, file: &Path, name: &str) -> Option<PathBuf> {
    let beside = file.parent().map(|dir| dir.join(name));
    [beside, Some(root.join(name)), Some(root.join("docs").join(name))]
        .into_iter()
        .flatten()
        .find(|path| path.is_file())
}

/// The sections cited at the start of `after` (the text after a name): `§N.M` or `rule N`,
/// and any more joined to it by `,`, `and` or `-` (`§3, §4`, `§2.1-§2.4`, `rules 1 and 2` is
/// not a form the docs use).
fn cited_sections(after: &str) -> Vec<String> {
    let mut sections = Vec::new();
    let mut rest = after;
    while let Some((section, tail)) = cited_section(rest) {
        sections.push(section);
        let tail = tail.trim_start();
        let joined = [",", "and ", "-", "–"].iter().find_map(|joiner| tail.strip_prefix(joiner));
        match joined {
            Some(next) if next.trim_start().starts_with('§') => rest = next,
            _ => break,
        }
    }
    sections
}

/// The one section cited at the start of `after`, and the text after it.
fn cited_section(after: &str) -> Option<(String, &str)> {
    let after = after.trim_start();
    if let Some(rest) = after.strip_prefix('§') {
        number(rest.trim_start())
    } else if let Some(rest) = after.strip_prefix("rule ") {
        number(rest).map(|(n, tail)| (format!("rule {n}"), tail))
    } else {
        None
    }
}

/// A section number at the start of `text` (`2`, `2.11`, a trailing `.` left out), and the
/// text after it.
fn number(text: &str) -> Option<(String, &str)> {
    let len = text.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(text.len());
    let digits = text[..len].trim_end_matches('.');
    (!digits.is_empty()).then(|| (digits.to_owned(), &text[digits.len()..]))
}

/// The section numbers of each Markdown file, read once.
#[derive(Default)]
struct SectionCache {
    files: Vec<(PathBuf, BTreeSet<String>)>,
}

impl SectionCache {
    fn of(&mut self, path: &Path) -> &BTreeSet<String> {
        if let Some(index) = self.files.iter().position(|(known, _)| known == path) {
            return &self.files[index].1;
        }
        let text = fs::read_to_string(path).unwrap_or_default();
        self.files.push((path.to_path_buf(), sections(&text)));
        &self.files.last().expect("just pushed").1
    }
}

/// Headings numbered `N.` or `N.M` (`## 2. Orders`, `### 2.11 Close`), and bold `**Rule N.`.
fn sections(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let heading = line.trim_start_matches('#');
        if heading.len() < line.len() {
            let number: String = heading.trim_start().chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
            let number = number.trim_end_matches('.');
            if !number.is_empty() {
                found.insert(number.to_owned());
            }
        }
        if let Some(rest) = line.trim_start().strip_prefix("**Rule ") {
            let number: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if !number.is_empty() {
                found.insert(format!("rule {number}"));
            }
        }
    }
    found
}

fn files(root: &Path) -> Vec<PathBuf> {
    crate::tidy::walk(root, |path| {
        path.extension().is_some_and(|ext| CHECKED.iter().any(|checked| ext == *checked))
            || path.parent().and_then(Path::file_name).is_some_and(|name| name == "scripts" || name == ".ci")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_sections_are_read_from_a_line() {
        let names: Vec<&str> =
            md_names("see docs/api.md §2.11, ARCHITECTURE.md and `x.mdx`").iter().map(|n| n.0).collect();
        assert_eq!(names, ["docs/api.md", "ARCHITECTURE.md"]);
        assert_eq!(cited_sections(" §2.11.1)"), ["2.11.1"]);
        assert_eq!(cited_sections(" rule 15."), ["rule 15"]);
        assert_eq!(cited_sections(", then"), Vec::<String>::new());
        assert_eq!(cited_sections(" §3, §4), and §9 is elsewhere"), ["3", "4"]);
        assert_eq!(cited_sections(" §2.2–§2.4: batches"), ["2.2", "2.4"]);
        let text = "# Title\n## 2. Orders\n### 2.11 Close\n**Rule 7. One table.**\n";
        let expected: BTreeSet<String> = ["2", "2.11", "rule 7"].map(String::from).into();
        assert_eq!(sections(text), expected);
    }

    #[test]
    fn bad_references_are_found() {
        let root = std::env::temp_dir().join(format!("pmx-references-{}", std::process::id()));
        fs::create_dir_all(root.join("docs")).unwrap();
        fs::create_dir_all(root.join("crates/a/src")).unwrap();
        fs::write(root.join("docs/api.md"), "# API\n## 2. Orders\n### 2.1 Create\n").unwrap();
        let outside = [OUTSIDE[0].0, OUTSIDE[0].1, " §3"].concat();
        let missing = ["gone", ".md"].concat();
        let source = format!(
            "//! docs/api.md §2.1 is fine; docs/api.md §2, §9 is not.\n//! {missing} is missing; api.md is in docs.\n//! ({outside})\n"
        );
        fs::write(root.join("crates/a/src/lib.rs"), source).unwrap();
        let problems = check(&root);
        fs::remove_dir_all(&root).unwrap();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("`docs/api.md` has no section 9"), "{problems:?}");
        assert!(problems[1].contains(&format!("`{}` is not a file", ["gone", ".md"].concat())), "{problems:?}");
        assert!(problems[2].contains("outside the repository"), "{problems:?}");
    }
}
