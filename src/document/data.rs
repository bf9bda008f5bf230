//! Loading JSON data for templates, with errors that give the line and column.
//!
//! Knows nothing of templates or DOCX.

use serde_json::Value;

/// Why data could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("it is not valid JSON: {message} at line {line}, column {column}")]
pub struct DataError {
    /// What the parser said.
    pub message: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// Parses JSON text, keeping the order of fields as written.
///
/// Read strictly ([`crate::json`]): a leading byte order mark is skipped, a field named twice
/// in one object is refused (a person editing by hand would not know which one counts).
pub fn parse_json(text: &[u8]) -> Result<Value, DataError> {
    crate::json::from_slice(text).map_err(|e| {
        let full = e.to_string();
        // serde_json appends " at line L column C"; we say it our own way.
        let message = full.split(" at line ").next().unwrap_or(&full).to_string();
        DataError {
            message,
            line: e.line(),
            column: e.column(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_line_and_column() {
        let e = parse_json(b"{\n  \"a\": 1,\n  \"b\": ]\n}").unwrap_err();
        assert_eq!((e.line, e.column), (3, 8));
        assert_eq!(
            e.to_string(),
            "it is not valid JSON: expected value at line 3, column 8"
        );
    }
}
