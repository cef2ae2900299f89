//! State carried through one validation walk.
use super::{ValidateOptions, ValidationError};
use crate::load::python_inspect::{Answer, Query};
use std::collections::HashMap;

/// Where answers about Python modules come from.
pub enum Oracle {
    /// First walk: remember the question, assume the answer is fine.
    Recording(Vec<Query>),
    /// Second walk: the interpreter's answers.
    Answered(HashMap<Query, Answer>),
}

pub struct Ctx<'a> {
    pub opts: &'a ValidateOptions,
    pub warnings: Vec<String>,
    oracle: Oracle,
}

/// Result of one check.
pub type Check = Result<(), ValidationError>;

/// Stop with `message`.
pub fn fail<T>(message: impl Into<String>) -> Result<T, ValidationError> {
    Err(ValidationError::new(message))
}

impl<'a> Ctx<'a> {
    pub fn new(opts: &'a ValidateOptions, oracle: Oracle) -> Self {
        Self { opts, warnings: Vec::new(), oracle }
    }

    /// The answer to `query`; `None` while recording (treat as fine).
    pub fn ask(&mut self, query: Query) -> Option<Answer> {
        match &mut self.oracle {
            Oracle::Recording(queries) => {
                if !queries.contains(&query) {
                    queries.push(query);
                }
                None
            }
            Oracle::Answered(answers) => answers.get(&query).cloned(),
        }
    }

    /// The questions recorded so far (empty once answered).
    pub fn take_queries(&mut self) -> Vec<Query> {
        match &mut self.oracle {
            Oracle::Recording(queries) => std::mem::take(queries),
            Oracle::Answered(_) => Vec::new(),
        }
    }
}
