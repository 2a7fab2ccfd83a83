package specfile

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/patchtrace/patchtrace/internal/testenv"
)

// newerRPM returns a command that runs rpm in the Debian chroot of suite
// (rpm 4.19+ has the string built-ins Debian's 4.18 lacks).
func newerRPM(t *testing.T, suite string) func(args ...string) *exec.Cmd {
	t.Helper()
	dir := testenv.RPMChroot(t, suite)
	return func(args ...string) *exec.Cmd {
		return testenv.ChrootCommand(context.Background(), dir, "rpm", args...)
	}
}

// engineEval expands expr as rpm of version ver would, without rpm.
func engineEval(ver, expr string) (out string, warns []Warning, unres []Unresolved) {
	p := newParser("", nil, Options{Target: Target{RPMVersion: ver}})
	out, _ = p.e.expand(expr)
	return out, p.spec.Warnings, p.spec.Unresolved
}

// stringBuiltinCases are hand-written calls of the string built-ins: the
// forms Fedora specs use, rpm's own test suite's calls, Lua's edge cases.
var stringBuiltinCases = []string{
	"%{sub cd6317ba61e6c27b92d6bbdf2702094ff3c0c732 1 7}",
	"%sub cd6317ba61e6c27b92d6bbdf2702094ff3c0c732 7 -7",
	"%{sub cd6317ba61e6c27b92d6bbdf2702094ff3c0c732 -7}",
	"%{sub abc 0}", "%{sub abc -10 -2}", "%{sub abc 2 100}", "%{sub abc 3 2}", "%{sub abc 0x2}",
	"%{sub abc 2.0}", "%{sub abc 2.5}", "%{sub abc x}", "%{sub abc}", "%{sub:abc 1 2}", "%{sub abc 1e0 2}",
	"%{sub abc -0}", "%{sub abc 9223372036854775807}", "%{sub abc -9223372036854775808 1}",
	"%{sub abc 99999999999999999999}", "%{sub h\xc3\xa9llo 2 3}",
	"%{len cd6317ba61e6c27b92d6bbdf2702094ff3c0c732}", "%{len:}", "%{len:h\xc3\xa9}", "%{len a b}", "%{len:a b}",
	"%{upper abba}", "%{upper:h\xc3\xa9llo W0rld}", "%{lower Beatles}", "%{lower:\xc3\x89T\xc3\xa9}",
	"%{rep ai 2}", "%{rep ai 2 -}", "%{rep ai 0}", "%{rep ai -1}", "%{rep ai 1 ,}", "%{rep:ai}", "%{rep ai}",
	"%{reverse live}", "%{reverse a'b}", "%{reverse a\"b}", "%{reverse:h\xc3\xa9}",
	"%{gsub aaa a b 2}", "%{gsub aaa a b 0}", "%{gsub aaa a b -1}", "%{gsub aaa a b x}",
	"%{gsub 1.2.3 %%. _}", "%{gsub 1.2.3~rc1 ~ -}",
	"%{gsub 3.14.2 ^(%%d*%%.%%d*)%%..*$ %%1}",
	"%{gsub ocaml-mccs ^ocaml-(.*)$ %%1}",
	"%{gsub a,b,c %{quote:,} %{quote: }}",
	"%{gsub:aaa}", "%{gsub aaa a}", "%{gsub abc %%w %%0%%0}", "%{gsub abc %%w %%1}", "%{gsub abc %%w %%2}",
	"%{gsub abc (%%w) %%2}", "%{gsub abc %%w %%}", "%{gsub abc %%w %%x}", "%{gsub abc %%w %%%%}",
	"%{gsub abc () [%%1]}", "%{gsub abc ()b() %%1-%%2}", "%{gsub abc x* -}", "%{gsub abc .- -}",
	"%{gsub hello_world %%f[%%w]%%w+ W}", "%{gsub THE(quick)fox %%f[%%a]%%a+ X}",
	"%{gsub f(a(b)c)d %%b() X}", "%{gsub f(a(b)c %%b() X}", "%{gsub abc %%b( X}",
	"%{gsub abc [ X}", "%{gsub abc [a X}", "%{gsub abc %% X}", "%{gsub abc ( X}", "%{gsub abc ) X}",
	"%{gsub abc (()) X}", "%{gsub a]b []] X}", "%{gsub a]b [^]] X}", "%{gsub a-b [a-] X}", "%{gsub a-b [%%-] X}",
	"%{gsub abcabc (a)(b)c%%1%%2 X}", "%{gsub abab (ab)%%1 X}", "%{gsub abab %%1 X}", "%{gsub abab (a%%1) X}",
	"%{gsub aaa ^a X}", "%{gsub aaa a$ X}", "%{gsub a$a $a X}", "%{gsub a^a a^ X}", "%{gsub aaa ^ X}", "%{gsub aaa $ X}",
	"%{gsub aaa %%f[a] X}", "%{gsub aaa %%f[^a] X}", "%{gsub aaa %%fa X}", "%{gsub abc .? X}", "%{gsub abc a?b?c?d? X}",
	"%{gsub x1y22z333 %%d+ N}", "%{gsub x1y22z333 %%d- N}", "%{gsub x1y22z333 %%D+ N}", "%{gsub A-b_C.9 %%p X}",
	"%{gsub A-b_C.9 %%u X}", "%{gsub A-b_C.9 %%l X}", "%{gsub A-b_C.9 %%x X}", "%{gsub A-b_C.9 %%g X}", "%{gsub A-b_C.9 %%c X}",
	"%{gsub A-b_C.9 [%%a_] X}", "%{gsub A-b_C.9 [^%%a_] X}", "%{gsub A-b_C.9 [b-C] X}", "%{gsub A-b_C.9 [C-b] X}",
	"%{gsub h\xc3\xa9llo %%a X}", "%{gsub h\xc3\xa9llo [\xc3\xa9] X}", "%{gsub h\xc3\xa9llo . X}",
	"%{gsub 1.2 %%. %%0%%0 1}", "%{gsub ab (a)(b) %%2%%1}", "%{gsub ab (a(b)) %%2%%1}",
	"%{gsub %{rep a 300} (a*)b X}", "%{gsub %{rep ab 40} ((a)(b)) %%3}",
}

