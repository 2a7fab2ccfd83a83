package specfile

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/patchtrace/patchtrace/input"
	"github.com/patchtrace/patchtrace/internal/testenv"
)

func noon(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }

func TestParseChangelogHeaders(t *testing.T) {
	tests := []struct {
		header             string
		date               time.Time
		author, email, evr string
		warnings           int
		wantErr            bool
	}{
		{"* Mon Jan 08 2024 Jan Macku <jamacku@redhat.com> - 7.76.1-26.3", noon(2024, 1, 8), "Jan Macku", "jamacku@redhat.com", "7.76.1-26.3", 0, false},
		{"* Tue Feb  6 2024 A B <a@b.c> - 1:2.3-4", noon(2024, 2, 6), "A B", "a@b.c", "1:2.3-4", 0, false},
		{"* Tue Feb 6 2024 A B <a@b.c> 2.3-4", noon(2024, 2, 6), "A B", "a@b.c", "2.3-4", 0, false},
		{"*  Tue  Feb  6  2024   A   B   <a@b.c>   -   2.3-4  ", noon(2024, 2, 6), "A   B", "a@b.c", "2.3-4", 0, false},
		{"* Tue Feb 06 2024 A B <a@b.c>", noon(2024, 2, 6), "A B", "a@b.c", "", 1, false},
		{"* Tue Feb 06 2024 A B <a@b.c> -2.3-4", noon(2024, 2, 6), "A B", "a@b.c", "2.3-4", 0, false},
		{"* Thu Jul 13 10:11:12 UTC 2023 Jane Roe <jr@x.org> - 1.0-1", time.Date(2023, 7, 13, 10, 11, 12, 0, time.UTC), "Jane Roe", "jr@x.org", "1.0-1", 0, false},
		{"* Wed Oct 14 10:01:24 CDT 2020 Rex Dieter <rdieter@fedoraproject.org> - 5.75.0-1", time.Date(2020, 10, 14, 10, 1, 24, 0, time.UTC), "Rex Dieter", "rdieter@fedoraproject.org", "5.75.0-1", 1, false},
		// CET is a tz database zone: rpm (which sets TZ to the word) and
		// ParseChangelog shift the time.
		{"* Thu Feb  4 09:47:59 CET 2021 Tomas Hrnciar <thrnciar@redhat.com> - 2.15.0-1", time.Date(2021, 2, 4, 8, 47, 59, 0, time.UTC), "Tomas Hrnciar", "thrnciar@redhat.com", "2.15.0-1", 0, false},
		{"* Wed Aug 29 2001 Someone - 1.0-2", noon(2001, 8, 29), "Someone", "", "1.0-2", 1, false},
		{"* Wed Aug 29 2001 Someone some@where.org - 1.0-2", noon(2001, 8, 29), "Someone", "some@where.org", "1.0-2", 0, false},
		{"* Wed Aug 29 2001 Joe <joe at example dot com> - 1.0-2", noon(2001, 8, 29), "Joe", "joe at example dot com", "1.0-2", 0, false},
		{"* thu jul 13 2023 lower <l@c.s> - 1-1", noon(2023, 7, 13), "lower", "l@c.s", "1-1", 0, false},
		{"* Wednesday July 12 2023 Full Names <f@n.x> - 1-1", noon(2023, 7, 12), "Full Names", "f@n.x", "1-1", 0, false},
		// rpm warns "bogus date" when the weekday is wrong.
		{"* Tue Jul 12 2024 A B <a@b.c> - 1-0", noon(2024, 7, 12), "A B", "a@b.c", "1-0", 1, false},
		// rpm errors.
		{"* Tue Jul 32 2022 A B <a@b.c> - 1-0", time.Time{}, "", "", "", 0, true},
		{"* Tue Feb 30 2022 A B <a@b.c> - 1-0", time.Time{}, "", "", "", 0, true},
		{"* Tue Foo 3 2022 A B <a@b.c> - 1-0", time.Time{}, "", "", "", 0, true},
		{"* 2022-07-12 A B <a@b.c> - 1-0", time.Time{}, "", "", "", 0, true},
		{"* Tue Jul 12 22 A B <a@b.c> - 1-0", time.Time{}, "", "", "", 0, true},
		{"* Tue Jul 12 2022", time.Time{}, "", "", "", 0, true},
		{"* Thu Jul 13 25:11:12 UTC 2023 A <a@b> - 1", time.Time{}, "", "", "", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			es, err := ParseChangelog("x.spec", tt.header+"\n- text\n", 10)
			if tt.wantErr {
				if !errors.Is(err, ErrChangelog) {
					t.Fatalf("err = %v, want ErrChangelog", err)
				}
				var pe *input.Error
				if !errors.As(err, &pe) || pe.Pos.File != "x.spec" || pe.Pos.Line != 10 {
					t.Fatalf("err = %#v, want *Error at x.spec:10", err)
				}
				if len(es) != 1 || es[0].Line != 10 || es[0].Text != "- text" {
					t.Fatalf("entries = %+v, want the malformed entry kept", es)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(es) != 1 {
				t.Fatalf("got %d entries", len(es))
			}
			e := es[0]
			if !e.Date.Equal(tt.date) || e.Author != tt.author || e.Email != tt.email || e.EVR != tt.evr || e.Line != 10 || e.Text != "- text" {
				t.Errorf("got %v %q %q %q line %d text %q", e.Date, e.Author, e.Email, e.EVR, e.Line, e.Text)
			}
			if len(e.Warnings) != tt.warnings {
				t.Errorf("warnings = %q, want %d", e.Warnings, tt.warnings)
			}
		})
	}
}

func TestParseChangelogBody(t *testing.T) {
	text := `
* Fri Mar 15 2024 Jacek Migacz <jmigacz@redhat.com> - 7.76.1-26.el9_3.3
- fix cookie (CVE-2023-46218)
  Resolves: RHEL-21097, RHEL-21096

# a comment rpm drops: CVE-1999-0001
- and more
  Related: rhbz#2240033

* Thu Mar 14 2024 X Y <x@y.z> - 1-1
* not a header, rpm reads it as text (#1234)

`
	es, err := ParseChangelog("curl.spec", text, 100)
	if err != nil {
		t.Fatal(err)
	}
	want := []ChangelogEntry{{
		Date: noon(2024, 3, 15), Author: "Jacek Migacz", Email: "jmigacz@redhat.com", EVR: "7.76.1-26.el9_3.3",
		Text: "- fix cookie (CVE-2023-46218)\n  Resolves: RHEL-21097, RHEL-21096\n\n- and more\n  Related: rhbz#2240033",
		Line: 101,
		Refs: []ChangelogRef{
			{Kind: RefCVE, ID: "CVE-2023-46218"},
			{Kind: RefJira, ID: "RHEL-21097", Relation: "Resolves"},
			{Kind: RefJira, ID: "RHEL-21096", Relation: "Resolves"},
			{Kind: RefBugzilla, ID: "2240033", Relation: "Related"},
		},
	}, {
		Date: noon(2024, 3, 14), Author: "X Y", Email: "x@y.z", EVR: "1-1",
		Text: "* not a header, rpm reads it as text (#1234)",
		Line: 109,
		Refs: []ChangelogRef{{Kind: RefIssue, ID: "1234"}},
	}}
	if diff := cmp.Diff(want, es); diff != "" {
		t.Error(diff)
	}
}

func TestParseChangelogRefs(t *testing.T) {
	tests := []struct {
		email, text string
		want        []ChangelogRef
	}{
		{"a@redhat.com", "- Resolves: #RHEL-2031", []ChangelogRef{{RefJira, "RHEL-2031", "Resolves"}}},
		{"a@b.c", "- JIRA: https://issues.redhat.com/browse/RHEL-1492", []ChangelogRef{{RefJira, "RHEL-1492", ""}}},
		{"a@b.c", "- fix (https://bugzilla.redhat.com/show_bug.cgi?id=1234567)", []ChangelogRef{{RefBugzilla, "1234567", ""}}},
		{"a@b.c", "- see https://bugzilla.redhat.com/2170883", []ChangelogRef{{RefBugzilla, "2170883", ""}}},
		{"a@b.c", "- [Orabug: 32013095]", []ChangelogRef{{RefOrabug, "32013095", ""}}},
		{"a@b.c", "- [Orabug: 1234, 5678] CVE-2021-3449", []ChangelogRef{{RefOrabug, "1234", ""}, {RefOrabug, "5678", ""}, {RefCVE, "CVE-2021-3449", ""}}},
		{"a@b.c", "- fix crash (#2170883)", []ChangelogRef{{RefBugzillaImplied, "2170883", ""}}},
		{"a@b.c", "- fix upstream issue #12", []ChangelogRef{{RefIssue, "12", ""}}},
		{"a@redhat.com", "- fix crash (#12345)", []ChangelogRef{{RefBugzillaImplied, "12345", ""}}},
		{"a@b.c", "- fixes bug #12345", []ChangelogRef{{RefBugzillaImplied, "12345", ""}}},
		{"a@b.c", "- Resolves: #123", []ChangelogRef{{RefBugzillaImplied, "123", "Resolves"}}},
		{"a@b.c", "- Resolves: 1234567", []ChangelogRef{{RefBugzillaImplied, "1234567", "Resolves"}}},
		{"a@b.c", "- Resolves: bz #1234, #5678", []ChangelogRef{{RefBugzilla, "1234", "Resolves"}, {RefBugzillaImplied, "5678", "Resolves"}}},
		{"a@b.c", "- Resolves: RHBZ #1234, RHBZ #5678", []ChangelogRef{{RefBugzilla, "1234", "Resolves"}, {RefBugzilla, "5678", "Resolves"}}},
		{"a@b.c", "- Resolves: CVE-2023-1 (too short) cve-2023-12345", []ChangelogRef{{RefCVE, "CVE-2023-12345", "Resolves"}}},
		{"a@b.c", "- Related: rhbz#1 Resolves: rhbz#1234567", []ChangelogRef{{RefBugzilla, "1234567", "Resolves"}}},
		{"a@b.c", "- Related: rhbz#1234 Resolves: rhbz#7654321", []ChangelogRef{{RefBugzilla, "1234", "Related"}, {RefBugzilla, "7654321", "Resolves"}}},
		{"a@b.c", "- PKCS#11 and PKCS#12 support", nil},
		{"a@b.c", "- rebuild for RHEL-9 and RHEL-8.6", nil},
		{"a@b.c", "- Resolves: RHEL-9", []ChangelogRef{{RefJira, "RHEL-9", "Resolves"}}},
		{"a@b.c", "- see https://github.com/foo/bar/issues/12#issuecomment-3", nil},
		{"a@b.c", "- Resolves: rhbz#2216256\n- Related: rhbz#2216256", []ChangelogRef{{RefBugzilla, "2216256", "Resolves"}}},
		{"a@b.c", "- fix (#1234567)\n  Resolves: rhbz#1234567", []ChangelogRef{{RefBugzilla, "1234567", "Resolves"}}},
		{"a@b.c", "- Resolves: jira#RHEL-33468", []ChangelogRef{{RefJira, "RHEL-33468", "Resolves"}}},
		{"a@b.c", "- see XRHEL-1234 and foo/RHEL-1235 and RHEL-1236a", nil},
		{"a@b.c", "- Resolves: OPENJDK-1234", []ChangelogRef{{RefJira, "OPENJDK-1234", "Resolves"}}},
		{"a@b.c", "- Resolves: rbhz#2111111", []ChangelogRef{{RefBugzilla, "2111111", "Resolves"}}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			es, err := ParseChangelog("", "* Mon Jan 08 2024 A B <"+tt.email+"> - 1-1\n"+tt.text+"\n", 1)
			if err != nil || len(es) != 1 {
				t.Fatalf("%v %v", es, err)
			}
			if diff := cmp.Diff(tt.want, es[0].Refs); diff != "" {
				t.Error(diff)
			}
		})
	}
}

