//! Parse errors that point at the offending text.

use thiserror::Error;

/// Longest fragment quoted in an error; a pasted set can be megabytes long.
const MAX_FRAGMENT_CHARS: usize = 40;

/// Text that is not a valid GTID, GTID set or GTID position.
///
/// `offset` counts characters (not bytes) from the start of the input, so that it matches what a
/// person sees in an editor; `fragment` is the offending part, cut at the next separator.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid {what} at character {offset}: {problem}, found {}", quote(.fragment))]
pub struct ParseError {
    /// What was being parsed: "MySQL GTID set", "MariaDB GTID position", ...
    pub what: &'static str,
    /// Character offset of the offending part.
    pub offset: usize,
    /// The offending part (at most 40 characters), empty at the end of the input.
    pub fragment: String,
    /// What was expected or what is wrong, in words.
    pub problem: String,
}

fn quote(fragment: &str) -> String {
    if fragment.is_empty() {
        "the end of the input".to_owned()
    } else {
        format!("{fragment:?}")
    }
}

impl ParseError {
    /// An error at byte offset `at` of `input`; the fragment runs to the next separator
    /// (`,`, `:`, whitespace) or, when `at` is on a separator, is that separator.
    pub(crate) fn at(
        what: &'static str,
        input: &str,
        at: usize,
        problem: impl Into<String>,
    ) -> Self {
        let at = floor_char_boundary(input, at.min(input.len()));
        let rest = &input[at..];
        let token_len = rest
            .char_indices()
            .find(|&(_, c)| c == ',' || c == ':' || c.is_whitespace())
            .map_or(rest.len(), |(i, _)| i);
        let token = if token_len == 0 {
            rest.chars().next().map_or("", |c| &rest[..c.len_utf8()])
        } else {
            &rest[..token_len]
        };
        Self::spanning(what, input, at, token, problem)
    }

    /// An error about the exact fragment `input[at..at + len]`.
    pub(crate) fn span(
        what: &'static str,
        input: &str,
        at: usize,
        len: usize,
        problem: impl Into<String>,
    ) -> Self {
        let at = floor_char_boundary(input, at.min(input.len()));
        let end = floor_char_boundary(input, at.saturating_add(len).min(input.len()));
        Self::spanning(what, input, at, &input[at..end], problem)
    }

    fn spanning(
        what: &'static str,
        input: &str,
        at: usize,
        fragment: &str,
        problem: impl Into<String>,
    ) -> Self {
        let fragment = match fragment.char_indices().nth(MAX_FRAGMENT_CHARS) {
            Some((cut, _)) => format!("{}...", &fragment[..cut]),
            None => fragment.to_owned(),
        };
        Self {
            what,
            offset: input[..at].chars().count(),
            fragment,
            problem: problem.into(),
        }
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_count_characters_and_fragments_stop_at_separators() {
        let input = "é, x12y:5";
        let err = ParseError::at("MySQL GTID set", input, 4, "expected a UUID");
        assert_eq!(err.offset, 3);
        assert_eq!(err.fragment, "x12y");
        assert_eq!(
            err.to_string(),
            "invalid MySQL GTID set at character 3: expected a UUID, found \"x12y\""
        );
    }

    #[test]
    fn long_fragments_are_cut_and_the_end_is_named() {
        let long = "a".repeat(100);
        let err = ParseError::at("GTID", &long, 0, "bad");
        assert_eq!(err.fragment, format!("{}...", "a".repeat(40)));
        let end = ParseError::at("GTID", "abc", 3, "expected a number");
        assert!(end.to_string().ends_with("found the end of the input"));
    }
}
