// Package reconcile follows a rebuild's own patches over time: for each
// own patch of each rebuild release it finds the first release of an
// origin (CentOS Stream, RHEL through OpenELA's imports, Fedora) that
// carries the same change, so that the maintainer can drop theirs and take
// the origin's ("superseded by c9s 0051-x.patch in curl-7.76.1-29.el9 (2024-
// 03-02), 41 days after ours"); and the reverse: the fixes an origin
// shipped that the rebuild still lacks.
//
// Histories are read from dist-git repositories with go-git: a branch is
// walked along its first parents and every commit that changes the spec's
// NVR is a release (dated by the commit); a tag pattern such as
// "imports/el8/*" (OpenELA tags each import as imports/<branch>/<nvr>)
// makes each matching tag a release, named by the tag. A branch commit
// that changes the patches but not the NVR is a release too (with the
// same NVR), so the latest release is the branch head's content.
package reconcile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/patchtrace/patchtrace/internal/rpmver"
	"github.com/patchtrace/patchtrace/patchset"
	"github.com/patchtrace/patchtrace/provenance/source"
	"github.com/patchtrace/patchtrace/specfile"
)

// Limits of a history read.
const (
	// MaxCommits caps the commits walked on one branch.
	MaxCommits = 20000
	// MaxFileSize caps one patch or spec read from a tree.
	MaxFileSize = 32 << 20
)

// Release is one release of a package in a history.
type Release struct {
	// Origin is the history's name ("rebuild", "c9s", "openela", ...).
	Origin string
	// NVR is name-version-release (epoch, when set, as E:V).
	NVR string
	// Date is the release's commit date.
	Date time.Time
	// Commit is the commit's hex id; Ref the tag or branch it came from.
	Commit, Ref string
	// Patches are the declared patches found in the tree, in declaration
	// order.
	Patches []*Patch
	// Changelog holds the spec's %changelog entries (newest first).
	Changelog []specfile.ChangelogEntry
}

// Patch is one patch file of a release.
type Patch struct {
	File    string // base name
	Blob    string // git blob id
	changes []patchset.FileChange
}

// History is a named list of releases, oldest first.
type History struct {
	Name     string
	Releases []*Release
}

// ErrNoSpec: a release's tree holds no spec file.
var ErrNoSpec = errors.New("no spec file in the tree")

// Read reads the releases of repo at ref: a branch or commit (walked along
// first parents; each commit whose NVR or patch files differ from its
// parent's is a release) or a tag pattern with '*' (each matching tag is a release).
// target is what the spec is read for (its dist decides the NVR of branch
// commits; tag names give the NVR of tags).
func Read(ctx context.Context, name string, repo *git.Repository, ref string, target specfile.Target) (*History, error) {
	h := &History{Name: name}
	blobs := map[string][]patchset.FileChange{}
	if strings.Contains(ref, "*") {
		tags, err := repo.Tags()
		if err != nil {
			return nil, err
		}
		var refs []*plumbing.Reference
		err = tags.ForEach(func(r *plumbing.Reference) error {
			if ok, _ := path.Match(ref, r.Name().Short()); ok {
				refs = append(refs, r)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		for _, r := range refs {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			c, err := commitOf(repo, r)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", r.Name().Short(), err)
			}
			rel, err := readRelease(repo, c, name, target, blobs)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", r.Name().Short(), err)
			}
			rel.Ref = r.Name().Short()
			if i := strings.LastIndexByte(rel.Ref, '/'); i >= 0 {
				rel.NVR = rel.Ref[i+1:]
			}
			h.Releases = append(h.Releases, rel)
		}
	} else {
		hash, err := repo.ResolveRevision(plumbing.Revision(ref))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ref, err)
		}
		c, err := repo.CommitObject(*hash)
		if err != nil {
			return nil, err
		}
		var line []*object.Commit
		for n := 0; c != nil && n < MaxCommits; n++ {
			line = append(line, c)
			if c.NumParents() == 0 {
				break
			}
			if c, err = c.Parent(0); err != nil {
				return nil, err
			}
		}
		// tags that name a commit's NVR (imports/<branch>/<nvr>)
		tagged := map[plumbing.Hash]string{}
		if tags, err := repo.Tags(); err == nil {
			tags.ForEach(func(r *plumbing.Reference) error {
				if c, err := commitOf(repo, r); err == nil {
					n := r.Name().Short()
					tagged[c.Hash] = n[strings.LastIndexByte(n, '/')+1:]
				}
				return nil
			})
		}
		var prev *Release
		for i := len(line) - 1; i >= 0; i-- {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			rel, err := readRelease(repo, line[i], name, target, blobs)
			if errors.Is(err, ErrNoSpec) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", line[i].Hash, err)
			}
			rel.Ref = ref
			if n, ok := tagged[line[i].Hash]; ok && strings.HasPrefix(n, spec0(rel.NVR)) {
				rel.NVR = n
			}
			if prev == nil || rel.NVR != prev.NVR || !samePatchSet(rel, prev) {
				h.Releases = append(h.Releases, rel)
				prev = rel
			}
		}
	}
	sort.SliceStable(h.Releases, func(i, j int) bool { return h.Releases[i].Date.Before(h.Releases[j].Date) })
	return h, nil
}

