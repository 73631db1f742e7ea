//! Provider constraints (`--providers.swarm.constraints` in Traefik v2/v3): which services a
//! provider exposes, decided on their labels by an expression in the rule grammar
//! (`pkg/provider/constraints/constraints_labels.go`):
//!
//! - `Label(`name`, `value`)`: the label equals `value` exactly; a missing label reads as "";
//! - `LabelRegex(`name`, `regex`)`: a Go regex found anywhere in the label's value;
//! - `&&`, `||`, `!` and parentheses; an empty expression accepts every service.
//!
//! The two names are exact (no other spellings) and empty arguments are allowed, as in
//! Traefik. One difference: Traefik compiles a `LabelRegex` regex on every evaluation and
//! treats an invalid one as false, so a typo silently hides services (or, under `!`, exposes
//! them); hawser rejects the expression when it is parsed.

use std::collections::BTreeMap;

use regex::Regex;

use super::error::{MatcherProblem, Position, RuleError};
use super::goregex;
use super::traefik_v3::rule::expr::{self, Call, Node};

/// A parsed constraints expression.
#[derive(Clone, Debug)]
pub struct Constraints {
    /// `None` for the empty expression.
    test: Option<Test>,
}

#[derive(Clone, Debug)]
enum Test {
    All(Vec<Test>),
    Any(Vec<Test>),
    Not(Box<Test>),
    Label { name: String, value: String },
    LabelRegex { name: String, regex: Regex },
}

/// Parses a constraints expression; blank text accepts everything.
pub fn parse_constraints(text: &str) -> Result<Constraints, RuleError> {
    let node = match expr::parse(text) {
        Err(RuleError::Empty) => return Ok(Constraints { test: None }),
        other => other?,
    };
    Ok(Constraints {
        test: Some(build(text, &node)?),
    })
}

impl Constraints {
    /// Whether a service with these labels is exposed.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.test.as_ref().is_none_or(|test| test.matches(labels))
    }
}

impl Test {
    fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let label = |name: &str| labels.get(name).map_or("", String::as_str);
        match self {
            Test::All(tests) => tests.iter().all(|test| test.matches(labels)),
            Test::Any(tests) => tests.iter().any(|test| test.matches(labels)),
            Test::Not(test) => !test.matches(labels),
            Test::Label { name, value } => label(name) == value,
            Test::LabelRegex { name, regex } => regex.is_match(label(name)),
        }
    }
}

fn build(text: &str, node: &Node) -> Result<Test, RuleError> {
    let all = |children: &[Node]| -> Result<Vec<Test>, RuleError> {
        children.iter().map(|child| build(text, child)).collect()
    };
    Ok(match node {
        Node::All(children) => Test::All(all(children)?),
        Node::Any(children) => Test::Any(all(children)?),
        Node::Not(child) => Test::Not(Box::new(build(text, child)?)),
        Node::Call(call) => function(text, call)?,
    })
}

fn function(text: &str, call: &Call) -> Result<Test, RuleError> {
    let at = |offset: usize| Position::locate(text, offset);
    let regex = match call.name.as_str() {
        "Label" => false,
        "LabelRegex" => true,
        _ => {
            return Err(RuleError::UnknownFunction {
                name: call.name.clone(),
                at: at(call.at),
                known: "Label, LabelRegex (exactly as written)".into(),
            });
        }
    };
    let [name, value] = call.args.as_slice() else {
        return Err(RuleError::BadMatcher {
            matcher: call.name.clone(),
            at: at(call.at),
            problem: Box::new(MatcherProblem::ArgumentCount {
                expected: "2 arguments",
                got: call.args.len(),
            }),
        });
    };
    let name = name.value.clone();
    if !regex {
        return Ok(Test::Label {
            name,
            value: value.value.clone(),
        });
    }
    let regex = goregex::compile(&value.value).map_err(|source| RuleError::BadMatcher {
        matcher: call.name.clone(),
        at: at(value.at),
        problem: Box::new(MatcherProblem::BadRegex {
            pattern: value.value.clone(),
            source,
        }),
    })?;
    Ok(Test::LabelRegex { name, regex })
}

#[cfg(test)]
#[path = "constraints_tests.rs"]
mod tests;
