package provenance

import (
	"cmp"
	"slices"
	"strings"
)

// NodeKind is the type of a node of a provenance [Graph].
type NodeKind string

// The node kinds of a provenance graph.
const (
	// KindPackage is a loaded package: the target or one origin's package.
	KindPackage NodeKind = "package"
	// KindSpec is a package's spec file.
	KindSpec NodeKind = "spec"
	// KindPatch is one patch file of a package.
	KindPatch NodeKind = "patch"
	// KindHunk is one hunk of a target patch (made when a patch is
	// attributed hunk by hunk).
	KindHunk NodeKind = "hunk"
	// KindSource is a source file: a lookaside tarball or a small file
	// kept beside the spec.
	KindSource NodeKind = "source"
	// KindOrigin is a named origin: a packaging source or an upstream
	// repository given to [Trace].
	KindOrigin NodeKind = "origin"
	// KindCommit is an upstream commit.
	KindCommit NodeKind = "commit"
	// KindIssue is an issue, bug or CVE a patch cites.
	KindIssue NodeKind = "issue"
	// KindChange is one change of the target spec relative to its closest
	// origin spec (a Release suffix, a changed tag, an added Patch line, a
	// changelog entry).
	KindChange NodeKind = "change"
	// KindTree is a source tree compared with its base (a target tree, or
	// a package's main tarball against an origin's): its attributes
	// summarise the comparison (base, files, lines, attributed).
	KindTree NodeKind = "tree"
	// KindTreeChange is a run of changed lines of one file of a tree
	// (attributes file, line: the first target line, lines, added,
	// removed), linked to the origins that explain it like a patch, or
	// marked no-origin.
	KindTreeChange NodeKind = "tree-change"
)

// EdgeKind is the type of an edge of a provenance [Graph].
type EdgeKind string

// The edge kinds of a provenance graph.
const (
	// EdgeAppliedIn links a patch to the spec that applies it, a source
	// or change to its spec, and a package to its origin.
	EdgeAppliedIn EdgeKind = "applied-in"
	// EdgeIdenticalTo links a target item to an origin item with the same
	// content (identical or whitespace-equivalent).
	EdgeIdenticalTo EdgeKind = "identical-to"
	// EdgeRebasedFrom links a target patch to an origin patch it was
	// derived from with changes (rebased, reduced, extended).
	EdgeRebasedFrom EdgeKind = "rebased-from"
	// EdgeBackportOf links a target patch or hunk to the upstream commit
	// it backports.
	EdgeBackportOf EdgeKind = "backport-of"
	// EdgePartOf links a hunk to its patch, or a patch to the origin
	// patch or commit that contains it when only a part matches.
	EdgePartOf EdgeKind = "part-of"
	// EdgeCites links a patch to a commit or issue its header or spec
	// comment names; the verdict says whether content confirms it.
	EdgeCites EdgeKind = "cites"
	// EdgeNoOrigin marks a target item that matches no origin: the
	// rebuild's own change. It points at the target package.
	EdgeNoOrigin EdgeKind = "no-origin"
)

// Verdicts used on edges besides the patch comparison verdicts
// ("identical", "equivalent", "rebased", "partial", "similar").
const (
	VerdictIdentical    = "identical"
	VerdictEquivalent   = "equivalent"
	VerdictRebased      = "rebased"
	VerdictPartial      = "partial"
	VerdictSimilar      = "similar"
	VerdictConfirmed    = "confirmed"    // a cited commit whose content matches
	VerdictContradicted = "contradicted" // a cited commit whose content does not match
	VerdictUnverified   = "unverified"   // a cited commit or issue content cannot check
	VerdictOwn          = "own"          // no origin: the rebuild's own change
	VerdictApplied      = "applied"      // applied-in and part-of structure edges
	VerdictModified     = "modified"     // a spec that differs from its origin's
)

// Node is one vertex of a provenance [Graph].
type Node struct {
	// ID is unique in the graph: "<kind>:<origin>:<name>" (issues:
	// "issue:<id>").
	ID string `json:"id"`
	// Kind is the node's type.
	Kind NodeKind `json:"kind"`
	// Origin names the target or origin the node belongs to ("" for issues).
	Origin string `json:"origin,omitempty"`
	// Name is the file name, commit id, issue id, NEVR or change label.
	Name string `json:"name"`
	// Attrs holds further facts (patch number, strip level, hash, subject,
	// line, old and new values, …).
	Attrs map[string]string `json:"attrs,omitempty"`
}

