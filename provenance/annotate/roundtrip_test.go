package annotate_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/patchtrace/patchtrace/internal/testenv"
	"github.com/patchtrace/patchtrace/provenance"
	"github.com/patchtrace/patchtrace/provenance/annotate"
	"github.com/patchtrace/patchtrace/specfile"
)

// corpusTarget is how a corpus spec is read: its dist and distribution
// defines, from its place in the corpus.
func corpusTarget(rel string) specfile.Target {
	t := specfile.Target{Defines: map[string]string{}}
	if strings.HasPrefix(rel, "fedora") {
		t.Defines["dist"], t.Defines["fedora"] = ".fc42", "42"
		return t
	}
	n := "9"
	if m := regexp.MustCompile(`el-?(\d+)`).FindStringSubmatch(rel); m != nil {
		n = m[1]
	}
	t.Defines["dist"], t.Defines["rhel"] = ".el"+n, n
	return t
}

// fakeGraph gives each declared patch of spec one of the three kinds of
// annotation, in turn.
func fakeGraph(spec *specfile.Spec) *provenance.Graph {
	g := provenance.NewGraph("target")
	pkg := g.AddNode(provenance.Node{Kind: provenance.KindPackage, Origin: "target", Name: spec.Name}).ID
	for i, d := range spec.Patches {
		id := g.AddNode(provenance.Node{Kind: provenance.KindPatch, Origin: "target", Name: d.File,
			Attrs: map[string]string{"number": strconv.Itoa(d.Number), "order": strconv.Itoa(i)}}).ID
		switch i % 3 {
		case 0:
			to := g.AddNode(provenance.Node{Kind: provenance.KindPatch, Origin: "c9s", Name: d.File}).ID
			g.AddEdge(provenance.Edge{From: id, To: to, Kind: provenance.EdgeIdenticalTo, Verdict: provenance.VerdictIdentical, Score: 1})
		case 1:
			to := g.AddNode(provenance.Node{Kind: provenance.KindCommit, Origin: "upstream", Name: fmt.Sprintf("%040x", i+1)}).ID
			g.AddEdge(provenance.Edge{From: id, To: to, Kind: provenance.EdgeBackportOf, Verdict: provenance.VerdictRebased, Score: 0.8})
		default:
			g.AddEdge(provenance.Edge{From: id, To: pkg, Kind: provenance.EdgeNoOrigin, Verdict: provenance.VerdictOwn, Score: 1})
		}
	}
	return g
}

// withoutOwn drops the annotation lines.
func withoutOwn(b []byte) string {
	var out []string
	for _, l := range strings.SplitAfter(string(b), "\n") {
		if !annotate.Own(strings.TrimRight(l, "\n")) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "")
}

