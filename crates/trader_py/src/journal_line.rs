//! The journal's record line built in Rust: canonical JSON of a payload, the chain hash and the seal, byte for
//! byte what `trader.journal.record` builds in Python (hypothesis tests hold them equal).
//!
//! `journal_line` takes a payload already normalised by `trader.journal.canonical`; `journal_record` takes the
//! raw payload and normalises it here as `canonical._mapping` does (secret-named keys masked, strings scrubbed
//! through the journal's `Redactor`, finite Decimals as their `str`, UTC datetimes in the journal's spelling,
//! enums as their values), returning the normalised payload too. Only str, int (64-bit), bool, None, exact
//! Decimal, UTC datetime, enum members, lists, tuples and str-keyed dicts take these paths: a float (whose text
//! Python spells its own way) or anything else returns `None`, and the Python encoder does the record.

use std::fmt::Write as _;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDateTime, PyDict, PyInt, PyList, PyString, PyTuple, PyType};
use pyo3::types::{PyDateAccess, PyTimeAccess, PyTzInfoAccess};
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
    let mut body = body_head(actor, kind);
    if push_dict(&mut body, payload).is_err() {
        return Ok(None);
    }
    Ok(Some(seal(py, body, seq, ts, prev)))
}

/// `(line, hash, payload)`: the record of the raw `payload` (a dict, or a model's field dict) normalised as
/// `trader.journal.canonical.normalize_payload` does with `redactor`, and that normalised payload (a new
/// dict); `None` when some value needs the Python encoder (which then raises the error, if it is one).
#[pyfunction]
#[pyo3(signature = (seq, ts, kind, actor, payload, prev, redactor))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
pub fn journal_record<'py>(
    py: Python<'py>,
    seq: u64,
    ts: &str,
    kind: &str,
    actor: Option<&str>,
    payload: &Bound<'py, PyDict>,
    prev: &str,
    redactor: &Bound<'py, PyAny>,
) -> PyResult<Option<(Bound<'py, PyBytes>, String, Bound<'py, PyDict>)>> {
    let normaliser = Normaliser::new(py, redactor)?;
    let mut body = body_head(actor, kind);
    let data = match normaliser.mapping(&mut body, payload) {
        Ok(data) => data,
        Err(Fallback::NotPlain) => return Ok(None),
        Err(Fallback::Raised(err)) => return Err(err),
    };
    let (line, digest) = seal(py, body, seq, ts, prev);
    Ok(Some((line, digest, data)))
}

/// `{"actor":...,"kind":"...","payload":` -- the body up to its payload.
fn body_head(actor: Option<&str>, kind: &str) -> String {
    let mut body = String::with_capacity(320);
    body.push_str("{\"actor\":");
    match actor {
        None => body.push_str("null"),
        Some(actor) => push_string(&mut body, actor),
    }
    body.push_str(",\"kind\":\"");
    body.push_str(kind);
    body.push_str("\",\"payload\":");
    body
}

