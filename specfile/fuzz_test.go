package specfile

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/patchtrace/patchtrace/input"
)

// FuzzParse: any input parses or fails with an *Error; never panics,
// hangs or grows without bound, and Bytes returns the input.
func FuzzParse(f *testing.F) {
	f.Add("Name: x\nVersion: 1\nRelease: 1%{?dist}\nPatch: a.patch\n%prep\n%autosetup -p1\n")
	f.Add("%define a() %{a %1}\n%{a 1}\n")
	f.Add("%if 0%{?rhel} >= 9 && \"%{x}\" == \"y\"\nPatch1: x\n%elif 1\n%else\n%endif\n")
	f.Add("%global v %(echo 1_2 | sed 's/_/./g')\nVersion: %v\n%patchlist\na\n%prep\n%patch -P 0 1 -p1 -R\npatch -p1 < %{PATCH0}\n")
	f.Add("%{lua: x}%[1?2:3]%{expr:v\"1\"<v\"2\"}%{sub abc 1 2}%{-x*}%**%#\\\n%{")
	f.Fuzz(func(t *testing.T, src string) {
		for _, ver := range []string{"4.14", "4.18", "4.20"} {
			start := time.Now()
			s, err := ParseBytes("f.spec", []byte(src), Options{Target: Target{RPMVersion: ver}, MaxExpansion: 1 << 22})
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("rpm %s: parse took %v", ver, d)
			}
			if err != nil {
				var pe *input.Error
				if !errors.As(err, &pe) || pe.Pos.File == "" {
					t.Fatalf("rpm %s: error %v is not an *Error with a file", ver, err)
				}
				continue
			}
			if string(s.Bytes()) != src {
				t.Fatal("Bytes() differs from input")
			}
		}
	})
}

// FuzzExpand: the macro engine terminates within its limits.
func FuzzExpand(f *testing.F) {
	for _, s := range []string{"%define a %b%b\n%define b %a\n%a", "%{?x:%{!?y:z}}", "%{expand:%%define q 1}%q", "%f -a -b c", "%{basename:/a/b}%{shescape:'}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e := testEngine(419)
		e.budget = 1 << 20
		out, err := e.expand(src)
		if err == nil && len(out) > 1<<20+len(src) {
			t.Fatalf("output %d bytes exceeds the budget", len(out))
		}
		if err != nil && !errors.Is(err, ErrRecursion) && !errors.Is(err, input.ErrTooLarge) {
			t.Fatalf("unexpected error %v", err)
		}
	})
}

// FuzzExpr: expressions evaluate or fail with ErrExpression.
func FuzzExpr(f *testing.F) {
	for _, s := range []string{"1 + 2 * (3 - 4)", `"a" == "a" && v"1.0" < v"1.1"`, "1 ? 2 : 3", "!-1", "lua:f(1, \"x\")"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 1<<16 {
			return
		}
		v, err := evalExpr(src, nil, false)
		if err != nil {
			if !errors.Is(err, ErrExpression) {
				t.Fatalf("error %v does not wrap ErrExpression", err)
			}
			return
		}
		_ = v.String()
		if strings.Count(src, "(") > 100000 {
			t.Fatal("unreachable")
		}
	})
}
