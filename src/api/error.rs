//! The one place where errors become HTTP answers.
//!
//! Every handler fails with an [`ApiError`] (a warp rejection); [`handle_rejection`]
//! turns it, and warp's own rejections, into `{"error", "message", "message_ko"}` JSON
//! with the right status. `message_ko` is the Korean text the kiosk shows.

use std::convert::Infallible;

use serde::Serialize;
use warp::http::StatusCode;
use warp::{Rejection, Reply};

/// An error answer: status, a stable machine code, and human texts in English and Korean.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub message_ko: String,
    /// `Retry-After` (seconds) for a 503 of a full work queue.
    pub retry_after_s: Option<u32>,
}

impl warp::reject::Reject for ApiError {}

/// Body of every error answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `invalid_id`.
    #[schema(example = "invalid_id")]
    pub error: String,
    /// What went wrong, in English.
    pub message: String,
    /// The same for the kiosk screen, in Korean.
    pub message_ko: String,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
        message_ko: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            message_ko: message_ko.into(),
            retry_after_s: None,
        }
    }

    /// The same answer with `Retry-After: seconds`.
    pub fn with_retry_after(mut self, seconds: u32) -> ApiError {
        self.retry_after_s = Some(seconds);
        self
    }

    /// A failed file write: 507 when the disk (or the quota) is full, so the kiosk
    /// shows that rather than "internal error"; anything else is internal.
    pub fn from_io(context: &'static str, error: &std::io::Error) -> ApiError {
        if is_disk_full(error) {
            tracing::error!(%error, context, "disk full");
            ApiError::disk_full(context)
        } else {
            ApiError::internal(context, error)
        }
    }

    /// 507: the disk has no room for what was to be stored (nothing was).
    pub fn disk_full(context: &str) -> ApiError {
        ApiError::new(
            StatusCode::INSUFFICIENT_STORAGE,
            "disk_full",
            format!("the disk of this kiosk is full ({context}): nothing was stored"),
            "키오스크의 저장 공간(디스크)이 가득 찼습니다. 아무것도 저장되지 않았습니다. 관리자에게 문의하세요",
        )
    }

    pub fn bad_request(
        code: &'static str,
        message: impl Into<String>,
        ko: impl Into<String>,
    ) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message, ko)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
            "찾을 수 없습니다",
        )
    }

    pub fn payload_too_large(limit: u64) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the request body is larger than the limit of {limit} bytes"),
            format!("요청 데이터가 너무 큽니다 (최대 {limit} 바이트)"),
        )
    }

    /// 408: the client stopped sending the body part-way (`api.body_timeout_ms`).
    pub fn body_timeout() -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            "body_timeout",
            "the request body stopped arriving before it was complete; nothing was stored",
            "요청 데이터가 끝까지 도착하지 않았습니다. 아무것도 저장되지 않았습니다. 다시 시도하세요",
        )
    }

    pub fn unsupported_media_type(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            message,
            "지원하지 않는 형식입니다",
        )
    }

    pub fn unavailable(
        code: &'static str,
        message: impl Into<String>,
        ko: impl Into<String>,
    ) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, code, message, ko)
    }

    pub fn insufficient_storage(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INSUFFICIENT_STORAGE,
            "storage_full",
            message,
            "저장 공간이 부족합니다. 관리자에게 문의하세요",
        )
    }

    /// An internal failure: logged with its cause, answered without details.
    pub fn internal(context: &'static str, error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, context, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("internal error ({context}); the details are in the service log"),
            "내부 오류가 발생했습니다",
        )
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or wrong bearer token (Authorization: Bearer <api.token>)",
            "인증이 필요합니다",
        )
    }

    pub fn reply(&self) -> warp::reply::Response {
        let body = ErrorBody {
            error: self.code.to_string(),
            message: self.message.clone(),
            message_ko: self.message_ko.clone(),
        };
        let mut reply =
            warp::reply::with_status(warp::reply::json(&body), self.status).into_response();
        if let Some(s) = self.retry_after_s {
            reply
                .headers_mut()
                .insert(warp::http::header::RETRY_AFTER, s.into());
        }
        reply
    }
}

/// ENOSPC or EDQUOT: the file system (or the user's quota) has no room.
pub fn is_disk_full(error: &std::io::Error) -> bool {
    error.kind() == std::io::ErrorKind::StorageFull
        || matches!(
            error.raw_os_error(),
            Some(libc::ENOSPC) | Some(libc::EDQUOT)
        )
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> ApiError {
        match &e {
            crate::store::StoreError::Io(io) => ApiError::from_io("database", io),
            crate::store::StoreError::Sqlite(_) if e.is_sqlite_full() => {
                ApiError::disk_full("database")
            }
            _ => ApiError::internal("database", e),
        }
    }
}

