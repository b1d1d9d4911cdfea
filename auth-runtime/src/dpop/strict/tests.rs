use super::decode_object;
use base64::Engine;

fn segment(json: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

#[test]
fn distinct_members_at_every_depth_are_read() {
    let object = decode_object(&segment(r#"{"a":1,"b":{"c":[1,2.5,null,true]}}"#));
    assert_eq!(
        object.map(serde_json::Value::Object),
        Some(serde_json::json!({"a":1,"b":{"c":[1,2.5,null,true]}}))
    );
}

#[test]
fn a_repeated_member_is_refused_at_any_depth() {
    assert!(decode_object(&segment(r#"{"a":1,"a":2}"#)).is_none());
    assert!(decode_object(&segment(r#"{"jwk":{"x":"1","x":"2"}}"#)).is_none());
    assert!(decode_object(&segment(r#"{"l":[{"x":1,"x":1}]}"#)).is_none());
}

#[test]
fn anything_but_a_base64url_object_is_refused() {
    assert!(decode_object(&segment("[1]")).is_none());
    assert!(decode_object(&segment("\"s\"")).is_none());
    assert!(decode_object("e30=").is_none()); // padded
    assert!(decode_object("%%%").is_none());
    assert!(decode_object(&segment("{")).is_none());
}
