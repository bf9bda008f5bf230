// countersign's verification page: `countersign verify BUNDLE.zip` in the browser, offline.
//
// Owns reading a bundle (zip, index), and checking what it holds exactly as the command does:
// the manifest, the keyring's chain, the register's chain and checkpoints, each DSSE signature
// (Ed25519 through WebCrypto) and paper record, and the verifier's trust file or earlier
// keyring. Its JSON result has the shape of `verify --json`, and tests/page.rs holds the two
// equal on a shared corpus: a rule changed on one side and not the other fails there.
// It never reads the network and never writes anything but the page.
'use strict';

/** Which countersign wrote this page, and the page's own SHA-256 (docs/SPEC.md P1). */
const PAGE_WRITTEN_BY = '/*countersign:written-by*/';
const PAGE_SHA256 = '/*countersign:page-sha256*/';

/** What the page shares with the library: formats, payload types, suffixes, limits, weak keys
 * (the small-order points `verify_strict` refuses), problem codes and field lists. */
// BEGIN GENERATED from the library by src/verify/page.rs (shared_constants): do not edit here;
// COUNTERSIGN_WRITE_PAGE_CONSTANTS=1 cargo test --lib page:: writes it again.
const INDEX_FILE = "bundle-index.json";
const INDEX_FORMAT = "countersign/bundle/v1";
const MANIFEST_FORMAT = "countersign/manifest/v1";
const KEYRING_FORMAT = "countersign/keyring/v2";
const KEYRING_FORMAT_V1 = "countersign/keyring/v1";
const GENESIS = "0000000000000000000000000000000000000000000000000000000000000000";
const PAYLOAD_TYPE = "application/vnd.in-toto+json";
const STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
const PREDICATE_TYPE = "https://countersign.dev/approval/v1";
const CHECKPOINT_PAYLOAD_TYPE = "application/vnd.countersign.register-checkpoint+json";
const SIGNATURE_SUFFIX = ".dsse.json";
const PAPER_FORMAT = "countersign/paper-signature/v1";
const RECORD_SUFFIX = ".paper.json";
const REPORT_FORMAT = "countersign/verify/v1";
const VERDICT_FORMAT = "countersign/bundle-verify/v1";
const KEPT_DATA_CHANGED = "its kept data is not the data it was assembled with (its SHA-256 differs from the manifest's data_sha256): the file was changed after assembly, so it cannot be relied on to show what the document says or what changed between versions";
const NO_INPUTS_RECORDED = "the manifest does not record the data files the documents were assembled from (an earlier countersign wrote it); assembling the pack again records them";
const MAX_BUNDLE_BYTES = 268435456;
const CLOCK_TOLERANCE_SECONDS = 600;
const WEAK_KEYS = new Set([
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0000000000000000000000000000000000000000000000000000000000000080",
  "0100000000000000000000000000000000000000000000000000000000000000",
  "0100000000000000000000000000000000000000000000000000000000000080",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
]);
const PROBLEM_CODES = new Set([
  "zip-malformed",
  "duplicate-zip-entry",
  "zip-unexplained-bytes",
  "zip-header-mismatch",
  "bundle-index-mismatch",
  "bundle-not-made",
  "data-not-as-assembled",
  "bundle-malformed",
  "data-invalid",
  "keyring-untrusted",
  "register-untrusted",
  "trust-file-invalid",
  "trusted-keyring-unreadable",
  "keyring-history-rewritten",
  "register-history-rewritten",
  "document-missing",
  "document-fails",
  "not-recorded-as-assembled",
  "kept-data-mismatch",
  "signature-malformed",
  "payload-type-wrong",
  "key-unknown",
  "signature-invalid",
  "statement-malformed",
  "statement-key-mismatch",
  "key-not-for-organisation",
  "signature-for-another-document",
  "statement-claims-mismatch",
  "signed-at-malformed",
  "key-not-yet-valid",
  "key-revoked",
  "digest-mismatch",
  "not-a-party",
  "paper-record-invalid",
  "paper-not-recorded",
  "signature-fails",
  "verifies",
  "older-version",
  "earlier-version-fails",
]);
const CHANGE_FIELDS = {
  "added": { action: 's', key_id: 's', organisation: 's', signatory: 's', roles: 'as', valid_from: 't', public_key: 's', public_key_pem: 's' },
  "revoked": { action: 's', key_id: 's', reason: 's', effective: 't', note: 's?' },
  "valid-from-corrected": { action: 's', key_id: 's', valid_from: 't', note: 's?' },
};
const EVENT_FIELDS = {
  "document-assembled": { type: 's', file: 's', id: 's', kind: 's', version: 's', sha256: 's' },
  "version-superseded": { type: 's', id: 's', version: 's', file: 's', by_version: 's', by_file: 's' },
  "signature-recorded": { type: 's', file: 's', id: 's', version: 's', sha256: 's', organisation: 's', key_id: 's', statement_sha256: 's', signature_file: 's' },
  "signature-set-aside": { type: 's', signature_file: 's', kept_as: 's', reason: 's' },
  "paper-signature-recorded": { type: 's', file: 's', id: 's', version: 's', organisation: 's', signatory: 's', role: 's', signed_on: 's', scan_sha256: 's', record_file: 's', record_sha256: 's' },
  "key-added": { type: 's', key_id: 's', organisation: 's', signatory: 's' },
  "key-revoked": { type: 's', key_id: 's', reason: 's', effective: 't' },
};
// END GENERATED

/* ---------- bytes, digests, text ---------- */

const FATAL_UTF8 = new TextDecoder('utf-8', { fatal: true });
const UTF8 = new TextEncoder();

/** Thrown for input that cannot be used; the message is the words a person reads. */
class Refused extends Error {
  /** `code`: the problem's stable code (docs/SPEC.md), where a verdict carries one. */
  constructor(message, code) {
    super(message);
    if (code) this.code = code;
  }
}

function hex(buffer) {
  const bytes = new Uint8Array(buffer);
  let out = '';
  for (const b of bytes) out += (b < 16 ? '0' : '') + b.toString(16);
  return out;
}

async function sha256Bytes(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

async function sha256Hex(bytes) {
  return hex(await crypto.subtle.digest('SHA-256', bytes));
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function sameBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Text as Rust's `chars().filter(|c| !c.is_control()).take(n)` shows it. */
function shown(text, n) {
  return Array.from(String(text))
    .filter((c) => !/[\u0000-\u001f\u007f-\u009f]/.test(c))
    .slice(0, n)
    .join('');
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_VALUE = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_VALUE[B64.charCodeAt(i)] = i;

/** Strict base64 (padding as written, no stray bits), as the command's decoder; null if not. */
function base64Decode(text, padded = true) {
  if (typeof text !== 'string') return null;
  let body = text;
  if (padded) {
    if (text.length % 4 !== 0) return null;
    const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
    body = text.slice(0, text.length - pad);
  } else if (text.length % 4 === 1) {
    return null;
  }
  const out = new Uint8Array(Math.floor((body.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let at = 0;
  for (let i = 0; i < body.length; i++) {
    const code = body.charCodeAt(i);
    const v = code < 128 ? B64_VALUE[code] : -1;
    if (v < 0) return null;
    value = (value << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (value >> bits) & 0xff;
    }
  }
  if (bits > 0 && (value & ((1 << bits) - 1)) !== 0) return null;
  return out.subarray(0, at);
}

function base64Encode(bytes, padded = true) {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63];
    out += i + 1 < bytes.length ? B64[(n >> 6) & 63] : padded ? '=' : '';
    out += i + 2 < bytes.length ? B64[n & 63] : padded ? '=' : '';
  }
  return out;
}

/** A number written with a fraction or an exponent: never a whole number, whatever its value. */
class NonInteger {
  constructor(text) {
    this.text = text;
  }
}

/** A number written as an integer beyond 2^53 - 1 either way, which a double cannot hold (J3). */
class BigWhole {
  constructor(text) {
    this.text = text;
  }
}

/**
 * A number as serde_json writes it in "floating point `X`": the shortest digits that read back
 * as the same double, written out in full with `.0` when they have no decimal point, or as
 * `1.5e-6` / `1e+16` when the exponent is below -5 or above 15.
 */
function serdeFloat(text) {
  const n = Number(text);
  const sign = n < 0 || Object.is(n, -0) ? '-' : '';
  const [mantissa, exponentText] = Math.abs(n).toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -5 || exponent > 15) return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${Math.abs(exponent)}`;
  const [whole, fraction = ''] = mantissa.split('.');
  const digits = whole + fraction;
  const point = exponent + 1;
  let written;
  if (point <= 0) written = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) written = digits + '0'.repeat(point - digits.length);
  else written = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return sign + (written.includes('.') ? written : `${written}.0`);
}

/** Text as Rust's `{:?}` writes it, for the strings serde quotes in its messages. */
function rustDebug(text) {
  let out = '"';
  for (const ch of text) {
    const c = ch.codePointAt(0);
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c === 0) out += '\\0';
    else if (c < 0x20 || c === 0x7f) out += `\\u{${c.toString(16)}}`;
    else out += ch;
  }
  return `${out}"`;
}

/** What serde calls a value it did not expect ("string \"x\"", "integer `5`", "map", ...). */
function unexpected(v) {
  if (typeof v === 'string') return `string ${rustDebug(v)}`;
  if (typeof v === 'boolean') return `boolean \`${v}\``;
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'sequence';
  if (v instanceof NonInteger) return `floating point \`${serdeFloat(v.text)}\``;
  if (v instanceof BigWhole) {
    return BigInt(v.text) > 18446744073709551615n || BigInt(v.text) < -9223372036854775808n
      ? `floating point \`${serdeFloat(v.text)}\``
      : `integer \`${v.text}\``;
  }
  if (typeof v === 'number') return `integer \`${v}\``;
  return 'map';
}

/**
 * Why a field of type `t` (see `fields`) refuses `v`, in serde's words (docs/SPEC.md J7), or
 * null where serde's words name a type of the command's own (an object, a time).
 */
function wrongType(t, v) {
  if (t === 'n') {
    const whole = v instanceof BigWhole ? BigInt(v.text) : typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : null;
    if (whole !== null && whole < 0n && whole >= -9223372036854775808n) return `invalid value: integer \`${whole}\`, expected u64`;
    if (whole !== null && whole >= 0n && whole <= 18446744073709551615n) {
      return `invalid value: integer \`${whole}\`, expected a whole number at most 9007199254740991`;
    }
    return `invalid type: ${unexpected(v)}, expected u64`;
  }
  // The command's objects all say they expect "an object" (`#[serde(expecting)]`).
  const expected = {
    s: 'a string', b: 'a boolean', a: 'a sequence', as: 'a sequence', o: 'an object', t: 'a UTC time written YYYY-MM-DDTHH:MM:SSZ',
  }[t];
  return expected ? `invalid type: ${unexpected(v)}, expected ${expected}` : null;
}

/**
 * A variant name (an enum's value) as serde reads it: absent, `missing field`; not text,
 * serde_json's words for a field of an enum type ("expected value") or for the tag of an
 * internally tagged enum (`tag`); not one of `allowed`, `unknown variant`.
 */
function variant(object, key, allowed, tag = false) {
  if (!Object.hasOwn(object, key)) throw new Refused(`missing field \`${key}\``);
  const v = object[key];
  if (typeof v !== 'string') throw new Refused(tag ? `invalid type: ${unexpected(v)}, expected variant identifier` : 'expected value');
  if (!allowed.includes(v)) throw new Refused(`unknown variant \`${shown(v, 40)}\``);
  return v;
}

/**
 * JSON.parse, strictly (docs/SPEC.md J2, J3), as the command's serde types read it: a field
 * named twice in one object is refused (JSON.parse keeps the last), a number written with a
 * fraction or exponent is a NonInteger (so `2116.0` is no size), nesting deeper than 128 is
 * refused. Objects keep `__proto__` as an ordinary field.
 */
function parseStrictJson(text) {
  let at = 0;
  const n = text.length;
  const fail = (what) => {
    throw new SyntaxError(what);
  };
  const space = () => {
    while (at < n) {
      const c = text.charCodeAt(at);
      if (c === 32 || c === 10 || c === 13 || c === 9) at++;
      else break;
    }
  };
  // Four hex digits of a \\u escape, refused as serde refuses them: fewer than four bytes
  // left is the end of the string, anything but hex digits an invalid escape.
  const hex4 = () => {
    const four = text.slice(at, at + 4);
    if (UTF8.encode(four).length < 4) fail('EOF while parsing a string');
    if (!/^[0-9a-fA-F]{4}$/.test(four)) fail('invalid escape');
    at += 4;
    return parseInt(four, 16);
  };
  const ESCAPES = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
  // A string, its escapes read as serde reads them: a surrogate only as half of a pair
  // (docs/SPEC.md J6: no text holds half of one), serde's words for each refusal.
  const string = () => {
    at++;
    let out = '';
    let from = at;
    for (;;) {
      if (at >= n) fail('EOF while parsing a string');
      const c = text.charCodeAt(at);
      if (c === 34) break;
      if (c < 0x20) fail('control character (\\u0000-\\u001F) found while parsing a string');
      if (c !== 92) {
        at++;
        continue;
      }
      out += text.slice(from, at);
      at++;
      if (at >= n) fail('EOF while parsing a string');
      const e = text[at++];
      if (Object.hasOwn(ESCAPES, e)) out += ESCAPES[e];
      else if (e !== 'u') fail('invalid escape');
      else {
        const unit = hex4();
        if (unit >= 0xdc00 && unit <= 0xdfff) fail('lone leading surrogate in hex escape');
        if (unit >= 0xd800 && unit <= 0xdbff) {
          for (const expected of ['\\', 'u']) {
            if (at >= n) fail('EOF while parsing a string');
            if (text[at] !== expected) fail('unexpected end of hex escape');
            at++;
          }
          const low = hex4();
          if (low < 0xdc00 || low > 0xdfff) fail('lone leading surrogate in hex escape');
          out += String.fromCharCode(unit, low);
        } else {
          out += String.fromCharCode(unit);
        }
      }
      from = at;
    }
    out += text.slice(from, at);
    at++;
    return out;
  };
  // Each refusal in serde_json's words, at the point serde_json would refuse (J7): the end of
  // the text inside a list, an object, a string or a value, a missing comma or colon, a
  // trailing comma, a word or number written wrong.
  const eof = (what) => {
    if (at >= n) fail(`EOF while parsing ${what}`);
  };
  const word = (w, v) => {
    for (let i = 1; i < w.length; i++) {
      if (at + i >= n) fail('EOF while parsing a value');
      if (text[at + i] !== w[i]) fail('expected ident');
    }
    at += w.length;
    return v;
  };
  const digit = (i) => i < n && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57;
  const number = () => {
    const start = at;
    if (text[at] === '-') at++;
    eof('a value');
    if (text[at] === '0') {
      at++;
      if (digit(at)) fail('invalid number');
    } else if (digit(at)) {
      while (digit(at)) at++;
    } else {
      fail('invalid number');
    }
    let integer = true;
    if (text[at] === '.') {
      integer = false;
      at++;
      eof('a value');
      if (!digit(at)) fail('invalid number');
      while (digit(at)) at++;
    }
    if (text[at] === 'e' || text[at] === 'E') {
      integer = false;
      at++;
      if (text[at] === '+' || text[at] === '-') at++;
      eof('a value');
      if (!digit(at)) fail('invalid number');
      while (digit(at)) at++;
    }
    const written = text.slice(start, at);
    // serde_json reads a number no double holds as an error of its own.
    if (!Number.isFinite(Number(written))) fail('number out of range');
    if (!integer) return new NonInteger(written);
    const whole = Number(written);
    return Number.isSafeInteger(whole) ? whole : new BigWhole(written);
  };
  const value = (depth) => {
    space();
    eof('a value');
    const c = text[at];
    if (c === '{' || c === '[') {
      // serde_json's limit: the 128th list or object inside another is refused (J5).
      if (depth >= 127) fail('recursion limit exceeded');
      at++;
      const object = c === '{';
      const result = object ? {} : [];
      const seen = new Set();
      const close = object ? '}' : ']';
      let first = true;
      for (;;) {
        space();
        eof(object ? 'an object' : 'a list');
        if (text[at] === close) {
          at++;
          return result;
        }
        if (!first) {
          if (text[at] !== ',') fail(object ? 'expected `,` or `}`' : 'expected `,` or `]`');
          at++;
          space();
          eof('a value');
          if (text[at] === close) fail('trailing comma');
        }
        first = false;
        if (!object) {
          result.push(value(depth + 1));
          continue;
        }
        if (text[at] !== '"') fail('key must be a string');
        const key = string();
        if (seen.has(key)) throw new SyntaxError(`duplicate field \`${key}\``);
        seen.add(key);
        space();
        eof('an object');
        if (text[at] !== ':') fail('expected `:`');
        at++;
        Object.defineProperty(result, key, { value: value(depth + 1), writable: true, enumerable: true, configurable: true });
      }
    }
    if (c === '"') return string();
    if (c === 't') return word('true', true);
    if (c === 'f') return word('false', false);
    if (c === 'n') return word('null', null);
    if (c === '-' || digit(at)) return number();
    return fail('expected value');
  };
  const result = value(0);
  space();
  if (at !== n) fail('trailing characters');
  return result;
}

const KEEP_BOM = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Parses JSON from bytes (UTF-8 only, J1: a leading byte order mark skipped, unless `chained`:
 * a line of the keyring or register is hashed as written, so a mark there is refused as the
 * command refuses it); throws Refused with `what` on failure.
 */
function parseJson(bytes, what, chained = false) {
  let text;
  try {
    text = (chained ? KEEP_BOM : FATAL_UTF8).decode(bytes);
  } catch {
    throw new Refused(`${what} (it is not UTF-8 text)`);
  }
  try {
    return parseStrictJson(text);
  } catch (e) {
    // docs/SPEC.md J7: the reader's reason alone, as the command gives it.
    throw new Refused(e.message);
  }
}

/**
 * Checks an object's fields as the command's strict types do: no unknown field, every required
 * field present with its type. Types: s string, n whole number, b boolean, a array, o object,
 * t UTC time (YYYY-MM-DDTHH:MM:SSZ), as array of strings; a trailing ? makes it optional.
 */
function fields(value, spec) {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof NonInteger || value instanceof BigWhole) {
    throw new Refused(`invalid type: ${unexpected(value)}, expected an object`);
  }
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(spec, key)) throw new Refused(`unknown field \`${key}\``);
  }
  for (const [key, type] of Object.entries(spec)) {
    const optional = type.endsWith('?');
    const t = optional ? type.slice(0, -1) : type;
    const v = value[key];
    if (v === undefined || (optional && v === null)) {
      if (optional) continue;
      throw new Refused(`missing field \`${key}\``);
    }
    const ok =
      (t === 's' && typeof v === 'string') ||
      (t === 'n' && Number.isSafeInteger(v) && v >= 0) ||
      (t === 'b' && typeof v === 'boolean') ||
      (t === 'a' && Array.isArray(v)) ||
      (t === 'o' && v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof NonInteger) && !(v instanceof BigWhole)) ||
      (t === 't' && typeof v === 'string' && parseTime(v) !== null) ||
      (t === 'as' && Array.isArray(v) && v.every((x) => typeof x === 'string'));
    if (!ok) {
      if (t === 't' && typeof v === 'string') throw new Refused(`'${shown(v, 40)}' is not a UTC time written YYYY-MM-DDTHH:MM:SSZ`);
      throw new Refused(wrongType(t, v) ?? `invalid type for \`${key}\``);
    }
  }
  return value;
}

