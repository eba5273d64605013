//! What can go wrong with a model's chat template, each as one sentence.

#[derive(Debug, thiserror::Error)]
pub enum ChatTemplateError {
    #[error("The model's chat template (tokenizer.chat_template) is not text.")]
    NotText,

    #[error("The model's chat template cannot be read{}: {message}.", at_line(*.line))]
    Syntax {
        line: Option<usize>,
        message: String,
    },

    /// The template called `raise_exception`: it does not accept the
    /// conversation (a system message, roles that do not alternate).
    #[error("The model's chat template does not accept this conversation: {message}")]
    Refused { message: String },

    #[error("The model's chat template failed{}: {message}.", at_line(*.line))]
    Render {
        line: Option<usize>,
        message: String,
    },

    #[error("Extra chat template values {reason}.")]
    Extra { reason: String },
}

impl ChatTemplateError {
    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ChatTemplateError::NotText | ChatTemplateError::Syntax { .. } => {
                "chat_template_invalid"
            }
            ChatTemplateError::Refused { .. } => "chat_template_refused",
            ChatTemplateError::Render { .. } => "chat_template_render",
            ChatTemplateError::Extra { .. } => "chat_template_extra",
        }
    }
}

fn at_line(line: Option<usize>) -> String {
    line.map(|line| format!(" at line {line}"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_where_the_template_failed() {
        let error = ChatTemplateError::Render {
            line: Some(12),
            message: "cannot add string and undefined".into(),
        };
        assert_eq!(
            error.to_string(),
            "The model's chat template failed at line 12: cannot add string and undefined."
        );
        let refused = ChatTemplateError::Refused {
            message: "Conversation roles must alternate user/assistant/user/assistant/...".into(),
        };
        assert_eq!(
            refused.to_string(),
            "The model's chat template does not accept this conversation: Conversation roles must alternate user/assistant/user/assistant/..."
        );
        assert_eq!(refused.code(), "chat_template_refused");
    }
}
