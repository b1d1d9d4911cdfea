//! The spans of the `tracing` feature (`telemetry/spans.rs`), read back
//! through a recording subscriber.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jsonwebtoken::Algorithm;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

use crate::config::{AuthConfig, HmacSecret};
use crate::testing::{KeySetServer, SigningKey, TokenBuilder};
use crate::validator::{IssuerRouter, RequestParts};

const AUDIENCE: &str = "https://api.example/";
const SECRET: &[u8] = b"the issuer's shared secret, 32 b";

/// A span as recorded: its name and its fields' values.
#[derive(Debug, Clone)]
struct Recorded {
    name: &'static str,
    fields: BTreeMap<String, String>,
}

/// Records every span and its fields (a test's subscriber).
#[derive(Clone, Default)]
struct Recorder {
    spans: Arc<Mutex<Vec<Recorded>>>,
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attributes: &Attributes<'_>) -> Id {
        let mut spans = self.spans.lock().unwrap();
        let mut fields = BTreeMap::new();
        attributes.record(&mut Fields(&mut fields));
        spans.push(Recorded {
            name: attributes.metadata().name(),
            fields,
        });
        Id::from_u64(spans.len() as u64)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut spans = self.spans.lock().unwrap();
        let index = usize::try_from(span.into_u64()).unwrap() - 1;
        values.record(&mut Fields(&mut spans[index].fields));
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

impl Recorder {
    fn named(&self, name: &str) -> Vec<Recorded> {
        let spans = self.spans.lock().unwrap();
        spans
            .iter()
            .filter(|span| span.name == name)
            .cloned()
            .collect()
    }
}

fn router() -> IssuerRouter {
    let config = AuthConfig::builder("https://issuer.example/", AUDIENCE)
        .shared_secret(HmacSecret::raw(SECRET))
        .build()
        .unwrap();
    IssuerRouter::new([config]).unwrap()
}

fn token() -> String {
    let key = SigningKey::from_secret("k", Algorithm::HS256, SECRET).unwrap();
    TokenBuilder::new(Arc::new(key))
        .issuer("https://issuer.example/")
        .audience(AUDIENCE)
        .sub("user-42")
        .build()
}

async fn authorize(router: &IssuerRouter, header: &str) -> bool {
    let parts = RequestParts::new("GET", None).authorization(header);
    router.authorize_request(&parts).await.is_ok()
}

#[tokio::test]
async fn an_authentication_span_records_issuer_outcome_and_duration_and_never_the_token() {
    let recorder = Recorder::default();
    let _default = tracing::subscriber::set_default(recorder.clone());
    let router = router();
    let token = token();
    assert!(authorize(&router, &format!("Bearer {token}")).await);
    assert!(!authorize(&router, &format!("Bearer {token}x")).await);
    assert!(!authorize(&router, "").await);

    let spans = recorder.named("auth.authenticate");
    assert_eq!(spans.len(), 3, "{spans:?}");
    let ok = &spans[0].fields;
    assert_eq!(ok["outcome"], "ok");
    assert_eq!(ok["issuer"], "https://issuer.example/");
    assert!(ok["duration_ms"].parse::<f64>().unwrap() >= 0.0);
    assert_eq!(spans[1].fields["outcome"], "invalid_header");
    assert!(
        !spans[1].fields.contains_key("issuer"),
        "no issuer for a refused token"
    );
    assert_eq!(spans[2].fields["outcome"], "authorization_header_missing");
    for span in &spans {
        for value in span.fields.values() {
            assert!(!value.contains(&token[20..]), "a token in {span:?}");
            assert!(!value.contains("user-42"), "a subject in {span:?}");
        }
    }
}

#[tokio::test]
async fn a_key_set_fetch_has_its_span_with_the_issuer_and_outcome() {
    let recorder = Recorder::default();
    let _default = tracing::subscriber::set_default(recorder.clone());
    let key = SigningKey::generate_ec("k1");
    let server = KeySetServer::start(&[&key]).await;
    let config = server.config(AUDIENCE).build().unwrap();
    let router = IssuerRouter::new([config]).unwrap();
    let token = TokenBuilder::new(Arc::new(key))
        .issuer(&server.issuer())
        .audience(AUDIENCE)
        .build();
    assert!(authorize(&router, &format!("Bearer {token}")).await);

    let fetches = recorder.named("auth.jwks_fetch");
    assert_eq!(fetches.len(), 1, "{fetches:?}");
    assert_eq!(fetches[0].fields["issuer"], server.issuer());
    assert_eq!(fetches[0].fields["outcome"], "ok");
    assert!(fetches[0].fields.contains_key("duration_ms"));
}

#[tokio::test]
async fn an_introspection_call_has_its_span_naming_the_endpoint_without_its_query() {
    let recorder = Recorder::default();
    let _default = tracing::subscriber::set_default(recorder.clone());
    // Nothing listens on port 9: the call fails at once.
    let config = AuthConfig::builder("https://issuer.example/", AUDIENCE)
        .shared_secret(HmacSecret::raw(SECRET))
        .introspection_url("http://127.0.0.1:9/introspect?key=k")
        .client_id("api")
        .client_secret("secret")
        .fetch_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let router = IssuerRouter::new([config]).unwrap();
    assert!(!authorize(&router, "Bearer an-opaque-token").await);

    let calls = recorder.named("auth.introspection");
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].fields["endpoint"], "http://127.0.0.1:9/introspect");
    assert_eq!(calls[0].fields["outcome"], "error");
}

#[test]
fn a_span_dropped_before_its_end_records_cancelled() {
    let recorder = Recorder::default();
    let _default = tracing::subscriber::set_default(recorder.clone());
    drop(crate::telemetry::Traced::authentication());
    crate::telemetry::Traced::authentication().finish("ok");
    let spans = recorder.named("auth.authenticate");
    assert_eq!(spans[0].fields["outcome"], "cancelled");
    assert_eq!(spans[1].fields["outcome"], "ok");
}
