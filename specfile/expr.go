package specfile

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// exprKind is the type of an expression value.
type exprKind uint8

const (
	exprInt exprKind = iota
	exprString
	exprVersion
)

// exprValue is a value of rpm's expression language.
type exprValue struct {
	kind exprKind
	i    int
	s    string // string, or the version text
}

func (v exprValue) String() string {
	if v.kind == exprInt {
		return strconv.Itoa(v.i)
	}
	return v.s
}

func (v exprValue) bool() bool {
	switch v.kind {
	case exprInt:
		return v.i != 0
	case exprString:
		return v.s != ""
	}
	return true
}

const (
	tokEOF = iota
	tokInt
	tokString
	tokVersion
	tokAdd
	tokMinus
	tokMul
	tokDiv
	tokOpen
	tokClose
	tokEQ
	tokNE
	tokLT
	tokLE
	tokGT
	tokGE
	tokNot
	tokAnd
	tokOr
	tokCond
	tokAlt
	tokComma
	tokFunc
)

type exprParser struct {
	src     string
	p       int
	tok     int
	val     exprValue
	e       *engine // for macro expansion inside %[...] (may be nil)
	expand  bool
	discard int
	steps   int
	nest    int
}

// ExprError is returned for a malformed expression.
type exprError struct {
	expr string
	msg  string
}

func (x *exprError) Error() string {
	return fmt.Sprintf("%s: %s", x.msg, shorten(x.expr, 80))
}

func (x *exprError) Unwrap() error { return ErrExpression }

// evalExpr evaluates an rpm expression. With expand, macros inside the
// expression are expanded lazily as rpm does for %[...] and %{expr:...}.
func evalExpr(src string, e *engine, expand bool) (exprValue, error) {
	ps := &exprParser{src: src, e: e, expand: expand && e != nil}
	if err := ps.next(); err != nil {
		return exprValue{}, err
	}
	v, err := ps.ternary()
	if err != nil {
		return exprValue{}, err
	}
	if ps.tok != tokEOF {
		return exprValue{}, ps.errf("syntax error in expression")
	}
	return v, nil
}

// EvalCondition evaluates an %if condition (already macro-expanded, as rpm
// 4.18 does) and reports whether it is true.
func EvalCondition(expr string) (bool, error) {
	v, err := evalExpr(expr, nil, false)
	if err != nil {
		return false, err
	}
	return v.bool(), nil
}

func (ps *exprParser) errf(format string, args ...any) error {
	return &exprError{expr: ps.src, msg: fmt.Sprintf(format, args...)}
}

func (ps *exprParser) expandText(s string) string {
	if !ps.expand || ps.discard > 0 || s == "" {
		if ps.discard > 0 {
			return ""
		}
		return s
	}
	return ps.e.expandThis(s)
}

func (ps *exprParser) skipMacro(ts int) int {
	// ts is the index after '%'
	if ts < len(ps.src) && ps.src[ts] == '%' {
		return ts + 1
	}
	pe := findMacroEnd(ps.src, ts)
	if pe < 0 {
		return len(ps.src)
	}
	return pe
}