// samePatchSet reports whether two releases carry the same patch files.
func samePatchSet(a, b *Release) bool {
	if len(a.Patches) != len(b.Patches) {
		return false
	}
	for i := range a.Patches {
		if a.Patches[i].Blob != b.Patches[i].Blob {
			return false
		}
	}
	return true
}

// spec0 is the name part of an NVR.
func spec0(nvr string) string {
	if n, err := source.ParseNEVR(nvr); err == nil {
		return n.Name + "-"
	}
	return nvr
}

func commitOf(repo *git.Repository, r *plumbing.Reference) (*object.Commit, error) {
	if t, err := repo.TagObject(r.Hash()); err == nil {
		return t.Commit()
	}
	return repo.CommitObject(r.Hash())
}

// readRelease reads the spec and the declared patches of a commit's tree.
func readRelease(repo *git.Repository, c *object.Commit, name string, target specfile.Target, blobs map[string][]patchset.FileChange) (*Release, error) {
	tree, err := c.Tree()
	if err != nil {
		return nil, err
	}
	// entries only: blobs are read for the spec and declared patches (a
	// snapshot may lack the large ones, tarballs)
	files := map[string]object.TreeEntry{} // base name → entry (SOURCES/ or root)
	var specEntry *object.TreeEntry
	var specPath string
	w := object.NewTreeWalker(tree, true, nil)
	defer w.Close()
	for {
		name, e, err := w.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		dir, base := path.Split(name)
		if !e.Mode.IsFile() || (dir != "" && dir != "SPECS/" && dir != "SOURCES/") {
			continue
		}
		if strings.HasSuffix(base, ".spec") && (dir == "" || dir == "SPECS/") {
			e := e
			specEntry, specPath = &e, name
		} else {
			files[base] = e
		}
	}
	if specEntry == nil {
		return nil, ErrNoSpec
	}
	data, err := readBlob(repo, specEntry.Hash, specPath)
	if err != nil {
		return nil, err
	}
	spec, err := specfile.ParseBytes(path.Base(specPath), data, specfile.Options{Target: target})
	if err != nil {
		return nil, err
	}
	rel := &Release{Origin: name, Commit: c.Hash.String(), Date: c.Committer.When}
	rel.NVR = spec.Name + "-" + spec.Version + "-" + spec.Release
	if spec.Epoch != "" && spec.Epoch != "0" {
		rel.NVR = spec.Name + "-" + spec.Epoch + ":" + spec.Version + "-" + spec.Release
	}
	rel.Changelog, _ = spec.Changelog()
	for _, d := range spec.Patches {
		f, ok := files[d.File]
		if !ok {
			continue
		}
		p := &Patch{File: d.File, Blob: f.Hash.String()}
		if ch, ok := blobs[p.Blob]; ok {
			p.changes = ch
		} else {
			b, err := readBlob(repo, f.Hash, d.File)
			if errors.Is(err, plumbing.ErrObjectNotFound) {
				continue // not in this snapshot
			}
			if err != nil {
				return nil, err
			}
			ps, _ := patchset.ParseBytes(d.File, b)
			p.changes = patchset.ChangesFromPatches(ps, 1)
			blobs[p.Blob] = p.changes
		}
		rel.Patches = append(rel.Patches, p)
	}
	return rel, nil
}

