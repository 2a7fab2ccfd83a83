package source

import (
	"context"
	"fmt"
	"os"
	"path"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/patchtrace/patchtrace/internal/testenv"
	"github.com/patchtrace/patchtrace/progress"
)

// BenchmarkLoadSRPM loads each corpus SRPM (gzip, xz, zstd payloads).
func BenchmarkLoadSRPM(b *testing.B) {
	for _, tc := range corpusSRPMs {
		name := strings.TrimSuffix(path.Base(tc.file), ".src.rpm")
		b.Run(name, func(b *testing.B) {
			p := testenv.CorpusFile(b, tc.file)
			fi, err := os.Stat(p)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(fi.Size())
			s := SRPMFile(name, p, Options{})
			for b.Loop() {
				if _, err := s.Load(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoadDir loads corpus directories.
func BenchmarkLoadDir(b *testing.B) {
	for _, dir := range []string{"openela/openssl/el9", "openela/curl/el8"} {
		b.Run(strings.ReplaceAll(dir, "/", "-"), func(b *testing.B) {
			s, err := Dir(dir, testenv.CorpusFile(b, dir), Options{})
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := s.Load(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkIntroduced walks a synthetic in-memory dist-git history: 1,000
// first-parent commits, each changing one of 100 patch files.
func BenchmarkIntroduced(b *testing.B) {
	repo, rb := memRepo(b)
	var paths []string
	files := map[string]string{"SPECS/pkg.spec": "Name: pkg\n"}
	for i := 0; i < 100; i++ {
		p := fmt.Sprintf("SOURCES/%04d.patch", i)
		paths = append(paths, p)
		files[p] = "v0\n"
	}
	rb.commit("import", files)
	for i := 1; i < 1000; i++ {
		rb.commit(fmt.Sprintf("change %d", i), map[string]string{paths[(i*37)%100]: fmt.Sprintf("v%d\n", i)})
	}
	s := FromRepository("bench", repo, "master", Options{})
	b.ResetTimer()
	for b.Loop() {
		m, err := s.Introduced(context.Background(), paths)
		if err != nil || len(m) != len(paths) {
			b.Fatal(err, len(m))
		}
	}
}

// BenchmarkIntroducedCurl walks curl/curl's first-parent history for the
// files of lib/ at tag curl-8_5_0. Set PATCHTRACE_CURL_GIT to a bare clone.
func BenchmarkIntroducedCurl(b *testing.B) {
	dir := os.Getenv("PATCHTRACE_CURL_GIT")
	if dir == "" {
		b.Skip("PATCHTRACE_CURL_GIT not set")
	}
	var walked int64
	s, err := GitDir("curl", dir, "curl-8_5_0", Options{Progress: func(p progress.Report) { walked = p.Done }})
	if err != nil {
		b.Fatal(err)
	}
	repo, done, err := s.open()
	if err != nil {
		b.Fatal(err)
	}
	c, err := s.resolve(repo)
	if err != nil {
		b.Fatal(err)
	}
	tree, err := c.Tree()
	if err != nil {
		b.Fatal(err)
	}
	lib, err := tree.Tree("lib")
	if err != nil {
		b.Fatal(err)
	}
	var paths []string
	lib.Files().ForEach(func(f *object.File) error {
		if !strings.Contains(f.Name, "/") && strings.HasSuffix(f.Name, ".c") {
			paths = append(paths, "lib/"+f.Name)
		}
		return nil
	})
	done()
	b.Logf("%d paths", len(paths))
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Introduced(context.Background(), paths); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%d commits walked", walked)
}

// BenchmarkHistoryCurl walks curl/curl's whole first-parent history from
// tag curl-8_5_0 for lib/url.c. Compare with
// `git log --first-parent --format=%H curl-8_5_0 -- lib/url.c`.
// Set PATCHTRACE_CURL_GIT to a bare clone.
func BenchmarkHistoryCurl(b *testing.B) {
	dir := os.Getenv("PATCHTRACE_CURL_GIT")
	if dir == "" {
		b.Skip("PATCHTRACE_CURL_GIT not set")
	}
	s, err := GitDir("curl", dir, "curl-8_5_0", Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var n int
	for b.Loop() {
		h, err := s.History(context.Background(), "lib/url.c")
		if err != nil {
			b.Fatal(err)
		}
		n = len(h)
	}
	b.Logf("%d commits changed lib/url.c", n)
}
