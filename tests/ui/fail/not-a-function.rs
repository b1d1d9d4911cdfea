use auth_runtime::{requires_auth, requires_scope};

#[requires_auth]
struct Private;

#[requires_scope("read:messages")]
const SCOPED: u8 = 1;

fn main() {
    let _ = (Private, SCOPED);
}
