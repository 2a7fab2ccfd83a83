package reconcile_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-billy/v5/memfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/patchtrace/patchtrace/provenance/reconcile"
	"github.com/patchtrace/patchtrace/specfile"
)

// repo builds an in-memory dist-git repository, one commit per call of
// commit, each with its files and date.
type repo struct {
	t  *testing.T
	r  *git.Repository
	wt *git.Worktree
}

func newRepo(t *testing.T) *repo {
	r, err := git.Init(memory.NewStorage(), memfs.New())
	if err != nil {
		t.Fatal(err)
	}
	wt, _ := r.Worktree()
	return &repo{t, r, wt}
}

func (r *repo) commit(date string, tag string, files map[string]string) {
	r.t.Helper()
	for name, content := range files {
		if content == "" {
			r.wt.Remove(name)
			continue
		}
		f, err := r.wt.Filesystem.Create(name)
		if err != nil {
			r.t.Fatal(err)
		}
		f.Write([]byte(content))
		f.Close()
		r.wt.Add(name)
	}
	when, _ := time.Parse("2006-01-02", date)
	sig := &object.Signature{Name: "t", Email: "t@example.org", When: when}
	h, err := r.wt.Commit("release "+date, &git.CommitOptions{Author: sig, Committer: sig, AllowEmptyCommits: true})
	if err != nil {
		r.t.Fatal(err)
	}
	if tag != "" {
		if _, err := r.r.CreateTag(tag, h, nil); err != nil {
			r.t.Fatal(err)
		}
	}
}

func spec(release string, patches []string, changelog string) string {
	var b strings.Builder
	b.WriteString("Name: widget\nVersion: 1.0\nRelease: " + release + "\nSummary: w\nLicense: MIT\n")
	for i, p := range patches {
		b.WriteString("Patch" + string(rune('0'+i)) + ": " + p + "\n")
	}
	b.WriteString("\n%prep\n%autosetup -p1\n\n%changelog\n" + changelog)
	return b.String()
}

func patch(file, old, new string) string {
	return "--- a/" + file + "\n+++ b/" + file + "\n@@ -1,3 +1,3 @@\n context one\n-" + old + "\n+" + new + "\n context two\n"
}

const (
	base    = "* Mon Jan 01 2024 RH <rh@example.com> - 1.0-1\n- initial\n"
	fixA    = "--- a/src/parse.c\n+++ b/src/parse.c\n@@ -10,3 +10,4 @@\n int parse(char *s) {\n+  if (!s) return -1;\n   return do_parse(s);\n }\n"
	fixA2   = "--- a/widget-1.0/src/parse.c\n+++ b/widget-1.0/src/parse.c\n@@ -12,3 +12,4 @@\n int parse(char *s) {\n+  if (!s) return -1;\n   return do_parse(s);\n }\n"
	fixB    = "--- a/src/net.c\n+++ b/src/net.c\n@@ -5,3 +5,3 @@\n void net(void) {\n-  recv(buf, 4096);\n+  recv(buf, sizeof buf);\n }\n"
	ownLog  = "* Mon Feb 05 2024 Alma <a@almalinux.org> - 1.0-1.alma.1\n- fix a NULL dereference (CVE-2024-1111)\n\n"
	ownLog2 = "* Mon Apr 01 2024 Alma <a@almalinux.org> - 1.0-1.alma.2\n- rebuild\n\n"
)

