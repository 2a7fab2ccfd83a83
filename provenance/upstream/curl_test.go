package upstream

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/patchtrace/patchtrace/internal/testenv"
	"github.com/patchtrace/patchtrace/patchset"
)

// CurlGitEnv names the environment variable giving a local clone of
// curl/curl (bare or not); the tests and benchmarks that need it are
// skipped when it is unset, also under CI.
const curlGitEnv = "PATCHTRACE_CURL_GIT"

// curlRange is the upstream range covering every commit the RHEL curl
// patches cite.
const curlRange = "curl-7_19_7..curl-8_5_0"

var (
	upstreamCommitRe = regexp.MustCompile(`(?m)^Upstream-commit: *([0-9a-f]{7,40})\s*$`)
	fromShaRe        = regexp.MustCompile(`(?m)^From ([0-9a-f]{40}) `)
	// stripRe removes every line that names an upstream commit, so that
	// the attribution is made by content alone.
	stripRe = regexp.MustCompile(`(?m)^(Upstream-commit:.*|From [0-9a-f]{40} .*)\n`)
	// stripURLRe removes commit URLs.
	stripURLRe = regexp.MustCompile(`(?m)^.*/commit/[0-9a-f]{7,40}.*\n`)
)

// curlCase is one corpus patch file citing exactly one upstream commit.
type curlCase struct {
	file   string     // relative to the corpus
	cited  string     // full upstream sha
	how    string     // "Upstream-commit" or "From"
	multi  [][]string // every Upstream-commit match, for multi-commit patches
	patch  *patchset.Patch
	hinted *patchset.Patch // parsed with hints left in
}

func curlRepo(tb testing.TB) *Repo {
	tb.Helper()
	dir := os.Getenv(curlGitEnv)
	if dir == "" {
		tb.Skipf("skipped: $%s is not set (a local clone of curl/curl)", curlGitEnv)
	}
	r, err := Open(dir)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { r.Close() })
	return r
}

// mergePatches joins the file sections of an mbox's patches into one.
func mergePatches(ps []*patchset.Patch) *patchset.Patch {
	if len(ps) == 1 {
		return ps[0]
	}
	m := &patchset.Patch{}
	for i, p := range ps {
		if i == 0 {
			m.Header = p.Header
		}
		m.Files = append(m.Files, p.Files...)
	}
	return m
}

// loadCurlDir parses every patch file of a corpus curl directory; it
// returns the single-commit cases and all patch paths.
func loadCurlDir(tb testing.TB, r *Repo, rel string) (cases, others []curlCase, all []*patchset.Patch, paths []string) {
	tb.Helper()
	dir := filepath.Join(testenv.Corpus(tb), filepath.FromSlash(rel))
	names, err := filepath.Glob(filepath.Join(dir, "*.patch"))
	if err != nil || len(names) == 0 {
		tb.Fatalf("no patches in %s: %v", dir, err)
	}
	sort.Strings(names)
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		text := string(data)
		stripped := stripRe.ReplaceAllString(text, "")
		ps, err := patchset.ParseBytes(filepath.Base(name), []byte(stripped))
		if err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		if len(ps) == 0 {
			continue
		}
		p := mergePatches(ps)
		all = append(all, p)
		for _, f := range p.Files {
			paths = append(paths, f.NewName, f.OldName)
		}
		c := curlCase{file: rel + "/" + filepath.Base(name), patch: p}
		if ups := upstreamCommitRe.FindAllStringSubmatch(text, -1); len(ups) == 1 {
			full, err := r.resolve(ups[0][1])
			if err != nil {
				tb.Fatalf("%s cites %s, not in the repository: %v", name, ups[0][1], err)
			}
			c.cited, c.how = full.String(), "Upstream-commit"
		} else if len(ups) == 0 {
			froms := fromShaRe.FindAllStringSubmatch(text, -1)
			if len(froms) == 1 {
				if full, err := r.resolve(froms[0][1]); err == nil {
					c.cited, c.how = full.String(), "From"
				}
			}
		}
		c.multi = upstreamCommitRe.FindAllStringSubmatch(text, -1)
		if c.cited == "" {
			others = append(others, c)
			continue
		}
		hp, err := patchset.ParseBytes(filepath.Base(name), data)
		if err != nil {
			tb.Fatal(err)
		}
		c.hinted = mergePatches(hp)
		cases = append(cases, c)
	}
	return cases, others, all, paths
}

