//! Page cursors are opaque to clients: each list writes its position as text, and this wraps it
//! (URL-safe base64) so clients pass it back unchanged rather than build one.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

/// The cursor a client gets for a position written as `text`.
pub fn wrap(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(text)
}

/// The position text of a cursor; `None` for anything this service did not give out.
pub fn unwrap_text(cursor: &str) -> Option<String> {
    String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()
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
