package autopatch_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/patchtrace/patchtrace/input"
	"github.com/patchtrace/patchtrace/provenance"
	"github.com/patchtrace/patchtrace/provenance/autopatch"
	"github.com/patchtrace/patchtrace/provenance/source"
)

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func file(name, content string) source.File {
	return source.File{Name: name, Path: "SOURCES/" + name, SHA256: content, Data: []byte(content)}
}

// widget returns the fixture: an origin package, the rebuild made of it
// by config.yaml, and the config.
func widget(t *testing.T) (*source.Package, *source.Package, *autopatch.Config) {
	cfg, err := autopatch.ParseBytes("widget/config.yaml", read(t, "widget/config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	origin := &source.Package{Origin: "c9s", SpecName: "SPECS/widget.spec", Spec: read(t, "widget/origin.spec"),
		Files: []source.File{file("widget-fix-build.patch", "a"), file("widget-vendor-logo.patch", "b"), file("vendor-ca.cer", "c"), file("widget.conf", "vendor=example")}}
	target := &source.Package{Origin: "alma", SpecName: "SPECS/widget.spec", Spec: read(t, "widget/target.spec"),
		Files: []source.File{file("widget-fix-build.patch", "a"), file("widget-almalinux-logo.patch", "d"), file("almalinux-ca.cer", "e"), file("widget.conf", "vendor=almalinux")}}
	return origin, target, cfg
}

func TestParseEveryAction(t *testing.T) {
	_, _, cfg := widget(t)
	var kinds []string
	for _, a := range cfg.Actions {
		kinds = append(kinds, a.Kind())
	}
	want := "replace replace replace replace replace delete_line delete_files delete_files add_files add_files add_line run_script modify_release changelog_entry"
	if got := strings.Join(kinds, " "); got != want {
		t.Fatalf("kinds:\n got %s\nwant %s", got, want)
	}
	r := cfg.Actions[1].(*autopatch.Replace)
	if r.RFind != `VENDOR="[a-z]+"` || r.Count != 1 || r.Pos().String() != "widget/config.yaml:11:9" {
		t.Errorf("rfind entry: %+v at %s", r, r.Pos())
	}
	if a := cfg.Actions[9].(*autopatch.AddFile); a.ModifySpec || a.Type != "source" || !a.InsertAlmaLinuxLine {
		t.Errorf("add_files source: %+v", a)
	}
	if a := cfg.Actions[8].(*autopatch.AddFile); a.Number != 1000 || !a.ModifySpec {
		t.Errorf("add_files patch: %+v", a)
	}
	if a := cfg.Actions[11].(*autopatch.RunScript); a.Script != "regenerate-logo.sh" || a.Cwd != "rpms" {
		t.Errorf("run_script: %+v", a)
	}
	if a := cfg.Actions[12].(*autopatch.ModifyRelease); a.Suffix != ".alma.1" || !a.Enabled {
		t.Errorf("modify_release: %+v", a)
	}
	if a := cfg.Actions[13].(*autopatch.ChangelogEntry); a.Name != "Alma Packager" || len(a.Lines) != 1 {
		t.Errorf("changelog_entry: %+v", a)
	}
	if a := cfg.Actions[10].(*autopatch.AddLine); a.Section != "install" || a.Location != "bottom" || !strings.HasPrefix(a.Content, "install -m") {
		t.Errorf("add_line: %+v", a)
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"actions:\n  - replace:\n      - target: spec\n        replace: x\n", "c.yaml:3:9: invalid autopatch config: replace: either 'find' or 'rfind' must be given"},
		{"actions:\n  - replace:\n      - target: spec\n        find: a\n        rfind: b\n        replace: x\n", "c.yaml:5:9: invalid autopatch config: replace: only one of 'find' or 'rfind' can be given, not both"},
		{"actions:\n  - replace:\n      - target: spec\n        find: a\n        replace: x\n        count: many\n", "c.yaml:6:16: invalid autopatch config: replace: invalid type for 'count': expected int, got str"},
		{"actions:\n  - modify_release:\n    - suffix: .alma.1\n      colour: red\n", `c.yaml:4:7: invalid autopatch config: modify_release: unexpected key "colour" (allowed: auto_increment, enabled, suffix)`},
		{"actions:\n  - modify_release:\n    - suffix: .alma\n      auto_increment: true\n", `c.yaml:3:15: invalid autopatch config: modify_release: suffix ".alma" must end with a number when auto_increment is enabled`},
		{"actions:\n  - add_files:\n    - type: tarball\n      name: x\n", `c.yaml:3:13: invalid autopatch config: add_files: invalid file type "tarball" (allowed: patch, source)`},
		{"actions:\n  - add_files:\n    - type: patch\n      name: x\n      number: 0\n", "c.yaml:5:15: invalid autopatch config: add_files: invalid value for 'number': must be greater than 0"},
		{"actions:\n  - add_files:\n    - type: patch\n      name: x\n      number: Last\n", "c.yaml:5:15: invalid autopatch config: add_files: invalid value for 'number': must be an integer or 'Latest'"},
		{"actions:\n  - add_line:\n    - target: spec\n      section: install\n      location: middle\n      content: x\n", `c.yaml:5:17: invalid autopatch config: add_line: invalid location "middle": must be 'top' or 'bottom'`},
		{"actions:\n  - run_script:\n    - script: a.sh\n      cwd: /tmp\n", "c.yaml:4:12: invalid autopatch config: run_script: invalid value for 'cwd': must be 'rpms' or 'autopatch'"},
		{"actions:\n  - changelog_entry:\n    - name: A\n      email: a@b\n      line: []\n", "c.yaml:5:13: invalid autopatch config: changelog_entry: value for 'line' cannot be empty"},
		{"actions:\n  - delete_line:\n    - target: spec\n", `c.yaml:3:7: invalid autopatch config: delete_line: missing required key "lines"`},
		{"actions:\n  - delete_files:\n      file_name: x\n", "c.yaml:3:7: invalid autopatch config: action entries for 'delete_files' must be a list"},
		{"actions:\n  - rename:\n    - a: b\n", "c.yaml:2:5: invalid autopatch config: unknown action type: rename"},
		{"parameters:\n  pre_clean: true\n", "c.yaml:1:1: invalid autopatch config: missing 'actions' section"},
		{"actions: [\n", "c.yaml:1: invalid autopatch config: did not find expected node content"},
	} {
		_, err := autopatch.ParseBytes("c.yaml", []byte(c.yaml))
		if err == nil || err.Error() != c.want {
			t.Errorf("%q:\n got %v\nwant %s", c.yaml, err, c.want)
			continue
		}
		var pe *input.Error
		if !errors.As(err, &pe) || pe.Pos.Line == 0 || !errors.Is(err, autopatch.ErrConfig) {
			t.Errorf("%q: not a positioned ErrConfig: %#v", c.yaml, err)
		}
	}
	big := strings.Repeat("#", autopatch.MaxConfigSize+1)
	if _, err := autopatch.Parse("big.yaml", strings.NewReader(big)); !errors.Is(err, input.ErrTooLarge) {
		t.Errorf("big config: %v", err)
	}
}

