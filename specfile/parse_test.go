package specfile_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/patchtrace/patchtrace/input"
	"github.com/patchtrace/patchtrace/specfile"
)

func parseWith(t *testing.T, ver, text string, mod ...func(*specfile.Target)) (*specfile.Spec, error) {
	t.Helper()
	tg := specfile.Target{RPMVersion: ver}
	for _, m := range mod {
		m(&tg)
	}
	return specfile.Parse("t.spec", strings.NewReader(text), specfile.Options{Target: tg})
}

func mustParse(t *testing.T, ver, text string, mod ...func(*specfile.Target)) *specfile.Spec {
	t.Helper()
	s, err := parseWith(t, ver, text, mod...)
	if err != nil {
		t.Fatalf("rpm %s: %v", ver, err)
	}
	return s
}

func declared(s *specfile.Spec) string {
	var out []string
	for _, p := range s.Patches {
		out = append(out, fmt.Sprintf("%d=%s", p.Number, p.File))
	}
	return strings.Join(out, " ")
}

func applied(s *specfile.Spec) string {
	var out []string
	for _, a := range s.Plan {
		out = append(out, fmt.Sprintf("%d", a.Number))
	}
	return strings.Join(out, " ")
}

const head = "Name: t\nVersion: 1\nRelease: 1\nSummary: s\nLicense: MIT\n"

func TestNumberingByVersion(t *testing.T) {
	spec := head + "Patch5: a.patch\nPatch: b.patch\nPatch2: c.patch\nPatch: d.patch\n%patchlist\nf.patch\n%description\nx\n"
	for _, ver := range []string{"4.16", "4.18", "4.19", "4.20"} {
		s := mustParse(t, ver, spec)
		if got, want := declared(s), "5=a.patch 6=b.patch 2=c.patch 7=d.patch 8=f.patch"; got != want {
			t.Errorf("rpm %s: %s, want %s", ver, got, want)
		}
	}
	// rpm 4.14: an unnumbered Patch is one numberless patch; a second one
	// is a duplicate.
	_, err := parseWith(t, "4.14", spec)
	var pe *input.Error
	if !errors.Is(err, specfile.ErrDuplicatePatch) || !errors.As(err, &pe) || pe.Pos.Line != 9 {
		t.Fatalf("4.14 duplicate numberless: err = %v", err)
	}
	s := mustParse(t, "4.14", head+"Patch: a.patch\nPatch3: b.patch\n%prep\n%patch -p1\n%patch3 -p1\n")
	if got, want := declared(s), "-1=a.patch 3=b.patch"; got != want {
		t.Errorf("4.14: %s, want %s", got, want)
	}
	if got := applied(s); got != "-1 3" {
		t.Errorf("4.14 applied %s", got)
	}
}

func TestDuplicateNumberNamesLine(t *testing.T) {
	_, err := parseWith(t, "4.18", head+"Patch1: a.patch\n\nPatch01: b.patch\n")
	var pe *input.Error
	if !errors.As(err, &pe) || pe.Pos.File != "t.spec" || pe.Pos.Line != 8 || !errors.Is(err, specfile.ErrDuplicatePatch) {
		t.Fatalf("err = %v", err)
	}
	if !strings.HasPrefix(err.Error(), "t.spec:8: ") {
		t.Errorf("message %q does not start with file:line", err)
	}
}

