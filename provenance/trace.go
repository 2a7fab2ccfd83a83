package provenance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/patchtrace/patchtrace/progress"
	"github.com/patchtrace/patchtrace/provenance/source"
	"github.com/patchtrace/patchtrace/provenance/store"
	"github.com/patchtrace/patchtrace/provenance/upstream"
	"github.com/patchtrace/patchtrace/specfile"
)

// Upstream is an upstream git history to attribute patches to.
type Upstream struct {
	// Name is the origin name the graph uses for it ("curl", "upstream").
	Name string
	// Repo is the opened repository.
	Repo *upstream.Repo
	// Range is the revision range to index: "A..B" or a single revision
	// (all its history). "" means "HEAD".
	Range string
	// Ranges are further revision sets of the same history indexed with
	// Range as one (stable branches beside the mainline range; see
	// upstream.Repo.RevSet for "A..*", every branch and tag since A).
	// They need Options.Index.
	Ranges []string
}

// Options tune [Trace].
type Options struct {
	// Target is the rpm target the target's spec is read for (see
	// specfile.Preset). The zero Target means the preset the target's
	// dist tag names (specfile.DetectPreset on its SRPM release, its git
	// ref, its path), else rpm 4.18 with no distribution defines (a
	// warning says so when its spec uses %{?dist}). A Target that does not
	// match the dist tag detected is used, with a warning.
	Target specfile.Target
	// OriginTargets gives, by origin name, the target an origin's spec is
	// read for. An origin without one is read for the preset its own
	// dist tag names, else for the target's.
	OriginTargets map[string]specfile.Target
	// Interdiff records, in the evidence of every rebased, partial and
	// similar match, the changed lines only the target patch or only
	// what it matched makes ("interdiff PATH: only in ...").
	Interdiff bool
	// Progress, when not nil, is called with the advance of long work. It
	// may be called from several goroutines, never concurrently. Stages are
	// "load" (packages loaded; Detail names the package), "index" (upstream
	// indexing; Detail is "upstream: index stage"), "match" (target
	// patches matched; Detail names the patch), "spec", "sources" and
	// "done".
	Progress progress.Func
	// Workers bounds parallel work (0: GOMAXPROCS).
	Workers int
	// MinScore is the lowest score a match with a packaging origin needs
	// to be kept (0: 0.2). Upstream commits are kept when upstream.Index.Find
	// chooses them (its own rules of evidence).
	MinScore float64
	// Index, when set, is the persistent upstream index: a trace reads
	// from git only the commits it does not hold yet, and loads only the
	// changes of the paths the target's patches touch (see
	// upstream.Repo.IndexStored). Without it each upstream is indexed in
	// memory for the trace alone.
	Index store.Index
	// BaseDir, when set, makes the locations the graph records for
	// sources under it relative to it, so that graphs made on different
	// machines compare equal.
	BaseDir string
}

// ErrNoSpec is returned (wrapped) when the target has no spec file.
var ErrNoSpec = errors.New("provenance: no spec file")

// pkgInfo is a loaded, parsed packaging source.
type pkgInfo struct {
	name      string
	pkg       *source.Package
	spec      *specfile.Spec
	specErr   error
	nevr      source.NEVR
	patches   []*patchFile
	byHash    map[string][]*patchFile
	byDiff    map[uint64][]*patchFile
	byBase    map[string][]*patchFile
	lookaside []specfile.LookasideEntry
	lookErr   error
	sources   []srcFile
	pkgID     string
	specID    string
	location  string
	// preset names the target the spec was read for, presetFrom why
	// ("-target", "detected from release 33.el8", "the target's").
	preset, presetFrom string
	// warnings are problems with this package (a mismatched target, no
	// dist tag), recorded on its origin node.
	warnings []string
	// missing lists declared patches whose file the source lacks.
	missing []missingPatch
}

