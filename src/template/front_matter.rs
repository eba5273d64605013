//! The file format: TOML front matter between `+++` lines, or YAML between
//! `---` lines, then the template body.

use serde::de::DeserializeOwned;

/// The front matter's language, chosen by its delimiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Syntax {
    Toml,
    Yaml,
}

impl Syntax {
    fn delimiter(self) -> &'static str {
        match self {
            Syntax::Toml => "+++",
            Syntax::Yaml => "---",
        }
    }
}

/// A template file cut in two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Split<'a> {
    pub syntax: Syntax,
    pub front: &'a str,
    pub body: &'a str,
    /// Lines of the file before the body (both delimiters and the front
    /// matter), to turn body line numbers into file line numbers.
    pub body_offset: u32,
}

/// A problem with the file's layout or front matter, at a file position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FrontMatterError {
    pub message: String,
    pub line: u32,
    pub column: Option<u32>,
}

/// Finds the front matter. The first line must be `+++` or `---`, and the
/// same delimiter must close it on a line of its own.
pub(crate) fn split(source: &str) -> Result<Split<'_>, FrontMatterError> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let mut lines = source.split_inclusive('\n');
    let first = lines.next().unwrap_or_default();
    let syntax = match first.trim_end() {
        "+++" => Syntax::Toml,
        "---" => Syntax::Yaml,
        _ => {
            return Err(FrontMatterError {
                message: "a template starts with front matter: a `+++` line (TOML) or a `---` line (YAML)".into(),
                line: 1,
                column: Some(1),
            });
        }
    };
    let front_start = first.len();
    let mut offset = front_start;
    // The file's lines from the second on: the closing line's number is the
    // count of lines before the body.
    for (number, line) in (2u32..).zip(lines) {
        if line.trim_end() == syntax.delimiter() {
            return Ok(Split {
                syntax,
                front: &source[front_start..offset],
                body: &source[offset + line.len()..],
                body_offset: number,
            });
        }
        offset += line.len();
    }
    Err(FrontMatterError {
        message: format!(
            "the front matter opened on line 1 is never closed by a `{}` line",
            syntax.delimiter()
        ),
        line: 1,
        column: Some(1),
    })
}

/// Reads the front matter into `T`, reporting errors at file positions.
pub(crate) fn parse<T: DeserializeOwned>(split: &Split<'_>) -> Result<T, FrontMatterError> {
    // The front matter starts on the file's second line.
    const FIRST_LINE: u32 = 2;
    match split.syntax {
        Syntax::Toml => toml::from_str(split.front).map_err(|error| {
            let (line, column) = error
                .span()
                .map(|span| line_and_column(split.front, span.start))
                .unwrap_or((1, 1));
            FrontMatterError {
                message: error.message().trim_end_matches('\n').to_owned(),
                line: line + FIRST_LINE - 1,
                column: Some(column),
            }
        }),
        Syntax::Yaml => serde_yaml_ng::from_str(split.front).map_err(|error| {
            let location = error.location();
            let text = error.to_string();
            // The location is reported separately, so drop it from the text.
            let message = match text.rfind(" at line ") {
                Some(at) if location.is_some() => text[..at].to_owned(),
                _ => text,
            };
            FrontMatterError {
                message,
                line: location.as_ref().map_or(1, |l| to_u32(l.line())) + FIRST_LINE - 1,
                column: location.map(|l| to_u32(l.column())),
            }
        }),
    }
}

/// Rewrites a top-level string field (`id`, `name`) in place, keeping every
/// other byte of the file, comments and layout included.
pub(crate) fn set_string_field(source: &str, key: &str, value: &str) -> Option<String> {
    let split = split(source).ok()?;
    let front_start = split.front.as_ptr() as usize - source.as_ptr() as usize;
    let mut offset = front_start;
    for line in split.front.split_inclusive('\n') {
        let trimmed = line.trim_end_matches(['\n', '\r']);
        // TOML: top-level keys come before the first [table].
        if split.syntax == Syntax::Toml && trimmed.trim_start().starts_with('[') {
            return None;
        }
        if sets_top_level_key(trimmed, key, split.syntax) {
            let encoded = match split.syntax {
                Syntax::Toml => toml::Value::String(value.to_owned()).to_string(),
                Syntax::Yaml => serde_json::to_string(value).expect("strings serialize"),
            };
            // A comment after the old value goes with it: it described that one.
            let separator = if split.syntax == Syntax::Toml {
                " = "
            } else {
                ": "
            };
            let line_end = &line[trimmed.len()..];
            let mut out = String::with_capacity(source.len() + value.len());
            out.push_str(&source[..offset]);
            out.push_str(key);
            out.push_str(separator);
            out.push_str(&encoded);
            out.push_str(line_end);
            out.push_str(&source[offset + line.len()..]);
            return Some(out);
        }
        offset += line.len();
    }
    None
}