// rpmView is what rpmspec makes of a spec: the parsed spec (-P: NEVR,
// Patch tags, %prep, everything expanded) without comment lines and the
// blank lines rpm prints for the preamble's comments.
func rpmView(ctx context.Context, cmd func(dir, spec string) *exec.Cmd, dir string, spec []byte) (string, error) {
	p := filepath.Join(dir, "x.spec")
	if err := os.WriteFile(p, spec, 0o644); err != nil {
		return "", err
	}
	var out, errb bytes.Buffer
	c := cmd(dir, "x.spec")
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Run(); err != nil {
		return "", fmt.Errorf("%v: %s", err, strings.TrimSpace(errb.String()))
	}
	var keep []string
	for _, l := range strings.Split(out.String(), "\n") {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n"), nil
}

// TestRoundTripCorpus annotates every corpus spec that declares patches:
// the lines it does not write stay byte-identical, a second run changes
// nothing, and rpmspec (rpm 4.18, and rpm 4.20 and 6 from the Debian
// chroots when present) reads the same NEVR, patches and %prep before and
// after.
func TestRoundTripCorpus(t *testing.T) {
	corpus := testenv.Corpus(t)
	rpmspec := testenv.RPMSpec(t)
	var specs []string
	filepath.WalkDir(corpus, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".spec") {
			specs = append(specs, p)
		}
		return nil
	})
	type oracle struct {
		name string
		dir  func(t *testing.T) string // scratch dir
		cmd  func(dir, spec string) *exec.Cmd
	}
	oracles := []oracle{{"rpm 4.18", func(t *testing.T) string { return t.TempDir() }, func(dir, spec string) *exec.Cmd {
		c := exec.Command(rpmspec, "-P", "--define", "_sourcedir "+dir, "--define", "_topdir "+dir, spec)
		c.Dir = dir
		return c
	}}}
	// The newer rpms read every 4th spec (all with PATCHTRACE_ANNOTATE_ALL
	// set): rpmspec costs ~60 ms a spec, and rpm 4.18 reads them all.
	sample := 4
	if os.Getenv("PATCHTRACE_ANNOTATE_ALL") != "" {
		sample = 1
	}
	for suite, ver := range testenv.ChrootSuites {
		base := os.Getenv(testenv.ChrootEnv)
		if base == "" {
			base = testenv.DefaultChroots
		}
		if _, err := os.Stat(filepath.Join(base, suite, "usr", "bin", "rpmspec")); err != nil {
			t.Logf("no rpm %s chroot at %s (scripts/rpm-chroot.sh %s builds it): rpm 4.18 only", ver, filepath.Join(base, suite), suite)
			continue
		}
		root := testenv.RPMChroot(t, suite)
		oracles = append(oracles, oracle{"rpm " + ver, func(t *testing.T) string {
			out, _ := testenv.ChrootTemp(t, root)
			return out
		}, func(dir, spec string) *exec.Cmd {
			inside := "/tmp/" + filepath.Base(dir)
			return testenv.ChrootCommand(context.Background(), root, "sh", "-c",
				"cd "+inside+" && rpmspec -P --define '_sourcedir "+inside+"' --define '_topdir "+inside+"' "+spec)
		}})
	}
	var mu sync.Mutex
	stats := map[string][2]int{} // oracle → {checked, unreadable}
	annotated, patches := 0, 0
	type job struct {
		path string
		n    int
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dirs := make([]string, len(oracles))
			for i, o := range oracles {
				dirs[i] = o.dir(t)
			}
			for j := range jobs {
				p := j.path
				rel, _ := filepath.Rel(corpus, p)
				data, err := os.ReadFile(p)
				if err != nil {
					t.Error(err)
					continue
				}
				name, opts := filepath.Base(p), specfile.Options{Target: corpusTarget(rel)}
				spec, err := specfile.Parse(name, bytes.NewReader(data), opts)
				if err != nil || len(spec.Patches) == 0 {
					continue
				}
				res, err := annotate.Annotate(name, data, opts, fakeGraph(spec))
				if err != nil {
					t.Errorf("%s: %v", rel, err)
					continue
				}
				if withoutOwn(res.Spec) != withoutOwn(data) {
					t.Errorf("%s: annotate changed lines it does not own", rel)
				}
				again, err := annotate.Annotate(name, res.Spec, opts, fakeGraph(spec))
				if err != nil || !bytes.Equal(again.Spec, res.Spec) || again.Changed != 0 {
					t.Errorf("%s: second run changed the spec (%v, %d changed)", rel, err, again.Changed)
				}
				for i, o := range oracles {
					if i > 0 && j.n%sample != 0 {
						continue
					}
					before, err1 := rpmView(context.Background(), o.cmd, dirs[i], data)
					if err1 != nil {
						mu.Lock()
						s := stats[o.name]
						s[1]++
						stats[o.name] = s
						mu.Unlock()
						continue
					}
					after, err2 := rpmView(context.Background(), o.cmd, dirs[i], res.Spec)
					switch {
					case err2 != nil:
						t.Errorf("%s: %s reads the spec but not the annotated spec: %v", rel, o.name, err2)
					case before != after:
						t.Errorf("%s: %s reads the annotated spec differently", rel, o.name)
					}
					mu.Lock()
					s := stats[o.name]
					s[0]++
					stats[o.name] = s
					mu.Unlock()
				}
				mu.Lock()
				annotated++
				patches += res.Annotated
				mu.Unlock()
			}
		}()
	}
	for i, p := range specs {
		jobs <- job{p, i}
	}
	close(jobs)
	wg.Wait()
	t.Logf("annotated %d specs (%d patches); round trip stable", annotated, patches)
	for _, o := range oracles {
		t.Logf("%s: same NEVR, patches and %%prep before and after on %d specs (%d it cannot read either way)", o.name, stats[o.name][0], stats[o.name][1])
	}
}
