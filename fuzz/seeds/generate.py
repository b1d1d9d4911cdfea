#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (fuzz/seeds/<target>/).

Run from anywhere: python3 fuzz/seeds/generate.py. Deterministic but for the
key material (fresh keys each run), so rerunning changes key_set_json seeds.
Needs the `cryptography` package for real RSA, EC and Ed25519 public keys.
"""
import base64
import hashlib
import hmac
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
SECRET = bytes([7] * 64)  # fuzz/src/lib.rs SECRET
ISSUER = "https://fuzz.example/"
AUDIENCE = "https://fuzz.example/api"
FAR = 4102444800  # 2100-01-01


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def write(target: str, seeds: list) -> None:
    folder = os.path.join(HERE, target)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    for seed in seeds:
        data = seed if isinstance(seed, bytes) else seed.encode()
        name = hashlib.sha1(data).hexdigest()[:16]
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)


def raw(token: str) -> bytes:
    """A token_from_input in the raw form."""
    return b"\x00" + token.encode()


def built(header, payload, mode: int = 1) -> bytes:
    """A token_from_input in the built form: mode 1 HS256, 3 HS384, 5 HS512."""
    enc = lambda v: v if isinstance(v, bytes) else json.dumps(v, separators=(",", ":")).encode()
    if header is None:
        return bytes([mode]) + enc(payload)
    return bytes([mode]) + enc(header) + b"\xff" + enc(payload)


def signed(header: dict, payload: dict, digest=hashlib.sha256) -> str:
    signing_input = b64(json.dumps(header).encode()) + "." + b64(json.dumps(payload).encode())
    mac = hmac.new(SECRET, signing_input.encode(), digest).digest()
    return signing_input + "." + b64(mac)


GOOD = {"iss": ISSUER, "aud": AUDIENCE, "exp": FAR, "iat": 1700000000, "sub": "alice",
        "scope": "openid read:messages", "permissions": ["write:messages"]}

write("header_to_token", [
    "Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln", "bearer  abc", "BEARER\tabc\r\n", "Basic dXNlcjpwYXNz",
    "Bearer", "Bearer a b", "", "  \t ", "Bearer\u00a0abc", "Bearer abc\u2003def", "Bearerx abc",
    "Token abc", "Bearer " + "A" * 64,
])

headers = [
    {"alg": "RS256", "kid": "k1", "typ": "at+jwt"}, {"alg": "ES256", "typ": "application/AT+JWT"},
    {"alg": "EdDSA", "kid": 5}, {"alg": "none"}, {"alg": "HS256", "crit": ["exp"]}, {"kid": "k"},
    {"alg": "PS512", "typ": "JWT", "jku": "https://x/"},
]
write("token_structure", [
    raw("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJodHRwczovL2kvIn0.c2ln"),
    raw("e30.e30.e30"), raw("a.b"), raw("...."), raw("eyJhbGciOiJIUzI1NiJ9"),
    *[built(h, {"iss": ISSUER}) for h in headers],
    built(b'{"alg":"RS256","alg":"HS256"}', {"iss": ISSUER}),
    built(b'{"alg":"RS256","kid":"a","kid":"b"}', {}),
    built({"alg": "RS256"}, b'{"iss":"a","iss":"b"}'),
    built({"alg": "RS256"}, {"iss": ["https://a/", "https://b/"]}),
    built({"alg": "RS256"}, b'["https://a/"]'),
    built(None, {"iss": None}), built(None, b"null"),
    built({"alg": "RS256", "typ": "apPlication/AT+JWT"}, {}),  # a finding, fixed
])


def keys() -> list:
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    from cryptography.hazmat.primitives import serialization

    def num(n: int, size: int) -> str:
        return b64(n.to_bytes(size, "big"))

    r = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key().public_numbers()
    rsa_jwk = {"kty": "RSA", "kid": "rsa", "use": "sig", "n": num(r.n, 256), "e": "AQAB"}
    p256 = ec.generate_private_key(ec.SECP256R1()).public_key().public_numbers()
    p384 = ec.generate_private_key(ec.SECP384R1()).public_key().public_numbers()
    ed = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return [
        rsa_jwk,
        {"kty": "EC", "kid": "p256", "crv": "P-256", "x": num(p256.x, 32), "y": num(p256.y, 32)},
        {"kty": "EC", "kid": "p384", "alg": "ES384", "crv": "P-384", "x": num(p384.x, 48), "y": num(p384.y, 48)},
        {"kty": "OKP", "kid": "ed", "crv": "Ed25519", "x": b64(ed), "key_ops": ["verify"]},
    ]


real = keys()
rsa_jwk = real[0]
write("key_set_json", [
    json.dumps({"keys": real}),
    json.dumps({"keys": [dict(rsa_jwk, alg="PS256")]}),
    json.dumps({"keys": [{k: v for k, v in rsa_jwk.items() if k != "kid"}]}),
    json.dumps({"keys": [rsa_jwk, dict(real[1], kid="rsa")]}),
    json.dumps({"keys": [dict(rsa_jwk, use="enc"), dict(rsa_jwk, kid="ops", key_ops=["sign"]),
                         {"kty": "oct", "kid": "h", "k": "c2VjcmV0"},
                         {"kty": "EC", "kid": "p521", "crv": "P-521", "x": "AA", "y": "AA"},
                         {"kty": "RSA", "kid": "hs", "alg": "HS256", "n": "sXch", "e": "AQAB"},
                         {"kty": "XYZ"}, {"kid": "nokty"}]}),
    '{"keys":[]}', '{"keys":{}}', '{"keys":[1,"a",null]}', "[]", "<html>",
    '{"keys":[],"keys":[]}',
])

write("validate_token", [
    built(None, GOOD), built(None, GOOD, 3), built(None, GOOD, 5),
    built({"alg": "HS256", "typ": "at+jwt", "kid": "k"}, dict(GOOD, aud=["other", AUDIENCE])),
    built(None, {k: v for k, v in GOOD.items() if k != "exp"}),
    built(None, {k: v for k, v in GOOD.items() if k not in ("exp", "aud")}),
    built(None, dict(GOOD, exp=1000000000)), built(None, dict(GOOD, nbf=FAR)),
    built(None, dict(GOOD, iat=FAR)), built(None, dict(GOOD, iat="soon")),
    built(None, dict(GOOD, exp="never")), built(None, dict(GOOD, iss=[ISSUER])),
    built(None, dict(GOOD, aud="other")), built(None, dict(GOOD, exp=4102444800.5, scp=["a b", 3])),
    built({"alg": "HS384"}, GOOD, 1), built({"alg": "RS256"}, GOOD),
    built(None, b'{"iss":"https://fuzz.example/","iss":"x"}'),
    raw(signed({"alg": "HS256"}, GOOD)), raw(signed({"alg": "HS512"}, GOOD, hashlib.sha512)),
    raw("a.b.c"), raw(""),
])
DPOP_TOKEN = "fuzz-access-token"  # fuzz_targets/dpop_proof.rs TOKEN
NOW = 1800000000  # its NOW
ATH = b64(hashlib.sha256(DPOP_TOKEN.encode()).digest())
CLAIMS = {"jti": "j-1", "htm": "GET", "htu": "https://api.fuzz.example/orders", "iat": NOW, "ath": ATH}
write("dpop_proof", [
    built({}, CLAIMS), built(None, CLAIMS), built({}, dict(CLAIMS, nonce="@issued"), 3),
    built({}, CLAIMS, 3),
    built({"typ": "application/DPoP+JWT"}, dict(CLAIMS, htu="HTTPS://API.FUZZ.EXAMPLE:443/%6Frders#x")),
    built({"alg": "RS256"}, CLAIMS), built({"alg": "HS256"}, CLAIMS), built({"crit": ["x"]}, CLAIMS),
    built({"jwk": {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA", "d": "AA"}}, CLAIMS),
    built({"jwk": {"kty": "oct", "k": "AA"}}, CLAIMS), built({"typ": "JWT"}, CLAIMS),
    built({}, dict(CLAIMS, iat=NOW - 301)), built({}, dict(CLAIMS, iat=NOW + 30.5)),
    built({}, dict(CLAIMS, jti="j" * 513)), built({}, dict(CLAIMS, ath="x")),
    built({}, {k: v for k, v in CLAIMS.items() if k != "ath"}),
    built({}, b'{"jti":"a","jti":"b"}'),
    raw("https://a.example/%7e/./b/../c%2f%41?x#y"), raw("http://[::1]:80/a"), raw("HTTPS://A.EXAMPLE:443"),
    raw("eyJ0eXAiOiJkcG9wK2p3dCJ9.e30.c2ln"), raw("a.b.c.d"), raw("..."),
    raw("https://a.example/%4tps://a.example/%4%41?x"),  # a finding, fixed
    built({}, dict(CLAIMS, htu="https://api.fuzz.example/%%34%41")),
])
print("seeds written under", HERE)