func TestParseChangelogProblems(t *testing.T) {
	text := "- text before any header\n" +
		"* Mon Jan 08 2024 A <a@b> - 2\n- two\n" +
		"* Tue Jan 09 2024 A <a@b> - 3\n- out of order\n" +
		"* Mon Jan 32 2024 A <a@b> - 1\n- bad date\n" +
		"* Sun Jan 07 2024 A <a@b> - 0\n"
	es, err := ParseChangelog("p.spec", text, 5)
	if len(es) != 4 {
		t.Fatalf("got %d entries", len(es))
	}
	msg := err.Error()
	for _, want := range []string{"p.spec:5: bad %changelog: entries must start with *", "p.spec:10: bad %changelog: bad date"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if got := es[1].Warnings; len(got) != 1 || !strings.Contains(got[0], "not in descending chronological order") {
		t.Errorf("out-of-order warnings = %q", got)
	}
	if got := es[3].Warnings; len(got) != 1 || got[0] != "no description" {
		t.Errorf("empty entry warnings = %q", got)
	}
	// rpm skips blank lines after a header, then takes the next line as
	// text even when it starts with '*'.
	es, err = ParseChangelog("b.spec", "* Mon Jan 08 2024 A <a@b> - 2\n\n# c\n* bullet\n* Sun Jan 07 2024 A <a@b> - 1\n\n* Sat Jan 06 2024 A <a@b> - 0\n- x\n", 1)
	if err != nil || len(es) != 3 || es[0].Text != "* bullet" || len(es[2].Warnings) != 1 || !strings.Contains(es[2].Warnings[0], "rpm reads it as that entry's text") {
		t.Errorf("headers after blank lines: %v %+v", err, es)
	}
	if es, err := ParseChangelog("a.spec", "\n%autochangelog\n", 1); err != nil || len(es) != 0 {
		t.Errorf("%%autochangelog: %v %v", es, err)
	}
	if es, err := ParseChangelog("a.spec", "", 1); err != nil || len(es) != 0 {
		t.Errorf("empty: %v %v", es, err)
	}
}

// rawChangelog returns the body of the %changelog section of a spec and the
// line its first line is on, found by scanning lines (independently of
// Parse), for the corpus test.
func rawChangelog(data []byte) (string, int, bool) {
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		if l == "%changelog" || strings.HasPrefix(l, "%changelog ") || strings.HasPrefix(l, "%changelog\t") || strings.HasPrefix(l, "%changelog\r") {
			j := i + 1
			for ; j < len(lines); j++ {
				if isSectionLine(lines[j]) {
					break
				}
			}
			return strings.Join(lines[i+1:j], "\n"), i + 2, true
		}
	}
	return "", 0, false
}

