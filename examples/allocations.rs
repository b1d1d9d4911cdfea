//! Heap allocations per request: `cargo run --release -p auth-examples --example allocations`.
//!
//! The quickstart's `/api/public`, `/api/private`, `/api/private-scoped`
//! and `/api/private-step-up`, and three routes mounted here for the
//! measure (a claim check, a scope expression, and a route with both a
//! claim check and scopes), all with the same valid `Authorization:
//! Bearer` header (the protected ones served from the verified-token
//! cache), through Rocket's blocking local client on this thread, under a
//! counting global allocator: what the authentication and the route's
//! requirement allocate on a cached request beyond what Rocket allocates
//! for any request. Counts are exact and repeatable (no timing involved).
//!
//! `ALLOC_REQUESTS` sets the requests per route (default 10,000). Under
//! `valgrind --tool=callgrind` (see `bench/callgrind.sh`) each route's
//! requests run inside its own function (`measure_2_scoped`, ...), whose
//! inclusive instruction count divided by the requests is the route's cost.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

use auth_examples::Message;
use auth_runtime::testing::TestIssuer;
use auth_runtime::{requires_auth, requires_scope, Auth};
use rocket::http::{Header, Status};
use rocket::local::blocking::Client;
use rocket::serde::json::Json;

/// The system allocator, counting allocations and their bytes.
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        // SAFETY: the caller's contract is the system allocator's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` above, with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(new_size as u64, Ordering::Relaxed);
        // SAFETY: as for `alloc` and `dealloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The routes mounted here answer as the quickstart's public route does
/// (the same JSON body), so that they differ from it only by their
/// requirement; this one, open, is their control.
#[rocket::get("/public")]
fn control() -> Json<Message> {
    auth_examples::public()
}

/// A valid token alone, on a path as long as the next route's.
#[requires_auth]
#[rocket::get("/priv")]
fn private_twin() -> Json<Message> {
    auth_examples::public()
}

/// The quickstart's scope requirement, with the same body and a path as
/// long as the previous route's: the two differ only by the scope check.
/// (The quickstart's own `/api/private-scoped` answers a longer message on
/// a longer path than `/api/private`, which Rocket and serde pay for.)
#[requires_scope("read:messages")]
#[rocket::get("/scop")]
fn scoped_twin() -> Json<Message> {
    auth_examples::public()
}

/// A claim check alone (two checks: an equality and an inclusion).
#[requires_auth(claim_equals("org", "acme"), claim_includes("roles", "admin"))]
#[rocket::get("/claims")]
fn claim_checked() -> Json<Message> {
    auth_examples::public()
}

/// A scope expression over a token with many permissions.
#[requires_scope("read:messages", any("p:07", "p:99"))]
#[rocket::get("/scope-expression")]
fn scope_expression() -> Json<Message> {
    auth_examples::public()
}

/// Claim checks and scopes on one route.
#[requires_scope("read:messages", claim_equals("org", "acme"))]
#[rocket::get("/claims-and-scope")]
fn claims_and_scope() -> Json<Message> {
    auth_examples::public()
}

/// The routes measured, in order. Each protected route is compared with
/// the open route before it.
const ROUTES: [(&str, &str); 10] = [
    ("/api/public", "/api/public"),
    ("/api/private (cached)", "/api/private"),
    ("/api/private-scoped (cached)", "/api/private-scoped"),
    ("/api/private-step-up (cached)", "/api/private-step-up"),
    ("/alloc/public (control)", "/alloc/public"),
    ("/alloc/priv (cached)", "/alloc/priv"),
    ("/alloc/scop (cached)", "/alloc/scop"),
    ("/alloc/claims (cached)", "/alloc/claims"),
    (
        "/alloc/scope-expression (cached)",
        "/alloc/scope-expression",
    ),
    (
        "/alloc/claims-and-scope (cached)",
        "/alloc/claims-and-scope",
    ),
];
/// The open routes, each the control of the protected ones after it.
const CONTROLS: [usize; 2] = [0, 4];

/// Functions of their own per route, each making `requests` calls of
/// `call` on its route, so that callgrind's inclusive count of, say,
/// `allocations::measure_2_scoped` is that route's (warm-up excluded).
macro_rules! measured {
    ($($name:ident = $index:literal),* $(,)?) => {
        $(
            #[inline(never)]
            fn $name(call: &dyn Fn(&str), requests: u64) {
                for _ in 0..requests {
                    call(ROUTES[$index].1);
                }
            }
        )*
        /// The functions, in the order of [`ROUTES`].
        const MEASURED: [fn(&dyn Fn(&str), u64); ROUTES.len()] = [$($name),*];
    };
}

measured!(
    measure_0_public = 0,
    measure_1_private = 1,
    measure_2_scoped = 2,
    measure_3_step_up = 3,
    measure_4_control = 4,
    measure_5_priv = 5,
    measure_6_scop = 6,
    measure_7_claims = 7,
    measure_8_scope_expression = 8,
    measure_9_claims_and_scope = 9,
);

