//! The CQL2 text encoding: a tokenizer and a recursive-descent parser.
//! Precedence, loosest first: `OR`, `AND`, `NOT`, predicates.

use geo::{
    Coord, Geometry, GeometryCollection, LineString, MultiLineString, MultiPoint, MultiPolygon,
    Point, Polygon, Rect,
};

use super::{CmpOp, Cql2Error, Expr, GEOMETRY_PROPERTY, MAX_DEPTH, Scalar};

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Quoted(String),
    Str(String),
    Num(f64),
    Sym(&'static str),
    End,
}

/// A token and the 1-based character position it starts at.
struct Token {
    tok: Tok,
    at: usize,
}

fn err(position: usize, message: impl Into<String>) -> Cql2Error {
    Cql2Error::Text {
        position,
        message: message.into(),
    }
}

fn tokenize(src: &str) -> Result<Vec<Token>, Cql2Error> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let at = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let tok = if c == '\'' || c == '"' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(err(at, format!("the {c}quoted text{c} is never closed"))),
                    Some(&q) if q == c && chars.get(i + 1) == Some(&c) => {
                        s.push(c);
                        i += 2;
                    }
                    Some(&q) if q == c => {
                        i += 1;
                        break;
                    }
                    Some(&other) => {
                        s.push(other);
                        i += 1;
                    }
                }
            }
            if c == '\'' {
                Tok::Str(s)
            } else {
                Tok::Quoted(s)
            }
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || chars[i] == '.'
                    || ((chars[i] == 'e' || chars[i] == 'E')
                        && chars
                            .get(i + 1)
                            .is_some_and(|d| d.is_ascii_digit() || *d == '-' || *d == '+'))
                    || ((chars[i] == '-' || chars[i] == '+') && matches!(chars[i - 1], 'e' | 'E')))
            {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            Tok::Num(
                text.parse()
                    .map_err(|_| err(at, format!("'{text}' is not a number")))?,
            )
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '.' | ':'))
            {
                i += 1;
            }
            Tok::Word(chars[start..i].iter().collect())
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let sym = match (two.as_str(), c) {
                ("<>", _) => "<>",
                ("<=", _) => "<=",
                (">=", _) => ">=",
                (_, '=') => "=",
                (_, '<') => "<",
                (_, '>') => ">",
                (_, '(') => "(",
                (_, ')') => ")",
                (_, ',') => ",",
                (_, '-') => "-",
                (_, '+') => "+",
                _ => return Err(err(at, format!("unexpected character '{c}'"))),
            };
            i += sym.len();
            Tok::Sym(sym)
        };
        out.push(Token { tok, at });
    }
    out.push(Token {
        tok: Tok::End,
        at: chars.len() + 1,
    });
    Ok(out)
}

/// Parses a CQL2 text expression.
pub fn parse_text(src: &str) -> Result<Expr, Cql2Error> {
    let mut p = Parser {
        toks: tokenize(src)?,
        i: 0,
        depth: 0,
    };
    let expr = p.or()?;
    match p.peek() {
        Tok::End => Ok(expr),
        other => Err(err(
            p.at(),
            format!(
                "expected the end of the filter or AND/OR, found {}",
                describe(other)
            ),
        )),
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Word(w) => format!("'{w}'"),
        Tok::Quoted(w) => format!("\"{w}\""),
        Tok::Str(s) => format!("the text '{s}'"),
        Tok::Num(n) => format!("the number {n}"),
        Tok::Sym(s) => format!("'{s}'"),
        Tok::End => "the end of the filter".into(),
    }
}