func TestPatchFormsByVersion(t *testing.T) {
	decl := head + "Patch0: zero.patch\nPatch1: one.patch\nPatch2: two.patch\n%prep\n"
	cases := []struct {
		line string
		want map[string]string // version → applied numbers, or "error"
	}{
		{"%patch1 -p1", map[string]string{"4.14": "1", "4.16": "1", "4.18": "1", "4.19": "1", "4.20": "error"}},
		{"%patch -P 1 -p1", map[string]string{"4.14": "1", "4.16": "1", "4.18": "1", "4.19": "1", "4.20": "1"}},
		{"%patch 1 -p1", map[string]string{"4.14": "-1 1", "4.16": "0 1", "4.18": "1", "4.19": "1", "4.20": "1"}},
		{"%patch -p1", map[string]string{"4.14": "-1", "4.16": "0", "4.18": "0", "4.19": "error", "4.20": "error"}},
		{"%patch -p1 -P 0 1 2", map[string]string{"4.14": "0 1 2", "4.16": "0 1 2", "4.18": "0 1 2", "4.19": "0 1 2", "4.20": "0 1 2"}},
		{"  %patch -P 2", map[string]string{"4.18": "", "4.19": "", "4.20": "2"}},
	}
	for _, c := range cases {
		for ver, want := range c.want {
			s, err := parseWith(t, ver, decl+c.line+"\n")
			if want == "error" {
				if !errors.Is(err, specfile.ErrPatch) {
					t.Errorf("rpm %s %q: err = %v, want ErrPatch", ver, c.line, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("rpm %s %q: %v", ver, c.line, err)
				continue
			}
			got := applied(s)
			if ver == "4.14" && strings.HasPrefix(want, "-1") {
				// the numberless patch is not declared here: it is reported
				if len(s.Undeclared) != 1 || s.Undeclared[0].Number != specfile.NoNumber {
					t.Errorf("rpm %s %q: undeclared %v", ver, c.line, s.Undeclared)
				}
				want = strings.TrimPrefix(strings.TrimPrefix(want, "-1"), " ")
			}
			if got != want {
				t.Errorf("rpm %s %q: applied %q, want %q", ver, c.line, got, want)
			}
		}
	}
}

func TestPatchOptions(t *testing.T) {
	s := mustParse(t, "4.18", head+"Patch3: three.patch\n%prep\n%patch -P3 -p2 -R -F 3 -b .orig -E\n")
	if len(s.Plan) != 1 {
		t.Fatalf("plan %v", s.Plan)
	}
	a := s.Plan[0]
	if a.Number != 3 || a.File != "three.patch" || a.Strip != 2 || !a.Reverse || a.Fuzz != 3 || a.Line != 8 || a.Form != "%patch" {
		t.Errorf("apply = %+v", a)
	}
	if strings.Join(a.Options, " ") != "-b .orig -E" {
		t.Errorf("options = %q", a.Options)
	}
}

func TestAutopatchDeclarationOrder(t *testing.T) {
	spec := head + "Patch52: p52.patch\nPatch47: p47.patch\nPatch48: p48.patch\nPatch60: p60.patch\n" +
		"%prep\n%autosetup -N\n%autopatch -p1 -M 50\n%autopatch -p1 60 47\n%patchlist\nlate.patch\n"
	s := mustParse(t, "4.18", spec)
	if got, want := applied(s), "47 48 60 47"; got != want {
		t.Errorf("applied %s, want %s", got, want)
	}
	s = mustParse(t, "4.18", head+"Patch52: p52.patch\nPatch47: p47.patch\nSource0: x.tar\n%prep\n%autosetup -S git -p1\n")
	if got, want := applied(s), "52 47"; got != want {
		t.Errorf("autosetup applied %s, want %s", got, want)
	}
	for _, a := range s.Plan {
		if a.Form != "%autosetup" || a.SCM != "git" || a.Strip != 1 {
			t.Errorf("apply = %+v", a)
		}
	}
}

func TestShellApplications(t *testing.T) {
	spec := head + "Patch1: one.patch\nPatch3: three.patch\nPatch4: four.patch\nPatch5: five.patch\nPatch9: nine.patch\n" +
		"%prep\n%setup -q\npatch -p1 < %{PATCH3}\ngit apply %{PATCH4}\nfor p in %{patches}; do\n  patch -p2 -i $p\ndone\ncp %{PATCH9} doc/\n" +
		"ApplyPatch five.patch\nApplyOptionalPatch missing.patch\n%patch -P 77\n" +
		"%check\npatch -p1 -R < %{PATCH4}\necho %{PATCH88}\n"
	s := mustParse(t, "4.18", spec)
	var got []string
	for _, a := range s.Plan {
		got = append(got, fmt.Sprintf("%d/%s/p%d/%v/%s", a.Number, a.Form, a.Strip, a.Reverse, a.Section))
	}
	want := []string{
		"3/shell/p1/false/prep", "4/shell/p0/false/prep",
		"1/shell/p2/false/prep", "3/shell/p2/false/prep", "4/shell/p2/false/prep", "5/shell/p2/false/prep", "9/shell/p2/false/prep",
		"5/ApplyPatch/p1/false/prep",
		"4/shell/p1/true/check",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("plan\n got %v\nwant %v", got, want)
	}
	var und []string
	for _, u := range s.Undeclared {
		und = append(und, fmt.Sprintf("%d:%s:%s", u.Number, u.Name, u.Form))
	}
	if got, want := strings.Join(und, " "), "-1:missing.patch:ApplyOptionalPatch 77::%patch 88::shell"; got != want {
		t.Errorf("undeclared %s, want %s", got, want)
	}
	if len(s.Unapplied) != 0 {
		t.Errorf("unapplied %v", s.Unapplied)
	}
}

func TestSourceAppliedAsPatch(t *testing.T) {
	s := mustParse(t, "4.18", head+"Source14: 0025-for-tests.patch\nPatch4: four.patch\n%prep\n%autosetup -p1\n%check\npatch -p1 -R < %{PATCH4}\npatch -p1 < %{SOURCE14}\n")
	if len(s.Plan) != 3 {
		t.Fatalf("plan %+v", s.Plan)
	}
	a := s.Plan[2]
	if !a.FromSource || a.Number != 14 || a.File != "0025-for-tests.patch" || a.Section != "check" || a.Strip != 1 {
		t.Errorf("source apply %+v", a)
	}
	if r := s.Plan[1]; r.Number != 4 || !r.Reverse || r.Section != "check" {
		t.Errorf("reverse apply %+v", r)
	}
}

func TestShellChecksAreNotApplications(t *testing.T) {
	spec := head + "Patch1: one.patch\n%prep\nfor patch in %{patches} ; do\n  if [ ! -f $patch ] ; then\n    exit 1\n  fi\ndone\n" +
		"ApplyPatch()\n{\n  git apply < $RPM_SOURCE_DIR/$1\n}\nApplyPatch $patch\ncp %{PATCH1} .\n"
	s := mustParse(t, "4.18", spec)
	if len(s.Plan) != 0 || len(s.Undeclared) != 0 || len(s.Unapplied) != 1 {
		t.Errorf("plan %v undeclared %v unapplied %v", s.Plan, s.Undeclared, s.Unapplied)
	}
}

func TestDeclarationDetails(t *testing.T) {
	spec := "%global commit abc123\nName: t\nVersion: 1.2\nRelease: 3%{?dist}\nSummary: s\nLicense: MIT\n" +
		"Source0: https://example.org/t-%{version}.tar.gz\n" +
		"# upstream fix\n# https://github.com/x/y/commit/%{commit}\nPatch0: https://example.org/p/fix-%{version}.patch\n" +
		"%if 0%{?rhel}\nPatch1: rhel.patch\n%else\nPatch2: other.patch\n%endif\n" +
		"%package devel\nSummary: d\n%description devel\nd\n%description\nx\n%prep\n%autosetup -p1\n%changelog\n* Mon Jan 01 2024 A <a@b> - 1.2-3\n- x\n"
	s := mustParse(t, "4.18", spec, func(tg *specfile.Target) { tg.Define("dist", ".el9"); tg.Define("rhel", "9") })
	if s.Release != "3.el9" || s.Version != "1.2" {
		t.Errorf("VR %s-%s", s.Version, s.Release)
	}
	if got := declared(s); got != "0=fix-1.2.patch 1=rhel.patch" {
		t.Fatalf("declared %s", got)
	}
	p0 := s.Patches[0]
	if p0.Line != 10 || p0.Comment != "upstream fix\nhttps://github.com/x/y/commit/%{commit}" || p0.CommentLine != 8 {
		t.Errorf("patch0 = %+v", p0)
	}
	p1 := s.Patches[1]
	if p1.Condition != "%if 0%{?rhel}" || len(p1.Conds) != 1 || p1.Conds[0].Line != 11 || p1.Conds[0].EndLine != 15 {
		t.Errorf("patch1 = %+v", p1)
	}
	s2 := mustParse(t, "4.18", spec)
	if got := declared(s2); got != "0=fix-1.2.patch 2=other.patch" || s2.Patches[1].Condition != "!(%if 0%{?rhel})" {
		t.Errorf("non-rhel: %s %q", got, s2.Patches[1].Condition)
	}
	var secs []string
	for _, sec := range s.Sections {
		secs = append(secs, fmt.Sprintf("%s:%s:%d-%d", sec.Name, sec.Package, sec.Line, sec.EndLine))
	}
	if got, want := strings.Join(secs, " "), "preamble::1-15 package:t-devel:16-17 description:t-devel:18-19 description::20-21 prep::22-23 changelog::24-26"; got != want {
		t.Errorf("sections\n got %s\nwant %s", got, want)
	}
	var rel *specfile.Tag
	for i := range s.Tags {
		if s.Tags[i].Name == "Release" {
			rel = &s.Tags[i]
		}
	}
	if rel == nil || rel.Line != 4 || rel.Raw != "Release: 3%{?dist}" {
		t.Errorf("release tag %+v", rel)
	}
	if string(s.Bytes()) != spec {
		t.Error("Bytes() differs from the input")
	}
	if len(s.Packages) != 2 || s.Packages[1].Name != "t-devel" {
		t.Errorf("packages %v", s.Packages)
	}
}

func TestConditionsAndBconds(t *testing.T) {
	spec := head + "%bcond_without tests\n%bcond_with extra\n%bcond lto 1\n" +
		"%if %{with tests} && %{without extra}\nPatch1: a.patch\n%endif\n" +
		"%if %{with extra}\nPatch2: b.patch\n%elif %{with lto} && v\"1.10\" > v\"1.9\"\nPatch3: c.patch\n%else\nPatch4: d.patch\n%endif\n" +
		"%ifarch %{ix86} x86_64\nPatch5: e.patch\n%endif\n%ifnarch aarch64\nPatch6: f.patch\n%endif\n%ifos linux\nPatch7: g.patch\n%endif\n" +
		"%if \"%{_arch}\" == \"x86_64\" ? 1 : 0\nPatch8: h.patch\n%endif\n"
	s := mustParse(t, "4.18", spec)
	if got := applied(s); got != "" {
		t.Errorf("nothing applied, got %s", got)
	}
	if got, want := declared(s), "1=a.patch 3=c.patch 5=e.patch 6=f.patch 7=g.patch 8=h.patch"; got != want {
		t.Errorf("default: %s, want %s", got, want)
	}
	s = mustParse(t, "4.18", spec, func(tg *specfile.Target) {
		tg.With = []string{"extra"}
		tg.Without = []string{"tests"}
		tg.Arch = "aarch64"
	})
	if got, want := declared(s), "2=b.patch 7=g.patch"; got != want {
		t.Errorf("--with extra --without tests aarch64: %s, want %s", got, want)
	}
	if _, err := parseWith(t, "4.18", head+"%if 1\n"); !errors.Is(err, specfile.ErrConditional) {
		t.Errorf("unclosed %%if: %v", err)
	}
	if _, err := parseWith(t, "4.18", head+"%endif\n"); !errors.Is(err, specfile.ErrConditional) {
		t.Errorf("stray %%endif: %v", err)
	}
	if _, err := parseWith(t, "4.18", head+"%if 1 +\n%endif\n"); !errors.Is(err, specfile.ErrConditional) {
		t.Errorf("bad expression: %v", err)
	}
}

func TestIncludeThroughFS(t *testing.T) {
	fsys := fstest.MapFS{"patches.inc": {Data: []byte("Patch7: inc.patch\n")}}
	spec := head + "%include %{_sourcedir}/patches.inc\nPatch8: after.patch\n"
	s, err := specfile.Parse("t.spec", strings.NewReader(spec), specfile.Options{FS: fsys})
	if err != nil {
		t.Fatal(err)
	}
	if got := declared(s); got != "7=inc.patch 8=after.patch" || s.Patches[0].DeclFile != "patches.inc" || s.Patches[0].Line != 1 {
		t.Errorf("declared %s (%+v)", got, s.Patches[0])
	}
	for _, bad := range []string{"../etc/passwd", "/etc/passwd", "missing.inc"} {
		_, err := specfile.Parse("t.spec", strings.NewReader(head+"%include "+bad+"\n"), specfile.Options{FS: fsys})
		if !errors.Is(err, specfile.ErrInclude) {
			t.Errorf("%%include %s: %v", bad, err)
		}
	}
	if _, err := specfile.Parse("t.spec", strings.NewReader(head+"%include x\n"), specfile.Options{}); !errors.Is(err, specfile.ErrInclude) {
		t.Errorf("no FS: %v", err)
	}
}

// TestNeverRunsCode checks that shell and Lua in a spec are not executed.
func TestNeverRunsCode(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	marker := filepath.Join(dir, "x")
	spec := head + "%global a %(touch x)\n%global b %{lua: os.execute(\"touch x\")}\n" +
		"Patch1: %(touch x)%{lua: os.execute(\"touch x\")}p.patch\n%define c %(touch " + marker + ")\n%c\n" +
		"%{expand:%%(touch x)}\n%[ lua:os.execute(\"touch x\") ]\n%prep\n%(touch x)\n"
	s, err := parseWith(t, "4.18", spec)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("a spec created a file: code was executed")
	}
	if len(s.Unresolved) < 5 {
		t.Errorf("opaque expansions not reported: %v", s.Unresolved)
	}
	for _, u := range s.Unresolved {
		if u.File != "t.spec" || u.Line == 0 {
			t.Errorf("unresolved without position: %+v", u)
		}
	}
}

func TestLimits(t *testing.T) {
	bomb := head + "%define a0 xxxxxxxxxxxxxxxx\n"
	for i := 1; i <= 12; i++ {
		bomb += fmt.Sprintf("%%define a%d %%{a%d}%%{a%d}%%{a%d}%%{a%d}%%{a%d}%%{a%d}%%{a%d}%%{a%d}\n", i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	bomb += "Release: %{a12}\n"
	if _, err := parseWith(t, "4.18", bomb); !errors.Is(err, input.ErrTooLarge) {
		t.Errorf("macro bomb: %v", err)
	}
	if _, err := parseWith(t, "4.18", head+"%define a %{a}x\nRelease: %a\n"); !errors.Is(err, specfile.ErrRecursion) {
		t.Errorf("self recursion: %v", err)
	}
	if _, err := parseWith(t, "4.18", head+"%define f() %{f %1}\nRelease: %{f 1}\n"); !errors.Is(err, specfile.ErrRecursion) {
		t.Errorf("parametric recursion: %v", err)
	}
	deep := head + strings.Repeat("%if 1\n", 20000) + strings.Repeat("%endif\n", 20000)
	if _, err := parseWith(t, "4.18", deep); !errors.Is(err, specfile.ErrConditional) {
		t.Errorf("deep nesting: %v", err)
	}
	open := head + "Release: %{" + strings.Repeat("{", 100000) + "\n"
	if _, err := parseWith(t, "4.18", open); err != nil && !errors.As(err, new(*input.Error)) {
		t.Errorf("unterminated: %v", err)
	}
}

func TestPresets(t *testing.T) {
	for _, name := range specfile.PresetNames() {
		tg, err := specfile.Preset(name)
		if err != nil || tg.Defines["dist"] == "" || tg.RPMVersion == "" {
			t.Errorf("preset %s: %+v %v", name, tg, err)
		}
	}
	if _, err := specfile.Preset("nope"); err == nil {
		t.Error("unknown preset accepted")
	}
	el8, _ := specfile.Preset("el8")
	c9s, _ := specfile.Preset("c9s")
	spec := head + "%if 0%{?rhel} == 8\nPatch1: a.patch\n%endif\n%if %{defined centos}\nPatch2: b.patch\n%endif\nPatch: c.patch\n"
	s, err := specfile.Parse("", strings.NewReader(spec), specfile.Options{Target: el8})
	if err != nil || declared(s) != "1=a.patch -1=c.patch" {
		t.Errorf("el8: %s %v", declared(s), err)
	}
	s, err = specfile.Parse("", strings.NewReader(spec), specfile.Options{Target: c9s})
	if err != nil || declared(s) != "2=b.patch 3=c.patch" {
		t.Errorf("c9s: %s %v", declared(s), err)
	}
}

func TestAutorelease(t *testing.T) {
	fed, _ := specfile.Preset("fedora")
	s, err := specfile.Parse("", strings.NewReader("Name: t\nVersion: 1\nRelease: %autorelease\nSummary: s\nLicense: MIT\n%changelog\n%autochangelog\n"), specfile.Options{Target: fed})
	if err != nil || s.Release != "1.fc44" {
		t.Errorf("release %q %v", s.Release, err)
	}
}

func TestMacroFile(t *testing.T) {
	defs, err := specfile.ParseMacroFile("m", []byte("# c\n%foo bar\\\n  baz\n%bar(a:) %{-a*}-%1\n  %ok {grouped body}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(defs) != 3 || defs[0].Body != "bar\n  baz" || defs[1].Opts != "a:" || !defs[1].Parametric || defs[2].Body != "grouped body" {
		t.Fatalf("defs %+v", defs)
	}
	tg := specfile.Target{Macros: defs}
	s, err := specfile.Parse("", strings.NewReader("Name: t\nVersion: %{bar -a 1 2}\nRelease: 1\n"), specfile.Options{Target: tg})
	if err != nil || s.Version != "1-2" {
		t.Errorf("version %q %v", s.Version, err)
	}
}

func TestSpecExpandAndMacro(t *testing.T) {
	s := mustParse(t, "4.18", head+"%global commit 0123456789abcdef\n%global short %(c=%{commit}; echo ${c:0:7})\nPatch9: fix-%{version}.patch\n")
	got, err := s.Expand("%{name}-%{version} %{sub:x} %{commit} %{PATCH9}")
	if err != nil || got != "t-1 %{sub:x} 0123456789abcdef /builddir/build/SOURCES/fix-1.patch" {
		t.Errorf("Expand = %q, %v", got, err)
	}
	if body, ok := s.Macro("short"); !ok || body != "" {
		t.Errorf("short = %q %v (the shell part is opaque: empty)", body, ok)
	}
	if _, ok := s.Macro("define"); ok {
		t.Error("built-in reported as a macro")
	}
	if p, ok := s.Patch(9); !ok || p.File != "fix-1.patch" {
		t.Errorf("Patch(9) = %+v %v", p, ok)
	}
	if _, ok := s.Patch(1); ok {
		t.Error("Patch(1) found")
	}
	s.Expand("%define name other")
	if got, _ := s.Expand("%{name}"); got != "t" {
		t.Errorf("Expand changed the macros: %q", got)
	}
	before := len(s.Unresolved)
	s.Expand("%(touch x)")
	if len(s.Unresolved) != before {
		t.Error("Expand changed the spec")
	}
}

func TestTagsCaseAndSubpackages(t *testing.T) {
	spec := "NAME: t\nversion: 2\nRELEASE: 1\nepoch: 3\nsummary: s\nlicense: MIT\nSOURCE: t.tar\npAtCh3: three.patch\npatch: four.patch\n" +
		"Requires(post): foo\n%sourcelist\nextra.tar\n%package -n other\nSummary: o\nVersion: 9\nPatch10: sub.patch\n%description -n other\nx\n" +
		"%package tools\nSummary: tools\n%description tools\ny\n"
	s := mustParse(t, "4.18", spec)
	if s.Name != "t" || s.Epoch != "3" || s.Version != "2" || s.Release != "1" {
		t.Errorf("NEVR %s %s %s %s", s.Name, s.Epoch, s.Version, s.Release)
	}
	if got := declared(s); got != "3=three.patch 4=four.patch 10=sub.patch" {
		t.Errorf("patches %s", got)
	}
	if s.Patches[2].Package != "other" || s.Patches[0].Package != "" {
		t.Errorf("packages of patches: %+v", s.Patches)
	}
	var srcs []string
	for _, d := range s.Sources {
		srcs = append(srcs, fmt.Sprintf("%d=%s/%v", d.Number, d.File, d.FromList))
	}
	if got := strings.Join(srcs, " "); got != "0=t.tar/false 1=extra.tar/true" {
		t.Errorf("sources %s", got)
	}
	var req *specfile.Tag
	for i := range s.Tags {
		if s.Tags[i].Name == "Requires" {
			req = &s.Tags[i]
		}
	}
	if req == nil || req.Qualifier != "post" || req.Value != "foo" || req.Written != "Requires" {
		t.Errorf("requires tag %+v", req)
	}
	if len(s.Packages) != 3 || s.Packages[1].Name != "other" || s.Packages[2].Name != "t-tools" {
		t.Errorf("packages %+v", s.Packages)
	}
	// a sub-package's Version redefines %{version} for later lines, as in rpm
	if v, _ := s.Expand("%{version}/%{VERSION}"); v != "9/2" {
		t.Errorf("version macros %q", v)
	}
}

// Options that newer rpm added to %autosetup (-C) and %autopatch (-q)
// change how sources unpack or how much is printed, never which patches
// apply: the plan must still hold every patch.
func TestNewerAutoOptionsKeepThePlan(t *testing.T) {
	decl := head + "Source0: t.tar.gz\nPatch0: a.patch\nPatch1: b.patch\n%description\nd\n%prep\n"
	for _, prep := range []string{"%autosetup -C -p1\n", "%setup -q\n%autopatch -q -p1\n", "%autosetup -N\n%autopatch -p1 -q -m 1\n"} {
		s := mustParse(t, "4.20", decl+prep)
		want := "0 1"
		if strings.Contains(prep, "-m 1") {
			want = "1"
		}
		if got := applied(s); got != want {
			t.Errorf("%q: applied %q, want %q (warnings %v)", prep, got, want, s.Warnings)
		}
		for _, a := range s.Plan {
			if a.Strip != 1 {
				t.Errorf("%q: %+v, want -p1", prep, a)
			}
		}
	}
}

// A spec or an %include larger than Options.MaxSize is refused with
// input.ErrTooLarge before it is read whole.
func TestMaxSize(t *testing.T) {
	big := head + strings.Repeat("# filler line\n", 100)
	_, err := specfile.Parse("big.spec", strings.NewReader(big), specfile.Options{MaxSize: 64})
	if !errors.Is(err, input.ErrTooLarge) || !strings.Contains(err.Error(), "big.spec") {
		t.Errorf("Parse of %d bytes with MaxSize 64: %v", len(big), err)
	}
	if _, err := specfile.ParseBytes("", []byte(big), specfile.Options{MaxSize: 64}); !errors.Is(err, input.ErrTooLarge) {
		t.Errorf("ParseBytes: %v", err)
	}
	fsys := fstest.MapFS{"inc.spec": {Data: []byte(strings.Repeat("# x\n", 100))}}
	_, err = specfile.Parse("t.spec", strings.NewReader(head+"%include inc.spec\n"), specfile.Options{FS: fsys, MaxSize: 200})
	if !errors.Is(err, input.ErrTooLarge) || !errors.Is(err, specfile.ErrInclude) || !strings.Contains(err.Error(), "t.spec:6") {
		t.Errorf("oversized %%include: %v", err)
	}
	if _, err := specfile.Parse("", strings.NewReader(big), specfile.Options{}); err != nil {
		t.Errorf("default cap refused %d bytes: %v", len(big), err)
	}
}