/** A strict check with a message prefix, for JSON read from a file of the bundle. */
function strict(value, spec, what) {
  try {
    return fields(value, spec);
  } catch (e) {
    throw new Refused(`${what} (${e.message})`);
  }
}

/* ---------- time: as src/time.rs ---------- */

function parseDate(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
  if (!days || d < 1 || d > days) return null;
  return [y, mo, d];
}

function daysFromCivil(y0, m, d) {
  const y = m <= 2 ? y0 - 1 : y0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Seconds since 1970 for `YYYY-MM-DDTHH:MM:SSZ` exactly, else null. */
function parseTime(text) {
  if (typeof text !== 'string' || text.length !== 20) return null;
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/.exec(text);
  if (!m) return null;
  const date = parseDate(m[1]);
  const [h, mi, s] = [Number(m[2]), Number(m[3]), Number(m[4])];
  if (!date || h > 23 || mi > 59 || s > 59) return null;
  return daysFromCivil(...date) * 86400 + h * 3600 + mi * 60 + s;
}

/** A date alone (as its midnight) or a full UTC time, as people write them in trust files. */
function parseLooseTime(text) {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? parseTime(`${text}T00:00:00Z`) : parseTime(text);
}

function formatTime(seconds) {
  const days = Math.floor(seconds / 86400);
  const secs = seconds - days * 86400;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const two = (n) => String(n).padStart(2, '0');
  return `${String(y).padStart(4, '0')}-${two(m)}-${two(d)}T${two(Math.floor(secs / 3600))}:${two(Math.floor((secs % 3600) / 60))}:${two(secs % 60)}Z`;
}

/* ---------- zip: reading a bundle as the command does ---------- */


const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes) {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function isSafeName(name) {
  return (
    name.length > 0 &&
    !name.startsWith('/') &&
    !name.includes('\\') &&
    !name.includes('\0') &&
    !name.includes(':') &&
    name.split('/').every((seg) => seg !== '..' && seg !== '.')
  );
}

async function inflateRaw(data, expected, budget) {
  const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  const reader = stream.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > budget || total > expected) {
      await reader.cancel();
      throw new Refused(total > budget ? 'over-budget' : 'larger than recorded');
    }
    chunks.push(value);
  }
  return concat(...chunks);
}

/**
 * The layout of a zip, checked before any entry is read (docs/SPEC.md Z1-Z7), as
 * src/document/ziplayout.rs: the end record ends the file, the directory sits right before it, one entry
 * per name (ASCII case ignored), the entries follow one another from the first byte to the
 * directory, and every local header agrees with the directory. Returns the entry count; throws
 * Refused with the command's words.
 */
function checkLayout(bytes) {
  const u16 = (at) => (at + 2 <= bytes.length ? bytes[at] | (bytes[at + 1] << 8) : 0);
  const u32 = (at) => (at + 4 <= bytes.length ? (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0 : 0);
  const fail = (why, code = 'zip-malformed') => new Refused(why, code);
  const nameOf = (raw) => shown(new TextDecoder().decode(raw), 120);
  if (bytes.length < 22) throw fail('invalid Zip archive: Could not find EOCD');
  let end = -1;
  let candidate = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 65535); at--) {
    if (u32(at) === 0x06054b50) {
      if (at + 22 + u16(at + 20) === bytes.length) {
        end = at;
        break;
      }
      if (candidate < 0) candidate = at;
    }
  }
  if (end < 0) {
    if (candidate >= 0 && candidate + 22 + u16(candidate + 20) < bytes.length) {
      throw fail(`${bytes.length - (candidate + 22 + u16(candidate + 20))} bytes follow the end of the zip's directory`, 'zip-unexplained-bytes');
    }
    throw fail('invalid Zip archive: Could not find EOCD');
  }
  const [disk, cdDisk, onDisk, total] = [u16(end + 4), u16(end + 6), u16(end + 8), u16(end + 10)];
  const cdSize = u32(end + 12);
  const cdOffset = u32(end + 16);
  if (disk !== 0 || cdDisk !== 0 || onDisk !== total || total === 0xffff || cdOffset === 0xffffffff) {
    throw fail('it is a ZIP64 or multi-part archive, which countersign does not read');
  }
  if (cdOffset + cdSize !== end) {
    const actual = end - cdSize;
    if (actual >= 0 && actual > cdOffset && u32(actual) === 0x02014b50) {
      throw fail(`${actual - cdOffset} bytes stand before the zip's first entry`, 'zip-unexplained-bytes');
    }
    throw fail("the zip's directory is not where its end record says");
  }
  const entries = [];
  let at = cdOffset;
  while (at < end) {
    if (at + 46 > end || u32(at) !== 0x02014b50) throw fail(`the zip's directory entry ${entries.length + 1} is damaged`);
    const nameLength = u16(at + 28);
    const next = at + 46 + nameLength + u16(at + 30) + u16(at + 32);
    if (next > end) throw fail(`the zip's directory entry ${entries.length + 1} is damaged`);
    entries.push({
      name: bytes.subarray(at + 46, at + 46 + nameLength),
      flags: u16(at + 8),
      method: u16(at + 10),
      crc: u32(at + 16),
      packed: u32(at + 20),
      size: u32(at + 24),
      local: u32(at + 42),
    });
    at = next;
  }
  if (entries.length !== total) {
    throw fail(`the zip's end record counts ${total} entries but its directory holds ${entries.length}`);
  }
  const lower = (raw) => String.fromCharCode(...Array.from(raw, (b) => (b >= 0x41 && b <= 0x5a ? b + 32 : b)));
  const names = entries.map((e) => lower(e.name)).sort();
  for (let i = 1; i < names.length; i++) {
    if (names[i] === names[i - 1]) {
      const first = entries.find((e) => lower(e.name) === names[i]);
      throw fail(`the entry '${nameOf(first.name)}' appears twice`, 'duplicate-zip-entry');
    }
  }
  let expected = 0;
  for (const e of entries) {
    const name = nameOf(e.name);
    if (e.local !== expected) {
      if (expected === 0 && e.local > 0) throw fail(`${e.local} bytes stand before the zip's first entry`, 'zip-unexplained-bytes');
      throw fail(`unexplained bytes stand before the entry '${name}'`, 'zip-unexplained-bytes');
    }
    if (e.flags & 1) throw fail(`the entry '${name}' is encrypted`);
    const l = e.local;
    const cut = fail(`the entry '${name}' is damaged (it is cut short)`);
    if (l + 30 > cdOffset || u32(l) !== 0x04034b50) throw cut;
    const nameLength = u16(l + 26);
    const data = l + 30 + nameLength + u16(l + 28);
    if (data > cdOffset) throw cut;
    const mismatch = (field) =>
      fail(`the entry '${name}' is damaged (its local header says another ${field} than the directory)`, 'zip-header-mismatch');
    if (!sameBytes(bytes.subarray(l + 30, l + 30 + nameLength), e.name)) throw mismatch('name');
    if (u16(l + 6) !== e.flags) throw mismatch('flags');
    if (u16(l + 8) !== e.method) throw mismatch('compression method');
    if ((u16(l + 6) & 8) === 0) {
      if (u32(l + 14) !== e.crc) throw mismatch('CRC');
      if (u32(l + 18) !== e.packed || u32(l + 22) !== e.size) throw mismatch('size');
    }
    let after = data + e.packed;
    if (after > cdOffset) throw cut;
    if (e.flags & 8) {
      const fieldsAt = u32(after) === 0x08074b50 ? after + 4 : after;
      if (fieldsAt + 12 > cdOffset) throw cut;
      if (u32(fieldsAt) !== e.crc) throw mismatch('CRC');
      if (u32(fieldsAt + 4) !== e.packed || u32(fieldsAt + 8) !== e.size) throw mismatch('size');
      after = fieldsAt + 12;
    }
    expected = after;
  }
  if (expected !== cdOffset) {
    if (entries.length === 0) throw fail(`${cdOffset} bytes stand before the zip's first entry`, 'zip-unexplained-bytes');
    throw fail("unexplained bytes stand before the zip's directory", 'zip-unexplained-bytes');
  }
  return entries.length;
}

