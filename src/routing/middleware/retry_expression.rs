//! `buffering.retryExpression`: the predicate oxy's buffer replays a request by
//! (`vulcand/predicate` over oxy `buffer/retry.go`), as far as its documented functions go:
//! `Attempts()` (the first is 1), `ResponseCode()`, `IsNetworkError()` (the response is 502
//! or 504), `RequestMethod()`; integers and double-quoted strings; `==`, `!=`, `<`, `>`,
//! `<=`, `>=`; `&&`, `||`, `!` and parentheses. Anything else is refused with the reason,
//! rather than taken as something it is not.

use std::fmt;

/// A parsed expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryExpression {
    root: Expr,
}

/// What the expression is evaluated against, after an attempt.
#[derive(Clone, Copy, Debug)]
pub struct Facts<'a> {
    /// This attempt's number: 1 for the first.
    pub attempts: u32,
    pub response_code: u16,
    pub method: &'a str,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    IsNetworkError,
    Compare(Value, Op, Value),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Value {
    Attempts,
    ResponseCode,
    RequestMethod,
    Int(i64),
    Text(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Name(String),
    Int(i64),
    Text(String),
    Open,
    Close,
    Not,
    And,
    Or,
    Op(Op),
}

/// Why an expression was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpressionError(String);

impl fmt::Display for ExpressionError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

fn error<T>(reason: impl Into<String>) -> Result<T, ExpressionError> {
    Err(ExpressionError(reason.into()))
}

impl RetryExpression {
    pub fn parse(text: &str) -> Result<Self, ExpressionError> {
        let tokens = tokenize(text)?;
        let mut parser = Parser { tokens, at: 0 };
        let root = parser.or()?;
        match parser.tokens.get(parser.at) {
            None => Ok(RetryExpression { root }),
            Some(token) => error(format!("unexpected {token:?} after a complete expression")),
        }
    }

    pub fn matches(&self, facts: &Facts<'_>) -> bool {
        eval(&self.root, facts)
    }
}

fn eval(expr: &Expr, facts: &Facts<'_>) -> bool {
    match expr {
        Expr::Or(left, right) => eval(left, facts) || eval(right, facts),
        Expr::And(left, right) => eval(left, facts) && eval(right, facts),
        Expr::Not(inner) => !eval(inner, facts),
        Expr::IsNetworkError => matches!(facts.response_code, 502 | 504),
        Expr::Compare(left, op, right) => match (resolve(left, facts), resolve(right, facts)) {
            (Resolved::Int(a), Resolved::Int(b)) => compare(a.cmp(&b), *op),
            (Resolved::Text(a), Resolved::Text(b)) => compare(a.cmp(b), *op),
            // Refused when parsed; never reached.
            _ => false,
        },
    }
}

enum Resolved<'a> {
    Int(i64),
    Text(&'a str),
}

fn resolve<'a>(value: &'a Value, facts: &Facts<'a>) -> Resolved<'a> {
    match value {
        Value::Attempts => Resolved::Int(i64::from(facts.attempts)),
        Value::ResponseCode => Resolved::Int(i64::from(facts.response_code)),
        Value::RequestMethod => Resolved::Text(facts.method),
        Value::Int(number) => Resolved::Int(*number),
        Value::Text(text) => Resolved::Text(text),
    }
}

fn compare(ordering: std::cmp::Ordering, op: Op) -> bool {
    use std::cmp::Ordering::{Equal, Greater, Less};
    match op {
        Op::Eq => ordering == Equal,
        Op::Ne => ordering != Equal,
        Op::Lt => ordering == Less,
        Op::Gt => ordering == Greater,
        Op::Le => ordering != Greater,
        Op::Ge => ordering != Less,
    }
}

fn tokenize(text: &str) -> Result<Vec<Token>, ExpressionError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        let ch = chars[at];
        let next = chars.get(at + 1).copied();
        let two = |token| (token, 2);
        let (token, width) = match (ch, next) {
            (space, _) if space.is_whitespace() => {
                at += 1;
                continue;
            }
            ('(', _) => (Token::Open, 1),
            (')', _) => (Token::Close, 1),
            ('&', Some('&')) => two(Token::And),
            ('|', Some('|')) => two(Token::Or),
            ('=', Some('=')) => two(Token::Op(Op::Eq)),
            ('!', Some('=')) => two(Token::Op(Op::Ne)),
            ('<', Some('=')) => two(Token::Op(Op::Le)),
            ('>', Some('=')) => two(Token::Op(Op::Ge)),
            ('<', _) => (Token::Op(Op::Lt), 1),
            ('>', _) => (Token::Op(Op::Gt), 1),
            ('!', _) => (Token::Not, 1),
            ('"', _) => {
                let end = chars[at + 1..]
                    .iter()
                    .position(|&ch| ch == '"')
                    .ok_or_else(|| ExpressionError("a string is not closed".into()))?;
                let text: String = chars[at + 1..at + 1 + end].iter().collect();
                (Token::Text(text), end + 2)
            }
            (digit, _) if digit.is_ascii_digit() => {
                let len = chars[at..]
                    .iter()
                    .take_while(|ch| ch.is_ascii_digit())
                    .count();
                let digits: String = chars[at..at + len].iter().collect();
                let number = digits
                    .parse()
                    .map_err(|_| ExpressionError(format!("{digits} is too large")))?;
                (Token::Int(number), len)
            }
            (letter, _) if letter.is_ascii_alphabetic() => {
                let len = chars[at..]
                    .iter()
                    .take_while(|ch| ch.is_ascii_alphanumeric() || **ch == '_')
                    .count();
                (Token::Name(chars[at..at + len].iter().collect()), len)
            }
            (other, _) => return error(format!("unexpected character {other:?}")),
        };
        tokens.push(token);
        at += width;
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn take(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn or(&mut self) -> Result<Expr, ExpressionError> {
        let mut left = self.and()?;
        while self.peek() == Some(&Token::Or) {
            self.at += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, ExpressionError> {
        let mut left = self.unary()?;
        while self.peek() == Some(&Token::And) {
            self.at += 1;
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, ExpressionError> {
        match self.peek() {
            Some(Token::Not) => {
                self.at += 1;
                Ok(Expr::Not(Box::new(self.unary()?)))
            }
            Some(Token::Open) => {
                self.at += 1;
                let inner = self.or()?;
                match self.take() {
                    Some(Token::Close) => Ok(inner),
                    _ => error("a parenthesis is not closed"),
                }
            }
            _ => self.comparison(),
        }
    }

    fn comparison(&mut self) -> Result<Expr, ExpressionError> {
        let left = self.operand()?;
        let Some(Token::Op(op)) = self.peek().cloned() else {
            return match left {
                Operand::Bool => Ok(Expr::IsNetworkError),
                Operand::Value(value) => {
                    error(format!("{value:?} is not true or false: compare it"))
                }
            };
        };
        self.at += 1;
        let right = self.operand()?;
        match (left, right) {
            (Operand::Value(left), Operand::Value(right)) => {
                if is_text(&left) != is_text(&right) {
                    return error("a number is compared with a string");
                }
                if is_text(&left) && !matches!(op, Op::Eq | Op::Ne) {
                    return error("strings compare only with == and !=");
                }
                Ok(Expr::Compare(left, op, right))
            }
            _ => error("IsNetworkError() is true or false: it cannot be compared"),
        }
    }

    fn operand(&mut self) -> Result<Operand, ExpressionError> {
        match self.take() {
            Some(Token::Int(number)) => Ok(Operand::Value(Value::Int(number))),
            Some(Token::Text(text)) => Ok(Operand::Value(Value::Text(text))),
            Some(Token::Name(name)) => {
                if self.take() != Some(Token::Open) || self.take() != Some(Token::Close) {
                    return error(format!("{name} must be called with no arguments: {name}()"));
                }
                match name.as_str() {
                    "Attempts" => Ok(Operand::Value(Value::Attempts)),
                    "ResponseCode" => Ok(Operand::Value(Value::ResponseCode)),
                    "RequestMethod" => Ok(Operand::Value(Value::RequestMethod)),
                    "IsNetworkError" => Ok(Operand::Bool),
                    _ => error(format!(
                        "unknown function {name}(): Attempts, ResponseCode, IsNetworkError and RequestMethod are known"
                    )),
                }
            }
            Some(token) => error(format!("unexpected {token:?}")),
            None => error("the expression ends too early"),
        }
    }
}

enum Operand {
    Bool,
    Value(Value),
}

fn is_text(value: &Value) -> bool {
    matches!(value, Value::RequestMethod | Value::Text(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(attempts: u32, response_code: u16, method: &str) -> Facts<'_> {
        Facts {
            attempts,
            response_code,
            method,
        }
    }

    #[test]
    fn the_documented_expression_replays_a_network_error_once() {
        // Traefik v2.11 buffering doc: retryExpression=IsNetworkError() && Attempts() < 2
        let expression =
            RetryExpression::parse("IsNetworkError() && Attempts() < 2").expect("valid");
        assert!(expression.matches(&facts(1, 502, "GET")));
        assert!(expression.matches(&facts(1, 504, "GET")));
        assert!(
            !expression.matches(&facts(2, 502, "GET")),
            "the second 502 is delivered"
        );
        assert!(!expression.matches(&facts(1, 500, "GET")));
        assert!(!expression.matches(&facts(1, 200, "GET")));
    }

    #[test]
    fn comparisons_strings_negation_and_grouping() {
        let cases = [
            ("ResponseCode() == 503", facts(1, 503, "GET"), true),
            (
                "ResponseCode() >= 500 && ResponseCode() != 501",
                facts(1, 501, "GET"),
                false,
            ),
            (
                "RequestMethod() == \"GET\" && ResponseCode() > 499",
                facts(3, 500, "GET"),
                true,
            ),
            ("RequestMethod() != \"GET\"", facts(1, 500, "GET"), false),
            (
                "!IsNetworkError() || Attempts() <= 1",
                facts(1, 502, "GET"),
                true,
            ),
            (
                "!(IsNetworkError() || Attempts() <= 1)",
                facts(1, 502, "GET"),
                false,
            ),
            (
                "(Attempts() < 3) && IsNetworkError()",
                facts(2, 504, "PUT"),
                true,
            ),
            ("2 > Attempts()", facts(1, 200, "GET"), true),
        ];
        for (text, facts, expected) in cases {
            let expression = RetryExpression::parse(text).expect(text);
            assert_eq!(expression.matches(&facts), expected, "{text}");
        }
    }

    #[test]
    fn what_is_not_implemented_is_refused_with_a_reason() {
        let cases = [
            ("", "ends too early"),
            ("Attempts", "called with no arguments"),
            ("Attempts() <", "ends too early"),
            ("Attempts()", "not true or false"),
            ("RequestMethod() == 2", "number is compared with a string"),
            ("RequestMethod() < \"GET\"", "only with =="),
            ("IsNetworkError() == 1", "cannot be compared"),
            ("Foo() == 1", "unknown function Foo()"),
            ("Attempts() < 2 &", "unexpected character '&'"),
            ("(Attempts() < 2", "not closed"),
            ("Attempts() < 2 Attempts()", "after a complete expression"),
            ("RequestMethod() == \"GET", "not closed"),
        ];
        for (text, reason) in cases {
            let err = RetryExpression::parse(text).expect_err(text);
            assert!(err.to_string().contains(reason), "{text}: {err}");
        }
    }
}
