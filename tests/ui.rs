//! Compile tests of the attributes: what must compile, and the error each
//! misuse gets. Refresh the `.stderr` snapshots with `TRYBUILD=overwrite`
//! (see the README); they are made with the toolchain `rust-toolchain.toml` pins.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/pass/*.rs");
    cases.compile_fail("ui/fail/*.rs");
}