/** The entries of a zip, as [name, bytes], directories left out; throws Refused. */
async function readZip(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const notZip = (why, code = 'zip-malformed') => new Refused(`it is not a countersign bundle (${why})`, code);
  try {
    checkLayout(bytes);
  } catch (e) {
    if (e instanceof Refused) throw notZip(e.message, e.code);
    throw e;
  }
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw notZip('invalid Zip archive: Could not find EOCD');
  const count = view.getUint16(eocd + 10, true);
  const cdSize = view.getUint32(eocd + 12, true);
  const cdOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || cdOffset === 0xffffffff) throw notZip('ZIP64 archives are not bundles');
  if (cdOffset + cdSize > eocd) throw notZip('invalid Zip archive: the central directory is out of range');
  const entries = [];
  const seen = new Set();
  let total = 0;
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > eocd || view.getUint32(at, true) !== 0x02014b50) {
      throw notZip('invalid Zip archive: a central directory entry is damaged');
    }
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    const packed = view.getUint32(at + 20, true);
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    if (at + 46 + nameLength > eocd) throw notZip('invalid Zip archive: a name runs past the directory');
    const rawName = bytes.subarray(at + 46, at + 46 + nameLength);
    let name;
    try {
      name = FATAL_UTF8.decode(rawName);
    } catch {
      name = new TextDecoder().decode(rawName);
    }
    at += 46 + nameLength + extraLength + commentLength;
    if (!isSafeName(name.replace(/\/+$/, ''))) {
      throw notZip(`the entry '${name}' has a name that is not allowed`);
    }
    if (name.endsWith('/')) continue;
    if (seen.has(name)) throw notZip(`the entry '${name}' appears twice`);
    seen.add(name);
    if (flags & 1) throw notZip(`the entry '${name}' is encrypted`);
    if (local + 30 > bytes.length || view.getUint32(local, true) !== 0x04034b50) {
      throw notZip(`the entry '${name}' is damaged (its local header is missing)`);
    }
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (start + packed > bytes.length) throw notZip(`the entry '${name}' is damaged (it is cut short)`);
    const data = bytes.subarray(start, start + packed);
    let content;
    if (method === 0) {
      content = data;
    } else if (method === 8) {
      try {
        content = await inflateRaw(data, size, MAX_BUNDLE_BYTES - total);
      } catch (e) {
        if (e.message === 'over-budget') throw notZip(`it inflates to more than ${MAX_BUNDLE_BYTES / 1048576} MiB`);
        throw notZip(`the entry '${name}' is damaged (it does not inflate to its recorded size and CRC-32)`);
      }
    } else {
      throw notZip(`the entry '${name}' uses compression method ${method}, which bundles do not use`);
    }
    total += content.length;
    if (total > MAX_BUNDLE_BYTES) throw notZip(`it inflates to more than ${MAX_BUNDLE_BYTES / 1048576} MiB`);
    if (content.length !== size || crc32(content) !== crc) {
      throw notZip(`the entry '${name}' is damaged (it does not inflate to its recorded size and CRC-32)`);
    }
    entries.push([name, content]);
  }
  return entries;
}

/** Opens a bundle: its files checked against its index. As `bundle::open`. */
async function openBundle(bytes) {
  const entries = await readZip(bytes);
  let indexBytes = null;
  const files = [];
  for (const [name, content] of entries) {
    if (name === INDEX_FILE) indexBytes = content;
    else files.push([name, content]);
  }
  if (!indexBytes) throw new Refused(`it is not a countersign bundle (it has no ${INDEX_FILE})`, 'bundle-malformed');
  let index;
  try {
    index = fields(parseJson(indexBytes, 'not JSON'), { format: 's', pack: 's', created_at: 's', files: 'a' });
    for (const e of index.files) fields(e, { path: 's', sha256: 's', size: 'n' });
  } catch (e) {
    throw new Refused(`it is not a countersign bundle (its index is malformed (${e.message}))`, 'bundle-malformed');
  }
  if (index.format !== INDEX_FORMAT) {
    throw new Refused(`it is not a countersign bundle (its index has the format '${index.format}')`, 'bundle-malformed');
  }
  const listed = new Map(index.files.map((e) => [e.path, e]));
  const held = new Set(files.map(([name]) => name));
  const problems = [];
  for (const [name, content] of files) {
    const e = listed.get(name);
    if (!e) problems.push(`${name} was added: it is not in the index`);
    else if (e.size !== content.length || e.sha256 !== (await sha256Hex(content))) {
      problems.push(`${name} was altered: its SHA-256 differs from the index`);
    }
  }
  for (const e of index.files) {
    if (!held.has(e.path)) problems.push(`${e.path} was removed: the index lists it`);
  }
  if (problems.length > 0) {
    const error = new Refused(
      `the bundle's files do not match its index:${problems.map((p) => `\n  - ${p}`).join('')}`,
      'bundle-index-mismatch',
    );
    error.tampered = true;
    throw error;
  }
  return { index, files };
}

/* ---------- keys and the keyring: as src/approval/keys.rs and src/approval/keyring.rs ---------- */

