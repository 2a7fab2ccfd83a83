package specfile

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/patchtrace/patchtrace/input"
)

// rpm 4.19's string built-ins (%gsub, %len, %lower, %rep, %reverse, %sub,
// %upper) are macro.c's doString: `return (string.NAME(table.unpack(arg)))`
// run in rpm's Lua with the macro's arguments as strings. They are
// evaluated here in Go with Lua 5.4's semantics (byte strings, C-locale
// case mapping, Lua's string-to-integer coercion, its pattern matching
// from luapattern.go). Lua errors become warnings, as rpm fails the
// expansion; a pattern that exceeds the step budget is reported
// Unresolved.

// maxPatternSteps bounds the pattern-matching steps of all the %gsub
// calls of one parse (see defaultPatternSteps for one call).
const maxPatternSteps = 1 << 24

// luaStringFunc is one of Lua's string functions over string arguments.
type luaStringFunc func(e *engine, args []string) (string, error)

// luaStringFuncs are the string functions rpm 4.19 exposes as built-ins.
var luaStringFuncs = map[string]luaStringFunc{
	"len": func(e *engine, a []string) (string, error) {
		return strconv.Itoa(len(a[0])), nil
	},
	"upper": func(e *engine, a []string) (string, error) {
		return mapBytes(a[0], cToUpper), nil
	},
	"lower": func(e *engine, a []string) (string, error) {
		return mapBytes(a[0], cToLower), nil
	},
	"reverse": func(e *engine, a []string) (string, error) {
		b := []byte(a[0])
		for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
			b[i], b[j] = b[j], b[i]
		}
		return string(b), nil
	},
	"sub":  luaSub,
	"rep":  luaRep,
	"gsub": luaGsubFunc,
}

// mapBytes applies f to every byte of s (Lua's toupper/tolower loop).
func mapBytes(s string, f func(byte) byte) string {
	b := []byte(s)
	for i, c := range b {
		b[i] = f(c)
	}
	return string(b)
}

// luaSub is string.sub(s, i [, j]).
func luaSub(e *engine, a []string) (string, error) {
	s := a[0]
	l := int64(len(s))
	i, err := luaCheckInteger("sub", a, 2)
	if err != nil {
		return "", err
	}
	j, err := luaOptInteger("sub", a, 3, -1)
	if err != nil {
		return "", err
	}
	// posrelatI
	switch {
	case i > 0:
	case i == 0 || i < -l:
		i = 1
	default:
		i = l + i + 1
	}
	// getendpos
	switch {
	case j > l:
		j = l
	case j >= 0:
	case j < -l:
		j = 0
	default:
		j = l + j + 1
	}
	if i > j {
		return "", nil
	}
	return s[i-1 : j], nil
}

// luaRep is string.rep(s, n [, sep]).
func luaRep(e *engine, a []string) (string, error) {
	n, err := luaCheckInteger("rep", a, 2)
	if err != nil {
		return "", err
	}
	sep := ""
	if len(a) > 2 {
		sep = a[2]
	}
	if n <= 0 {
		return "", nil
	}
	unit := int64(len(a[0]) + len(sep))
	if unit > 0 && n > int64(e.budget)/unit+1 {
		e.fail(input.ErrTooLarge)
		return "", nil
	}
	var b strings.Builder
	b.Grow(int(n * unit))
	for k := int64(0); k < n; k++ {
		if k > 0 {
			b.WriteString(sep)
		}
		b.WriteString(a[0])
	}
	return b.String(), nil
}

// luaGsubFunc is string.gsub(s, pattern, repl [, n]) with a string repl.
func luaGsubFunc(e *engine, a []string) (string, error) {
	if len(a) < 2 {
		return "", luaArgError("gsub", 2, "string expected, got no value")
	}
	if len(a) < 3 {
		return "", luaArgError("gsub", 3, "string/function/table expected, got no value")
	}
	maxN, err := luaOptInteger("gsub", a, 4, int64(len(a[0])+1))
	if err != nil {
		return "", err
	}
	steps := min(defaultPatternSteps, maxPatternSteps-e.patternSteps)
	out, used, err := luaGsub(a[0], a[1], a[2], int(max(min(maxN, math.MaxInt32), math.MinInt32)), steps, max(e.budget, 0))
	e.patternSteps += used
	return out, err
}

func luaArgError(fn string, arg int, msg string) error {
	return &luaError{"bad argument #" + strconv.Itoa(arg) + " to '" + fn + "' (" + msg + ")"}
}

