//! The `prometheus` provider: an instant query through Prometheus' HTTP API.
//! OWNER: prometheus/notify helper (stub).
use super::{Context, ProviderError};
use serde_json::{Map, Value};

/// Validate a prometheus provider block; `Err` is the message.
pub fn validate(provider: &Map<String, Value>, activity: &str) -> Result<(), String> {
    if provider.get("url").and_then(Value::as_str).is_none_or(str::is_empty) {
        return Err(format!("a Prometheus activity must have a URL, in activity '{activity}'"));
    }
    if provider.get("query").and_then(Value::as_str).is_none_or(str::is_empty) {
        return Err(format!("a Prometheus activity must have a query, in activity '{activity}'"));
    }
    Ok(())
}

/// Run an instant query.
pub async fn run(provider: &Value, ctx: &Context<'_>) -> Result<Value, ProviderError> {
    let _ = (provider, ctx);
    Err(ProviderError::Failed("the prometheus provider is not built yet".into()))
}