// TestCurlAccuracy attributes every single-commit RHEL curl patch (el8,
// el9) by content alone, with the lines citing upstream commits removed,
// and requires a recall of at least 95% with no wrong attribution.
func TestCurlAccuracy(t *testing.T) {
	r := curlRepo(t)
	var cases, others []curlCase
	var paths []string
	for _, d := range []string{"openela/curl/el8", "openela/curl/el9"} {
		c, o, _, p := loadCurlDir(t, r, d)
		cases = append(cases, c...)
		others = append(others, o...)
		paths = append(paths, p...)
	}
	ix, err := r.Index(context.Background(), curlRange, paths, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("index: %+v", ix.Stats())
	hits, wrong, none := 0, 0, 0
	for _, c := range cases {
		got := ix.Find(QueryOf(c.patch, -1), FindOptions{})
		if !ix.InRange(c.cited) {
			landed, ok := ix.Landed(c.cited)
			if !ok {
				t.Errorf("%s: cited %s is outside %s and has no copy there", c.file, c.cited, curlRange)
				continue
			}
			t.Logf("note %s: cited %s is outside %s; its copy there is %s", c.file, c.cited[:12], curlRange, landed[:12])
			c.cited = landed
		}
		switch {
		case len(got) > 0 && got[0].Commit == c.cited:
			hits++
			t.Logf("hit  %-48s %s %-10s pc=%.2f cc=%.2f", c.file, c.cited[:12], got[0].Verdict, got[0].PatchCoverage, got[0].CommitCoverage)
		case len(got) > 0 && inSet(got, c.cited):
			hits++
			t.Logf("hit  %-48s %s in a set of %d", c.file, c.cited[:12], setSize(got))
		case len(got) > 0:
			wrong++
			t.Errorf("WRONG %s: cited %s, found %s %q (%s pc=%.2f cc=%.2f); cited scores %s",
				c.file, c.cited[:12], got[0].Commit[:12], got[0].Subject, got[0].Verdict,
				got[0].PatchCoverage, got[0].CommitCoverage, citedScore(ix, c))
		default:
			none++
			t.Logf("miss %-48s %s: no match; cited scores %s", c.file, c.cited[:12], citedScore(ix, c))
		}
		// With the hints left in, the cited commit must be flagged.
		hg := ix.Find(QueryOf(c.hinted, -1), FindOptions{})
		if !flagged(hg, c.cited) {
			t.Errorf("%s: hint %s not reported in the evidence", c.file, c.cited[:12])
		}
	}
	// Not asserted, reported: patches citing several commits (squashes
	// or mboxes) and patches citing none.
	for _, c := range others {
		got := ix.Find(QueryOf(c.patch, -1), FindOptions{})
		var top []string
		for _, g := range got {
			if g.Evidence.InSet || len(top) == 0 {
				top = append(top, g.Commit[:12]+"/"+g.Verdict.String())
			}
		}
		var cited []string
		for _, m := range c.multi {
			cited = append(cited, m[1][:min(12, len(m[1]))])
		}
		t.Logf("other %-48s cites %v found %v", c.file, cited, top)
	}
	n := len(cases)
	recall := float64(hits) / float64(n)
	precision := 1.0
	if hits+wrong > 0 {
		precision = float64(hits) / float64(hits+wrong)
	}
	t.Logf("RESULT cases=%d hits=%d wrong=%d nomatch=%d recall=%.1f%% precision=%.1f%%",
		n, hits, wrong, none, 100*recall, 100*precision)
	if n < 50 {
		t.Errorf("only %d single-commit cases found; expected 54", n)
	}
	if recall < 0.95 {
		t.Errorf("recall %.1f%% < 95%%", 100*recall)
	}
}

func inSet(cs []Candidate, sha string) bool {
	for _, c := range cs {
		if c.Evidence.InSet && c.Commit == sha {
			return true
		}
	}
	return false
}

func setSize(cs []Candidate) int {
	n := 0
	for _, c := range cs {
		if c.Evidence.InSet {
			n++
		}
	}
	return n
}

func flagged(cs []Candidate, sha string) bool {
	for _, c := range cs {
		if c.Commit == sha && c.Evidence.Cited {
			return true
		}
	}
	return false
}

// citedScore describes how the cited commit scores, for the test log.
func citedScore(ix *Index, c curlCase) string {
	ci := ix.commitByPrefix(c.cited)
	if ci < 0 {
		return "(cited commit touches no indexed path)"
	}
	files := ix.queryFiles(QueryOf(c.patch, -1))
	s := ix.score(ci, files, ix.totalWeight(files))
	var b strings.Builder
	for _, f := range s.files {
		b.WriteString(" " + f.PatchPath + "->" + f.UpstreamPath)
		b.WriteString("[" + itoa(f.Matched) + "/" + itoa(f.Lines) + "]")
	}
	return "pc=" + ftoa(s.pc) + " cc=" + ftoa(s.cc) + b.String()
}

// BenchmarkCurlEL8 traces every patch of openela/curl/el8 through the
// upstream range curl-7_19_7..curl-8_5_0: open the repository, parse the
// patches, index the range along their paths and look each one up.
// scripts/bench-upstream.sh compares it with git log -p | git patch-id.
func BenchmarkCurlEL8(b *testing.B) {
	dir := os.Getenv(curlGitEnv)
	if dir == "" {
		b.Skipf("skipped: $%s is not set (a local clone of curl/curl)", curlGitEnv)
	}
	found := 0
	for b.Loop() {
		r, err := Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		_, _, all, paths := loadCurlDir(b, r, "openela/curl/el8")
		ix, err := r.Index(context.Background(), curlRange, paths, nil)
		if err != nil {
			b.Fatal(err)
		}
		found = 0
		for _, p := range all {
			if len(ix.Find(QueryOf(p, -1), FindOptions{})) > 0 {
				found++
			}
		}
		r.Close()
	}
	b.ReportMetric(float64(found), "matched")
}
