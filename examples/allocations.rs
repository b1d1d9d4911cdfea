//! Heap allocations per request: `cargo run --release -p auth-examples --example allocations`.
//!
//! The quickstart's `/api/public`, `/api/private` and
//! `/api/private-scoped`, all with the same valid `Authorization: Bearer`
//! header (the protected ones served from the verified-token cache), through Rocket's blocking local client on this
//! thread, under a counting global allocator: what the authentication of a
//! cached request allocates beyond what Rocket allocates for any request.
//! Counts are exact and repeatable (no timing involved).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

use auth_runtime::testing::TestIssuer;
use auth_runtime::Auth;
use rocket::http::{Header, Status};
use rocket::local::blocking::Client;

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

const REQUESTS: u64 = 10_000;

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let issuer = runtime
        .block_on(TestIssuer::start("https://quickstarts/api"))
        .expect("the development issuer");
    let config = issuer.config().build().expect("a configuration");
    let figment = rocket::Config::figment().merge(("log_level", "off"));
    let client = Client::tracked(auth_examples::rocket_with(
        rocket::custom(figment),
        Auth::new(config),
    ))
    .expect("the quickstart ignites");
    let authorization = format!("Bearer {}", issuer.token().scope("read:messages").build());
    let per_request = |path: &str| {
        let call = || {
            let response = client
                .get(path)
                .header(Header::new("Authorization", authorization.clone()))
                .dispatch();
            assert_eq!(response.status(), Status::Ok, "{path}");
        };
        for _ in 0..100 {
            call(); // warm: the key set fetched, the token cached
        }
        let (count, bytes) = (
            ALLOCATIONS.load(Ordering::Relaxed),
            BYTES.load(Ordering::Relaxed),
        );
        for _ in 0..REQUESTS {
            call();
        }
        (
            (ALLOCATIONS.load(Ordering::Relaxed) - count) as f64 / REQUESTS as f64,
            (BYTES.load(Ordering::Relaxed) - bytes) as f64 / REQUESTS as f64,
        )
    };
    let public = per_request("/api/public");
    let private = per_request("/api/private");
    let scoped = per_request("/api/private-scoped");
    println!(
        "{:<34} {:>12} {:>12}",
        "route (same header)", "allocations", "bytes"
    );
    for (name, (count, bytes)) in [
        ("/api/public", public),
        ("/api/private (cached)", private),
        ("/api/private-scoped (cached)", scoped),
    ] {
        println!("{name:<34} {count:>12.1} {bytes:>12.0}");
    }
    println!(
        "{:<34} {:>12.1} {:>12.0}",
        "authentication's own",
        private.0 - public.0,
        private.1 - public.1
    );
}
