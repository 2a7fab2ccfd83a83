package main

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path"
	"strconv"
	"strings"
	"time"
)

// gitRepo runs git commands in one git directory.
type gitRepo struct {
	dir string
}

func (g gitRepo) run(ctx context.Context, stdin []byte, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"--git-dir=" + g.dir}, args...)...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("git %s in %s: %w: %s", strings.Join(args, " "), g.dir, err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// resolveCommits maps each candidate id (full or abbreviated hex) to the
// full id of the commit it names; ids that name no commit, or another kind
// of object, or more than one object, are left out.
func (g gitRepo) resolveCommits(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var in bytes.Buffer
	for _, id := range ids {
		in.WriteString(id + "^{commit}\n")
	}
	res, err := g.run(ctx, in.Bytes(), "cat-file", "--batch-check=%(objectname) %(objecttype)")
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSuffix(string(res), "\n"), "\n")
	if len(lines) != len(ids) {
		return nil, fmt.Errorf("git cat-file answered %d lines for %d ids", len(lines), len(ids))
	}
	for i, l := range lines {
		f := strings.Fields(l)
		if len(f) == 2 && f[1] == "commit" && len(f[0]) == 40 {
			out[ids[i]] = f[0]
		}
	}
	return out, nil
}

// maxRangeCite bounds the commits a cited range may expand to: a longer
// one is a release, not a backport.
const maxRangeCite = 100

// expandRanges resolves cited ranges ("A~1..B") to their commits; a range
// that does not resolve or holds more than maxRangeCite commits names
// nothing.
func (g gitRepo) expandRanges(ctx context.Context, ranges []string) map[string][]string {
	out := map[string][]string{}
	for _, r := range ranges {
		res, err := g.run(ctx, nil, "rev-list", "--max-count="+strconv.Itoa(maxRangeCite+1), r, "--")
		if err != nil {
			continue
		}
		ids := strings.Fields(string(res))
		if len(ids) > 0 && len(ids) <= maxRangeCite {
			out[r] = ids
		}
	}
	return out
}

// commitMeta is what identifies a change across branches: the same
// subject, author and author date, as a cherry-pick keeps them.
type commitMeta struct {
	ID      string
	Parents []string
	Email   string
	Date    time.Time
	Subject string
}

// key is the cross-branch identity of a commit.
func (m commitMeta) key() string {
	return m.Email + "\x00" + strconv.FormatInt(m.Date.Unix(), 10) + "\x00" + m.Subject
}

const metaFormat = "--format=%H%x00%P%x00%ae%x00%at%x00%s"

func parseMeta(out []byte) []commitMeta {
	var ms []commitMeta
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Split(l, "\x00")
		if len(f) != 5 {
			continue
		}
		t, _ := strconv.ParseInt(f[3], 10, 64)
		ms = append(ms, commitMeta{ID: f[0], Parents: strings.Fields(f[1]), Email: strings.ToLower(f[2]),
			Date: time.Unix(t, 0).UTC(), Subject: strings.TrimSpace(f[4])})
	}
	return ms
}

// rangeMeta lists every commit of a revision range.
func (g gitRepo) rangeMeta(ctx context.Context, rng string) ([]commitMeta, error) {
	out, err := g.run(ctx, nil, "log", metaFormat, rng, "--")
	if err != nil {
		return nil, err
	}
	return parseMeta(out), nil
}

// meta reads the metadata of the given full commit ids.
func (g gitRepo) meta(ctx context.Context, ids []string) (map[string]commitMeta, error) {
	out := map[string]commitMeta{}
	if len(ids) == 0 {
		return out, nil
	}
	res, err := g.run(ctx, []byte(strings.Join(ids, "\n")+"\n"), "log", "--no-walk=unsorted", "--stdin", metaFormat)
	if err != nil {
		return nil, err
	}
	for _, m := range parseMeta(res) {
		out[m.ID] = m
	}
	return out, nil
}

// diff returns the change a commit makes to its first parent, as a
// patch with a "commit <id>" line (git show's form; for a merge, the diff
// against the first parent).
func (g gitRepo) diff(ctx context.Context, m commitMeta) ([]byte, error) {
	if len(m.Parents) == 0 {
		return g.run(ctx, nil, "show", "--no-color", "--no-ext-diff", "--format=commit %H", m.ID)
	}
	out, err := g.run(ctx, nil, "diff", "--no-color", "--no-ext-diff", m.Parents[0], m.ID)
	if err != nil {
		return nil, err
	}
	return append([]byte("commit "+m.ID+"\n\n"), out...), nil
}

// isAncestor reports whether a is an ancestor of (or equal to) b.
func (g gitRepo) isAncestor(ctx context.Context, a, b string) bool {
	_, err := g.run(ctx, nil, "merge-base", "--is-ancestor", a, b)
	return err == nil
}

// branchFiles reads every regular file of a branch, by path.
func (g gitRepo) branchFiles(ctx context.Context, branch string) (map[string][]byte, error) {
	out, err := g.run(ctx, nil, "archive", "--format=tar", branch)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(out))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("git archive %s: %w", branch, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := path.Clean(h.Name)
		if name == ".." || strings.HasPrefix(name, "../") || path.IsAbs(name) {
			return nil, fmt.Errorf("git archive %s: unsafe path %q", branch, h.Name)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		files[name] = data
	}
	return files, nil
}
