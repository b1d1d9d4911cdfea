//! The machinery behind config/settings.rs: the `settings!` macro that turns
//! one declaration per setting into the [`Tuning`](super::Tuning) struct, its
//! `Default`, the builder methods, the bound checks, the table and
//! environment readers and the [`SETTINGS`](super::SETTINGS) list; and
//! [`Value`], how each type of setting is read and shown.

use std::time::Duration;

use serde_json::Value as Json;

use super::{Algorithm, ClientAuth, ClientSecret, DpopMode, ScopeSource};

/// What the list of settings knows of one: everything but its type.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(not(test), allow(dead_code))] // read by the tests of settings.md
pub(crate) struct SettingInfo {
    /// The `[auth]` key, which is also the builder method's name.
    pub(crate) key: &'static str,
    /// The environment variable, if the setting has one.
    pub(crate) env: Option<&'static str>,
    /// What kind of value it takes, in `[auth]` and in its variable.
    pub(crate) kind: &'static str,
    /// The default, as the docs and settings.md show it.
    pub(crate) default: &'static str,
    /// What values are allowed, where the type alone does not say.
    pub(crate) bounds: Option<&'static str>,
    /// The declaration's doc comment.
    pub(crate) doc: &'static str,
}

/// How a setting's type is read from Rocket's `[auth]` table and from an
/// environment variable, and shown in the docs. An error says what the
/// value must be, never what it is (it may be a secret).
pub(crate) trait Value: Sized {
    /// What kind of value this is, as settings.md says it.
    const KIND: &'static str;
    /// The value of a key of the `[auth]` table.
    fn from_table(value: Json) -> Result<Self, &'static str>;
    /// The text of an environment variable (set and not blank).
    fn from_var(_text: &str) -> Result<Self, &'static str> {
        Err("is not read from the environment")
    }
    /// The value as settings.md and the builder's docs show it.
    #[cfg_attr(not(test), allow(dead_code))]
    fn show(&self) -> String;
}

const SECONDS: &str = "must be a whole number of seconds";

fn seconds(text: &str) -> Result<Duration, &'static str> {
    text.trim()
        .parse::<u64>()
        .map(Duration::from_secs)
        .map_err(|_| SECONDS)
}

impl Value for Duration {
    const KIND: &'static str = "seconds";
    fn from_table(value: Json) -> Result<Self, &'static str> {
        value.as_u64().map(Duration::from_secs).ok_or(SECONDS)
    }
    fn from_var(text: &str) -> Result<Self, &'static str> {
        seconds(text)
    }
    fn show(&self) -> String {
        format!("{} s", self.as_secs())
    }
}

impl Value for Option<Duration> {
    const KIND: &'static str = "seconds";
    fn from_table(value: Json) -> Result<Self, &'static str> {
        Duration::from_table(value).map(Some)
    }
    fn from_var(text: &str) -> Result<Self, &'static str> {
        seconds(text).map(Some)
    }
    fn show(&self) -> String {
        self.map_or_else(|| "none".to_owned(), |d| d.show())
    }
}

impl Value for usize {
    const KIND: &'static str = "a whole number";
    fn from_table(value: Json) -> Result<Self, &'static str> {
        value
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or("must be a whole number")
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

impl Value for f64 {
    const KIND: &'static str = "a number";
    fn from_table(value: Json) -> Result<Self, &'static str> {
        value.as_f64().ok_or("must be a number")
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

/// The words of an on/off variable.
const SWITCH: [(&str, bool); 6] = [
    ("on", true),
    ("true", true),
    ("1", true),
    ("off", false),
    ("false", false),
    ("0", false),
];

/// `text` as one of `choices`, case and surrounding blanks aside.
fn choice<T: Copy>(
    text: &str,
    choices: &[(&str, T)],
    reason: &'static str,
) -> Result<T, &'static str> {
    let word = text.trim().to_ascii_lowercase();
    choices
        .iter()
        .find(|(name, _)| *name == word)
        .map(|(_, chosen)| *chosen)
        .ok_or(reason)
}

impl Value for bool {
    const KIND: &'static str = "`true` or `false` (a variable: `on` or `off`)";
    fn from_table(value: Json) -> Result<Self, &'static str> {
        value.as_bool().ok_or("must be true or false")
    }
    fn from_var(text: &str) -> Result<Self, &'static str> {
        choice(text, &SWITCH, "must be on or off")
    }
    fn show(&self) -> String {
        if *self { "on" } else { "off" }.to_owned()
    }
}

