//! Black-box tests of the API shell: health, check, OpenAPI, Swagger UI, tokens, JSON
//! errors, body limits, config refusal.

mod common;

use common::TestService;
use serde_json::Value;

#[tokio::test]
async fn health_answers_ok_with_version_and_uptime() {
    let s = TestService::start().await;
    let r = reqwest::get(s.url("/health")).await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert!(body["uptime_s"].is_u64());
}

#[tokio::test]
async fn check_reports_the_database_as_writable() {
    let s = TestService::start().await;
    let r = reqwest::get(s.url("/check")).await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"]["ok"], true);
    assert_eq!(
        body["database"]["schema_version"],
        carenco_edge::store::schema::MIGRATIONS.len() as i64
    );
}

#[tokio::test]
async fn check_answers_503_when_the_database_cannot_be_written() {
    let s = TestService::start().await;
    // A second connection holds the write lock: the service's write probe times out.
    let db = s.data_dir.path().join("carenco.db");
    let locker = rusqlite::Connection::open(&db).unwrap();
    locker.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let r = reqwest::get(s.url("/check")).await.unwrap();
    assert_eq!(r.status(), 503);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["database"]["ok"], false);
    assert_eq!(body["status"], "unavailable");
    locker.execute_batch("ROLLBACK").unwrap();
    drop(locker);
    let r = reqwest::get(s.url("/check")).await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn the_openapi_document_is_valid_json_with_the_paths() {
    let s = TestService::start().await;
    let r = reqwest::get(s.url("/api-doc/openapi.json")).await.unwrap();
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in ["/health", "/check"] {
        assert!(doc["paths"][path].is_object(), "missing {path}");
    }
}

#[tokio::test]
async fn the_swagger_ui_is_served_from_the_binary_and_points_at_the_document() {
    let s = TestService::start().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = client.get(s.url("/swagger-ui")).send().await.unwrap();
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], "/swagger-ui/");
    let r = reqwest::get(s.url("/swagger-ui/")).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = r.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    let init = reqwest::get(s.url("/swagger-ui/swagger-initializer.js"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(init.contains("/api-doc/openapi.json"), "{init}");
    let bundle = reqwest::get(s.url("/swagger-ui/swagger-ui-bundle.js"))
        .await
        .unwrap();
    assert_eq!(bundle.status(), 200);
    assert!(bundle.headers().get("content-encoding").is_none());
    let plain = bundle.bytes().await.unwrap();
    // Browsers ask for gzip and get the embedded gzip as it is; it inflates to the same.
    let gz = client
        .get(s.url("/swagger-ui/swagger-ui-bundle.js"))
        .header("accept-encoding", "gzip, deflate, br")
        .send()
        .await
        .unwrap();
    assert_eq!(gz.status(), 200);
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    assert_eq!(gz.headers()["vary"], "accept-encoding");
    let gz = gz.bytes().await.unwrap();
    assert!(
        gz.len() * 2 < plain.len(),
        "{} vs {}",
        gz.len(),
        plain.len()
    );
    let mut inflated = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut inflated).unwrap();
    assert_eq!(inflated, plain);
}

#[tokio::test]
async fn unknown_paths_answer_json_404() {
    let s = TestService::start().await;
    for path in ["/nope", "/health/extra", "/swagger-ui/../../etc/passwd"] {
        let r = reqwest::get(s.url(path)).await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"], "not_found");
        assert!(body["message_ko"].is_string());
    }
}

#[tokio::test]
async fn wrong_method_answers_json_405() {
    let s = TestService::start().await;
    let r = reqwest::Client::new()
        .delete(s.url("/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "method_not_allowed");
}

#[tokio::test]
async fn a_token_is_enforced_on_everything_but_health() {
    let token = "kiosk-token-0123456789";
    let s =
        TestService::start_with(|c| c.api.token = carenco_edge::config::Secret::new(token)).await;
    let client = reqwest::Client::new();
    assert_eq!(
        client.get(s.url("/health")).send().await.unwrap().status(),
        200
    );
    let r = client.get(s.url("/check")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "unauthorized");
    let r = client
        .get(s.url("/check"))
        .bearer_auth("wrong-token-0123456789")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = client
        .get(s.url("/check"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn cors_allows_only_listed_origins() {
    let s = TestService::start_with(|c| c.api.cors_origins = vec!["http://localhost:8080".into()])
        .await;
    let client = reqwest::Client::new();
    let r = client
        .get(s.url("/health"))
        .header("origin", "http://localhost:8080")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://localhost:8080"
    );
    let r = client
        .get(s.url("/health"))
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "cors_forbidden");
}

#[tokio::test]
async fn a_public_listener_without_token_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = carenco_edge::config::Config::default();
    config.storage.data_dir = dir.path().to_path_buf();
    config.scanner.enabled = false;
    let listener = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
    let err = carenco_edge::app::run(config, listener, std::future::pending())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("api.token"), "{err}");
}
