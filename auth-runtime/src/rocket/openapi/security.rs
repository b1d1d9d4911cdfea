//! The markers of an operation turned into its `security` and the
//! sentences of its 401 and 403.

use super::*;

pub(super) fn is_method(key: &str) -> bool {
    matches!(
        key,
        "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace"
    )
}

/// What the markers of one operation say.
#[derive(Default)]
struct Demands {
    /// Each a list of scopes that suffices, for every requirement at once.
    alternatives: Option<Vec<Vec<String>>>,
    /// The sentences of the 401 and the 403.
    unauthorized: Vec<String>,
    forbidden: Vec<String>,
    token: bool,
    optional: bool,
}

/// Replaces the markers among `operation`'s responses by its `security`.
pub(super) fn secure(operation: &mut Value, schemes: &[String]) {
    let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let mut demands = Demands::default();
    let markers: Vec<String> = responses
        .keys()
        .filter(|key| key.starts_with("x-auth-runtime-"))
        .cloned()
        .collect();
    for key in markers {
        let Some(marker) = responses.remove(&key) else {
            continue;
        };
        if key == TOKEN {
            demands.token = true;
        } else if key == OPTIONAL {
            demands.optional = true;
        } else if key.starts_with(REQUIREMENT) {
            demands.add(&marker);
        }
    }
    describe(responses, "401", &demands.unauthorized);
    describe(responses, "403", &demands.forbidden);
    let mut security: Vec<Value> = Vec::new();
    let alternatives = match (demands.alternatives, demands.token, demands.optional) {
        (Some(alternatives), _, _) => alternatives,
        (None, true, _) => vec![Vec::new()],
        (None, false, true) => {
            // No token at all is one of the alternatives (the empty object).
            security.push(json!({}));
            vec![Vec::new()]
        }
        (None, false, false) => return,
    };
    for alternative in &alternatives {
        for scheme in schemes {
            security.push(json!({ scheme: alternative }));
        }
    }
    if let (false, Some(operation)) = (schemes.is_empty(), operation.as_object_mut()) {
        operation.insert("security".into(), Value::Array(security));
    }
}

/// Appends `sentences` to the description of `responses[status]`.
pub(super) fn describe(responses: &mut Map<String, Value>, status: &str, sentences: &[String]) {
    if sentences.is_empty() {
        return;
    }
    if let Some(description) = responses
        .get_mut(status)
        .and_then(|response| response.get_mut("description"))
    {
        let text = format!(
            "{} {}",
            description.as_str().unwrap_or_default(),
            sentences.join(" ")
        );
        *description = text.into();
    }
}

impl Demands {
    /// Adds the requirement `marker` (see [`requirement`]): its scopes
    /// apply with any already there.
    fn add(&mut self, marker: &Value) {
        let strings = |value: &Value| -> Vec<String> {
            value
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let theirs: Vec<Vec<String>> = marker["alternatives"]
            .as_array()
            .map(|lists| lists.iter().map(strings).collect())
            .unwrap_or_default();
        let scoped = theirs.iter().any(|list| !list.is_empty());
        self.alternatives = Some(match self.alternatives.take() {
            None => theirs.clone(),
            Some(ours) => {
                let mut both = Vec::new();
                for a in &ours {
                    for b in &theirs {
                        let mut union = a.clone();
                        union.extend(b.iter().filter(|scope| !a.contains(scope)).cloned());
                        both.push(union);
                    }
                }
                both.truncate(MAX_ALTERNATIVES);
                both
            }
        });
        if scoped {
            let words: Vec<String> = theirs
                .iter()
                .map(|list| {
                    list.iter()
                        .map(|scope| format!("`{scope}`"))
                        .collect::<Vec<_>>()
                        .join(" and ")
                })
                .collect();
            self.forbidden
                .push(format!("Required scopes: {}.", words.join(", or ")));
        }
        let step_up = &marker["stepUp"];
        if !step_up.is_null() {
            let acr = strings(&step_up["acrValues"]);
            let mut parts = Vec::new();
            if !acr.is_empty() {
                let acr: Vec<String> = acr.iter().map(|value| format!("`{value}`")).collect();
                parts.push(format!(
                    "an authentication context (`acr`) among {}",
                    acr.join(", ")
                ));
            }
            if let Some(seconds) = step_up["maxAge"].as_u64() {
                parts.push(format!(
                    "a login (`auth_time`) at most {seconds} seconds old"
                ));
            }
            self.unauthorized.push(format!(
                "A valid token without {} gets `insufficient_user_authentication`: \
                 the user must log in again (RFC 9470).",
                parts.join(" and ")
            ));
        }
        let checks: Vec<String> = marker["claims"]
            .as_array()
            .map(|checks| {
                checks
                    .iter()
                    .map(|check| {
                        let name = check["name"].as_str().unwrap_or_default();
                        match check["kind"].as_str() {
                            Some("includes") => format!("its `{name}` claim must include a value"),
                            _ => format!("its `{name}` claim must equal a value"),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        if !checks.is_empty() {
            self.forbidden.push(format!(
                "The token is also refused unless {} that this API requires.",
                checks.join(", and ")
            ));
        }
    }
}