func isSectionLine(l string) bool {
	if !strings.HasPrefix(l, "%") {
		return false
	}
	w := strings.FieldsFunc(l[1:], func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' })
	if len(w) == 0 {
		return false
	}
	switch w[0] {
	case "package", "description", "prep", "build", "install", "check", "clean", "files",
		"pre", "post", "preun", "postun", "pretrans", "posttrans", "verifyscript",
		"triggerin", "triggerun", "triggerpostun", "triggerprein", "filetriggerin",
		"filetriggerun", "filetriggerpostun", "transfiletriggerin", "transfiletriggerun",
		"transfiletriggerpostun", "changelog", "generate_buildrequires", "conf",
		"sourcelist", "patchlist", "preuntrans", "postuntrans":
		return true
	}
	return false
}

// TestChangelogCorpus parses the %changelog of every spec in the corpus.
// Only the changelogs known to be malformed (rpm reports "bad date" for
// them) may fail; reference counts are logged.
func TestChangelogCorpus(t *testing.T) {
	root := testenv.Corpus(t)
	var files []string
	for _, pat := range []string{"*/*/*/*.spec", "*/*/*/SPECS/*.spec", "fedora-specs/*.spec"} {
		m, _ := filepath.Glob(filepath.Join(root, pat))
		files = append(files, m...)
	}
	if len(files) < 100 {
		t.Fatalf("only %d specs in the corpus", len(files))
	}
	var specs, entries, auto, none int
	kinds := map[string]int{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, f)
		body, first, ok := rawChangelog(data)
		if !ok {
			none++
			continue
		}
		specs++
		es, err := ParseChangelog(rel, body, first)
		if err != nil {
			t.Errorf("%v", err)
		}
		if isAutochangelog(strings.TrimSpace(body)) {
			auto++
			if len(es) != 0 {
				t.Errorf("%s: %%autochangelog gave %d entries", rel, len(es))
			}
			continue
		}
		if len(es) == 0 && strings.Contains(body, "\n*") {
			t.Errorf("%s: no entries", rel)
		}
		entries += len(es)
		for i, e := range es {
			if e.Date.IsZero() || e.Line < first {
				t.Errorf("%s:%d: entry without date or line", rel, e.Line)
			}
			if i > 0 && e.Line <= es[i-1].Line {
				t.Errorf("%s:%d: lines not increasing", rel, e.Line)
			}
			for _, r := range e.Refs {
				kinds[r.Kind]++
			}
		}
	}
	t.Logf("%d specs, %d with %%changelog (%d %%autochangelog, %d none), %d entries, refs %v", len(files), specs, auto, none, entries, kinds)
	if kinds[RefCVE] < 500 || kinds[RefBugzilla] < 500 || kinds[RefJira] < 20 {
		t.Errorf("too few references found: %v", kinds)
	}
}

