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
    objects_only(bytes)
}

/// What every object type a verifier reads says it expects (`#[serde(expecting = ...)]`):
/// the words both verifiers give for a value of another kind, and the mark by which
/// the strict reading ([`from_slice`], [`from_line`]) knows an object is meant.
pub const AN_OBJECT: &str = "an object";

/// Reads `T` from JSON as serde_json does, except that a list is refused where an object is
/// meant (J6). serde's derived types also take a struct written as a list of its values in
/// order (`["key-added", "id", "org", "name"]` for a register event), which no format
/// allows and the page refuses: a second spelling of one record.
fn objects_only<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = T::deserialize(objects::Objects(&mut de))?;
    de.end()?;
    Ok(value)
}

/// Reads one line of a hash-chained file (J4: no byte order mark skipped) with its type
/// directly, which a long register needs to be fast. When that fails, the reason given is the
/// first a reader that reads the whole line before its fields finds (a syntax error or a field
/// named twice, J2), so that every reader gives the same one.
pub fn from_line<T: DeserializeOwned>(line: &[u8]) -> Result<T, serde_json::Error> {
    objects_only(line).map_err(|typed| match check_unique_fields(line) {
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

/// A deserializer that forwards everything to the one it wraps, wrapping every value inside in
/// turn, and refuses a list where the visitor expects [`AN_OBJECT`]. Written out because serde
/// offers no switch for it; every method forwards unchanged but `visit_seq`.
mod objects {
    use serde::de::{
        DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, Unexpected, VariantAccess,
        Visitor,
    };
    use std::fmt;

    pub(super) struct Objects<D>(pub(super) D);
    struct Wrap<V>(V);
    struct Seed<S>(S);

    /// Whether a visitor says it expects an object.
    fn expects_object<'de, V: Visitor<'de>>(visitor: &V) -> bool {
        struct Expecting<'a, V>(&'a V);
        impl<'de, V: Visitor<'de>> fmt::Display for Expecting<'_, V> {
            fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
                self.0.expecting(f)
            }
        }
        Expecting(visitor).to_string() == super::AN_OBJECT
    }

    macro_rules! forward {
        ($($method:ident),*) => {$(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
                self.0.$method(Wrap(visitor))
            }
        )*};
    }

    impl<'de, D: Deserializer<'de>> Deserializer<'de> for Objects<D> {
        type Error = D::Error;
        forward!(
            deserialize_any,
            deserialize_bool,
            deserialize_i8,
            deserialize_i16,
            deserialize_i32,
            deserialize_i64,
            deserialize_i128,
            deserialize_u8,
            deserialize_u16,
            deserialize_u32,
            deserialize_u64,
            deserialize_u128,
            deserialize_f32,
            deserialize_f64,
            deserialize_char,
            deserialize_str,
            deserialize_string,
            deserialize_bytes,
            deserialize_byte_buf,
            deserialize_option,
            deserialize_unit,
            deserialize_seq,
            deserialize_map,
            deserialize_identifier,
            deserialize_ignored_any
        );
        fn deserialize_unit_struct<V: Visitor<'de>>(
            self,
            name: &'static str,
            visitor: V,
        ) -> Result<V::Value, D::Error> {
            self.0.deserialize_unit_struct(name, Wrap(visitor))
        }
        fn deserialize_newtype_struct<V: Visitor<'de>>(
            self,
            name: &'static str,
            visitor: V,
        ) -> Result<V::Value, D::Error> {
            self.0.deserialize_newtype_struct(name, Wrap(visitor))
        }
        fn deserialize_tuple<V: Visitor<'de>>(
            self,
            len: usize,
            visitor: V,
        ) -> Result<V::Value, D::Error> {
            self.0.deserialize_tuple(len, Wrap(visitor))
        }
        fn deserialize_tuple_struct<V: Visitor<'de>>(
            self,
            name: &'static str,
            len: usize,
            visitor: V,
        ) -> Result<V::Value, D::Error> {
            self.0.deserialize_tuple_struct(name, len, Wrap(visitor))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            name: &'static str,
            fields: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, D::Error> {
            self.0.deserialize_struct(name, fields, Wrap(visitor))
        }
        fn deserialize_enum<V: Visitor<'de>>(
            self,
            name: &'static str,
            variants: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, D::Error> {
            self.0.deserialize_enum(name, variants, Wrap(visitor))
        }
        fn is_human_readable(&self) -> bool {
            self.0.is_human_readable()
        }
    }

    macro_rules! visit {
        ($($method:ident: $ty:ty),*) => {$(
            fn $method<E: serde::de::Error>(self, v: $ty) -> Result<V::Value, E> {
                self.0.$method(v)
            }
        )*};
    }

    impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<V> {
        type Value = V::Value;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            self.0.expecting(f)
        }
        visit!(
            visit_bool: bool, visit_i8: i8, visit_i16: i16, visit_i32: i32, visit_i64: i64,
            visit_i128: i128, visit_u8: u8, visit_u16: u16, visit_u32: u32, visit_u64: u64,
            visit_u128: u128, visit_f32: f32, visit_f64: f64, visit_char: char,
            visit_str: &str, visit_borrowed_str: &'de str, visit_string: String,
            visit_bytes: &[u8], visit_borrowed_bytes: &'de [u8], visit_byte_buf: Vec<u8>
        );
        fn visit_none<E: serde::de::Error>(self) -> Result<V::Value, E> {
            self.0.visit_none()
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<V::Value, E> {
            self.0.visit_unit()
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
            self.0.visit_some(Objects(d))
        }
        fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
            self.0.visit_newtype_struct(Objects(d))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
            if expects_object(&self.0) {
                return Err(serde::de::Error::invalid_type(Unexpected::Seq, &self));
            }
            self.0.visit_seq(Wrap(seq))
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
            self.0.visit_map(Wrap(map))
        }
        fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
            self.0.visit_enum(Wrap(data))
        }
    }

    impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<S> {
        type Value = S::Value;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
            self.0.deserialize(Objects(d))
        }
    }

    impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Wrap<A> {
        type Error = A::Error;
        fn next_element_seed<T: DeserializeSeed<'de>>(
            &mut self,
            seed: T,
        ) -> Result<Option<T::Value>, A::Error> {
            self.0.next_element_seed(Seed(seed))
        }
        fn size_hint(&self) -> Option<usize> {
            self.0.size_hint()
        }
    }

    impl<'de, A: MapAccess<'de>> MapAccess<'de> for Wrap<A> {
        type Error = A::Error;
        fn next_key_seed<K: DeserializeSeed<'de>>(
            &mut self,
            seed: K,
        ) -> Result<Option<K::Value>, A::Error> {
            self.0.next_key_seed(Seed(seed))
        }
        fn next_value_seed<T: DeserializeSeed<'de>>(
            &mut self,
            seed: T,
        ) -> Result<T::Value, A::Error> {
            self.0.next_value_seed(Seed(seed))
        }
        fn size_hint(&self) -> Option<usize> {
            self.0.size_hint()
        }
    }

    impl<'de, A: EnumAccess<'de>> EnumAccess<'de> for Wrap<A> {
        type Error = A::Error;
        type Variant = Wrap<A::Variant>;
        fn variant_seed<T: DeserializeSeed<'de>>(
            self,
            seed: T,
        ) -> Result<(T::Value, Wrap<A::Variant>), A::Error> {
            self.0
                .variant_seed(Seed(seed))
                .map(|(value, variant)| (value, Wrap(variant)))
        }
    }

    impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Wrap<A> {
        type Error = A::Error;
        fn unit_variant(self) -> Result<(), A::Error> {
            self.0.unit_variant()
        }
        fn newtype_variant_seed<T: DeserializeSeed<'de>>(
            self,
            seed: T,
        ) -> Result<T::Value, A::Error> {
            self.0.newtype_variant_seed(Seed(seed))
        }
        fn tuple_variant<V: Visitor<'de>>(
            self,
            len: usize,
            visitor: V,
        ) -> Result<V::Value, A::Error> {
            self.0.tuple_variant(len, Wrap(visitor))
        }
        fn struct_variant<V: Visitor<'de>>(
            self,
            fields: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, A::Error> {
            self.0.struct_variant(fields, Wrap(visitor))
        }
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
    fn an_object_written_as_a_list_of_its_values_is_refused() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(expecting = "an object")]
        #[allow(dead_code)]
        struct Pair {
            path: String,
            size: u64,
        }
        // serde_json alone takes the list; the strict reading does not, at any depth.
        assert!(serde_json::from_slice::<Pair>(br#"["a", 1]"#).is_ok());
        let e = from_slice::<Pair>(br#"["a", 1]"#).unwrap_err();
        assert_eq!(reason(&e), "invalid type: sequence, expected an object");
        assert!(from_slice::<Vec<Pair>>(br#"[{"path":"a","size":1}, ["b", 2]]"#).is_err());
        assert!(from_line::<Option<Pair>>(br#"["a", 1]"#).is_err());
        // Lists where lists are meant are read as ever.
        assert_eq!(
            from_slice::<Vec<Vec<u64>>>(b"[[1],[2]]").unwrap(),
            vec![vec![1], vec![2]]
        );
        assert_eq!(
            from_slice::<Pair>(br#"{"path":"a","size":1}"#)
                .unwrap()
                .size,
            1
        );
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
