//! Repository tooling. `cargo run -p xtask -- tidy` runs the tidy checks; they also run as
//! unit tests with `cargo test`, so CI enforces them.

mod references;
mod tidy;

fn main() {
    let task = std::env::args().nth(1);
    match task.as_deref() {
        Some("tidy") => match tidy::check(&tidy::workspace_root()) {
            Ok(()) => println!("tidy: ok"),
            Err(problems) => {
                for problem in &problems {
                    eprintln!("tidy: {problem}");
                }
                std::process::exit(1);
            }
        },
        _ => {
            eprintln!("usage: cargo run -p xtask -- tidy");
            std::process::exit(2);
        }
    }
}
