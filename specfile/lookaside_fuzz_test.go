package specfile

import (
	"strings"
	"testing"
)

func checkLookaside(t *testing.T, es []LookasideEntry) {
	prev := 0
	for _, e := range es {
		if e.Line <= prev {
			t.Fatalf("lines out of order: %d after %d", e.Line, prev)
		}
		prev = e.Line
		if !isHex(e.Hash) || strings.ToLower(e.Hash) != e.Hash || digestLen(e.Algo) != len(e.Hash) {
			t.Fatalf("bad digest %+v", e)
		}
		if e.File == "" || e.Path == "" || checkLookasideFile(e.Path) != nil {
			t.Fatalf("bad path %+v", e)
		}
	}
}

func FuzzParseSources(f *testing.F) {
	f.Add("SHA512 (a.tar.gz) = " + strings.Repeat("ab", 64) + "\n")
	f.Add(strings.Repeat("a", 32) + "  b.tar.gz\r\n\n" + strings.Repeat("a", 32) + "  c")
	f.Add("SHA256 (x (1).tgz) = " + strings.Repeat("0", 64) + "\nMD5 (y) = " + strings.Repeat("1", 32))
	f.Fuzz(func(t *testing.T, in string) {
		es, err := ParseSources("sources", strings.NewReader(in))
		if err != nil {
			return
		}
		checkLookaside(t, es)
		for _, e := range es {
			if e.Algo != es[0].Algo {
				t.Fatalf("mixed algorithms accepted: %+v", es)
			}
		}
	})
}

func FuzzParseMetadata(f *testing.F) {
	f.Add(strings.Repeat("ab", 20) + " SOURCES/a.tar.gz\n" + strings.Repeat("cd", 32) + "   SOURCES/b.tar.xz")
	f.Add("\n\n" + strings.Repeat("0", 128) + "\tSOURCES/c\r\n")
	f.Fuzz(func(t *testing.T, in string) {
		es, err := ParseMetadata(".x.metadata", strings.NewReader(in))
		if err != nil {
			return
		}
		checkLookaside(t, es)
	})
}
