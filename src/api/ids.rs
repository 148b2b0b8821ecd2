//! Validation of ids that arrive in requests.
//!
//! A user id becomes part of file names and S3 keys, so nothing but 1..=64 characters
//! of `[A-Za-z0-9_.-]` (or a non-negative integer, as the kiosk backend sends) passes.

use serde_json::Value;

use super::ApiError;
use crate::config::is_key_segment;

/// A user id from a JSON `id` (string or integer).
pub fn user_id_from_json(value: Option<&Value>) -> Result<String, ApiError> {
    let id = match value {
        None | Some(Value::Null) => return Err(missing()),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) if n.is_u64() => n.to_string(),
        Some(_) => return Err(invalid()),
    };
    user_id_from_str(&id)
}

/// A user id from text (query string, multipart field).
pub fn user_id_from_str(id: &str) -> Result<String, ApiError> {
    if is_key_segment(id) {
        Ok(id.to_string())
    } else {
        Err(invalid())
    }
}

fn missing() -> ApiError {
    ApiError::bad_request(
        "missing_id",
        "the request has no `id`",
        "사용자 ID가 없습니다",
    )
}

fn invalid() -> ApiError {
    ApiError::bad_request(
        "invalid_id",
        "`id` must be 1..64 characters of [A-Za-z0-9_.-] or an integer",
        "사용자 ID 형식이 잘못되었습니다",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn integers_and_safe_strings_pass() {
        assert_eq!(user_id_from_json(Some(&json!(1))).unwrap(), "1");
        assert_eq!(
            user_id_from_json(Some(&json!("kim.j-01"))).unwrap(),
            "kim.j-01"
        );
    }

    #[test]
    fn everything_else_is_a_400_with_a_code() {
        for v in [
            json!(null),
            json!(-1),
            json!(1.5),
            json!("../x"),
            json!(""),
            json!("a b"),
            json!([1]),
            json!(true),
        ] {
            let e = user_id_from_json(Some(&v)).unwrap_err();
            assert_eq!(e.status, 400, "{v}");
        }
        assert_eq!(user_id_from_json(None).unwrap_err().code, "missing_id");
    }
}
