package source

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchtrace/patchtrace/input"
	"github.com/patchtrace/patchtrace/internal/testenv"
)

func TestParseOverlayCorpus(t *testing.T) {
	path := testenv.CorpusFile(t, "openela/openssl/el9/PATCHES/debrand.cfg")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	o, err := ParseOverlay("PATCHES/debrand.cfg", data)
	if err != nil {
		t.Fatal(err)
	}
	want := &Overlay{
		Path: "PATCHES/debrand.cfg",
		Add:  []OverlayAdd{{File: "PATCHES/0001-remove-rhel-reference.patch", Line: 1}},
		SpecChange: &SpecChange{
			Line:      5,
			File:      []SpecFileOp{{Name: "0001-remove-rhel-reference.patch", Type: "Patch", Add: true, Line: 6}},
			Append:    []AppendOp{{Field: "Release", Value: ".openela.0.1", Line: 12}},
			Changelog: []ChangelogOp{{AuthorName: "Release Engineering", AuthorEmail: "releng@openela.org", Message: []string{"Add OpenELA specific changes"}, Line: 17}},
		},
	}
	if d := cmp.Diff(want, o); d != "" {
		t.Errorf("overlay (-want +got):\n%s", d)
	}
	wantFiles := []OverlayFile{{Name: "0001-remove-rhel-reference.patch", From: "PATCHES/0001-remove-rhel-reference.patch"}}
	if d := cmp.Diff(wantFiles, o.Files()); d != "" {
		t.Errorf("Files (-want +got):\n%s", d)
	}
}

func TestParseOverlayAllDirectives(t *testing.T) {
	src := `# Rocky-style overlay
replace {
  file: "SOURCES/redhat-logo.png"
  with_file: "ROCKY/_supporting/rocky-logo.png"
}
replace < file: 'a.txt' with_inline: "line1\nline2\t\"q\" \x41\101\u00e9" >
delete { file: "SOURCES/rhel.patch" }
add { file: "ROCKY/_supporting/rocky.patch" name: "0001-rocky.patch" }
add { lookaside: "big.tar.gz" }
lookaside { file: "a.bin" file: "b.bin" tar: true archive_name: "x.tar.gz" }
lookaside { files: ["c.bin", "d.bin"], tar: false }
patch { file: "ROCKY/CFG/fix-spec.patch" strict: true }
spec_change {
  file { name: "rhel.patch" type: Patch delete: true }
  file: { name: "0001-rocky.patch", type: Patch, add: true, add_to_prep: true, n_path: 1 }
  search_and_replace { field: "Release" find: "%{?dist}" replace: "%{?dist}.rocky" n: -1 }
  search_and_replace { any: true find: "Red Hat" replace: "Rocky" n: 0x2 }
  search_and_replace { starts_with: true find: "Vendor:" replace: "" n: 1 }
  append { field: "Release" value: ".rocky.0.1" }
  new_field { key: "Provides" value: "rocky-branding" }
  changelog { author_name: "R" author_email: "r@x" message: "one" message: "two" }
  disable_auto_align: true
}
some_future_field: 3
spec_change { future { x: 1 } }
`
	o, err := ParseOverlay("ROCKY/CFG/x.cfg", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Replace) != 2 || o.Replace[0].WithFile != "ROCKY/_supporting/rocky-logo.png" ||
		o.Replace[1].WithInline != "line1\nline2\t\"q\" AAé" || o.Replace[1].Line != 6 {
		t.Errorf("replace %+v", o.Replace)
	}
	if len(o.Delete) != 1 || len(o.Add) != 2 || o.Add[0].Name != "0001-rocky.patch" || o.Add[1].Lookaside != "big.tar.gz" {
		t.Errorf("delete/add %+v %+v", o.Delete, o.Add)
	}
	if len(o.Lookaside) != 2 || !o.Lookaside[0].Tar || strings.Join(o.Lookaside[1].Files, ",") != "c.bin,d.bin" {
		t.Errorf("lookaside %+v", o.Lookaside)
	}
	if len(o.Patch) != 1 || !o.Patch[0].Strict {
		t.Errorf("patch %+v", o.Patch)
	}
	sc := o.SpecChange
	if sc == nil || len(sc.File) != 2 || !sc.File[0].Delete || !sc.File[1].AddToPrep || sc.File[1].NPath != 1 ||
		len(sc.SearchAndReplace) != 3 || sc.SearchAndReplace[0].N != -1 || sc.SearchAndReplace[1].N != 2 || !sc.SearchAndReplace[2].StartsWith ||
		len(sc.Append) != 1 || len(sc.NewField) != 1 || len(sc.Changelog) != 1 || len(sc.Changelog[0].Message) != 2 || !sc.DisableAutoAlign {
		t.Errorf("spec_change %+v", sc)
	}
	files := o.Files()
	if len(files) != 4 || files[0].Name != "0001-rocky.patch" || files[1].Name != "big.tar.gz" || files[1].Lookaside != "big.tar.gz" ||
		files[2].Name != "redhat-logo.png" || !files[2].Replaces || files[3].Name != "a.txt" || files[3].From != "" {
		t.Errorf("Files %+v", files)
	}
	if strings.Join(o.Unknown, "|") != "some_future_field (line 24)|spec_change.future (line 25)" {
		t.Errorf("unknown %q", o.Unknown)
	}
}