const SSH_TYPE = 'ssh-ed25519';
const SSH_PREFIX = concat(new Uint8Array([0, 0, 0, 11]), UTF8.encode(SSH_TYPE), new Uint8Array([0, 0, 0, 32]));
const SPKI_PREFIX = new Uint8Array([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

/** The format a v2 keyring's first line names, or null when that line is no keyring header. */
function keyringHeader(bytes) {
  const end = bytes.indexOf(0x0a);
  try {
    return fields(parseJson(end < 0 ? bytes : bytes.subarray(0, end), 'not JSON', true), { format: 's' }).format;
  } catch {
    return null;
  }
}

/** As `KeyringError::Incomplete`. */
function incompleteLine(line) {
  return `its last line (line ${line}) is incomplete: adding a change was interrupted (a crash or a full disk?), so that change was never made; remove that line and make the change again`;
}

/** As `names_a_keyring_format`: whether the bytes name a keyring format the command reads. */
function namesKeyringFormat(bytes) {
  if (keyringHeader(bytes) === KEYRING_FORMAT) return true;
  try {
    const value = parseJson(bytes, 'not JSON');
    return value !== null && typeof value === 'object' && value.format === KEYRING_FORMAT_V1;
  } catch {
    return false;
  }
}


function spkiPemBytes(text) {
  const t = text.trim();
  if (!t.startsWith('-----BEGIN PUBLIC KEY-----') || !t.endsWith('-----END PUBLIC KEY-----')) return null;
  const body = t.slice(26, t.length - 24).split(/\s+/).join('');
  const der = base64Decode(body);
  if (!der || der.length !== 44 || !sameBytes(der.subarray(0, 12), SPKI_PREFIX)) return null;
  return der.subarray(12);
}

/** The 32 bytes of an OpenSSH or PEM public key; throws Refused naming the problem. */
function parsePublicKey(text) {
  const t = text.trim();
  let raw;
  if (t.startsWith('-----BEGIN PUBLIC KEY-----')) {
    raw = spkiPemBytes(t);
    if (!raw) throw new Refused('it is not an Ed25519 key in a form countersign reads (not an Ed25519 public key)');
  } else {
    const parts = t.split(/\s+/);
    if (parts.length < 2 || parts[0] === '') {
      throw new Refused("it is not an Ed25519 key in a form countersign reads (expected an OpenSSH line 'ssh-ed25519 AAAA…' or a PEM public key)");
    }
    if (parts[0] !== SSH_TYPE) throw new Refused(`it is not an Ed25519 key in a form countersign reads (the key type is '${parts[0]}', not ssh-ed25519)`);
    const wire = base64Decode(parts[1]);
    if (!wire) throw new Refused('it is not an Ed25519 key in a form countersign reads (bad base64)');
    if (wire.length !== SSH_PREFIX.length + 32 || !sameBytes(wire.subarray(0, SSH_PREFIX.length), SSH_PREFIX)) {
      throw new Refused('it is not an Ed25519 key in a form countersign reads (the OpenSSH key blob is not an Ed25519 key)');
    }
    raw = wire.subarray(SSH_PREFIX.length);
  }
  if (WEAK_KEYS.has(hex(raw))) throw new Refused('it is a weak Ed25519 key (a small-order point) that cannot be trusted');
  return raw;
}

async function keyIdOf(raw) {
  return `SHA256:${base64Encode(await sha256Bytes(concat(SSH_PREFIX, raw)), false)}`;
}


/** An event written back exactly as the command serialises it (field order matters: it is hashed). */
function canonicalEvent(e) {
  const c = e.change;
  const change = { action: c.action };
  for (const key of Object.keys(CHANGE_FIELDS[c.action])) {
    if (key !== 'action' && c[key] !== undefined && c[key] !== null) change[key] = c[key];
  }
  return JSON.stringify({ seq: e.seq, prev: e.prev, at: e.at, change });
}

class Keyring {
  constructor() {
    this.events = [];
    this.canonical = [];
    this.keys = new Map();
  }

  get(keyId) {
    return this.keys.get(keyId);
  }

  /**
   * As `Keyring::from_bytes`: either format read, the chain replayed; throws Refused with the
   * command's words. v2 is a header line then a change per line, each linked by the SHA-256 of
   * the line before as written; v1 is one document whose changes are linked by the SHA-256 of
   * each serialised compactly (the same bytes v2 writes).
   */
  static async fromBytes(bytes) {
    const malformed = (why) => new Refused(`it is not a countersign keyring (${why})`);
    const header = keyringHeader(bytes);
    if (header !== null && header !== KEYRING_FORMAT) {
      throw malformed(`the format is '${header}', not '${KEYRING_FORMAT}'`);
    }
    const ring = new Keyring();
    if (header === KEYRING_FORMAT) {
      let start = bytes.indexOf(0x0a) + 1;
      if (start === 0) throw new Refused(incompleteLine(1));
      let prev = GENESIS;
      for (let number = 2; start < bytes.length; number++) {
        const end = bytes.indexOf(0x0a, start);
        if (end < 0) throw new Refused(incompleteLine(number));
        let line = bytes.subarray(start, end);
        // As the command: a line is read without a CR before its LF, and a blank line is skipped (K2).
        if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
        if (line.every((b) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0c || b === 0x0d)) {
          start = end + 1;
          continue;
        }
        let event;
        try {
          event = parseJson(line, 'not JSON', true);
        } catch (e) {
          throw malformed(`line ${number}: ${e.message}`);
        }
        // The command reads each line as one value: what it refuses in a line, it names the line.
        await ring.replay(event, prev, (why) => malformed(`line ${number}: ${why}`));
        prev = await sha256Hex(line);
        start = end + 1;
      }
      return ring;
    }
    let file;
    try {
      file = fields(parseJson(bytes, 'not JSON'), { format: 's', events: 'a' });
    } catch (e) {
      throw malformed(e.message);
    }
    if (file.format !== KEYRING_FORMAT_V1) throw malformed(`the format is '${file.format}', not '${KEYRING_FORMAT}'`);
    let prev = GENESIS;
    for (const event of file.events) {
      await ring.replay(event, prev, malformed);
      prev = await sha256Hex(UTF8.encode(canonicalEvent(event)));
    }
    return ring;
  }

  /** As `Keyring::replay`: a change checked against the link `prev` and applied. */
  async replay(event, prev, malformed) {
    try {
      fields(event, { seq: 'n', prev: 's', at: 't', change: 'o' });
      const spec = CHANGE_FIELDS[variant(event.change, 'action', Object.keys(CHANGE_FIELDS))];
      if (Object.hasOwn(event.change, 'reason')) variant(event.change, 'reason', ['superseded', 'compromised', 'retired']);
      fields(event.change, spec);
    } catch (e) {
      throw malformed(e.message);
    }
    const seq = event.seq;
    const broken = (problem) => new Refused(`its history was altered: change ${seq} ${problem}`);
    if (seq !== this.events.length + 1) {
      throw broken(`is numbered ${seq} where ${this.events.length + 1} was expected (a change was removed, inserted or reordered)`);
    }
    if (event.prev !== (this.events.length === 0 ? GENESIS : prev)) {
      throw broken('does not follow from the change before it (that change was edited)');
    }
    if (this.events.length > 0 && parseTime(event.at) < parseTime(this.events.at(-1).at)) {
      throw broken('is dated before the change before it');
    }
    await this.apply(event, broken);
    this.events.push(event);
    this.canonical.push(canonicalEvent(event));
  }

  async apply(event, broken) {
    const c = event.change;
    if (c.action === 'added') {
      let raw;
      try {
        raw = parsePublicKey(c.public_key);
      } catch (e) {
        throw broken(`cannot be applied: the key ${c.key_id} is not usable: ${e.message}`);
      }
      const id = await keyIdOf(raw);
      const pem = spkiPemBytes(c.public_key_pem);
      if (id !== c.key_id || !pem || !sameBytes(pem, raw)) {
        throw broken(`cannot be applied: it is not a countersign keyring (the key recorded as ${c.key_id} is really ${id})`);
      }
      if (this.keys.has(c.key_id)) throw broken(`cannot be applied: the key ${c.key_id} is already in the keyring`);
      this.keys.set(c.key_id, {
        keyId: c.key_id,
        raw,
        organisation: c.organisation,
        signatory: c.signatory,
        roles: c.roles,
        validFrom: parseTime(c.valid_from),
        revoked: null,
      });
    } else {
      const record = this.keys.get(c.key_id);
      if (!record) throw broken(`cannot be applied: the keyring has no key ${c.key_id}`);
      if (c.action === 'revoked') {
        if (record.revoked) throw broken(`cannot be applied: the key ${c.key_id} is already revoked`);
        record.revoked = { reason: c.reason, effective: parseTime(c.effective) };
      } else {
        record.validFrom = parseTime(c.valid_from);
      }
    }
  }
}

/* ---------- Ed25519 through WebCrypto ---------- */

const importedKeys = new Map();

/** Strict Ed25519 verification of `message`; false for any signature that does not verify. */
const FIELD_P = 2n ** 255n - 19n;

function powModP(base, exponent) {
  let result = 1n;
  let b = ((base % FIELD_P) + FIELD_P) % FIELD_P;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % FIELD_P;
    b = (b * b) % FIELD_P;
  }
  return result;
}

/**
 * Whether 32 bytes are a point of Ed25519 (SPEC S2): y is the low 255 bits, reduced, and
 * (y²-1)/(d·y²+1) must be a square. As ed25519-dalek decompresses; BigInt is slow, so this
 * runs only to explain a signature that failed.
 */
function isCurvePoint(raw) {
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(i === 31 ? raw[i] & 0x7f : raw[i]);
  y %= FIELD_P;
  const d = ((-121665n * powModP(121666n, FIELD_P - 2n)) % FIELD_P + FIELD_P) % FIELD_P;
  const y2 = (y * y) % FIELD_P;
  const u = (y2 - 1n + FIELD_P) % FIELD_P;
  const v = (d * y2 + 1n) % FIELD_P;
  const ratio = (u * powModP(v, FIELD_P - 2n)) % FIELD_P;
  return ratio === 0n || powModP(ratio, (FIELD_P - 1n) / 2n) === 1n;
}

async function verifyEd25519(raw, message, signature) {
  if (signature.length !== 64) return false;
  // The command refuses weak keys and small-order R (verify_strict); WebCrypto refuses S >= L.
  if (WEAK_KEYS.has(hex(raw)) || WEAK_KEYS.has(hex(signature.subarray(0, 32)))) return false;
  const id = hex(raw);
  let key = importedKeys.get(id);
  if (!key) {
    try {
      key = await crypto.subtle.importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']);
    } catch {
      return false;
    }
    importedKeys.set(id, key);
  }
  try {
    return await crypto.subtle.verify({ name: 'Ed25519' }, key, signature, message);
  } catch {
    return false;
  }
}

/** Whether this browser checks Ed25519 signatures (RFC 8032, test 1): good passes, bad fails. */
async function browserVerifiesEd25519() {
  // Bundles are DEFLATE zips: without DecompressionStream nothing in them can be read.
  if (typeof DecompressionStream !== 'function' || !globalThis.crypto || !crypto.subtle) return false;
  try {
    const unhex = (h) => new Uint8Array(h.match(/../g).map((b) => parseInt(b, 16)));
    const key = unhex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    const sig = unhex(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
    const good = await crypto.subtle.verify(
      { name: 'Ed25519' },
      await crypto.subtle.importKey('raw', key, { name: 'Ed25519' }, false, ['verify']),
      sig,
      new Uint8Array(0),
    );
    sig[0] ^= 1;
    const bad = await crypto.subtle.verify(
      { name: 'Ed25519' },
      await crypto.subtle.importKey('raw', key, { name: 'Ed25519' }, false, ['verify']),
      sig,
      new Uint8Array(0),
    );
    return good === true && bad === false;
  } catch {
    return false;
  }
}

/* ---------- DSSE envelopes and approvals: as src/approval/signature.rs ---------- */


function pae(payloadType, payload) {
  return concat(UTF8.encode(`DSSEv1 ${UTF8.encode(payloadType).length} ${payloadType} ${payload.length} `), payload);
}

function parseEnvelope(bytes) {
  const envelope = fields(parseJson(bytes, 'not JSON'), { payloadType: 's', payload: 's', signatures: 'a' });
  for (const s of envelope.signatures) fields(s, { keyid: 's', sig: 's' });
  return envelope;
}

class EnvelopeError extends Refused {
  constructor(message, code = 'signature-malformed') {
    super(message);
    this.code = code;
    this.badSignature = code === 'signature-invalid';
  }
}

/** As `signature::open` (docs/SPEC.md S1-S3): the verified statement, or an EnvelopeError in the command's words. */
async function openSignature(bytes, keyring) {
  let envelope;
  try {
    envelope = parseEnvelope(bytes);
  } catch (e) {
    throw new EnvelopeError(`the signature file is malformed (${e.message})`);
  }
  if (envelope.payloadType !== PAYLOAD_TYPE) {
    throw new EnvelopeError(`the signature is for something else (payload type '${shown(envelope.payloadType, 80)}')`, 'payload-type-wrong');
  }
  if (envelope.signatures.length !== 1) {
    throw new EnvelopeError(`the signature file is malformed (it holds ${envelope.signatures.length} signatures instead of one)`);
  }
  const [signature] = envelope.signatures;
  const payload = base64Decode(envelope.payload);
  if (!payload) throw new EnvelopeError('the signature file is malformed (the payload is not standard base64)');
  const sig = base64Decode(signature.sig);
  if (!sig) throw new EnvelopeError('the signature file is malformed (the signature is not standard base64)');
  if (sig.length !== 64) {
    throw new EnvelopeError(`the signature file is malformed (the signature has ${sig.length} bytes instead of 64)`);
  }
  const key = keyring.get(signature.keyid);
  if (!key) throw new EnvelopeError(`it was made with a key the keyring does not hold (${shown(signature.keyid, 60)})`, 'key-unknown');
  if (!(await verifyEd25519(key.raw, pae(PAYLOAD_TYPE, payload), sig))) {
    // SPEC S2: checked only on failure, as the command does.
    if (!isCurvePoint(key.raw)) {
      throw new EnvelopeError(
        `the signature is not valid: the key it names (${signature.keyid}) is not an Ed25519 public key, so nothing verifies with it; the coordinator revokes that key and adds the signatory's real public key`,
        'signature-invalid',
      );
    }
    throw new EnvelopeError(
      'the signature is not valid: the signed statement was altered, or the signature was made with another key',
      'signature-invalid',
    );
  }
  let statement;
  try {
    statement = fields(parseJson(payload, 'not JSON'), { _type: 's', subject: 'a', predicateType: 's', predicate: 'o' });
    for (const s of statement.subject) {
      fields(s, { name: 's', digest: 'o' });
      fields(s.digest, { sha256: 's' });
    }
    const p = fields(statement.predicate, {
      pack: 's', pack_version: 's', document: 'o', organisation: 'o', signatory: 'o', signed_at: 's', key_id: 's',
    });
    fields(p.document, { id: 's', kind: 's', version: 's', title: 's' });
    fields(p.organisation, { id: 's', name: 's' });
    fields(p.signatory, { name: 's', role: 's' });
  } catch (e) {
    throw new EnvelopeError(`the signed statement is malformed (${e.message})`, 'statement-malformed');
  }
  if (statement._type !== STATEMENT_TYPE || statement.predicateType !== PREDICATE_TYPE) {
    throw new EnvelopeError(
      `the signed statement is malformed (it is a '${statement.predicateType}' statement, not a countersign approval)`,
      'statement-malformed',
    );
  }
  if (statement.subject.length !== 1) {
    throw new EnvelopeError(
      `the signed statement is malformed (it names ${statement.subject.length} documents instead of one)`,
      'statement-malformed',
    );
  }
  return { statement, keyId: key.keyId, statementSha256: await sha256Hex(payload) };
}

/* ---------- the register and its checkpoints: as src/record/register.rs and checkpoint.rs ---------- */


class Register {
  constructor() {
    this.records = [];
    this.lineHashes = [];
    this.signatures = new Map();
    this.assembledBy = new Map();
    this.paperBy = new Map();
    this.keysAdded = new Map();
    this.keysRevoked = new Map();
  }

  /** As `Register::key_added`. */
  keyAdded(keyId) {
    return this.keysAdded.get(keyId);
  }

  /** As `Register::key_revoked`. */
  keyRevoked(keyId) {
    return this.keysRevoked.get(keyId);
  }

  head() {
    return [this.records.length, this.lineHashes.at(-1) ?? GENESIS];
  }

  signature(statementSha256, keyId) {
    return this.signatures.get(`${statementSha256} ${keyId}`);
  }

  assembled(sha256) {
    return this.assembledBy.get(sha256);
  }

  paper(recordSha256) {
    return this.paperBy.get(recordSha256);
  }

  /** As `Register::parse`; throws Refused with the command's words. */
  static async parse(bytes) {
    const register = new Register();
    if (bytes.length === 0) return register;
    const complete = bytes[bytes.length - 1] === 0x0a;
    const body = complete ? bytes.subarray(0, bytes.length - 1) : bytes;
    const lines = [];
    let start = 0;
    for (let i = 0; i <= body.length; i++) {
      if (i === body.length || body[i] === 0x0a) {
        lines.push(body.subarray(start, i));
        start = i + 1;
      }
    }
    for (let i = 0; i < lines.length; i++) {
      const number = i + 1;
      if (number === lines.length && !complete) {
        throw new Refused(`the last record (line ${number}) is incomplete: a write was interrupted (a crash or a full disk?)`);
      }
      let record;
      try {
        record = fields(parseJson(lines[i], 'not JSON', true), { seq: 'n', prev: 's', at: 't', event: 'o' });
        fields(record.event, EVENT_FIELDS[variant(record.event, 'type', Object.keys(EVENT_FIELDS), true)]);
      } catch (e) {
        throw new Refused(`record ${number} (line ${number}) is not a valid register record (${e.message})`);
      }
      if (record.seq !== number) {
        throw new Refused(
          `line ${number} holds record ${record.seq} where record ${number} was expected: records were removed, inserted or reordered`,
        );
      }
      const expected = register.lineHashes.at(-1) ?? GENESIS;
      if (record.prev !== expected) {
        throw new Refused(
          number === 1
            ? 'record 1 does not start the chain: records before it were removed'
            : `record ${number} does not follow from record ${number - 1}: record ${number - 1} was edited, or a record was inserted`,
        );
      }
      register.lineHashes.push(await sha256Hex(lines[i]));
      const e = record.event;
      const first = (map, key) => {
        if (!map.has(key)) map.set(key, record);
      };
      if (e.type === 'signature-recorded') first(register.signatures, `${e.statement_sha256} ${e.key_id}`);
      else if (e.type === 'document-assembled') first(register.assembledBy, e.sha256);
      else if (e.type === 'paper-signature-recorded') first(register.paperBy, e.record_sha256);
      else if (e.type === 'key-added') first(register.keysAdded, e.key_id);
      else if (e.type === 'key-revoked') first(register.keysRevoked, e.key_id);
      record.atSeconds = parseTime(record.at);
      register.records.push(record);
    }
    return register;
  }
}

/** As `checkpoint::open_checkpoint`, or null where that refuses: what a checkpoint claims. */
async function claimedCheckpoint(bytes, keyring) {
  try {
    return await openCheckpoint(bytes, keyring);
  } catch (e) {
    if (e instanceof Refused) return null;
    throw e;
  }
}

/** As `checkpoint::describe`: a checkpoint that holds, in words (C2). */
function describeCheckpoint(cp, keyring) {
  const key = keyring.get(cp.key_id);
  const revoked = key && key.revoked ? `, with a key since revoked (${key.revoked.reason})` : '';
  return `${cp.organisation} vouched for the first ${cp.size} records at ${cp.signed_at}${revoked}`;
}

/** As `register::check_checkpoint` (with the pack checked after, as `check_checkpoints`). */
async function checkCheckpoint(bytes, keyring, register) {
  const cp = await openCheckpoint(bytes, keyring);
  const records = register.records.length;
  if (cp.size > records) {
    throw new Refused(`it vouches for ${cp.size} records, but the register has only ${records}: records were removed`);
  }
  const at = cp.size === 0 ? GENESIS : register.lineHashes[cp.size - 1] ?? GENESIS;
  if (at !== cp.head) {
    throw new Refused(`the register's first ${cp.size} records are not the ones it vouched for: the register was rewritten`);
  }
  return cp;
}

/** As `checkpoint::open_checkpoint`: the signature and signer, without a register. */
async function openCheckpoint(bytes, keyring) {
  let envelope;
  try {
    envelope = parseEnvelope(bytes);
  } catch (e) {
    throw new Refused(`it is malformed (${e.message})`);
  }
  if (envelope.payloadType !== CHECKPOINT_PAYLOAD_TYPE) throw new Refused('it is not a register checkpoint');
  if (envelope.signatures.length !== 1) throw new Refused('it must hold exactly one signature');
  const [sig] = envelope.signatures;
  const payload = base64Decode(envelope.payload);
  if (!payload) throw new Refused('it is malformed (its payload is not standard base64)');
  const raw = base64Decode(sig.sig);
  if (!raw) throw new Refused('it is malformed (its signature is not standard base64)');
  const key = keyring.get(sig.keyid);
  if (!key) throw new Refused(`it was signed with a key the keyring does not hold (${shown(sig.keyid, 60)})`);
  if (!(await verifyEd25519(key.raw, pae(CHECKPOINT_PAYLOAD_TYPE, payload), raw))) {
    throw new Refused('its signature is not valid');
  }
  let cp;
  try {
    cp = fields(parseJson(payload, 'not JSON'), {
      pack: 's', size: 'n', head: 's', signed_at: 't', organisation: 's', signatory: 's', role: 's', key_id: 's',
    });
  } catch (e) {
    throw new Refused(`it is malformed (its statement is malformed (${e.message}))`);
  }
  if (cp.key_id !== key.keyId || cp.organisation !== key.organisation) {
    throw new Refused(`it claims ${cp.organisation} with key ${cp.key_id}, but the keyring gives that key to ${key.organisation}`);
  }
  // No time rule: a checkpoint made before its signer's key was revoked keeps counting (C2).
  cp.signedAtSeconds = parseTime(cp.signed_at);
  return cp;
}

/* ---------- paper signatures: as src/approval/paper.rs ---------- */


const isPlainName = (name) => name.length > 0 && !name.startsWith('.') && /^[A-Za-z0-9._-]+$/.test(name);

async function checkPaper(file) {
  let record;
  try {
    record = fields(parseJson(file.bytes, 'not JSON'), {
      format: 's', file: 's', id: 's', version: 's', sha256: 's', organisation: 's', signatory: 's', role: 's', signed_on: 's',
      scan: 's', scan_sha256: 's', recorded_at: 't',
    });
  } catch (e) {
    throw new Refused(`the paper signature record is malformed (${e.message})`);
  }
  if (record.format !== PAPER_FORMAT) throw new Refused('the paper signature record has an unknown format');
  if (!isPlainName(record.scan)) throw new Refused('the paper signature record names a scan outside paper/');
  if (!file.scan) throw new Refused(`the scan of the paper signature (${record.scan}) is missing`);
  const actual = await sha256Hex(file.scan);
  if (actual !== record.scan_sha256) {
    throw new Refused(
      `the scan of the paper signature is not the one recorded (recorded SHA-256 ${record.scan_sha256}, the scan's is ${actual})`,
    );
  }
  return record;
}

/* ---------- what a bundle holds: as bundle::contents ---------- */

/** docs/SPEC.md D2, as `bundle::not_as_assembled`: every difference, manifest order first. */
async function notAsAssembled(inputs, dataFiles) {
  if (inputs.length === 0) return [NO_INPUTS_RECORDED];
  const problems = [];
  for (const input of inputs) {
    const f = dataFiles.find(([name]) => name === input.file);
    if (!f) problems.push(`${input.file} is missing: the current documents were assembled from it`);
    else if ((await sha256Hex(f[1])) !== input.sha256) {
      problems.push(`${f[0]} is not the file the current documents were assembled from (its SHA-256 differs from the manifest's)`);
    }
  }
  for (const [name] of dataFiles) {
    if (!inputs.some((i) => i.file === name)) problems.push(`${name} was not among the files the current documents were assembled from`);
  }
  return problems;
}

/** docs/SPEC.md D1, as `manifest::kept_data_sha256`: the SHA-256 of the kept data's compact form. */
async function keptDataSha256(bytes) {
  const compact = new Uint8Array(bytes.length);
  let n = 0;
  let inString = false;
  let escaped = false;
  for (const b of bytes) {
    if (inString) {
      compact[n++] = b;
      if (escaped) escaped = false;
      else if (b === 0x5c) escaped = true;
      else if (b === 0x22) inString = false;
    } else if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) {
      if (b === 0x22) inString = true;
      compact[n++] = b;
    }
  }
  return sha256Hex(compact.subarray(0, n));
}


async function bundleContents(files) {
  const found = { protocols: [], active: [], setAside: [], checkpoints: [], paperFiles: new Map(), documents: new Map() };
  let framework = null;
  let organisations = null;
  let manifest = null;
  let keyring = null;
  let register = null;
  for (const [path, bytes] of files) {
    if (path === 'framework.json') framework = bytes;
    else if (path === 'organisations.json') organisations = bytes;
    else if (path.startsWith('protocols/') && path.endsWith('.json')) found.protocols.push([path, bytes]);
    else if (path === 'out/manifest.json') manifest = bytes;
    else if (path === 'keys/keyring.json') keyring = bytes;
    else if (path === 'register/register.jsonl') register = bytes;
    else if (path.startsWith('signatures/set-aside/')) found.setAside.push([path.slice(21), bytes]);
    else if (path.startsWith('signatures/')) {
      const name = path.slice(11);
      if (name.endsWith(SIGNATURE_SUFFIX) && !name.includes('/')) found.active.push([name, bytes]);
    } else if (path.startsWith('paper/')) found.paperFiles.set(path.slice(6), bytes);
    else if (path.startsWith('register/checkpoints/')) found.checkpoints.push([path.slice(21), bytes]);
    else if (path.startsWith('out/')) found.documents.set(path.slice(4), bytes);
  }
  if (!framework || !organisations) {
    throw new Refused('it is not a countersign bundle (it lacks framework.json or organisations.json)', 'bundle-malformed');
  }
  if (!manifest) throw new Refused('it is not a countersign bundle (it has no out/manifest.json)', 'bundle-malformed');
  let m;
  try {
    m = fields(parseJson(manifest, 'not JSON'), { format: 's', pack: 's', pack_version: 's', inputs: 'a?', documents: 'a' });
    for (const input of m.inputs || []) fields(input, { file: 's', sha256: 's' });
    for (const d of m.documents) {
      if (d !== null && typeof d === 'object' && Object.hasOwn(d, 'kind')) {
        variant(d, 'kind', ['framework', 'signature-sheet', 'protocol', 'assurance-checklist']);
      }
      fields(d, {
        file: 's', kind: 's', id: 's', version: 's', title: 's', sha256: 's', size: 'n', template: 'o', data_sha256: 's',
        parties: 'as', current: 'b?', supersedes: 's?',
      });
      fields(d.template, { name: 's', source: 's', sha256: 's' });
      if (d.current === undefined || d.current === null) d.current = true;
    }
  } catch (e) {
    throw new Refused(`it is not a countersign bundle (its manifest is malformed (${e.message}))`, 'bundle-malformed');
  }
  if (m.format !== MANIFEST_FORMAT) {
    throw new Refused(`it is not a countersign bundle (its manifest cannot be used: its format is '${shown(m.format, 80)}', not '${MANIFEST_FORMAT}')`, 'bundle-malformed');
  }
  const seen = new Set();
  for (const d of m.documents) {
    if (!isPlainFileName(d.file) || !d.file.endsWith('.docx')) {
      throw new Refused(
        `it is not a countersign bundle (its manifest cannot be used: it lists a document named '${shown(d.file, 80)}', which is not a plain .docx file name)`,
        'bundle-malformed',
      );
    }
    if (!/^[0-9a-f]{64}$/.test(d.sha256)) {
      throw new Refused(`it is not a countersign bundle (its manifest cannot be used: the SHA-256 of ${d.file} is not 64 hex digits)`, 'bundle-malformed');
    }
    if (seen.has(d.file)) {
      throw new Refused(`it is not a countersign bundle (its manifest cannot be used: it lists ${d.file} twice)`, 'bundle-malformed');
    }
    seen.add(d.file);
  }
  for (const input of m.inputs || []) {
    if (!/^[0-9a-f]{64}$/.test(input.sha256)) {
      throw new Refused(
        `it is not a countersign bundle (its manifest cannot be used: the SHA-256 of the data file ${shown(input.file, 80)} is not 64 hex digits)`,
        'bundle-malformed',
      );
    }
  }
  // D2: the data files are the ones the current documents were assembled from.
  const dataFiles = [['framework.json', framework], ['organisations.json', organisations], ...found.protocols.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))];
  const changed = await notAsAssembled(m.inputs || [], dataFiles);
  if (changed.length > 0) {
    throw new Refused(
      `its data is not what its documents were assembled from:${changed.map((c) => `\n  - ${c}`).join('')}`,
      'data-not-as-assembled',
    );
  }
  // The names of organisations, for messages (the data's own rules are the pack's `validate`).
  const names = new Map();
  let frameworkData;
  try {
    frameworkData = parseJson(framework, 'not JSON');
    const list = parseJson(organisations, 'not JSON').organisations;
    if (!Array.isArray(list)) throw new Refused('organisations.json holds no list of organisations');
    for (const o of list) if (o && typeof o.id === 'string' && typeof o.name === 'string') names.set(o.id, o.name);
  } catch (e) {
    throw new Refused(`its data is not a valid pack: ${e.message}`, 'data-invalid');
  }
  let ring = new Keyring();
  if (keyring) {
    try {
      ring = await Keyring.fromBytes(keyring);
    } catch (e) {
      throw new Refused(`its keyring cannot be trusted: ${e.message}`, 'keyring-untrusted');
    }
  }
  let reg = new Register();
  if (register) {
    try {
      reg = await Register.parse(register);
    } catch (e) {
      throw new Refused(`its register cannot be trusted: ${e.message}`, 'register-untrusted');
    }
  }
  const byName = (a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  found.active.sort(byName);
  found.setAside.sort(byName);
  found.checkpoints.sort(byName);
  const paper = [];
  for (const [name, bytes] of [...found.paperFiles].sort(byName)) {
    if (!name.endsWith(RECORD_SUFFIX)) continue;
    let scan = null;
    try {
      const record = parseJson(bytes, 'not JSON');
      if (record && typeof record.scan === 'string') scan = found.paperFiles.get(record.scan) ?? null;
    } catch {
      scan = null;
    }
    paper.push({ name, bytes, scan });
  }
  return {
    framework: frameworkData,
    names,
    manifest: m,
    keyring: ring,
    register: reg,
    signatures: { active: found.active, setAside: found.setAside },
    checkpoints: found.checkpoints,
    paper,
    documents: found.documents,
  };
}