/// A failed capture: 409 when the person is missing or moving, 503 when the mat is.
impl From<crate::scanner::CaptureError> for ApiError {
    fn from(e: crate::scanner::CaptureError) -> Self {
        let (code, ko) = match &e {
            crate::scanner::CaptureError::NotConnected => (
                "scanner_not_connected",
                "발판 스캐너가 연결되어 있지 않습니다. 연결을 확인해 주세요",
            ),
            crate::scanner::CaptureError::NobodyOnMat { .. } => (
                "nobody_on_mat",
                "발판 위에 아무도 없습니다. 발판 위에 올라서 주세요",
            ),
            crate::scanner::CaptureError::NeverStable { .. } => (
                "capture_timeout",
                "측정 시간이 초과되었습니다. 움직이지 말고 바르게 서 주세요",
            ),
            crate::scanner::CaptureError::Stopped => (
                "scanner_stopped",
                "발판 스캐너가 중지되었습니다. 다시 시도해 주세요",
            ),
        };
        // Nobody stepped on, or nobody stood still: the person, not the service, is
        // missing; 409 (try again), never a 5xx. A mat that is gone is a 503.
        let status = match &e {
            crate::scanner::CaptureError::NobodyOnMat { .. }
            | crate::scanner::CaptureError::NeverStable { .. } => StatusCode::CONFLICT,
            crate::scanner::CaptureError::NotConnected | crate::scanner::CaptureError::Stopped => {
                StatusCode::SERVICE_UNAVAILABLE
            }
        };
        ApiError::new(status, code, e.to_string(), ko)
    }
}

/// The storage budget is used up: 507, the kiosk tells the user why.
impl From<crate::store::budget::BudgetError> for ApiError {
    fn from(e: crate::store::budget::BudgetError) -> ApiError {
        match e {
            crate::store::budget::BudgetError::Exceeded(e) => {
                ApiError::insufficient_storage(e.to_string())
            }
            crate::store::budget::BudgetError::Store(e) => ApiError::from(e),
        }
    }
}

/// Turns any rejection into a JSON error answer. Never fails.
pub async fn handle_rejection(err: Rejection) -> Result<warp::reply::Response, Infallible> {
    let api = if let Some(e) = err.find::<ApiError>() {
        e.clone()
    } else if err.is_not_found() {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such endpoint; the API is described at /api-doc/openapi.json",
            "없는 주소입니다",
        )
    } else if let Some(e) = err.find::<warp::reject::PayloadTooLarge>() {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            e.to_string(),
            "요청 데이터가 너무 큽니다",
        )
    } else if let Some(e) = err.find::<warp::reject::UnsupportedMediaType>() {
        ApiError::unsupported_media_type(e.to_string())
    } else if let Some(e) = err.find::<warp::filters::body::BodyDeserializeError>() {
        ApiError::bad_request(
            "invalid_json",
            format!("invalid JSON body: {e}"),
            "요청 형식이 잘못되었습니다",
        )
    } else if let Some(e) = err.find::<warp::reject::InvalidQuery>() {
        ApiError::bad_request("invalid_query", e.to_string(), "요청 형식이 잘못되었습니다")
    } else if let Some(e) = err.find::<warp::reject::MissingHeader>() {
        ApiError::bad_request(
            "missing_header",
            e.to_string(),
            "요청 형식이 잘못되었습니다",
        )
    } else if let Some(e) = err.find::<warp::reject::InvalidHeader>() {
        ApiError::bad_request(
            "invalid_header",
            e.to_string(),
            "요청 형식이 잘못되었습니다",
        )
    } else if let Some(e) = err.find::<warp::reject::LengthRequired>() {
        ApiError::new(
            StatusCode::LENGTH_REQUIRED,
            "length_required",
            e.to_string(),
            "요청 형식이 잘못되었습니다",
        )
    } else if let Some(e) = err.find::<warp::reject::MethodNotAllowed>() {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            e.to_string(),
            "허용되지 않는 요청입니다",
        )
    } else if let Some(e) = err.find::<warp::filters::cors::CorsForbidden>() {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "cors_forbidden",
            e.to_string(),
            "허용되지 않는 출처입니다",
        )
    } else {
        tracing::error!(rejection = ?err, "unhandled rejection");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "unhandled error",
            "내부 오류가 발생했습니다",
        )
    };
    Ok(api.reply())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_budget_answers_507_in_both_languages() {
        let err = ApiError::from(crate::store::budget::BudgetError::Exceeded(
            crate::store::budget::BudgetExceeded {
                used: 10,
                incoming: 5,
                budget: 12,
            },
        ));
        assert_eq!(err.status.as_u16(), 507);
        assert!(err.message.contains("budget"));
        assert!(!err.message_ko.is_empty());
    }
}
