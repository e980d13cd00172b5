//! How text is normalized before it is matched: header and code keys, collapsed whitespace.

/// Header matching ignores case, spaces, underscores, hyphens, slashes and periods.
pub(crate) fn header_key(text: &str) -> String {
    text.chars()
        .filter(|c| !(c.is_whitespace() || matches!(c, '_' | '-' | '/' | '.')))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Code matching ignores case, spaces, hyphens and underscores.
pub(crate) fn code_key(text: &str) -> String {
    code_key_cow(text).into_owned()
}

/// `code_key`, borrowing when the text is already a key (upper-case letters and digits).
pub(super) fn code_key_cow(text: &str) -> std::borrow::Cow<'_, str> {
    if text
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars()
            .filter(|c| !(c.is_whitespace() || matches!(c, '_' | '-')))
            .flat_map(char::to_uppercase)
            .collect(),
    )
}

/// True for the ASCII bytes that `char::is_whitespace` knows: the space, tab, line feed,
/// vertical tab, form feed and carriage return (`u8::is_ascii_whitespace` leaves out the
/// vertical tab). The byte-by-byte fast paths skip exactly what `trim` and
/// `split_whitespace` would.
pub(crate) fn is_space_byte(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ')
}

/// `code_key` of ASCII text, written into `buffer` without allocating; `None` when the text
/// is not ASCII or its key does not fit (the caller then takes `code_key`).
pub(super) fn ascii_code_key<'b>(text: &str, buffer: &'b mut [u8; 32]) -> Option<&'b [u8]> {
    let mut len = 0;
    for &b in text.as_bytes() {
        match b {
            b'_' | b'-' => continue,
            _ if is_space_byte(b) => continue,
            _ if !b.is_ascii() => return None,
            _ => {}
        }
        *buffer.get_mut(len)? = b.to_ascii_uppercase();
        len += 1;
    }
    Some(&buffer[..len])
}

/// Names a list as a sentence does: `A`, `A or B`, `A, B or C`. Messages and the rule
/// catalog name code lists this way, built from the lists themselves.
pub(crate) fn or_list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [rest @ .., last] => {
            let rest: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} or {}", rest.join(", "), last.as_ref())
        }
    }
}

/// Trims text and turns runs of inner whitespace into one space; borrows when the text is
/// already in that form, as it almost always is.
pub(crate) fn collapse_whitespace(text: &str) -> std::borrow::Cow<'_, str> {
    if is_collapsed(text) {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.split_whitespace().collect::<Vec<_>>().join(" "))
    }
}

/// True when `text` is already trimmed with single spaces between words: one pass over the
/// bytes, and a pass over the characters only when the text is not ASCII (where a
/// whitespace character other than the space may hide).
fn is_collapsed(text: &str) -> bool {
    let bytes = text.as_bytes();
    // Visible ASCII only (an ID, a one-word name): nothing to collapse.
    if bytes.iter().all(|b| (b'!'..=b'~').contains(b)) {
        return true;
    }
    let (mut previous_space, mut ascii) = (true, true); // a leading space is not collapsed
    for &b in bytes {
        match b {
            b' ' if previous_space => return false,
            b' ' => {}
            // The rest of the ASCII whitespace is never collapsed.
            _ if is_space_byte(b) => return false,
            _ => {}
        }
        previous_space = b == b' ';
        ascii &= b.is_ascii();
    }
    if previous_space && !bytes.is_empty() {
        return false; // a trailing space
    }
    ascii
        || (!text.starts_with(char::is_whitespace)
            && !text.ends_with(char::is_whitespace)
            && !text.chars().any(|c| c.is_whitespace() && c != ' '))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What collapsing means, written the slow way.
    fn collapsed_slowly(text: &str) -> String {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn whitespace_is_collapsed() {
        for text in [
            "",
            " ",
            "a",
            "a b",
            " a",
            "a ",
            "a  b",
            "a\tb",
            "a\u{a0}b",
            "\u{3000}a",
            "é b",
            "a \u{2003}",
        ] {
            assert_eq!(
                collapse_whitespace(text),
                collapsed_slowly(text),
                "{text:?}"
            );
        }
        assert!(matches!(
            collapse_whitespace("Anne Marie"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    proptest! {
        #[test]
        fn the_ascii_code_key_is_the_code_key(text in "[ a-zA-Z0-9_\t\x0b-]{0,40}|\\PC{0,8}") {
            let mut buffer = [0; 32];
            if let Some(key) = ascii_code_key(&text, &mut buffer) {
                let slow = code_key(&text);
                prop_assert_eq!(key, slow.as_bytes());
            } else {
                prop_assert!(!text.is_ascii() || code_key(&text).len() > 32);
            }
        }

        #[test]
        fn the_fast_check_collapses_as_split_whitespace_does(
            text in "[ a-zA-Z\t\n\r\x0b\x0c\u{a0}\u{85}\u{2003}\u{3000}é'-]{0,12}"
        ) {
            prop_assert_eq!(collapse_whitespace(&text).into_owned(), collapsed_slowly(&text));
        }

        #[test]
        fn any_text_collapses_as_split_whitespace_does(text in any::<String>()) {
            prop_assert_eq!(collapse_whitespace(&text).into_owned(), collapsed_slowly(&text));
        }
    }
}