func readBlob(repo *git.Repository, h plumbing.Hash, name string) ([]byte, error) {
	b, err := repo.BlobObject(h)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if b.Size > MaxFileSize {
		return nil, fmt.Errorf("%s: %d bytes, over %d", name, b.Size, MaxFileSize)
	}
	r, err := b.Reader()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer r.Close()
	return io.ReadAll(io.LimitReader(r, MaxFileSize))
}

// Row is one own patch of the rebuild and the origin release that first
// carries the same change (none: Origin is nil).
type Row struct {
	// Rebuild is the rebuild's latest release that carries the patch;
	// Introduced the first one (its date is "ours").
	Rebuild, Introduced *Release
	File                string
	// Since is the rebuild changelog entry that names the patch (or its
	// CVE), when there is one: a better date for "ours" than a commit of
	// a flattened history.
	Since *specfile.ChangelogEntry
	// Origin, OriginFile and Verdict name the first origin release that
	// carries the change; Days is how many days after ours (negative:
	// before).
	Origin     *Release
	OriginFile string
	Verdict    patchset.Verdict
	Days       int
}

// Ours is the date of the rebuild's patch: its changelog entry's, else
// the release's.
func (r Row) Ours() time.Time {
	if r.Since != nil {
		return r.Since.Date
	}
	return r.Introduced.Date
}

// Lack is a fix an origin shipped that the rebuild's latest release lacks.
type Lack struct {
	Origin *Release // the first origin release that carries it
	File   string
}

// Report is the result of Reconcile.
type Report struct {
	Own     []Row
	Lacking []Lack
}

// MinVerdict is the weakest match that counts as the same change.
const MinVerdict = patchset.Rebased

// Reconcile follows the rebuild's own patches through the origins'
// histories. A rebuild patch is its own when no origin release at or
// below the rebuild release's base version (the release without the
// rebuild suffix, by rpm version order) carries the same change, or when
// a rebuild changelog entry (one whose EVR has a rebuild suffix) names it.
func Reconcile(rebuild *History, origins []*History) *Report {
	rep := &Report{}
	if len(rebuild.Releases) == 0 {
		return rep
	}
	latest := rebuild.Releases[len(rebuild.Releases)-1]
	cache := map[[2]string]patchset.Verdict{}
	same := func(a, b *Patch) patchset.Verdict {
		if a.Blob == b.Blob {
			return patchset.Identical
		}
		k := [2]string{a.Blob, b.Blob}
		if v, ok := cache[k]; ok {
			return v
		}
		v := patchset.Unrelated
		if len(a.changes) > 0 && len(b.changes) > 0 && sharePath(a.changes, b.changes) {
			v = patchset.CompareChanges(a.changes, b.changes).Verdict
		}
		cache[k] = v
		return v
	}
	// first rebuild release of each patch blob (by file name and content)
	type key struct{ file, blob string }
	first := map[key]*Release{}
	for _, r := range rebuild.Releases {
		for _, p := range r.Patches {
			if _, ok := first[key{p.File, p.Blob}]; !ok {
				first[key{p.File, p.Blob}] = r
			}
		}
	}
	for _, p := range latest.Patches {
		intro := first[key{p.File, p.Blob}]
		since := namedIn(latest.Changelog, p)
		own := since != nil
		base := baseRelease(intro)
		if !own {
			own = true
			for _, o := range origins {
				for _, or := range o.Releases {
					if !atOrBelow(or.NVR, base) {
						continue
					}
					for _, op := range or.Patches {
						if same(p, op) >= MinVerdict {
							own = false
						}
					}
				}
			}
		}
		if !own {
			continue
		}
		row := Row{Rebuild: latest, Introduced: intro, File: p.File, Since: since}
		for _, o := range origins {
			for _, or := range o.Releases {
				if row.Origin != nil && !or.Date.Before(row.Origin.Date) {
					continue
				}
				for _, op := range or.Patches {
					if v := same(p, op); v >= MinVerdict {
						row.Origin, row.OriginFile, row.Verdict = or, op.File, v
						break
					}
				}
			}
		}
		if row.Origin != nil {
			row.Days = days(row.Ours(), row.Origin.Date)
		}
		rep.Own = append(rep.Own, row)
	}
	// the reverse: origin patches the latest rebuild release lacks
	seen := map[string]bool{}
	for _, o := range origins {
		for _, or := range o.Releases {
			for _, op := range or.Patches {
				if seen[op.Blob] {
					continue
				}
				has := false
				for _, p := range latest.Patches {
					if same(p, op) >= MinVerdict {
						has = true
						break
					}
				}
				seen[op.Blob] = true
				if !has {
					rep.Lacking = append(rep.Lacking, Lack{Origin: or, File: op.File})
				}
			}
		}
	}
	sort.SliceStable(rep.Lacking, func(i, j int) bool { return rep.Lacking[i].Origin.Date.Before(rep.Lacking[j].Origin.Date) })
	return rep
}