function isPlainFileName(name) {
  return (
    name.length > 0 &&
    UTF8.encode(name).length <= 255 &&
    !name.startsWith('.') &&
    !/[/\\\0:]/.test(name) &&
    !/[\u0000-\u001f\u007f-\u009f]/.test(name)
  );
}

/* ---------- verification: as src/verify/mod.rs ---------- */

const RANK = { signed: 4, 'signed-on-paper': 3, failed: 2, 'older-version': 1, outstanding: 0 };

/** As `key_time_problem`: the register's order decides (docs/SPEC.md S6). */
function keyTimeProblem(key, signedAt, recorded, ev) {
  const added = ev.register ? ev.register.keyAdded(key.keyId) : undefined;
  if (added) {
    if (recorded && recorded.seq < added.seq) {
      return ['key-not-yet-valid', `the register received this signature (record ${recorded.seq}) before the key was added (record ${added.seq})`];
    }
  } else if (signedAt < key.validFrom) {
    return ['key-not-yet-valid', `the key is valid only from ${formatTime(key.validFrom)}; the signature is dated ${formatTime(signedAt)}`];
  }
  const revocation = key.revoked;
  if (!revocation) return null;
  const effective = revocation.effective;
  const reason = revocation.reason;
  const revoked = ev.register ? ev.register.keyRevoked(key.keyId) : undefined;
  if (revoked) {
    if (!recorded) {
      return ['key-revoked', `the key was revoked (${reason}) at register record ${revoked.seq}, and the register has no record of receiving this signature, so nothing shows it came before that`];
    }
    if (recorded.seq > revoked.seq) {
      return ['key-revoked', `the register received this signature (record ${recorded.seq}) after the key was revoked (${reason}, record ${revoked.seq})`];
    }
  } else if (signedAt >= effective) {
    return ['key-revoked', `the key was revoked (${reason}) from ${formatTime(effective)}, before the signature was made (${formatTime(signedAt)})`];
  }
  if (reason !== 'compromised') return null;
  if (!recorded) {
    return ['key-revoked', `the key was revoked as compromised from ${formatTime(effective)}, and the register has no record of this signature, so it cannot be shown that it was made before the revocation`];
  }
  let proven = recorded.atSeconds;
  for (const c of ev.checkpoints) {
    if (c.size < recorded.seq || c.signedAtSeconds >= proven) continue;
    const signer = ev.keyring.get(c.key_id);
    if (signer && !(signer.revoked && signer.revoked.reason === 'compromised')) proven = c.signedAtSeconds;
  }
  if (proven >= effective) {
    return ['key-revoked', `the key was revoked (compromised) from ${formatTime(effective)}, before the signature was recorded (${formatTime(proven)})`];
  }
  return null;
}

/** As `claimed_time_notes`: the signer's claimed time beside the register's record (S9). */
function claimedTimeNotes(sigFile, signedAt, key, recorded, sha256, ev) {
  if (!ev.register) return [];
  const notes = [];
  const shownAt = formatTime(signedAt);
  if (recorded && signedAt > recorded.atSeconds + CLOCK_TOLERANCE_SECONDS) {
    notes.push(`${sigFile} says it was signed at ${shownAt}, after the register received it (record ${recorded.seq}, ${recorded.at}): the signatory's computer clock may be wrong; the register's order is what counts`);
  }
  if (ev.register.keyAdded(key.keyId) && signedAt + CLOCK_TOLERANCE_SECONDS < key.validFrom) {
    notes.push(`${sigFile} says it was signed at ${shownAt}, before its key counts from (${formatTime(key.validFrom)}): the signatory's computer clock may be wrong`);
  }
  const assembled = ev.register.assembled(sha256);
  if (assembled && signedAt + CLOCK_TOLERANCE_SECONDS < assembled.atSeconds) {
    notes.push(`${sigFile} says it was signed at ${shownAt}, before the document was assembled (${assembled.at}): the signatory's computer clock may be wrong`);
  }
  return notes;
}

/** As `departed_note` (S8). */
function departedNote(organisation, version) {
  return `${organisation} approved version ${version} and is not a party to this version: that approval stands for version ${version} only`;
}

function candidate(organisation, status, extra = {}) {
  return {
    organisation, status, signed: null, paper: null, signatureValid: null, keyBelongs: null, code: null, reason: null, ...extra,
  };
}

function stripName(fileName, stem, suffix) {
  if (!fileName.startsWith(stem)) return null;
  const rest = fileName.slice(stem.length);
  if (!rest.startsWith('.') || !rest.endsWith(suffix) || rest.length < 1 + suffix.length) return null;
  return rest.slice(1, rest.length - suffix.length);
}

/** As `claims_problem` (docs/SPEC.md S5): null, or the words of the mismatch. */
function claimsProblem(name, kind, title, version, entry, manifest) {
  const assembled = entry.version === version
    ? entry
    : manifest.documents.find((d) => d.id === entry.id && d.version === version);
  if (!assembled) return `the statement signs version ${shown(version, 80)} of '${entry.id}', which the pack never assembled`;
  if (name === assembled.file && kind === assembled.kind && title === assembled.title) return null;
  return `the signed statement describes the document as '${shown(name, 80)}' (${shown(kind, 80)}) titled '${shown(title, 80)}', but the pack assembled version ${assembled.version} as '${assembled.file}' (${assembled.kind}) titled '${assembled.title}'`;
}

/** As `judge`: what one signature file says about the document (docs/SPEC.md S1-S8). */
async function judge(sigFile, sigBytes, entry, parties, sha256, ev, warnings) {
  const nameOf = (id) => ev.names.get(id) ?? id;
  if (!entry) return { elsewhere: true };
  const stem = entry.file.replace(/(\.docx)+$/, '');
  const namedOrg = stripName(sigFile, stem, SIGNATURE_SUFFIX);
  let verified;
  try {
    verified = await openSignature(sigBytes, ev.keyring);
  } catch (e) {
    if (namedOrg === null) return { elsewhere: true };
    return {
      party: candidate(namedOrg, 'failed', { signatureValid: e.badSignature ? false : null, code: e.code, reason: e.message }),
    };
  }
  const st = verified.statement;
  const p = st.predicate;
  if (p.document.id !== entry.id || p.pack !== ev.manifest.pack) {
    if (namedOrg === null) return { elsewhere: true };
    return {
      party: candidate(namedOrg, 'failed', {
        signatureValid: true,
        code: 'signature-for-another-document',
        reason: `the signature is for another document ('${p.document.id}' of pack '${p.pack}'), not this one`,
      }),
    };
  }
  const recorded = ev.register ? ev.register.signature(verified.statementSha256, verified.keyId) : undefined;
  const signed = {
    signatory: p.signatory.name,
    role: p.signatory.role,
    signed_at: p.signed_at,
    key_id: verified.keyId,
    version: p.document.version,
    signature_file: sigFile,
    ...(recorded ? { register_record: recorded.seq } : {}),
    statement_sha256: verified.statementSha256,
  };
  const org = p.organisation.id;
  const record = ev.keyring.get(verified.keyId);
  const keyBelongs = !!record && record.organisation === org;
  const signedAt = parseTime(p.signed_at);
  let problem = null;
  if (signedAt !== null && p.key_id === verified.keyId && keyBelongs) {
    const found = keyTimeProblem(record, signedAt, recorded, ev);
    if (found) problem = [found[1], true, found[0]];
  } else if (signedAt === null) {
    problem = [`the statement's time of signing is malformed ('${shown(p.signed_at, 40)}')`, null, 'signed-at-malformed'];
  } else if (p.key_id !== verified.keyId) {
    problem = [`the statement names the key ${p.key_id} but was signed with ${verified.keyId}`, keyBelongs, 'statement-key-mismatch'];
  } else if (!keyBelongs) {
    const owner = record ? nameOf(record.organisation) : 'nobody';
    problem = [`the key ${verified.keyId} is not listed for ${nameOf(org)}: the pack's keyring lists it for ${owner}`, false, 'key-not-for-organisation'];
  }
  const older = p.document.version !== entry.version;
  // S5: what the statement says of the document is what the pack assembled as that version.
  if (!problem) {
    const claims = claimsProblem(st.subject[0].name, p.document.kind, p.document.title, p.document.version, entry, ev.manifest);
    if (claims) problem = [claims, true, 'statement-claims-mismatch'];
  }
  if (ev.register && !recorded && !older) {
    warnings.push(
      `${sigFile} is not recorded in the register (collect it with \`countersign collect\`, or the register is older)`,
    );
  }
  if (!older && !problem && signedAt !== null && record) {
    warnings.push(...claimedTimeNotes(sigFile, signedAt, record, recorded, sha256, ev));
  }
  let c;
  if (problem && older) {
    return {
      note: `${sigFile}: ${nameOf(org)}'s signature of the earlier version ${p.document.version} fails (${problem[0]}); it does not affect this version`,
    };
  } else if (problem) {
    c = candidate(org, 'failed', { signed, signatureValid: true, keyBelongs: problem[1], code: problem[2], reason: problem[0] });
  } else if (older) {
    c = candidate(org, 'older-version', {
      signed, signatureValid: true, keyBelongs: true,
      reason: `signed version ${p.document.version}, not this version (${entry.version})`,
    });
  } else if (st.subject[0].digest.sha256 === sha256) {
    c = candidate(org, 'signed', { signed, signatureValid: true, keyBelongs: true });
  } else {
    c = candidate(org, 'failed', {
      signed, signatureValid: true, keyBelongs: true, code: 'digest-mismatch', reason: 'the document differs from what was signed',
    });
  }
  if (!parties.has(c.organisation)) {
    // Its name as it signed: a departed organisation is no longer in the data.
    if (c.status === 'older-version') return { note: departedNote(ev.names.get(c.organisation) ?? p.organisation.name, p.document.version) };
    return {
      stray: { signature_file: sigFile, code: 'not-a-party', reason: `signed by ${nameOf(c.organisation)}, which is not a party to this document` },
    };
  }
  return { party: c };
}

