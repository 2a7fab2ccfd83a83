package upstream

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/patchtrace/patchtrace/patchset"
)

// rulesRepo is a history for the explanation rules of Find: a base with
// many files, then commits on top of it, each recorded by name.
type rulesRepo struct {
	m       *memRepo
	base    plumbing.Hash
	head    plumbing.Hash
	files   map[string]string // at head
	commits map[string]plumbing.Hash
}

func newRulesRepo(t *testing.T, files map[string]string) *rulesRepo {
	m := newMemRepo(t)
	base := m.commit("base", files)
	m.tag("base", base)
	r := &rulesRepo{m: m, base: base, head: base, files: map[string]string{}, commits: map[string]plumbing.Hash{}}
	for k, v := range files {
		r.files[k] = v
	}
	return r
}

// commit applies edit to the head snapshot and commits it as name.
func (r *rulesRepo) commit(name string, edit func(files map[string]string)) plumbing.Hash {
	edit(r.files)
	r.head = r.m.commit(name, r.files, r.head)
	r.commits[name] = r.head
	return r.head
}

func (r *rulesRepo) index(t *testing.T) *Index {
	t.Helper()
	r.m.branch("master", r.head)
	var paths []string
	for p := range r.files {
		paths = append(paths, "a/"+p)
	}
	ix, err := FromRepository(r.m.repo).Index(context.Background(), "base..master", paths, nil)
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

// found returns the commit names of the candidates Find reports by
// content (not Unrelated), in order.
func (r *rulesRepo) found(got []Candidate) []string {
	var out []string
	for _, c := range got {
		if c.Verdict == patchset.Unrelated {
			continue
		}
		for name, h := range r.commits {
			if h.String() == c.Commit {
				out = append(out, name)
			}
		}
	}
	return out
}

// code returns n distinctive source lines for a file named tag.
func code(tag string, n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, fmt.Sprintf("result_%s_%d = compute_%s(input_%d, %d);", tag, i, tag, i, i*7))
	}
	return out
}

func blobChange(path, old, new string) patchset.FileChange {
	return patchset.ChangeFromBlobs(path, []byte(old), []byte(new))
}

// TestFindSquashOfSmallCommits: a patch that squashes many small commits,
// each wholly inside it and each a small share of it, is explained by all
// of them.
func TestFindSquashOfSmallCommits(t *testing.T) {
	files := map[string]string{}
	for i := 0; i < 8; i++ {
		files[fmt.Sprintf("src/m%d.c", i)] = text(code(fmt.Sprintf("m%d", i), 30))
	}
	r := newRulesRepo(t, files)
	before := map[string]string{}
	for k, v := range files {
		before[k] = v
	}
	var want []string
	for i := 0; i < 8; i++ {
		p := fmt.Sprintf("src/m%d.c", i)
		name := fmt.Sprintf("fix %d", i)
		r.commit(name, func(f map[string]string) {
			f[p] = strings.Replace(f[p], fmt.Sprintf("result_m%d_10 =", i), fmt.Sprintf("if (!input_10) return ERR_%d;\nresult_m%d_10 =", i, i), 1)
		})
		want = append(want, name)
	}
	ix := r.index(t)
	var q Query
	for i := 0; i < 8; i++ {
		p := fmt.Sprintf("src/m%d.c", i)
		q.Changes = append(q.Changes, blobChange("a/"+p, before[p], r.files[p]))
	}
	got := ix.Find(q, FindOptions{})
	names := r.found(got)
	slices.Sort(names)
	if !slices.Equal(names, want) {
		t.Fatalf("found %v, want all of %v", names, want)
	}
	for _, c := range got {
		if !c.Evidence.InSet || c.Verdict != patchset.Partial {
			t.Errorf("%s: %s InSet=%v, want a partial set member", c.Subject, c.Verdict, c.Evidence.InSet)
		}
	}
}

// TestFindMixedBackport: a patch carrying parts of two commits on two
// files is explained by both; a commit that only shares lines the patch
// removes is never evidence.
func TestFindMixedBackport(t *testing.T) {
	files := map[string]string{
		"lib/a.c": text(code("a", 40)),
		"lib/b.c": text(code("b", 40)),
		"doc/old.1": text(func() []string {
			var out []string
			for i := 0; i < 60; i++ {
				out = append(out, fmt.Sprintf("The legacy option number %d does something old.", i))
			}
			return out
		}()),
	}
	r := newRulesRepo(t, files)
	base := map[string]string{}
	for k, v := range files {
		base[k] = v
	}
	rewrite := func(src string, tag string, from, to int) string {
		ls := strings.Split(strings.TrimSuffix(src, "\n"), "\n")
		for i := from; i < to; i++ {
			ls[i] = fmt.Sprintf("checked_%s_%d = safe_compute_%s(input_%d);", tag, i, tag, i)
		}
		return strings.Join(ls, "\n") + "\n"
	}
	r.commit("a: safe compute", func(f map[string]string) { f["lib/a.c"] = rewrite(f["lib/a.c"], "a", 5, 15) })
	r.commit("b: safe compute", func(f map[string]string) { f["lib/b.c"] = rewrite(f["lib/b.c"], "b", 20, 28) })
	r.commit("docs: drop the old man page", func(f map[string]string) { delete(f, "doc/old.1") })
	ix := r.index(t)

	// 8 of a's 10 changed lines, 4 of b's 8, 3 removed man page lines.
	q := Query{Changes: []patchset.FileChange{
		blobChange("a/lib/a.c", base["lib/a.c"], rewrite(base["lib/a.c"], "a", 5, 13)),
		blobChange("a/lib/b.c", base["lib/b.c"], rewrite(base["lib/b.c"], "b", 20, 24)),
		blobChange("a/doc/old.1", base["doc/old.1"], strings.Join(strings.SplitN(base["doc/old.1"], "\n", 4)[3:], "")),
	}}
	got := r.found(ix.Find(q, FindOptions{}))
	slices.Sort(got)
	if !slices.Equal(got, []string{"a: safe compute", "b: safe compute"}) {
		t.Errorf("found %v, want both partial commits and not the man page removal", got)
	}

	// Removed lines alone: no match.
	q = Query{Changes: q.Changes[2:]}
	if got := r.found(ix.Find(q, FindOptions{})); len(got) != 0 {
		t.Errorf("removal-only patch matched %v", got)
	}
}