/// Whether `line` sets the top-level `key` (`key = ...` / `key: ...`).
fn sets_top_level_key(line: &str, key: &str, syntax: Syntax) -> bool {
    let Some(rest) = line.strip_prefix(key) else {
        return false;
    };
    let rest = rest.trim_start_matches([' ', '\t']);
    match syntax {
        Syntax::Toml => rest.starts_with('='),
        Syntax::Yaml => rest.starts_with(':'),
    }
}

/// 1-based line and column (in characters) of a byte offset in `text`.
pub(crate) fn line_and_column(text: &str, offset: usize) -> (u32, u32) {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (to_u32(line), to_u32(column))
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Meta {
        id: String,
        n: Option<u32>,
    }

    #[test]
    fn toml_and_yaml_front_matter_split_the_same_way() {
        for source in [
            "+++\nid = \"a\"\n+++\nHello\n{{ x }}",
            "---\nid: a\n---\nHello\n{{ x }}",
            "\u{feff}+++\r\nid = \"a\"\r\n+++\r\nHello\n{{ x }}",
        ] {
            let split = split(source).unwrap();
            assert_eq!(
                split.body.trim_start_matches(['\r', '\n']),
                "Hello\n{{ x }}"
            );
            assert_eq!(split.body_offset, 3);
            let meta: Meta = parse(&split).unwrap();
            assert_eq!(meta.id, "a");
        }
    }

    #[test]
    fn a_delimiter_inside_the_body_is_body_text() {
        let split = split("---\nid: a\n---\nabove\n---\nbelow").unwrap();
        assert_eq!(split.body, "above\n---\nbelow");
    }

    #[test]
    fn missing_or_unclosed_front_matter_is_explained() {
        let error = split("Hello {{ x }}").unwrap_err();
        assert!(
            error.message.contains("starts with front matter"),
            "{error:?}"
        );
        let error = split("+++\nid = \"a\"\nbody").unwrap_err();
        assert!(
            error.message.contains("never closed by a `+++` line"),
            "{error:?}"
        );
    }

    #[test]
    fn toml_errors_point_at_the_file_line() {
        let split = split("+++\nid = \"a\"\nn = \"three\"\n+++\nbody").unwrap();
        let error = parse::<Meta>(&split).unwrap_err();
        assert_eq!(error.line, 3, "{error:?}");
        assert_eq!(error.column, Some(5));
        assert!(error.message.contains("u32"), "{error:?}");
    }

    #[test]
    fn yaml_errors_point_at_the_file_line_without_repeating_it() {
        let split = split("---\nid: a\nn: [1\n---\nbody").unwrap();
        let error = parse::<Meta>(&split).unwrap_err();
        assert_eq!(error.line, 3, "{error:?}");
        assert!(error.message.contains("expected u32"), "{error:?}");
        assert!(!error.message.contains("at line"), "{error:?}");
    }

    #[test]
    fn fields_are_rewritten_in_place() {
        let toml = "+++\n# mine\nid = \"a\"  # old\nname = \"A\"\n[params]\nid = 3\n+++\nbody";
        let out = set_string_field(toml, "id", "a-copy \"2\"").unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[..2], ["+++", "# mine"]);
        assert_eq!(
            lines[3..],
            ["name = \"A\"", "[params]", "id = 3", "+++", "body"]
        );
        #[derive(serde::Deserialize)]
        struct Id {
            id: String,
        }
        let reread: Id = parse(&split(&out).unwrap()).unwrap();
        assert_eq!(reread.id, "a-copy \"2\"");
        let yaml = "---\nid: a\nname: 'A'\nvariables:\n  - name: x\n---\nbody";
        let out = set_string_field(yaml, "name", "A (copy)").unwrap();
        assert_eq!(
            out,
            "---\nid: a\nname: \"A (copy)\"\nvariables:\n  - name: x\n---\nbody"
        );
        assert_eq!(set_string_field(yaml, "missing", "x"), None);
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        assert_eq!(line_and_column("译文\n原文 x", "译文\n原文 ".len()), (2, 4));
        assert_eq!(line_and_column("abc", 0), (1, 1));
    }
}
