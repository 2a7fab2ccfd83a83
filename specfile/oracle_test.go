package specfile_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchtrace/patchtrace/internal/testenv"
	"github.com/patchtrace/patchtrace/specfile"
)

// oracleCase is one spec compared against rpmspec.
type oracleCase struct {
	rel     string // path inside the corpus
	path    string
	srcdir  string // _sourcedir given to both sides
	defines map[string]string
}

type oracleResult struct {
	nevr    string
	patches []string // "N file" in declaration order
	prep    []string // applied patch files in %prep, in order
	prepNL  []string // the same without lines that list several patches (loops over %{patches})
	qErr    string   // rpmspec failure of the query
	pErr    string   // rpmspec -P failure
}

// distroDefines returns the defines a corpus directory is read with.
func distroDefines(rel string) map[string]string {
	d := map[string]string{}
	switch {
	case strings.HasPrefix(rel, "fedora-specs/"):
		d["dist"], d["fedora"] = ".fc44", "44"
	case strings.HasPrefix(rel, "fedora/openssl/f35"):
		d["dist"], d["fedora"] = ".fc35", "35"
	case strings.HasPrefix(rel, "fedora/"):
		d["dist"], d["fedora"] = ".fc38", "38"
	default:
		m := regexp.MustCompile(`/el-?(\d+)`).FindStringSubmatch(rel)
		n := "9"
		if m != nil {
			n = m[1]
		}
		d["dist"], d["rhel"], d["el"+n] = ".el"+n, n, "1"
	}
	// rpmautospec without history, given to both sides (Debian's rpm has
	// no %autorelease).
	d["autorelease(e:s:pb:n)"] = "%{?-p:0.}1%{?-e:.%{-e*}}%{?-s:.%{-s*}}%{!?-n:%{?dist}}"
	d["autochangelog"] = "%{nil}"
	if strings.HasPrefix(rel, "fedora-specs/") {
		// Stand-ins for Fedora macro packages Debian lacks (forge, go,
		// fonts, python), given to both sides, so that rpmspec can read
		// more specs; they are inert and the same for both.
		for _, m := range []string{"forgemeta", "gometa", "fontpkg", "py_provides", "gnome_check_version", "filter_provides_in", "goprep", "forgesetup"} {
			d[m+"(-)"] = "%{nil}"
		}
		d["py3_dist(-)"] = "python3dist(%1)"
	}
	return d
}

func oracleCases(t *testing.T, corpus string) []oracleCase {
	var cases []oracleCase
	err := filepath.WalkDir(corpus, func(p string, de os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if de.IsDir() || !strings.HasSuffix(p, ".spec") {
			return nil
		}
		rel, _ := filepath.Rel(corpus, p)
		rel = filepath.ToSlash(rel)
		c := oracleCase{rel: rel, path: p, defines: distroDefines(rel)}
		if strings.HasPrefix(rel, "fedora-specs/") {
			c.srcdir = "/nonexistent-patchtrace-sources"
		} else {
			c.srcdir = filepath.Dir(p)
		}
		cases = append(cases, c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].rel < cases[j].rel })
	return cases
}

// debianMacros loads the macro files Debian's rpm reads, so both sides
// start from the same macro set.
func debianMacros(t *testing.T) []specfile.MacroDef { return rpmMacrosIn(t, "/") }

// rpmMacrosIn loads the macro files the rpm installed under root reads.
func rpmMacrosIn(t *testing.T, root string) []specfile.MacroDef {
	var tg specfile.Target
	fsys := os.DirFS(root)
	files := []string{"usr/lib/rpm/macros", "usr/lib/rpm/platform/x86_64-linux/macros"}
	extra, _ := filepath.Glob(filepath.Join(root, "usr/lib/rpm/macros.d/macros.*"))
	for _, e := range extra {
		rel, _ := filepath.Rel(root, e)
		files = append(files, filepath.ToSlash(rel))
	}
	if _, err := os.Stat(filepath.Join(root, "usr/lib/rpm/debian/macros")); err == nil {
		files = append(files, "usr/lib/rpm/debian/macros")
	}
	for _, f := range files {
		if err := tg.LoadMacroFile(fsys, f); err != nil {
			t.Logf("loading %s: %v", f, err)
		}
	}
	return tg.Macros
}

func rpmspecArgs(c oracleCase) []string {
	args := []string{"--define", "_sourcedir " + c.srcdir}
	keys := make([]string, 0, len(c.defines))
	for k := range c.defines {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, "--define", k+" "+c.defines[k])
	}
	return args
}

const oracleQuery = "%{NAME}|%{?EPOCH}|%{VERSION}|%{RELEASE}\n" +
	`%{lua: for i,p in ipairs(patches) do print(patch_nums[i].." "..p.."\n") end}` + "\n"

// rpmspecCmd makes the command that runs rpmspec with args: the host's
// rpmspec, or one inside a chroot.
type rpmspecCmd func(ctx context.Context, args ...string) *exec.Cmd

