package patchset

import (
	"testing"
)

// FuzzProse feeds arbitrary documentation text of every format to the
// prose fingerprints: no panic, and a change against itself is empty.
func FuzzProse(f *testing.F) {
	f.Add(".TH X 1\n.SH NAME\n\\fBx\\fR \\- do \\(em things\\\n", "*-x*::\nDo {a} link:u[t].\n", uint8(0))
	f.Add("@section A @code{b}\n", "=head1 X\nB<y>\n", uint8(3))
	f.Add("\\", "\\f", uint8(1))
	f.Fuzz(func(t *testing.T, old, new string, format uint8) {
		pf := ProseFormat(int(format) % (int(PlainText) + 1))
		ProseWords(pf, old)
		if c := ProseChange(pf, old, old); len(c) != 0 {
			t.Fatalf("ProseChange(x, x) = %v", c)
		}
		ProseChange(pf, old, new)
		for _, p := range []string{"a.1", "a.adoc", "a.md", "a.texi", "a.rst", "a.pod", "man/a.xml", "a.txt"} {
			ProseFromBlobs(p, []byte(old), []byte(new))
			if c := ProseFromBlobs(p, []byte(new), []byte(new)); c != nil {
				t.Fatalf("ProseFromBlobs(x, x) = %v", c)
			}
		}
	})
}

// FuzzComparePort compares arbitrary one-file changes: no panic, shares
// in [0, 1].
func FuzzComparePort(f *testing.F) {
	f.Add("if(a(b, c)) {\nx = \"s\";\n", "if(a(d, e)) {\ny = \"s\";\n")
	f.Add("/* open\n'", "\"")
	f.Fuzz(func(t *testing.T, a, b string) {
		mk := func(s string) []FileChange {
			var es []entry
			for i, l := range splitLines([]byte(s)) {
				if h, ok := LineHash(string(chomp(l))); ok {
					es = append(es, entry{hash: h, sign: 1 - 2*(i%2), text: string(chomp(l))})
				}
			}
			lines, _, _ := aggregate(es)
			return []FileChange{{Path: "x.c", Lines: lines}}
		}
		pc := ComparePort(mk(a), mk(b))
		if pc.InB < 0 || pc.InB > 1 || pc.InA < 0 || pc.InA > 1 {
			t.Fatalf("shares out of range: %+v", pc)
		}
	})
}
