package specfile

import (
	"errors"
	"strings"
	"testing"

	"github.com/patchtrace/patchtrace/input"
)

func testEngine(ver int) *engine {
	e := &engine{tab: newMacroTable(), maxDepth: 64, budget: 1 << 24, rpmver: ver}
	e.installBuiltins()
	defs, _ := ParseMacroFile("<defaults>", []byte(defaultMacros))
	for _, d := range defs {
		e.define(d.Name, d.Opts, d.Parametric, d.Body, levelMacroFiles, 0)
	}
	return e
}

func TestMacroExpansion(t *testing.T) {
	cases := []struct{ in, want string }{
		{"%define x 1\n%x", "1"},
		{"%global y %{x}\n%define x 2\n%y", "2"},
		{"%define x 1\n%global y %{x}\n%undefine x\n%y-%{?x}", "1-"},
		{"%{?nope}|%{!?nope:no}|%{?nope:yes}|%{!?nope}", "|no||"},
		{"%define x v\n%{?x:set}|%{!?x:unset}|%{?x}", "set||v"},
		{"%%{x} 100%%", "%{x} 100%"},
		{"%unknown %{unknown}", "%unknown %{unknown}"},
		{"%define f(ab:) [%0|%#|%*|%**|%1|%2|%{-a}|%{-b}|%{-b*}|%{?-a:A}%{!?-c:C}]\n%f -a x -b val y", "[f|2|x y|-a x -b val y|x|y|-a|-b val|val|AC]"},
		{"%define g() <%1>\n%{g hello world}", "<hello>"},
		{"%define g() <%*>\n%g a b\nnext", "<a b>\nnext"},
		{"%{expr:1+2*3}|%[ 10 / 3 ]|%[ \"a\" + \"b\" ]|%[ v\"1.10\" > v\"1.9\" ]|%[ 0 ? 1 : 2 ]", "7|3|ab|1|2"},
		{"%define x 5\n%[%x + 1]|%{expr:%x}", "6|5"},
		{"%{defined x}%{undefined x}%define x 1\n%{defined x}", "011"},
		{"%{basename:/a/b/c.patch}|%{dirname:/a/b/c.patch}|%{suffix:c.tar.gz}|%{shrink:  a   b  }", "c.patch|/a/b|gz|a b"},
		{"%{shescape:it's}|%{url2path:https://x.org/a/b}|%{u2p:/c}", `'it'\''s'|/a/b|/c`},
		{"%{expand:%%define z 3}%z", "3"},
		{"%(echo 1.2_3 | sed 's,_,.,g')|%(echo ABC | tr A-Z a-z)|%(echo a.b.c | cut -d. -f2)", "1.2.3|abc|b"},
		{"%(rm -rf /)x", "x"},
		{"%{lua: print(1)}y", "y"},
		{"%dnl comment\nz", "z"},
		{"%{with foo}%bcond_without foo\n%{with foo}", "0\n1"},
		{"%define body {a\nb}\n%body", "a\nb"},
		{"%define cont a\\\nb\n%cont", "a\nb"},
		{"%define p(p:) %{-p:-p%{-p*}}\n%p -p1", "-p1"},
		{"%define n() %#:%1\n%n %{quote:a b} c", "2:a b"},
		{"%define n() %#\n%n %{quote:} c", "2"},
		{"%define p() %{-p:-p%{-p*}}\n%p -p1", ""},
	}
	for _, c := range cases {
		e := testEngine(418)
		got, err := e.expand(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		got = strings.TrimLeft(got, "\n")
		if got != c.want {
			t.Errorf("expand(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestMacroStringBuiltinsByVersion(t *testing.T) {
	in := "%{len:abc}|%{upper:ab}|%{lower:AB}|%{sub abcdef 2 4}|%{reverse:abc}|%{rep ab 3}"
	e := testEngine(419)
	got, _ := e.expand(in)
	if got != "3|AB|ab|bcd|cba|ababab" {
		t.Errorf("4.19: %q", got)
	}
	e = testEngine(418)
	got, _ = e.expand(in)
	if got != in {
		t.Errorf("4.18 has no string built-ins, got %q", got)
	}
}

func TestMacroLimits(t *testing.T) {
	e := testEngine(418)
	_, err := e.expand("%define a %a\n%a")
	if !errors.Is(err, ErrRecursion) {
		t.Errorf("recursion: %v", err)
	}
	e = testEngine(418)
	e.budget = 1000
	_, err = e.expand("%define a xxxxxxxxxx\n%define b %a%a%a%a%a%a%a%a%a%a\n%define c %b%b%b%b%b%b%b%b%b%b\n%c%c")
	if !errors.Is(err, input.ErrTooLarge) {
		t.Errorf("budget: %v", err)
	}
}

func TestExpressions(t *testing.T) {
	cases := []struct {
		in   string
		want string
		err  bool
	}{
		{"1 + 2 * 3", "7", false},
		{"(1 + 2) * 3", "9", false},
		{"-3 + 1", "-2", false},
		{"!0 && !1", "0", false},
		{"0 || 5", "5", false},
		{"3 && 4", "4", false},
		{`"a" < "b"`, "1", false},
		{`"abc" == "abc"`, "1", false},
		{`v"1.0~rc1" < v"1.0"`, "1", false},
		{`v"1:1.0" > v"2.0"`, "1", false},
		{`v"2.0-1" == v"2.0-1"`, "1", false},
		{"1 ? 2 : 3", "2", false},
		{"0 ? 2 : 1 ? 4 : 5", "4", false},
		{`1 == "1"`, "", true},
		{"1 / 0", "", true},
		{"0 && 1 / 0", "0", false},
		{"bare", "", true},
		{"1 +", "", true},
		{"(1", "", true},
		{`"unterminated`, "", true},
		{"1 = 1", "", true},
	}
	for _, c := range cases {
		v, err := evalExpr(c.in, nil, false)
		if c.err {
			if err == nil {
				t.Errorf("%q: no error, got %v", c.in, v)
			} else if !errors.Is(err, ErrExpression) {
				t.Errorf("%q: error %v does not wrap ErrExpression", c.in, err)
			}
			continue
		}
		if err != nil || v.String() != c.want {
			t.Errorf("%q = %v, %v; want %s", c.in, v, err, c.want)
		}
	}
}

func TestVercmp(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0", 0}, {"1.0", "2.0", -1}, {"1.10", "1.9", 1}, {"1.0a", "1.0", 1},
		{"1.0~rc1", "1.0", -1}, {"1.0^git1", "1.0", 1}, {"1.0^git1", "1.0.1", -1},
		{"001", "1", 0}, {"a", "1", -1}, {"1.0.", "1.0", 0},
	}
	for _, c := range cases {
		if got := vercmp(c.a, c.b); got != c.want {
			t.Errorf("vercmp(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestStaticShell(t *testing.T) {
	ok := map[string]string{
		"echo 2_5_0 | sed 's,_,.,g'":            "2.5.0",
		"echo -n abc":                           "abc",
		"echo 1.2.3 | sed -e 's/\\./-/' ":       "1-2.3",
		"echo 12345678abc | cut -c-8":           "12345678",
		"echo 1-2 | tr '-' '~'":                 "1~2",
		"echo x.yz | sed 's/\\(y\\)z/\\1\\1/g'": "x.yy",
	}
	for in, want := range ok {
		got, good := staticShell(in)
		if !good || got != want {
			t.Errorf("staticShell(%q) = %q, %v; want %q", in, got, good, want)
		}
	}
	for _, in := range []string{"touch x", "echo $(id)", "echo `id`", "echo a; rm x", "echo a > f", "echo a | sh", "echo \"$HOME\""} {
		if _, good := staticShell(in); good {
			t.Errorf("staticShell(%q) accepted", in)
		}
	}
}

func TestMacroTableOverBase(t *testing.T) {
	e := &engine{tab: &macroTable{m: map[string]*macroEntry{}, base: baseTable(418)}, maxDepth: 64, budget: 1 << 20, rpmver: 418}
	got, _ := e.expand("%{_sourcedir}|%define _sourcedir /x\n%{_sourcedir}|%undefine _sourcedir\n%{_sourcedir}|%undefine _sourcedir\n%{?_sourcedir}|%{basename:/a/b}")
	if got != "/builddir/build/SOURCES|/x|\n/builddir/build/SOURCES|\n|b" {
		t.Errorf("got %q", got)
	}
	// the shared base is untouched
	e2 := &engine{tab: &macroTable{m: map[string]*macroEntry{}, base: baseTable(418)}, maxDepth: 64, budget: 1 << 20, rpmver: 418}
	if got, _ := e2.expand("%{_sourcedir}"); got != "/builddir/build/SOURCES" {
		t.Errorf("base modified: %q", got)
	}
}
