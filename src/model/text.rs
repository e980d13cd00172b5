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
    let bytes = text.as_bytes();
    let clean = !text.starts_with(char::is_whitespace)
        && !text.ends_with(char::is_whitespace)
        && bytes.iter().enumerate().all(|(i, b)| match b {
            b' ' => bytes.get(i + 1) != Some(&b' '),
            b'\t' | b'\n' | b'\r' | 0x0B | 0x0C => false,
            _ => true,
        })
        && (text.is_ascii() || !text.chars().any(|c| c.is_whitespace() && c != ' '));
    if clean {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.split_whitespace().collect::<Vec<_>>().join(" "))
    }
}
