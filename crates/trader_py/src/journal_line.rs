//! The journal's record line built in Rust: canonical JSON of a normalised payload, the chain hash and the seal,
//! byte for byte what `trader.journal.record` builds in Python (a hypothesis test holds them equal).
//!
//! Only plain payloads take this path: str, int (64-bit), bool, None, lists and str-keyed dicts. A float (whose
//! text Python spells its own way) or anything else returns `None`, and the Python encoder does the record.

use std::fmt::Write as _;

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyInt, PyList, PyString, PyTuple};
use sha2::{Digest, Sha256};

/// Why a value cannot take the fast path (the caller falls back to Python).
struct NotPlain;

/// `(line, hash)` of the record `{"actor","kind","payload","prev","seq","ts"}` sealed with its hash, as
/// `seal(encode_body(...), chain_hash(prev, body))` gives it; `None` when the payload is not plain.
#[pyfunction]
#[pyo3(signature = (seq, ts, kind, actor, payload, prev))]
pub fn journal_line<'py>(
    py: Python<'py>,
    seq: u64,
    ts: &str,
    kind: &str,
    actor: Option<&str>,
    payload: &Bound<'py, PyDict>,
    prev: &str,
) -> PyResult<Option<(Bound<'py, PyBytes>, String)>> {
    let mut body = String::with_capacity(256);
    body.push_str("{\"actor\":");
    match actor {
        None => body.push_str("null"),
        Some(actor) => push_string(&mut body, actor),
    }
    body.push_str(",\"kind\":\"");
    body.push_str(kind);
    body.push_str("\",\"payload\":");
    if push_dict(&mut body, payload).is_err() {
        return Ok(None);
    }
    // Writing to a String cannot fail.
    let _ = write!(body, ",\"prev\":\"{prev}\",\"seq\":{seq},\"ts\":\"{ts}\"}}");
    let mut hasher = Sha256::new();
    hasher.update(prev.as_bytes());
    hasher.update(b"\n");
    hasher.update(body.as_bytes());
    let mut digest = String::with_capacity(64);
    for byte in hasher.finalize() {
        let _ = write!(digest, "{byte:02x}");
    }
    body.pop(); // the closing brace: the hash goes in before it
    body.push_str(",\"hash\":\"");
    body.push_str(&digest);
    body.push_str("\"}\n");
    Ok(Some((PyBytes::new(py, body.as_bytes()), digest)))
}

fn push_value(out: &mut String, value: &Bound<'_, PyAny>) -> Result<(), NotPlain> {
    if value.is_none() {
        out.push_str("null");
    } else if let Ok(text) = value.cast_exact::<PyString>() {
        push_string(out, text.to_str().map_err(|_| NotPlain)?);
    } else if let Ok(flag) = value.cast_exact::<PyBool>() {
        out.push_str(if flag.is_true() { "true" } else { "false" });
    } else if let Ok(int) = value.cast_exact::<PyInt>() {
        let int: i64 = int.extract().map_err(|_| NotPlain)?;
        let _ = write!(out, "{int}");
    } else if let Ok(dict) = value.cast_exact::<PyDict>() {
        push_dict(out, dict)?;
    } else if let Ok(list) = value.cast_exact::<PyList>() {
        push_items(out, list.iter())?;
    } else if let Ok(tuple) = value.cast_exact::<PyTuple>() {
        push_items(out, tuple.iter())?;
    } else {
        return Err(NotPlain);
    }
    Ok(())
}

fn push_items<'py>(
    out: &mut String,
    items: impl Iterator<Item = Bound<'py, PyAny>>,
) -> Result<(), NotPlain> {
    out.push('[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_value(out, &item)?;
    }
    out.push(']');
    Ok(())
}

/// Keys sorted as Python sorts str (by code point, which is UTF-8 byte order).
fn push_dict(out: &mut String, dict: &Bound<'_, PyDict>) -> Result<(), NotPlain> {
    let mut entries = Vec::with_capacity(dict.len());
    for (key, value) in dict.iter() {
        let key = key.cast_exact::<PyString>().map_err(|_| NotPlain)?;
        entries.push((key.to_str().map_err(|_| NotPlain)?.to_owned(), value));
    }
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    out.push('{');
    for (i, (key, value)) in entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_string(out, key);
        out.push(':');
        push_value(out, value)?;
    }
    out.push('}');
    Ok(())
}

/// A JSON string as Python's `json` writes it with `ensure_ascii=False`: `"` and `\` escaped, the control
/// characters as `\n`, `\r`, `\t`, `\b`, `\f` or `\u00xx`, everything else as it is.
fn push_string(out: &mut String, text: &str) {
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c < ' ' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
