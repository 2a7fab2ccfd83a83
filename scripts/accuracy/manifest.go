package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// evalSet is one line of the manifest: a packaging branch and the upstream
// history its patches cite.
type evalSet struct {
	Name string // unique label, "curl-el8"
	// Packaging is "corpus:<dir>" (a directory of the shared corpus) or
	// "<owner>/<name>@<branch>" (a branch of a fetched packaging repository).
	Packaging string
	Upstream  string // "<owner>/<name>" of the upstream repository
	Range     string // revision range to index, "A..B"
	Target    string // specfile preset ("el8"), "-" for the zero target
	Env       string // environment variable overriding the upstream path, "-" for none
	Line      int    // manifest line, for messages
}

// readManifest parses the tab-separated manifest: one set per line, with
// the columns name, packaging, upstream, range, target and env; blank lines
// and lines starting with '#' are ignored.
func readManifest(name string, r io.Reader) ([]evalSet, error) {
	var sets []evalSet
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 6 {
			return nil, fmt.Errorf("%s:%d: want 6 columns (name packaging upstream range target env), have %d", name, n, len(f))
		}
		s := evalSet{Name: f[0], Packaging: f[1], Upstream: f[2], Range: f[3], Target: f[4], Env: f[5], Line: n}
		if seen[s.Name] {
			return nil, fmt.Errorf("%s:%d: set %q listed twice", name, n, s.Name)
		}
		seen[s.Name] = true
		if !strings.HasPrefix(s.Packaging, "corpus:") && !strings.Contains(s.Packaging, "@") {
			return nil, fmt.Errorf("%s:%d: packaging %q is neither corpus:DIR nor OWNER/NAME@BRANCH", name, n, s.Packaging)
		}
		if strings.Count(s.Upstream, "/") != 1 {
			return nil, fmt.Errorf("%s:%d: upstream %q is not OWNER/NAME", name, n, s.Upstream)
		}
		sets = append(sets, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return sets, nil
}

// mirrorPath returns where the fetch tool keeps a snapshot of owner/name
// under root: root/owner+name/repo.
func mirrorPath(root, repo string) string {
	return filepath.Join(root, strings.Replace(repo, "/", "+", 1), "repo")
}

// upstreamDir returns the git directory of the set's upstream: the Env
// variable when set, else the mirror.
func (s evalSet) upstreamDir(mirror string) string {
	if s.Env != "-" {
		if d := os.Getenv(s.Env); d != "" {
			return d
		}
	}
	return mirrorPath(mirror, s.Upstream)
}
