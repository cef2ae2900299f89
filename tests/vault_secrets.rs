//! Vault secrets, read as chaoslib reads them with hvac: KV version 2 (the
//! default) and 1, a token or an AppRole login, a missing path (an empty
//! mapping and a warning, the run goes on), a path with nothing at it, and
//! an unknown key (the run does not start). Against a small Vault stand-in
//! on loopback that answers Vault's HTTP API for these routes only.
use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::process::Command;

const PASSWORD: &str = "vault-pw-7f3a";

fn authorised(h: &HeaderMap) -> bool {
    matches!(h.get("x-vault-token").and_then(|v| v.to_str().ok()), Some("root-token" | "approle-token"))
}

async fn vault() -> String {
    let app = Router::new()
        .route(
            "/v1/secret/data/app",
            get(|h: HeaderMap| async move {
                if !authorised(&h) {
                    return (StatusCode::FORBIDDEN, json!({"errors": ["permission denied"]}).to_string());
                }
                (
                    StatusCode::OK,
                    json!({"data": {"data": {"password": PASSWORD, "user": "bob"}, "metadata": {}}}).to_string(),
                )
            }),
        )
        .route(
            "/v1/kv/app",
            get(|h: HeaderMap| async move {
                if !authorised(&h) {
                    return (StatusCode::FORBIDDEN, json!({"errors": ["permission denied"]}).to_string());
                }
                (StatusCode::OK, json!({"data": {"password": PASSWORD}}).to_string())
            }),
        )
        .route(
            "/v1/auth/approle/login",
            post(|body: String| async move {
                if serde_json::from_str::<Value>(&body).ok() == Some(json!({"role_id": "r1", "secret_id": "s1"})) {
                    (StatusCode::OK, json!({"auth": {"client_token": "approle-token"}}).to_string())
                } else {
                    (StatusCode::BAD_REQUEST, json!({"errors": ["invalid role"]}).to_string())
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

/// Run headless; the steady-state probe succeeds only if the process got
/// the password. Returns (exit code, output, journal).
fn run(configuration: Value, secret: Value) -> (Option<i32>, String, Value) {
    let dir = tempfile::tempdir().unwrap();
    let exp = json!({
        "title": "vault", "description": "d",
        "configuration": configuration,
        "secrets": {"db": {"pw": secret}},
        "steady-state-hypothesis": {"title": "got it", "probes": [{
            "type": "probe", "name": "has-the-password", "tolerance": 0, "secrets": ["db"],
            "provider": {"type": "process", "path": "sh", "arguments": ["-c", format!("[ \"$1\" = '{PASSWORD}' ]"), "sh", "${pw}"]}
        }]},
        "method": [{"type": "action", "name": "noop", "provider": {"type": "process", "path": "true"}}],
    });
    let file = dir.path().join("e.json");
    std::fs::write(&file, serde_json::to_vec(&exp).unwrap()).unwrap();
    let journal = dir.path().join("journal.json");
    let out = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .arg("run")
        .arg(&file)
        .args(["--headless", "--journal-path"])
        .arg(&journal)
        .env("GAMEDAY_DATA_DIR", dir.path().join("data"))
        .env("HOME", dir.path())
        .env_remove("VAULT_ADDR")
        .env_remove("VAULT_TOKEN")
        .current_dir(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let j = std::fs::read(&journal).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or(Value::Null);
    (out.status.code(), text, j)
}

#[tokio::test(flavor = "multi_thread")]
async fn vault_secrets_are_read_as_chaoslib_reads_them() {
    let addr = vault().await;
    let kv2 = json!({"vault_addr": addr, "vault_token": "root-token"});
    let secret = json!({"type": "vault", "path": "app", "key": "password"});
    let (code, text, j) = tokio::task::spawn_blocking(move || run(kv2, secret)).await.unwrap();
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(j["steady_states"]["before"]["steady_state_met"], true, "{text}");
    assert!(!j.to_string().contains(PASSWORD) && !text.contains(PASSWORD), "the secret leaked:\n{text}");

    let kv1_approle = json!({"vault_addr": addr, "vault_kv_version": "1", "vault_secrets_mount_point": "kv",
        "vault_role_id": "r1", "vault_role_secret": "s1"});
    let secret = json!({"type": "vault", "path": "app", "key": "password"});
    let (code, text, _) = tokio::task::spawn_blocking(move || run(kv1_approle, secret)).await.unwrap();
    assert_eq!(code, Some(0), "KV 1 through an AppRole login:\n{text}");

    // No path: an empty mapping and a warning; the run goes on (its probe
    // then fails its tolerance: the password is not there).
    let conf = json!({"vault_addr": addr, "vault_token": "root-token"});
    let (code, text, j) =
        tokio::task::spawn_blocking(move || run(conf, json!({"type": "vault", "key": "password"}))).await.unwrap();
    assert!(text.contains("Missing Vault secret path"), "{text}");
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(j["steady_states"]["before"]["steady_state_met"], false, "{text}");

    // An unknown key, a refused token: the run does not start, and says why.
    let conf = json!({"vault_addr": addr, "vault_token": "root-token"});
    let (code, text, _) =
        tokio::task::spawn_blocking(move || run(conf, json!({"type": "vault", "path": "app", "key": "nope"})))
            .await
            .unwrap();
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("has no key 'nope'"), "{text}");
    let conf = json!({"vault_addr": addr, "vault_token": "wrong"});
    let (code, text, _) =
        tokio::task::spawn_blocking(move || run(conf, json!({"type": "vault", "path": "app"}))).await.unwrap();
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("403") && text.contains("permission denied"), "{text}");
}
