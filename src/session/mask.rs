//! Masking secret values, in the forms they take on the way out: the value
//! itself, percent-encoded (as a query string, a form body or a path puts
//! it), JSON-escaped, base64-encoded (alone or inside a longer base64 text,
//! such as a Basic `Authorization` header) and garbled by a Latin-1 reading
//! of its UTF-8 bytes. [`MaskStream`] masks output that arrives in pieces.
use aho_corasick::{AhoCorasick, MatchKind};
use serde_json::Value;
use std::sync::Arc;

/// What a masked secret looks like.
pub const MASK: &str = "***";

/// Secrets shorter than this are not looked for in base64: a few base64
/// characters match ordinary text far too often.
const BASE64_MIN_SECRET: usize = 6;

/// Replaces secret values (in every form listed in the module docs) with [`MASK`].
#[derive(Clone, Default)]
pub struct Masker {
    secrets: Vec<String>,
    matcher: Option<Arc<AhoCorasick>>,
    longest: usize,
}

impl std::fmt::Debug for Masker {
    // Never print the secrets themselves, not even in a debug dump.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Masker").field("secrets", &self.secrets.len()).finish()
    }
}

impl Masker {
    pub fn new(mut secrets: Vec<String>) -> Self {
        secrets.retain(|s| !s.is_empty());
        secrets.sort();
        secrets.dedup();
        let mut forms: Vec<String> = secrets.iter().flat_map(|s| forms_of(s)).collect();
        forms.sort();
        forms.dedup();
        let longest = forms.iter().map(String::len).max().unwrap_or(0);
        // Leftmost-longest: where a form and a longer one start at the same
        // place, the whole longer one is masked.
        let matcher = (!forms.is_empty())
            .then(|| AhoCorasick::builder().match_kind(MatchKind::LeftmostLongest).build(&forms).ok())
            .flatten()
            .map(Arc::new);
        Self { secrets, matcher, longest }
    }

    /// Whether there is anything to mask.
    pub fn is_empty(&self) -> bool {
        self.matcher.is_none()
    }

    /// The secret values (as given, not their forms).
    pub fn secrets(&self) -> &[String] {
        &self.secrets
    }

    /// Whether `s` holds a secret value in any of its forms.
    pub fn finds_secret(&self, s: &str) -> bool {
        self.matcher.as_ref().is_some_and(|m| m.is_match(s))
    }

    pub fn mask_str(&self, s: &str) -> String {
        match &self.matcher {
            Some(m) => m.replace_all(s, &vec![MASK; m.patterns_len()]),
            None => s.to_string(),
        }
    }

    pub fn mask(&self, v: &Value) -> Value {
        if self.is_empty() {
            return v.clone();
        }
        match v {
            Value::String(s) => Value::String(self.mask_str(s)),
            Value::Array(a) => Value::Array(a.iter().map(|x| self.mask(x)).collect()),
            Value::Object(m) => Value::Object(m.iter().map(|(k, x)| (self.mask_str(k), self.mask(x))).collect()),
            other => other.clone(),
        }
    }

    /// Mask the next piece of a stream whose earlier pieces left `pending`.
    /// Returns what can be shown now; keeps in `pending` at most the longest
    /// form less one byte, which may be the start of a secret that the next
    /// piece completes. [`Masker::flush`] gives the rest at the end.
    pub fn mask_piece(&self, pending: &mut String, piece: &str) -> String {
        pending.push_str(piece);
        let Some(m) = &self.matcher else { return std::mem::take(pending) };
        let mut cut = floor_char_boundary(pending, pending.len().saturating_sub(self.longest.saturating_sub(1)));
        let found: Vec<(usize, usize)> = m.find_iter(pending.as_str()).map(|x| (x.start(), x.end())).collect();
        // A match across the cut is complete (it is no longer than the held
        // part): show all of it masked rather than half of it in clear.
        if let Some(&(_, end)) = found.iter().find(|(s, e)| *s < cut && *e > cut) {
            cut = end;
        }
        let shown = self.mask_str(&pending[..cut]);
        pending.drain(..cut);
        shown
    }

