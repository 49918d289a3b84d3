//! [`Statements`]: the SQL of many rows gathered in one buffer.

use std::borrow::Cow;

/// SQL statements in one buffer, each followed by a line end: a transaction of many rows
/// grows one buffer instead of allocating a string per statement. The buffer holds bytes so
/// that what is ASCII by construction (numbers, dates, hex) is not checked again, and that a
/// logged statement keeps its bytes as its client sent them (in its own character set); what
/// is made here is UTF-8 (names made so when read, text values checked).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Statements {
    text: Vec<u8>,
    /// Where each statement ends in `text` (before its line end).
    ends: Vec<usize>,
}

impl Statements {
    /// Every statement, each followed by `\n`.
    pub fn text(&self) -> &[u8] {
        &self.text
    }

    /// [`Statements::text`] without the blanks at its end (line ends included), as
    /// `str::trim_end` would cut them.
    pub fn trimmed_text(&self) -> &[u8] {
        for i in (0..self.ends.len()).rev() {
            let start = self.start(i);
            let kept = String::from_utf8_lossy(&self.text[start..self.ends[i]])
                .trim_end()
                .len();
            if kept > 0 {
                return &self.text[..start + kept];
            }
        }
        &[]
    }

    fn start(&self, i: usize) -> usize {
        i.checked_sub(1)
            .map_or(0, |previous| self.ends[previous] + 1)
    }

    fn statement(&self, i: usize) -> &[u8] {
        &self.text[self.start(i)..self.ends[i]]
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = Cow<'_, str>> + '_ {
        (0..self.ends.len()).map(|i| String::from_utf8_lossy(self.statement(i)))
    }

    pub(crate) fn push(&mut self, statement: &str) {
        self.push_bytes(statement.as_bytes());
    }

    /// A statement as bytes: a logged statement, in the character set it was sent in.
    pub(crate) fn push_bytes(&mut self, statement: &[u8]) {
        self.text.extend_from_slice(statement);
        self.end_statement();
    }

    /// Appends the statement `write` writes; when it fails, nothing is appended.
    pub(crate) fn push_with<E>(
        &mut self,
        write: impl FnOnce(&mut Vec<u8>) -> Result<(), E>,
    ) -> Result<(), E> {
        let start = self.text.len();
        match write(&mut self.text) {
            Ok(()) => {
                self.end_statement();
                Ok(())
            }
            Err(err) => {
                self.text.truncate(start);
                Err(err)
            }
        }
    }

    /// Bytes it can hold without growing.
    pub(crate) fn capacity(&self) -> usize {
        self.text.capacity()
    }

    /// Empties it, keeping its memory.
    pub(crate) fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    fn end_statement(&mut self) {
        self.ends.push(self.text.len());
        self.text.push(b'\n');
    }

    /// The same statements, last first.
    pub(crate) fn reverse(&mut self) {
        let mut reversed = Self {
            text: Vec::with_capacity(self.text.len()),
            ends: Vec::with_capacity(self.ends.len()),
        };
        for i in (0..self.ends.len()).rev() {
            reversed.text.extend_from_slice(self.statement(i));
            reversed.end_statement();
        }
        *self = reversed;
    }
}