/** As `judge_paper`: what a paper signature says about the document (null: another document; W1-W3). */
async function judgePaper(file, entry, parties, sha256, ev) {
  const stem = entry.file.replace(/(\.docx)+$/, '');
  const namedOrg = stripName(file.name, stem, RECORD_SUFFIX);
  let record;
  try {
    record = await checkPaper(file);
  } catch (e) {
    return namedOrg === null ? null : { party: candidate(namedOrg, 'failed', { code: 'paper-record-invalid', reason: e.message }) };
  }
  if (record.id !== entry.id) return null;
  const nameOf = (id) => ev.names.get(id) ?? id;
  if (!parties.has(record.organisation)) {
    if (record.version !== entry.version) return { note: departedNote(nameOf(record.organisation), record.version) };
    return {
      stray: {
        signature_file: `paper/${file.name}`,
        code: 'not-a-party',
        reason: `a paper signature of ${nameOf(record.organisation)}, which is not a party to this document`,
      },
    };
  }
  const recorded = ev.register ? ev.register.paper(await sha256Hex(file.bytes)) : undefined;
  const older = record.version !== entry.version;
  let problem = null;
  if (ev.register && !recorded) {
    problem = ['paper-not-recorded', 'the register has no record of this paper signature, so nothing shows the coordinator recorded it as it stands'];
  } else if (!older && record.sha256 !== sha256) {
    problem = ['digest-mismatch', 'the document differs from the version the paper signature was recorded for'];
  }
  const paper = {
    signatory: record.signatory,
    role: record.role,
    signed_on: record.signed_on,
    recorded_at: record.recorded_at,
    scan_sha256: record.scan_sha256,
    record_file: file.name,
    register_record: recorded ? recorded.seq : 0,
  };
  if (problem && older) {
    return {
      note: `${nameOf(record.organisation)}'s paper signature of the earlier version ${record.version} cannot be relied on (${problem[1]}); it does not affect this version`,
    };
  }
  if (problem) return { party: candidate(record.organisation, 'failed', { code: problem[0], reason: problem[1] }) };
  if (older) {
    return {
      party: candidate(record.organisation, 'older-version', {
        paper, reason: `signed version ${record.version} on paper, not this version (${entry.version})`,
      }),
    };
  }
  return { party: candidate(record.organisation, 'signed-on-paper', { paper }) };
}

function partyResult(organisation, name, c) {
  const out = { organisation, name, status: c ? c.status : 'outstanding' };
  if (!c) return out;
  if (c.signed) out.signed = c.signed;
  if (c.paper) out.paper = c.paper;
  if (c.signatureValid !== null) out.signature_valid = c.signatureValid;
  if (c.keyBelongs !== null) out.key_belongs_to_organisation = c.keyBelongs;
  if (c.code !== null) out.code = c.code;
  if (c.reason !== null) out.reason = c.reason;
  return out;
}

/** As `verify_with`: one document (its bytes, called `file`) against the evidence. */
async function verifyWith(file, bytes, ev, known = null) {
  const sha256 = await sha256Hex(bytes);
  // The entry a pack's own copy is expected to be is taken without searching the manifest.
  let entry = known && known.sha256 === sha256 ? known : ev.manifest.documents.find((d) => d.sha256 === sha256);
  let match = 'exact';
  if (!entry) {
    entry = ev.manifest.documents.find((d) => d.file === file);
    match = entry ? 'differs-from-manifest' : 'unknown';
  }
  const nameOf = (id) => ev.names.get(id) ?? id;
  const candidates = [];
  const otherProblems = [];
  const warnings = [];
  const take = (j) => {
    if (j.party) candidates.push(j.party);
    else if (j.stray) otherProblems.push(j.stray);
    else if (j.note) warnings.push(j.note);
  };
  // The signing organisations, looked up once per signature (a national framework has a thousand).
  const signing = new Set(entry ? entry.parties : []);
  for (const [sigFile, sigBytes] of ev.signatures) take(await judge(sigFile, sigBytes, entry, signing, sha256, ev, warnings));
  if (entry) {
    for (const paper of ev.paper) {
      const j = await judgePaper(paper, entry, signing, sha256, ev);
      if (j) take(j);
    }
  }
  const setAside = [];
  for (const [sigFile, sigBytes] of ev.setAside) {
    const j = await judge(sigFile, sigBytes, entry, signing, sha256, ev, []);
    if (j.elsewhere) continue;
    let code;
    let reason;
    if (j.party) {
      code = j.party.code ?? (j.party.status === 'older-version' ? 'older-version' : 'verifies');
      reason = j.party.reason ?? 'it verifies';
    } else if (j.stray) {
      ({ code, reason } = j.stray);
    } else {
      [code, reason] = ['earlier-version-fails', j.note];
    }
    setAside.push({ signature_file: `set-aside/${sigFile}`, code, reason });
  }
  const best = new Map();
  for (const c of candidates) {
    const slot = best.get(c.organisation);
    if (!slot || RANK[c.status] > RANK[slot.status]) best.set(c.organisation, c);
  }
  const parties = (entry ? entry.parties : []).map((org) => partyResult(org, nameOf(org), best.get(org)));
  const standing = new Map(parties.map((p) => [p.organisation, p.status]));
  for (const c of candidates) {
    if (c.status === 'failed' && standing.has(c.organisation) && standing.get(c.organisation) !== 'failed') {
      otherProblems.push({
        signature_file: c.signed ? c.signed.signature_file : '',
        code: c.code ?? 'signature-fails',
        reason: `${nameOf(c.organisation)}: ${c.reason ?? ''}`,
      });
    }
  }
  const anyFailed = parties.some((p) => p.status === 'failed') || otherProblems.length > 0;
  const report = {
    format: REPORT_FORMAT,
    file,
    sha256,
    document: match,
    ...(entry ? { id: entry.id, kind: entry.kind, version: entry.version } : {}),
    parties,
    other_problems: otherProblems,
    ...(setAside.length > 0 ? { set_aside: setAside } : {}),
    valid: match === 'exact' && !anyFailed,
    outstanding: parties.filter((p) => p.status === 'outstanding' || p.status === 'older-version').map((p) => p.organisation),
    warnings,
    trust: 'none',
    keys_confirmed: false,
    outcome: outcomeOf(match === 'exact' && !anyFailed, false, false),
    unconfirmed: [],
  };
  return report;
}

/** As `Outcome::of`: the verdict's headline (docs/SPEC.md V6). */
function outcomeOf(valid, anchored, keysConfirmed) {
  if (!valid) return 'failed';
  return anchored && keysConfirmed ? 'confirmed' : 'valid-not-confirmed';
}

/** As `VerifyReport::settle_outcome`. */
function settleOutcome(report) {
  report.outcome = outcomeOf(report.valid, report.trust !== 'none', report.keys_confirmed);
}

/** As `check_keyring_agrees` (docs/SPEC.md K5); throws Refused with the command's words. */
function checkKeyringAgrees(keyring, register) {
  for (const record of register.records) {
    const e = record.event;
    const disagrees = (what, held) => {
      const error = new Refused(`the register cannot be trusted: record ${record.seq} records that ${what}, but the keyring ${held}: one of them was rewritten`);
      error.keyringDisagrees = true;
      return error;
    };
    if (e.type === 'key-added') {
      const key = keyring.get(e.key_id);
      const what = `the key ${e.key_id} was added for ${e.organisation}`;
      if (!key) throw disagrees(what, 'does not hold it');
      if (key.organisation !== e.organisation) throw disagrees(what, `gives it to ${key.organisation}`);
    } else if (e.type === 'key-revoked') {
      const key = keyring.get(e.key_id);
      const what = `the key ${e.key_id} was revoked (${e.reason}) from ${e.effective}`;
      if (!key) throw disagrees(what, 'does not hold that key');
      if (!key.revoked) throw disagrees(what, 'does not revoke it');
      if (key.revoked.reason !== e.reason || key.revoked.effective !== parseTime(e.effective)) {
        throw disagrees(what, `revokes it (${key.revoked.reason}) from ${formatTime(key.revoked.effective)}`);
      }
    }
  }
}

/** As `verify_pack`: the checkpoints first, then every document against its own signatures. */
async function verifyPack(contents) {
  checkKeyringAgrees(contents.keyring, contents.register);
  const checkpoints = [];
  for (const [name, bytes] of contents.checkpoints) {
    // A checkpoint dated after its key was compromised may be anyone's: not relied on (C2).
    const claimed = await claimedCheckpoint(bytes, contents.keyring);
    if (claimed) {
      const key = contents.keyring.get(claimed.key_id);
      if (key && key.revoked && key.revoked.reason === 'compromised' && parseTime(claimed.signed_at) >= key.revoked.effective) continue;
    }
    try {
      const cp = await checkCheckpoint(bytes, contents.keyring, contents.register);
      if (cp.pack !== contents.manifest.pack) throw new Refused(`it is a checkpoint of the pack '${cp.pack}', not of this one`);
      checkpoints.push(cp);
    } catch (e) {
      const error = new Refused(`the register cannot be trusted: the checkpoint ${name} fails: ${e.message}`);
      error.verifyFailed = true;
      throw error;
    }
  }
  const stems = new Map(contents.manifest.documents.map((d) => [d.file.replace(/(\.docx)+$/, ''), d.id]));
  const place = (name, suffix) => {
    if (!name.endsWith(suffix)) return null;
    let rest = name.slice(0, name.length - suffix.length);
    for (let i = 0; i < 2; i++) {
      const dot = rest.lastIndexOf('.');
      if (dot < 0) return null;
      rest = rest.slice(0, dot);
      if (stems.has(rest)) return stems.get(rest);
    }
    return null;
  };
  const group = (list, suffix, nameOf) => {
    const by = new Map();
    for (const item of list) {
      const id = place(nameOf(item), suffix);
      if (!by.has(id)) by.set(id, []);
      by.get(id).push(item);
    }
    return by;
  };
  const active = group(contents.signatures.active, SIGNATURE_SUFFIX, (f) => f[0]);
  const aside = group(contents.signatures.setAside, SIGNATURE_SUFFIX, (f) => f[0]);
  const paper = group(contents.paper, RECORD_SUFFIX, (f) => f.name);
  const forId = (by, id) => [...(id === null ? [] : by.get(id) ?? []), ...(by.get(null) ?? [])];
  // The evidence for one document id: the files named for it, and those named for none.
  const evidenceFor = (id) => ({
    manifest: contents.manifest,
    names: contents.names,
    keyring: contents.keyring,
    signatures: forId(active, id),
    setAside: forId(aside, id),
    register: contents.register,
    checkpoints,
    paper: forId(paper, id),
  });
  const reports = [];
  const missing = [];
  for (const entry of contents.manifest.documents) {
    const bytes = contents.documents.get(entry.file);
    if (!bytes) {
      missing.push(entry.file);
      continue;
    }
    const report = await verifyWith(entry.file, bytes, evidenceFor(entry.id), entry);
    const dataName = `data/${entry.file.replace(/(\.docx)+$/, '')}.json`;
    const kept = contents.documents.get(dataName);
    if (kept && (await keptDataSha256(kept)) !== entry.data_sha256) {
      report.other_problems.push({ signature_file: `out/${dataName}`, code: 'kept-data-mismatch', reason: KEPT_DATA_CHANGED });
      report.valid = false;
      settleOutcome(report);
    }
    reports.push(report);
  }
  return { reports, missing, checkpoints, evidenceFor };
}

/* ---------- what the verifier trusts: as src/verify/trust.rs ---------- */

function isOrganisationId(text) {
  return /^[a-z0-9][a-z0-9-]*$/.test(text);
}

function isKeyId(text) {
  if (!text.startsWith('SHA256:')) return false;
  const b64 = text.slice(7);
  if (b64.length !== 43) return false;
  const decoded = base64Decode(b64, false);
  return !!decoded && decoded.length === 32;
}

