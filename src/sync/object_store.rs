//! Where uploads go: the [`ObjectStore`] trait and its real implementation on
//! aws-sdk-s3 ([`S3ObjectStore`]).
//!
//! The trait lets the worker's logic be tested without a network; the real path is
//! tested against an in-process S3 server (`tests/sync.rs`) with SigV4 checked.
//!
//! Settings that matter on a kiosk (CRATES.md pitfalls):
//! - Timeouts are set explicitly (the SDK has none by default): a hung connection must
//!   not hold an upload slot forever.
//! - The SDK's own retries are off (one attempt): the outbox retries with its own
//!   backoff, which survives restarts and long outages.
//! - Every PUT carries an integrity checksum (`s3.checksum`): CRC32 or SHA-256 as an
//!   `x-amz-checksum-*` header, or `Content-MD5` with the SDK's flexible checksums off
//!   for stores that reject those.
//! - Credentials come only from the standard AWS chain and are never logged; error
//!   texts are built from the status, code and message of the answer.

use bytes::Bytes;
use futures::future::BoxFuture;

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::config::{
    BehaviorVersion, Region, RequestChecksumCalculation, ResponseChecksumValidation,
};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ChecksumAlgorithm;

use crate::config::{S3Checksum, S3Config};

/// A failed PUT, described for `/sync` and the log (never contains credentials).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PutError {
    pub message: String,
}

/// Somewhere objects can be put.
pub trait ObjectStore: Send + Sync {
    /// Stores `body` under `key`; `Ok` only when the store confirmed it.
    fn put<'a>(
        &'a self,
        key: &'a str,
        body: Bytes,
        content_type: &'a str,
    ) -> BoxFuture<'a, Result<(), PutError>>;
}

/// The real S3 (or S3-compatible) bucket.
pub struct S3ObjectStore {
    client: aws_sdk_s3::Client,
    bucket: String,
    checksum: S3Checksum,
}

impl S3ObjectStore {
    /// Builds a client from `s3` and the standard AWS credential chain (environment,
    /// profile, container or instance credentials).
    pub async fn from_config(s3: &S3Config) -> S3ObjectStore {
        S3ObjectStore {
            client: client(s3).await,
            bucket: s3.bucket.clone(),
            checksum: s3.checksum,
        }
    }
}

/// An S3 client for `s3` (endpoint, path style, timeouts, one attempt per call, the
/// checksum mode) with the standard AWS credential chain; `fleet status` reads the
/// bucket with it too.
pub async fn client(s3: &S3Config) -> aws_sdk_s3::Client {
    let shared = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(s3.region.clone()))
        .load()
        .await;
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(std::time::Duration::from_millis(s3.connect_timeout_ms))
        .read_timeout(std::time::Duration::from_millis(s3.timeout_ms))
        .operation_attempt_timeout(std::time::Duration::from_millis(s3.timeout_ms))
        .operation_timeout(std::time::Duration::from_millis(s3.timeout_ms))
        .build();
    let mut builder = aws_sdk_s3::config::Builder::from(&shared)
        .timeout_config(timeouts)
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .force_path_style(s3.force_path_style);
    if !s3.endpoint.is_empty() {
        builder = builder.endpoint_url(s3.endpoint.clone());
    }
    builder = match s3.checksum {
        S3Checksum::Md5 => builder
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired),
        S3Checksum::Crc32 | S3Checksum::Sha256 => {
            builder.request_checksum_calculation(RequestChecksumCalculation::WhenSupported)
        }
    };
    aws_sdk_s3::Client::from_conf(builder.build())
}

impl ObjectStore for S3ObjectStore {
    fn put<'a>(
        &'a self,
        key: &'a str,
        body: Bytes,
        content_type: &'a str,
    ) -> BoxFuture<'a, Result<(), PutError>> {
        Box::pin(async move {
            let mut request = self
                .client
                .put_object()
                .bucket(&self.bucket)
                .key(key)
                .content_type(content_type)
                .content_length(body.len() as i64);
            request = match self.checksum {
                S3Checksum::Crc32 => request.checksum_algorithm(ChecksumAlgorithm::Crc32),
                S3Checksum::Sha256 => request.checksum_algorithm(ChecksumAlgorithm::Sha256),
                S3Checksum::Md5 => request.content_md5(content_md5(&body)),
            };
            request
                .body(ByteStream::from(body))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| PutError {
                    message: describe(&e),
                })
        })
    }
}

/// Base64 of the MD5 of `body` (the `Content-MD5` header).
pub fn content_md5(body: &[u8]) -> String {
    use base64::Engine as _;
    use md5::Digest as _;
    base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(body))
}

/// A short, secret-free, one-line description of a failed request: the status, code
/// and message of an answer, else the causes in a row ([`crate::logging::chain`]; the
/// SDK's own `DisplayErrorContext` appends a `Debug` dump of the whole error).
pub fn describe<E>(err: &SdkError<E, HttpResponse>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    use crate::logging::chain;
    match err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            format!(
                "S3 answered {}: {} {}",
                service.raw().status().as_u16(),
                e.code().unwrap_or("error"),
                e.message().unwrap_or("")
            )
            .trim_end()
            .to_string()
        }
        SdkError::TimeoutError(_) => "S3 request timed out".to_string(),
        SdkError::DispatchFailure(failure) if failure.is_timeout() => {
            "S3 request timed out".to_string()
        }
        SdkError::DispatchFailure(_) => format!("cannot reach S3: {}", chain(err)),
        SdkError::ResponseError(_) => format!("unreadable S3 answer: {}", chain(err)),
        _ => format!("S3 request failed: {}", chain(err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_md5_is_the_base64_md5_digest() {
        // RFC 1321 test vector: md5("") = d41d8cd98f00b204e9800998ecf8427e.
        assert_eq!(content_md5(b""), "1B2M2Y8AsgTpgAmY7PhCfg==");
    }
}
