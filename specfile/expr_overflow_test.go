package specfile

import (
	"errors"
	"strings"
	"testing"
)

// TestExprOverflow: rpm's expression integers are C ints; a literal or a
// result outside them is an error (issue 14, item 6), never a wrapped or
// saturated value.
func TestExprOverflow(t *testing.T) {
	for _, in := range []string{
		"9223372036854775807+1",
		"99999999999999999999999999",
		"2147483648",
		"2147483647+1",
		"-2147483647-2",
		"65536*65536",
		"(-2147483647-1)/-1",
		"-(-2147483647-1)",
		"%{x}+1",
		"1/0", // rpm fails the parse on any bad %[...]: "can't parse"
	} {
		_, err := ParseBytes("o.spec", []byte("%define x 2147483648\nName: a\nVersion: %["+in+"]\n"), Options{})
		if !errors.Is(err, ErrExpression) {
			t.Errorf("%%[%s]: %v, want ErrExpression", in, err)
			continue
		}
		if msg := err.Error(); !strings.HasPrefix(msg, "o.spec:3: ") ||
			!strings.Contains(msg, "out of range") && !strings.Contains(msg, "overflow") && !strings.Contains(msg, "division by zero") {
			t.Errorf("%%[%s]: error %q lacks position or reason", in, err)
		}
	}
	for in, want := range map[string]string{
		"2147483647":        "2147483647",
		"-2147483647-1":     "-2147483648",
		"2147483647*1":      "2147483647",
		"-2147483648/1":     "", // 2147483648 is out of range even negated: rpm parses the literal first
		"0 && 65536*65536":  "0",
		"1 || 2147483647+1": "1",
	} {
		s, err := ParseBytes("o.spec", []byte("Name: a\nVersion: %["+in+"]\n"), Options{})
		if want == "" {
			if !errors.Is(err, ErrExpression) {
				t.Errorf("%%[%s]: %v, want ErrExpression", in, err)
			}
			continue
		}
		if err != nil || s.Version != want {
			t.Errorf("%%[%s] = %q, %v; want %s", in, s.Version, err, want)
		}
	}
}
