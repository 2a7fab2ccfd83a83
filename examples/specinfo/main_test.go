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
	if err := run([]string{"-target", "el9", "-D", "flavour blue", "-with", "extra", "-json", p}, &out, &errb); err != nil {
		t.Fatal(err, errb.String())
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
	if err := run([]string{"-target", "fedora", "-D", "flavour red", p}, &out, &errb); err != nil {
		t.Fatal(err)
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

func TestErrors(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run([]string{"-target", "nope", "x.spec"}, &out, &errb); err == nil {
		t.Error("unknown preset accepted")
	}
	if err := run([]string{}, &out, &errb); err == nil {
		t.Error("missing file accepted")
	}
	bad := filepath.Join(t.TempDir(), "bad.spec")
	os.WriteFile(bad, []byte("Name: x\n%if 1\n"), 0o644)
	if err := run([]string{bad}, &out, &errb); err == nil || !strings.Contains(err.Error(), "bad.spec:2") {
		t.Errorf("error without file:line: %v", err)
	}
}

func TestCorpusExpat(t *testing.T) {
	p := testenv.CorpusFile(t, "openela/expat/el8/expat.spec")
	var out, errb bytes.Buffer
	if err := run([]string{"-target", "el8", "-json", p}, &out, &errb); err != nil {
		t.Fatal(err)
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
