//! The service's own outgoing HTTP: the Google Vision call and the CLI's calls to a
//! running service (`sync status`, `calibrate`).
//!
//! # What it owns
//! - [`Client`]: HTTP/1.1 over TCP, or TLS (rustls, the system's root certificates,
//!   what the S3 client already links), one exchange bounded by a timeout and its
//!   answer by [`MAX_BODY`].
//! - [`Error`]: what went wrong, without the request's URL, which may carry a key
//!   (Google Vision's `key` query parameter): errors reach logs and the kiosk.
//!
//! Why not reqwest: the S3 SDK already carries hyper, hyper-util's pooled client,
//! hyper-rustls and rustls; reqwest on top of them cost the Pi build room its 10 MB
//! budget does not have (`scripts/pi-build`). Tests keep reqwest as a dev-dependency.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// The largest answer read (Google Vision's page of words is a few MB).
pub const MAX_BODY: usize = 64 * 1024 * 1024;

/// An outgoing call's failure. Never names the URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// No complete answer within the client's timeout.
    #[error("no answer within {0} ms")]
    Timeout(u64),
    /// The request could not be made (bad URL, refused or failed connection, TLS).
    #[error("{0}")]
    Failed(String),
    /// The answer was longer than [`MAX_BODY`].
    #[error("the answer is over {} MB", MAX_BODY / (1024 * 1024))]
    TooLarge,
}

/// A whole answer.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: http::StatusCode,
    pub body: Bytes,
}

impl Response {
    /// The body as text (lossy: an answer is shown, not parsed, as text).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

type Inner =
    hyper_util::client::legacy::Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

/// A pooled HTTP/1.1 client for `http` and `https` URLs.
#[derive(Clone)]
pub struct Client {
    inner: Result<Inner, String>,
    timeout: Duration,
}

impl Client {
    /// A client whose every exchange (connect, send, the whole answer) ends within
    /// `timeout`, its connection within `connect_timeout`. The system's root
    /// certificates are read here: one unreadable certificate is skipped, and with
    /// none an `https` call fails at its handshake, saying so.
    pub fn new(timeout: Duration, connect_timeout: Duration) -> Client {
        let mut roots = rustls::RootCertStore::empty();
        let found = rustls_native_certs::load_native_certs();
        let (added, _) = roots.add_parsable_certificates(found.certs);
        if added == 0 {
            tracing::warn!("no system root certificates found: https calls will fail");
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map(|b| b.with_root_certificates(roots).with_no_client_auth());
        // The provider's defaults always hold; should a rustls update ever say
        // otherwise, every call fails with the reason instead of the process panicking.
        let inner = tls
            .map(|tls| {
                let mut http = HttpConnector::new();
                http.enforce_http(false);
                http.set_connect_timeout(Some(connect_timeout));
                let https = hyper_rustls::HttpsConnectorBuilder::new()
                    .with_tls_config(tls)
                    .https_or_http()
                    .enable_http1()
                    .wrap_connector(http);
                hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build(https)
            })
            .map_err(|e| {
                tracing::warn!(error = %e, "no TLS configuration: outgoing calls will fail");
                format!("no TLS configuration: {e}")
            });
        Client { inner, timeout }
    }

    /// Sends `method url` with `headers` and `body`; the whole answer, whatever its
    /// status.
    pub async fn send(
        &self,
        method: http::Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<Response, Error> {
        let uri: http::Uri = url
            .parse()
            .map_err(|_| Error::Failed("not a valid URL".into()))?;
        let mut request = http::Request::builder().method(method).uri(uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(Full::new(body))
            .map_err(|e| Error::Failed(format!("bad request: {e}")))?;
        let inner = self.inner.as_ref().map_err(|e| Error::Failed(e.clone()))?;
        let exchange = async {
            let response = inner.request(request).await.map_err(describe)?;
            let status = response.status();
            let body = Limited::new(response.into_body(), MAX_BODY)
                .collect()
                .await
                .map_err(|e| {
                    if e.is::<http_body_util::LengthLimitError>() {
                        Error::TooLarge
                    } else {
                        Error::Failed(format!("reading the answer: {e}"))
                    }
                })?
                .to_bytes();
            Ok(Response { status, body })
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .unwrap_or(Err(Error::Timeout(self.timeout.as_millis() as u64)))
    }
}

/// A client error as one line: hyper-util's error and its causes (the connection's
/// I/O error, the TLS alert), which never hold the URL.
fn describe(e: hyper_util::client::legacy::Error) -> Error {
    Error::Failed(crate::logging::chain(&e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A one-connection server that answers `answer` after reading the request head.
    async fn serve_once(answer: &'static [u8], delay: Duration) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = vec![0u8; 4096];
            let _ = s.read(&mut buf).await;
            tokio::time::sleep(delay).await;
            let _ = s.write_all(answer).await;
            let _ = s.shutdown().await;
        });
        format!("http://{addr}/v1/x?key=SECRET-KEY")
    }

    /// A bodiless GET that must fail.
    async fn get_err(client: &Client, url: &str) -> Error {
        client
            .send(http::Method::GET, url, &[], Bytes::new())
            .await
            .unwrap_err()
    }

    #[tokio::test]
    async fn a_whole_answer_comes_back_with_its_status() {
        let url = serve_once(
            b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 5\r\n\r\nbusy!",
            Duration::ZERO,
        )
        .await;
        let client = Client::new(Duration::from_secs(5), Duration::from_secs(1));
        let r = client
            .send(
                http::Method::POST,
                &url,
                &[("content-type", "application/json")],
                Bytes::from_static(b"{\"a\":1}"),
            )
            .await
            .unwrap();
        assert_eq!(r.status, 503);
        assert_eq!(r.text(), "busy!");
    }

    #[tokio::test]
    async fn a_slow_answer_is_a_timeout_and_no_error_names_the_url() {
        let url = serve_once(b"HTTP/1.1 200 OK\r\n\r\n", Duration::from_secs(3)).await;
        let client = Client::new(Duration::from_millis(200), Duration::from_secs(1));
        let e = get_err(&client, &url).await;
        assert_eq!(e, Error::Timeout(200));
        // A refused connection's error does not carry the URL's key either.
        let refused = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let a = l.local_addr().unwrap();
            drop(l);
            format!("http://{a}/v1/x?key=SECRET-KEY")
        };
        let e = get_err(&client, &refused).await;
        assert!(matches!(e, Error::Failed(_)), "{e:?}");
        assert!(!e.to_string().contains("SECRET"), "{e}");
        let bad = get_err(&client, "no url at all").await;
        assert!(matches!(bad, Error::Failed(_)), "{bad:?}");
    }

    #[tokio::test]
    async fn an_https_call_without_a_trusted_server_fails_at_its_handshake() {
        // A plain-TCP server behind an https URL: the TLS handshake fails, an error.
        let url = serve_once(b"HTTP/1.1 200 OK\r\n\r\n", Duration::ZERO).await;
        let url = url.replace("http://", "https://");
        let client = Client::new(Duration::from_secs(5), Duration::from_secs(1));
        let e = get_err(&client, &url).await;
        assert!(matches!(e, Error::Failed(_)), "{e:?}");
        assert!(!e.to_string().contains("SECRET"), "{e}");
    }
}