/** As `TrustFile::parse`: the keys, or every line that cannot be used. */
function parseTrustFile(text) {
  const keys = [];
  const errors = [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((raw, i) => {
    const line = i + 1;
    const content = raw.replace(/\r$/, '').trim();
    if (content === '' || content.startsWith('#')) return;
    const fail = (problem) => errors.push({ line, problem });
    const words = content.split(/\s+/);
    if (words.length < 2) {
      fail(`'${shown(content, 60)}' is not 'ORGANISATION KEY_ID': the key id is missing`);
      return;
    }
    const [org, key] = words;
    if (!isOrganisationId(org)) {
      fail(`'${shown(org, 60)}' is not an organisation id (lower-case letters, digits and hyphens)`);
      return;
    }
    if (!isKeyId(key)) {
      fail(`'${shown(key, 60)}' is not a key id (SHA256: followed by 43 characters, as \`ssh-keygen -lf KEY.pub\` prints it)`);
      return;
    }
    const pinned = { organisation: org, keyId: key, from: null, until: null, line };
    let ok = true;
    for (const extra of words.slice(2)) {
      const eq = extra.indexOf('=');
      const slot = eq < 0 ? null : extra.slice(0, eq);
      if (slot !== 'from' && slot !== 'until') {
        fail(`'${shown(extra, 60)}' is not from=DATE or until=DATE`);
        ok = false;
        continue;
      }
      const value = extra.slice(eq + 1);
      const t = parseLooseTime(value);
      if (t === null) {
        fail(`'${shown(value, 60)}' is not a date (YYYY-MM-DD) or UTC time (YYYY-MM-DDTHH:MM:SSZ)`);
        ok = false;
      } else if (pinned[slot] !== null) {
        fail(`'${shown(extra, 60)}' is given twice`);
        ok = false;
      } else {
        pinned[slot] = t;
      }
    }
    if (pinned.from !== null && pinned.until !== null && pinned.until <= pinned.from) {
      fail('until= is not after from=');
      ok = false;
    }
    // One key belongs to one organisation: a key given to two would confirm either.
    const other = keys.find((k) => k.keyId === pinned.keyId && k.organisation !== pinned.organisation);
    if (other) {
      fail(`the key ${pinned.keyId} is given to '${pinned.organisation}' here and to '${other.organisation}' on line ${other.line}: a key belongs to one organisation`);
      ok = false;
    }
    if (ok) keys.push(pinned);
  });
  return errors.length > 0 ? { errors } : { keys };
}

function describeChange(event) {
  const c = event.change;
  if (c.action === 'added') return `adds the key ${c.key_id} for ${c.organisation}`;
  if (c.action === 'revoked') return `revokes the key ${c.key_id} (${c.reason})`;
  return `makes the key ${c.key_id} count from ${c.valid_from}`;
}

/** As `trust::extends`: the keys added since, or the words for where the history differs. */
function extendsKeyring(trusted, keyring) {
  for (let i = 0; i < trusted.events.length; i++) {
    const t = trusted.events[i];
    const n = keyring.events[i];
    const diverges = (problem) =>
      new Refused(`the keyring does not extend the keyring you trust: change ${t.seq} ${problem}; its history was rewritten`);
    if (!n) throw diverges(`(${describeChange(t)}) is missing`);
    if (trusted.canonical[i] !== keyring.canonical[i]) {
      throw diverges(`differs: you trust a keyring where it ${describeChange(t)}, this one ${describeChange(n)}`);
    }
  }
  return keyring.events
    .slice(trusted.events.length)
    .filter((e) => e.change.action === 'added')
    .map((e) => e.change.key_id);
}

function confirm(anchor, organisation, keyId, signedAt) {
  if (!anchor) return { result: 'no-anchor' };
  if (anchor.kind === 'earlier-keyring') {
    const k = anchor.keyring.get(keyId);
    if (!k) return { result: 'added-after-trusted-keyring' };
    return k.organisation === organisation ? { result: 'confirmed-by-earlier-keyring' } : { result: 'not-the-trusted-key' };
  }
  const forOrg = anchor.keys.filter((k) => k.organisation === organisation);
  if (forOrg.length === 0) return { result: 'organisation-not-in-trust-file' };
  const matching = forOrg.filter((k) => k.keyId === keyId);
  if (matching.length === 0) return { result: 'not-the-trusted-key' };
  const within = (k) =>
    signedAt !== null
      ? (k.from === null || signedAt >= k.from) && (k.until === null || signedAt < k.until)
      : k.from === null && k.until === null;
  const found = matching.find(within);
  return found ? { result: 'confirmed-by-trust-file', line: found.line } : { result: 'outside-trusted-dates' };
}

const isConfirmed = (c) => c.result === 'confirmed-by-trust-file' || c.result === 'confirmed-by-earlier-keyring';
const contradicts = (c) => c.result === 'not-the-trusted-key' || c.result === 'outside-trusted-dates';

function confirmationWords(c, organisation) {
  switch (c.result) {
    case 'no-anchor':
      return 'key NOT independently confirmed (give --trust)';
    case 'confirmed-by-trust-file':
      return `key confirmed by your trust file (line ${c.line})`;
    case 'confirmed-by-earlier-keyring':
      return 'key confirmed by the earlier keyring you trust';
    case 'added-after-trusted-keyring':
      return `key added after the keyring you trust: confirm its fingerprint with ${organisation}`;
    case 'organisation-not-in-trust-file':
      return `key NOT confirmed: your trust file has no key for ${organisation}`;
    case 'not-the-trusted-key':
      return `this is NOT the key your trust file gives for ${organisation}`;
    default:
      return `your trust file gives this key to ${organisation}, but not at the time of signing`;
  }
}

/** As `trust::apply`. */
function applyTrust(report, anchor) {
  let contradicted = false;
  for (const party of report.parties) {
    if (!party.signed || !(party.status === 'signed' || party.status === 'older-version')) continue;
    const c = confirm(anchor, party.organisation, party.signed.key_id, parseTime(party.signed.signed_at));
    if (contradicts(c)) {
      contradicted = true;
      party.status = 'failed';
      party.reason = confirmationWords(c, party.name);
    }
    party.key_confirmation = c;
  }
  report.trust = anchor ? anchor.kind : 'none';
  report.keys_confirmed = report.parties
    .filter((p) => p.status === 'signed')
    .every((p) => p.key_confirmation && isConfirmed(p.key_confirmation));
  // As `unconfirmed`: each signature of this version whose key the anchor does not confirm.
  report.unconfirmed = !anchor
    ? []
    : report.parties
      .filter((p) => p.status === 'signed' && p.key_confirmation && p.signed && !isConfirmed(p.key_confirmation))
      .map((p) => `${p.name}: key ${p.signed.key_id}: ${confirmationWords(p.key_confirmation, p.name)}`);
  if (contradicted) {
    report.valid = false;
    const failed = new Set(report.parties.filter((p) => p.key_confirmation && contradicts(p.key_confirmation)).map((p) => p.organisation));
    report.outstanding = report.outstanding.filter((o) => !failed.has(o));
  }
  settleOutcome(report);
}

/* ---------- the whole answer: as `verify BUNDLE.zip --json` ---------- */

const EXIT_VERIFY_FAILED = 1;
const EXIT_INPUT = 2;

function failure(message, hint, exit, code) {
  return onlyListedCodes({ format: VERDICT_FORMAT, error: message, ...(code ? { code } : {}), hint, exit });
}

/** A verdict whose every `code` is one docs/SPEC.md lists (PROBLEM_CODES): a code the
 * specification does not define would be one no other verifier gives. */
function onlyListedCodes(verdict) {
  const walk = (v) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      for (const [key, value] of Object.entries(v)) {
        if (key === 'code' && !PROBLEM_CODES.has(value)) throw new Error(`the page gave the unlisted code '${value}'`);
        walk(value);
      }
    }
  };
  walk(verdict);
  return verdict;
}

async function loadBundle(name, bytes) {
  let opened;
  try {
    opened = await openBundle(bytes);
  } catch (e) {
    if (!(e instanceof Refused)) throw e;
    if (e.tampered) {
      return failure(`the bundle '${name}' was tampered with: ${e.message}`, 'ask the coordinator for a fresh copy; do not rely on this one', EXIT_VERIFY_FAILED, e.code);
    }
    return failure(`cannot use '${name}': ${e.message}`, 'check that this is the bundle (.zip) the coordinator sent, as it arrived', EXIT_INPUT, e.code);
  }
  try {
    return { index: opened.index, contents: await bundleContents(opened.files), files: opened.files };
  } catch (e) {
    if (!(e instanceof Refused)) throw e;
    return failure(`cannot use the bundle '${name}': ${e.message}`, 'ask the coordinator for a fresh copy; do not rely on this one', EXIT_VERIFY_FAILED, e.code);
  }
}

/** docs/SPEC.md B4, as `bundle::unexplained`: the bundle's files that no rule explains. */
function unexplained(paths, contents) {
  const known = new Set(['framework.json', 'organisations.json', 'out/manifest.json', 'keys/keyring.json', 'register/register.jsonl',
    'signature-report.docx', 'signature-sheet.docx', 'verify.html']);
  for (const d of contents.manifest.documents) {
    known.add(`out/${d.file}`);
    known.add(`out/data/${d.file.replace(/(\.docx)+$/, '')}.json`);
  }
  for (const paper of contents.paper) {
    try {
      const record = parseJson(paper.bytes, 'not JSON');
      if (record && typeof record.scan === 'string') known.add(`paper/${record.scan}`);
    } catch {
      // A record that cannot be read names no scan.
    }
  }
  const single = (p, prefix) => p.startsWith(prefix) && p.length > prefix.length && !p.slice(prefix.length).includes('/');
  return paths.filter(
    (p) =>
      !(known.has(p) ||
        (single(p, 'protocols/') && p.endsWith('.json')) ||
        single(p, 'register/checkpoints/') ||
        single(p, 'signatures/set-aside/') ||
        (single(p, 'signatures/') && p.endsWith(SIGNATURE_SUFFIX)) ||
        (single(p, 'paper/') && p.endsWith(RECORD_SUFFIX))),
  );
}

/** As `register_extends` (docs/SPEC.md T4): null, or the failure when the register does not extend the earlier one. */
function registerExtends(name, earlier, register) {
  const hint = 'do not rely on this bundle: ask the coordinator why its register differs from the copy you trust';
  for (let i = 0; i < earlier.lineHashes.length; i++) {
    if (i >= register.lineHashes.length) {
      return failure(
        `the register does not extend the register of the bundle you trust ('${name}'): it holds ${register.lineHashes.length} record(s), and the one you trust holds ${earlier.lineHashes.length}; records were removed, so its history was rewritten`,
        hint, EXIT_VERIFY_FAILED, 'register-history-rewritten',
      );
    }
    if (register.lineHashes[i] !== earlier.lineHashes[i]) {
      return failure(
        `the register does not extend the register of the bundle you trust ('${name}'): record ${i + 1} differs, so its history was rewritten`,
        hint, EXIT_VERIFY_FAILED, 'register-history-rewritten',
      );
    }
  }
  return null;
}

/** What the verifier trusts (trust file, earlier bundle or keyring), checked against `keyring`. */
async function trustAnchor(trust, keyring, register) {
  if (!trust) return { anchor: null, notes: [] };
  let trusted;
  let earlierRegister = null;
  if (/\.zip$/i.test(trust.name)) {
    const loaded = await loadBundle(trust.name, trust.bytes);
    if (loaded.error) return { failure: loaded };
    earlierRegister = loaded.contents.register;
    trusted = loaded.contents.keyring;
  } else {
    if (namesKeyringFormat(trust.bytes)) {
      try {
        trusted = await Keyring.fromBytes(trust.bytes);
      } catch (e) {
        return {
          failure: failure(`the keyring you trust, '${trust.name}', cannot be used: ${e.message}`, 'give the keyring (or bundle) exactly as you kept it', EXIT_INPUT, 'trusted-keyring-unreadable'),
        };
      }
    } else {
      let text;
      try {
        text = FATAL_UTF8.decode(trust.bytes);
      } catch {
        return {
          failure: failure(`the trust file '${trust.name}' is not text (UTF-8)`, 'a trust file has one line per key: ORGANISATION SHA256:… [from=DATE] [until=DATE]', EXIT_INPUT, 'trust-file-invalid'),
        };
      }
      const parsed = parseTrustFile(text);
      if (parsed.errors) {
        const lines = parsed.errors.map((e) => `\n  - ${trust.name}:${e.line}: ${e.problem}`).join('');
        return {
          failure: failure(
            `the trust file '${trust.name}' has ${parsed.errors.length} line(s) that cannot be used, so nothing in it is trusted:${lines}`,
            'each line is ORGANISATION SHA256:… [from=DATE] [until=DATE]; `countersign keys fingerprint KEY.pub --org ID` prints one',
            EXIT_INPUT,
            'trust-file-invalid',
          ),
        };
      }
      return { anchor: { kind: 'trust-file', keys: parsed.keys }, notes: [] };
    }
  }
  let added;
  try {
    added = extendsKeyring(trusted, keyring);
  } catch (e) {
    return {
      failure: failure(e.message, 'do not rely on this keyring: ask the coordinator why its history differs from the copy you trust', EXIT_VERIFY_FAILED, 'keyring-history-rewritten'),
    };
  }
  if (earlierRegister) {
    const rewritten = registerExtends(trust.name, earlierRegister, register);
    if (rewritten) return { failure: rewritten };
  }
  const notes = added.map((k) => {
    const org = keyring.get(k)?.organisation ?? '';
    return `the key ${k} for ${org} was added after the keyring you trust: confirm its fingerprint with ${org} before relying on it`;
  });
  return { anchor: { kind: 'earlier-keyring', keyring: trusted }, notes };
}

/**
 * Verifies a bundle as `countersign verify BUNDLE.zip --json [--trust FILE]` does, and, when a
 * document is given, that document against it. Inputs are {name, bytes}; the result is the
 * command's JSON, or {error, hint, exit} where the command fails.
 */
async function verifyBundle(bundle, options = {}) {
  const loaded = await loadBundle(bundle.name, bundle.bytes);
  if (loaded.error) return loaded;
  const { index, contents } = loaded;
  let verification;
  try {
    verification = await verifyPack(contents);
  } catch (e) {
    if (!(e instanceof Refused)) throw e;
    const hint = e.keyringDisagrees
      ? 'do not rely on this pack: ask the coordinator for a copy whose keyring and register agree, and find out who changed them'
      : 'restore the register from a copy that matches the checkpoint, and find out who changed it';
    return failure(e.message, hint, EXIT_VERIFY_FAILED, 'register-untrusted');
  }
  const trust = await trustAnchor(options.trust, contents.keyring, contents.register);
  if (trust.failure) return trust.failure;
  for (const report of verification.reports) applyTrust(report, trust.anchor);
  const confirmed = verification.reports.every((r) => r.keys_confirmed);
  const problems = verification.missing.map((m) => ({ code: 'document-missing', message: `${m} is listed in the manifest but missing` }));
  for (const r of verification.reports) {
    if (!r.valid) problems.push({ code: 'document-fails', message: `${r.file} fails verification` });
    // M4: recorded, and recorded as the manifest lists it.
    const assembled = contents.register.assembled(r.sha256);
    if (!assembled) {
      problems.push({ code: 'not-recorded-as-assembled', message: `${r.file} is not recorded in the register as assembled` });
    } else {
      const e = assembled.event;
      if (e.file !== r.file || e.id !== r.id || e.kind !== r.kind || e.version !== r.version) {
        problems.push({
          code: 'not-recorded-as-assembled',
          message: `${r.file} is recorded in the register as assembled as ${e.file} (${e.kind} '${e.id}', version ${e.version}), not as the manifest lists it`,
        });
      }
    }
  }
  const current = new Set(contents.manifest.documents.filter((d) => d.current).map((d) => d.file));
  const outstanding = [];
  for (const r of verification.reports) {
    if (!current.has(r.file)) continue;
    for (const p of r.parties) {
      if (p.status !== 'signed' && p.status !== 'signed-on-paper') outstanding.push(`${r.file}: ${p.name}`);
    }
  }
  const [records, head] = contents.register.head();
  const result = {
    format: VERDICT_FORMAT,
    pack: index.pack,
    created_at: index.created_at,
    files: index.files.length,
    register: {
      records,
      head,
      checkpoints: verification.checkpoints.map((c) => describeCheckpoint(c, contents.keyring)),
    },
    documents: verification.reports,
    problems,
    outstanding,
    valid: problems.length === 0,
    trust: trust.anchor ? trust.anchor.kind : 'none',
    keys_confirmed: confirmed,
    outcome: outcomeOf(problems.length === 0, !!trust.anchor, confirmed),
    unconfirmed: [...new Set(verification.reports.flatMap((r) => r.unconfirmed))],
    trust_notes: trust.notes,
    page: await checkPage(loaded.files.find(([p]) => p === 'verify.html')?.[1] ?? null),
    unexplained_files: unexplained(loaded.files.map(([p]) => p), contents),
  };
  if (options.document) {
    // The document it is (by its digest, else by its name), so that only that document's
    // signatures are checked again, as for the bundle's own copy.
    const { name, bytes } = options.document;
    const digest = await sha256Hex(bytes);
    const documents = contents.manifest.documents;
    const match = documents.find((d) => d.sha256 === digest) ?? documents.find((d) => d.file === name);
    const report = await verifyWith(name, bytes, verification.evidenceFor(match ? match.id : null));
    applyTrust(report, trust.anchor);
    const entry = contents.manifest.documents.find((d) => d.id === report.id && d.version === report.version);
    result.your_document = { ...report, title: entry ? entry.title : null, current: entry ? entry.current : null };
  }
  return onlyListedCodes(result);
}

