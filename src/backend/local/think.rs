//! A model's thinking, kept apart from its answer.
//!
//! Reasoning models (Qwen3, DeepSeek-R1 distills) open their output with a
//! `<think>…</think>` block. Servers hand it over as reasoning; so does the
//! local backend, so the chat shows it folded away and history keeps it in
//! its own field, whichever backend ran the model.

const OPEN: &str = "<think>";
const CLOSE: &str = "</think>";

#[derive(Debug, PartialEq, Eq)]
pub enum Piece {
    Reasoning(String),
    Answer(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum State {
    /// Nothing but whitespace yet: a thinking block may still open.
    #[default]
    Start,
    Thinking,
    /// Right after the block: the blank lines that follow it are dropped.
    AfterThinking,
    Answer,
}

#[derive(Debug, Default)]
pub struct ThinkSplitter {
    state: State,
    pending: String,
}

impl ThinkSplitter {
    pub fn feed(&mut self, text: &str) -> Vec<Piece> {
        self.pending.push_str(text);
        let mut pieces = Vec::new();
        loop {
            match self.state {
                State::Start => {
                    let trimmed = self.pending.trim_start();
                    if let Some(rest) = trimmed.strip_prefix(OPEN) {
                        self.pending = rest.trim_start().to_owned();
                        self.state = State::Thinking;
                    } else if OPEN.starts_with(trimmed) {
                        return pieces;
                    } else {
                        self.state = State::Answer;
                    }
                }
                State::Thinking => match self.pending.find(CLOSE) {
                    Some(at) => {
                        let thought = self.pending[..at].trim_end().to_owned();
                        push(&mut pieces, Piece::Reasoning(thought));
                        self.pending.drain(..at + CLOSE.len());
                        self.state = State::AfterThinking;
                    }
                    None => {
                        // Held back: what may begin the closing tag, and
                        // whitespace that may turn out to precede it.
                        let tag = super::stop::held_back(&self.pending, &[CLOSE]);
                        let body = &self.pending[..self.pending.len() - tag];
                        let keep = tag + (body.len() - body.trim_end().len());
                        let thought: String =
                            self.pending.drain(..self.pending.len() - keep).collect();
                        push(&mut pieces, Piece::Reasoning(thought));
                        return pieces;
                    }
                },
                State::AfterThinking => {
                    let trimmed = self.pending.trim_start();
                    if trimmed.is_empty() {
                        self.pending.clear();
                        return pieces;
                    }
                    self.pending = trimmed.to_owned();
                    self.state = State::Answer;
                }
                State::Answer => {
                    push(
                        &mut pieces,
                        Piece::Answer(std::mem::take(&mut self.pending)),
                    );
                    return pieces;
                }
            }
        }
    }

    /// What is still held when the output ends: a text that only began
    /// like `<think>` was an answer after all.
    pub fn finish(&mut self) -> Vec<Piece> {
        let rest = std::mem::take(&mut self.pending);
        let mut pieces = Vec::new();
        match self.state {
            State::Thinking => push(&mut pieces, Piece::Reasoning(rest)),
            State::Start | State::Answer => push(&mut pieces, Piece::Answer(rest)),
            State::AfterThinking => {}
        }
        pieces
    }
}

fn push(pieces: &mut Vec<Piece>, piece: Piece) {
    let empty = match &piece {
        Piece::Reasoning(text) | Piece::Answer(text) => text.is_empty(),
    };
    if !empty {
        pieces.push(piece);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(pieces: &[&str]) -> (String, String) {
        let mut splitter = ThinkSplitter::default();
        let (mut reasoning, mut answer) = (String::new(), String::new());
        let all = pieces
            .iter()
            .flat_map(|p| splitter.feed(p))
            .collect::<Vec<_>>();
        for piece in all.into_iter().chain(splitter.finish()) {
            match piece {
                Piece::Reasoning(text) => reasoning.push_str(&text),
                Piece::Answer(text) => answer.push_str(&text),
            }
        }
        (reasoning, answer)
    }

    #[test]
    fn a_thinking_block_becomes_reasoning_wherever_the_tags_are_cut() {
        let expected = ("The user greets me.".to_owned(), "Hello! 你好".to_owned());
        assert_eq!(
            split(&["<think>\nThe user greets me.\n</think>\n\nHello! 你好"]),
            expected
        );
        assert_eq!(
            split(&[
                "<th",
                "ink>\nThe user",
                " greets me.\n</th",
                "ink>",
                "\n",
                "\nHello! 你好"
            ]),
            expected
        );
        assert_eq!(
            split(&["\n", "<think>The user greets me.</think>Hello! 你好"]),
            expected
        );
    }

    #[test]
    fn answers_without_a_block_pass_unchanged() {
        assert_eq!(
            split(&["Hello ", "<think> is a tag"]),
            (String::new(), "Hello <think> is a tag".into())
        );
        assert_eq!(split(&["<thin"]), (String::new(), "<thin".into()));
        assert_eq!(
            split(&["  <b>bold</b>"]),
            (String::new(), "  <b>bold</b>".into())
        );
    }

    #[test]
    fn an_unfinished_block_is_all_reasoning() {
        assert_eq!(
            split(&["<think>Still going</thi"]),
            ("Still going</thi".into(), String::new())
        );
    }
}
