//! Secrets read from HashiCorp Vault's key/value store, the way chaoslib
//! reads them through `hvac` (`chaostoolkit-lib[vault]`): the address, KV
//! version, mount point and credentials come from the experiment's
//! configuration (`vault_addr`, `vault_kv_version`,
//! `vault_secrets_mount_point`, then `vault_token`, an AppRole
//! `vault_role_id` + `vault_role_secret`, or a Kubernetes service account
//! `vault_sa_role`); without any, the `VAULT_ADDR` / `VAULT_TOKEN`
//! environment and `~/.vault-token`, as hvac falls back to them.
//!
//! As in chaoslib, a secret without `path`, or a path Vault has nothing
//! at, is an empty mapping and a warning; an unknown `key` or a Vault that
//! answers with an error stops the run before it starts, with the reason.
use super::config::ConfigError;
use crate::net;
use serde_json::{Map, Value, json};
use std::time::Duration;

/// Where a Vault secret goes in the resolved secrets, and its declaration.
#[derive(Debug, Clone, PartialEq)]
pub struct VaultRef {
    /// Scope, then keys (`["db", "password"]`).
    pub path: Vec<String>,
    pub declaration: Map<String, Value>,
}

/// How long one request to Vault may take.
const TIMEOUT: Duration = Duration::from_secs(30);

fn conf_str(conf: &Map<String, Value>, key: &str) -> Option<String> {
    match conf.get(key)? {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(crate::engine::pyvalue::py_str(other)),
    }
}

struct Client {
    http: reqwest::Client,
    addr: String,
    token: Option<String>,
}

impl Client {
    async fn new(conf: &Map<String, Value>) -> Result<Self, ConfigError> {
        let http = net::configure(net::client_builder().timeout(TIMEOUT), true)
            .build()
            .map_err(|e| ConfigError(format!("cannot set up a Vault client: {e}")))?;
        let addr = conf_str(conf, "vault_addr")
            .or_else(|| std::env::var("VAULT_ADDR").ok())
            .unwrap_or_else(|| "http://localhost:8200".into())
            .trim_end_matches('/')
            .to_string();
        let mut client = Self { http, addr, token: None };
        client.token = if let Some(t) = conf_str(conf, "vault_token") {
            Some(t)
        } else if let (Some(role), Some(secret)) =
            (conf_str(conf, "vault_role_id"), conf_str(conf, "vault_role_secret"))
        {
            let body = json!({"role_id": role, "secret_id": secret});
            Some(
                client
                    .login("auth/approle/login", &body)
                    .await
                    .map_err(|e| ConfigError(format!("Failed to connect to Vault with the AppRole: {e}")))?,
            )
        } else if let Some(role) = conf_str(conf, "vault_sa_role") {
            let token_path = conf_str(conf, "vault_sa_token_path")
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| "/var/run/secrets/kubernetes.io/serviceaccount/token".into());
            let jwt = std::fs::read_to_string(&token_path)
                .map_err(|_| ConfigError(format!("Failed to get service account token at: {token_path}")))?;
            let mount = conf_str(conf, "vault_k8s_mount_point").unwrap_or_else(|| "kubernetes".into());
            let body = json!({"role": role, "jwt": jwt});
            Some(client.login(&format!("auth/{mount}/login"), &body).await.map_err(|e| {
                ConfigError(format!("Failed to connect to Vault using service account with errors: '{e}'"))
            })?)
        } else {
            std::env::var("VAULT_TOKEN").ok().or_else(|| {
                let home = std::env::var_os("HOME")?;
                std::fs::read_to_string(std::path::Path::new(&home).join(".vault-token")).ok()
            })
        }
        .map(|t| t.trim().to_string());
        Ok(client)
    }

    async fn login(&self, route: &str, body: &Value) -> Result<String, String> {
        let reply = self.send(self.http.post(format!("{}/v1/{route}", self.addr)).json(body)).await?;
        match reply {
            Some(v) => v
                .pointer("/auth/client_token")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| "Vault's answer has no auth.client_token".into()),
            None => Err("Vault answered 404".into()),
        }
    }

    /// The JSON Vault answers, `None` for a 404 (nothing there).
    async fn send(&self, req: reqwest::RequestBuilder) -> Result<Option<Value>, String> {
        let req = match &self.token {
            Some(t) => req.header("X-Vault-Token", t),
            None => req,
        };
        let resp = req.send().await.map_err(|e| net::describe_error(&e))?;
        let status = resp.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            let errors = body.get("errors").map(Value::to_string).unwrap_or_default();
            return Err(format!("Vault answered {status} {errors}").trim().to_string());
        }
        Ok(Some(body))
    }
}

/// Read every Vault secret. Returns each value with its place, and the
/// warnings chaoslib would log.
pub async fn read(
    refs: &[VaultRef],
    configuration: &Map<String, Value>,
) -> Result<(Vec<(Vec<String>, Value)>, Vec<String>), ConfigError> {
    let mut values = Vec::new();
    let mut warnings = Vec::new();
    if refs.is_empty() {
        return Ok((values, warnings));
    }
    let client = Client::new(configuration).await?;
    let kv1 = conf_str(configuration, "vault_kv_version").as_deref() == Some("1");
    let mount = conf_str(configuration, "vault_secrets_mount_point").unwrap_or_else(|| "secret".into());
    for r in refs {
        let name = r.path.join(".");
        let Some(path) = r.declaration.get("path").filter(|p| !p.is_null()) else {
            warnings.push(format!("Missing Vault secret path for secret '{name}'; it is left empty"));
            values.push((r.path.clone(), json!({})));
            continue;
        };
        let path = crate::engine::pyvalue::py_str(path);
        let route = if kv1 { format!("{mount}/{path}") } else { format!("{mount}/data/{path}") };
        let answer = client
            .send(client.http.get(format!("{}/v1/{route}", client.addr)))
            .await
            .map_err(|e| ConfigError(format!("cannot read the Vault secret '{name}' at {path}: {e}")))?;
        let data = answer.as_ref().and_then(|a| if kv1 { a.get("data") } else { a.pointer("/data/data") });
        let Some(data) = data.filter(|d| !d.is_null()) else {
            warnings.push(format!("No Vault secret found at path: {path} (secret '{name}' is left empty)"));
            values.push((r.path.clone(), json!({})));
            continue;
        };
        let value = match r.declaration.get("key").filter(|k| !k.is_null()) {
            Some(key) => {
                let key = crate::engine::pyvalue::py_str(key);
                data.get(&key).cloned().ok_or_else(|| {
                    ConfigError(format!("the Vault secret at {path} has no key '{key}' (secret '{name}')"))
                })?
            }
            None => data.clone(),
        };
        values.push((r.path.clone(), value));
    }
    Ok((values, warnings))
}

/// Put what [`read`] returned in its place.
pub fn fill(secrets: &mut Map<String, Value>, values: Vec<(Vec<String>, Value)>) {
    fn place(at: &mut Map<String, Value>, path: &[String], value: Value) {
        match path {
            [] => {}
            [last] => {
                at.insert(last.clone(), value);
            }
            [first, rest @ ..] => {
                if let Some(next) = at.get_mut(first).and_then(Value::as_object_mut) {
                    place(next, rest, value);
                }
            }
        }
    }
    for (path, value) in values {
        place(secrets, &path, value);
    }
}
