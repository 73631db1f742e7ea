//! The expression grammar shared by Traefik v2/v3 rules and provider constraints (both go
//! through `vulcand/predicate`, which parses a Go expression):
//!
//! ```text
//! expr    := and { "||" and }          lowest precedence
//! and     := unary { "&&" unary }
//! unary   := { "!" } primary
//! primary := call | "(" expr ")"
//! call    := NAME { "." NAME } "(" [ STRING { "," STRING } [ "," ] ] ")"
//! ```
//!
//! Names are returned as written; which names exist is the caller's business.

use super::lexer::{Lexed, Token, tokens};
use crate::routing::error::{Position, RuleError, SyntaxProblem};

/// A parsed expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Node {
    All(Vec<Node>),
    Any(Vec<Node>),
    Not(Box<Node>),
    Call(Call),
}

/// `Name(args...)`, with where each part starts (byte offsets).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Call {
    pub name: String,
    pub at: usize,
    pub args: Vec<Arg>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Arg {
    pub value: String,
    pub at: usize,
}

/// Parses `text`; an empty (or blank) text is [`RuleError::Empty`].
pub(crate) fn parse(text: &str) -> Result<Node, RuleError> {
    let tokens = tokens(text)?;
    if tokens.first().is_none_or(|first| first.token == Token::End) {
        return Err(RuleError::Empty);
    }
    let mut parser = Parser {
        text,
        tokens,
        index: 0,
    };
    let node = parser.or()?;
    // One line break at the very end is fine, as it is for Go.
    let line_end_then_end = parser.tokens.get(parser.index + 1).map(|next| &next.token);
    if parser.peek() == &Token::LineEnd && line_end_then_end == Some(&Token::End) {
        parser.index += 1;
    }
    match parser.peek() {
        Token::End => Ok(node),
        _ => Err(parser.after_operand("'&&', '||' or the end of the rule", None)),
    }
}

struct Parser<'a> {
    text: &'a str,
    tokens: Vec<Lexed>,
    index: usize,
}

impl Parser<'_> {
    fn peek(&self) -> &Token {
        self.tokens
            .get(self.index)
            .map_or(&Token::End, |lexed| &lexed.token)
    }

    fn offset(&self) -> usize {
        self.tokens
            .get(self.index)
            .map_or(self.text.len(), |lexed| lexed.offset)
    }

    fn error_at(&self, offset: usize, problem: SyntaxProblem) -> RuleError {
        RuleError::Syntax {
            at: Position::locate(self.text, offset),
            problem,
        }
    }

    fn error(&self, problem: SyntaxProblem) -> RuleError {
        self.error_at(self.offset(), problem)
    }

    fn unexpected(&self, expected: &'static str) -> RuleError {
        match self.peek() {
            Token::Unsupported(operator) => {
                self.error(SyntaxProblem::UnsupportedOperator(operator.clone()))
            }
            Token::LineEnd => self.line_break(),
            found => self.error(SyntaxProblem::Unexpected {
                expected,
                found: found.describe(),
            }),
        }
    }

    /// What is wrong with the token after a complete operand; `open` is the offset of the `(`
    /// that should be closed here, if any.
    fn after_operand(&self, expected: &'static str, open: Option<usize>) -> RuleError {
        match (self.peek(), open) {
            (Token::End, Some(open)) => self.error_at(open, SyntaxProblem::UnclosedParenthesis),
            (Token::Close, None) => self.error(SyntaxProblem::UnmatchedParenthesis),
            _ => self.unexpected(expected),
        }
    }

    /// A line break where Go ends the expression, named by the token before it.
    fn line_break(&self) -> RuleError {
        let after = match self
            .index
            .checked_sub(1)
            .map(|index| &self.tokens[index].token)
        {
            Some(Token::Str(_)) => "a string".to_owned(),
            Some(token) => token.describe(),
            None => "the start".to_owned(),
        };
        self.error(SyntaxProblem::LineBreak(after))
    }

    fn or(&mut self) -> Result<Node, RuleError> {
        let mut alternatives = vec![self.and()?];
        while self.peek() == &Token::Or {
            self.index += 1;
            alternatives.push(self.and()?);
        }
        Ok(single_or(alternatives, Node::Any))
    }

    fn and(&mut self) -> Result<Node, RuleError> {
        let mut conjuncts = vec![self.unary()?];
        while self.peek() == &Token::And {
            self.index += 1;
            conjuncts.push(self.unary()?);
        }
        Ok(single_or(conjuncts, Node::All))
    }

    fn unary(&mut self) -> Result<Node, RuleError> {
        if self.peek() == &Token::Not {
            self.index += 1;
            return Ok(Node::Not(Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Node, RuleError> {
        match self.peek() {
            Token::Open => {
                let open = self.offset();
                self.index += 1;
                let node = self.or()?;
                if self.peek() != &Token::Close {
                    return Err(self.after_operand("'&&', '||' or ')'", Some(open)));
                }
                self.index += 1;
                Ok(node)
            }
            Token::Name(_) => self.call(),
            _ => Err(self.unexpected("a matcher, '!' or '('")),
        }
    }

    fn call(&mut self) -> Result<Node, RuleError> {
        let at = self.offset();
        let mut name = String::new();
        loop {
            match self.peek() {
                Token::Name(part) => name.push_str(part),
                _ => return Err(self.unexpected("a name after '.'")),
            }
            self.index += 1;
            if self.peek() != &Token::Dot {
                break;
            }
            name.push('.');
            self.index += 1;
        }
        if self.peek() != &Token::Open {
            return Err(self.unexpected("'(' and the arguments after a matcher name"));
        }
        let open = self.offset();
        self.index += 1;
        let mut args = Vec::new();
        loop {
            match self.peek() {
                Token::Close => break,
                Token::Str(value) => {
                    args.push(Arg {
                        value: value.clone(),
                        at: self.offset(),
                    });
                    self.index += 1;
                }
                Token::End => return Err(self.error_at(open, SyntaxProblem::UnclosedParenthesis)),
                found @ (Token::Name(_) | Token::Number(_) | Token::Open) => {
                    return Err(self.error(SyntaxProblem::NotAString(found.describe())));
                }
                _ => return Err(self.unexpected("a string argument")),
            }
            match self.peek() {
                Token::Comma => self.index += 1,
                Token::Close => break,
                Token::End => return Err(self.error_at(open, SyntaxProblem::UnclosedParenthesis)),
                _ => return Err(self.unexpected("',' or ')'")),
            }
        }
        self.index += 1;
        Ok(Node::Call(Call { name, at, args }))
    }
}

fn single_or(mut nodes: Vec<Node>, join: fn(Vec<Node>) -> Node) -> Node {
    if nodes.len() == 1 {
        nodes.remove(0)
    } else {
        join(nodes)
    }
}
