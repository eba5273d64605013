//! Stop strings: text is held back while it could still become one, and a
//! stop string itself is never emitted.

#[derive(Debug)]
pub struct StopMatcher {
    stops: Vec<String>,
    pending: String,
}

/// What to emit after feeding text, and whether a stop string was met.
#[derive(Debug, PartialEq, Eq)]
pub struct Fed {
    pub emit: String,
    pub stopped: bool,
}

impl StopMatcher {
    pub fn new(stops: &[String]) -> StopMatcher {
        StopMatcher {
            stops: stops.iter().filter(|s| !s.is_empty()).cloned().collect(),
            pending: String::new(),
        }
    }

    pub fn feed(&mut self, text: &str) -> Fed {
        self.pending.push_str(text);
        let first_stop = self
            .stops
            .iter()
            .filter_map(|stop| self.pending.find(stop.as_str()))
            .min();
        if let Some(at) = first_stop {
            let emit = self.pending[..at].to_owned();
            self.pending.clear();
            return Fed {
                emit,
                stopped: true,
            };
        }
        let held = self.held_back();
        let emit = self.pending[..self.pending.len() - held].to_owned();
        self.pending.drain(..emit.len());
        Fed {
            emit,
            stopped: false,
        }
    }

    /// What is still held when generation ends without a stop string.
    pub fn finish(&mut self) -> String {
        std::mem::take(&mut self.pending)
    }

    fn held_back(&self) -> usize {
        held_back(&self.pending, &self.stops)
    }
}

/// Bytes at the end of `text` that begin one of `markers`: what must wait
/// for the next piece before it can be shown.
pub(super) fn held_back<S: AsRef<str>>(text: &str, markers: &[S]) -> usize {
    text.char_indices()
        .map(|(at, _)| at)
        .find(|&at| {
            let tail = &text[at..];
            markers
                .iter()
                .any(|marker| marker.as_ref().starts_with(tail))
        })
        .map_or(0, |at| text.len() - at)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn run(stops: &[&str], pieces: &[&str]) -> (String, bool) {
        let stops: Vec<String> = stops.iter().map(|s| s.to_string()).collect();
        let mut matcher = StopMatcher::new(&stops);
        let mut out = String::new();
        for piece in pieces {
            let fed = matcher.feed(piece);
            out.push_str(&fed.emit);
            if fed.stopped {
                return (out, true);
            }
        }
        out.push_str(&matcher.finish());
        (out, false)
    }

    #[test]
    fn a_stop_split_across_pieces_is_not_emitted() {
        assert_eq!(
            run(&["\nUser:"], &["Hi", " there\nU", "se", "r: more"]),
            ("Hi there".into(), true)
        );
        assert_eq!(run(&["END"], &["abcE", "N", "x"]), ("abcENx".into(), false));
        assert_eq!(
            run(&["。\n"], &["你好", "。", "\n再见"]),
            ("你好".into(), true)
        );
        assert_eq!(run(&[], &["a", "b"]), ("ab".into(), false));
    }

    #[test]
    fn text_is_held_only_while_it_may_become_a_stop() {
        let mut matcher = StopMatcher::new(&["</s>".to_string()]);
        assert_eq!(matcher.feed("ok <").emit, "ok ");
        assert_eq!(matcher.feed("b").emit, "<b");
    }

    proptest! {
        /// Without stop strings in it, the text comes out whole however it
        /// is split.
        #[test]
        fn text_without_stops_passes_unchanged(pieces in prop::collection::vec("[a-c中]{0,4}", 0..8)) {
            let (out, stopped) = run(&["abd", "中中c"], &pieces.iter().map(String::as_str).collect::<Vec<_>>());
            let whole: String = pieces.concat();
            if !whole.contains("abd") && !whole.contains("中中c") {
                prop_assert!(!stopped);
                prop_assert_eq!(out, whole);
            } else {
                prop_assert!(stopped);
                let cut = [whole.find("abd"), whole.find("中中c")].into_iter().flatten().min().unwrap();
                prop_assert_eq!(out, &whole[..cut]);
            }
        }
    }
}