// days is the number of calendar days from a to b (UTC dates).
func days(a, b time.Time) int {
	day := func(t time.Time) time.Time {
		t = t.UTC()
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	return int(day(b).Sub(day(a)).Hours() / 24)
}

// sharePath reports whether two changes touch a common file (by base
// name: -p levels and version prefixes differ between packagings).
func sharePath(a, b []patchset.FileChange) bool {
	names := map[string]bool{}
	for _, f := range a {
		names[path.Base(f.Path)] = true
	}
	for _, f := range b {
		if names[path.Base(f.Path)] {
			return true
		}
	}
	return false
}

var cveRe = regexp.MustCompile(`CVE-\d{4}-\d{4,}`)

// namedIn returns the oldest rebuild changelog entry (EVR with a rebuild
// suffix) that names the patch file or a CVE its name carries.
func namedIn(entries []specfile.ChangelogEntry, p *Patch) *specfile.ChangelogEntry {
	cves := cveRe.FindAllString(p.File, -1)
	var found *specfile.ChangelogEntry
	for i := range entries {
		e := &entries[i]
		if !rebuilt(releaseOf(e.EVR)) {
			continue
		}
		hit := strings.Contains(e.Text, p.File)
		for _, c := range cves {
			hit = hit || strings.Contains(e.Text, c)
		}
		if hit {
			found = e // entries are newest first: keep the oldest
		}
	}
	return found
}

// rebuilt reports whether a release carries a rebuild suffix. Changelog
// EVRs often have no dist tag, which source.BaseRelease needs to find the
// suffix, so the rebuilds' own markers are looked for too.
func rebuilt(rel string) bool {
	return (source.NEVR{Release: rel}).RebuildSuffix() != "" || rebuildMarker.MatchString(rel)
}

var rebuildMarker = regexp.MustCompile(`(?i)(^|\.)(alma|rocky|ciqlts|\d*ciq_lts|ciq|openela|navy|eurolinux)(\.|$)`)

func releaseOf(evr string) string {
	if i := strings.LastIndexByte(evr, '-'); i >= 0 {
		return evr[i+1:]
	}
	return ""
}

// baseRelease is the origin release a rebuild release is built on: its
// release without the rebuild suffix, or the newest changelog entry
// without one (a rebuild that took a later origin release keeps its own
// release number: CIQ's 30.el8_6.ciqlts.3 holds RHEL's 30.el8_8.3), as
// version-release.
func baseRelease(r *Release) [2]string {
	n, err := source.ParseNEVR(r.NVR)
	if err != nil {
		return [2]string{}
	}
	base := [2]string{n.Version, source.BaseRelease(n.Release)}
	for _, e := range r.Changelog {
		rel := releaseOf(e.EVR)
		if rel == "" || rebuilt(rel) {
			continue
		}
		v := e.EVR[:len(e.EVR)-len(rel)-1]
		if i := strings.IndexByte(v, ':'); i >= 0 {
			v = v[i+1:]
		}
		switch c := rpmver.Compare(v, base[0]); {
		case c > 0 || c == 0 && rpmver.Compare(rel, base[1]) > 0:
			base = [2]string{v, rel}
		case c == 0 && strings.HasPrefix(base[1], rel+"."):
			base[1] = rel // the changelog's release has no dist tag
		}
		break // newest first
	}
	return base
}

// atOrBelow reports whether an origin NVR is at or below base
// (version-release); a release that is base's plus a dist tag ("9" and
// "9.el8_7") counts as base.
func atOrBelow(nvr string, base [2]string) bool {
	n, err := source.ParseNEVR(nvr)
	if err != nil || base[0] == "" {
		return false
	}
	if c := rpmver.Compare(n.Version, base[0]); c != 0 {
		return c < 0
	}
	return rpmver.Compare(n.Release, base[1]) <= 0 || strings.HasPrefix(n.Release, base[1]+".")
}