/// Closes the body after its payload, hashes it with `prev` and splices the hash in: `(line, hash)`.
fn seal<'py>(
    py: Python<'py>,
    mut body: String,
    seq: u64,
    ts: &str,
    prev: &str,
) -> (Bound<'py, PyBytes>, String) {
    // Writing to a String cannot fail.
    body.push_str(",\"prev\":\"");
    body.push_str(prev);
    body.push_str("\",\"seq\":");
    let _ = write!(body, "{seq}");
    body.push_str(",\"ts\":\"");
    body.push_str(ts);
    body.push_str("\"}");
    let mut hasher = Sha256::new();
    hasher.update(prev.as_bytes());
    hasher.update(b"\n");
    hasher.update(body.as_bytes());
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut digest = String::with_capacity(64);
    for byte in hasher.finalize() {
        digest.push(char::from(HEX[usize::from(byte >> 4)]));
        digest.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    body.pop(); // the closing brace: the hash goes in before it
    body.push_str(",\"hash\":\"");
    body.push_str(&digest);
    body.push_str("\"}\n");
    (PyBytes::new(py, body.as_bytes()), digest)
}

/// Why `journal_record` leaves a payload to Python: a value it does not spell, or a Python error raised by the
/// redactor it called.
enum Fallback {
    NotPlain,
    Raised(PyErr),
}

impl From<PyErr> for Fallback {
    fn from(err: PyErr) -> Self {
        Self::Raised(err)
    }
}

static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static ENUM: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static UTC: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// `canonical._mapping` and `_value` in Rust, with the redactor's caches read directly as Python reads them.
struct Normaliser<'a, 'py> {
    py: Python<'py>,
    redactor: &'a Bound<'py, PyAny>,
    names: Bound<'py, PyDict>,
    texts: Bound<'py, PyDict>,
    decimal: &'a Bound<'py, PyType>,
    enumeration: &'a Bound<'py, PyType>,
    utc: &'a Bound<'py, PyAny>,
}

impl<'a, 'py> Normaliser<'a, 'py> {
    fn new(py: Python<'py>, redactor: &'a Bound<'py, PyAny>) -> PyResult<Self> {
        Ok(Self {
            py,
            redactor,
            names: redactor.getattr(intern!(py, "name_cache"))?.cast_into()?,
            texts: redactor.getattr(intern!(py, "text_cache"))?.cast_into()?,
            decimal: DECIMAL.import(py, "decimal", "Decimal")?,
            enumeration: ENUM.import(py, "enum", "Enum")?,
            utc: UTC.import(py, "datetime", "UTC")?,
        })
    }

    /// A str-keyed mapping: masked, scrubbed and spelled with sorted keys; the normalised dict in the raw
    /// mapping's key order (as Python builds it).
    fn mapping(
        &self,
        out: &mut String,
        raw: &Bound<'py, PyDict>,
    ) -> Result<Bound<'py, PyDict>, Fallback> {
        let mut entries = Vec::with_capacity(raw.len());
        for (key, item) in raw.iter() {
            let key = key
                .cast_into_exact::<PyString>()
                .map_err(|_| Fallback::NotPlain)?;
            entries.push((key, item));
        }
        let mut keys = Vec::with_capacity(entries.len());
        for (key, _) in &entries {
            keys.push(key.to_str().map_err(|_| Fallback::NotPlain)?);
        }
        // Spelled in sorted key order, straight into `out`; normalised values kept by position.
        let mut order: Vec<usize> = (0..entries.len()).collect();
        order.sort_unstable_by(|&a, &b| keys[a].cmp(keys[b]));
        let mut clean: Vec<Option<Bound<'py, PyAny>>> = vec![None; entries.len()];
        out.push('{');
        for (i, &at) in order.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_string(out, keys[at]);
            out.push(':');
            let (key, item) = &entries[at];
            clean[at] = Some(if self.secret_name(key)? {
                out.push_str("\"***\"");
                intern!(self.py, "***").clone().into_any()
            } else {
                self.item(out, item)?
            });
        }
        out.push('}');
        let data = PyDict::new(self.py);
        for ((key, _), value) in entries.iter().zip(clean) {
            data.set_item(key, value)?;
        }
        Ok(data)
    }

    /// `redactor.name_cache.get(key)`, else `redactor.secret_name(key)`.
    fn secret_name(&self, key: &Bound<'py, PyString>) -> Result<bool, Fallback> {
        let known = match self.names.get_item(key)? {
            Some(known) => known,
            None => self
                .redactor
                .call_method1(intern!(self.py, "secret_name"), (key,))?,
        };
        Ok(known.is_truthy()?)
    }

    /// `redactor.text_cache.get(text)`, else `redactor.scrub(text)`.
    fn scrub(&self, text: &Bound<'py, PyString>) -> Result<Bound<'py, PyString>, Fallback> {
        let clean = match self.texts.get_item(text)? {
            Some(clean) => clean,
            None => self
                .redactor
                .call_method1(intern!(self.py, "scrub"), (text,))?,
        };
        clean
            .cast_into_exact::<PyString>()
            .map_err(|_| Fallback::NotPlain)
    }

    /// One value: its JSON into `out`, its normalised Python value returned.
    fn item(
        &self,
        out: &mut String,
        item: &Bound<'py, PyAny>,
    ) -> Result<Bound<'py, PyAny>, Fallback> {
        if item.is_none() {
            out.push_str("null");
            return Ok(item.clone());
        }
        if let Ok(text) = item.cast_exact::<PyString>() {
            let clean = self.scrub(text)?;
            push_string(out, clean.to_str().map_err(|_| Fallback::NotPlain)?);
            return Ok(clean.into_any());
        }
        if let Ok(flag) = item.cast_exact::<PyBool>() {
            out.push_str(if flag.is_true() { "true" } else { "false" });
            return Ok(item.clone());
        }
        if let Ok(int) = item.cast_exact::<PyInt>() {
            let int: i64 = int.extract().map_err(|_| Fallback::NotPlain)?;
            let _ = write!(out, "{int}");
            return Ok(item.clone());
        }
        if item.is_exact_instance(self.decimal) {
            let text = item.str()?;
            let spelled = text.to_str().map_err(|_| Fallback::NotPlain)?;
            // A finite Decimal is spelled with digits, a sign, a point and an exponent `E`: an `N` or an `I`
            // is NaN, sNaN or Infinity, which Python refuses, naming the field.
            if spelled.contains(['N', 'I']) {
                return Err(Fallback::NotPlain);
            }
            push_string(out, spelled);
            return Ok(text.into_any());
        }
        if let Ok(instant) = item.cast_exact::<PyDateTime>() {
            let text = PyString::new(self.py, &utc_instant(instant, self.utc)?);
            push_string(out, text.to_str().map_err(|_| Fallback::NotPlain)?);
            return Ok(text.into_any());
        }
        if let Ok(dict) = item.cast_exact::<PyDict>() {
            return Ok(self.mapping(out, dict)?.into_any());
        }
        if let Ok(list) = item.cast_exact::<PyList>() {
            return Ok(self.items(out, list.iter())?.into_any());
        }
        if let Ok(tuple) = item.cast_exact::<PyTuple>() {
            return Ok(self.items(out, tuple.iter())?.into_any());
        }
        if item.is_instance(self.enumeration)? {
            // `_value_` is what the `value` property returns, read without running that property's Python code.
            return self.item(out, &item.getattr(intern!(self.py, "_value_"))?);
        }
        Err(Fallback::NotPlain)
    }

    fn items(
        &self,
        out: &mut String,
        items: impl Iterator<Item = Bound<'py, PyAny>>,
    ) -> Result<Bound<'py, PyList>, Fallback> {
        let data = PyList::empty(self.py);
        out.push('[');
        for (i, item) in items.enumerate() {
            if i > 0 {
                out.push(',');
            }
            data.append(self.item(out, &item)?)?;
        }
        out.push(']');
        Ok(data)
    }
}

