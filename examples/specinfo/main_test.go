package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchtrace/patchtrace/internal/testenv"
)

const testSpec = `Name: demo
Epoch: 2
Version: 1.0
Release: 4%{?dist}
Summary: demo
License: MIT
%bcond_with extra
Patch0: a.patch
%if %{with extra}
Patch1: extra.patch
%endif
%if 0%{?rhel} >= 9
Patch2: rhel9.patch
%endif
Patch3: %{flavour}.patch
%description
demo
%prep
%patch -P 0 -p1
%patch -P 2 -p1 -R
`

func writeSpec(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "demo.spec")
	if err := os.WriteFile(p, []byte(testSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestJSON(t *testing.T) {
	p := writeSpec(t)
	var out, errb bytes.Buffer
	if code := run([]string{"-target", "el9", "-D", "flavour blue", "-with", "extra", "-json", p}, &out, &errb); code != 0 {
		t.Fatal(code, errb.String())
	}
	var o struct {
		Name, Epoch, Version, Release string
		Patches                       []struct {
			Number int
			File   string
		}
		Plan []struct {
			Number  int
			Reverse bool
		}
		Unapplied []int
	}
	if err := json.Unmarshal(out.Bytes(), &o); err != nil {
		t.Fatal(err)
	}
	if o.Name != "demo" || o.Epoch != "2" || o.Version != "1.0" || o.Release != "4.el9" {
		t.Errorf("NEVR %+v", o)
	}
	var got []string
	for _, p := range o.Patches {
		got = append(got, p.File)
	}
	if strings.Join(got, " ") != "a.patch extra.patch rhel9.patch blue.patch" || o.Patches[3].Number != 3 {
		t.Errorf("patches %+v", o.Patches)
	}
	if len(o.Plan) != 2 || o.Plan[1].Number != 2 || !o.Plan[1].Reverse {
		t.Errorf("plan %+v", o.Plan)
	}
	if len(o.Unapplied) != 2 || o.Unapplied[0] != 1 || o.Unapplied[1] != 3 {
		t.Errorf("unapplied %v", o.Unapplied)
	}
}

func TestText(t *testing.T) {
	p := writeSpec(t)
	var out, errb bytes.Buffer
	if code := run([]string{p, "-target", "fedora", "-D", "flavour red"}, &out, &errb); code != 0 {
		t.Fatal(code, errb.String())
	}
	s := out.String()
	for _, want := range []string{"demo-2:1.0-4.fc44", "0  a.patch", "3  red.patch", "undeclared patch 2 applied by %patch at demo.spec:20", "declared but never applied: [3]"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "rhel9.patch") || strings.Contains(s, "extra.patch") {
		t.Errorf("false branches shown:\n%s", s)
	}
}

// writeFiles writes name → content under a new directory and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const warnSpec = "Name: w\nVersion: 1\nRelease: 1\nSumary: typo\nLicense: MIT\nURL: %{unterminated\n%description\nx\n"

const includeSpec = "Name: inc\nVersion: 1\nRelease: 1\nSummary: x\nLicense: MIT\nSource1: patches.inc\n%include %{SOURCE1}\n%description\nx\n%prep\n%autosetup -p1\n"

// TestCommandLine is the table of what specinfo answers, exit code
// included: directories, warnings in text mode, -fail-on-warning, -h,
// flags after the argument, usage and input errors.
func TestCommandLine(t *testing.T) {
	warn := writeFiles(t, map[string]string{"w.spec": warnSpec})
	flat := writeFiles(t, map[string]string{"inc.spec": includeSpec, "patches.inc": "Patch0: a.patch\nPatch1: b.patch\n"})
	layout := writeFiles(t, map[string]string{"SPECS/inc.spec": includeSpec, "SOURCES/patches.inc": "Patch7: c.patch\n"})
	two := writeFiles(t, map[string]string{"a.spec": "Name: a\n", "b.spec": "Name: b\n"})
	escape := writeFiles(t, map[string]string{"inc.spec": includeSpec})
	secret := writeFiles(t, map[string]string{"secret": "Patch9: stolen.patch\n"})
	if err := os.Symlink(filepath.Join(secret, "secret"), filepath.Join(escape, "patches.inc")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		args     []string
		code     int
		out, err string
	}{
		{"warnings in text mode", []string{warn + "/w.spec"}, 0, "warnings (2):\n  w.spec:4: unknown tag: Sumary: typo", ""},
		{"unterminated brace on one line", []string{warn}, 0, "w.spec:6: unterminated {: {unterminated %description x", ""},
		{"warnings in JSON", []string{"-json", warn}, 0, `"w.spec:4: unknown tag: Sumary: typo"`, ""},
		{"fail on warning", []string{warn, "-fail-on-warning"}, 1, "unknown tag", ""},
		{"no warning, no failure", []string{"-fail-on-warning", flat}, 0, "inc-1-1", ""},
		{"flat directory with %include", []string{flat}, 0, "0  a.patch  (line 1", ""},
		{"SPECS/SOURCES directory, %include from SOURCES", []string{layout}, 0, "7  c.patch", ""},
		{"%include through a symlink out of the directory", []string{escape}, 3, "", "cannot include"},
		{"directory with two specs", []string{two}, 3, "", "2 spec files"},
		{"directory with no spec", []string{secret}, 3, "", "no spec file"},
		{"missing file", []string{"/nonexistent/x.spec"}, 3, "", "no such file"},
		{"malformed spec", []string{writeFiles(t, map[string]string{"bad.spec": "Name: x\n%if 1\n"})}, 3, "", "bad.spec:2"},
		{"no argument", nil, 2, "", "want one SPEC or DIR, got 0 arguments\nRun 'specinfo -h' for usage."},
		{"two arguments", []string{flat, warn}, 2, "", "got 2 arguments"},
		{"unknown preset", []string{"-target", "nope", flat}, 2, "", `unknown target preset "nope"`},
		{"unknown flag", []string{flat, "-bogus"}, 2, "", "flag provided but not defined: -bogus"},
		{"-h", []string{"-h"}, 0, "Examples:", ""},
		{"--help", []string{"--help"}, 0, "Exit status:\n  0  success", ""},
	} {
		var out, errb bytes.Buffer
		code := run(c.args, &out, &errb)
		if code != c.code || !strings.Contains(out.String(), c.out) || !strings.Contains(errb.String(), c.err) {
			t.Errorf("%s: specinfo %q: exit %d\nstdout:\n%s\nstderr:\n%s\nwant exit %d, stdout with %q, stderr with %q",
				c.name, c.args, code, out.String(), errb.String(), c.code, c.out, c.err)
		}
	}
}

func TestCorpusExpat(t *testing.T) {
	p := testenv.CorpusFile(t, "openela/expat/el8/expat.spec")
	var out, errb bytes.Buffer
	if code := run([]string{"-target", "el8", "-json", p}, &out, &errb); code != 0 {
		t.Fatal(code, errb.String())
	}
	var o struct {
		Version, Release string
		Patches          []struct{ Number int }
	}
	json.Unmarshal(out.Bytes(), &o)
	if o.Version != "2.2.5" || o.Release != "11.el8" || len(o.Patches) != 14 {
		t.Errorf("expat el8: %s-%s, %d patches", o.Version, o.Release, len(o.Patches))
	}
}
