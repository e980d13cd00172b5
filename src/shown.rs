//! Text for the terminal (SPEC 4.4): file names and values come from outside, and a control
//! character in them (ESC, BEL, a line feed) would move the cursor, ring the bell or split a
//! finding over two lines. Every line cpbatch prints goes through [`escaped`].

use std::borrow::Cow;
use std::fmt::Write;

/// `text` with every control character written as an escape: `\x1b` for the C0 controls and
/// DEL, `\u{85}` for the C1 controls and the Unicode marks that reorder or hide text (bidi
/// overrides and isolates, zero-width marks, line and paragraph separators).
pub fn escaped(text: &str) -> Cow<'_, str> {
    // Printable ASCII, as nearly every line is, needs no escape: checked a byte at a time.
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) || !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !needs_escape(c) {
            out.push(c);
        } else if u32::from(c) < 0x80 {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        } else {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'
        )
}

#[cfg(test)]
mod tests {
    use super::escaped;

    #[test]
    fn control_characters_are_escaped_and_plain_text_is_borrowed() {
        assert_eq!(escaped("acme.xlsx"), "acme.xlsx");
        assert!(matches!(
            escaped("Müller/ä.xlsx"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(escaped("a\x1b[2Jb\x07.xlsx"), "a\\x1b[2Jb\\x07.xlsx");
        assert_eq!(escaped("a\nb\r\t"), "a\\x0ab\\x0d\\x09");
        assert_eq!(escaped("x\u{7f}\u{85}\u{202e}"), "x\\x7f\\u{85}\\u{202e}");
    }
}
