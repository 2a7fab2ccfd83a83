package provenance

import (
	"context"
	"errors"
	"fmt"
	"path"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/patchtrace/patchtrace/patchset"
	"github.com/patchtrace/patchtrace/progress"
	"github.com/patchtrace/patchtrace/provenance/source"
	"github.com/patchtrace/patchtrace/provenance/tree"
	"github.com/patchtrace/patchtrace/provenance/upstream"
)

// NamedTree is a source tree with the name the graph gives it.
type NamedTree struct {
	// Name is the origin name ("target", "linux", "curl").
	Name string
	// Tree is the tree (see package tree: a directory, a tarball,
	// GITDIR@REF).
	Tree tree.Tree
}

// TraceTree attributes every change of the target tree relative to the
// base tree (its pristine upstream: an upstream tag or release tarball) to
// the origins it came from: the patch files of the packaging origins
// (dist-git directories, SRPMs, quilt series), the commits of the upstream
// histories (indexed over the paths the tree diff changes), or nobody.
// A tree has no commit boundaries: tree.Attribute solves a cover over the
// candidates that share changed lines with the diff (see there). The
// graph holds a tree node for the target, a tree-change node per run of
// lines explained alike, linked to origin patches and upstream commits
// like patches are, or marked no-origin.
func TraceTree(ctx context.Context, target, base NamedTree, origins []source.Source, upstreams []Upstream, opts Options) (*Graph, error) {
	if target.Tree == nil || base.Tree == nil {
		return nil, errors.New("provenance: nil target or base tree")
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	var pmu sync.Mutex
	report := func(p progress.Report) {
		if opts.Progress != nil {
			pmu.Lock()
			opts.Progress(p)
			pmu.Unlock()
		}
	}
	if err := checkTreeNames(target, base, origins, upstreams); err != nil {
		return nil, err
	}
	report(progress.Report{Stage: "diff", Detail: base.Tree.Name() + " .. " + target.Tree.Name()})
	res, err := tree.Diff(ctx, base.Tree, target.Tree, tree.DiffOptions{Workers: opts.Workers})
	if err != nil {
		return nil, fmt.Errorf("provenance: %w", err)
	}
	// The first packaging origin takes the place of the target package
	// when specs choose their preset (Options.Target applies to it).
	var infos []*pkgInfo
	if len(origins) > 0 {
		if infos, err = loadAll(ctx, origins, opts, report); err != nil {
			return nil, err
		}
	}
	changes := patchset.ChangesFromPatch(res.Patch(), 1)
	ups, err := indexPaths(ctx, diffPaths(res), upstreams, opts.Index, report)
	if err != nil {
		return nil, err
	}

	g := NewGraph(target.Name)
	for _, pi := range infos {
		pi.location = relLocation(pi.pkg.Location, opts.BaseDir)
		addPackageNodes(g, pi, false)
	}
	addOriginPatches(g, infos)
	for _, u := range ups {
		g.AddNode(Node{Kind: KindOrigin, Name: u.name, Attrs: map[string]string{"type": "upstream", "range": u.rng}})
	}
	tid := g.AddNode(Node{Kind: KindOrigin, Name: target.Name, Attrs: map[string]string{
		"type": "target", "location": relLocation(target.Tree.Name(), opts.BaseDir)}}).ID
	g.AddNode(Node{Kind: KindOrigin, Name: base.Name, Attrs: map[string]string{
		"type": "base", "location": relLocation(base.Tree.Name(), opts.BaseDir)}})

	report(progress.Report{Stage: "attribute"})
	tos, infoOf, err := treeOrigins(ctx, infos, ups, changes, opts.Workers, report)
	if err != nil {
		return nil, err
	}
	att, err := tree.Attribute(ctx, res, tos, tree.AttributeOptions{})
	if err != nil {
		return nil, err
	}
	addTreeNodes(g, target.Name, path.Base(target.Tree.Name()), tid, base.Name, res, att, tos, infoOf)
	report(progress.Report{Stage: "done"})
	return g, nil
}

// checkTreeNames rejects sources and upstreams that share a name with each
// other or with the trees.
func checkTreeNames(target, base NamedTree, origins []source.Source, upstreams []Upstream) error {
	if target.Name == base.Name {
		return fmt.Errorf("provenance: the target and the base are both named %q", target.Name)
	}
	for _, o := range origins {
		if o != nil && o.Name() == base.Name {
			return fmt.Errorf("provenance: two sources named %q", base.Name)
		}
	}
	for _, u := range upstreams {
		if u.Name == base.Name {
			return fmt.Errorf("provenance: two sources named %q", base.Name)
		}
	}
	return checkNames(namedOnly(target.Name), origins, upstreams)
}

// namedOnly is a Source that only has a name (for checkNames).
type namedOnly string

func (n namedOnly) Name() string { return string(n) }
func (n namedOnly) Load(context.Context) (*source.Package, error) {
	return nil, errors.New("provenance: not a packaging source")
}

// diffPaths lists the paths a tree diff changes (old names of renames
// included), sorted.
func diffPaths(res *tree.Result) []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range res.Files {
		for _, n := range []string{f.NewName, f.OldName} {
			if p := strings.TrimPrefix(strings.TrimPrefix(n, "a/"), "b/"); n != "/dev/null" && !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	sort.Strings(out)
	return out
}

// treeOrigins makes the candidate families tree.Attribute covers with:
// one per packaging origin (its patch files) and one per upstream (every
// commit its index finds sharing a changed line with the tree, merges
// left out: even one sharing only removed lines may be implied by a
// later commit that rewrote it).
// infoOf returns what an upstream's index knows of a chosen commit.
func treeOrigins(ctx context.Context, infos []*pkgInfo, ups []*upIndex, changes []patchset.FileChange, workers int, report func(progress.Report)) ([]tree.Origin, func(origin, commit string) upstream.CommitInfo, error) {
	var tos []tree.Origin
	for _, pi := range infos {
		o := tree.Origin{Name: pi.name}
		for _, pf := range pi.patches {
			subject := ""
			if len(pf.parts) > 0 {
				subject = pf.parts[0].Header.Subject
			}
			o.Candidates = append(o.Candidates, tree.Candidate{ID: pf.name, Subject: subject, Changes: pf.changes, Order: pf.order})
		}
		tos = append(tos, o)
	}
	infoByOrigin := map[string]map[string]upstream.CommitInfo{}
	for _, u := range ups {
		refs := u.ix.Candidates(changes)
		infos := map[string]upstream.CommitInfo{}
		var ids []string
		for _, r := range refs {
			info, ok := u.ix.CommitInfo(r.Commit)
			if !ok || info.Merge {
				continue // a merge repeats the commits of its branch
			}
			infos[r.Commit] = info
			ids = append(ids, r.Commit)
		}
		infoByOrigin[u.name] = infos
		cands := make([]tree.Candidate, len(ids))
		errs := make([]error, len(ids))
		var next, done int
		var mu sync.Mutex
		var wg sync.WaitGroup
		for range max(1, workers) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					mu.Lock()
					i := next
					next++
					mu.Unlock()
					if i >= len(ids) || ctx.Err() != nil {
						return
					}
					info := infos[ids[i]]
					fcs, err := u.ix.CommitChanges(ids[i])
					cands[i], errs[i] = tree.Candidate{ID: ids[i], Subject: info.Subject, Changes: fcs, Order: int(info.Date.Unix())}, err
					mu.Lock()
					done++
					d := done
					mu.Unlock()
					if d%64 == 0 || d == len(ids) {
						report(progress.Report{Stage: "candidates", Detail: u.name, Done: int64(d), Total: int64(len(ids))})
					}
				}
			}()
		}
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		if err := errors.Join(errs...); err != nil {
			return nil, nil, fmt.Errorf("provenance: upstream %q: %w", u.name, err)
		}
		tos = append(tos, tree.Origin{Name: u.name, Upstream: true, Candidates: cands, Weight: u.ix.Weight})
	}
	return tos, func(origin, commit string) upstream.CommitInfo { return infoByOrigin[origin][commit] }, nil
}