// relLocation returns loc relative to base when loc is a path under base;
// a path outside base keeps only its last element, so that no local
// absolute path ends up in a graph or an export.
func relLocation(loc, base string) string {
	if loc == "" {
		return loc
	}
	if base == "" {
		base = "."
	}
	p, suffix := loc, ""
	if i := strings.LastIndexByte(loc, '@'); i > 0 {
		if _, err := os.Stat(loc); err != nil {
			p, suffix = loc[:i], loc[i:]
		}
	}
	absBase, err1 := filepath.Abs(base)
	absP, err2 := filepath.Abs(p)
	if err1 != nil || err2 != nil {
		return loc
	}
	r, err := filepath.Rel(absBase, absP)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return filepath.Base(absP) + suffix
	}
	return filepath.ToSlash(r) + suffix
}

// srcFile is a declared Source kept beside the spec (not in the lookaside).
type srcFile struct {
	number int
	name   string
	sha256 string
	sha1   string
	size   int64
}

// Trace attributes every change of the target package to the origins it
// matches and returns the provenance graph.
//
// Packaging origins (dist-git directories, git refs, SRPMs) are compared
// patch by patch: identical bytes, the same diff under another header or
// name, then per-file changed-line fingerprints for rebased, partial and
// similar patches, then hunk by hunk. Upstream histories are indexed over
// the paths the target's patches touch and searched for the commits each
// patch (each part of an mbox) backports. Header and spec-comment hints
// become cites edges, confirmed or contradicted by what content found. The
// target spec is compared with the closest origin spec (tags, Release
// suffix, Patch lines, changelog entries) and lookaside sources are matched
// by hash.
//
// Trace stops with ctx's error when ctx is cancelled. A target without a
// spec is an error; an origin that fails to load is an error too.
func Trace(ctx context.Context, target source.Source, origins []source.Source, upstreams []Upstream, opts Options) (*Graph, error) {
	if target == nil {
		return nil, errors.New("provenance: nil target")
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.MinScore <= 0 {
		opts.MinScore = 0.2
	}
	var pmu sync.Mutex
	report := func(p progress.Report) {
		if opts.Progress != nil {
			pmu.Lock()
			opts.Progress(p)
			pmu.Unlock()
		}
	}
	if err := checkNames(target, origins, upstreams); err != nil {
		return nil, err
	}

	infos, err := loadAll(ctx, append([]source.Source{target}, origins...), opts, report)
	if err != nil {
		return nil, err
	}
	tgt, orgs := infos[0], infos[1:]
	if len(tgt.pkg.Spec) == 0 {
		return nil, fmt.Errorf("%w in target %q", ErrNoSpec, tgt.name)
	}
	ups, err := indexUpstreams(ctx, tgt, upstreams, opts.Index, report)
	if err != nil {
		return nil, err
	}

	g := NewGraph(tgt.name)
	for _, pi := range infos {
		pi.location = relLocation(pi.pkg.Location, opts.BaseDir)
	}
	addPackageNodes(g, tgt, true)
	for _, o := range orgs {
		addPackageNodes(g, o, false)
	}
	for i, u := range ups {
		attrs := map[string]string{"type": "upstream", "range": u.rng, "commits": strconv.Itoa(u.ix.Stats().Commits)}
		if u.ix.Stats().Commits == 0 {
			attrs["reversed"] = reversedRange(ctx, upstreams[i].Repo, u.rng)
		}
		g.AddNode(Node{Kind: KindOrigin, Name: u.name, Attrs: attrs})
	}

	results, err := matchAll(ctx, tgt, orgs, ups, opts, report)
	if err != nil {
		return nil, err
	}
	if opts.Interdiff {
		addInterdiffs(results, tgt, orgs, ups)
	}
	for _, r := range results {
		r.apply(g)
	}
	addOriginPatches(g, orgs)

	report(progress.Report{Stage: "spec"})
	base := closestOrigin(tgt, orgs, results)
	traceSpec(g, tgt, base, orgs)
	report(progress.Report{Stage: "sources"})
	traceSources(g, tgt, orgs)
	report(progress.Report{Stage: "done"})
	return g, nil
}

// checkNames rejects nil sources, upstreams without a repository and two
// sources of the same name.
func checkNames(target source.Source, origins []source.Source, upstreams []Upstream) error {
	names := map[string]bool{target.Name(): true}
	for _, o := range origins {
		if o == nil {
			return errors.New("provenance: nil origin")
		}
		if names[o.Name()] {
			return fmt.Errorf("provenance: two sources named %q", o.Name())
		}
		names[o.Name()] = true
	}
	for _, u := range upstreams {
		if u.Repo == nil {
			return fmt.Errorf("provenance: upstream %q has no repository", u.Name)
		}
		if names[u.Name] {
			return fmt.Errorf("provenance: two sources named %q", u.Name)
		}
		names[u.Name] = true
	}
	return nil
}

// indexUpstreams indexes the upstream histories over the paths the
// target's patches touch.
func indexUpstreams(ctx context.Context, tgt *pkgInfo, upstreams []Upstream, persistent store.Index, report func(progress.Report)) ([]*upIndex, error) {
	var pathList []string
	seenPath := map[string]bool{}
	for _, pf := range tgt.patches {
		for _, p := range pf.paths() {
			if !seenPath[p] {
				seenPath[p] = true
				pathList = append(pathList, p)
			}
		}
	}
	sort.Strings(pathList)
	return indexPaths(ctx, pathList, upstreams, persistent, report)
}

// indexPaths indexes the upstream histories over pathList (through the
// persistent index when there is one).
func indexPaths(ctx context.Context, pathList []string, upstreams []Upstream, persistent store.Index, report func(progress.Report)) ([]*upIndex, error) {
	ups := make([]*upIndex, len(upstreams))
	for i, u := range upstreams {
		rng := u.Range
		if rng == "" {
			rng = "HEAD"
		}
		onIndex := func(p progress.Report) {
			report(progress.Report{Stage: "index", Detail: u.Name + ": " + p.Stage, Done: p.Done, Total: p.Total})
		}
		var ix *upstream.Index
		var err error
		switch {
		case persistent != nil:
			revs := append([]string{rng}, u.Ranges...)
			ix, _, err = u.Repo.IndexStored(ctx, persistent, revs, pathList, upstream.UpdateOptions{Progress: onIndex})
			rng = strings.Join(revs, " ")
		case len(u.Ranges) > 0:
			err = errors.New("several revision ranges need a persistent index (Options.Index)")
		default:
			ix, err = u.Repo.Index(ctx, rng, pathList, onIndex)
		}
		if err != nil {
			return nil, fmt.Errorf("provenance: indexing upstream %q: %w", u.Name, err)
		}
		ups[i] = &upIndex{name: u.Name, ix: ix, rng: rng}
	}
	return ups, nil
}

// matchAll matches the target patches in parallel; the results are in
// plan order.
func matchAll(ctx context.Context, tgt *pkgInfo, orgs []*pkgInfo, ups []*upIndex, opts Options, report func(progress.Report)) ([]*patchResult, error) {
	results := make([]*patchResult, len(tgt.patches))
	jobs := make(chan int)
	var mwg sync.WaitGroup
	var matched atomic.Int64
	for w := 0; w < min(opts.Workers, max(1, len(tgt.patches))); w++ {
		mwg.Add(1)
		go func() {
			defer mwg.Done()
			for i := range jobs {
				if ctx.Err() != nil {
					continue
				}
				results[i] = matchPatch(tgt, tgt.patches[i], orgs, ups, opts)
				report(progress.Report{Stage: "match", Detail: tgt.patches[i].name, Done: int64(matched.Add(1)), Total: int64(len(tgt.patches))})
			}
		}()
	}
	for i := range tgt.patches {
		jobs <- i
	}
	close(jobs)
	mwg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return results, nil
}

// addPackageNodes adds the origin, package and spec nodes of pi.
func addPackageNodes(g *Graph, pi *pkgInfo, isTarget bool) {
	typ := "packaging"
	if isTarget {
		typ = "target"
	}
	oid := g.AddNode(Node{Kind: KindOrigin, Name: pi.name, Attrs: map[string]string{
		"type": typ, "location": pi.location, "layout": pi.pkg.Layout.String(), "commit": pi.pkg.Commit,
		"preset": pi.preset, "preset-from": pi.presetFrom, "warnings": strings.Join(pi.warnings, "\n")}}).ID
	nevr := pi.nevr.String()
	pi.pkgID = g.AddNode(Node{Kind: KindPackage, Origin: pi.name, Name: nevr, Attrs: map[string]string{
		"name": pi.nevr.Name, "epoch": pi.nevr.Epoch, "version": pi.nevr.Version, "release": pi.nevr.Release,
		"base-release": source.BaseRelease(pi.nevr.Release)}}).ID
	g.AddEdge(Edge{From: pi.pkgID, To: oid, Kind: EdgePartOf, Verdict: VerdictApplied, Score: 1})
	if len(pi.pkg.Spec) > 0 {
		attrs := map[string]string{"path": pi.pkg.SpecName}
		if pi.specErr != nil {
			attrs["error"] = shorten(pi.specErr.Error(), 300)
		}
		pi.specID = g.AddNode(Node{Kind: KindSpec, Origin: pi.name, Name: path.Base(pi.pkg.SpecName), Attrs: attrs}).ID
		g.AddEdge(Edge{From: pi.specID, To: pi.pkgID, Kind: EdgePartOf, Verdict: VerdictApplied, Score: 1})
	}
	if isTarget {
		for _, pf := range pi.patches {
			addPatchNode(g, pi, pf)
		}
		addMissingPatches(g, pi)
	}
}

func addPatchNode(g *Graph, pi *pkgInfo, pf *patchFile) string {
	attrs := map[string]string{"path": pf.path, "sha256": pf.sha256, "sha1": pf.sha1, "order": strconv.Itoa(pf.order),
		"lines": strconv.Itoa(pf.total), "hunks": strconv.Itoa(len(pf.hunks))}
	if pf.number >= 0 {
		attrs["number"] = strconv.Itoa(pf.number)
	}
	if pf.strip >= 0 {
		attrs["strip"] = strconv.Itoa(pf.strip)
	}
	if len(pf.parts) > 1 {
		attrs["parts"] = strconv.Itoa(len(pf.parts))
	}
	if len(pf.parts) > 0 && pf.parts[0].Header.Subject != "" {
		attrs["subject"] = shorten(pf.parts[0].Header.Subject, 200)
	}
	if pf.parseErr != nil {
		attrs["error"] = shorten(pf.parseErr.Error(), 300)
	}
	if pf.overlay {
		attrs["overlay"] = "true"
	}
	if !pf.applied && pi.spec != nil {
		attrs["applied"] = "false"
	}
	id := g.AddNode(Node{Kind: KindPatch, Origin: pi.name, Name: pf.name, Attrs: attrs}).ID
	to := pi.specID
	if to == "" {
		to = pi.pkgID
	}
	ev := []string{}
	if pf.strip >= 0 {
		ev = append(ev, fmt.Sprintf("applied with -p%d", pf.strip))
	}
	if pf.declLine > 0 {
		ev = append(ev, fmt.Sprintf("declared at %s:%d", path.Base(pi.pkg.SpecName), pf.declLine))
	}
	g.AddEdge(Edge{From: id, To: to, Kind: EdgeAppliedIn, Verdict: VerdictApplied, Score: 1, Evidence: ev})
	return id
}

// addOriginPatches adds every origin patch as a node (matched or not), so
// that NotCarried can list what the target lacks.
func addOriginPatches(g *Graph, orgs []*pkgInfo) {
	for _, o := range orgs {
		for _, pf := range o.patches {
			addPatchNode(g, o, pf)
		}
	}
}

// closestOrigin picks the packaging origin the target spec is compared
// with: the same build (NEVR through rebuild suffixes) first, then the one
// most target patches match identically, then the first given.
func closestOrigin(tgt *pkgInfo, orgs []*pkgInfo, results []*patchResult) *pkgInfo {
	if len(orgs) == 0 {
		return nil
	}
	best, bestScore := orgs[0], -1.0
	for _, o := range orgs {
		s := 0.0
		if o.nevr.Name == tgt.nevr.Name && o.nevr.Version == tgt.nevr.Version {
			s += 1000
			if source.BaseRelease(o.nevr.Release) == source.BaseRelease(tgt.nevr.Release) {
				s += 1000
			}
		}
		for _, r := range results {
			if r != nil && r.identicalIn[o.name] {
				s++
			}
		}
		if s > bestScore {
			best, bestScore = o, s
		}
	}
	return best
}
