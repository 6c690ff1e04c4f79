//! A secret in the tenants file is a reference, never a value to copy
//! around: `{ value: … }` (written in the file, for demos), `{ env: NAME }`
//! or `{ file: /path }` (a Kubernetes secret as a variable or a mounted
//! file). The service that needs it resolves it at start-up.

use schemars::JsonSchema;
use secrecy::SecretString;
use serde::Deserialize;

/// Where a secret comes from: exactly one of `value`, `env` or `file`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretRef {
    /// The secret itself (demos only).
    #[serde(default)]
    pub value: Option<String>,
    /// Name of the environment variable holding it.
    #[serde(default)]
    pub env: Option<String>,
    /// Path of the file holding it; surrounding whitespace is trimmed.
    #[serde(default)]
    pub file: Option<String>,
}

impl SecretRef {
    /// Reads the secret; the error says why it could not be.
    pub fn resolve(&self) -> Result<SecretString, String> {
        let value = match (&self.value, &self.env, &self.file) {
            (Some(value), None, None) => value.clone(),
            (None, Some(name), None) => std::env::var(name)
                .map_err(|_| format!("environment variable {name} is not set"))?,
            (None, None, Some(path)) => std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {path}: {e}"))?
                .trim()
                .to_owned(),
            _ => return Err("needs exactly one of `value`, `env`, `file`".to_owned()),
        };
        if value.is_empty() {
            return Err("is empty".to_owned());
        }
        Ok(SecretString::from(value))
    }
}
