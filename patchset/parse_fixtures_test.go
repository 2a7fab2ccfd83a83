package patchset

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// summary renders the parsed structure of patches compactly.
func summary(ps []*Patch) []string {
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("patch L%d commit=%.8s author=%q subject=%q", p.Line, p.Header.CommitID, p.Header.Author, p.Header.Subject))
		for _, f := range p.Files {
			var flags []string
			for _, fl := range []struct {
				on   bool
				name string
			}{{f.IsNew, "new"}, {f.IsDelete, "delete"}, {f.IsRename, "rename"}, {f.IsCopy, "copy"}, {f.IsBinary, "binary"}} {
				if fl.on {
					flags = append(flags, fl.name)
				}
			}
			out = append(out, fmt.Sprintf(" file L%d %q -> %q p1=%q [%s] modes=%o/%o", f.Line, f.OldName, f.NewName, f.Path(1), strings.Join(flags, ","), f.OldMode, f.NewMode))
			for _, h := range f.Hunks {
				var ops []byte
				for _, l := range h.Lines {
					ops = append(ops, l.Op)
					if l.NoNewline {
						ops = append(ops, '$')
					}
				}
				out = append(out, fmt.Sprintf("  hunk L%d -%d,%d +%d,%d %q %q", h.Line, h.OldStart, h.OldLines, h.NewStart, h.NewLines, h.Section, ops))
			}
		}
	}
	return out
}

func TestParseFixtures(t *testing.T) {
	want := map[string][]string{
		"naur.diff": {
			`patch L1 commit= author="" subject=""`,
			` file L2 "expat-2.2.5.orig/lib/xmlparse.c" -> "expat-2.2.5/lib/xmlparse.c" p1="lib/xmlparse.c" [] modes=0/0`,
			`  hunk L5 -6057,6 +6057,7 "setElementTypePrefix(XML_Parser parser, ELEMENT_TYPE *elementType)" "   +   "`,
			` file L13 "expat-2.2.5.orig/tests/new.c" -> "expat-2.2.5/tests/new.c" p1="tests/new.c" [new] modes=0/0`,
			`  hunk L16 -0,0 +1,2 "" "++"`,
		},
		"git-features.patch": {
			`patch L1 commit=01234567 author="A U Thor <author@example.com>" subject="rename, copy, mode, binary, delete"`,
			` file L10 "a/lib/old name.c" -> "b/lib/new name.c" p1="lib/new name.c" [rename] modes=0/0`,
			` file L14 "a/src/tool.c" -> "b/src/tool2.c" p1="src/tool2.c" [copy] modes=0/0`,
			`  hunk L21 -1,1 +1,1 "" "-+"`,
			` file L24 "a/scripts/run.sh" -> "b/scripts/run.sh" p1="scripts/run.sh" [] modes=100644/100755`,
			` file L27 "/dev/null" -> "b/tests/data/blob.bin" p1="tests/data/blob.bin" [new,binary] modes=0/100644`,
			` file L37 "a/docs/gone.txt" -> "/dev/null" p1="docs/gone.txt" [delete] modes=100644/0`,
			`  hunk L42 -1,2 +0,0 "" "--"`,
			` file L45 "a/tab\there.c" -> "b/tab\there.c" p1="tab\there.c" [binary] modes=0/0`,
		},
		"crlf-mbox.patch": {
			`patch L1 commit=11111111 author="W <w@example.com>" subject="crlf"`,
			` file L6 "a/w.txt" -> "b/w.txt" p1="w.txt" [] modes=0/0`,
			`  hunk L10 -1,2 +1,2 "" " -$+$"`,
			`patch L19 commit=22222222 author="W <w@example.com>" subject="second"`,
			` file L24 "a/w.txt" -> "b/w.txt" p1="w.txt" [] modes=0/0`,
			`  hunk L27 -1,1 +1,1 "" "-+"`,
		},
		"context.diff": {
			`patch L1 commit= author="" subject=""`,
			` file L3 "curl-7.19.7/lib/url.c.orig" -> "curl-7.19.7/lib/url.c" p1="lib/url.c" [] modes=0/0`,
			`  hunk L5 -1,6 +1,6 "" " -+  + -"`,
		},
		"dep3.patch": {
			`patch L1 commit= author="" subject="Fix a crash in setElementTypePrefix"`,
			` file L8 "expat-2.2.5.orig/lib/xmlparse.c" -> "expat-2.2.5/lib/xmlparse.c" p1="lib/xmlparse.c" [] modes=0/0`,
			`  hunk L12 -6057,6 +6057,7 "" "   +   "`,
		},
		"gitlog.txt": {
			`patch L1 commit=89abcdef author="A U Thor <author@example.com>" subject="lib: first change"`,
			` file L9 "a/lib/a.c" -> "b/lib/a.c" p1="lib/a.c" [] modes=0/0`,
			`  hunk L13 -1,3 +1,3 "int f(void)" " -+ "`,
			`patch L18 commit=01234567 author="A U Thor <author@example.com>" subject="Merge branch 'x'"`,
		},
	}
	for name, w := range want {
		data, err := os.ReadFile(filepath.Join("testdata", "parse", name))
		if err != nil {
			t.Fatal(err)
		}
		ps, err := ParseBytes(name, data)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if d := cmp.Diff(w, summary(ps)); d != "" {
			t.Errorf("%s (-want +got):\n%s", name, d)
		}
		if !bytes.Equal(joinBytes(ps), data) {
			t.Errorf("%s: bytes not kept", name)
		}
	}
}

func TestParseFixturesPatchIDAgainstGit(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "parse", "*"))
	var all bytes.Buffer
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		comparePatchIDs(t, f, data)
		all.Write(data)
	}
	comparePatchIDs(t, "all fixtures", all.Bytes())
}

func TestParseCRLFText(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "parse", "crlf-mbox.patch"))
	if err != nil {
		t.Fatal(err)
	}
	ps, err := ParseBytes("crlf", data)
	if err != nil {
		t.Fatal(err)
	}
	l := ps[0].Files[0].Hunks[0].Lines
	if l[0].Text != "a" || l[1].Text != "b" || !l[1].NoNewline || l[2].Text != "c" {
		t.Errorf("lines = %+v", l)
	}
}

func TestFixturesRoundTrip(t *testing.T) {
	for _, dir := range []string{"parse", "patchid"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*"))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			ps, err := ParseBytes(f, data)
			if err != nil {
				t.Errorf("%v", err)
				continue
			}
			if !bytes.Equal(joinBytes(ps), data) {
				t.Errorf("%s: bytes not kept", f)
			}
		}
	}
}
