//! Merges streamed text that queued up, so a fast model sends the UI a few
//! large deltas instead of thousands of tiny ones.

use crate::backend::Event;
use crate::generation::RunEvent;

/// Joins consecutive `Delta`s (and `Reasoning`s) of the same choice; the
/// order of everything else is kept.
pub fn coalesce(events: Vec<RunEvent>) -> Vec<RunEvent> {
    let mut out: Vec<RunEvent> = Vec::with_capacity(events.len());
    for event in events {
        if let Some(RunEvent::Event(last)) = out.last_mut() {
            match (last, &event) {
                (
                    Event::Delta { choice, text },
                    RunEvent::Event(Event::Delta {
                        choice: next,
                        text: more,
                    }),
                )
                | (
                    Event::Reasoning { choice, text },
                    RunEvent::Event(Event::Reasoning {
                        choice: next,
                        text: more,
                    }),
                ) if choice == next => {
                    text.push_str(more);
                    continue;
                }
                _ => {}
            }
        }
        out.push(event);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delta(choice: u32, text: &str) -> RunEvent {
        RunEvent::Event(Event::Delta {
            choice,
            text: text.into(),
        })
    }

    fn reasoning(text: &str) -> RunEvent {
        RunEvent::Event(Event::Reasoning {
            choice: 0,
            text: text.into(),
        })
    }

    #[test]
    fn joins_runs_of_the_same_kind_and_choice() {
        let merged = coalesce(vec![
            reasoning("a"),
            reasoning("b"),
            delta(0, "x"),
            delta(0, "y"),
            delta(1, "z"),
            delta(0, "w"),
        ]);
        assert_eq!(
            merged,
            vec![
                reasoning("ab"),
                delta(0, "xy"),
                delta(1, "z"),
                delta(0, "w")
            ]
        );
    }

    #[test]
    fn keeps_other_events_in_place() {
        let usage = RunEvent::Event(Event::Usage {
            prompt: 1,
            completion: 2,
            cached: None,
        });
        let merged = coalesce(vec![delta(0, "a"), usage.clone(), delta(0, "b")]);
        assert_eq!(merged, vec![delta(0, "a"), usage, delta(0, "b")]);
    }
}