// hostRPMSpec runs the host's rpmspec in dir.
func hostRPMSpec(rpmspec, dir string) rpmspecCmd {
	return func(ctx context.Context, args ...string) *exec.Cmd {
		cmd := exec.CommandContext(ctx, rpmspec, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "HOME="+dir)
		return cmd
	}
}

func runOracle(ctx context.Context, rpmspec rpmspecCmd, c oracleCase) oracleResult {
	var r oracleResult
	run := func(stdin string, args ...string) (string, string, error) {
		ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		cmd := rpmspec(ctx, args...)
		cmd.Stdin = strings.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		return out.String(), errb.String(), err
	}
	base := rpmspecArgs(c)
	out, stderr, err := run(oracleQuery, append(append([]string{"--shell"}, base...), c.path)...)
	if err != nil || strings.Contains(stderr, "error:") {
		r.qErr = firstLine(stderr, err)
	}
	nevrSeen := false
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "> ") || l == ">" || l == "" {
			continue
		}
		if !nevrSeen {
			r.nevr, nevrSeen = l, true
			continue
		}
		if i := strings.IndexByte(l, ' '); i > 0 {
			r.patches = append(r.patches, l[:i]+" "+filepath.Base(l[i+1:]))
		}
	}
	out, stderr, err = run("", append(append([]string{"-P"}, base...), c.path)...)
	if err != nil {
		r.pErr = firstLine(stderr, err)
		return r
	}
	files := map[string]bool{}
	for _, p := range r.patches {
		files[p[strings.IndexByte(p, ' ')+1:]] = true
	}
	r.prep, r.prepNL = prepApplied(out, c.srcdir, files)
	return r
}

func firstLine(stderr string, err error) string {
	for _, l := range strings.Split(stderr, "\n") {
		if strings.Contains(l, "error") {
			return strings.TrimSpace(l)
		}
	}
	if err != nil {
		return err.Error()
	}
	return strings.TrimSpace(stderr)
}

// prepApplied lists, in order, the declared patch files whose path
// (srcdir/file) appears in the %prep section of `rpmspec -P` output; the
// second list leaves out lines that name several different patches and no
// patch command (such as `for p in %{patches}; do [ -f $p ] ...`).
func prepApplied(out, srcdir string, files map[string]bool) ([]string, []string) {
	var seq, noList []string
	in := false
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "%") {
			name := strings.Fields(l)[0]
			if name == "%prep" {
				in = true
				continue
			}
			if in && isSectionName(name) {
				break
			}
		}
		if !in {
			continue
		}
		last := ""
		var onLine []string
		for rest := l; ; {
			i := strings.Index(rest, srcdir+"/")
			if i < 0 {
				break
			}
			rest = rest[i+len(srcdir)+1:]
			j := strings.IndexAny(rest, " \t'\";|)")
			name := rest
			if j >= 0 {
				name = rest[:j]
			}
			if files[name] && name != last {
				onLine = append(onLine, name)
				last = name
			}
		}
		if w := strings.Fields(l); len(w) >= 2 && (w[0] == "ApplyPatch" || w[0] == "ApplyOptionalPatch") && files[w[1]] {
			onLine = append(onLine, w[1]) // kernel: applied by name
		}
		seq = append(seq, onLine...)
		if len(onLine) < 2 || strings.Contains(l, "patch -") || strings.Contains(l, "apply") {
			noList = append(noList, onLine...)
		}
	}
	return seq, noList
}

func isSectionName(s string) bool {
	switch strings.ToLower(s) {
	case "%build", "%install", "%check", "%conf", "%generate_buildrequires", "%clean", "%files", "%changelog",
		"%package", "%description", "%pre", "%post", "%preun", "%postun", "%pretrans", "%posttrans":
		return true
	}
	return false
}

// TestOracleRPMSpec compares NEVR, the declared patch list and the %prep
// application order with rpm 4.18's rpmspec on every corpus spec.
func TestOracleRPMSpec(t *testing.T) {
	rpmspec := testenv.RPMSpec(t)
	corpus := testenv.Corpus(t)
	cases := oracleCases(t, corpus)
	if len(cases) == 0 {
		t.Fatal("no specs in the corpus")
	}
	macros := debianMacros(t)
	if len(macros) == 0 {
		t.Fatal("no macros loaded from /usr/lib/rpm/macros")
	}
	results := runOracles(cases, hostRPMSpec(rpmspec, t.TempDir()))
	checkOracle(t, "rpm 4.18", cases, results, func(c oracleCase) specfile.Target {
		return specfile.Target{RPMVersion: "4.18", Defines: map[string]string{"_sourcedir": c.srcdir}, Macros: macros}
	}, 99)
}