fn main() {
    let requests: u64 = std::env::var("ALLOC_REQUESTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let issuer = runtime
        .block_on(TestIssuer::start("https://quickstarts/api"))
        .expect("the development issuer");
    let config = issuer.config().build().expect("a configuration");
    let figment = rocket::Config::figment().merge(("log_level", "off"));
    let client = Client::tracked(
        auth_examples::rocket_with(rocket::custom(figment), Auth::new(config)).mount(
            "/alloc",
            rocket::routes![
                control,
                private_twin,
                scoped_twin,
                claim_checked,
                scope_expression,
                claims_and_scope
            ],
        ),
    )
    .expect("the quickstart ignites");
    // One token for every route (so that the header, and what Rocket
    // allocates for it, is the same): the scope, 30 permissions, a recent
    // multi-factor login, and the claims the checks read. The step-up
    // route accepts an `auth_time` of at most 300 s: the run takes seconds.
    let permissions: Vec<String> = (0..30).map(|n| format!("p:{n:02}")).collect();
    let token = issuer
        .token()
        .sub("dev-user")
        .scope("openid read:messages")
        .permissions(permissions.iter().map(String::as_str))
        .acr(auth_examples::MFA)
        .authenticated_ago(0)
        .claim("org", "acme")
        .claim("roles", ["user", "admin"])
        .build();
    let authorization = format!("Bearer {token}");
    let call = |path: &str| {
        let response = client
            .get(path)
            .header(Header::new("Authorization", authorization.clone()))
            .dispatch();
        assert_eq!(response.status(), Status::Ok, "{path}");
    };
    let per_request = |index: usize| {
        for _ in 0..100 {
            call(ROUTES[index].1); // warm: the key set fetched, the token cached
        }
        let (count, bytes) = (
            ALLOCATIONS.load(Ordering::Relaxed),
            BYTES.load(Ordering::Relaxed),
        );
        MEASURED[index](&call, requests);
        (
            (ALLOCATIONS.load(Ordering::Relaxed) - count) as f64 / requests as f64,
            (BYTES.load(Ordering::Relaxed) - bytes) as f64 / requests as f64,
        )
    };
    let counts: Vec<(f64, f64)> = (0..ROUTES.len()).map(per_request).collect();
    println!(
        "{:<34} {:>12} {:>12} {:>14}",
        "route (same header)", "allocations", "bytes", "auth's own"
    );
    // Rocket's share: the open route before it, with the same header. (No
    // two routes share a path: the linker folds functions whose code is
    // identical, which would merge their callgrind counts.)
    let mut control = counts[0];
    for (index, ((name, _), (count, bytes))) in ROUTES.iter().zip(counts).enumerate() {
        let own = if CONTROLS.contains(&index) {
            control = (count, bytes);
            String::new()
        } else {
            format!("{:.1}", count - control.0)
        };
        println!("{name:<34} {count:>12.1} {bytes:>12.0} {own:>14}");
    }
    println!(
        "auth's own: allocations of the route minus those of the open route above it, \
         same header; {requests} requests a route"
    );

    // A token verified in full on every request: a server without the
    // verified-token cache (what each first sight of a token costs).
    let uncached = Client::tracked(auth_examples::rocket_with(
        rocket::custom(rocket::Config::figment().merge(("log_level", "off"))),
        Auth::new(
            issuer
                .config()
                .token_cache_capacity(0)
                .build()
                .expect("a configuration"),
        ),
    ))
    .expect("the quickstart ignites");
    let full = |path: &str| count(&uncached, path, &authorization, requests);
    let (public, private, scoped) = (
        full("/api/public"),
        full("/api/private"),
        full("/api/private-scoped"),
    );
    println!();
    println!(
        "{:<34} {:>12} {:>12} {:>14}",
        "no token cache (same header)", "allocations", "bytes", "auth's own"
    );
    println!(
        "{:<34} {:>12.1} {:>12.0}",
        "/api/public", public.0, public.1
    );
    for (name, (count, bytes)) in [("/api/private", private), ("/api/private-scoped", scoped)] {
        let own = format!("{:.1}", count - public.0);
        println!("{name:<34} {count:>12.1} {bytes:>12.0} {own:>14}");
    }
}

/// Allocations and bytes per request of `path` on `client`, after a warm-up.
fn count(client: &Client, path: &str, authorization: &str, requests: u64) -> (f64, f64) {
    let call = || {
        let response = client
            .get(path)
            .header(Header::new("Authorization", authorization.to_owned()))
            .dispatch();
        assert_eq!(response.status(), Status::Ok, "{path}");
    };
    for _ in 0..100 {
        call();
    }
    let (before, bytes) = (
        ALLOCATIONS.load(Ordering::Relaxed),
        BYTES.load(Ordering::Relaxed),
    );
    for _ in 0..requests {
        call();
    }
    (
        (ALLOCATIONS.load(Ordering::Relaxed) - before) as f64 / requests as f64,
        (BYTES.load(Ordering::Relaxed) - bytes) as f64 / requests as f64,
    )
}
