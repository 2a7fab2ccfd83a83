package specfile

import (
	"strings"
	"testing"
	"time"
)

func TestLuaGsub(t *testing.T) {
	cases := []struct {
		s, p, r string
		n       int
		want    string
		err     string
	}{
		{"hello world", "o", "0", -1, "hell0 w0rld", ""},
		{"hello world", "(%w+)", "<%1>", -1, "<hello> <world>", ""},
		{"hello world", "%w+", "%0 %0", 1, "hello hello world", ""},
		{"abc", "", "-", -1, "-a-b-c-", ""},
		{"abc", "^", "-", -1, "-abc", ""},
		{"THE (quick) fox", "%f[%a]%a+", "W", -1, "W (W) W", ""},
		{"x = f(a(b)c)d", "%b()", "", -1, "x = fd", ""},
		{"abc", "()", "%1", -1, "1a2b3c4", ""},
		{"abc", "%", "", -1, "", "malformed pattern (ends with '%')"},
		{"abc", "[a", "", -1, "", "malformed pattern (missing ']')"},
		{"abc", "(a", "", -1, "bc", ""},
		{"abc", "(a", "%1", -1, "", "unfinished capture"},
		{"abc", "a)", "", -1, "", "invalid pattern capture"},
		{"abc", "%1", "", -1, "", "invalid capture index %1"},
		{"abc", "a", "%2", -1, "", "invalid capture index %2"},
		{"abc", "a", "%z", -1, "", "invalid use of '%' in replacement string"},
		{"abc", "%bx", "", -1, "", "malformed pattern (missing arguments to '%b')"},
		{"abc", "%fa", "", -1, "", "missing '[' after '%f' in pattern"},
		{"abc", strings.Repeat("(", 33) + strings.Repeat(")", 33), "", -1, "", "too many captures"},
		{strings.Repeat("a", 300), strings.Repeat("a?", 300), "", -1, "", "pattern too complex"},
	}
	for _, c := range cases {
		n := c.n
		if n < 0 {
			n = len(c.s) + 1
		}
		got, _, err := luaGsub(c.s, c.p, c.r, n, defaultPatternSteps, 1<<20)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("gsub(%q, %q, %q): err %v, want %q", c.s, c.p, c.r, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("gsub(%q, %q, %q) = %q, %v; want %q", c.s, c.p, c.r, got, err, c.want)
		}
	}
}

// TestLuaGsubBudget: a pattern whose backtracking is polynomial of high
// degree stops at the step budget instead of running for hours.
func TestLuaGsubBudget(t *testing.T) {
	start := time.Now()
	_, _, err := luaGsub(strings.Repeat("a", 2000), strings.Repeat("a*", 20)+"b", "", 2001, defaultPatternSteps, 1<<20)
	if err != errPatternBudget {
		t.Fatalf("err = %v, want the budget error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	// the same in a spec: Unresolved with its line, the parse goes on
	spec := "Name: x\nVersion: %{gsub " + strings.Repeat("a", 500) + " " + strings.Repeat("a*", 12) + "b x}\nRelease: 1\n"
	s, err := ParseBytes("x.spec", []byte(spec), Options{Target: Target{RPMVersion: "4.20"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Unresolved) != 1 || s.Unresolved[0].Line != 2 || s.Unresolved[0].Kind != "lua" {
		t.Errorf("unresolved = %+v", s.Unresolved)
	}
	// the per-parse budget: many such calls cost no more than the cap
	var b strings.Builder
	b.WriteString("Name: x\nVersion: 1\nRelease: 1\n")
	for i := 0; i < 200; i++ {
		b.WriteString("%global v" + strings.Repeat("x", i%7+3) + " %{gsub " + strings.Repeat("a", 400) + " " + strings.Repeat("a*", 12) + "b x}\n")
	}
	start = time.Now()
	if _, err := ParseBytes("x.spec", []byte(b.String()), Options{Target: Target{RPMVersion: "4.20"}}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("200 hostile calls took %v", d)
	}
}

// TestStringBuiltinsByVersion: the string built-ins exist from rpm 4.19;
// before, rpm leaves the calls literal. %shescape is 4.18's.
func TestStringBuiltinsByVersion(t *testing.T) {
	spec := "Name: ocaml-foo\n%global upver 1.2.3~rc1\nVersion: %{gsub %{upver} ~ _}\nRelease: %{len:%{name}}\nSummary: %{shescape:it's}\n"
	for _, c := range []struct{ ver, version, release, summary string }{
		{"4.20", "1.2.3_rc1", "9", `'it'\''s'`},
		{"4.19", "1.2.3_rc1", "9", `'it'\''s'`},
		{"4.18", "%{gsub 1.2.3~rc1 ~ _}", "%{len:ocaml-foo}", `'it'\''s'`},
		{"4.16", "%{gsub 1.2.3~rc1 ~ _}", "%{len:ocaml-foo}", "%{shescape:it's}"},
	} {
		s, err := ParseBytes("x.spec", []byte(spec), Options{Target: Target{RPMVersion: c.ver}})
		if err != nil {
			t.Fatal(err)
		}
		var summary string
		for _, tg := range s.Tags {
			if tg.Name == "Summary" {
				summary = tg.Value
			}
		}
		if s.Version != c.version || s.Release != c.release || summary != c.summary {
			t.Errorf("rpm %s: version %q release %q summary %q", c.ver, s.Version, s.Release, summary)
		}
	}
}

func TestLuaToInteger(t *testing.T) {
	for in, want := range map[string]int64{"7": 7, " -7 ": -7, "+3": 3, "0x10": 16, "0X1f": 31, "2.0": 2, "1e2": 100, "0x1p4": 16, "0x1.8p1": 3,
		"0xffffffffffffffff": -1, "9223372036854775807": 9223372036854775807, "-9223372036854775808": -9223372036854775808} {
		v, isNum, isInt := luaToInteger(in)
		if !isNum || !isInt || v != want {
			t.Errorf("luaToInteger(%q) = %d, %v, %v; want %d", in, v, isNum, isInt, want)
		}
	}
	for in, num := range map[string]bool{"": false, "x": false, "inf": false, "nan": false, "1_0": false, "0x": false, "-": false,
		"2.5": true, "1e300": true, "9223372036854775808": true} {
		if _, isNum, isInt := luaToInteger(in); isInt || isNum != num {
			t.Errorf("luaToInteger(%q): number %v integer %v", in, isNum, isInt)
		}
	}
}

func FuzzLuaGsub(f *testing.F) {
	f.Add("hello world", "(%w+)%s*", "%1-")
	f.Add("f(a(b)c)d", "%b()", "%0%0")
	f.Add("aaa", "%f[%w]a-$", "%%")
	f.Fuzz(func(t *testing.T, s, p, r string) {
		out, _, err := luaGsub(s, p, r, len(s)+1, 1<<16, 1<<16)
		if err == nil && len(out) > 1<<16 {
			t.Fatalf("output %d bytes over the cap", len(out))
		}
	})
}