func (ps *exprParser) next() error {
	ps.steps++
	if ps.steps > 1<<20 {
		return ps.errf("expression too long")
	}
	s := ps.src
	p := ps.p
	for p < len(s) && isSpace(s[p]) {
		p++
	}
	if p >= len(s) {
		ps.tok, ps.p = tokEOF, p
		return nil
	}
	c := s[p]
	two := func(n byte) bool { return p+1 < len(s) && s[p+1] == n }
	tok := -1
	switch c {
	case '+':
		tok = tokAdd
	case '-':
		tok = tokMinus
	case '*':
		tok = tokMul
	case '/':
		tok = tokDiv
	case '(':
		tok = tokOpen
	case ')':
		tok = tokClose
	case '=':
		if !two('=') {
			return ps.errf("syntax error while parsing ==")
		}
		tok = tokEQ
		p++
	case '!':
		if two('=') {
			tok = tokNE
			p++
		} else {
			tok = tokNot
		}
	case '<':
		if two('=') {
			tok = tokLE
			p++
		} else {
			tok = tokLT
		}
	case '>':
		if two('=') {
			tok = tokGE
			p++
		} else {
			tok = tokGT
		}
	case '&':
		if !two('&') {
			return ps.errf("syntax error while parsing &&")
		}
		tok = tokAnd
		p++
	case '|':
		if !two('|') {
			return ps.errf("syntax error while parsing ||")
		}
		tok = tokOr
		p++
	case '?':
		tok = tokCond
	case ':':
		tok = tokAlt
	case ',':
		tok = tokComma
	}
	if tok >= 0 {
		ps.tok, ps.p = tok, p+1
		return nil
	}
	switch {
	case isDigit(c) || (c == '%' && ps.expand):
		ts := p
		for ts < len(s) {
			if s[ts] == '%' && ps.expand {
				ts = ps.skipMacro(ts + 1)
			} else if isDigit(s[ts]) {
				ts++
			} else {
				break
			}
		}
		text := ps.expandText(s[p:ts])
		if ps.discard > 0 {
			text = "0"
		}
		if ps.expand && !wellFormedInt(text) {
			if text != "" && isAlpha(text[0]) {
				return ps.errf("macro expansion returned a bare word, please use \"...\"")
			}
			return ps.errf("macro expansion did not return an integer")
		}
		n, err := strconv.ParseInt(strings.TrimLeft(text, "+"), 10, 32)
		if err != nil {
			return ps.errf("integer %s out of range (rpm's int: %d to %d)", shorten(text, 40), math.MinInt32, math.MaxInt32)
		}
		ps.tok, ps.val, ps.p = tokInt, exprValue{kind: exprInt, i: int(n)}, ts
		return nil
	case c == '"' || (c == 'v' && p+1 < len(s) && s[p+1] == '"'):
		kind := exprString
		if c == 'v' {
			kind = exprVersion
			p += 2
		} else {
			p++
		}
		ts := p
		for ts < len(s) && s[ts] != '"' {
			if s[ts] == '%' && ps.expand {
				ts = ps.skipMacro(ts+1) - 1
			}
			ts++
		}
		if ts >= len(s) {
			return ps.errf("unterminated string in expression")
		}
		text := ps.expandText(s[p:ts])
		if kind == exprVersion {
			if ps.discard > 0 {
				text = "0"
			}
			if !validVersion(text) {
				return ps.errf("invalid version")
			}
		}
		ps.tok, ps.val, ps.p = tokString, exprValue{kind: kind, s: text}, ts+1
		return nil
	case isAlpha(c):
		q := p + 1
		for q < len(s) && (isAlnum(s[q]) || s[q] == '_' || s[q] == '.' || s[q] == ':') {
			q++
		}
		if q < len(s) && s[q] == '(' {
			ps.tok, ps.val, ps.p = tokFunc, exprValue{kind: exprString, s: s[p:q]}, q+1
			return nil
		}
		return ps.errf("bare words are no longer supported, please use \"...\"")
	}
	return ps.errf("parse error in expression")
}