// addTreeNodes adds a tree node (the summary) under parent, its
// tree-change nodes and their edges to the chosen origins.
func addTreeNodes(g *Graph, origin, name, parent, base string, res *tree.Result, att *tree.Attribution, tos []tree.Origin, infoOf func(origin, commit string) upstream.CommitInfo) string {
	treeID := g.AddNode(Node{Kind: KindTree, Origin: origin, Name: name, Attrs: map[string]string{
		"base": base, "files": strconv.Itoa(att.Files), "lines": strconv.Itoa(att.Lines),
		"attributed": strconv.Itoa(att.Attributed), "unchanged": strconv.Itoa(res.Unchanged),
		"line-endings": strconv.Itoa(len(res.LineEndings))}}).ID
	g.AddEdge(Edge{From: treeID, To: parent, Kind: EdgePartOf, Verdict: VerdictApplied, Score: 1})
	// Origin nodes of chosen candidates, and their evidence.
	type key struct{ origin, id string }
	evidence := map[key][]string{}
	for _, o := range tos {
		for _, c := range att.Chosen[o.Name] {
			ev := c.Evidence()
			if o.Upstream {
				info := infoOf(o.Name, c.ID)
				g.AddNode(commitNode(o.Name, upstream.Candidate{Commit: c.ID, Subject: info.Subject, Author: info.Author, Date: info.Date}))
				ev = append([]string{fmt.Sprintf("%s %q", shortSHA(c.ID), shorten(c.Subject, 80))}, ev...)
			}
			evidence[key{o.Name, c.ID}] = ev
		}
	}
	seen := map[string]int{}
	for _, c := range att.Changes {
		label := c.File + ":" + strconv.Itoa(c.Line)
		if c.Hunk < 0 {
			label = c.File
		}
		seen[label]++
		if n := seen[label]; n > 1 {
			label += "#" + strconv.Itoa(n)
		}
		id := g.AddNode(Node{Kind: KindTreeChange, Origin: origin, Name: label, Attrs: map[string]string{
			"file": c.File, "line": strconv.Itoa(c.Line), "lines": strconv.Itoa(c.Lines),
			"added": strconv.Itoa(c.Added), "removed": strconv.Itoa(c.Removed), "tree": name}}).ID
		g.AddEdge(Edge{From: id, To: treeID, Kind: EdgePartOf, Verdict: VerdictApplied, Score: 1})
		if c.Own() {
			g.AddEdge(Edge{From: id, To: treeID, Kind: EdgeNoOrigin, Verdict: VerdictOwn, Score: 1,
				Evidence: []string{"no origin carries these lines"}})
			continue
		}
		for _, o := range c.Origins {
			verdict := upVerdict(o.Verdict)
			to := NodeID(KindPatch, o.Origin, o.ID)
			if o.Upstream {
				to = NodeID(KindCommit, o.Origin, o.ID)
			}
			g.AddEdge(Edge{From: id, To: to, Kind: edgeKindFor(verdict, o.Upstream), Verdict: verdict, Score: o.Score,
				Evidence: evidence[key{o.Origin, o.ID}]})
		}
	}
	return treeID
}
