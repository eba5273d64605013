//! Checking given values against the declared variables and turning them
//! into the context a body renders with.

use std::collections::BTreeMap;

use minijinja::value::Value;

use super::error::{Place, TemplateError};
use super::model::{Template, Values, VarType, VarValue, Variable};

/// Converts `value` to what the body sees, or `None` when the type is wrong.
/// Text is accepted for numbers, booleans and choices, since that is all a
/// command line can give.
pub(crate) fn coerce(variable: &Variable, value: &VarValue) -> Option<Value> {
    match (variable.ty, value) {
        (VarType::Text | VarType::LongText, VarValue::Text(text)) => {
            Some(Value::from(text.as_str()))
        }
        (VarType::Number, VarValue::Number(n)) => number(*n),
        (VarType::Number, VarValue::Text(text)) => number(text.trim().parse().ok()?),
        (VarType::Bool, VarValue::Bool(b)) => Some(Value::from(*b)),
        (VarType::Bool, VarValue::Text(text)) => match text.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" => Some(Value::from(true)),
            "false" | "no" | "off" | "0" => Some(Value::from(false)),
            _ => None,
        },
        (VarType::Choice, VarValue::Text(text)) => variable
            .options
            .iter()
            .any(|option| option.value == *text)
            .then(|| Value::from(text.as_str())),
        _ => None,
    }
}

/// Whole numbers render as `300`, not `300.0`.
fn number(n: f64) -> Option<Value> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if !n.is_finite() {
        None
    } else if n.fract() == 0.0 && n.abs() < EXACT {
        // Exact: checked to be whole and within f64's integer range.
        #[allow(clippy::cast_possible_truncation)]
        Some(Value::from(n as i64))
    } else {
        Some(Value::from(n))
    }
}

/// What an error says a variable accepts.
pub(crate) fn expectation(variable: &Variable) -> String {
    match variable.ty {
        VarType::Choice => {
            let options: Vec<String> = variable
                .options
                .iter()
                .map(|o| format!("{:?}", o.value))
                .collect();
            format!("one of {}", options.join(", "))
        }
        ty => ty.expectation().to_owned(),
    }
}

/// The render context: every declared variable gets a value, given or
/// default; optional ones without either get an empty value (`""` for text,
/// `false` for booleans, `none` otherwise) so `{% if x %}` just works.
pub(crate) fn context(template: &Template, values: &Values) -> Result<Value, TemplateError> {
    let place = || Place::template(template.label());
    if let Some(unknown) = values.keys().find(|name| template.variable(name).is_none()) {
        let declared: Vec<String> = template
            .variables
            .iter()
            .map(|v| format!("`{}`", v.name))
            .collect();
        return Err(TemplateError::UnknownValue {
            place: place(),
            name: unknown.clone(),
            declared: if declared.is_empty() {
                "no variables".to_owned()
            } else {
                declared.join(", ")
            },
        });
    }
    let mut context = BTreeMap::new();
    for variable in &template.variables {
        let given = values.get(&variable.name).or(variable.default.as_ref());
        let value = match given {
            Some(VarValue::Text(text)) if variable.required && text.trim().is_empty() => None,
            other => other,
        };
        let value = match value {
            Some(value) => coerce(variable, value).ok_or_else(|| TemplateError::WrongType {
                place: place(),
                name: variable.name.clone(),
                expected: expectation(variable),
                got: value.describe(),
            })?,
            None if variable.required => {
                return Err(TemplateError::MissingValue {
                    place: place(),
                    name: variable.name.clone(),
                });
            }
            None => match variable.ty {
                VarType::Text | VarType::LongText => Value::from(""),
                VarType::Bool => Value::from(false),
                VarType::Number | VarType::Choice => Value::from(()),
            },
        };
        context.insert(variable.name.clone(), value);
    }
    Ok(Value::from(context))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::model::ChoiceOption;

    fn variable(ty: VarType) -> Variable {
        Variable {
            name: "x".into(),
            label: "x".into(),
            ty,
            default: None,
            required: false,
            help: String::new(),
            options: if ty == VarType::Choice {
                vec![ChoiceOption {
                    value: "short".into(),
                    label: "Short".into(),
                }]
            } else {
                vec![]
            },
            sample: None,
        }
    }

    #[test]
    fn command_line_text_becomes_the_declared_type() {
        let cases = [
            (
                VarType::Number,
                VarValue::from(" 300 "),
                Some(Value::from(300)),
            ),
            (
                VarType::Number,
                VarValue::from("0.5"),
                Some(Value::from(0.5)),
            ),
            (VarType::Number, VarValue::from(2.0), Some(Value::from(2))),
            (VarType::Number, VarValue::from("many"), None),
            (VarType::Number, VarValue::from("NaN"), None),
            (
                VarType::Bool,
                VarValue::from("Yes"),
                Some(Value::from(true)),
            ),
            (
                VarType::Bool,
                VarValue::from("off"),
                Some(Value::from(false)),
            ),
            (VarType::Bool, VarValue::from("maybe"), None),
            (
                VarType::Choice,
                VarValue::from("short"),
                Some(Value::from("short")),
            ),
            (VarType::Choice, VarValue::from("Short"), None),
            (VarType::Text, VarValue::from(3.0), None),
            (VarType::LongText, VarValue::from(true), None),
        ];
        for (ty, value, expected) in cases {
            assert_eq!(coerce(&variable(ty), &value), expected, "{ty:?} {value:?}");
        }
    }

    #[test]
    fn choices_name_their_options_when_refused() {
        assert_eq!(expectation(&variable(VarType::Choice)), "one of \"short\"");
        assert_eq!(expectation(&variable(VarType::Number)), "a number");
    }
}
