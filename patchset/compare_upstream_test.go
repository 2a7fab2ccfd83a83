package patchset

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/patchtrace/patchtrace/internal/testenv"
)

var upstreamCommitRE = regexp.MustCompile(`(?m)^Upstream-commit: ([0-9a-f]{40})\s*$`)

// TestCompareCurlUpstreamCitations measures Compare on real backports: every
// RHEL/EuroLinux curl patch (mbox part) that cites exactly one upstream
// commit with an "Upstream-commit:" trailer is compared with that commit
// (git format-patch from the curl/curl mirror named by PATCHTRACE_CURL_GIT).
// DESIGN §5: only about half of them have the upstream patch-id; the rest
// were rebased, reduced or adapted, so the verdict scale should place
// nearly all of them above Unrelated.
func TestCompareCurlUpstreamCitations(t *testing.T) {
	gitdir := os.Getenv("PATCHTRACE_CURL_GIT")
	if gitdir == "" {
		t.Skip("PATCHTRACE_CURL_GIT not set (a clone of github.com/curl/curl)")
	}
	git := testenv.Git(t)
	corpus := testenv.Corpus(t)
	var files []string
	for _, d := range []string{"openela/curl/el-8.8", "openela/curl/el8", "openela/curl/el-9.2", "openela/curl/el9", "eurolinux/curl/el7", "eurolinux/curl/el6"} {
		fs, _ := filepath.Glob(filepath.Join(corpus, d, "*.patch"))
		files = append(files, fs...)
	}
	upstream := map[string][]FileChange{}
	seen := map[string]bool{}
	verdicts := map[Verdict]int{}
	var unrelated []string
	total := 0
	for _, fn := range files {
		data, err := os.ReadFile(fn)
		if err != nil {
			t.Fatal(err)
		}
		ps, err := ParseBytes(fn, data)
		if err != nil {
			t.Fatalf("%s: %v", fn, err)
		}
		for _, p := range ps {
			m := upstreamCommitRE.FindAllStringSubmatch(p.Header.Message, -1)
			if len(m) != 1 {
				continue
			}
			sha := m[0][1]
			mine := ChangesFromPatch(p, -1)
			key := Digest(mine) + sha
			if seen[key] {
				continue
			}
			seen[key] = true
			up, ok := upstream[sha]
			if !ok {
				out, err := exec.Command(git, "--git-dir="+gitdir, "format-patch", "-1", "--stdout", sha).Output()
				if err != nil {
					t.Fatalf("format-patch %s: %v", sha, err)
				}
				ups, err := ParseBytes(sha, out)
				if err != nil {
					t.Fatalf("%s: %v", sha, err)
				}
				up = ChangesFromPatches(ups, -1)
				upstream[sha] = up
			}
			c := CompareChanges(mine, up)
			total++
			verdicts[c.Verdict]++
			if c.Verdict == Unrelated {
				unrelated = append(unrelated, filepath.Base(fn)+" vs "+sha[:12])
			}
		}
	}
	var parts []string
	for v := Identical; v >= Unrelated; v-- {
		parts = append(parts, v.String()+"="+strconv.Itoa(verdicts[v]))
	}
	sort.Strings(unrelated)
	t.Logf("%d distinct (patch, cited upstream commit) pairs: %s", total, strings.Join(parts, " "))
	if len(unrelated) > 0 {
		t.Logf("unrelated: %s", strings.Join(slices.Compact(unrelated), "; "))
	}
	if total < 50 || verdicts[Unrelated]*10 > total {
		t.Errorf("%d of %d cited upstream commits judged unrelated", verdicts[Unrelated], total)
	}
}