// runOracles runs the oracle on every case, two at a time.
func runOracles(cases []oracleCase, rpmspec rpmspecCmd) []oracleResult {
	results := make([]oracleResult, len(cases))
	ctx := context.Background()
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = runOracle(ctx, rpmspec, cases[i])
			}
		}()
	}
	for i := range cases {
		next <- i
	}
	close(next)
	wg.Wait()
	return results
}

// oracleAgreement is what checkOracle measured.
type oracleAgreement struct {
	agree, compared, prepAgree, prepCompared, unreadable int
}

// checkOracle compares our parse of every case, read for the target
// targetFor gives (the case's defines are added), with the oracle's
// results, logs each disagreement with its likely cause and the agreement
// figures, and fails below minPct percent.
func checkOracle(t *testing.T, label string, cases []oracleCase, results []oracleResult, targetFor func(oracleCase) specfile.Target, minPct float64) oracleAgreement {
	var a oracleAgreement
	for i, c := range cases {
		want := results[i]
		tg := targetFor(c)
		for k, v := range c.defines {
			tg.Defines[k] = v
		}
		data, err := os.ReadFile(c.path)
		if err != nil {
			t.Fatal(err)
		}
		s, perr := specfile.ParseBytes(c.rel, data, specfile.Options{Target: tg})
		if want.qErr != "" {
			// This rpm cannot read this spec at all (it lacks the
			// distribution's macro packages, or the spec's syntax is of
			// another rpm): there is no NEVR to compare.
			a.unreadable++
			what := "we parse it"
			if perr != nil {
				what = "we fail too: " + perr.Error()
			}
			t.Logf("NOT COMPARABLE %s: rpmspec fails (%s); %s; cause: limit of Debian's rpm", c.rel, want.qErr, what)
			continue
		}
		a.compared++
		if perr != nil {
			t.Logf("DISAGREE %s: rpmspec parses, we fail: %v (our bug)", c.rel, perr)
			continue
		}
		got := strings.Join([]string{s.Name, s.Epoch, s.Version, s.Release}, "|")
		var gotP []string
		for _, p := range s.Patches {
			gotP = append(gotP, fmt.Sprintf("%d %s", p.Number, p.File))
		}
		ok := true
		if got != want.nevr {
			ok = false
			t.Logf("DISAGREE %s: NEVR ours %q rpmspec %q; cause: %s", c.rel, got, want.nevr, explain(s))
		}
		if strings.Join(gotP, ",") != strings.Join(want.patches, ",") {
			ok = false
			t.Logf("DISAGREE %s: patches ours %v rpmspec %v; cause: %s", c.rel, gotP, want.patches, explain(s))
		}
		if ok {
			a.agree++
		}
		if want.pErr == "" && len(want.patches) > 0 {
			a.prepCompared++
			var gotA []string
			for _, ap := range s.Plan {
				if ap.Section == "prep" && !ap.FromSource {
					gotA = append(gotA, ap.File)
				}
			}
			switch {
			case strings.Join(gotA, ",") == strings.Join(want.prep, ","):
				a.prepAgree++
			case strings.Join(gotA, ",") == strings.Join(want.prepNL, ","):
				a.prepAgree++
				t.Logf("PREP AGREES %s once lines that only list every patch path (a loop over %%{patches} that checks files, no patch command) are left out", c.rel)
			default:
				t.Logf("PREP DIFFERS %s: ours %v rpmspec -P %v; cause: %s", c.rel, gotA, want.prep, explain(s))
			}
		}
	}
	if a.compared == 0 {
		t.Fatalf("%s: rpmspec could read none of %d specs", label, len(cases))
	}
	pct := 100 * float64(a.agree) / float64(a.compared)
	t.Logf("%s: NEVR+patch list agreement: %d/%d specs rpmspec can read = %.2f%% (%d of %d specs not comparable: this rpmspec cannot read them)", label, a.agree, a.compared, pct, a.unreadable, len(cases))
	if a.prepCompared > 0 {
		pp := 100 * float64(a.prepAgree) / float64(a.prepCompared)
		t.Logf("%s: %%prep application order agreement: %d/%d specs = %.2f%%", label, a.prepAgree, a.prepCompared, pp)
		if pp < minPct {
			t.Errorf("%s: %%prep order agreement %.2f%% is below %.0f%%", label, pp, minPct)
		}
	}
	if pct < minPct {
		t.Errorf("%s: agreement %.2f%% is below %.0f%%", label, pct, minPct)
	}
	return a
}

// explain gives a likely cause for a disagreement from what the parse saw.
func explain(s *specfile.Spec) string {
	var kinds []string
	seen := map[string]bool{}
	for _, u := range s.Unresolved {
		if !seen[u.Kind] {
			seen[u.Kind] = true
			kinds = append(kinds, fmt.Sprintf("%s at %s:%d (%s)", u.Kind, u.File, u.Line, u.Text))
		}
	}
	if len(kinds) > 0 {
		return "opaque expansion we refuse to run: " + strings.Join(kinds, "; ")
	}
	return "our bug (no opaque expansion involved)"
}
