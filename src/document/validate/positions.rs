//! Where each value is in a JSON text: a single pass over the text that maps every dotted
//! JSON path (`organisations[3].name`) to the 1-based line and column where its value starts,
//! so findings can point into the file. Knows nothing of packs.

use std::collections::BTreeMap;

/// Dotted JSON path to the 1-based (line, column) of its value.
pub(super) type Positions = BTreeMap<String, (usize, usize)>;

/// Maps each dotted JSON path of `text` to the 1-based line and column where its value starts.
/// The text is known to be valid JSON.
// Why this is long: a small JSON tokenizer in one loop (strings, numbers, literals, objects,
// arrays and the path stack), the cases of which share the cursor and the stack.
pub(super) fn positions(text: &str) -> Positions {
    struct Scanner<'a> {
        bytes: &'a [u8],
        at: usize,
        line: usize,
        line_start: usize,
        /// The column (in characters) already counted up to `counted`, on the current line:
        /// columns are counted incrementally, so a long line costs no more than a short one.
        counted: usize,
        column_so_far: usize,
        out: BTreeMap<String, (usize, usize)>,
    }
    impl Scanner<'_> {
        fn ws(&mut self) {
            while let Some(&b) = self.bytes.get(self.at) {
                match b {
                    b'\n' => {
                        self.line += 1;
                        self.at += 1;
                        self.line_start = self.at;
                    }
                    b' ' | b'\t' | b'\r' => self.at += 1,
                    _ => break,
                }
            }
        }
        fn column(&mut self) -> usize {
            // Columns count characters, as editors do: every byte but UTF-8 continuations.
            if self.counted < self.line_start {
                self.counted = self.line_start;
                self.column_so_far = 0;
            }
            let end = self.at.min(self.bytes.len());
            self.column_so_far += self.bytes[self.counted.min(end)..end]
                .iter()
                .filter(|&&b| b & 0xC0 != 0x80)
                .count();
            self.counted = end;
            self.column_so_far + 1
        }
        fn string(&mut self) -> String {
            let start = self.at;
            self.at += 1;
            while let Some(&b) = self.bytes.get(self.at) {
                self.at += 1;
                match b {
                    b'\\' => self.at += 1,
                    b'"' => break,
                    _ => {}
                }
            }
            serde_json::from_slice(&self.bytes[start..self.at]).unwrap_or_default()
        }
        fn value(&mut self, path: &str) {
            self.ws();
            let here = (self.line, self.column());
            self.out.insert(path.to_string(), here);
            match self.bytes.get(self.at) {
                Some(b'{') => {
                    self.at += 1;
                    loop {
                        self.ws();
                        match self.bytes.get(self.at) {
                            Some(b'}') | None => {
                                self.at += 1;
                                break;
                            }
                            Some(b',') => self.at += 1,
                            Some(b'"') => {
                                let key = self.string();
                                self.ws();
                                self.at += 1; // the colon
                                let child = if path.is_empty() {
                                    key
                                } else {
                                    format!("{path}.{key}")
                                };
                                self.value(&child);
                            }
                            Some(_) => self.at += 1,
                        }
                    }
                }
                Some(b'[') => {
                    self.at += 1;
                    let mut index = 0;
                    loop {
                        self.ws();
                        match self.bytes.get(self.at) {
                            Some(b']') | None => {
                                self.at += 1;
                                break;
                            }
                            Some(b',') => self.at += 1,
                            Some(_) => {
                                self.value(&format!("{path}[{index}]"));
                                index += 1;
                            }
                        }
                    }
                }
                Some(b'"') => {
                    self.string();
                }
                Some(_) => {
                    while let Some(&b) = self.bytes.get(self.at) {
                        if matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                            break;
                        }
                        self.at += 1;
                    }
                }
                None => {}
            }
        }
    }
    let mut s = Scanner {
        bytes: text.as_bytes(),
        at: 0,
        line: 1,
        line_start: 0,
        counted: 0,
        column_so_far: 0,
        out: BTreeMap::new(),
    };
    s.value("");
    s.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_point_at_values() {
        let text = "{\n  \"a\": [1, {\"b\": \"x\"}],\n  \"ü\": true\n}";
        let pos = positions(text);
        assert_eq!(pos["a"], (2, 8));
        assert_eq!(pos["a[1].b"], (2, 18));
        assert_eq!(pos["ü"], (3, 8));
    }
}