/// The journal's spelling of an instant whose tzinfo is `datetime.UTC` (`2024-03-01T14:30:00.000000Z`, as
/// `format_instant` writes it); `None` for a naive datetime or another zone, which Python converts or refuses.
#[pyfunction]
pub fn utc_instant_text(
    py: Python<'_>,
    instant: &Bound<'_, PyDateTime>,
) -> PyResult<Option<String>> {
    let utc = UTC.import(py, "datetime", "UTC")?;
    Ok(utc_instant(instant, utc).ok())
}

/// `format_instant` of a datetime whose tzinfo is `datetime.UTC`: `2024-03-01T14:30:00.000000Z`.
fn utc_instant(
    instant: &Bound<'_, PyDateTime>,
    utc: &Bound<'_, PyAny>,
) -> Result<String, Fallback> {
    match instant.get_tzinfo() {
        Some(zone) if zone.is(utc) => {}
        _ => return Err(Fallback::NotPlain), // naive or another zone: Python converts or refuses it
    }
    Ok(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        instant.get_year(),
        instant.get_month(),
        instant.get_day(),
        instant.get_hour(),
        instant.get_minute(),
        instant.get_second(),
        instant.get_microsecond()
    ))
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
    // Most text (ids, symbols, decimals) needs no escape: one copy. UTF-8 continuation bytes are >= 0x80.
    if !text.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        out.push_str(text);
        out.push('"');
        return;
    }
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