func TestParseFS(t *testing.T) {
	fsys := fstest.MapFS{
		"pkg/config.yaml":        {Data: []byte("actions:\n  - modify_release:\n    - suffix: .alma.1\n")},
		"pkg/config-nvidia.yaml": {Data: []byte("parameters:\n  custom_target_branch: a9-nvidia\nactions:\n  - modify_release:\n    - suffix: .alma.nvidia.1\n")},
		"pkg/notes.yaml":         {Data: []byte("not a config")},
	}
	cfgs, err := autopatch.ParseFS(fsys, "pkg")
	if err != nil || len(cfgs) != 2 || cfgs[0].File != "pkg/config.yaml" || cfgs[1].Parameters.CustomTargetBranch != "a9-nvidia" {
		t.Fatalf("%v %+v", err, cfgs)
	}
	fsys["pkg/config-extra.yaml"] = &fstest.MapFile{Data: []byte("actions:\n  - modify_release:\n    - suffix: .x1\n")}
	if _, err := autopatch.ParseFS(fsys, "pkg"); err == nil || !strings.Contains(err.Error(), "custom_target_branch") {
		t.Errorf("config-extra.yaml without a branch: %v", err)
	}
}

// TestExplainEveryAction: each change of the fixture rebuild is explained
// by the action that makes it, every action type explains something, and
// changes no action makes are flagged.
func TestExplainEveryAction(t *testing.T) {
	origin, target, cfg := widget(t)
	res := autopatch.Explain([]*autopatch.Config{cfg}, origin, target, nil)
	byKind := map[string]int{}
	for _, c := range res.Changes {
		if !c.Explained() {
			t.Errorf("unexplained %s %s:%d %q", c.Kind, c.File, c.Line, c.Text)
		}
		for _, a := range c.By {
			byKind[a.Kind()]++
		}
	}
	for _, k := range []string{"replace", "delete_line", "delete_files", "add_files", "add_line", "modify_release", "changelog_entry"} {
		if byKind[k] == 0 {
			t.Errorf("no change attributed to %s", k)
		}
	}
	if len(res.Unused) != 0 {
		t.Errorf("unused: %v", res.Unused)
	}
	if why := res.NotEvaluated[cfg.Actions[11]]; !strings.Contains(why, "never run") {
		t.Errorf("run_script not reported: %v", res.NotEvaluated)
	}
	find := func(kind autopatch.ChangeKind, text string) autopatch.Change {
		for _, c := range res.Changes {
			if c.Kind == kind && c.Text == text {
				return c
			}
		}
		t.Fatalf("no %s change %q", kind, text)
		return autopatch.Change{}
	}
	for _, c := range []struct {
		kind       autopatch.ChangeKind
		text, want string
	}{
		{autopatch.SpecAdded, "Release:        3%{?dist}.alma.1", "modify_release"},
		{autopatch.SpecAdded, `%make_build VENDOR="almalinux"`, "replace"},
		{autopatch.SpecAdded, "Patch1000: widget-almalinux-logo.patch", "add_files"},
		{autopatch.SpecAdded, "%patch -P 1000 -p1 -b .widget-almalinux-logo", "add_files"},
		{autopatch.SpecAdded, "# Applying AlmaLinux Patch", "add_files"},
		{autopatch.SpecAdded, "install -m 0644 %{SOURCE1} %{buildroot}%{_datadir}/widget/ca.cer", "add_line"},
		{autopatch.SpecAdded, "- Debrand for AlmaLinux: replace the vendor logo and certificate with", "changelog_entry"},
		{autopatch.SpecRemoved, "ExcludeArch:    s390x", "delete_line"},
		{autopatch.SpecRemoved, "Summary:        Widget tools for Example Enterprise Linux", "replace"},
		{autopatch.FileRemoved, "vendor-ca.cer", "delete_files"},
		{autopatch.FileAdded, "widget-almalinux-logo.patch", "add_files"},
		{autopatch.FileAdded, "almalinux-ca.cer", "add_files"},
		{autopatch.FileChanged, "widget.conf", "replace"},
	} {
		got := find(c.kind, c.text)
		if len(got.By) == 0 || got.By[0].Kind() != c.want {
			t.Errorf("%s %q: by %v, want %s", c.kind, c.text, got.By, c.want)
		}
	}

	// A change no action makes: flagged, with the run_script caveat.
	target.Spec = []byte(strings.Replace(string(target.Spec), "%make_install\n", "%make_install\nrm -rf %{buildroot}/usr/share/doc\n", 1))
	target.Spec = []byte(strings.Replace(string(target.Spec), "License:        MIT\n", "", 1))
	res = autopatch.Explain([]*autopatch.Config{cfg}, origin, target, nil)
	var un []string
	for _, c := range res.Unexplained() {
		un = append(un, string(c.Kind)+" "+c.Text)
		if !strings.Contains(c.Note, "not evaluated") {
			t.Errorf("%q: note %q", c.Text, c.Note)
		}
	}
	if got := strings.Join(un, "|"); got != "spec-removed License:        MIT|spec-added rm -rf %{buildroot}/usr/share/doc" {
		t.Errorf("unexplained: %s", got)
	}

	// A config whose release suffix is not in the rebuild: modify_release
	// is unused, and the rebuild's suffix is unexplained.
	cfg2, err := autopatch.ParseBytes("c.yaml", []byte("actions:\n  - modify_release:\n    - suffix: .alma.2\n"))
	if err != nil {
		t.Fatal(err)
	}
	res = autopatch.Explain([]*autopatch.Config{cfg2}, origin, target, nil)
	if len(res.Unused) != 1 || res.Unused[0].Kind() != "modify_release" {
		t.Errorf("unused: %v", res.Unused)
	}
}