func wellFormedInt(s string) bool {
	s = strings.TrimPrefix(s, "-")
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// checkInt returns v, or an error when v is outside rpm's C int (32
// bits): rpm computes in int and silently wraps (or traps, for
// INT_MIN / -1); patchtrace refuses instead of guessing.
func (ps *exprParser) checkInt(v int, op string) (int, error) {
	if v < math.MinInt32 || v > math.MaxInt32 {
		return 0, ps.errf("integer overflow in %s (rpm's int: %d to %d)", op, math.MinInt32, math.MaxInt32)
	}
	return v, nil
}

// validVersion accepts what rpmverParse accepts: [epoch:]version[-release]
// with a non-empty version.
func validVersion(s string) bool {
	if s == "" {
		return false
	}
	if i := strings.IndexByte(s, ':'); i >= 0 {
		if !wellFormedInt(s[:i]) || i == 0 {
			return false
		}
		s = s[i+1:]
	}
	return s != "" && s[0] != '-'
}

func (ps *exprParser) primary() (exprValue, error) {
	switch ps.tok {
	case tokFunc:
		name := ps.val.s
		if err := ps.next(); err != nil {
			return exprValue{}, err
		}
		for ps.tok != tokClose {
			if _, err := ps.ternary(); err != nil {
				return exprValue{}, err
			}
			if ps.tok == tokClose {
				break
			}
			if ps.tok != tokComma {
				return exprValue{}, ps.errf("syntax error in expression")
			}
			if err := ps.next(); err != nil {
				return exprValue{}, err
			}
		}
		if err := ps.next(); err != nil {
			return exprValue{}, err
		}
		if ps.e != nil {
			ps.e.unresolved("lua", name+"(...)")
		}
		if strings.HasPrefix(name, "lua:") {
			return exprValue{kind: exprString}, nil
		}
		return exprValue{}, ps.errf("unsupported function %s", name)
	case tokOpen:
		if ps.nest++; ps.nest > 1000 {
			return exprValue{}, ps.errf("expression nested too deeply")
		}
		defer func() { ps.nest-- }()
		if err := ps.next(); err != nil {
			return exprValue{}, err
		}
		v, err := ps.ternary()
		if err != nil {
			return v, err
		}
		if ps.tok != tokClose {
			return v, ps.errf("unmatched (")
		}
		return v, ps.next()
	case tokInt, tokString:
		v := ps.val
		return v, ps.next()
	case tokMinus:
		if ps.nest++; ps.nest > 1000 {
			return exprValue{}, ps.errf("expression nested too deeply")
		}
		defer func() { ps.nest-- }()
		if err := ps.next(); err != nil {
			return exprValue{}, err
		}
		v, err := ps.primary()
		if err != nil {
			return v, err
		}
		if v.kind != exprInt {
			return v, ps.errf("- only on numbers")
		}
		v.i, err = ps.checkInt(-v.i, "negation")
		return v, err
	case tokNot:
		if ps.nest++; ps.nest > 1000 {
			return exprValue{}, ps.errf("expression nested too deeply")
		}
		defer func() { ps.nest-- }()
		if err := ps.next(); err != nil {
			return exprValue{}, err
		}
		v, err := ps.primary()
		if err != nil {
			return v, err
		}
		r := 0
		if !v.bool() {
			r = 1
		}
		return exprValue{kind: exprInt, i: r}, nil
	case tokEOF:
		return exprValue{}, ps.errf("unexpected end of expression")
	}
	return exprValue{}, ps.errf("syntax error in expression")
}

func (ps *exprParser) mulDiv() (exprValue, error) {
	v1, err := ps.primary()
	if err != nil {
		return v1, err
	}
	for ps.tok == tokMul || ps.tok == tokDiv {
		op := ps.tok
		if err := ps.next(); err != nil {
			return v1, err
		}
		v2, err := ps.primary()
		if err != nil {
			return v1, err
		}
		if v1.kind != v2.kind {
			return v1, ps.errf("types must match")
		}
		switch v1.kind {
		case exprInt:
			if ps.discard > 0 {
				continue
			}
			if op == tokDiv && v2.i == 0 {
				return v1, ps.errf("division by zero")
			}
			// operands are 32-bit, so a 64-bit int holds every result
			if op == tokMul {
				v1.i, err = ps.checkInt(v1.i*v2.i, "multiplication")
			} else {
				v1.i, err = ps.checkInt(v1.i/v2.i, "division")
			}
			if err != nil {
				return v1, err
			}
		case exprVersion:
			return v1, ps.errf("* and / not supported for versions")
		default:
			return v1, ps.errf("* and / not supported for strings")
		}
	}
	return v1, nil
}

func (ps *exprParser) addSub() (exprValue, error) {
	v1, err := ps.mulDiv()
	if err != nil {
		return v1, err
	}
	for ps.tok == tokAdd || ps.tok == tokMinus {
		op := ps.tok
		if err := ps.next(); err != nil {
			return v1, err
		}
		v2, err := ps.mulDiv()
		if err != nil {
			return v1, err
		}
		if v1.kind != v2.kind {
			return v1, ps.errf("types must match")
		}
		switch v1.kind {
		case exprInt:
			if ps.discard > 0 {
				continue
			}
			if op == tokAdd {
				v1.i, err = ps.checkInt(v1.i+v2.i, "addition")
			} else {
				v1.i, err = ps.checkInt(v1.i-v2.i, "subtraction")
			}
			if err != nil {
				return v1, err
			}
		case exprVersion:
			return v1, ps.errf("+ and - not supported for versions")
		default:
			if op == tokMinus {
				return v1, ps.errf("- not supported for strings")
			}
			if len(v1.s)+len(v2.s) > 1<<24 {
				return v1, ps.errf("string too long")
			}
			v1.s += v2.s
		}
	}
	return v1, nil
}

func (ps *exprParser) relational() (exprValue, error) {
	v1, err := ps.addSub()
	if err != nil {
		return v1, err
	}
	for ps.tok >= tokEQ && ps.tok <= tokGE {
		op := ps.tok
		if err := ps.next(); err != nil {
			return v1, err
		}
		v2, err := ps.addSub()
		if err != nil {
			return v1, err
		}
		if v1.kind != v2.kind {
			return v1, ps.errf("types must match")
		}
		var c int
		switch v1.kind {
		case exprInt:
			switch {
			case v1.i < v2.i:
				c = -1
			case v1.i > v2.i:
				c = 1
			}
		case exprVersion:
			c = compareEVR(v1.s, v2.s)
		default:
			c = strings.Compare(v1.s, v2.s)
		}
		r := false
		switch op {
		case tokEQ:
			r = c == 0
		case tokNE:
			r = c != 0
		case tokLT:
			r = c < 0
		case tokLE:
			r = c <= 0
		case tokGT:
			r = c > 0
		case tokGE:
			r = c >= 0
		}
		v1 = exprValue{kind: exprInt}
		if r {
			v1.i = 1
		}
	}
	return v1, nil
}

func (ps *exprParser) logical() (exprValue, error) {
	v1, err := ps.relational()
	if err != nil {
		return v1, err
	}
	for ps.tok == tokAnd || ps.tok == tokOr {
		op := ps.tok
		b1 := v1.bool()
		short := (op == tokAnd && !b1) || (op == tokOr && b1)
		if short {
			ps.discard++
		}
		err := ps.next()
		var v2 exprValue
		if err == nil {
			v2, err = ps.relational()
		}
		if short {
			ps.discard--
		}
		if err != nil {
			return v1, err
		}
		if v1.kind != v2.kind {
			return v1, ps.errf("types must match")
		}
		if !short {
			v1 = v2
		}
	}
	return v1, nil
}

func (ps *exprParser) ternary() (exprValue, error) {
	v1, err := ps.logical()
	if err != nil || ps.tok != tokCond {
		return v1, err
	}
	if ps.nest++; ps.nest > 1000 {
		return v1, ps.errf("expression nested too deeply")
	}
	defer func() { ps.nest-- }()
	cond := v1.bool()
	if !cond {
		ps.discard++
	}
	err = ps.next()
	if err == nil {
		v1, err = ps.ternary()
	}
	if !cond {
		ps.discard--
	}
	if err != nil {
		return v1, err
	}
	if ps.tok != tokAlt {
		return v1, ps.errf("syntax error in expression")
	}
	if cond {
		ps.discard++
	}
	err = ps.next()
	var v2 exprValue
	if err == nil {
		v2, err = ps.ternary()
	}
	if cond {
		ps.discard--
	}
	if err != nil {
		return v1, err
	}
	if v1.kind != v2.kind {
		return v1, ps.errf("types must match")
	}
	if cond {
		return v1, nil
	}
	return v2, nil
}
