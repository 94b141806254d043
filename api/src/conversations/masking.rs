//! Contact details out of messages before hiring: phone numbers (written with digits or words),
//! email addresses (also "name at domain dot com"), links and social handles become
//! [`HIDDEN`]. Payments stay on the platform, and a pro sees a customer's contact details only
//! once hired (seed 001).

use std::sync::LazyLock;

use regex::{Captures, Regex};

/// What a masked detail is replaced with.
pub const HIDDEN: &str = "[contact details hidden]";

/// What the writer of a masked message is told.
pub const NOTE: &str = "Phone numbers, email addresses and links are hidden until the pro is \
                        hired; keep talking and paying here.";

/// The text as the other side may see it, and whether anything was hidden.
pub fn mask_contact_details(text: &str) -> (String, bool) {
    let mut masked = false;
    let mut text = text.to_owned();
    // A handle keeps the space before it (group 1); the others are replaced whole.
    let handle = format!("${{1}}{HIDDEN}");
    for (pattern, replacement) in [
        (&*EMAIL, HIDDEN),
        (&*SPELLED_EMAIL, HIDDEN),
        (&*LINK, HIDDEN),
        (&*HANDLE, handle.as_str()),
    ] {
        if pattern.is_match(&text) {
            masked = true;
            text = pattern.replace_all(&text, replacement).into_owned();
        }
    }
    let phones = PHONE.replace_all(&text, |found: &Captures<'_>| {
        let candidate = &found[0];
        if looks_like_phone(candidate) {
            masked = true;
            HIDDEN.to_owned()
        } else {
            candidate.to_owned()
        }
    });
    (phones.into_owned(), masked)
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[a-z0-9._%+\-]+\s*@\s*[a-z0-9\-]+(\s*\.\s*[a-z0-9\-]+)+").expect("email")
});

/// Top-level domains people write contact details with.
const TLDS: &str =
    "com|ca|net|org|io|co|info|biz|me|us|uk|app|dev|site|online|shop|link|ly|gl|page|xyz";

/// "jo at example dot com", "jo [at] example (dot) com": ending in a top-level domain, so that
/// "look at this dot on the wall" stays.
static SPELLED_EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    let dot = r"\s*(\[dot\]|\(dot\)|\{dot\}|\bdot\b|\.)\s*";
    Regex::new(&format!(
        r"(?i)\b[a-z0-9._%+\-]+\s*(\[at\]|\(at\)|\{{at\}}|\bat\b)\s*[a-z0-9\-]+({dot}[a-z0-9\-]+)*{dot}({TLDS})\b"
    ))
    .expect("spelled email")
});

/// Addresses with a scheme or `www.`, and bare domains under common top-level domains.
static LINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b(https?://|www\.)\S+|\b[a-z0-9\-]+(\.[a-z0-9\-]+)*\.({TLDS})\b(/\S*)?"
    ))
    .expect("link")
});

/// "@jo_plumbing" on its own (Instagram, X, Telegram).
static HANDLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(^|[\s(])@[A-Za-z0-9_.]{2,}").expect("handle"));

/// A run of digits or digit words with the separators people put in phone numbers; whether it
/// is one is decided by [`looks_like_phone`].
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    let token = r"(\d|\b(zero|oh|one|two|three|four|five|six|seven|eight|nine)\b)";
    Regex::new(&format!(r"(?i)\+?\(?{token}([\s.\-–/()]*{token})+\)?")).expect("phone")
});

/// Dates and amounts, which are digits with separators too.
static NOT_A_PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4})$|\d\.\d{2}(\D|$)")
        .expect("not a phone")
});

/// 7 to 15 digits (the shortest local number to the longest international one), and not a
/// date or an amount with cents.
fn looks_like_phone(candidate: &str) -> bool {
    let digits = digit_count(candidate);
    (7..=15).contains(&digits) && !NOT_A_PHONE.is_match(candidate.trim())
}

fn digit_count(text: &str) -> usize {
    const WORDS: [&str; 11] = [
        "zero", "oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    let lower = text.to_lowercase();
    let digits = lower.chars().filter(char::is_ascii_digit).count();
    let words = lower
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|word| WORDS.contains(word))
        .count();
    digits + words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hides(text: &str) {
        let (masked, changed) = mask_contact_details(text);
        assert!(changed, "{text:?} was not masked");
        assert!(masked.contains(HIDDEN), "{text:?} -> {masked:?}");
        let digits = digit_count(&masked.replace(HIDDEN, ""));
        assert!(
            digits < 7,
            "{text:?} -> {masked:?} still holds {digits} digits"
        );
        for leak in ["@", "example", "www", "http", "jo_plumb"] {
            assert!(
                !masked.contains(leak),
                "{text:?} -> {masked:?} leaks {leak}"
            );
        }
    }

    fn keeps(text: &str) {
        assert_eq!(
            mask_contact_details(text),
            (text.to_owned(), false),
            "{text:?}"
        );
    }

    #[test]
    fn phone_numbers_in_every_usual_format_are_hidden() {
        for text in [
            "Call me on +1 (416) 555-0199 tonight",
            "416.555.0199",
            "my cell is 4165550199.",
            "416 555 0199",
            "4 1 6 5 5 5 0 1 9 9",
            "four one six five five five zero one nine nine",
            "Four-one-six, 555 oh one nine nine",
            "+44 20 7946 0958",
            "text 555-0199",
            "(416)5550199",
            "+1-416-555-0199 ext",
        ] {
            hides(text);
        }
    }

    #[test]
    fn emails_links_and_handles_are_hidden() {
        for text in [
            "write to jo.smith@example.com please",
            "jo @ example . com",
            "jo [at] example [dot] com",
            "jo at example dot com",
            "JO(AT)EXAMPLE(DOT)CA",
            "see https://jo.example.com/quote?id=1",
            "www.example.org",
            "my site joplumbing.ca/work has photos",
            "find me on insta @jo_plumbing",
        ] {
            hides(text);
        }
    }

    #[test]
    fn dates_prices_and_measurements_stay() {
        for text in [
            "Could you come on 2026-12-03 or 12/04/2026?",
            "I can do it for $1,500, or 150.00 - 200.00 for the small job.",
            "Between 9 and 5, say 10:30.",
            "2 bathrooms, 3 bedrooms, 1200 sq ft, postal code M5H 2N2.",
            "I'll be there at noon. Is one hour enough?",
            "Look at this dot on the wall.",
            "e.g. the tap, approx. 2h of work",
            "Three or four people, two floors.",
        ] {
            keeps(text);
        }
    }
}