// TestExplainGraph: the own nodes of a provenance graph (an own patch, a
// hunk of it, a release-suffix change, an own source) get their actions.
func TestExplainGraph(t *testing.T) {
	origin, target, cfg := widget(t)
	g := provenance.NewGraph("alma")
	pkg := g.AddNode(provenance.Node{Kind: provenance.KindPackage, Origin: "alma", Name: "widget"}).ID
	own := func(n provenance.Node) string {
		id := g.AddNode(n).ID
		g.AddEdge(provenance.Edge{From: id, To: pkg, Kind: provenance.EdgeNoOrigin, Verdict: provenance.VerdictOwn, Score: 1})
		return id
	}
	p := own(provenance.Node{Kind: provenance.KindPatch, Origin: "alma", Name: "widget-almalinux-logo.patch"})
	h := own(provenance.Node{Kind: provenance.KindHunk, Origin: "alma", Name: "widget-almalinux-logo.patch#1"})
	g.AddEdge(provenance.Edge{From: h, To: p, Kind: provenance.EdgePartOf, Verdict: provenance.VerdictApplied, Score: 1})
	own(provenance.Node{Kind: provenance.KindChange, Origin: "alma", Name: "release-suffix", Attrs: map[string]string{"change": "release-suffix", "old": "3.el9", "new": "3.el9.alma.1", "line": "3"}})
	own(provenance.Node{Kind: provenance.KindChange, Origin: "alma", Name: "patch-removed:widget-vendor-logo.patch", Attrs: map[string]string{"change": "patch-removed", "old": "Patch1: widget-vendor-logo.patch"}})
	own(provenance.Node{Kind: provenance.KindSource, Origin: "alma", Name: "almalinux-ca.cer"})
	own(provenance.Node{Kind: provenance.KindPatch, Origin: "alma", Name: "mystery.patch"})
	res := autopatch.Explain([]*autopatch.Config{cfg}, origin, target, g)
	got := map[string]string{}
	for _, c := range res.Changes {
		if c.Kind != autopatch.GraphNode {
			continue
		}
		k := "-"
		if len(c.By) > 0 {
			k = c.By[0].Kind()
		}
		got[c.Text] = k
	}
	want := map[string]string{"widget-almalinux-logo.patch": "add_files", "widget-almalinux-logo.patch#1": "add_files",
		"release-suffix": "modify_release", "patch-removed:widget-vendor-logo.patch": "delete_line", "almalinux-ca.cer": "add_files", "mystery.patch": "-"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
}