// TestReconcile: the rebuild ships an own fix (CVE-2024-1111) on
// 2024-02-05; the origin ships the same change, rebased, in 1.0-2.el9 on
// 2024-03-06 (30 days later). The origin also fixes net.c in 1.0-3.el9,
// which the rebuild lacks.
func TestReconcile(t *testing.T) {
	origin := newRepo(t)
	p0 := patch("src/a.c", "old", "new")
	origin.commit("2024-01-01", "imports/c9/widget-1.0-1.el9", map[string]string{
		"SPECS/widget.spec": spec("1%{?dist}", []string{"widget-a.patch"}, base), "SOURCES/widget-a.patch": p0})
	origin.commit("2024-03-06", "imports/c9/widget-1.0-2.el9", map[string]string{
		"SPECS/widget.spec":                  spec("2%{?dist}", []string{"widget-a.patch", "widget-CVE-2024-1111.patch"}, base),
		"SOURCES/widget-CVE-2024-1111.patch": fixA2})
	origin.commit("2024-05-10", "imports/c9/widget-1.0-3.el9", map[string]string{
		"SPECS/widget.spec":        spec("3%{?dist}", []string{"widget-a.patch", "widget-CVE-2024-1111.patch", "widget-net.patch"}, base),
		"SOURCES/widget-net.patch": fixB})

	rebuild := newRepo(t)
	rebuild.commit("2024-01-02", "", map[string]string{
		"SPECS/widget.spec": spec("1%{?dist}", []string{"widget-a.patch"}, base), "SOURCES/widget-a.patch": p0})
	rebuild.commit("2024-02-05", "", map[string]string{
		"SPECS/widget.spec":                spec("1%{?dist}.alma.1", []string{"widget-a.patch", "0001-CVE-2024-1111.patch"}, ownLog+base),
		"SOURCES/0001-CVE-2024-1111.patch": fixA})
	rebuild.commit("2024-04-01", "", map[string]string{
		"SPECS/widget.spec": spec("1%{?dist}.alma.2", []string{"widget-a.patch", "0001-CVE-2024-1111.patch"}, ownLog2+ownLog+base)})

	tg := specfile.Target{Defines: map[string]string{"dist": ".el9"}}
	rh, err := reconcile.Read(context.Background(), "alma", rebuild.r, "master", tg)
	if err != nil {
		t.Fatal(err)
	}
	var nvrs []string
	for _, r := range rh.Releases {
		nvrs = append(nvrs, r.NVR+"@"+r.Date.Format("2006-01-02"))
	}
	if got := strings.Join(nvrs, " "); got != "widget-1.0-1.el9@2024-01-02 widget-1.0-1.el9.alma.1@2024-02-05 widget-1.0-1.el9.alma.2@2024-04-01" {
		t.Fatalf("rebuild releases: %s", got)
	}
	oh, err := reconcile.Read(context.Background(), "c9s", origin.r, "imports/c9/*", tg)
	if err != nil {
		t.Fatal(err)
	}
	if len(oh.Releases) != 3 || oh.Releases[1].NVR != "widget-1.0-2.el9" {
		t.Fatalf("origin releases: %+v", oh.Releases)
	}
	rep := reconcile.Reconcile(rh, []*reconcile.History{oh})
	if len(rep.Own) != 1 {
		t.Fatalf("own: %+v", rep.Own)
	}
	r := rep.Own[0]
	if r.File != "0001-CVE-2024-1111.patch" || r.Introduced.NVR != "widget-1.0-1.el9.alma.1" || r.Origin == nil ||
		r.Origin.NVR != "widget-1.0-2.el9" || r.OriginFile != "widget-CVE-2024-1111.patch" || r.Days != 30 || r.Verdict.String() == "identical" {
		t.Errorf("row: %+v (origin %+v, verdict %v, days %d)", r, r.Origin, r.Verdict, r.Days)
	}
	if r.Since == nil || r.Since.EVR != "1.0-1.alma.1" {
		t.Errorf("changelog entry: %+v", r.Since)
	}
	if len(rep.Lacking) != 1 || rep.Lacking[0].File != "widget-net.patch" || rep.Lacking[0].Origin.NVR != "widget-1.0-3.el9" {
		t.Errorf("lacking: %+v", rep.Lacking)
	}

	// Before the origin ships it, the own patch is not superseded.
	early := &reconcile.History{Name: "c9s", Releases: oh.Releases[:1]}
	rep = reconcile.Reconcile(rh, []*reconcile.History{early})
	if len(rep.Own) != 1 || rep.Own[0].Origin != nil {
		t.Errorf("early: %+v", rep.Own)
	}
}

func TestReadErrors(t *testing.T) {
	r := newRepo(t)
	r.commit("2024-01-01", "", map[string]string{"README": "no spec here"})
	h, err := reconcile.Read(context.Background(), "x", r.r, "master", specfile.Target{})
	if err != nil || len(h.Releases) != 0 {
		t.Errorf("tree without spec: %v %+v", err, h)
	}
	if _, err := reconcile.Read(context.Background(), "x", r.r, "nosuchbranch", specfile.Target{}); err == nil {
		t.Error("unknown ref accepted")
	}
}