func TestParseOverlayErrors(t *testing.T) {
	for _, tc := range []struct{ src, where string }{
		{`add { file: "x" `, "x.cfg:1"},
		{"add {\n file: \"x\n}", "x.cfg:2"},
		{"add {\n file x }", "x.cfg:2"},
		{"add { file: 3 }", "x.cfg:1"},
		{"spec_change {\n\n file { add: maybe } }", "x.cfg:3"},
		{"patch { strict: \"yes\" }", "x.cfg:1"},
		{"replace: \"x\"", "x.cfg:1"},
		{"spec_change { file { n_path: 99999999999 } }", "x.cfg:1"},
		{"add { file: \"\\q\" }", "x.cfg:1"},
		{"}", "x.cfg:1"},
		{strings.Repeat("a {", 40), "x.cfg:1"},
		{"lookaside { files: [\"a\" \"b\" }", "x.cfg:1"},
	} {
		_, err := ParseOverlay("x.cfg", []byte(tc.src))
		if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tc.where+":") {
			t.Errorf("ParseOverlay(%q) = %v; want ErrFormat at %s", tc.src, err, tc.where)
		}
	}
}

func FuzzParseOverlay(f *testing.F) {
	f.Add([]byte("add {\n    file: \"PATCHES/0001-remove-rhel-reference.patch\"\n}\nspec_change { append { field: \"Release\" value: \".x\" } }\n"))
	f.Add([]byte("replace < file: 'a' with_inline: \"\\x41\\101\\u00e9\" > lookaside { files: [\"a\", \"b\"] tar: true }"))
	f.Add([]byte("spec_change { file { name: \"p\" type: Patch n_path: -1 } search_and_replace { any: true n: 0x2 } }"))
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := ParseOverlay("f.cfg", data)
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, input.ErrTooLarge) {
				t.Fatalf("error not wrapping ErrFormat: %v", err)
			}
			return
		}
		if o == nil {
			t.Fatal("nil overlay without error")
		}
	})
}

func FuzzParseNEVR(f *testing.F) {
	for _, s := range []string{"curl-7.61.1-30.el8_8.3", "1:openssl-3.0.7-28.el9_4.openela.0.1", "kernel-5.14.0-362.8.1.el9_3.x86_64.rpm", "a-b-c-d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseNEVR(s)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error not wrapping ErrFormat: %v", err)
			}
			return
		}
		if n.Name == "" || n.Version == "" || n.Release == "" {
			t.Fatalf("empty field in %+v", n)
		}
		// Round trip: the parsed value prints back to an equal value.
		m, err := ParseNEVR(n.String())
		if err != nil || m != n {
			t.Fatalf("round trip %q -> %+v -> %q -> %+v, %v", s, n, n.String(), m, err)
		}
		b := n.BaseRelease()
		if !strings.HasPrefix(n.Release, b) || BaseRelease(b) != b {
			t.Fatalf("BaseRelease(%q) = %q not a fixed prefix", n.Release, b)
		}
		if !SameBuild(n, n) || Compare(n.Version, n.Version) != 0 {
			t.Fatal("not the same build as itself")
		}
		if c1, c2 := Compare(n.Version, n.Release), Compare(n.Release, n.Version); c1 != -c2 {
			t.Fatalf("Compare not antisymmetric on %q %q: %d %d", n.Version, n.Release, c1, c2)
		}
	})
}
