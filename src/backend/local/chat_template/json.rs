//! Python's `json.dumps` and `repr(float)` for minijinja values: Hugging
//! Face overrides Jinja's `tojson` with `json.dumps`, so tool schemas and
//! arguments reach the model as Python writes them (`", "` and `": "`
//! between items, nothing HTML-escaped, `1e-07`, `1.0`), which minijinja's
//! own JSON does not.

use std::fmt::Write as _;

use minijinja::value::{Kwargs, Rest, Value, ValueKind};
use minijinja::{Error, ErrorKind};

/// The `tojson` filter: `tojson(ensure_ascii=False, indent=None,
/// separators=None, sort_keys=False)`, positionally or by name.
pub(crate) fn tojson(value: &Value, args: Rest<Value>, kwargs: Kwargs) -> Result<String, Error> {
    const NAMES: [&str; 4] = ["ensure_ascii", "indent", "separators", "sort_keys"];
    if args.len() > NAMES.len() {
        return Err(invalid("tojson takes at most 4 arguments"));
    }
    let mut given: [Value; 4] = Default::default();
    for (slot, arg) in given.iter_mut().zip(args.iter()) {
        *slot = arg.clone();
    }
    for (slot, name) in given.iter_mut().zip(NAMES) {
        if let Some(value) = kwargs.get::<Option<Value>>(name)? {
            *slot = value;
        }
    }
    kwargs.assert_all_used()?;
    let [ensure_ascii, indent, separators, sort_keys] = given;
    let indent = match indent.kind() {
        ValueKind::Undefined | ValueKind::None => None,
        ValueKind::String => Some(indent.as_str().unwrap_or_default().to_owned()),
        ValueKind::Number => {
            let width = indent
                .as_i64()
                .ok_or_else(|| invalid("tojson's indent must be a whole number"))?;
            Some(" ".repeat(usize::try_from(width).unwrap_or(0)))
        }
        _ => return Err(invalid("tojson's indent must be a number or a string")),
    };
    let (item, key) = match separators.kind() {
        ValueKind::Undefined | ValueKind::None if indent.is_some() => (",".into(), ": ".into()),
        ValueKind::Undefined | ValueKind::None => (", ".into(), ": ".into()),
        _ => {
            let pair: Vec<Value> = separators.try_iter()?.collect();
            match pair.as_slice() {
                [item, key] if item.as_str().is_some() && key.as_str().is_some() => (
                    item.as_str().unwrap_or_default().to_owned(),
                    key.as_str().unwrap_or_default().to_owned(),
                ),
                _ => return Err(invalid("tojson's separators must be two strings")),
            }
        }
    };
    let options = Options {
        ensure_ascii: ensure_ascii.is_true(),
        indent,
        item,
        key,
        sort_keys: sort_keys.is_true(),
    };
    let mut out = String::new();
    write_value(&mut out, value, &options, 0)?;
    Ok(out)
}

struct Options {
    ensure_ascii: bool,
    indent: Option<String>,
    item: String,
    key: String,
    sort_keys: bool,
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, message.into())
}

fn unserializable(value: &Value) -> Error {
    let kind = match value.kind() {
        ValueKind::Undefined => "Undefined".to_owned(),
        kind => kind.to_string(),
    };
    invalid(format!("Object of type {kind} is not JSON serializable"))
}

fn write_value(
    out: &mut String,
    value: &Value,
    options: &Options,
    level: usize,
) -> Result<(), Error> {
    match value.kind() {
        ValueKind::None => out.push_str("null"),
        ValueKind::Bool => out.push_str(if value.is_true() { "true" } else { "false" }),
        ValueKind::Number => out.push_str(&number(value)),
        ValueKind::String => write_string(
            out,
            value.as_str().unwrap_or_default(),
            options.ensure_ascii,
        ),
        ValueKind::Seq => {
            let items: Vec<Value> = value.try_iter()?.collect();
            write_container(
                out,
                ('[', ']'),
                &items,
                options,
                level,
                |out, item, level| write_value(out, item, options, level),
            )?;
        }
        ValueKind::Map => {
            let mut entries = Vec::new();
            for key in value.try_iter()? {
                let item = value.get_item(&key)?;
                entries.push((key, item));
            }
            if options.sort_keys {
                entries.sort_by(|(a, _), (b, _)| a.cmp(b));
            }
            write_container(
                out,
                ('{', '}'),
                &entries,
                options,
                level,
                |out, (key, item), level| {
                    write_key(out, key, options.ensure_ascii)?;
                    out.push_str(&options.key);
                    write_value(out, item, options, level)
                },
            )?;
        }
        _ => return Err(unserializable(value)),
    }
    Ok(())
}

