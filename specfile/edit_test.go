package specfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/patchtrace/patchtrace/internal/testenv"
	"github.com/sergi/go-diff/diffmatchpatch"
)

// lineDiff returns the lines (with "\r" kept, "\n" dropped) that b removes
// from a and adds to it, as a line diff sees them.
func lineDiff(a, b []byte) (removed, added []string) {
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = time.Minute
	ca, cb, lines := dmp.DiffLinesToChars(string(a), string(b))
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(ca, cb, false), lines)
	for _, d := range diffs {
		ls := strings.SplitAfter(d.Text, "\n")
		if len(ls) > 0 && ls[len(ls)-1] == "" {
			ls = ls[:len(ls)-1]
		}
		for _, l := range ls {
			l = strings.TrimSuffix(l, "\n")
			switch d.Type {
			case diffmatchpatch.DiffDelete:
				removed = append(removed, l)
			case diffmatchpatch.DiffInsert:
				added = append(added, l)
			}
		}
	}
	return removed, added
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "edit", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func newEditor(t *testing.T, data []byte, name, preset string) *Editor {
	t.Helper()
	tg, err := Preset(preset)
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEditor(name, data, Options{Target: tg})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func intp(n int) *int { return &n }

// checkDiff asserts that the edit removed and added exactly these lines.
func checkDiff(t *testing.T, before, after []byte, removed, added []string) {
	t.Helper()
	r, a := lineDiff(before, after)
	if diff := cmp.Diff(removed, r); diff != "" {
		t.Errorf("removed lines (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(added, a); diff != "" {
		t.Errorf("added lines (-want +got):\n%s", diff)
	}
}

// planned reports whether s declares patch num as file and %prep applies it.
func planned(s *Spec, num int, file string) (declared, applied bool) {
	for _, p := range s.Patches {
		if p.Number == num && p.File == file {
			declared = true
		}
	}
	for _, a := range s.Plan {
		if a.Number == num && a.Section == "prep" {
			applied = true
		}
	}
	return
}

func TestAddPatchFixtures(t *testing.T) {
	tests := []struct {
		fixture, preset, file string
		comment               []string
		opts                  PatchOptions
		wantNum               int
		removed, added        []string
	}{
		{
			fixture: "padded.spec", preset: "el9", file: "0003-new.patch",
			comment: []string{"Upstream: https://example.org/commit/abc"},
			wantNum: 3,
			added:   []string{"# Upstream: https://example.org/commit/abc", "patch0003:\t0003-new.patch", "%patch -P 3 -p1"},
		},
		{
			fixture: "padded.spec", preset: "el9", file: "p0.patch", opts: PatchOptions{Strip: intp(0)},
			wantNum: 3,
			added:   []string{"patch0003:\tp0.patch", "%patch -P 3 -p0"},
		},
		{
			fixture: "conditional.spec", preset: "el9", file: "new.patch",
			comment: []string{"# AlmaLinux Patch"}, opts: PatchOptions{Min: 1000, ApplyComment: []string{"Applying AlmaLinux Patch"}},
			wantNum: 1000,
			added:   []string{"# AlmaLinux Patch", "Patch1000:      new.patch", "# Applying AlmaLinux Patch", "%patch 1000 -p2"},
		},
		{
			fixture: "conditional.spec", preset: "el9", file: "in.patch", opts: PatchOptions{InsideCondition: true, Number: intp(7)},
			wantNum: 7,
			added:   []string{"Patch7:         in.patch", "%patch 7 -p2"},
		},
		{
			fixture: "autopatch.spec", preset: "fedora", file: "new.patch",
			wantNum: 51,
			removed: []string{"%autopatch -p1 -m 50 -M 50"},
			added:   []string{"Patch51:        new.patch", "%autopatch -p1 -m 50 -M 51"},
		},
		{
			fixture: "autopatch.spec", preset: "fedora", file: "two.patch", opts: PatchOptions{Number: intp(2)},
			wantNum: 2,
			added:   []string{"Patch2:         two.patch"},
		},
		{
			fixture: "unnumbered.spec", preset: "fedora", file: "https://example.org/fix/1.patch#/upstream-fix.patch",
			wantNum: 2,
			added:   []string{"Patch:   https://example.org/fix/1.patch#/upstream-fix.patch"},
		},
		{
			fixture: "loop.spec", preset: "el9", file: "three.patch",
			wantNum: 3,
			added:   []string{"Patch3: three.patch"},
		},
		{
			fixture: "applypatch.spec", preset: "el9", file: "c.patch",
			wantNum: 3,
			added:   []string{"Patch3: c.patch", "%apply_patch -q %{PATCH3}"},
		},
		{
			fixture: "unnumbered.spec", preset: "fedora", file: "c.patch",
			wantNum: 2,
			added:   []string{"Patch:   c.patch"},
		},
		{
			fixture: "nopatches.spec", preset: "el9", file: "first.patch", comment: []string{"why"},
			wantNum: 0,
			added:   []string{"", "# why", "Patch0: first.patch", "%patch -P 0 -p1"},
		},
		{
			fixture: "patchlist.spec", preset: "fedora", file: "listed-three.patch", comment: []string{"third"},
			wantNum: 3,
			added:   []string{"# third", "listed-three.patch"},
		},
		{
			fixture: "crlf.spec", preset: "el9", file: "one.patch",
			wantNum: 1,
			added:   []string{"Patch1: one.patch\r", "%patch1 -p1\r"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.fixture+"/"+tt.file, func(t *testing.T) {
			before := readFixture(t, tt.fixture)
			e := newEditor(t, before, tt.fixture, tt.preset)
			num, err := e.AddPatch(tt.file, tt.comment, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if num != tt.wantNum {
				t.Errorf("number = %d, want %d", num, tt.wantNum)
			}
			checkDiff(t, before, e.Bytes(), tt.removed, tt.added)
			if d, a := planned(e.Spec(), num, patchBase(tt.file)); !d || !a {
				t.Errorf("re-parse: declared %v, applied %v", d, a)
			}
		})
	}
}

func TestAddPatchPlacement(t *testing.T) {
	before := readFixture(t, "conditional.spec")
	e := newEditor(t, before, "conditional.spec", "el9")
	if _, err := e.AddPatch("new.patch", []string{"AlmaLinux Patch"}, PatchOptions{Min: 1000}); err != nil {
		t.Fatal(err)
	}
	got := string(e.Bytes())
	for _, want := range []string{
		"%endif\n# AlmaLinux Patch\nPatch1000:      new.patch\n",
		"%patch 3 -p2\n%endif\n%patch 1000 -p2\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("edited spec lacks %q:\n%s", want, got)
		}
	}
	// The declaration is outside the %if: a target without rhel still
	// sees it.
	tg, _ := Preset("fedora")
	s, err := Parse("c.spec", strings.NewReader(got), Options{Target: tg})
	if err != nil {
		t.Fatal(err)
	}
	if d, a := planned(s, 1000, "new.patch"); !d || !a {
		t.Errorf("fedora target: declared %v applied %v", d, a)
	}
	if d, _ := planned(s, 3, "rhel-only.patch"); d {
		t.Errorf("fedora target sees the rhel-only patch")
	}
}

func TestAddPatchRefusals(t *testing.T) {
	before := readFixture(t, "padded.spec")
	e := newEditor(t, before, "padded.spec", "el9")
	if _, err := e.AddPatch("x.patch", nil, PatchOptions{Number: intp(2)}); !errors.Is(err, ErrDuplicatePatch) {
		t.Errorf("duplicate number: err = %v", err)
	}
	if _, err := e.AddPatch("0002-fix-lexer.patch", nil, PatchOptions{}); !errors.Is(err, ErrEdit) {
		t.Errorf("duplicate file: err = %v", err)
	}
	if _, err := e.AddPatch("bad name.patch", nil, PatchOptions{}); !errors.Is(err, ErrEdit) {
		t.Errorf("bad file: err = %v", err)
	}
	if string(e.Bytes()) != string(before) {
		t.Errorf("refused edits changed the spec")
	}
	// %patchlist entries take the next number: another one is refused.
	pl := newEditor(t, readFixture(t, "patchlist.spec"), "patchlist.spec", "fedora")
	if _, err := pl.AddPatch("x.patch", nil, PatchOptions{Min: 1000}); !errors.Is(err, ErrEdit) {
		t.Errorf("%%patchlist with Min 1000: err = %v", err)
	}
	// A number declared only in a false %if branch is still taken.
	c := newEditor(t, readFixture(t, "conditional.spec"), "conditional.spec", "fedora")
	if _, err := c.AddPatch("x.patch", nil, PatchOptions{Number: intp(3)}); !errors.Is(err, ErrDuplicatePatch) {
		t.Errorf("number used in a false branch: err = %v", err)
	}
	if n, err := c.AddPatch("x.patch", nil, PatchOptions{}); err != nil || n != 4 {
		t.Errorf("next free number with a false-branch Patch3: %d %v", n, err)
	}
}

func TestRemovePatchFixtures(t *testing.T) {
	tests := []struct {
		fixture, preset string
		num             int
		removed, added  []string
	}{
		{"padded.spec", "el9", 1, []string{"# upstream fix for the parser", "patch0001:\t0001-fix-parser.patch", "%patch -P 1 -p1 -b .parser"}, nil},
		{"conditional.spec", "el9", 3, []string{"# only on RHEL", "Patch3:         rhel-only.patch", "%patch 3 -p2"}, nil},
		{"applypatch.spec", "el9", 2, []string{"Patch2: b.patch", "%apply_patch -q %{PATCH2}"}, nil},
		{"autopatch.spec", "fedora", 50, []string{"# Patches for the tests, applied after a fix-up", "Patch50:        fifty.patch"}, nil},
		{"crlf.spec", "el9", 0, []string{"Patch0: zero.patch\r", "%patch0 -p1\r"}, nil},
		{"patchlist.spec", "fedora", 1, []string{"# first listed", "listed-one.patch"}, nil},
		{"loop.spec", "el9", 1, []string{"Patch1: one.patch"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			before := readFixture(t, tt.fixture)
			e := newEditor(t, before, tt.fixture, tt.preset)
			if err := e.RemovePatch(tt.num); err != nil {
				t.Fatal(err)
			}
			checkDiff(t, before, e.Bytes(), tt.removed, tt.added)
		})
	}
	e := newEditor(t, readFixture(t, "padded.spec"), "padded.spec", "el9")
	if err := e.RemovePatch(42); !errors.Is(err, ErrNoPatch) {
		t.Errorf("missing patch: err = %v", err)
	}
}

func TestRemoveNumberToken(t *testing.T) {
	tests := []struct {
		line    string
		num     int
		patch   bool
		want    string
		changed bool
	}{
		{"%patch -p1 -P 0 -P 1 -P 2", 1, true, "%patch -p1 -P 0 -P 2", true},
		{"%patch -p1 -P1 -P2", 2, true, "%patch -p1 -P1", true},
		{"%patch -p1 0 1 2", 0, true, "%patch -p1 1 2", true},
		{"%patch -P 3 -p1", 3, true, "", true},
		{"%patch3 -p1", 3, true, "", true},
		{"%patch3 -p1", 4, true, "", false},
		{"%autopatch -p1 1 2", 2, false, "%autopatch -p1 1", true},
		{"%autopatch -p1 2", 2, false, "", true},
		{"%autopatch -p 1 -M 5", 1, false, "%autopatch -p 1 -M 5", false},
	}
	for _, tt := range tests {
		got, changed := removeNumberToken(tt.line, tt.num, tt.patch)
		if changed != tt.changed || changed && got != tt.want {
			t.Errorf("removeNumberToken(%q, %d) = %q, %v; want %q, %v", tt.line, tt.num, got, changed, tt.want, tt.changed)
		}
	}
}

func TestNewPatchLine(t *testing.T) {
	tests := []struct {
		tmpl  string
		num   int
		strip *int
		want  string
	}{
		{"%patch105 -p1", 1000, nil, "%patch1000 -p1"},
		{"%patch13 -p1 -b .CVE-2022-43680", 14, nil, "%patch14 -p1"},
		{"%patch -P 2 -p1", 3, intp(2), "%patch -P 3 -p2"},
		{"%patch -P2 -p1 -R", 9, nil, "%patch -P9 -p1"},
		{"%patch 2 -p1 -F 2", 9, nil, "%patch 9 -p1 -F 2"},
		{"%patch -p1 -P 0 1 2", 7, nil, "%patch -p1 -P 7"},
		{"%patch -p1", 7, nil, "%patch -p1 -P 7"},
		{"%{patch} -p 1 -P 4", 5, intp(0), "%{patch} -p 0 -P 5"},
		{"%patch0001 -p1", 2, nil, "%patch0002 -p1"},
		{"echo", 1, nil, ""},
	}
	for _, tt := range tests {
		if got := newPatchLine(tt.tmpl, tt.num, tt.strip); got != tt.want {
			t.Errorf("newPatchLine(%q, %d) = %q, want %q", tt.tmpl, tt.num, got, tt.want)
		}
	}
}

func TestWithReleaseSuffix(t *testing.T) {
	tests := []struct{ in, want string }{
		{"28%{?dist}", "28%{?dist}.alma.1"},
		{"28%{?dist}.openela.0.1", "28%{?dist}.alma.1"},
		{"26%{?dist}.3", "26%{?dist}.3.alma.1"},
		{"26%{?dist}.3.alma.1", "26%{?dist}.3.alma.1"},
		{"1%{dist}", "1%{dist}.alma.1"},
		{"1%dist", "1%dist.alma.1"},
		{"7", "7.alma.1"},
		{"7.alma.3", "7.alma.1"},
		{"0.1.git20200101", "0.1.git20200101.alma.1"},
		{"%autorelease", "%{autorelease -n}%{?dist}.alma.1"},
		{"%autorelease -b 5", "%{autorelease -b 5 -n}%{?dist}.alma.1"},
		{"%{autorelease}", "%{autorelease -n}%{?dist}.alma.1"},
		{"%{autorelease -n}%{?dist}.alma.1", "%{autorelease -n}%{?dist}.alma.1"},
		{"%{autorelease -n}%{?dist}.rocky.0.1", "%{autorelease -n}%{?dist}.alma.1"},
	}
	for _, tt := range tests {
		if got := withReleaseSuffix(tt.in, ".alma.1"); got != tt.want {
			t.Errorf("withReleaseSuffix(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSetReleaseSuffix(t *testing.T) {
	for _, tt := range []struct {
		fixture, preset, removed, added, release string
	}{
		{"padded.spec", "el9", "Release:\t3%{?dist}", "Release:\t3%{?dist}.alma.1", "3.el9.alma.1"},
		{"conditional.spec", "el9", "Release:        1%{?dist}.rocky.0.1", "Release:        1%{?dist}.alma.1", "1.el9.alma.1"},
		{"nopatches.spec", "el9", "Release: 7", "Release: 7.alma.1", "7.alma.1"},
		{"autopatch.spec", "fedora", "Release:        %autorelease", "Release:        %{autorelease -n}%{?dist}.alma.1", ""},
	} {
		t.Run(tt.fixture, func(t *testing.T) {
			before := readFixture(t, tt.fixture)
			e := newEditor(t, before, tt.fixture, tt.preset)
			if err := e.SetReleaseSuffix("alma.1"); err != nil {
				t.Fatal(err)
			}
			checkDiff(t, before, e.Bytes(), []string{tt.removed}, []string{tt.added})
			if tt.release != "" && e.Spec().Release != tt.release {
				t.Errorf("Release = %q, want %q", e.Spec().Release, tt.release)
			}
			// Setting it again changes nothing.
			again := e.Bytes()
			if err := e.SetReleaseSuffix(".alma.1"); err != nil || string(e.Bytes()) != string(again) {
				t.Errorf("second SetReleaseSuffix: %v, changed %v", err, string(e.Bytes()) != string(again))
			}
		})
	}
	e := newEditor(t, readFixture(t, "padded.spec"), "padded.spec", "el9")
	for _, bad := range []string{"", ".a b", ".a-1", ".%{x}"} {
		if err := e.SetReleaseSuffix(bad); !errors.Is(err, ErrEdit) {
			t.Errorf("SetReleaseSuffix(%q): err = %v", bad, err)
		}
	}
}

func TestAddChangelogEntry(t *testing.T) {
	entry := ChangelogEntry{
		Date:   time.Date(2024, 2, 5, 9, 30, 0, 0, time.UTC),
		Author: "Eduard Abdullin", Email: "eabdullin@almalinux.org", EVR: "1.0-3.alma.1",
		Text: "- Debrand for AlmaLinux\n- Add 100% more %{macros}",
	}
	tests := []struct {
		fixture, preset string
		added           []string
	}{
		// "Jan  8": space padded day, no dash before the EVR, no blank lines.
		{"padded.spec", "el9", []string{"* Mon Feb  5 2024 Eduard Abdullin <eabdullin@almalinux.org> 1.0-3.alma.1", "- Debrand for AlmaLinux", "- Add 100%% more %%{macros}"}},
		// A time of day.
		{"conditional.spec", "el9", []string{"* Mon Feb 05 09:30:00 UTC 2024 Eduard Abdullin <eabdullin@almalinux.org> - 1.0-3.alma.1", "- Debrand for AlmaLinux", "- Add 100%% more %%{macros}"}},
		// No %changelog: one is added at the end.
		{"nopatches.spec", "el9", []string{"", "%changelog", "* Mon Feb 05 2024 Eduard Abdullin <eabdullin@almalinux.org> - 1.0-3.alma.1", "- Debrand for AlmaLinux", "- Add 100%% more %%{macros}"}},
		// CRLF, no final newline.
		{"crlf.spec", "el9", []string{"* Mon Feb 05 2024 Eduard Abdullin <eabdullin@almalinux.org> - 1.0-3.alma.1\r", "- Debrand for AlmaLinux\r", "- Add 100%% more %%{macros}\r"}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			before := readFixture(t, tt.fixture)
			e := newEditor(t, before, tt.fixture, tt.preset)
			if err := e.AddChangelogEntry(entry); err != nil {
				t.Fatal(err)
			}
			checkDiff(t, before, e.Bytes(), nil, tt.added)
			es, err := e.Spec().Changelog()
			if err != nil || len(es) == 0 || es[0].EVR != entry.EVR || es[0].Email != entry.Email {
				t.Errorf("re-parsed changelog: %v %+v", err, es)
			}
		})
	}
	e := newEditor(t, readFixture(t, "autopatch.spec"), "autopatch.spec", "fedora")
	if err := e.AddChangelogEntry(entry); !errors.Is(err, ErrAutochangelog) {
		t.Errorf("%%autochangelog: err = %v", err)
	}
	old := entry
	old.Date = time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := newEditor(t, readFixture(t, "padded.spec"), "p.spec", "el9").AddChangelogEntry(old); !errors.Is(err, ErrEdit) {
		t.Errorf("entry older than the top one: err = %v", err)
	}
	bad := entry
	bad.Text = "* looks like a header"
	if err := newEditor(t, readFixture(t, "padded.spec"), "p.spec", "el9").AddChangelogEntry(bad); !errors.Is(err, ErrEdit) {
		t.Errorf("header-like text: err = %v", err)
	}
}

// corpusEditor opens a corpus spec for editing.
func corpusEditor(t *testing.T, rel, preset string) ([]byte, *Editor) {
	t.Helper()
	data, err := os.ReadFile(testenv.CorpusFile(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return data, newEditor(t, data, filepath.Base(rel), preset)
}

func TestEditCorpusSpecs(t *testing.T) {
	alma := []string{"# AlmaLinux Patch"}
	tests := []struct {
		rel, preset, file string
		opts              PatchOptions
		removed, added    []string
	}{
		{
			"openela/curl/el9/curl.spec", "el9", "1000-fix.patch", PatchOptions{Min: 1000}, nil,
			// The blank line above the block is seen by the diff as below it.
			[]string{"# AlmaLinux Patch", "Patch1000: 1000-fix.patch", "", "%patch1000 -p1"},
		},
		{
			"openela/openssl/el9/openssl.spec", "el9", "1000-fix.patch", PatchOptions{Min: 1000}, nil,
			[]string{"# AlmaLinux Patch", "Patch1000:            1000-fix.patch"},
		},
		{
			// Patch100 is applied by "%autopatch -p1 100" in a false %if:
			// widening "%autopatch -p0 -m 11 -M 99" to 1000 would apply
			// it too, so a line of its own is added.
			"fedora-specs/gcc.spec", "fedora", "1000-fix.patch", PatchOptions{Min: 1000}, nil,
			[]string{"# AlmaLinux Patch", "Patch1000: 1000-fix.patch", "", "%autopatch -p0 1000"},
		},
		{
			// Kernel: patches are applied by ApplyOptionalPatch lines.
			"fedora-specs/kernel.spec", "fedora", "1000-fix.patch", PatchOptions{Min: 1000}, nil,
			[]string{"# AlmaLinux Patch", "Patch1000000: 1000-fix.patch", "", "ApplyOptionalPatch 1000-fix.patch"},
		},
		{
			"openela/expat/el8/expat.spec", "el8", "1000-fix.patch", PatchOptions{Min: 1000, Strip: intp(2)}, nil,
			[]string{"# AlmaLinux Patch", "Patch1000: 1000-fix.patch", "%patch1000 -p2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.rel, func(t *testing.T) {
			before, e := corpusEditor(t, tt.rel, tt.preset)
			num, err := e.AddPatch(tt.file, alma, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			checkDiff(t, before, e.Bytes(), tt.removed, tt.added)
			if d, a := planned(e.Spec(), num, tt.file); !d || !a {
				t.Errorf("re-parse: declared %v, applied %v", d, a)
			}
			// Removing it again restores the spec.
			if err := e.RemovePatch(num); err != nil {
				t.Fatal(err)
			}
			if r, a := lineDiff(before, e.Bytes()); len(r)+len(a) != 0 {
				t.Errorf("add+remove left -%q +%q", r, a)
			}
		})
	}
	// expat el8: patches 0-2 are applied with -p2, the later ones with
	// -p1. Once 3-13 are removed, a new patch copies Patch2's -p2.
	before, e := corpusEditor(t, "openela/expat/el8/expat.spec", "el8")
	for n := 13; n >= 3; n-- {
		if err := e.RemovePatch(n); err != nil {
			t.Fatal(err)
		}
	}
	mid := e.Bytes()
	if r, a := lineDiff(before, mid); len(r) != 22 || len(a) != 0 {
		t.Errorf("removing 11 patches: -%d +%d lines", len(r), len(a))
	}
	num, err := e.AddPatch("expat-2.2.5-new.patch", nil, PatchOptions{})
	if err != nil || num != 3 {
		t.Fatalf("AddPatch: %d %v", num, err)
	}
	checkDiff(t, mid, e.Bytes(), nil, []string{"Patch3: expat-2.2.5-new.patch", "%patch3 -p2"})
	for _, a := range e.Spec().Plan {
		if a.Number == 3 && a.Strip != 2 {
			t.Errorf("new patch applied with -p%d", a.Strip)
		}
	}

	// OpenELA's openssl: replace its rebuild suffix.
	before, e = corpusEditor(t, "openela/openssl/el9/openssl.spec", "el9")
	if err := e.SetReleaseSuffix(".alma.1"); err != nil {
		t.Fatal(err)
	}
	checkDiff(t, before, e.Bytes(), []string{"Release:              28%{?dist}.openela.0.1"}, []string{"Release:              28%{?dist}.alma.1"})
	// curl el9: remove a patch from the middle.
	before, e = corpusEditor(t, "openela/curl/el9/curl.spec", "el9")
	if err := e.RemovePatch(35); err != nil {
		t.Fatal(err)
	}
	checkDiff(t, before, e.Bytes(), []string{"# lowercase the domain names before PSL checks (CVE-2023-46218)", "Patch35:  0035-curl-7.76.1-CVE-2023-46218.patch", "", "%patch35 -p1"}, nil)
}

// corpusSpecs lists every spec of the corpus with the preset to read it
// for.
func corpusSpecs(t *testing.T) map[string]string {
	root := testenv.Corpus(t)
	out := map[string]string{}
	for _, pat := range []string{"*/*/*/*.spec", "*/*/*/SPECS/*.spec", "fedora-specs/*.spec"} {
		m, _ := filepath.Glob(filepath.Join(root, pat))
		for _, f := range m {
			rel, _ := filepath.Rel(root, f)
			preset := "fedora"
			switch {
			case strings.Contains(rel, "el8") || strings.Contains(rel, "el-8"):
				preset = "el8"
			case strings.Contains(rel, "el9") || strings.Contains(rel, "el-9") || strings.HasPrefix(rel, "ciq-rocky-fips"):
				preset = "el9"
			case strings.HasPrefix(rel, "eurolinux"):
				preset = "el8"
			}
			out[f] = preset
		}
	}
	return out
}

// TestEditCorpusSweep makes every edit on every corpus spec the parser
// reads, and checks that each diff touches only the intended lines and
// that the re-parse shows the intended meaning (AddPatch checks the
// latter itself). Specs whose %prep gives no way to apply a patch (no
// %setup at all) may be refused, with ErrEdit; nothing else may fail.
func TestEditCorpusSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	specs := corpusSpecs(t)
	var parsed, added, refused, suffixed, logged, auto int
	for f, preset := range specs {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		tg, _ := Preset(preset)
		name := filepath.Base(f)
		opts := Options{Target: tg}
		e, err := NewEditor(name, data, opts)
		if err != nil {
			continue // the parser's own tests cover these
		}
		parsed++

		// AddPatch, then RemovePatch.
		num, err := e.AddPatch("zz-sweep.patch", []string{"AlmaLinux Patch"}, PatchOptions{Min: 9000})
		if err != nil {
			if !errors.Is(err, ErrEdit) {
				t.Errorf("%s: AddPatch: %v", name, err)
			}
			refused++
		} else {
			added++
			rm, ad := lineDiff(data, e.Bytes())
			for _, l := range rm {
				if !reAutoLine.MatchString(l) {
					t.Errorf("%s: AddPatch removed %q", name, l)
				}
			}
			var decl bool
			for _, l := range ad {
				decl = decl || strings.Contains(l, "zz-sweep.patch") && strings.Contains(strings.ToLower(l), "patch")
			}
			if !decl || len(ad) > 6 {
				t.Errorf("%s: AddPatch added %q", name, ad)
			}
			if err := e.RemovePatch(num); err != nil {
				t.Errorf("%s: RemovePatch(%d) after AddPatch: %v", name, num, err)
			}
			rm, ad = lineDiff(data, e.Bytes())
			for _, l := range append(rm, ad...) {
				if !isBlank(l) && !reAutoLine.MatchString(l) {
					t.Errorf("%s: add+remove left %q", name, l)
				}
			}
		}

		// SetReleaseSuffix.
		e, _ = NewEditor(name, data, opts)
		if err := e.SetReleaseSuffix(".alma.1"); err != nil {
			t.Errorf("%s: SetReleaseSuffix: %v", name, err)
		} else {
			suffixed++
			rm, ad := lineDiff(data, e.Bytes())
			if len(rm) == 0 || len(rm) != len(ad) {
				t.Errorf("%s: SetReleaseSuffix: -%q +%q", name, rm, ad)
			}
			for i := range rm {
				if !reReleaseTag.MatchString(rm[i]) || !strings.Contains(ad[i], ".alma.1") {
					t.Errorf("%s: SetReleaseSuffix: -%q +%q", name, rm[i], ad[i])
				}
			}
		}

		// AddChangelogEntry.
		e, _ = NewEditor(name, data, opts)
		entry := ChangelogEntry{Date: time.Date(2030, 1, 2, 0, 0, 0, 0, time.UTC), Author: "Sweep Test", Email: "sweep@example.org", EVR: "1-1.alma.1", Text: "- sweep"}
		err = e.AddChangelogEntry(entry)
		switch {
		case errors.Is(err, ErrAutochangelog):
			auto++
		case err != nil:
			t.Errorf("%s: AddChangelogEntry: %v", name, err)
		default:
			logged++
			rm, ad := lineDiff(data, e.Bytes())
			if len(rm) != 0 || len(ad) < 2 || len(ad) > 5 {
				t.Errorf("%s: AddChangelogEntry: -%q +%q", name, rm, ad)
			}
		}
	}
	t.Logf("%d specs, %d parsed; AddPatch %d done, %d refused; SetReleaseSuffix %d; AddChangelogEntry %d (%d %%autochangelog)",
		len(specs), parsed, added, refused, suffixed, logged, auto)
	if parsed < len(specs)*9/10 {
		t.Errorf("only %d of %d specs parsed", parsed, len(specs))
	}
	if refused > parsed/50 {
		t.Errorf("AddPatch refused %d of %d specs", refused, parsed)
	}
}

func BenchmarkEditorAddPatch(b *testing.B) {
	data, err := os.ReadFile(testenv.CorpusFile(b, "openela/curl/el9/curl.spec"))
	if err != nil {
		b.Fatal(err)
	}
	tg, _ := Preset("el9")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		e, err := NewEditor("curl.spec", data, Options{Target: tg})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.AddPatch("x.patch", []string{"AlmaLinux Patch"}, PatchOptions{Min: 1000}); err != nil {
			b.Fatal(err)
		}
	}
}
