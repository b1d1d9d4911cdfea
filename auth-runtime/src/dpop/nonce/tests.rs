use super::*;

const WINDOW: Duration = Duration::from_secs(300);
const NOW: u64 = 1_700_000_000;

fn nonces(secret: &[u8]) -> Nonces {
    Nonces::from_secret(secret, WINDOW).unwrap()
}

#[test]
fn a_fresh_nonce_is_accepted_through_its_window() {
    let nonces = nonces(&[7; 32]);
    let nonce = nonces.issue(NOW);
    assert_eq!(nonce.len(), NONCE_CHARS);
    assert_eq!(nonces.check(&nonce, NOW), Ok(()));
    assert_eq!(nonces.check(&nonce, NOW + 300), Ok(()));
    assert_eq!(nonces.check(&nonce, NOW - CLOCK_SKEW_SECS), Ok(()));
}

#[test]
fn an_expired_or_far_future_nonce_is_use_dpop_nonce() {
    let nonces = nonces(&[7; 32]);
    let nonce = nonces.issue(NOW);
    assert_eq!(nonces.check(&nonce, NOW + 301), Err(DpopError::UseNonce));
    assert_eq!(
        nonces.check(&nonce, NOW - CLOCK_SKEW_SECS - 1),
        Err(DpopError::UseNonce)
    );
}

#[test]
fn instances_sharing_a_secret_accept_each_others_nonces() {
    let (a, b) = (nonces(&[7; 40]), nonces(&[7; 40]));
    assert_eq!(b.check(&a.issue(NOW), NOW + 1), Ok(()));
}

#[test]
fn a_nonce_from_another_secret_is_use_dpop_nonce() {
    let (a, b) = (nonces(&[7; 32]), nonces(&[8; 32]));
    assert_eq!(b.check(&a.issue(NOW), NOW), Err(DpopError::UseNonce));
    let (p, q) = (
        Nonces::per_process(WINDOW).unwrap(),
        Nonces::per_process(WINDOW).unwrap(),
    );
    assert!(p.is_per_process() && !a.is_per_process());
    assert_eq!(q.check(&p.issue(NOW), NOW), Err(DpopError::UseNonce));
}

#[test]
fn an_altered_nonce_is_use_dpop_nonce() {
    let nonces = nonces(&[7; 32]);
    let nonce = nonces.issue(NOW);
    for at in 0..nonce.len() {
        let mut altered = nonce.clone().into_bytes();
        if let Some(c) = altered.get_mut(at) {
            *c = if *c == b'A' { b'B' } else { b'A' };
        }
        let altered = String::from_utf8(altered).unwrap();
        assert_eq!(
            nonces.check(&altered, NOW),
            Err(DpopError::UseNonce),
            "at {at}"
        );
    }
}

#[test]
fn a_forged_stamp_is_use_dpop_nonce() {
    // A later stamp with the tag of an earlier one: the MAC covers it.
    let nonces = nonces(&[7; 32]);
    let old = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(nonces.issue(NOW - 1000))
        .unwrap();
    let mut forged = NOW.to_be_bytes().to_vec();
    forged.extend_from_slice(&old[STAMP_BYTES..]);
    let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(forged);
    assert_eq!(nonces.check(&forged, NOW), Err(DpopError::UseNonce));
}

#[test]
fn garbage_and_huge_nonces_are_use_dpop_nonce() {
    let nonces = nonces(&[7; 32]);
    let huge = "A".repeat(1 << 20);
    let wrong_len = "A".repeat(NONCE_CHARS + 1);
    let not_b64 = "!".repeat(NONCE_CHARS);
    let padded = format!("{}=", &nonces.issue(NOW)[..NONCE_CHARS - 1]);
    for bad in ["", "x", &huge, &wrong_len, &not_b64, &padded] {
        assert_eq!(nonces.check(bad, NOW), Err(DpopError::UseNonce));
    }
}

#[test]
fn a_short_secret_is_refused_naming_the_variable() {
    let error = Nonces::from_secret(&[1; 31], WINDOW).unwrap_err();
    assert_eq!(error, NonceSecretError::TooShort(31));
    let message = error.to_string();
    assert!(
        message.contains("AUTH_DPOP_NONCE_SECRET") && message.contains("32"),
        "{message}"
    );
    assert!(Nonces::from_secret(&[1; 32], WINDOW).is_ok());
}

#[test]
fn debug_shows_no_key() {
    let text = format!("{:?}", nonces(&[7; 32]));
    assert!(!text.contains("key"), "{text}");
    assert!(
        text.starts_with("Nonces") && text.contains("window_secs: 300"),
        "{text}"
    );
}