struct Parser {
    toks: Vec<Token>,
    i: usize,
    /// How many `(`, `NOT` and GEOMETRYCOLLECTION the parser is inside:
    /// bounded so that no filter can overflow the stack of the parser, of
    /// the evaluation or of dropping the tree.
    depth: usize,
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.i].tok
    }

    fn at(&self) -> usize {
        self.toks[self.i].at
    }

    fn next(&mut self) -> Tok {
        let t = self.toks[self.i].tok.clone();
        if self.i + 1 < self.toks.len() {
            self.i += 1;
        }
        t
    }

    fn keyword(&self, k: &str) -> bool {
        matches!(self.peek(), Tok::Word(w) if w.eq_ignore_ascii_case(k))
    }

    fn eat_keyword(&mut self, k: &str) -> bool {
        let yes = self.keyword(k);
        if yes {
            self.next();
        }
        yes
    }

    fn expect_sym(&mut self, s: &'static str) -> Result<(), Cql2Error> {
        if self.peek() == &Tok::Sym(s) {
            self.next();
            Ok(())
        } else {
            Err(err(
                self.at(),
                format!("expected '{s}', found {}", describe(self.peek())),
            ))
        }
    }

    fn or(&mut self) -> Result<Expr, Cql2Error> {
        let mut parts = vec![self.and()?];
        while self.eat_keyword("OR") {
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Expr, Cql2Error> {
        let mut parts = vec![self.not()?];
        while self.eat_keyword("AND") {
            parts.push(self.not()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::And(parts)
        })
    }

    /// Enters one level of nesting, refusing to go deeper than [`MAX_DEPTH`].
    fn descend(&mut self) -> Result<(), Cql2Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(err(
                self.at(),
                format!(
                    "the filter is nested more than {MAX_DEPTH} levels deep (parentheses, NOT and GEOMETRYCOLLECTION count)"
                ),
            ));
        }
        Ok(())
    }

    fn not(&mut self) -> Result<Expr, Cql2Error> {
        if self.keyword("NOT") {
            self.descend()?;
            self.next();
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        if self.peek() == &Tok::Sym("(") {
            self.descend()?;
            self.next();
            let inner = self.or()?;
            self.expect_sym(")")?;
            self.depth -= 1;
            return Ok(inner);
        }
        self.predicate()
    }

    fn predicate(&mut self) -> Result<Expr, Cql2Error> {
        if let Tok::Word(w) = self.peek() {
            let upper = w.to_ascii_uppercase();
            if upper == "S_INTERSECTS" {
                return self.spatial();
            }
            if upper.starts_with("S_") || upper.starts_with("T_") || upper.starts_with("A_") {
                return Err(err(
                    self.at(),
                    format!(
                        "the function {upper} is not supported; of the spatial functions planmap answers S_INTERSECTS"
                    ),
                ));
            }
        }
        let start = self.at();
        let left = self.scalar()?;
        if let Tok::Sym(s) = self.peek()
            && let Some(op) = CmpOp::from_symbol(s)
        {
            self.next();
            let right = self.scalar()?;
            return Ok(Expr::Compare(op, left, right));
        }
        let negated = self.eat_keyword("NOT");
        let expr = if self.eat_keyword("LIKE") {
            Expr::Like(left, self.scalar()?)
        } else if self.eat_keyword("BETWEEN") {
            let low = self.scalar()?;
            if !self.eat_keyword("AND") {
                return Err(err(
                    self.at(),
                    format!("expected AND in BETWEEN, found {}", describe(self.peek())),
                ));
            }
            Expr::Between(left, low, self.scalar()?)
        } else if self.eat_keyword("IN") {
            self.expect_sym("(")?;
            let mut list = vec![self.scalar()?];
            while self.peek() == &Tok::Sym(",") {
                self.next();
                list.push(self.scalar()?);
            }
            self.expect_sym(")")?;
            Expr::In(left, list)
        } else if !negated && self.eat_keyword("IS") {
            let not = self.eat_keyword("NOT");
            if !self.eat_keyword("NULL") {
                return Err(err(
                    self.at(),
                    format!("expected NULL after IS, found {}", describe(self.peek())),
                ));
            }
            let e = Expr::IsNull(left);
            return Ok(if not { Expr::Not(Box::new(e)) } else { e });
        } else if !negated && let Scalar::Bool(b) = left {
            return Ok(Expr::Bool(b));
        } else {
            return Err(err(
                if negated { self.at() } else { start },
                format!(
                    "expected a comparison (=, <>, <, >, <=, >=, LIKE, BETWEEN, IN, IS NULL), found {}",
                    describe(self.peek())
                ),
            ));
        };
        Ok(if negated {
            Expr::Not(Box::new(expr))
        } else {
            expr
        })
    }

    fn spatial(&mut self) -> Result<Expr, Cql2Error> {
        self.next();
        self.expect_sym("(")?;
        let first_at = self.at();
        let a = self.scalar()?;
        self.expect_sym(",")?;
        let b = self.scalar()?;
        self.expect_sym(")")?;
        match (a, b) {
            (Scalar::Property(p), Scalar::Geometry(g))
            | (Scalar::Geometry(g), Scalar::Property(p)) => Ok(Expr::intersects(p, g)),
            _ => Err(err(
                first_at,
                format!(
                    "S_INTERSECTS takes the geometry property ('{GEOMETRY_PROPERTY}') and a geometry literal"
                ),
            )),
        }
    }

    fn number(&mut self) -> Result<f64, Cql2Error> {
        let sign = match self.peek() {
            Tok::Sym("-") => {
                self.next();
                -1.0
            }
            Tok::Sym("+") => {
                self.next();
                1.0
            }
            _ => 1.0,
        };
        match self.next() {
            Tok::Num(n) => Ok(sign * n),
            other => {
                self.i -= 1;
                Err(err(
                    self.at(),
                    format!("expected a number, found {}", describe(&other)),
                ))
            }
        }
    }

    fn scalar(&mut self) -> Result<Scalar, Cql2Error> {
        let at = self.at();
        match self.peek().clone() {
            Tok::Str(s) => {
                self.next();
                Ok(Scalar::Text(s))
            }
            Tok::Num(_) | Tok::Sym("-") | Tok::Sym("+") => Ok(Scalar::Number(self.number()?)),
            Tok::Quoted(q) => {
                self.next();
                Ok(Scalar::Property(q))
            }
            Tok::Word(w) => {
                let upper = w.to_ascii_uppercase();
                match upper.as_str() {
                    "TRUE" | "FALSE" => {
                        self.next();
                        Ok(Scalar::Bool(upper == "TRUE"))
                    }
                    "DATE" | "TIMESTAMP" => {
                        self.next();
                        self.expect_sym("(")?;
                        let text_at = self.at();
                        let Tok::Str(s) = self.next() else {
                            return Err(err(
                                text_at,
                                format!("{upper} takes a quoted text, e.g. {upper}('2024-01-31')"),
                            ));
                        };
                        self.expect_sym(")")?;
                        let ms = if upper == "DATE" {
                            crate::time::parse_date(&s)
                        } else {
                            crate::time::parse_timestamp(&s)
                        };
                        ms.map(Scalar::Instant).ok_or_else(|| {
                            err(text_at, format!("'{s}' is not a valid {upper} (RFC 3339)"))
                        })
                    }
                    "POINT" | "MULTIPOINT" | "LINESTRING" | "MULTILINESTRING" | "POLYGON"
                    | "MULTIPOLYGON" | "GEOMETRYCOLLECTION" | "BBOX" => {
                        Ok(Scalar::Geometry(self.geometry()?))
                    }
                    "AND" | "OR" | "NOT" | "LIKE" | "BETWEEN" | "IN" | "IS" | "NULL" => Err(err(
                        at,
                        format!("expected a property or a value, found the keyword {upper}"),
                    )),
                    _ => {
                        self.next();
                        Ok(Scalar::Property(w))
                    }
                }
            }
            other => Err(err(
                at,
                format!("expected a property or a value, found {}", describe(&other)),
            )),
        }
    }

    fn geometry(&mut self) -> Result<Geometry, Cql2Error> {
        let Tok::Word(w) = self.next() else {
            unreachable!("called on a geometry keyword")
        };
        let kind = w.to_ascii_uppercase();
        // An optional Z after the type name: heights are read and dropped.
        self.eat_keyword("Z");
        self.expect_sym("(")?;
        let g = match kind.as_str() {
            "POINT" => Geometry::Point(Point(self.coord()?)),
            "LINESTRING" => Geometry::LineString(self.coords()?),
            "POLYGON" => Geometry::Polygon(self.polygon_body()?),
            "MULTIPOINT" => {
                let mut points = vec![];
                loop {
                    let wrapped = self.peek() == &Tok::Sym("(");
                    if wrapped {
                        self.next();
                    }
                    points.push(Point(self.coord()?));
                    if wrapped {
                        self.expect_sym(")")?;
                    }
                    if !self.comma() {
                        break;
                    }
                }
                Geometry::MultiPoint(MultiPoint(points))
            }
            "MULTILINESTRING" => {
                let mut lines = vec![];
                loop {
                    self.expect_sym("(")?;
                    lines.push(self.coords()?);
                    self.expect_sym(")")?;
                    if !self.comma() {
                        break;
                    }
                }
                Geometry::MultiLineString(MultiLineString(lines))
            }
            "MULTIPOLYGON" => {
                let mut polys = vec![];
                loop {
                    self.expect_sym("(")?;
                    polys.push(self.polygon_body()?);
                    self.expect_sym(")")?;
                    if !self.comma() {
                        break;
                    }
                }
                Geometry::MultiPolygon(MultiPolygon(polys))
            }
            "GEOMETRYCOLLECTION" => {
                self.descend()?;
                let mut parts = vec![];
                loop {
                    let at = self.at();
                    match self.scalar()? {
                        Scalar::Geometry(g) => parts.push(g),
                        _ => return Err(err(at, "expected a geometry inside GEOMETRYCOLLECTION")),
                    }
                    if !self.comma() {
                        break;
                    }
                }
                self.depth -= 1;
                Geometry::GeometryCollection(GeometryCollection(parts))
            }
            "BBOX" => {
                let at = self.at();
                let mut n = vec![self.number()?];
                while self.comma() {
                    n.push(self.number()?);
                }
                let (a, b) = match n.as_slice() {
                    [x0, y0, x1, y1] => ((*x0, *y0), (*x1, *y1)),
                    [x0, y0, _, x1, y1, _] => ((*x0, *y0), (*x1, *y1)),
                    _ => {
                        return Err(err(
                            at,
                            format!("BBOX takes 4 or 6 numbers, found {}", n.len()),
                        ));
                    }
                };
                Geometry::Rect(Rect::new(
                    Coord { x: a.0, y: a.1 },
                    Coord { x: b.0, y: b.1 },
                ))
            }
            _ => unreachable!("only geometry keywords reach here"),
        };
        self.expect_sym(")")?;
        Ok(g)
    }

    fn comma(&mut self) -> bool {
        let yes = self.peek() == &Tok::Sym(",");
        if yes {
            self.next();
        }
        yes
    }

    fn coord(&mut self) -> Result<Coord, Cql2Error> {
        let x = self.number()?;
        let y = self.number()?;
        if matches!(self.peek(), Tok::Num(_) | Tok::Sym("-")) {
            self.number()?;
        }
        Ok(Coord { x, y })
    }

    fn coords(&mut self) -> Result<LineString, Cql2Error> {
        let mut cs = vec![self.coord()?];
        while self.comma() {
            cs.push(self.coord()?);
        }
        Ok(LineString(cs))
    }

    fn ring(&mut self) -> Result<LineString, Cql2Error> {
        let at = self.at();
        self.expect_sym("(")?;
        let ring = self.coords()?;
        self.expect_sym(")")?;
        if ring.0.len() < 4 || ring.0.first() != ring.0.last() {
            return Err(err(
                at,
                "a polygon ring needs at least 4 positions, the last equal to the first",
            ));
        }
        Ok(ring)
    }

    fn polygon_body(&mut self) -> Result<Polygon, Cql2Error> {
        let exterior = self.ring()?;
        let mut holes = vec![];
        while self.comma() {
            holes.push(self.ring()?);
        }
        Ok(Polygon::new(exterior, holes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_puts_and_inside_or() {
        let e = parse_text("a = 1 OR b = 2 AND c = 3").unwrap();
        let Expr::Or(parts) = e else { panic!("{e:?}") };
        assert!(matches!(parts[1], Expr::And(_)));
    }

    #[test]
    fn a_parse_error_names_the_character_where_it_fails() {
        let e = parse_text("name = 'x' AND area >").unwrap_err();
        assert_eq!(
            e,
            Cql2Error::Text {
                position: 22,
                message: "expected a property or a value, found the end of the filter".into()
            }
        );
    }

    #[test]
    fn nesting_deeper_than_the_limit_is_refused_where_it_goes_too_deep() {
        let deep = format!("{}a = 1{}", "(".repeat(1_500), ")".repeat(1_500));
        let Err(Cql2Error::Text { position, message }) = parse_text(&deep) else {
            panic!("a 1,500-deep filter parsed")
        };
        assert_eq!(position, MAX_DEPTH + 1);
        assert!(message.contains("nested more than"), "{message}");
        let nots = format!("{}a = 1", "NOT ".repeat(10_000));
        assert!(parse_text(&nots).is_err());
        let collections = format!(
            "S_INTERSECTS(geometry, {}POINT(1 2){})",
            "GEOMETRYCOLLECTION(".repeat(500),
            ")".repeat(500)
        );
        assert!(parse_text(&collections).is_err());
        let within = format!("{}a = 1{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        parse_text(&within).expect("nesting at the limit parses");
    }

    #[test]
    fn wkt_literals_and_negative_numbers_parse() {
        for src in [
            "S_INTERSECTS(geometry, POINT(112.5 36.2))",
            "S_INTERSECTS(geometry, BBOX(112, 36, 113, 37))",
            "S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1, 0 0)))",
            "S_INTERSECTS(geometry, MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)),((2 2, 3 2, 3 3, 2 2))))",
            "S_INTERSECTS(geometry, MULTIPOINT((0 0), (1 1)))",
            "S_INTERSECTS(geometry, LINESTRING(-1 -1, 1 1))",
            "x BETWEEN -1.5e2 AND 3 AND y NOT IN ('a', 'b') AND z IS NOT NULL",
        ] {
            parse_text(src).unwrap_or_else(|e| panic!("{src}: {e}"));
        }
    }
}
