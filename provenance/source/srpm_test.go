package source

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/patchtrace/patchtrace/internal/testenv"
	"github.com/patchtrace/patchtrace/progress"
)

var corpusSRPMs = []struct {
	file       string
	nevr       string
	compressor string
	spec       string
	patches    int
	dir        string // the corpus directory it was built from
}{
	{"srpms/curl-7.61.1-33.el8.src.rpm", "curl-7.61.1-33.el8", "gzip", "curl.spec", 53, "openela/curl/el8"},
	{"srpms/expat-2.2.5-11.el8.src.rpm", "expat-2.2.5-11.el8", "xz", "expat.spec", 14, "openela/expat/el8"},
	{"srpms/openssl-3.0.7-28.el9.openela.0.1.src.rpm", "openssl-1:3.0.7-28.el9.openela.0.1", "zstd", "openssl.spec", 87, "openela/openssl/el9"},
}

func TestSRPMCorpus(t *testing.T) {
	for _, tc := range corpusSRPMs {
		t.Run(tc.nevr, func(t *testing.T) {
			path := testenv.CorpusFile(t, tc.file)
			var calls int
			s, err := Open("x", path, Options{Progress: func(progress.Report) { calls++ }})
			if err != nil {
				t.Fatal(err)
			}
			p, err := s.Load(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if p.Layout != SRPM || p.NEVR == nil || p.NEVR.String() != tc.nevr {
				t.Fatalf("layout %v nevr %v", p.Layout, p.NEVR)
			}
			if p.SRPM.PayloadCompressor != tc.compressor || !p.SRPM.SpecFileFlag || p.SpecName != tc.spec {
				t.Errorf("info %+v spec %s", p.SRPM, p.SpecName)
			}
			if calls == 0 {
				t.Error("no progress reported")
			}
			if len(p.SRPM.Patches) == 0 {
				t.Error("no PATCH tags")
			}
			// The spec and every patch are the corpus directory's bytes.
			dir := testenv.CorpusFile(t, tc.dir)
			want, err := os.ReadFile(dir + "/" + tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(p.Spec, want) {
				t.Errorf("spec differs from %s", tc.dir)
			}
			n := 0
			for _, f := range p.Files {
				if !strings.HasSuffix(f.Name, ".patch") {
					continue
				}
				n++
				w, err := os.ReadFile(dir + "/" + f.Name)
				if err != nil {
					t.Errorf("%s: %v", f.Name, err)
					continue
				}
				if !bytes.Equal(w, f.Data) {
					t.Errorf("%s differs from %s", f.Name, tc.dir)
				}
			}
			if n != tc.patches {
				t.Errorf("%d patches, want %d", n, tc.patches)
			}
			// Every PATCH tag names a file of the payload.
			for _, pt := range p.SRPM.Patches {
				if p.File(pt) == nil {
					t.Errorf("PATCH %s not in payload", pt)
				}
			}
		})
	}
}