    /// The end of a stream: what [`Masker::mask_piece`] held back, masked.
    pub fn flush(&self, pending: &mut String) -> String {
        let rest = std::mem::take(pending);
        self.mask_str(&rest)
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Every form of one secret value that is looked for.
pub fn forms_of(secret: &str) -> Vec<String> {
    let mut out = vec![secret.to_string()];
    out.extend(percent_forms(secret));
    out.extend(json_forms(secret));
    out.extend(base64_forms(secret.as_bytes()));
    if !secret.is_ascii() {
        // How a reader that falls back to Latin-1 shows it (process output
        // with one invalid byte is read that way, as Chaos Toolkit does).
        out.push(secret.bytes().map(char::from).collect());
    }
    out.retain(|f| !f.is_empty());
    out.sort();
    out.dedup();
    out
}

/// Percent-encodings as common encoders write them: RFC 3986 (Python's
/// `quote(safe='')`), with `/` kept (Python's `quote`), `quote_plus`, and the
/// WHATWG form encoding (reqwest's query strings and form bodies), in upper-
/// and lower-case hex.
fn percent_forms(secret: &str) -> Vec<String> {
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || b"-._~".contains(&b);
    let form_safe = |b: u8| b.is_ascii_alphanumeric() || b"*-._".contains(&b);
    let mut out = Vec::new();
    for upper in [true, false] {
        out.push(percent(secret, upper, false, unreserved));
        out.push(percent(secret, upper, true, unreserved));
        out.push(percent(secret, upper, false, |b| unreserved(b) || b == b'/'));
        out.push(percent(secret, upper, true, form_safe));
    }
    out
}

fn percent(secret: &str, upper: bool, plus_for_space: bool, keep: impl Fn(u8) -> bool) -> String {
    let mut s = String::with_capacity(secret.len() * 3);
    for b in secret.bytes() {
        if keep(b) {
            s.push(char::from(b));
        } else if plus_for_space && b == b' ' {
            s.push('+');
        } else if upper {
            s.push_str(&format!("%{b:02X}"));
        } else {
            s.push_str(&format!("%{b:02x}"));
        }
    }
    s
}

/// The value inside a JSON string: as serde writes it, and with every
/// non-ASCII character as `\uXXXX` (Python's `json.dumps`), `/` as `\/` too.
fn json_forms(secret: &str) -> Vec<String> {
    let plain = serde_json::to_string(secret).unwrap_or_default();
    let plain = plain.get(1..plain.len().saturating_sub(1)).unwrap_or_default().to_string();
    let mut ascii = String::new();
    for c in plain.chars() {
        if c.is_ascii() {
            ascii.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                ascii.push_str(&format!("\\u{u:04x}"));
            }
        }
    }
    let slashed = ascii.replace('/', "\\/");
    vec![plain, ascii, slashed]
}

/// Base64 (standard and URL-safe alphabets): the whole value with and without
/// padding, and the characters that only the value decides at each of the
/// three alignments inside a longer text, e.g. `user:secret` in Basic auth.
fn base64_forms(secret: &[u8]) -> Vec<String> {
    if secret.len() < BASE64_MIN_SECRET {
        return Vec::new();
    }
    let mut out = Vec::new();
    for alphabet in [STANDARD, URL_SAFE] {
        let whole = base64(secret, alphabet);
        out.push(whole.trim_end_matches('=').to_string());
        out.push(whole);
        for lead in 0..3usize {
            let mut shifted = vec![0u8; lead];
            shifted.extend_from_slice(secret);
            let text = base64(&shifted, alphabet);
            // Character i covers bits 6i..6i+6 of the input; keep those that
            // lie wholly within the secret's bits.
            let first = (8 * lead).div_ceil(6);
            let end_bit = 8 * (lead + secret.len());
            let last = end_bit / 6; // exclusive
            if let Some(core) = text.get(first..last) {
                out.push(core.to_string());
            }
        }
    }
    out
}

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64(bytes: &[u8], alphabet: &[u8; 64]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(alphabet[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const AWS: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY+EXAMPLEKEY";

    #[test]
    fn base64_matches_the_reference_encoding() {
        assert_eq!(base64(b"user:pa", STANDARD), "dXNlcjpwYQ==");
        assert_eq!(base64(b"foobar", STANDARD), "Zm9vYmFy");
        assert_eq!(base64(b"\xfb\xff", URL_SAFE), "-_8=");
    }

    #[test]
    fn every_encoding_of_a_secret_is_masked() {
        let m = Masker::new(vec![AWS.into()]);
        let enc = "wJalrXUtnFEMI%2FK7MDENG%2FbPxRfiCY%2BEXAMPLEKEY";
        assert_eq!(m.mask_str(&format!("GET /x?k={enc} failed")), "GET /x?k=*** failed");
        assert_eq!(m.mask_str(&enc.replace("%2F", "%2f").replace("%2B", "%2b")), MASK, "lower-case hex too");
        let json = serde_json::to_string(&serde_json::json!({"k": AWS})).unwrap();
        assert!(!m.mask_str(&json).contains("EXAMPLEKEY"));
        assert!(!m.mask_str(&AWS.replace('/', "\\/")).contains("EXAMPLEKEY"));
        let b64 = base64(AWS.as_bytes(), STANDARD);
        assert_eq!(m.mask_str(&b64), MASK);
        // Inside Basic auth, at each alignment, only a few edge characters stay.
        for user in ["a", "ab", "abc"] {
            let basic = base64(format!("{user}:{AWS}").as_bytes(), STANDARD);
            let masked = m.mask_str(&basic);
            assert!(masked.contains(MASK) && masked.len() < 12, "{user}: {masked}");
        }
    }

    #[test]
    fn a_non_ascii_secret_read_as_latin1_is_masked() {
        let secret = "pässwörd-ünïcode";
        let m = Masker::new(vec![secret.into()]);
        let garbled: String = format!("x {secret} \u{ff}").bytes().map(char::from).collect();
        assert!(!m.mask_str(&garbled).contains("rd-"), "{}", m.mask_str(&garbled));
        // As Python's json.dumps writes it.
        let dumped = r#"{"k": "p\u00e4ssw\u00f6rd-\u00fcn\u00efcode"}"#;
        assert_eq!(m.mask_str(dumped), r#"{"k": "***"}"#);
    }

    #[test]
    fn a_secret_split_across_pieces_is_never_shown() {
        let secret = "S3cr3tTokABCDEFGH";
        let m = Masker::new(vec![secret.into()]);
        let text = format!("token={secret} and again token={secret}\nend");
        // Every way of cutting the text in two, and byte by byte.
        for cut in 0..=text.len() {
            let mut pending = String::new();
            let mut shown = m.mask_piece(&mut pending, &text[..cut]);
            shown += &m.mask_piece(&mut pending, &text[cut..]);
            shown += &m.flush(&mut pending);
            assert_eq!(shown, "token=*** and again token=***\nend", "cut at {cut}");
        }
        let mut pending = String::new();
        let mut shown = String::new();
        for c in text.chars() {
            shown += &m.mask_piece(&mut pending, &c.to_string());
            assert!(pending.len() < m.longest, "holds back too much: {}", pending.len());
        }
        shown += &m.flush(&mut pending);
        assert_eq!(shown, "token=*** and again token=***\nend");
    }

    #[test]
    fn debug_output_never_shows_a_secret() {
        let m = Masker::new(vec!["hunter2-hunter2".into()]);
        assert!(!format!("{m:?}").contains("hunter2"));
    }
}
