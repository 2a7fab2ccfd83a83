package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	git "github.com/go-git/go-git/v5"
)

// copyDir copies the regular files of src into a new directory and
// applies edits (name → content; "" removes the file).
func copyDir(t *testing.T, src string, edits map[string]string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range edits {
		p := filepath.Join(dst, name)
		if data == "" {
			os.Remove(p)
			continue
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// exampleHistory loads the built-in example's upstream history.
func exampleHistory(t *testing.T) *git.Repository {
	t.Helper()
	dir, err := exampleDir()
	if err != nil {
		t.Fatal(err)
	}
	repo, err := loadHistory(os.DirFS(filepath.Join(dir, "upstream")))
	if err != nil {
		t.Fatal(err)
	}
	return repo
}

// greetBare writes the built-in example's upstream history as a bare git
// repository and returns its path.
func greetBare(t *testing.T) string {
	t.Helper()
	bare := filepath.Join(t.TempDir(), "greet.git")
	writeBare(t, exampleHistory(t), bare)
	return bare
}

// malformedPatch is a patch whose hunk is cut short.
const malformedPatch = `Subject: [PATCH] Debrand

diff --git a/greet.conf b/greet.conf
--- a/greet.conf
+++ b/greet.conf
@@ -1,3 +1,3 @@
-# greet configuration for Red Hat Enterprise Linux
+# greet configuration for AlmaLinux
`

// TestCommandLine is the table of what trace answers on its command line:
// exit codes (0 ok, 1 findings asked for, 2 usage, 3 input), help,
// flags after the target, conflicting outputs, warnings and findings on
// stderr and in every output form.
func TestCommandLine(t *testing.T) {
	ex, err := exampleDir()
	if err != nil {
		t.Fatal(err)
	}
	target, c9s := filepath.Join(ex, "target"), filepath.Join(ex, "c9s")
	bare := greetBare(t)
	bad := copyDir(t, target, map[string]string{"greet-1.0-debrand.patch": malformedPatch})
	missing := copyDir(t, target, map[string]string{"greet-1.0-leak-fix.patch": ""})
	outside := filepath.Join(t.TempDir(), "secret.patch")
	if err := os.WriteFile(outside, []byte(malformedPatch), 0o644); err != nil {
		t.Fatal(err)
	}
	link := copyDir(t, target, map[string]string{"greet-1.0-debrand.patch": ""})
	if err := os.Symlink(outside, filepath.Join(link, "greet-1.0-debrand.patch")); err != nil {
		t.Fatal(err)
	}
	nodist := copyDir(t, target, nil)
	spec, err := os.ReadFile(filepath.Join(target, "greet.spec"))
	if err != nil {
		t.Fatal(err)
	}
	// The Patch1000 line moved to an %include file, as some specs keep
	// their patch lists.
	incSpec := strings.Replace(string(spec), "Patch1000:      greet-1.0-debrand.patch\n", "Source9: patches.inc\n%include %{SOURCE9}\n", 1)
	include := copyDir(t, target, map[string]string{"greet.spec": incSpec, "patches.inc": "Patch1000: greet-1.0-debrand.patch\n"})
	type check func(t *testing.T, stdout, stderr string)
	has := func(where string, subs ...string) check {
		return func(t *testing.T, stdout, stderr string) {
			s := stdout
			if where == "stderr" {
				s = stderr
			}
			for _, sub := range subs {
				if !strings.Contains(s, sub) {
					t.Errorf("%s lacks %q", where, sub)
				}
			}
		}
	}
	lacks := func(where, sub string) check {
		return func(t *testing.T, stdout, stderr string) {
			s := stdout
			if where == "stderr" {
				s = stderr
			}
			if strings.Contains(s, sub) {
				t.Errorf("%s has %q", where, sub)
			}
		}
	}
	jsonFindings := func(kinds ...string) check {
		return func(t *testing.T, stdout, _ string) {
			var r struct {
				Findings []struct{ Kind, Item string }
				Patches  []struct{ File, Error string }
			}
			if err := json.Unmarshal([]byte(stdout), &r); err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, f := range r.Findings {
				got[f.Kind] = true
			}
			for _, k := range kinds {
				if !got[k] {
					t.Errorf("-json findings %+v lack %s", r.Findings, k)
				}
			}
		}
	}
	for _, c := range []struct {
		name   string
		args   []string
		code   int
		checks []check
	}{
		{"built-in example", nil, 0, []check{has("stdout", "target greet-1.0-3.el9.alma.1", "verdicts (best first", `"rebased 1.00" is a certain rebase`)}},
		{"-h", []string{"-h"}, 0, []check{has("stdout", "usage: trace [flags] TARGET", "Examples:", "Exit status:", "3  input error")}},
		{"--help", []string{"--help"}, 0, []check{has("stdout", "-fail-on-own")}},
		{"flags after the target", []string{target, "-json", "-from", "c9s=" + c9s, "-target", "c9s"}, 0, []check{has("stdout", `"patches": [`)}},
		{"-json with -graph", []string{"-json", "-graph"}, 2, []check{has("stderr", "-json and -graph cannot be used together")}},
		{"-json with -export", []string{"-json", "-export", "spdx", target}, 2, []check{has("stderr", "-json and -export spdx cannot be used together")}},
		{"-graph with -export", []string{"-graph", "-export", "dot"}, 2, []check{has("stderr", "choose one output")}},
		{"bad export format", []string{"-export", "xml"}, 2, []check{has("stderr", `-export "xml": want cyclonedx, spdx or dot`)}},
		{"-only for a document", []string{"-only", "own", "-json"}, 2, []check{has("stderr", "-only filters the table and -export dot")}},
		{"two targets", []string{target, c9s}, 2, []check{has("stderr", "want exactly one TARGET, got 2", "Run 'trace -h' for usage.")}},
		{"no target", []string{"-from", "c9s=" + c9s}, 2, []check{has("stderr", "no TARGET given")}},
		{"bad -from", []string{"-from", "noequals", target}, 2, []check{has("stderr", "want NAME=SOURCE or NAME:PRESET=SOURCE")}},
		{"two sources one name", []string{"-from", "target=" + c9s, target}, 2, []check{has("stderr", `both named "target"`)}},
		{"unknown preset", []string{"-target", "nosuchpreset"}, 2, []check{has("stderr", `unknown target preset "nosuchpreset"`)}},
		{"unknown flag after the target", []string{target, "-bogus"}, 2, []check{has("stderr", "flag provided but not defined: -bogus")}},
		{"missing target directory", []string{"/nonexistent/greet"}, 3, []check{has("stderr", "no such file or directory")}},
		{"missing upstream repository", []string{"-upstream", "x=/nonexistent", target}, 3, nil},
		{"bad upstream revision", []string{"-from", "c9s=" + c9s, "-upstream", "greet=" + bare + "@v1.0..nosuchref", target}, 3, []check{has("stderr", "nosuchref")}},
		{"no origin warns", []string{target}, 0, []check{has("stderr", "trace: warning: target: no packaging origin or upstream given"), has("stdout", "  no-origin: target: no packaging origin or upstream given", "target: read with no preset (none given or detected)")}},
		{"no origin in -json", []string{"-json", target}, 0, []check{jsonFindings("no-origin")}},
		{"-fail-on-own", []string{"-fail-on-own"}, 1, nil},
		{"-fail-on-error without errors", []string{"-fail-on-error"}, 0, nil},
		{"-name", []string{"-name", "almalinux"}, 0, []check{has("stdout", `target greet-1.0-3.el9.alma.1 (origin "almalinux")`)}},
		{"-name in exports", []string{"-name", "almalinux", "-export", "cyclonedx"}, 0, []check{has("stdout", `"purl": "pkg:rpm/almalinux/greet@1.0-3.el9.alma.1?arch=src"`)}},
		{"vendor from the release without -name", []string{"-export", "spdx"}, 0, []check{has("stdout", "pkg:rpm/almalinux/greet@"), lacks("stdout", "pkg:rpm/target/")}},
		{"-basedir", []string{"-basedir", ex, "-export", "spdx"}, 0, []check{has("stdout", `"sourceInfo": "from target"`, `"sourceInfo": "from c9s"`)}},
		{"-v shows evidence", []string{"-v"}, 0, []check{has("stdout", "byte-identical (sha256", "patch coverage 1.00")}},
		{"-v shows the interdiff of partial and similar matches", []string{"-v"}, 0, []check{has("stdout",
			"interdiff src/util.c: only in the origin (src/util.c): +if (ferror(f)) {",
			`interdiff src/greet.c: only in the target: +fprintf(stderr, "Report bugs at https://bugs.almalinux.org/\n");`,
			"interdiff: none (the same changed lines; only context, order or line numbers differ)")}},
		{"-v -json carries the interdiff", []string{"-v", "-json"}, 0, []check{has("stdout", `"interdiff src/util.c: only in the origin (src/util.c): +fclose(f); (×2)"`)}},
		{"no interdiff without -v", []string{"-json"}, 0, []check{lacks("stdout", "interdiff")}},
		{"-only own", []string{"-only", "own"}, 0, []check{has("stdout", "greet-1.0-debrand.patch", "(1 of 6 patches shown: -only own)"), lacks("stdout", "greet-1.0-leak-fix.patch")}},
		{"-only review dot", []string{"-only", "review", "-export", "dot"}, 0, []check{has("stdout", "only review", "greet-1.0-bug-url.patch"), lacks("stdout", `"patch:target:greet-1.0-leak-fix.patch"`)}},
		{"parse error in the table", []string{"-from", "c9s=" + c9s, "-target", "c9s", bad}, 0, []check{
			has("stdout", "findings (1):\n  patch-error: target: greet-1.0-debrand.patch:", "1000  -       error      -      unreadable: greet-1.0-debrand.patch:8: truncated hunk"),
			has("stderr", "trace: warning: target: greet-1.0-debrand.patch")}},
		{"parse error in -json", []string{"-json", "-from", "c9s=" + c9s, "-target", "c9s", bad}, 0, []check{jsonFindings("patch-error"), has("stdout", `"error": "greet-1.0-debrand.patch:`)}},
		{"parse error in -graph", []string{"-graph", "-from", "c9s=" + c9s, "-target", "c9s", bad}, 0, []check{has("stdout", `"error": "greet-1.0-debrand.patch:`)}},
		{"parse error in SPDX", []string{"-export", "spdx", "-from", "c9s=" + c9s, "-target", "c9s", bad}, 0, []check{has("stdout", `"annotationType": "REVIEW"`, "greet-1.0-debrand.patch:")}},
		{"parse error in CycloneDX", []string{"-export", "cyclonedx", "-from", "c9s=" + c9s, "-target", "c9s", bad}, 0, []check{has("stdout", `"name": "patchtrace:finding"`)}},
		{"parse error in dot", []string{"-export", "dot", "-from", "c9s=" + c9s, "-target", "c9s", bad}, 0, []check{has("stdout", "⚠ greet-1.0-debrand.patch:")}},
		{"-fail-on-error", []string{"-fail-on-error", "-from", "c9s=" + c9s, "-target", "c9s", bad}, 1, nil},
		{"-fail-on-warning", []string{"-fail-on-warning", target}, 1, nil},
		{"%include in the target spec", []string{"-from", "c9s=" + c9s, "-target", "c9s", include}, 0, []check{
			has("stdout", "greet-1.0-debrand.patch         1000  -       own"), lacks("stdout", "spec-error"), lacks("stderr", "cannot include")}},
		{"missing declared patch in the table", []string{"-from", "c9s=" + c9s, "-target", "c9s", missing}, 0, []check{
			has("stdout", "patch-missing: target: greet-1.0-leak-fix.patch: declared and applied (greet.spec:16) but not in the source", "greet-1.0-leak-fix.patch        3     -       error      -      missing: declared and applied"),
			has("stderr", "trace: warning: target: greet-1.0-leak-fix.patch: declared and applied")}},
		{"missing declared patch in -json", []string{"-json", "-from", "c9s=" + c9s, "-target", "c9s", missing}, 0, []check{jsonFindings("patch-missing"), has("stdout", `"missing": "declared and applied`)}},
		{"missing declared patch in SPDX", []string{"-export", "spdx", "-from", "c9s=" + c9s, "-target", "c9s", missing}, 0, []check{has("stdout", "not listed as files (no content to digest): greet-1.0-leak-fix.patch")}},
		{"missing declared patch fails with -fail-on-error", []string{"-fail-on-error", "-from", "c9s=" + c9s, "-target", "c9s", missing}, 1, nil},
		{"patch that is a symlink out of the directory", []string{"-from", "c9s=" + c9s, "-target", "c9s", link}, 0, []check{
			has("stderr", "greet-1.0-debrand.patch: declared and applied"), lacks("stdout", "# greet configuration for AlmaLinux")}},
		{"reversed range", []string{"-from", "c9s=" + c9s, "-target", "c9s", "-upstream", "greet=" + bare + "@main..v1.0", target}, 0, []check{
			has("stderr", "trace: warning: greet: range main..v1.0 has no commit: nothing can match it; the reversed range v1.0..main has 4 commits: were the ends swapped?"),
			has("stdout", "upstream greet: main..v1.0, 0 commits", "empty-range:")}},
		{"reversed range in -json", []string{"-json", "-from", "c9s=" + c9s, "-target", "c9s", "-upstream", "greet=" + bare + "@main..v1.0", target}, 0, []check{jsonFindings("empty-range")}},
		{"empty range fails with -fail-on-warning", []string{"-fail-on-warning", "-from", "c9s=" + c9s, "-target", "c9s", "-upstream", "greet=" + bare + "@main..main", target}, 1, nil},
		{"no -target and no dist tag", []string{nodist}, 0, []check{
			has("stderr", "trace: warning: target: no target preset given and none detected", "%{?dist} is empty")}},
		{"no -target: read as the origin", []string{"-from", "c9s=" + c9s, nodist}, 0, []check{
			has("stdout", "target greet-1.0-3.el9.alma.1", "target: read for c9s (as origin c9s, location c9s; nothing names the target's own distribution)",
				"origin c9s greet-1.0-3.el9: read for c9s (detected from location c9s)"),
			lacks("stderr", "warning")}},
		{"-from NAME:PRESET", []string{"-from", "c9s:el8=" + c9s, "-target", "c9s", target}, 0, []check{
			has("stdout", "origin c9s greet-1.0-3.el8: read for el8 (-from c9s:el8)"),
			has("stderr", "trace: warning: c9s: read for el8 (-from c9s:el8), but its location c9s names c9s (dist .el9, rpm 4.16)")}},
		{"-from NAME:PRESET with an unknown preset", []string{"-from", "c9s:el99=" + c9s, target}, 2, []check{has("stderr", `unknown target preset "el99"`)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), c.args, &out, &errb)
			if code != c.code {
				t.Errorf("trace %q: exit %d, want %d\nstderr:\n%s", c.args, code, c.code, errb.String())
			}
			for _, ch := range c.checks {
				ch(t, out.String(), errb.String())
			}
			if t.Failed() {
				t.Logf("stdout:\n%s\nstderr:\n%s", shortText(out.String(), 3000), errb.String())
			}
		})
	}
}

func shortText(s string, n int) string {
	if len(s) > n {
		return s[:n] + "\n..."
	}
	return s
}

// SOURCE_DATE_EPOCH dates the exports (reproducible documents); without
// it they are dated now.
func TestSourceDateEpoch(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1714000000")
	a, b := runTrace(t, "-export", "spdx"), runTrace(t, "-export", "spdx")
	if a != b || !strings.Contains(a, `"created": "2024-04-24T23:06:40Z"`) {
		t.Errorf("two runs at SOURCE_DATE_EPOCH differ or are not dated 2024-04-24T23:06:40Z:\n%s", shortText(a, 600))
	}
	t.Setenv("SOURCE_DATE_EPOCH", "yesterday")
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"-export", "spdx"}, &out, &errb); code != 2 {
		t.Errorf("SOURCE_DATE_EPOCH=yesterday: exit %d", code)
	}
}