// genGsubCases makes n random %gsub calls from pattern pieces, subjects
// and replacements, for differential testing against rpm.
func genGsubCases(n int) []string {
	r := rand.New(rand.NewPCG(13, 419))
	items := []string{".", "%%d", "%%a", "%%w", "%%p", "%%x", "%%u", "%%l", "%%D", "%%W", "%%S",
		"[ab]", "[^a]", "[a-c]", "[%%d.]", "[^%%w]", "a", "b", "1", "%%.", "%%-", "-", "%%b()", "%%f[%%w]", "%%f[%%W]", "%%1"}
	quant := []string{"", "", "", "*", "+", "-", "?"}
	subjects := []byte("ab1.-()x_~^9Z")
	repls := []string{"X", "%%0", "%%1", "%%2", "%%%%", "[%%1]", "<%%0>", "%{quote:}"}
	var out []string
	for len(out) < n {
		var p strings.Builder
		if r.IntN(4) == 0 {
			p.WriteByte('^')
		}
		open := 0
		for k := r.IntN(5) + 1; k > 0; k-- {
			switch r.IntN(8) {
			case 0:
				p.WriteString("(")
				open++
			case 1:
				if open > 0 || r.IntN(4) == 0 {
					p.WriteString(")")
					open--
				}
			case 2:
				p.WriteString("()")
			}
			p.WriteString(items[r.IntN(len(items))])
			p.WriteString(quant[r.IntN(len(quant))])
		}
		for ; open > 0 && r.IntN(5) != 0; open-- {
			p.WriteString(")")
		}
		if r.IntN(5) == 0 {
			p.WriteByte('$')
		}
		var s strings.Builder
		for k := r.IntN(12) + 1; k > 0; k-- {
			s.WriteByte(subjects[r.IntN(len(subjects))])
		}
		call := "%{gsub " + s.String() + " " + p.String() + " " + repls[r.IntN(len(repls))]
		if r.IntN(6) == 0 {
			call += " " + fmt.Sprint(r.IntN(4)-1)
		}
		out = append(out, call+"}")
	}
	return out
}

// TestStringBuiltinsOracle compares the string built-ins with rpm 4.20's,
// case by case: the output, and whether rpm fails (a Lua error) where the
// engine warns.
func TestStringBuiltinsOracle(t *testing.T) {
	for suite, ver := range map[string]string{"trixie": "4.20", "sid": "6.0"} {
		t.Run(suite, func(t *testing.T) { testStringBuiltins(t, newerRPM(t, suite), ver) })
	}
}

func testStringBuiltins(t *testing.T, rpm func(args ...string) *exec.Cmd, ver string) {
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("PATCHTRACE_GSUB_CASES")); err == nil {
		n = v // more generated cases for a longer local run
	}
	cases := append(append([]string{}, stringBuiltinCases...), genGsubCases(n)...)
	want, failed := oracleEval(t, rpm, cases)
	agree := 0
	for i, c := range cases {
		got, warns, unres := engineEval(ver, c)
		luaErr := false
		for _, w := range warns {
			if strings.Contains(w.Msg, "lua script failed") || strings.Contains(w.Msg, "argument expected") {
				luaErr = true
			}
		}
		switch {
		case len(unres) > 0:
			t.Errorf("%s: unresolved %v (rpm: %q failed=%v)", c, unres, want[i], failed[i])
		case failed[i] != luaErr:
			t.Errorf("%s: rpm failed=%v, engine warnings %v (rpm %q, engine %q)", c, failed[i], warns, want[i], got)
		case !failed[i] && got != want[i]:
			t.Errorf("%s: rpm %q, engine %q", c, want[i], got)
		default:
			agree++
		}
	}
	t.Logf("string built-ins: %d of %d calls agree with rpm %s (%d hand-written, %d generated)", agree, len(cases), ver, len(stringBuiltinCases), len(cases)-len(stringBuiltinCases))
	if os.Getenv("PATCHTRACE_VERBOSE") != "" {
		for i, c := range cases {
			t.Logf("%s => %q failed=%v", c, want[i], failed[i])
		}
	}
}
