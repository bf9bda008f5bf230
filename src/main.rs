//! The `countersign` command: a thin layer over the library.

fn main() {
    std::process::exit(countersign_cli::run());
}

#[path = "cli/mod.rs"]
mod countersign_cli;