// Edge is one typed, judged link of a provenance [Graph].
type Edge struct {
	// From and To are node IDs.
	From string `json:"from"`
	To   string `json:"to"`
	// Kind is the edge's type.
	Kind EdgeKind `json:"kind"`
	// Verdict is the judgement: a comparison verdict for matches,
	// confirmed/contradicted/unverified for citations, own for no-origin.
	Verdict string `json:"verdict"`
	// Score is the confidence in [0,1].
	Score float64 `json:"score"`
	// Evidence lists the facts behind the verdict, for people.
	Evidence []string `json:"evidence,omitempty"`
}

// Graph is a provenance graph: what a target package is made of and where
// each part came from. Build one with [Trace] or read one with [ReadJSON].
// A Graph is not safe for concurrent mutation.
type Graph struct {
	// Target is the name of the target package's origin.
	Target string
	nodes  map[string]*Node
	edges  []*Edge
	seen   map[edgeKey]int
}

type edgeKey struct {
	from, to string
	kind     EdgeKind
}

// NewGraph returns an empty graph for the target named target.
func NewGraph(target string) *Graph {
	return &Graph{Target: target, nodes: map[string]*Node{}, seen: map[edgeKey]int{}}
}

// NodeID builds the ID of a node of kind kind in origin for name.
func NodeID(kind NodeKind, origin, name string) string {
	if origin == "" {
		return string(kind) + ":" + name
	}
	return string(kind) + ":" + origin + ":" + name
}

// AddNode adds n, or merges its attributes into the node with the same ID,
// and returns the node kept in the graph.
func (g *Graph) AddNode(n Node) *Node {
	if n.ID == "" {
		n.ID = NodeID(n.Kind, n.Origin, n.Name)
	}
	if old, ok := g.nodes[n.ID]; ok {
		for k, v := range n.Attrs {
			if old.Attrs == nil {
				old.Attrs = map[string]string{}
			}
			if _, has := old.Attrs[k]; !has && v != "" {
				old.Attrs[k] = v
			}
		}
		return old
	}
	c := n
	if len(n.Attrs) > 0 {
		c.Attrs = make(map[string]string, len(n.Attrs))
		for k, v := range n.Attrs {
			if v != "" {
				c.Attrs[k] = v
			}
		}
	}
	g.nodes[c.ID] = &c
	return &c
}

// AddEdge adds e. An edge with the same From, To and Kind as an existing
// one replaces it when its score is higher; evidence is merged.
func (g *Graph) AddEdge(e Edge) {
	k := edgeKey{e.From, e.To, e.Kind}
	if i, ok := g.seen[k]; ok {
		old := g.edges[i]
		if e.Score > old.Score {
			ev := mergeEvidence(e.Evidence, old.Evidence)
			*old = e
			old.Evidence = ev
		} else {
			old.Evidence = mergeEvidence(old.Evidence, e.Evidence)
		}
		return
	}
	c := e
	c.Evidence = slices.Clone(e.Evidence)
	g.seen[k] = len(g.edges)
	g.edges = append(g.edges, &c)
}

