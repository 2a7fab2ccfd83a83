package specfile_test

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/patchtrace/patchtrace/internal/testenv"
	"github.com/patchtrace/patchtrace/specfile"
)

// copyTree copies the regular files under src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		return os.WriteFile(out, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// chrootRPMSpec runs rpmspec inside the chroot root, in dir (a path
// inside it).
func chrootRPMSpec(root, dir string) rpmspecCmd {
	return func(ctx context.Context, args ...string) *exec.Cmd {
		return testenv.ChrootCommand(ctx, root, "sh", append([]string{"-c", `cd "$0" && exec rpmspec "$@"`, dir}, args...)...)
	}
}

// TestOracleRPMSpecChroot is TestOracleRPMSpec against newer rpm: rpm
// 4.20 (Debian trixie) and rpm 6 (Debian sid), each in the chroot
// scripts/rpm-chroot.sh builds, with our parser set to the same rpm
// version and that rpm's own macro files. It logs the agreement per rpm
// version and every disagreement with its likely cause.
func TestOracleRPMSpecChroot(t *testing.T) {
	corpus := testenv.Corpus(t)
	suites := make([]string, 0, len(testenv.ChrootSuites))
	for s := range testenv.ChrootSuites {
		suites = append(suites, s)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(suites))) // trixie, then sid
	for _, suite := range suites {
		t.Run(suite, func(t *testing.T) {
			root := testenv.RPMChroot(t, suite)
			if root == "" {
				return
			}
			full := testenv.RPMVersionIn(t, root)
			parts := strings.SplitN(full, ".", 3)
			ver := parts[0] + "." + parts[1]
			outside, inside := testenv.ChrootTemp(t, root)
			copyTree(t, corpus, filepath.Join(outside, "corpus"))
			out := oracleCases(t, corpus)
			in := oracleCases(t, filepath.Join(outside, "corpus"))
			if len(in) != len(out) {
				t.Fatalf("copied corpus has %d specs, the corpus %d", len(in), len(out))
			}
			for i := range in {
				in[i].path = inside + "/corpus/" + in[i].rel
				if !strings.HasPrefix(in[i].srcdir, "/nonexistent") {
					in[i].srcdir = filepath.Dir(in[i].path)
				}
			}
			macros := rpmMacrosIn(t, root)
			if len(macros) == 0 {
				t.Fatalf("no macros loaded from %s/usr/lib/rpm/macros", root)
			}
			work := inside + "/work"
			if err := os.MkdirAll(filepath.Join(outside, "work"), 0o755); err != nil {
				t.Fatal(err)
			}
			results := runOracles(in, chrootRPMSpec(root, work))
			label := "rpm " + full + " (" + suite + ")"
			checkOracle(t, label, out, results, func(c oracleCase) specfile.Target {
				return specfile.Target{RPMVersion: ver, Defines: map[string]string{"_sourcedir": c.srcdir}, Macros: macros}
			}, 99)
		})
	}
}
