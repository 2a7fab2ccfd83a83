package specfile

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/patchtrace/patchtrace/internal/testenv"
)

// oracleDefines are the rpm defines that match a preset for rpmspec
// (rpm 4.18 without Red Hat's macros, nor rpmautospec's).
func oracleDefines(preset string) []string {
	var d []string
	switch preset {
	case "el8":
		d = []string{"dist .el8", "rhel 8", "el8 1"}
	case "el9":
		d = []string{"dist .el9", "rhel 9", "el9 1"}
	default:
		d = []string{"dist .fc44", "fedora 44"}
	}
	return append(d,
		"autorelease(e:s:pb:n) %{?-p:0.}1%{?-e:.%{-e*}}%{?-s:.%{-s*}}%{!?-n:%{?dist}}",
		"autochangelog %{nil}")
}

// rpmspecPrep returns the %prep section of `rpmspec -P` run on spec (in
// a scratch directory: rpmspec runs the spec's shell), or ok false when
// rpmspec cannot read the spec.
func rpmspecPrep(t *testing.T, rpmspec string, spec []byte, preset string) (prep string, ok bool) {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "x.spec")
	if err := os.WriteFile(p, spec, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-P", "--define", "_sourcedir " + dir, "--define", "_topdir " + dir}
	for _, d := range oracleDefines(preset) {
		args = append(args, "--define", d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, rpmspec, append(args, p)...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", false
	}
	lines := strings.Split(string(out), "\n")
	var b strings.Builder
	in := false
	for _, l := range lines {
		if strings.HasPrefix(l, "%") && isSectionLine(l) {
			in = strings.HasPrefix(l, "%prep")
			continue
		}
		if in {
			b.WriteString(l + "\n")
		}
	}
	return b.String(), true
}

// rpmspecQuery runs `rpmspec -q --srpm --qf qf` on spec in a scratch
// directory; ok is false when rpmspec cannot read it.
func rpmspecQuery(t *testing.T, rpmspec string, spec []byte, preset, qf string) (string, bool) {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "x.spec")
	if err := os.WriteFile(p, spec, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-q", "--srpm", "--qf", qf, "--define", "_sourcedir " + dir, "--define", "_topdir " + dir}
	for _, d := range oracleDefines(preset) {
		args = append(args, "--define", d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, rpmspec, append(args, p)...)
	cmd.Dir = dir
	out, err := cmd.Output()
	return string(out), err == nil
}

// TestEditReleaseChangelogRPMSpecOracle checks SetReleaseSuffix and
// AddChangelogEntry with rpm: the release rpm computes ends with the
// suffix (replacing a rebuild suffix), and rpm's first changelog entry is
// the new one, with the same time and header.
func TestEditReleaseChangelogRPMSpecOracle(t *testing.T) {
	rpmspec := testenv.RPMSpec(t)
	root := testenv.Corpus(t)
	cases := map[string]string{
		"openela/curl/el9/curl.spec":          "el9",
		"openela/openssl/el9/openssl.spec":    "el9",
		"openela/expat/el8/expat.spec":        "el8",
		"ciq-rocky-lts/curl/el-8.6/curl.spec": "el8",
		"fedora/openssl/rawhide/openssl.spec": "fedora",
	}
	all, _ := filepath.Glob(filepath.Join(root, "fedora-specs", "*.spec"))
	sort.Strings(all)
	for i, f := range all {
		if i%25 == 0 && !testing.Short() {
			rel, _ := filepath.Rel(root, f)
			cases[rel] = "fedora"
		}
	}
	entry := ChangelogEntry{Date: time.Date(2030, 1, 2, 0, 0, 0, 0, time.UTC), Author: "Alma Builder", Email: "builder@almalinux.org", EVR: "1-1.alma.1", Text: "- Debrand"}
	var checked, autoCL int
	for rel, preset := range cases {
		data, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		tg, _ := Preset(preset)
		e, err := NewEditor(filepath.Base(rel), data, Options{Target: tg})
		if err != nil {
			continue
		}
		before, ok := rpmspecQuery(t, rpmspec, data, preset, "%{release}")
		if !ok {
			continue
		}
		if err := e.SetReleaseSuffix(".alma.1"); err != nil {
			t.Errorf("%s: SetReleaseSuffix: %v", rel, err)
			continue
		}
		cl := true
		if err := e.AddChangelogEntry(entry); errors.Is(err, ErrAutochangelog) {
			cl = false
			autoCL++
		} else if err != nil {
			t.Errorf("%s: AddChangelogEntry: %v", rel, err)
			continue
		}
		out, ok := rpmspecQuery(t, rpmspec, e.Bytes(), preset, "%{release}\n[%{changelogtime} %{changelogname}\n]")
		if !ok {
			t.Errorf("%s: rpmspec cannot read the edited spec", rel)
			continue
		}
		lines := strings.Split(out, "\n")
		// What comes after the dist tag loses its rebuild suffix.
		base := before
		dist := strings.TrimPrefix(oracleDefines(preset)[0], "dist ")
		if i := strings.LastIndex(before, dist); i >= 0 {
			base = before[:i+len(dist)] + reRebuildTail.ReplaceAllString(before[i+len(dist):], "")
		}
		if lines[0] != base+".alma.1" {
			t.Errorf("%s: rpm's release went from %q to %q, want %q", rel, before, lines[0], base+".alma.1")
		}
		if cl {
			want := "1893585600 Alma Builder <builder@almalinux.org>"
			if len(lines) < 2 || !strings.HasPrefix(lines[1], want) || !strings.HasSuffix(lines[1], "1-1.alma.1") {
				t.Errorf("%s: rpm's first changelog entry is %q, want %q ... 1-1.alma.1", rel, lines[1], want)
			}
		}
		checked++
	}
	t.Logf("rpmspec confirmed SetReleaseSuffix on %d specs, AddChangelogEntry on %d (%d %%autochangelog)", checked, checked-autoCL, autoCL)
	if checked < 3 {
		t.Errorf("only %d specs checked", checked)
	}
}

// TestEditRPMSpecOracle checks edits with rpm itself: after AddPatch,
// rpmspec's expanded %prep applies the new file; after RemovePatch, it no
// longer names the removed one.
func TestEditRPMSpecOracle(t *testing.T) {
	rpmspec := testenv.RPMSpec(t)
	root := testenv.Corpus(t)
	cases := map[string]string{
		"openela/curl/el9/curl.spec":          "el9",
		"openela/curl/el8/curl.spec":          "el8",
		"openela/openssl/el9/openssl.spec":    "el9",
		"openela/openssl/el8/openssl.spec":    "el8",
		"openela/expat/el8/expat.spec":        "el8",
		"openela/expat/el9/expat.spec":        "el9",
		"eurolinux/curl/el7/curl.spec":        "el8",
		"fedora/openssl/rawhide/openssl.spec": "fedora",
		"fedora-specs/gcc.spec":               "fedora",
	}
	// And a deterministic sample of Fedora specs with patches.
	all, _ := filepath.Glob(filepath.Join(root, "fedora-specs", "*.spec"))
	sort.Strings(all)
	for i, f := range all {
		if i%15 == 0 {
			rel, _ := filepath.Rel(root, f)
			cases[rel] = "fedora"
		}
	}
	if testing.Short() {
		cases = map[string]string{"openela/curl/el9/curl.spec": "el9"}
	}
	var checked, skipped int
	for rel, preset := range cases {
		data, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		tg, _ := Preset(preset)
		e, err := NewEditor(filepath.Base(rel), data, Options{Target: tg})
		if err != nil || len(e.Spec().Patches) == 0 {
			continue
		}
		before, ok := rpmspecPrep(t, rpmspec, data, preset)
		if !ok || !strings.Contains(before, e.Spec().Patches[0].File) {
			skipped++ // rpmspec cannot read it, or applies patches out of sight
			continue
		}
		const newFile = "zz-oracle-new.patch"
		if _, err := e.AddPatch(newFile, []string{"AlmaLinux Patch"}, PatchOptions{Min: 1000}); err != nil {
			if strings.Contains(err.Error(), "%patchlist") {
				continue
			}
			t.Errorf("%s: AddPatch: %v", rel, err)
			continue
		}
		after, ok := rpmspecPrep(t, rpmspec, e.Bytes(), preset)
		if !ok {
			t.Errorf("%s: rpmspec cannot read the spec after AddPatch", rel)
			continue
		}
		if strings.Contains(before, newFile) || !strings.Contains(after, newFile) {
			t.Errorf("%s: rpmspec's %%prep does not apply %s after AddPatch", rel, newFile)
		}
		// Remove the first declared patch of the original spec.
		first := e.Spec().Patches[0]
		if err := e.RemovePatch(first.Number); err != nil {
			t.Errorf("%s: RemovePatch(%d): %v", rel, first.Number, err)
			continue
		}
		removed, ok := rpmspecPrep(t, rpmspec, e.Bytes(), preset)
		if !ok {
			t.Errorf("%s: rpmspec cannot read the spec after RemovePatch", rel)
			continue
		}
		if strings.Contains(removed, "("+first.File+")") || strings.Contains(removed, "/"+first.File+" ") || !strings.Contains(removed, newFile) {
			t.Errorf("%s: after RemovePatch(%d), rpmspec's %%prep still names %s or lost %s", rel, first.Number, first.File, newFile)
		}
		checked++
	}
	t.Logf("rpmspec confirmed AddPatch+RemovePatch on %d specs (%d not readable by rpmspec here)", checked, skipped)
	if checked == 0 {
		t.Error("no spec checked")
	}
}
