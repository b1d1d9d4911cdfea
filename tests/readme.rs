//! The README's examples, as a newcomer pastes them: a new crate outside
//! the workspace, with exactly the dependencies "Using it" lists (no
//! feature of the workspace's own), whose `src/main.rs` is the first
//! example, `src/more.rs` the "Routes that ask for more" one, and
//! `tests/readme.rs` the "Testing your own routes" one, built and tested
//! with cargo. The README cannot drift from what compiles and passes.
//!
//! `auth-runtime` is the workspace's (a path dependency in place of the
//! registry's), the versions of everything else those of the workspace's
//! `Cargo.lock` (what the README's lines add, such as Rocket's default
//! features, comes from crates.io), and the build shares trybuild's target folder (built
//! before, by `tests/ui.rs`, with the same dependency graph).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The fenced blocks of `markdown` whose info string is exactly `lang`
/// (so `rust,ignore` and `rust,no_run` are not `rust`), each with the
/// heading above it.
fn blocks<'a>(markdown: &'a str, lang: &str) -> Vec<(&'a str, String)> {
    let mut found = Vec::new();
    let mut heading = "";
    let mut lines = markdown.lines();
    while let Some(line) = lines.next() {
        if let Some(title) = line.strip_prefix("## ") {
            heading = title;
        }
        let Some(info) = line.strip_prefix("```") else {
            continue;
        };
        let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
        if info == lang || (lang == "rust" && info == "rust,no_run") {
            found.push((heading, body.join("\n") + "\n"));
        }
    }
    found
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_path_buf()
}

#[test]
fn the_readmes_examples_build_and_pass_in_a_new_crate() {
    let root = root();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let toml = blocks(&readme, "toml");
    let (_, using) = toml
        .iter()
        .find(|(heading, _)| *heading == "Using it")
        .expect("a toml block under Using it");
    let rust = blocks(&readme, "rust");
    let under = |wanted: &str| {
        rust.iter()
            .find(|(heading, _)| *heading == wanted)
            .map(|(_, body)| body.clone())
            .unwrap_or_else(|| panic!("a rust block under {wanted}"))
    };
    let (first_heading, main) = rust.first().expect("a first example").clone();
    assert_eq!(first_heading, "", "the first example opens the README");
    let more = under("Routes that ask for more");
    let test = under("Testing your own routes");

    // The crate, as `cargo new` would make it, with the README's lines.
    let runtime = root.join("auth-runtime");
    let dependencies = using
        .replace(
            "auth-runtime = \"0.1\"",
            &format!("auth-runtime = {{ path = {:?} }}", runtime),
        )
        .replace(
            "auth-runtime = { version = \"0.1\", features = [\"testing\"] }",
            &format!(
                "auth-runtime = {{ path = {:?}, features = [\"testing\"] }}",
                runtime
            ),
        );
    assert!(
        !dependencies.contains("\"0.1\""),
        "every auth-runtime line of Using it was replaced: {dependencies}"
    );
    let dir = root.join("target/tests/readme-crate");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"readme-crate\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\
             publish = false\n\n{dependencies}\n[workspace]\n"
        ),
    )
    .unwrap();
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    std::fs::write(dir.join("src/main.rs"), format!("{main}\nmod more;\n")).unwrap();
    std::fs::write(dir.join("src/more.rs"), more).unwrap();
    std::fs::write(dir.join("tests/readme.rs"), test).unwrap();

    let output = Command::new(env!("CARGO"))
        .args(["test", "--quiet"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", root.join("target/tests/trybuild"))
        // The README's crate allows what a new crate's defaults allow.
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the README's crate does not build or its test fails:\n{stderr}\n{stdout}"
    );
    assert!(
        stdout.contains("test me_answers_the_tokens_subject ... ok") || stdout.contains("1 passed"),
        "the README's test ran: {stdout}"
    );
}
