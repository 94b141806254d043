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

/// Top-level domains people write contact details with.
const TLDS: &str = "com|ca|net|org|io|co|info|biz|me|us|uk|fr|de|es|it|nl|eu|au|in|mx|br|app|dev|\
                    site|online|shop|link|ly|gl|page|xyz|email|pro|ai|tv";

/// The top-level domains a spelled-out address ends in: only the ones that are not also words
/// ("dot in the middle", "at me dot").
const SPELLED_TLDS: &str = "com|ca|net|org|info|biz|app|dev|shop|site|online|email";

/// "jo@example.com", "jo @ example . com", "jo@gmail dot com": ending in a top-level domain, so
/// that "meet @ 5.30" and the word after a full stop stay.
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    let dot = r"\s*(\.|\[dot\]|\(dot\)|\{dot\}|\bdot\b)\s*";
    Regex::new(&format!(
        r"(?i)[a-z0-9._%+\-]+\s*@\s*[a-z0-9\-]+({dot}[a-z0-9\-]+)*?{dot}({TLDS})\b"
    ))
    .expect("email")
});

/// "jo at example dot com", "jo [at] example (dot) com": a spelled "at" wants a spelled "dot"
/// (or a dot without spaces), and a top-level domain at the end, so that "look at this dot on
/// the wall" and "I'm at home. Me too" stay.
static SPELLED_EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    let dot = r"(\s*(\[dot\]|\(dot\)|\{dot\}|\bdot\b)\s*|\.)";
    Regex::new(&format!(
        r"(?i)\b[a-z0-9._%+\-]+\s*(\[at\]|\(at\)|\{{at\}}|\bat\b)\s*[a-z0-9\-]+({dot}[a-z0-9\-]+)*?{dot}({SPELLED_TLDS})\b"
    ))
    .expect("spelled email")
});

/// Addresses with a scheme or `www.`, bare domains under common top-level domains, and the same
/// spelled out ("joplumbing dot ca").
static LINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b(https?://|www\.)\S+|\b[a-z0-9\-]+(\.[a-z0-9\-]+)*\.({TLDS})\b(/\S*)?|\b[a-z0-9\-]+\s+dot\s+({SPELLED_TLDS})\b"
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

/// Dates, amounts with cents and ranges of years or amounts, which are digits with separators
/// too.
static NOT_A_PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}|\$?\d+\.\d{2}(\s*[-–]\s*\$?\d+\.\d{2})?|\d{4}\s*[-–]\s*\d{4})$",
    )
    .expect("not a phone")
});

/// Seven digits or more (the shortest local number; a longer run may be two numbers in a row),
/// unless it is a date, an amount with cents or a range.
fn looks_like_phone(candidate: &str) -> bool {
    digit_count(candidate) >= 7 && !NOT_A_PHONE.is_match(candidate.trim())
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
            "416-555-0199 / 647-555-0123",
            "416 555 0199 4165550123",
            "06.12.34.56.78",
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
            "jo@gmail dot com",
            "jo @ gmail dot com",
            "joplumbing dot ca",
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
            "Budget is 1500-2000 dollars; the house was built 2019-2020.",
            "Meet @ 5.30? Three doors @ 12.50 each.",
            "I'm at home. Me and my wife are in all day.",
            "Look at the dot in the middle of the door.",
            "e.g. the tap, approx. 2h of work",
            "Three or four people, two floors.",
        ] {
            keeps(text);
        }
    }

    #[test]
    fn only_the_detail_goes_and_the_words_around_it_stay() {
        assert_eq!(
            mask_contact_details("email jo@example.com. Thanks a lot"),
            (format!("email {HIDDEN}. Thanks a lot"), true)
        );
        assert_eq!(
            mask_contact_details("Call 416-555-0199, or drop by."),
            (format!("Call {HIDDEN}, or drop by."), true)
        );
    }
}
