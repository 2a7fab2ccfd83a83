package specfile

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/patchtrace/patchtrace/internal/testenv"
)

// oracleEval evaluates each expression with `rpm --eval`, one process for
// all of them: rpm stops at the first expression that fails, so it is
// rerun from the next one. It returns each output and whether rpm failed.
func oracleEval(t *testing.T, rpm func(args ...string) *exec.Cmd, exprs []string) (outs []string, failed []bool) {
	t.Helper()
	outs = make([]string, len(exprs))
	failed = make([]bool, len(exprs))
	for start := 0; start < len(exprs); {
		var args []string
		for i := start; i < len(exprs) && i < start+100; i++ {
			e := exprs[i]
			if !strings.HasPrefix(e, "%{") {
				e += "\n" // the %name form takes its arguments to the end of the line
			}
			args = append(args, "--eval", fmt.Sprintf("<%d>%s</%d>", i, e, i))
		}
		cmd := rpm(args...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		next := start
		rest := stdout.String()
		for next < len(exprs) {
			open := fmt.Sprintf("<%d>", next)
			close := fmt.Sprintf("</%d>\n", next)
			if !strings.HasPrefix(rest, open) {
				break
			}
			j := strings.Index(rest, close)
			if j < 0 {
				t.Fatalf("rpm --eval: unterminated output %q for %q", rest, exprs[next])
			}
			outs[next] = strings.TrimSuffix(rest[len(open):j], "\n")
			rest = rest[j+len(close):]
			next++
		}
		if rest != "" {
			t.Fatalf("rpm --eval: unexpected output %q", rest)
		}
		if err == nil {
			if next != start+len(args)/2 {
				t.Fatalf("rpm --eval printed %d of %d results", next-start, len(args)/2)
			}
			start = next
			continue
		}
		if next >= len(exprs) {
			t.Fatalf("rpm --eval failed after all results: %v\n%s", err, stderr.String())
		}
		failed[next] = true
		start = next + 1
	}
	return outs, failed
}

// shellIdioms are %(...) commands of the shapes specs use for versions;
// rpm runs them, the engine evaluates them statically.
var shellIdioms = []string{
	"echo 1.2.3 | sed 's/\\./_/g'",
	"echo 1.2.3-rc1 | /bin/sed 's/-/~/'",
	"echo 1.2.3-rc1 | /usr/bin/sed -e 's/-/~/' -e 's/\\./_/2'",
	"echo 1.2.3.4 | sed 's/\\./-/2g'",
	"echo v1.2.3 | sed -e 's|^v||'",
	"echo 2024.01.05 | sed -E 's/^([0-9]+)\\.0?([0-9]+)\\..*$/\\1.\\2/'",
	"echo 2024.01.05 | sed -r 's/(0)+/<&>/g'",
	"echo 1.2~rc1^git5 | sed -r 's/[~^].*//'",
	"echo abc | sed 's/x*/-/g'",
	"echo baaac | sed 's/a*/x/g'",
	"echo a.b.c | sed 's/\\(.*\\)\\.\\(.*\\)/\\2 \\1/'",
	"echo ab | sed 's/a\\{1,\\}b/X/;s/X/Y/'",
	"echo 1_2 | sed 's/_/\\n/'",
	"echo 7.0p1 | sed 's/p/./;s/\\./-/g'",
	"echo -n 1.2 | sed s/-/_/",
	"echo 1.2.3 | cut -d. -f1-2",
	"echo 1.2.3 | cut -d. -f3",
	"echo 1.2.3 | cut -d . -f 1,3",
	"echo abcdef0123456789 | cut -c-8",
	"echo abcdef0123456789 | cut -c 3-5",
	"echo 1-2 | tr '-' '~'",
	"echo abc | tr a-c A-C",
	"echo a.b.c | tr -d .",
	"echo 1.2.3 | awk -F. '{print $1\".\"$2}'",
	"echo 1.2.3 | awk -F . '{print $1 \".\" $3}'",
	"echo 1.2.3 | /usr/bin/awk -F. '{print $NF}'",
	"echo 'a b  c' | awk '{print $2, $3}'",
	"echo '  a b' | awk '{ print $1; }'",
	"echo 1.2.3 | awk -F. '{print}'",
	"echo 1.2.3 | awk -F. '{print $0 \"-\" $9}'",
	"echo a1b22c | awk -F'[0-9]+' '{print $3}'",
	"printf '%s\\n' 1.2~rc1 | sed -r 's/[~^].*//'",
	"printf '%s-%s\\n' a b c",
	"printf 'x%%y\\n'",
	"echo 5.10.0 | sed 's/\\([0-9]*\\)\\.\\([0-9]*\\).*/\\1\\2/' | cut -c1-3",
	"echo 1.2.3 | cut -d. -f1 | tr 1 9 | sed 's/9/nine/'",
}

// TestStaticShellOracle compares the static evaluation of the shell
// idioms with what rpm 4.18 prints when it runs them, and requires every
// idiom here to be evaluated.
func TestStaticShellOracle(t *testing.T) {
	rpm := testenv.Tool(t, "rpm", "apt-get install -y rpm")
	exprs := make([]string, len(shellIdioms))
	for i, c := range shellIdioms {
		exprs[i] = "%(" + strings.ReplaceAll(c, "%", "%%") + ")"
	}
	want, failed := oracleEval(t, func(args ...string) *exec.Cmd {
		cmd := exec.Command(rpm, args...)
		cmd.Dir = t.TempDir()
		return cmd
	}, exprs)
	for i, c := range shellIdioms {
		got, ok := staticShell(c)
		switch {
		case failed[i]:
			t.Errorf("%s: rpm failed", c)
		case !ok:
			t.Errorf("%s: not evaluated (rpm: %q)", c, want[i])
		case got != want[i]:
			t.Errorf("%s: rpm %q, static %q", c, want[i], got)
		}
	}
}

// TestShellIdiomsInSpec: `echo | %{__sed}` chains in Version: resolve with
// the default macros (no macro files loaded), as rpm's /usr/lib/rpm/macros
// names the tools.
func TestShellIdiomsInSpec(t *testing.T) {
	spec := "Name: x\n%global upstream 2.1-rc3\nVersion: %(echo %{upstream} | %{__sed} -e 's/-/~/')\nRelease: %(echo 1.2.3 | %{__awk} -F. '{print $2}')%{?dist}\n"
	s, err := ParseBytes("x.spec", []byte(spec), Options{Target: Target{RPMVersion: "4.20", Defines: map[string]string{"dist": ".fc42"}}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Version != "2.1~rc3" || s.Release != "2.fc42" || len(s.Unresolved) != 0 {
		t.Errorf("version %q release %q unresolved %v", s.Version, s.Release, s.Unresolved)
	}
}
