//! Page cursors are opaque to clients: each list writes its position as text, and this wraps it
//! (URL-safe base64) so clients pass it back unchanged rather than build one.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_cursor_gives_back_its_text(text in "\\PC{0,80}") {
            prop_assert_eq!(super::unwrap_text(&super::wrap(&text)), Some(text));
        }
    }

    #[test]
    fn foreign_cursors_are_refused() {
        assert_eq!(super::unwrap_text("not base64!"), None);
        assert_eq!(super::unwrap_text(&super::wrap("")), Some(String::new()));
    }
}