fn write_container<T>(
    out: &mut String,
    (open, close): (char, char),
    items: &[T],
    options: &Options,
    level: usize,
    mut write_item: impl FnMut(&mut String, &T, usize) -> Result<(), Error>,
) -> Result<(), Error> {
    out.push(open);
    if items.is_empty() {
        out.push(close);
        return Ok(());
    }
    let newline = |level: usize| {
        options
            .indent
            .as_ref()
            .map(|indent| format!("\n{}", indent.repeat(level)))
    };
    let inner = newline(level + 1);
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.push_str(&options.item);
        }
        if let Some(inner) = &inner {
            out.push_str(inner);
        }
        write_item(out, item, level + 1)?;
    }
    if let Some(outer) = newline(level) {
        out.push_str(&outer);
    }
    out.push(close);
    Ok(())
}

/// Keys are strings; numbers, booleans and none become strings as Python
/// converts them.
fn write_key(out: &mut String, key: &Value, ensure_ascii: bool) -> Result<(), Error> {
    let text = match key.kind() {
        ValueKind::String => key.as_str().unwrap_or_default().to_owned(),
        ValueKind::Number => number(key),
        ValueKind::Bool => (if key.is_true() { "true" } else { "false" }).to_owned(),
        ValueKind::None => "null".to_owned(),
        kind => {
            return Err(invalid(format!(
                "keys must be str, int, float, bool or None, not {kind}"
            )));
        }
    };
    write_string(out, &text, ensure_ascii);
    Ok(())
}

fn number(value: &Value) -> String {
    if value.is_integer() {
        value.to_string()
    } else {
        python_float(f64::try_from(value.clone()).unwrap_or(f64::NAN))
    }
}

/// `repr(float)` as Python writes it: the shortest digits that read back
/// the same, in positional notation from 1e-4 up to 1e16, else scientific
/// with a signed exponent of at least two digits; NaN and Infinity as JSON
/// in Python writes them.
pub(crate) fn python_float(value: f64) -> String {
    if value.is_nan() {
        return "NaN".into();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    // Rust's `{:e}` gives the same shortest round-trip digits.
    let scientific = format!("{value:e}");
    let (mantissa, exponent) = scientific
        .split_once('e')
        .expect("`{:e}` always writes an exponent");
    let exponent: i32 = exponent.parse().expect("`{:e}` writes an integer exponent");
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let mut out = String::from(sign);
    if (-4..16).contains(&exponent) {
        if exponent < 0 {
            out.push_str("0.");
            out.push_str(&"0".repeat((-exponent - 1) as usize));
            out.push_str(&digits);
        } else {
            let point = exponent as usize + 1;
            if digits.len() > point {
                out.push_str(&digits[..point]);
                out.push('.');
                out.push_str(&digits[point..]);
            } else {
                out.push_str(&digits);
                out.push_str(&"0".repeat(point - digits.len()));
                out.push_str(".0");
            }
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(
            out,
            "e{}{:02}",
            if exponent < 0 { '-' } else { '+' },
            exponent.abs()
        );
    }
    out
}

/// A JSON string as Python escapes it: quotes, backslashes and control
/// characters always; everything outside printable ASCII too with
/// `ensure_ascii`, as `\uXXXX` (surrogate pairs above the BMP).
fn write_string(out: &mut String, text: &str, ensure_ascii: bool) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (ensure_ascii && !(' '..='~').contains(&c)) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_read_as_python_writes_them() {
        for (value, expected) in [
            (1.0, "1.0"),
            (-0.0, "-0.0"),
            (0.1, "0.1"),
            (2.5, "2.5"),
            (1e-7, "1e-07"),
            (1e-5, "1e-05"),
            (1e-4, "0.0001"),
            (123_456_789.125, "123456789.125"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.5e300, "1.5e+300"),
            (-2.5e-10, "-2.5e-10"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Infinity"),
        ] {
            assert_eq!(python_float(value), expected, "{value}");
        }
    }

    fn dumps(value: Value, ensure_ascii: bool) -> String {
        let options = Options {
            ensure_ascii,
            indent: None,
            item: ", ".into(),
            key: ": ".into(),
            sort_keys: false,
        };
        let mut out = String::new();
        write_value(&mut out, &value, &options, 0).unwrap();
        out
    }

    #[test]
    fn strings_are_escaped_as_python_escapes_them() {
        let text = Value::from("<a href='x'>&\"\\\n\u{1}\u{7f}é😀");
        assert_eq!(
            dumps(text.clone(), false),
            "\"<a href='x'>&\\\"\\\\\\n\\u0001\u{7f}é😀\""
        );
        assert_eq!(
            dumps(text, true),
            "\"<a href='x'>&\\\"\\\\\\n\\u0001\\u007f\\u00e9\\ud83d\\ude00\""
        );
    }

    #[test]
    fn maps_keep_their_order_and_values_that_json_lacks_are_errors() {
        let map = Value::from_pairs([("z", Value::from(1)), ("a", Value::from(()))]);
        assert_eq!(dumps(map, false), "{\"z\": 1, \"a\": null}");
        let mut out = String::new();
        let options = Options {
            ensure_ascii: false,
            indent: None,
            item: ",".into(),
            key: ":".into(),
            sort_keys: false,
        };
        let error = write_value(&mut out, &Value::UNDEFINED, &options, 0).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("Object of type Undefined is not JSON serializable")
        );
    }
}