func TestChangelogOpenELACurl(t *testing.T) {
	data, err := os.ReadFile(testenv.CorpusFile(t, "openela/curl/el9/curl.spec"))
	if err != nil {
		t.Fatal(err)
	}
	body, first, _ := rawChangelog(data)
	es, err := ParseChangelog("curl.spec", body, first)
	if err != nil {
		t.Fatal(err)
	}
	e := es[0]
	if e.EVR != "7.76.1-26.el9_3.3" && !strings.HasPrefix(e.EVR, "7.76.1-26") {
		t.Errorf("top EVR = %q", e.EVR)
	}
	var jira, cve int
	for _, e := range es {
		for _, r := range e.Refs {
			switch r.Kind {
			case RefJira:
				jira++
			case RefCVE:
				cve++
			}
		}
	}
	if jira == 0 || cve < 30 {
		t.Errorf("curl el9: %d jira, %d CVE refs", jira, cve)
	}
}

// TestSpecChangelog checks Spec.Changelog, which finds the section through
// the parser, against the line scan of the corpus test.
func TestSpecChangelog(t *testing.T) {
	specs := corpusSpecs(t)
	checked := 0
	for f, preset := range specs {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		tg, _ := Preset(preset)
		s, err := Parse(filepath.Base(f), bytes.NewReader(data), Options{Target: tg})
		if err != nil {
			continue
		}
		got, _ := s.Changelog()
		body, first, ok := rawChangelog(data)
		if !ok {
			if len(got) != 0 {
				t.Errorf("%s: %d entries without %%changelog", f, len(got))
			}
			continue
		}
		want, _ := ParseChangelog(filepath.Base(f), body, first)
		if len(got) != len(want) || len(got) > 0 && (got[0].Line != want[0].Line || got[len(got)-1].Line != want[len(want)-1].Line) {
			t.Errorf("%s: Spec.Changelog gave %d entries, the line scan %d", f, len(got), len(want))
		}
		checked++
	}
	if checked < len(specs)*9/10 {
		t.Errorf("only %d of %d specs checked", checked, len(specs))
	}
}

