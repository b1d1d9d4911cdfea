use auth_runtime::requires_scope;

#[requires_scope("read:messages")]
fn private_scoped() -> &'static str {
    "scoped"
}

fn main() {
    let _ = private_scoped();
}