impl Value for String {
    const KIND: &'static str = "a string";
    fn from_table(value: Json) -> Result<Self, &'static str> {
        match value {
            Json::String(text) => Ok(text),
            _ => Err("must be a string"),
        }
    }
    fn from_var(text: &str) -> Result<Self, &'static str> {
        Ok(text.trim().to_owned())
    }
    fn show(&self) -> String {
        format!("`{self}`")
    }
}

impl Value for Option<String> {
    const KIND: &'static str = "a string";
    fn from_table(value: Json) -> Result<Self, &'static str> {
        String::from_table(value).map(Some)
    }
    fn from_var(text: &str) -> Result<Self, &'static str> {
        String::from_var(text).map(Some)
    }
    fn show(&self) -> String {
        self.as_ref()
            .map_or_else(|| "none".to_owned(), String::show)
    }
}

impl Value for Option<ClientSecret> {
    const KIND: &'static str = "a string (a secret)";
    fn from_table(value: Json) -> Result<Self, &'static str> {
        match value {
            Json::String(text) => Ok(Some(ClientSecret::new(text))),
            _ => Err("must be a string (the value is not shown)"),
        }
    }
    /// The secret's bytes as given: not trimmed.
    fn from_var(text: &str) -> Result<Self, &'static str> {
        Ok(Some(ClientSecret::new(text)))
    }
    fn show(&self) -> String {
        match self {
            None => "none".to_owned(),
            Some(_) => "(a secret, not shown)".to_owned(),
        }
    }
}

fn list<T: serde::de::DeserializeOwned>(
    value: Json,
    reason: &'static str,
) -> Result<Vec<T>, &'static str> {
    serde_json::from_value(value).map_err(|_| reason)
}

#[cfg_attr(not(test), allow(dead_code))]
fn show_list<T>(items: &[T], show: impl Fn(&T) -> String) -> String {
    if items.is_empty() {
        return "none".to_owned();
    }
    items.iter().map(show).collect::<Vec<_>>().join(", ")
}

impl Value for Vec<Algorithm> {
    const KIND: &'static str = "a list of algorithm names";
    fn from_table(value: Json) -> Result<Self, &'static str> {
        list(
            value,
            "must be a list of algorithm names, such as [\"RS256\"]",
        )
    }
    fn show(&self) -> String {
        show_list(self, |alg| format!("{alg:?}"))
    }
}

impl Value for Vec<ScopeSource> {
    const KIND: &'static str = "a list of `scope`, `scp`, `permissions`";
    fn from_table(value: Json) -> Result<Self, &'static str> {
        list(value, "must be a list of scope, scp and permissions")
    }
    fn show(&self) -> String {
        show_list(self, |source| format!("{source:?}").to_ascii_lowercase())
    }
}

impl Value for Vec<String> {
    const KIND: &'static str = "a list of strings";
    fn from_table(value: Json) -> Result<Self, &'static str> {
        list(value, "must be a list of strings")
    }
    fn show(&self) -> String {
        show_list(self, |text| text.clone())
    }
}

/// [`Value`] for a setting that is one of a few words (`words`), in the
/// table and in its variable alike, refused for `reason` otherwise.
macro_rules! one_of_words {
    ($type:ty, $kind:literal, $reason:literal, $words:expr) => {
        impl Value for $type {
            const KIND: &'static str = $kind;
            fn from_table(value: Json) -> Result<Self, &'static str> {
                match value {
                    Json::String(text) => choice(&text, &$words, $reason),
                    _ => Err($reason),
                }
            }
            fn from_var(text: &str) -> Result<Self, &'static str> {
                choice(text, &$words, $reason)
            }
            fn show(&self) -> String {
                format!("{self:?}").to_ascii_lowercase()
            }
        }
    };
}

one_of_words!(
    DpopMode,
    "`disabled`, `allowed` or `required`",
    "must be disabled, allowed or required",
    [
        ("disabled", DpopMode::Disabled),
        ("allowed", DpopMode::Allowed),
        ("required", DpopMode::Required),
    ]
);
one_of_words!(
    ClientAuth,
    "`basic` or `form`",
    "must be basic or form",
    [("basic", ClientAuth::Basic), ("form", ClientAuth::Form)]
);