func BenchmarkParseChangelog(b *testing.B) {
	data, err := os.ReadFile(testenv.CorpusFile(b, "openela/curl/el9/curl.spec"))
	if err != nil {
		b.Fatal(err)
	}
	body, first, _ := rawChangelog(data)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := ParseChangelog("curl.spec", body, first); err != nil {
			b.Fatal(err)
		}
	}
}

// TestChangelogRPMSpecOracle compares ParseChangelog with rpm's own reading
// of the %changelog (rpmspec -q --qf '[%{changelogtime} %{changelogname}\n]')
// on a sample of the corpus: same entries, same times, same header text.
func TestChangelogRPMSpecOracle(t *testing.T) {
	rpmspec := testenv.RPMSpec(t)
	root := testenv.Corpus(t)
	var files []string
	for _, pat := range []string{"*/*/*/*.spec", "fedora-specs/*.spec"} {
		m, _ := filepath.Glob(filepath.Join(root, pat))
		sort.Strings(m)
		for i, f := range m {
			if !strings.Contains(f, "fedora-specs") || i%8 == 0 {
				files = append(files, f)
			}
		}
	}
	if testing.Short() {
		files = files[:3]
	}
	var checked, entries int
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		body, first, ok := rawChangelog(data)
		if !ok || isAutochangelog(strings.TrimSpace(body)) || bytes.Contains(data, []byte("_changelog_trimtime")) {
			continue // (rpm trims by a %(date ...) the parser never runs)
		}
		rel, _ := filepath.Rel(root, f)
		es, err := ParseChangelog(rel, body, first)
		if err != nil {
			continue // rpm rejects these too
		}
		dir := t.TempDir()
		cmd := exec.Command(rpmspec, "-q", "--srpm", "--qf", `[%{changelogtime} %{changelogname}\n]`,
			"--define", "dist .el9", "--define", "rhel 9", "--define", "_sourcedir "+dir,
			"--define", "autorelease 1%{?dist}", f)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			continue // rpmspec cannot read this spec here (missing macros)
		}
		got := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
		var want []string
		for _, e := range es {
			merged := false
			for _, w := range e.Warnings {
				merged = merged || strings.Contains(w, "rpm reads it as that entry's text")
			}
			if merged {
				continue // rpm folds this header into the entry above
			}
			stop := false
			for _, w := range e.Warnings {
				stop = stop || strings.Contains(w, "not in descending chronological order")
			}
			if stop {
				break // rpm 4.18 stops reading there
			}
			h := strings.TrimSpace(strings.TrimPrefix(strings.Split(body, "\n")[e.Line-first], "*"))
			// rpm's name is the header after the date words.
			f := strings.Fields(h)
			words := 4
			if len(f) > 3 && clTimeOfDay.MatchString(f[3]) {
				words = 6
			}
			_, ends := clFields(h, words)
			want = append(want, strconv.FormatInt(e.Date.Unix(), 10)+" "+strings.TrimSpace(h[ends[len(ends)-1]:]))
		}
		if len(got) != len(want) {
			t.Errorf("%s: rpm reads %d entries, ParseChangelog %d", rel, len(got), len(want))
			continue
		}
		for i := range got {
			gt, gn, _ := strings.Cut(got[i], " ")
			wt, wn, _ := strings.Cut(want[i], " ")
			if strings.Contains(wn, "%") {
				wn = gn // rpm expands macros in %changelog; ParseChangelog keeps them
			}
			if gt != wt || strings.Join(strings.Fields(gn), " ") != strings.Join(strings.Fields(wn), " ") {
				t.Errorf("%s: entry %d: rpm %q, ParseChangelog %q", rel, i, got[i], want[i])
				break
			}
		}
		checked++
		entries += len(got)
	}
	t.Logf("rpmspec agrees on %d specs, %d entries", checked, entries)
	if checked < 10 && !testing.Short() {
		t.Errorf("only %d specs checked", checked)
	}
}

// TestChangelogFixtures parses testdata/changelog/*.changelog (Oracle,
// AlmaLinux, Fedora styles) and compares the references found with the
// .want file beside each: "<entry line> <kind> <id> [relation]".
func TestChangelogFixtures(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "changelog", "*.changelog"))
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(strings.TrimSuffix(f, ".changelog") + ".want")
			if err != nil {
				t.Fatal(err)
			}
			es, err := ParseChangelog(filepath.Base(f), string(data), 1)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range es {
				if e.Date.IsZero() || e.Author == "" || e.Email == "" || e.EVR == "" {
					t.Errorf("line %d: incomplete header %+v", e.Line, e)
				}
				for _, r := range e.Refs {
					got = append(got, strings.TrimSpace(strconv.Itoa(e.Line)+" "+r.Kind+" "+r.ID+" "+r.Relation))
				}
			}
			if diff := cmp.Diff(strings.Split(strings.TrimSpace(string(want)), "\n"), got); diff != "" {
				t.Error(diff)
			}
		})
	}
}
