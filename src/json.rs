//! The one strict reading of a JSON file, whoever wrote it (docs/SPEC.md J1 to J4): a leading
//! UTF-8 byte order mark is skipped (Windows tools add one), and an object that names a field
//! twice is refused at any depth, because readers differ on which of the two they keep (serde's
//! derived types refuse it, `JSON.parse` and `serde_json::Value` keep the last). Whole numbers
//! where whole numbers are meant are the types' own business (`u64` refuses `2116.0`).
//!
//! Owns no format: each format's type says what its fields are; this says how bytes become a
//! value.

use serde::de::{DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};

/// The UTF-8 byte order mark.
pub const BOM: &[u8] = b"\xef\xbb\xbf";

/// The bytes without a leading UTF-8 byte order mark (J1).
pub fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(BOM).unwrap_or(bytes)
}

/// Parses JSON strictly (J1 to J3): a leading byte order mark skipped, a field named twice in
/// one object refused, then the type's own rules.
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, serde_json::Error> {
    let bytes = without_bom(bytes);
    check_unique_fields(bytes)?;
    serde_json::from_slice(bytes)
}

/// Reads one line of a hash-chained file (J4: no byte order mark skipped) with its type
/// directly, which a long register needs to be fast. When that fails, the reason given is the
/// first a reader that reads the whole line before its fields finds (a syntax error or a field
/// named twice, J2), so that every reader gives the same one.
pub fn from_line<T: DeserializeOwned>(line: &[u8]) -> Result<T, serde_json::Error> {
    serde_json::from_slice(line).map_err(|typed| match check_unique_fields(line) {
        Err(first) => first,
        Ok(()) => typed,
    })
}

/// The largest whole number a format may hold (docs/SPEC.md J3): 2^53 - 1, the largest every
/// JSON reader holds exactly (JavaScript's numbers are doubles).
pub const MAX_WHOLE: u64 = (1 << 53) - 1;

/// Reads a whole number field (J3): a `u64` no larger than [`MAX_WHOLE`]. For
/// `#[serde(deserialize_with = "crate::json::whole")]` on every whole-number field a verifier
/// reads, so that a number one reader rounds is refused by both.
pub fn whole<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    let value: u64 = serde::Deserialize::deserialize(deserializer)?;
    if value > MAX_WHOLE {
        return Err(serde::de::Error::invalid_value(
            serde::de::Unexpected::Unsigned(value),
            &"a whole number at most 9007199254740991",
        ));
    }
    Ok(value)
}

/// A reader's reason for refusing a file, as both verifiers give it (docs/SPEC.md J7): serde's
/// words without their place in the file (" at line 4 column 11") and without the list of
/// fields or variants an unknown one is not (", expected one of ..."). A file inside a bundle cannot be
/// edited by the person reading the message; the words are what two readers can agree on.
pub fn reason(error: &serde_json::Error) -> String {
    let mut words = error.to_string();
    let place = format!(" at line {} column {}", error.line(), error.column());
    if error.line() > 0 && words.ends_with(&place) {
        words.truncate(words.len() - place.len());
    }
    if words.starts_with("unknown field `") || words.starts_with("unknown variant `") {
        for tail in [", expected ", ", there are no fields"] {
            if let Some(at) = words.find(tail) {
                words.truncate(at);
            }
        }
    }
    words
}

/// Refuses JSON in which one object names a field twice, at any depth (J2); syntax errors are
/// reported as the parser finds them.
pub fn check_unique_fields(bytes: &[u8]) -> Result<(), serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde::Deserialize::deserialize(&mut de).map(|Unique| ())?;
    de.end()
}

/// Walks a value, keeping nothing but the names of the fields of the object being read.
struct Unique;

impl<'de> serde::Deserialize<'de> for Unique {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueVisitor)
    }
}

struct UniqueVisitor;

impl<'de> Visitor<'de> for UniqueVisitor {
    type Value = Unique;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_str<E>(self, _: &str) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_unit<E>(self) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Unique, A::Error> {
        while seq.next_element::<Unique>()?.is_some() {}
        Ok(Unique)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Unique, A::Error> {
        // Objects are small (a record, an entry): a sorted list beats hashing.
        let mut seen: Vec<String> = Vec::new();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match seen.binary_search_by(|k| k.as_str().cmp(&key)) {
                Ok(_) => {
                    return Err(serde::de::Error::custom(format_args!(
                        "duplicate field `{key}`"
                    )));
                }
                Err(at) => seen.insert(at, key.into_owned()),
            }
            map.next_value::<Unique>()?;
        }
        Ok(Unique)
    }
}

#[cfg(test)]
mod reason_tests {
    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sized {
        size: u64,
        name: String,
    }