/** docs/SPEC.md P1, P2, as `page::check`: what the bundle's own verify.html is. */
async function checkPage(bytes) {
  if (!bytes) return { status: 'missing' };
  const ascii = (text) => UTF8.encode(text);
  const find = (marker, from = 0) => {
    outer: for (let i = from; i + marker.length <= bytes.length; i++) {
      for (let j = 0; j < marker.length; j++) if (bytes[i + j] !== marker[j]) continue outer;
      return i;
    }
    return -1;
  };
  const writtenAt = find(ascii("const PAGE_WRITTEN_BY = '"));
  let writtenBy;
  if (writtenAt >= 0) {
    const start = writtenAt + 25;
    const window = bytes.subarray(start, start + 80);
    const end = window.indexOf(0x27);
    if (end >= 0) {
      try {
        writtenBy = shown(FATAL_UTF8.decode(window.subarray(0, end)), 1000);
      } catch {
        writtenBy = undefined;
      }
    }
  }
  const digestMarker = ascii("const PAGE_SHA256 = '");
  const at = find(digestMarker);
  let named = null;
  if (at >= 0) {
    const digits = new TextDecoder().decode(bytes.subarray(at + digestMarker.length, at + digestMarker.length + 64));
    if (/^[0-9a-f]{64}$/.test(digits)) named = digits;
  }
  let whole = false;
  if (named) {
    const zeroed = bytes.slice();
    zeroed.fill(0x30, at + digestMarker.length, at + digestMarker.length + 64);
    whole = (await sha256Hex(zeroed)) === named;
  }
  if (whole && named === PAGE_SHA256) return { status: 'genuine', written_by: PAGE_WRITTEN_BY };
  const result = { status: whole ? 'another-version' : 'altered' };
  if (writtenBy !== undefined) result.written_by = writtenBy;
  return result;
}

/* ---------- the page ---------- */

const STATUS_WORDS = {
  signed: 'Signed',
  'signed-on-paper': 'Signed on paper',
  outstanding: 'Not yet signed',
  'older-version': 'Signed an older version only',
  failed: 'FAILED',
};

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) {
    if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

/** The one-line answer to "is the document I was sent the signed version?". */
function documentAnswer(doc) {
  const approved = doc.parties.filter((p) => p.status === 'signed' || p.status === 'signed-on-paper').length;
  const title = doc.title ? `${doc.title}` : doc.id;
  if (doc.document === 'exact') {
    const state = doc.current ? 'the current version' : 'an earlier version, since replaced';
    const failing = doc.valid ? '' : ' BUT a signature on it fails: see below.';
    return {
      ok: doc.valid,
      text: `Yes: ${doc.file} is exactly version ${doc.version} of “${title}” (${state}), approved by ${approved} of ${doc.parties.length} organisations.${failing}`,
    };
  }
  if (doc.document === 'differs-from-manifest') {
    return {
      ok: false,
      text: `No: ${doc.file} is NOT the signed version. Its contents differ from version ${doc.version} of “${title}” in the bundle. Do not rely on it; ask the coordinator for the signed copy.`,
    };
  }
  return {
    ok: false,
    text: `No: ${doc.file} is not any document in this bundle (no document has these exact contents). Do not rely on it as signed.`,
  };
}

/** The headline: one of three outcomes (docs/SPEC.md V6), with what qualifies it inside it. */
function verdictLine(result) {
  if (result.error) return { kind: 'bad', mark: '✗ ', text: `Cannot be relied on: ${result.error}`, details: [] };
  if (result.outcome === 'failed') {
    return { kind: 'bad', mark: '✗ ', text: 'VERIFICATION FAILED: something in this bundle does not check out (see the problems below).', details: [] };
  }
  const signed = result.outstanding.length === 0 ? 'every party has signed' : 'some signatures are still outstanding';
  if (result.outcome === 'confirmed') {
    return { kind: 'good', mark: '✓ ', text: `VALID AND CONFIRMED: every document and signature verifies, every signing key is confirmed by what you trust, and ${signed}.`, details: [] };
  }
  const anySigned = result.documents.some((d) => d.parties.some((p) => p.status === 'signed'));
  if (!anySigned) {
    return { kind: 'good', mark: '✓ ', text: `VALID: every document verifies; ${signed}; no key has signed yet, so there is none to confirm.`, details: [] };
  }
  if (result.trust === 'none') {
    return {
      kind: 'caution', mark: '! ',
      text: `VALID, KEYS NOT CONFIRMED: every document and signature verifies and ${signed}, but nothing you trust confirms the signing keys: they are the keys the bundle’s own keyring lists, and anyone can make a keyring. Add a trust file of the organisations’ published fingerprints, or a bundle you trusted before.`,
      details: [],
    };
  }
  return {
    kind: 'caution', mark: '! ',
    text: `VALID, KEYS NOT CONFIRMED: every document and signature verifies and ${signed}, but these signatures rest on keys that what you trust does not confirm; confirm each fingerprint with its organisation before relying on it:`,
    details: result.unconfirmed,
  };
}

function partyRow(p) {
  const s = p.signed;
  const paper = p.paper;
  const who = s ? `${s.signatory}, ${s.role}` : paper ? `${paper.signatory}, ${paper.role}` : '';
  const when = s ? s.signed_at.replace('T', ' ').replace('Z', ' UTC') : paper ? `${paper.signed_on} (on paper)` : '';
  let key = '';
  if (s && p.key_confirmation) {
    // The command's words, but for the page's own way of giving a trust file.
    const words = p.key_confirmation.result === 'no-anchor'
      ? 'key NOT independently confirmed (add a trust file above)'
      : confirmationWords(p.key_confirmation, p.name);
    key = `${s.key_id}: ${words}`;
  } else if (s) key = s.key_id;
  else if (paper) key = `Not a cryptographic signature: recorded by the coordinator on ${paper.recorded_at.slice(0, 10)} (scan SHA-256 ${paper.scan_sha256})`;
  const status = el('td', {}, el('span', { class: `status status-${p.status}`, text: STATUS_WORDS[p.status] ?? p.status }));
  if (p.reason) status.append(el('br'), el('span', { class: 'reason', text: p.reason }));
  return el(
    'tr',
    {},
    el('th', { scope: 'row', text: `${p.name} (${p.organisation})` }),
    status,
    el('td', { text: who }),
    el('td', { text: when }),
    el('td', { class: 'key', text: key }),
  );
}

function documentSection(report, heading, entryTitle) {
  const approved = report.parties.filter((p) => p.status === 'signed' || p.status === 'signed-on-paper').length;
  const section = el('section', { class: 'document', 'aria-label': report.file });
  section.append(
    el('h3', { text: `${report.valid ? '✓ Verifies' : '✗ FAILS'}: ${heading}` }),
    el(
      'p',
      {},
      `${entryTitle ? `“${entryTitle}”, ` : ''}version ${report.version ?? 'unknown'}; approved by ${approved} of ${report.parties.length}. `,
      el('span', { class: 'digest', text: `SHA-256 ${report.sha256}` }),
    ),
  );
  if (report.parties.length > 0) {
    const table = el('table', {});
    table.append(
      el('caption', { class: 'visually-hidden', text: `Signatures on ${report.file}` }),
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', { scope: 'col', text: 'Organisation' }),
          el('th', { scope: 'col', text: 'Status' }),
          el('th', { scope: 'col', text: 'Signed by' }),
          el('th', { scope: 'col', text: 'When' }),
          el('th', { scope: 'col', text: 'Key fingerprint and how it was checked' }),
        ),
      ),
      el('tbody', {}, ...report.parties.map(partyRow)),
    );
    section.append(el('div', { class: 'table-wrap' }, table));
  }
  const notes = [
    ...report.other_problems.map((p) => `Problem: ${p.signature_file}: ${p.reason}`),
    ...(report.set_aside ?? []).map((p) => `Set aside (kept as evidence, not counted): ${p.signature_file}: ${p.reason}`),
    ...report.warnings.map((w) => `Note: ${w}`),
  ];
  if (notes.length > 0) section.append(el('ul', {}, ...notes.map((n) => el('li', { text: n }))));
  return section;
}

function render(result, target) {
  target.replaceChildren();
  const heading = el('h2', { id: 'result-heading', tabindex: '-1', text: 'Result' });
  target.append(heading);
  if (result.your_document) {
    const answer = documentAnswer(result.your_document);
    target.append(el('p', { class: `answer ${answer.ok ? 'good' : 'bad'}`, id: 'document-answer' }, el('strong', { text: answer.ok ? '✓ ' : '✗ ' }), answer.text));
  }
  const verdict = verdictLine(result);
  const headline = el('div', { class: `verdict ${verdict.kind}`, id: 'verdict' }, el('p', {}, el('strong', { text: verdict.mark }), verdict.text));
  if (verdict.details.length > 0) headline.append(el('ul', {}, ...verdict.details.map((d) => el('li', { text: d }))));
  target.append(headline);
  if (result.error) {
    target.append(el('p', { text: `What to do: ${result.hint}.` }));
  } else {
    target.append(
      el(
        'p',
        {},
        `Bundle of the pack ${result.pack}, made ${result.created_at}: every one of its ${result.files} files matches its index. ` +
          `Register intact: ${result.register.records} records${result.register.checkpoints.length ? `, ${result.register.checkpoints.length} checkpoint(s) verified` : ''}.`,
      ),
    );
    for (const note of result.trust_notes) target.append(el('p', { class: 'caution', text: `Note: ${note}` }));
    if (result.problems.length > 0) {
      target.append(el('h3', { text: 'Problems' }), el('ul', {}, ...result.problems.map((p) => el('li', { text: p.message }))));
    }
    if (result.outstanding.length > 0) {
      target.append(
        el('h3', { text: `Still to sign the current versions (${result.outstanding.length})` }),
        el('ul', {}, ...result.outstanding.map((o) => el('li', { text: o }))),
      );
    }
    if (result.your_document) {
      target.append(documentSection(result.your_document, `the document you gave: ${result.your_document.file}`, result.your_document.title));
    }
    target.append(el('h3', { text: `Documents in the bundle (${result.documents.length})` }));
    for (const report of result.documents) target.append(documentSection(report, report.file, null));
  }
  const json = el('details', {}, el('summary', { text: 'The result as JSON (as `countersign verify --json` prints it)' }), el('pre', { id: 'result-json', text: JSON.stringify(result, null, 2) }));
  target.append(json);
  heading.focus();
}

async function readInput(input) {
  const file = input.files && input.files[0];
  if (!file) return null;
  return { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
}

function setUp() {
  const form = document.getElementById('check');
  const result = document.getElementById('result');
  const button = document.getElementById('check-button');
  const inputs = {
    bundle: document.getElementById('bundle'),
    document: document.getElementById('document'),
    trust: document.getElementById('trust'),
  };
  let supported = false;
  browserVerifiesEd25519().then((ok) => {
    supported = ok;
    document.body.dataset.ready = ok ? 'yes' : 'unsupported';
    if (!ok) {
      document.getElementById('unsupported').hidden = false;
      button.disabled = true;
    }
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!supported) return;
    const bundle = await readInput(inputs.bundle);
    if (!bundle) {
      result.replaceChildren(el('h2', { id: 'result-heading', tabindex: '-1', text: 'Result' }), el('p', { class: 'verdict bad', text: 'Choose the bundle (.zip) first: it is the file the coordinator sent.' }));
      document.getElementById('result-heading').focus();
      return;
    }
    button.disabled = true;
    result.setAttribute('aria-busy', 'true');
    const started = performance.now();
    let outcome;
    try {
      outcome = await verifyBundle(bundle, { document: await readInput(inputs.document), trust: await readInput(inputs.trust) });
    } catch (e) {
      outcome = failure(`the page could not finish checking (${e && e.message ? e.message : e}); nothing was shown as checked`, 'try again in a current browser, or use `countersign verify`', EXIT_INPUT);
    }
    document.body.dataset.elapsedMs = String(Math.round(performance.now() - started));
    render(outcome, result);
    result.removeAttribute('aria-busy');
    button.disabled = false;
    document.body.dataset.done = String(Number(document.body.dataset.done ?? 0) + 1);
  });
  // Files dropped anywhere on the page go to the right box by their kind.
  const drop = document.getElementById('drop');
  const assign = (files) => {
    for (const file of files) {
      const target = /\.docx$/i.test(file.name)
        ? inputs.document
        : /\.zip$/i.test(file.name) && !inputs.bundle.files.length
          ? inputs.bundle
          : inputs.trust;
      const list = new DataTransfer();
      list.items.add(file);
      target.files = list.files;
    }
    document.getElementById('dropped').textContent = `Added: ${[...files].map((f) => f.name).join(', ')}. Press “Check” when ready.`;
  };
  for (const name of ['dragover', 'dragenter']) {
    drop.addEventListener(name, (event) => {
      event.preventDefault();
      drop.classList.add('over');
    });
  }
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    assign(event.dataTransfer.files);
  });
  document.getElementById('print').addEventListener('click', () => window.print());
}

if (typeof document !== 'undefined') {
  window.countersignVerify = verifyBundle;
  document.addEventListener('DOMContentLoaded', setUp);
}
