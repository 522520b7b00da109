//! Pages of lists, one rule for all of them. `limit` is the page size: absent gives the list's
//! default, anything outside `1..=max` is a 422 naming `limit` (never silently clamped), and the
//! contract states the range (`minimum`/`maximum`). Cursors are opaque to clients: each list
//! writes its position as text, and this wraps it (URL-safe base64) so clients pass it back
//! unchanged rather than build one; an empty `cursor=` is the first page, as no cursor is; a
//! cursor this service did not give is a 422 naming `cursor`.

use std::collections::BTreeMap;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::{
    error::AppError,
    messages::{FieldMsg, Msg},
};

/// The page size a list answers with: `given`, or `default` when absent; 422 outside `1..=max`.
pub fn limit(given: Option<i64>, default: i64, max: i64) -> Result<i64, AppError> {
    let limit = given.unwrap_or(default);
    if (1..=max).contains(&limit) {
        Ok(limit)
    } else {
        Err(query_error("limit", FieldMsg::OutOfRange { min: 1, max }))
    }
}

/// The cursor a client sent, with an empty one taken as none (the first page).
pub fn given(cursor: Option<String>) -> Option<String> {
    cursor.filter(|c| !c.is_empty())
}

/// The error for a cursor this service did not give out.
pub fn invalid() -> AppError {
    query_error("cursor", FieldMsg::Invalid)
}

/// A 422 for one query parameter.
pub fn query_error(name: &str, msg: FieldMsg) -> AppError {
    AppError::Validation {
        detail: Msg::QueryInvalid,
        errors: BTreeMap::from([(name.to_owned(), Msg::Field(msg))]),
    }
}

/// The cursor a client gets for a position written as `text`.
pub fn wrap(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(text)
}

/// The position text of a cursor; `None` for anything this service did not give out.
pub fn unwrap_text(cursor: &str) -> Option<String> {
    if cursor.len() > 400 {
        return None;
    }
    // A cursor this service wrote holds printable text only: a NUL in one was forged, and
    // PostgreSQL refuses NUL in text (a 500, not the 422 a forged cursor gets).
    String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?)
        .ok()
        .filter(|t| !t.chars().any(char::is_control))
}

/// An instant from a cursor's microseconds, only within the dates the service deals in.
pub fn instant(micros: &str) -> Option<chrono::NaiveDateTime> {
    let at = chrono::DateTime::from_timestamp_micros(micros.parse().ok()?)?.naive_utc();
    crate::clock::date_in_range(at.date()).then_some(at)
}

/// The cursor of a list ordered by (instant, id): the last item's pair.
pub fn of_instant_and_id(at: chrono::NaiveDateTime, id: &str) -> String {
    wrap(&format!("{}|{id}", at.and_utc().timestamp_micros()))
}

/// The (instant, id) a cursor from [`of_instant_and_id`] names; `None` for the first page; a 422
/// naming `cursor` for one this service did not give.
pub fn instant_and_id(
    cursor: Option<String>,
) -> Result<Option<(chrono::NaiveDateTime, String)>, AppError> {
    let Some(cursor) = cursor else {
        return Ok(None);
    };
    let text = unwrap_text(&cursor).ok_or_else(invalid)?;
    let (micros, id) = text.split_once('|').ok_or_else(invalid)?;
    let at = instant(micros).ok_or_else(invalid)?;
    Ok(Some((at, id.to_owned())))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_cursor_gives_back_its_text(text in "\\PC{0,80}") {
            prop_assert_eq!(super::unwrap_text(&super::wrap(&text)), Some(text));
        }

        #[test]
        fn an_instant_and_id_cursor_gives_back_its_pair(micros in 946_684_800_000_000i64..4_102_444_799_000_000, id in "[0-9a-f-]{1,40}") {
            let at = chrono::DateTime::from_timestamp_micros(micros).unwrap_or_default().naive_utc();
            let cursor = super::of_instant_and_id(at, &id);
            prop_assert_eq!(super::instant_and_id(Some(cursor)).ok().flatten(), Some((at, id)));
        }
    }

    #[test]
    fn a_limit_outside_its_range_is_refused_not_clamped() {
        assert_eq!(super::limit(None, 20, 100).ok(), Some(20));
        assert_eq!(super::limit(Some(1), 20, 100).ok(), Some(1));
        assert_eq!(super::limit(Some(100), 20, 100).ok(), Some(100));
        for bad in [0, -1, 101, i64::MIN, i64::MAX] {
            assert!(super::limit(Some(bad), 20, 100).is_err(), "{bad}");
        }
        assert_eq!(super::given(Some(String::new())), None);
        assert_eq!(super::given(Some("x".into())).as_deref(), Some("x"));
    }

    #[test]
    fn foreign_cursors_are_refused() {
        assert_eq!(super::unwrap_text("not base64!"), None);
        assert_eq!(super::unwrap_text(&super::wrap("")), Some(String::new()));
    }
}