// luaCheckInteger is luaL_checkinteger on the Lua argument n (1-based).
func luaCheckInteger(fn string, a []string, n int) (int64, error) {
	if n > len(a) {
		return 0, luaArgError(fn, n, "number expected, got no value")
	}
	v, isNum, isInt := luaToInteger(a[n-1])
	switch {
	case !isNum:
		return 0, luaArgError(fn, n, "number expected, got string")
	case !isInt:
		return 0, luaArgError(fn, n, "number has no integer representation")
	}
	return v, nil
}

// luaOptInteger is luaL_optinteger: def when the argument is absent.
func luaOptInteger(fn string, a []string, n int, def int64) (int64, error) {
	if n > len(a) {
		return def, nil
	}
	return luaCheckInteger(fn, a, n)
}

// luaToInteger converts a string as Lua 5.4 does when a string stands for
// an integer argument (lua_stringtonumber, then a float with an exact
// integer value): surrounding whitespace, a sign, decimal or 0x hex
// integers (hex wraps around), decimal or hex floats; "inf" and "nan" are
// not numbers.
func luaToInteger(s string) (v int64, isNum, isInt bool) {
	t := strings.TrimFunc(s, func(r rune) bool { return r < 0x80 && cIsSpace(byte(r)) })
	if t == "" {
		return 0, false, false
	}
	if v, ok := luaStr2Int(t); ok {
		return v, true, true
	}
	if strings.ContainsAny(t, "nN_") {
		return 0, false, false
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		if g, ok := luaHexFloat(t); ok {
			f, err = g, nil
		} else {
			return 0, false, false
		}
	}
	if math.IsInf(f, 0) || f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 {
		return 0, true, false
	}
	return int64(f), true, true
}

// luaStr2Int is lobject.c's l_str2int on a trimmed string.
func luaStr2Int(t string) (int64, bool) {
	neg := false
	switch t[0] {
	case '-':
		neg = true
		t = t[1:]
	case '+':
		t = t[1:]
	}
	if t == "" {
		return 0, false
	}
	var a uint64
	if len(t) > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') {
		for _, c := range []byte(t[2:]) {
			var d byte
			switch {
			case cIsDigit(c):
				d = c - '0'
			case c >= 'a' && c <= 'f':
				d = c - 'a' + 10
			case c >= 'A' && c <= 'F':
				d = c - 'A' + 10
			default:
				return 0, false
			}
			a = a*16 + uint64(d) // wraps around, as Lua
		}
	} else {
		for _, c := range []byte(t) {
			if !cIsDigit(c) {
				return 0, false
			}
			d := uint64(c - '0')
			if a >= math.MaxInt64/10 && (a > math.MaxInt64/10 || d > math.MaxInt64%10+b2u(neg)) {
				return 0, false // overflow: Lua reads it as a float
			}
			a = a*10 + d
		}
	}
	if neg {
		return int64(-a), true
	}
	return int64(a), true
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// luaHexFloat reads a hex float without a binary exponent ("0x1.8"),
// which strtod accepts and strconv.ParseFloat does not.
func luaHexFloat(t string) (float64, bool) {
	u := strings.TrimLeft(t, "+-")
	if len(u) < 3 || u[0] != '0' || (u[1] != 'x' && u[1] != 'X') || strings.ContainsAny(u, "pP") {
		return 0, false
	}
	f, err := strconv.ParseFloat(t+"p0", 64)
	return f, err == nil
}

// biString is the built-in for the Lua string function named me.name.
func biString(e *engine, b *obuf, me *macroEntry, args []string, rest string, hasRest bool) int {
	f := luaStringFuncs[me.name]
	a := args[1:]
	out, err := f(e, a)
	var le *luaError
	switch {
	case e.fatal != nil:
		return 0
	case errors.As(err, &le):
		e.warn("lua script failed: [string \"%s\"]:1: %s", me.name, le.msg)
		return 0
	case errors.Is(err, errPatternBudget):
		e.unresolved("lua", "%{"+me.name+" "+strings.Join(a, " ")+"}")
		return 0
	case errors.Is(err, input.ErrTooLarge):
		e.fail(input.ErrTooLarge)
		return 0
	case err != nil:
		e.warn("%%%s: %v", me.name, err)
		return 0
	}
	if e.spend(len(out)) {
		b.writeString(out)
	}
	return 0
}