/// Declares the tuning settings; see config/settings.rs for the grammar,
/// and CONTRIBUTING.md ("Adding a setting").
macro_rules! settings {
    (@option) => { None };
    (@option $value:literal) => { Some($value) };
    ($(
        $(#[doc = $doc:literal])+
        $key:ident: $ty:ty = $default:expr, $shown:literal;
        fn($arg:ident: $arg_ty:ty) $conv:expr;
        $( check |$v:ident| $cond:expr, $reason:literal; )?
        $( env $env:literal; )?
    )*) => {
        /// The tuning settings, as Rocket's `[auth]` table spells them
        /// (durations in whole seconds), each declared once in
        /// config/settings.rs.
        #[derive(Debug, Clone)]
        pub(crate) struct Tuning {
            $(
                $(#[doc = $doc])+
                pub(crate) $key: $ty,
            )*
        }

        impl Default for Tuning {
            fn default() -> Tuning {
                Tuning { $( $key: defaults::$key(), )* }
            }
        }

        /// Each setting's default, as declared.
        pub(crate) mod defaults {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[doc = concat!("The default of `", stringify!($key), "`: ", $shown, ".")]
                pub(crate) fn $key() -> $ty {
                    $default
                }
            )*
        }

        /// Each setting's key and its default as [`Value::show`] shows it,
        /// for the test that holds the declared text to it.
        #[cfg(test)]
        pub(crate) fn shown_defaults() -> Vec<(&'static str, String)> {
            vec![$( (stringify!($key), $crate::config::declare::Value::show(&defaults::$key())), )*]
        }

        /// Every tuning setting, in the order declared.
        pub(crate) const SETTINGS: &[$crate::config::declare::SettingInfo] = &[$(
            $crate::config::declare::SettingInfo {
                key: stringify!($key),
                env: settings!(@option $($env)?),
                kind: <$ty as $crate::config::declare::Value>::KIND,
                default: $shown,
                bounds: settings!(@option $($reason)?),
                doc: concat!($($doc),+),
            },
        )*];

        impl AuthConfigBuilder {
            $(
                $(#[doc = $doc])+
                #[doc = ""]
                #[doc = concat!(
                    "Default: ", $shown, "."
                    $(, " Allowed: ", $reason, ".")?
                    , " `", stringify!($key), "` in Rocket's `[auth]`"
                    $(, ", `", $env, "` in the environment")?
                    , "."
                )]
                pub fn $key(mut self, $arg: $arg_ty) -> Self {
                    self.config.tuning.$key = $conv;
                    self
                }
            )*
        }

        impl Tuning {
            /// The defaults, with each key of `table` (Rocket's `[auth]`,
            /// less the identity keys) read over them; every unknown key
            /// and every value of the wrong type is in the errors.
            pub(crate) fn from_table(
                table: serde_json::Map<String, serde_json::Value>,
            ) -> Result<Tuning, Vec<ConfigError>> {
                let mut tuning = Tuning::default();
                let mut errors = Vec::new();
                for (key, value) in table {
                    let read = match key.as_str() {
                        $(
                            stringify!($key) => <$ty as $crate::config::declare::Value>::from_table(value)
                                .map(|value| tuning.$key = value),
                        )*
                        _ => {
                            errors.push($crate::config::declare::unknown_key(&key));
                            continue;
                        }
                    };
                    if let Err(reason) = read {
                        errors.push($crate::config::declare::table_error(&key, reason));
                    }
                }
                if errors.is_empty() { Ok(tuning) } else { Err(errors) }
            }

            /// Reads the variable of each setting that has one over `self`.
            pub(crate) fn read_env(
                &mut self,
                var: &dyn Fn(&'static str) -> Result<Option<String>, ConfigError>,
                errors: &mut Vec<ConfigError>,
            ) {
                $($(
                    match var($env) {
                        Ok(Some(text)) => match <$ty as $crate::config::declare::Value>::from_var(&text) {
                            Ok(value) => self.$key = value,
                            Err(reason) => errors.push(ConfigError::OutOfRange { setting: $env, reason }),
                        },
                        Ok(None) => {}
                        Err(error) => errors.push(error),
                    }
                )?)*
            }

            /// The declared bound of each setting.
            pub(crate) fn check_bounds(&self, errors: &mut Vec<ConfigError>) {
                $($(
                    let $v = &self.$key;
                    if !($cond) {
                        errors.push(ConfigError::OutOfRange {
                            setting: stringify!($key),
                            reason: concat!("must be ", $reason),
                        });
                    }
                )?)*
            }
        }
    };
}

/// An `[auth]` key that is no setting, as serde's `deny_unknown_fields`
/// words it.
pub(crate) fn unknown_key(key: &str) -> super::ConfigError {
    let keys: Vec<&str> = super::SETTINGS.iter().map(|setting| setting.key).collect();
    let error = <serde_json::Error as serde::de::Error>::custom(format!(
        "unknown key `{key}`, expected one of {}",
        keys.join(", ")
    ));
    super::ConfigError::Table(std::sync::Arc::new(error))
}

/// A value of the wrong type for `key` (never quoted: it may be a secret).
pub(crate) fn table_error(key: &str, reason: &str) -> super::ConfigError {
    let error = <serde_json::Error as serde::de::Error>::custom(format!("{key} {reason}"));
    super::ConfigError::Table(std::sync::Arc::new(error))
}
