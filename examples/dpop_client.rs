//! A DPoP client (RFC 9449) for the running quickstart: `cargo run
//! --example dpop_client -- <base-url> <bound-token> <key-pem-file>`, as
//! the quickstart's development mode prints it.
//!
//! curl cannot sign proofs, so this client does what a DPoP client library
//! does: each request carries a fresh proof signed by the key the token is
//! bound to (`htm`, `htu`, `iat`, a unique `jti`, `ath`, and the server's
//! nonce when it asks for one). It then shows what the quickstart refuses:
//! the same proof sent again (a replay), and the bound token sent as a plain
//! `Bearer` token (as a thief who copied it would). It prints each answer,
//! and exits with 1 when one is not the expected one.

use auth_runtime::testing::DpopKey;
use reqwest::header::HeaderMap;

type Error = Box<dyn std::error::Error>;

/// What one call answered.
struct Answer {
    status: u16,
    challenges: Vec<String>,
    nonce: Option<String>,
    body: String,
}

impl Answer {
    async fn from(response: reqwest::Response) -> Result<Answer, Error> {
        let headers: &HeaderMap = response.headers();
        let challenges = headers
            .get_all("WWW-Authenticate")
            .iter()
            .filter_map(|value| value.to_str().ok().map(str::to_owned))
            .collect();
        let nonce = headers
            .get("DPoP-Nonce")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        Ok(Answer {
            status: response.status().as_u16(),
            challenges,
            nonce,
            body: response.text().await?,
        })
    }

    fn asks_for_a_nonce(&self) -> bool {
        self.status == 401
            && self
                .challenges
                .iter()
                .any(|challenge| challenge.contains(r#"error="use_dpop_nonce""#))
    }

    fn print(&self, what: &str) {
        println!("{what}\n  -> {} {}", self.status, self.body);
        for challenge in &self.challenges {
            println!("     WWW-Authenticate: {challenge}");
        }
        if let Some(nonce) = &self.nonce {
            println!("     DPoP-Nonce: {nonce}");
        }
    }
}

struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
    key: DpopKey,
    /// The server's latest nonce, for the next proof.
    nonce: Option<String>,
}

impl Client {
    /// A fresh proof for GET `path`.
    fn proof(&self, path: &str) -> String {
        let mut proof = self
            .key
            .proof("GET", &format!("{}{path}", self.base))
            .access_token(&self.token);
        if let Some(nonce) = &self.nonce {
            proof = proof.nonce(nonce);
        }
        proof.build()
    }

    /// GET `path` with `Authorization: <scheme> <token>`, and `proof` as
    /// the `DPoP` header when given.
    async fn get(
        &mut self,
        path: &str,
        scheme: &str,
        proof: Option<&str>,
    ) -> Result<Answer, Error> {
        let mut request = self
            .http
            .get(format!("{}{path}", self.base))
            .header("Authorization", format!("{scheme} {}", self.token));
        if let Some(proof) = proof {
            request = request.header("DPoP", proof);
        }
        let answer = Answer::from(request.send().await?).await?;
        if answer.nonce.is_some() {
            self.nonce.clone_from(&answer.nonce);
        }
        Ok(answer)
    }

    /// GET `path` with a fresh proof, and once more with the server's nonce
    /// when it asks for one (`use_dpop_nonce`). Returns the last proof sent.
    async fn get_with_proof(&mut self, path: &str) -> Result<(Answer, String), Error> {
        let proof = self.proof(path);
        let answer = self.get(path, "DPoP", Some(&proof)).await?;
        if !answer.asks_for_a_nonce() {
            return Ok((answer, proof));
        }
        answer.print(&format!(
            "GET {path} with a DPoP proof without the server's nonce"
        ));
        let proof = self.proof(path);
        let answer = self.get(path, "DPoP", Some(&proof)).await?;
        Ok((answer, proof))
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [base, token, key_file] = args.as_slice() else {
        eprintln!(
            "usage: cargo run --example dpop_client -- <base-url> <bound-token> <key-pem-file>\n\
             (the quickstart's development mode prints this line, filled in)"
        );
        std::process::exit(2);
    };
    let key = DpopKey::from_pem(&std::fs::read_to_string(key_file)?)
        .ok_or("the key file holds no P-256 private key (PKCS#8 PEM)")?;
    let mut client = Client {
        http: reqwest::Client::builder().no_proxy().build()?,
        base: base.trim_end_matches('/').to_owned(),
        token: token.clone(),
        key,
        nonce: None,
    };
    let mut unexpected = 0;
    let mut expect = |answer: &Answer, status: u16, what: &str| {
        answer.print(what);
        if answer.status != status {
            println!("     UNEXPECTED: expected {status}");
            unexpected += 1;
        }
    };

    let (answer, proof) = client.get_with_proof("/api/private").await?;
    expect(
        &answer,
        200,
        "1. GET /api/private with the DPoP-bound token and a fresh proof",
    );

    let answer = client.get("/api/private", "DPoP", Some(&proof)).await?;
    expect(
        &answer,
        401,
        "2. the same proof again: a replay (its jti was seen)",
    );

    let answer = client.get("/api/private", "Bearer", None).await?;
    expect(
        &answer,
        401,
        "3. the bound token as a plain Bearer token, as a thief would send it",
    );

    let (answer, _) = client.get_with_proof("/api/private-scoped").await?;
    expect(
        &answer,
        200,
        "4. GET /api/private-scoped with a fresh proof (the token carries read:messages)",
    );

    if unexpected > 0 {
        std::process::exit(1);
    }
    println!("\nEvery answer was the expected one.");
    Ok(())
}