func mergeEvidence(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// Node returns the node with the given ID, or nil.
func (g *Graph) Node(id string) *Node { return g.nodes[id] }

// Nodes returns every node, sorted by ID.
func (g *Graph) Nodes() []*Node {
	out := make([]*Node, 0, len(g.nodes))
	for _, n := range g.nodes {
		out = append(out, n)
	}
	slices.SortFunc(out, func(a, b *Node) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Edges returns every edge in a stable order (From, Kind, To).
func (g *Graph) Edges() []*Edge {
	out := slices.Clone(g.edges)
	slices.SortFunc(out, compareEdges)
	return out
}

func compareEdges(a, b *Edge) int {
	return cmp.Or(
		strings.Compare(a.From, b.From),
		strings.Compare(string(a.Kind), string(b.Kind)),
		strings.Compare(a.To, b.To),
	)
}

// Out returns the edges leaving id, optionally only those of the given
// kinds, sorted by descending score then To.
func (g *Graph) Out(id string, kinds ...EdgeKind) []*Edge {
	var out []*Edge
	for _, e := range g.edges {
		if e.From == id && (len(kinds) == 0 || slices.Contains(kinds, e.Kind)) {
			out = append(out, e)
		}
	}
	sortByScore(out)
	return out
}

// In returns the edges arriving at id, optionally only those of the given
// kinds, sorted by descending score then From.
func (g *Graph) In(id string, kinds ...EdgeKind) []*Edge {
	var out []*Edge
	for _, e := range g.edges {
		if e.To == id && (len(kinds) == 0 || slices.Contains(kinds, e.Kind)) {
			out = append(out, e)
		}
	}
	sortByScore(out)
	return out
}

func sortByScore(es []*Edge) {
	slices.SortStableFunc(es, func(a, b *Edge) int {
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		return compareEdges(a, b)
	})
}

// matchKinds are the edge kinds that attribute a target item to an origin.
var matchKinds = []EdgeKind{EdgeIdenticalTo, EdgeRebasedFrom, EdgeBackportOf, EdgePartOf}

// resolve accepts a node ID or the file name of a target patch.
func (g *Graph) resolve(idOrFile string) string {
	if _, ok := g.nodes[idOrFile]; ok {
		return idOrFile
	}
	return NodeID(KindPatch, g.Target, idOrFile)
}

// OriginsOf returns the edges that attribute a target item to its
// origins, best first. The item is a node ID or the file name of a target
// patch. Structural part-of edges (hunk to its own patch) are left out.
func (g *Graph) OriginsOf(idOrFile string) []*Edge {
	id := g.resolve(idOrFile)
	var out []*Edge
	for _, e := range g.Out(id, matchKinds...) {
		if to := g.nodes[e.To]; to == nil || to.Origin == g.Target {
			continue
		}
		out = append(out, e)
	}
	return out
}

// FromOrigin returns the edges that attribute target items to nodes of the
// origin named name, sorted by From.
func (g *Graph) FromOrigin(name string) []*Edge {
	var out []*Edge
	for _, e := range g.Edges() {
		if !slices.Contains(matchKinds, e.Kind) {
			continue
		}
		from, to := g.nodes[e.From], g.nodes[e.To]
		if from == nil || to == nil || from.Origin != g.Target || to.Origin != name {
			continue
		}
		out = append(out, e)
	}
	return out
}

// NoOrigin returns the target's own changes: the nodes (patches, hunks,
// sources, spec changes) marked with a no-origin edge, sorted by ID.
func (g *Graph) NoOrigin() []*Node {
	var out []*Node
	for _, e := range g.edges {
		if e.Kind == EdgeNoOrigin {
			if n := g.nodes[e.From]; n != nil {
				out = append(out, n)
			}
		}
	}
	slices.SortFunc(out, func(a, b *Node) int { return strings.Compare(a.ID, b.ID) })
	return slices.CompactFunc(out, func(a, b *Node) bool { return a.ID == b.ID })
}

// NotCarried returns the origin-side changes the target does not carry:
// patches and sources of packaging origins that no target item matches,
// sorted by ID.
func (g *Graph) NotCarried() []*Node {
	matched := map[string]bool{}
	for _, e := range g.edges {
		if slices.Contains(matchKinds, e.Kind) {
			matched[e.To] = true
		}
	}
	var out []*Node
	for _, n := range g.Nodes() {
		if n.Origin == g.Target || n.Origin == "" || matched[n.ID] {
			continue
		}
		if n.Kind == KindPatch || (n.Kind == KindSource && n.Attrs["lookaside"] != "") {
			out = append(out, n)
		}
	}
	return out
}

// Patches returns the target's patch nodes in application order (by the
// "order" attribute, then number, then name).
func (g *Graph) Patches() []*Node {
	var out []*Node
	for _, n := range g.nodes {
		if n.Kind == KindPatch && n.Origin == g.Target {
			out = append(out, n)
		}
	}
	slices.SortFunc(out, func(a, b *Node) int {
		return cmp.Or(
			cmp.Compare(atoi(a.Attrs["order"]), atoi(b.Attrs["order"])),
			cmp.Compare(atoi(a.Attrs["number"]), atoi(b.Attrs["number"])),
			strings.Compare(a.Name, b.Name),
		)
	})
	return out
}

func atoi(s string) int {
	n := 0
	neg := false
	for i, c := range s {
		if i == 0 && c == '-' {
			neg = true
			continue
		}
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
		if n > 1<<40 {
			break
		}
	}
	if neg {
		return -n
	}
	return n
}
