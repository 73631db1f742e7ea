//! Traefik v2/v3 router rules: a Go expression of matcher calls joined by `&&`, `||` and `!`
//! (`expr`), whose matchers depend on the rule syntax (`v3`, `v2`).
//!
//! As Traefik's `rules.CheckRule` does, every matcher needs at least one argument and no
//! argument may be empty; then the syntax checks its own argument counts and values.

pub(crate) mod expr;
mod lexer;
mod v2;
mod v3;
mod values;

use expr::{Arg, Call, Node};

use super::RuleSyntax;
use crate::routing::error::{MatcherProblem, Position, RuleError};
use crate::routing::rule::{Expr, Rule};

/// Parses a router rule in the given syntax.
pub fn parse_rule(text: &str, syntax: RuleSyntax) -> Result<Rule, RuleError> {
    let node = expr::parse(text)?;
    let expr = build(text, syntax, &node, false)?;
    Ok(Rule {
        expr,
        modifiers: Vec::new(),
    })
}

/// Turns the parsed tree into matchers, pushing `!` down to the leaves as Traefik's
/// `rules.invert` does, so `!(A || B)` is `!A && !B` and `!!A` is `A` (which keeps the hosts
/// and prefixes a route requires visible to the route index).
fn build(text: &str, syntax: RuleSyntax, node: &Node, negated: bool) -> Result<Expr, RuleError> {
    let join = |children: &[Node], all: bool| -> Result<Expr, RuleError> {
        let mut built = Vec::with_capacity(children.len());
        for child in children {
            match (build(text, syntax, child, negated)?, all) {
                (Expr::All(inner), true) | (Expr::Any(inner), false) => built.extend(inner),
                (other, _) => built.push(other),
            }
        }
        Ok(match (built.len(), all) {
            (1, _) => built.remove(0),
            (_, true) => Expr::All(built),
            (_, false) => Expr::Any(built),
        })
    };
    match node {
        Node::All(children) => join(children, !negated),
        Node::Any(children) => join(children, negated),
        Node::Not(child) => build(text, syntax, child, !negated),
        Node::Call(call) => {
            let leaf = leaf(text, syntax, call)?;
            Ok(if negated {
                Expr::Not(Box::new(leaf))
            } else {
                leaf
            })
        }
    }
}

fn leaf(text: &str, syntax: RuleSyntax, call: &Call) -> Result<Expr, RuleError> {
    let site = Site { text, call };
    let unknown = |known: String| RuleError::UnknownFunction {
        name: call.name.clone(),
        at: site.position(call.at),
        known,
    };
    match syntax {
        RuleSyntax::V3 => {
            let matcher = lookup(&v3::MATCHERS, &call.name)
                .ok_or_else(|| unknown(known_names(&v3::MATCHERS)))?;
            site.check_arguments()?;
            v3::build(matcher, &site)
        }
        RuleSyntax::V2 => {
            let matcher = lookup(&v2::MATCHERS, &call.name)
                .ok_or_else(|| unknown(known_names(&v2::MATCHERS)))?;
            site.check_arguments()?;
            v2::build(matcher, &site)
        }
    }
}

/// Traefik registers each matcher under four spellings: as written, lower case, upper case,
/// and lower case with the first letter upper case (`PathPrefix`, `pathprefix`, `PATHPREFIX`,
/// `Pathprefix`). Anything else, such as `pathPrefix`, is unknown.
fn lookup<M: Copy>(matchers: &[(&'static str, M)], written: &str) -> Option<M> {
    matchers.iter().find_map(|&(canonical, matcher)| {
        let lower = canonical.to_ascii_lowercase();
        let mut title = lower.clone();
        if let Some(first) = title.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        let spelled = [canonical, &lower, &canonical.to_ascii_uppercase(), &title];
        spelled.contains(&written).then_some(matcher)
    })
}

fn known_names<M>(matchers: &[(&'static str, M)]) -> String {
    let names: Vec<&str> = matchers.iter().map(|(name, _)| *name).collect();
    format!(
        "{}; each as written, in lower case, in upper case, or in lower case with a capital \
         first letter",
        names.join(", ")
    )
}

/// One matcher call being built, for errors that say where it is.
pub(super) struct Site<'a> {
    text: &'a str,
    call: &'a Call,
}

impl Site<'_> {
    fn position(&self, offset: usize) -> Position {
        Position::locate(self.text, offset)
    }

    fn args(&self) -> &[Arg] {
        &self.call.args
    }

    /// An error about the call as a whole, at its name.
    fn fail(&self, problem: MatcherProblem) -> RuleError {
        self.fail_at(self.call.at, problem)
    }

    /// An error about one argument, at that argument.
    fn fail_arg(&self, arg: &Arg, problem: MatcherProblem) -> RuleError {
        self.fail_at(arg.at, problem)
    }

    fn fail_at(&self, offset: usize, problem: MatcherProblem) -> RuleError {
        RuleError::BadMatcher {
            matcher: self.call.name.clone(),
            at: self.position(offset),
            problem: Box::new(problem),
        }
    }

    /// `rules.CheckRule`: at least one argument, none empty.
    fn check_arguments(&self) -> Result<(), RuleError> {
        if self.args().is_empty() {
            return Err(self.fail(MatcherProblem::NoArguments));
        }
        match self.args().iter().position(|arg| arg.value.is_empty()) {
            Some(index) => Err(self.fail_arg(
                &self.args()[index],
                MatcherProblem::EmptyArgument(index + 1),
            )),
            None => Ok(()),
        }
    }
}

/// One matcher with several arguments: any of them will do.
fn any_of(mut alternatives: Vec<Expr>) -> Expr {
    if alternatives.len() == 1 {
        alternatives.remove(0)
    } else {
        Expr::Any(alternatives)
    }
}

/// Several matchers that must all hold.
fn all_of(mut conjuncts: Vec<Expr>) -> Expr {
    if conjuncts.len() == 1 {
        conjuncts.remove(0)
    } else {
        Expr::All(conjuncts)
    }
}

#[cfg(test)]
#[path = "grammar_tests.rs"]
mod grammar_tests;
#[cfg(test)]
#[path = "index_tests.rs"]
mod index_tests;
#[cfg(test)]
#[path = "properties_tests.rs"]
mod properties_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
#[path = "v2_tests.rs"]
mod v2_tests;
#[cfg(test)]
#[path = "v3_docs_tests.rs"]
mod v3_docs_tests;
#[cfg(test)]
#[path = "v3_tests.rs"]
mod v3_tests;