// TestFindBoilerplateNotEvidence: a commit that only supplies heading
// lines the patch also adds is not an origin, while a one-line commit
// whose added line is wholly in the patch is.
func TestFindBoilerplateNotEvidence(t *testing.T) {
	page := ".TH TOOL 1\n.SH NAME\ntool \\- does things\n.SH DESCRIPTION\nThe tool does things.\n"
	r := newRulesRepo(t, map[string]string{"doc/tool.1": page, "src/tool.c": text(code("t", 20))})
	r.commit("doc: add sections", func(f map[string]string) {
		f["doc/tool.1"] += ".SH OPTIONS\n.SH EXAMPLES\nRun it as an example of everything upstream wrote here.\n" +
			"It has a long paragraph of text that no patch copies.\nAnd another one, even longer than the first one.\n"
	})
	r.commit("tool: reject empty input", func(f map[string]string) {
		f["src/tool.c"] = strings.Replace(f["src/tool.c"], "result_t_3 =", "if (input_3 == NULL) return TOOL_EINVAL;\nresult_t_3 =", 1)
	})
	ix := r.index(t)
	q := Query{Changes: []patchset.FileChange{
		blobChange("a/doc/tool.1", page, page+".SH OPTIONS\n.SH EXAMPLES\n.B \\-\\-fast\nmakes the downstream tool fast.\n"),
		blobChange("a/src/tool.c", text(code("t", 20)), strings.Replace(text(code("t", 20)), "result_t_3 =",
			"if (input_3 == NULL) return TOOL_EINVAL;\ndownstream_log(\"input checked\");\nresult_t_3 =", 1)),
	}}
	if got := r.found(ix.Find(q, FindOptions{})); !slices.Equal(got, []string{"tool: reject empty input"}) {
		t.Errorf("found %v, want only the one-line commit", got)
	}
}

// TestFindEquivalentAndMetadata: the same change committed twice (a
// stable-branch copy) is reported twice, the second as equivalent; a
// patch whose content matches nothing but whose subject, author and date
// are a commit's is similar to it by metadata only.
func TestFindEquivalentAndMetadata(t *testing.T) {
	r := newRulesRepo(t, map[string]string{"lib/x.c": text(code("x", 30)), "lib/y.c": text(code("y", 30))})
	fix := func(f map[string]string) {
		f["lib/x.c"] = strings.Replace(f["lib/x.c"], "result_x_7 =", "if (input_7 > LIMIT_X) return -ERANGE;\nresult_x_7 =", 1)
	}
	r.commit("x: bound input", fix)
	r.commit("y: refactor", func(f map[string]string) {
		f["lib/y.c"] = strings.Replace(f["lib/y.c"], "compute_y", "compute_why", -1)
	})
	r.commit("x: revert bound", func(f map[string]string) {
		f["lib/x.c"] = strings.Replace(f["lib/x.c"], "if (input_7 > LIMIT_X) return -ERANGE;\n", "", 1)
	})
	r.commit("x: bound input (stable copy)", fix)
	ix := r.index(t)
	q := Query{Changes: []patchset.FileChange{blobChange("a/lib/x.c", text(code("x", 30)),
		strings.Replace(text(code("x", 30)), "result_x_7 =", "if (input_7 > LIMIT_X) return -ERANGE;\nresult_x_7 =", 1))}}
	got := ix.Find(q, FindOptions{})
	names := r.found(got)
	if len(names) != 2 || names[0] != "x: bound input" || names[1] != "x: bound input (stable copy)" {
		t.Fatalf("found %v, want the fix and its copy", names)
	}
	if got[1].Evidence.EquivalentTo != got[0].Commit || got[1].Verdict != got[0].Verdict {
		t.Errorf("copy: %+v, want equivalent to %s", got[1].Evidence, got[0].Commit)
	}

	// Metadata only: the subject, author and date of "y: refactor", with a
	// change the history does not have.
	info, _ := ix.CommitInfo(r.commits["y: refactor"].String())
	q = Query{Subject: "y: refactor", Author: "Up Stream", Date: info.Date.Add(2 * time.Hour),
		Changes: []patchset.FileChange{blobChange("a/lib/y.c", text(code("y", 30)), text(code("y", 30))+"downstream_only();\n")}}
	got = ix.Find(q, FindOptions{})
	if len(got) != 1 || got[0].Commit != r.commits["y: refactor"].String() || got[0].Verdict != patchset.Similar || !got[0].Evidence.ByMetadata {
		t.Errorf("metadata-only: %+v", got)
	}
	// Metadata never makes a match when the content names another commit.
	q.Changes = []patchset.FileChange{blobChange("a/lib/x.c", text(code("x", 30)),
		strings.Replace(text(code("x", 30)), "result_x_7 =", "if (input_7 > LIMIT_X) return -ERANGE;\nresult_x_7 =", 1))}
	if names := r.found(ix.Find(q, FindOptions{})); slices.Contains(names, "y: refactor") {
		t.Errorf("metadata outweighed content: %v", names)
	}
}