    #[test]
    fn the_reason_leaves_out_the_place_and_the_expected_fields() {
        let reason =
            |text: &str| super::reason(&super::from_slice::<Sized>(text.as_bytes()).unwrap_err());
        assert_eq!(
            reason("{\"size\": 1,\n \"size\": 2}"),
            "duplicate field `size`"
        );
        assert_eq!(
            reason("{\"size\": 1, \"colour\": 2}"),
            "unknown field `colour`"
        );
        assert_eq!(
            reason("{\"size\": 2116.0, \"name\": \"x\"}"),
            "invalid type: floating point `2116.0`, expected u64"
        );
        assert_eq!(reason("{\"size\": 1}"), "missing field `name`");
        assert_eq!(reason("{\"size\": "), "EOF while parsing a value");
        // The words the page gives too (page/verify.js `wrongType`, `serdeFloat`).
        for (size, words) in [
            ("1e16", "invalid type: floating point `1e+16`, expected u64"),
            (
                "1e-5",
                "invalid type: floating point `0.00001`, expected u64",
            ),
            (
                "1.5e-6",
                "invalid type: floating point `1.5e-6`, expected u64",
            ),
            ("-1", "invalid value: integer `-1`, expected u64"),
            ("\"2116\"", "invalid type: string \"2116\", expected u64"),
            ("null", "invalid type: null, expected u64"),
            ("1e999", "number out of range"),
        ] {
            assert_eq!(reason(&format!("{{\"size\": {size}}}")), words, "{size}");
        }
        assert_eq!(
            reason("{\"size\": 1, \"name\": \"\\ud800\"}"),
            "unexpected end of hex escape"
        );
        assert_eq!(
            reason("{\"size\": 1, \"name\": \"\\udc00\"}"),
            "lone leading surrogate in hex escape"
        );
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Whole {
        #[serde(deserialize_with = "super::whole")]
        size: u64,
    }

    #[test]
    fn a_whole_number_is_at_most_two_to_the_53_less_one() {
        let read = |text: &str| super::from_slice::<Whole>(text.as_bytes());
        assert_eq!(
            read("{\"size\": 9007199254740991}").unwrap().size,
            (1 << 53) - 1
        );
        assert_eq!(
            super::reason(&read("{\"size\": 9007199254740992}").unwrap_err()),
            "invalid value: integer `9007199254740992`, expected a whole number at most 9007199254740991"
        );
        assert_eq!(
            super::reason(&read("{\"size\": ").unwrap_err()),
            "EOF while parsing a value"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Entry {
        path: String,
        size: u64,
    }

    #[test]
    fn a_field_named_twice_is_refused_at_any_depth() {
        let flat = br#"{"path":"a","size":1,"path":"b"}"#;
        let e = from_slice::<Entry>(flat).unwrap_err();
        assert_eq!(e.to_string(), "duplicate field `path` at line 1 column 27");
        let nested = br#"{"a":[{"x":1},{"y":{"k":1,"k":2}}]}"#;
        let e = from_slice::<serde_json::Value>(nested).unwrap_err();
        assert!(e.to_string().starts_with("duplicate field `k`"), "{e}");
        // Keys compared as decoded: an escape does not make a second name.
        let escaped = br#"{"k":1,"\u006b":2}"#;
        assert!(from_slice::<serde_json::Value>(escaped).is_err());
        assert!(from_slice::<serde_json::Value>(br#"{"k":{"k":1}}"#).is_ok());
    }

    #[test]
    fn a_byte_order_mark_is_skipped_and_nothing_else() {
        let mut bytes = BOM.to_vec();
        bytes.extend_from_slice(b"{\r\n\"path\": \"a\",\r\n\"size\": 2116\r\n}\r\n");
        assert_eq!(
            from_slice::<Entry>(&bytes).unwrap(),
            Entry {
                path: "a".into(),
                size: 2116
            }
        );
        let mut twice = BOM.to_vec();
        twice.extend_from_slice(&bytes);
        assert!(from_slice::<Entry>(&twice).is_err());
    }

    #[test]
    fn a_whole_number_written_with_a_fraction_is_refused() {
        assert!(from_slice::<Entry>(br#"{"path":"a","size":2116.0}"#).is_err());
        assert!(from_slice::<Entry>(br#"{"path":"a","size":2.116e3}"#).is_err());
        assert!(from_slice::<Entry>(br#"{"path":"a","size":-1}"#).is_err());
    }

    #[test]
    fn deep_nesting_does_not_overflow_the_stack_here_or_in_the_type() {
        let deep = "[".repeat(100_000);
        assert!(from_slice::<serde_json::Value>(deep.as_bytes()).is_err());
    }
}
