package provenance

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// TreeReport is a traced tree (a target tree, or a package's tarball
// compared with an origin's): its comparison with the base and every
// change with the origins that explain it. A change without origins is
// the tree's own.
type TreeReport struct {
	// Name is the tree's name (its file or directory name).
	Name string `json:"name"`
	// Base names the base tree the tree was compared with.
	Base string `json:"base"`
	// Files counts the changed files; Lines the changed lines (added plus
	// removed); Attributed the lines at least one origin explains.
	Files      int `json:"files"`
	Lines      int `json:"lines"`
	Attributed int `json:"attributed"`
	// ByOrigin counts, per origin, the lines and the patches or commits
	// that explain them.
	ByOrigin []TreeOriginCount `json:"by_origin"`
	// Changes are the runs of changed lines explained alike, by file and
	// line.
	Changes []TreeChange `json:"changes"`
}

// TreeOriginCount is what one origin explains of a tree.
type TreeOriginCount struct {
	Origin string `json:"origin"`
	// Lines counts the changed lines it explains; Items the distinct
	// patches or commits that do.
	Lines int `json:"lines"`
	Items int `json:"items"`
}

// TreeChange is one change of a tree.
type TreeChange struct {
	// File is the path; Line the first target line of the change (for a
	// removal, the line the removed lines preceded); Lines the changed
	// lines (added plus removed).
	File  string `json:"file"`
	Line  int    `json:"line"`
	Lines int    `json:"lines"`
	// Added and Removed split Lines.
	Added   int `json:"added"`
	Removed int `json:"removed"`
	// Origins explain the change: per origin, the commit or the patch
	// file with its verdict and score.
	Origins []OriginMatch `json:"origins"`
}

// Own reports whether no origin explains the change.
func (c *TreeChange) Own() bool { return len(c.Origins) == 0 }

// treeReports returns the reports of the tree nodes of the target whose
// part-of parent is parent ("" for any), by name.
func (g *Graph) treeReports(parent string) []*TreeReport {
	var out []*TreeReport
	for _, n := range g.Nodes() {
		if n.Kind != KindTree || n.Origin != g.Target {
			continue
		}
		if parent != "" {
			if ps := g.Out(n.ID, EdgePartOf); len(ps) == 0 || ps[0].To != parent {
				continue
			}
		}
		out = append(out, g.treeReport(n))
	}
	return out
}

// treeReport reports one tree node.
func (g *Graph) treeReport(n *Node) *TreeReport {
	tr := &TreeReport{Name: n.Name, Base: n.Attrs["base"], Changes: []TreeChange{}, ByOrigin: []TreeOriginCount{}}
	tr.Files, _ = strconv.Atoi(n.Attrs["files"])
	tr.Lines, _ = strconv.Atoi(n.Attrs["lines"])
	tr.Attributed, _ = strconv.Atoi(n.Attrs["attributed"])
	lines := map[string]int{}
	items := map[string]map[string]bool{}
	for _, e := range g.In(n.ID, EdgePartOf) {
		c := g.nodes[e.From]
		if c == nil || c.Kind != KindTreeChange {
			continue
		}
		tc := TreeChange{File: c.Attrs["file"], Origins: []OriginMatch{}}
		tc.Line, _ = strconv.Atoi(c.Attrs["line"])
		tc.Lines, _ = strconv.Atoi(c.Attrs["lines"])
		tc.Added, _ = strconv.Atoi(c.Attrs["added"])
		tc.Removed, _ = strconv.Atoi(c.Attrs["removed"])
		for _, m := range g.originMatches(c.ID) {
			m.Evidence, m.Subject = nil, "" // once per origin item, in the graph
			tc.Origins = append(tc.Origins, m)
			lines[m.Origin] += tc.Lines
			if items[m.Origin] == nil {
				items[m.Origin] = map[string]bool{}
			}
			items[m.Origin][m.Commit+m.File] = true
		}
		slices.SortFunc(tc.Origins, func(a, b OriginMatch) int { return strings.Compare(a.Origin, b.Origin) })
		tr.Changes = append(tr.Changes, tc)
	}
	slices.SortFunc(tr.Changes, func(a, b TreeChange) int {
		return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(b.Removed, a.Removed))
	})
	for o, n := range lines {
		tr.ByOrigin = append(tr.ByOrigin, TreeOriginCount{Origin: o, Lines: n, Items: len(items[o])})
	}
	slices.SortFunc(tr.ByOrigin, func(a, b TreeOriginCount) int { return strings.Compare(a.Origin, b.Origin) })
	return tr
}

// WriteText writes the tree report for people: a summary (changed files
// and lines, the attributed share, what each origin explains), then each
// file's changes with their origins, then the tree's own changes.
func (tr *TreeReport) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	share := 0.0
	if tr.Lines > 0 {
		share = 100 * float64(tr.Attributed) / float64(tr.Lines)
	}
	fmt.Fprintf(ew, "tree %s against base %s: %d files changed, %d lines (added + removed); %d attributed (%.1f%%), %d own\n",
		tr.Name, tr.Base, tr.Files, tr.Lines, tr.Attributed, share, tr.Lines-tr.Attributed)
	for _, o := range tr.ByOrigin {
		fmt.Fprintf(ew, "  %-12s explains %d lines with %d %s\n", o.Origin, o.Lines, o.Items, plural(o.Items, "change"))
	}
	tw := tabwriter.NewWriter(ew, 2, 8, 2, ' ', 0)
	file := ""
	var own []TreeChange
	for _, c := range tr.Changes {
		if c.Own() {
			own = append(own, c)
			continue
		}
		if c.File != file {
			file = c.File
			fmt.Fprintf(tw, "\n%s\n", c.File)
		}
		var parts []string
		for _, o := range c.Origins {
			parts = append(parts, o.Origin+" "+matchLabel(o)+" "+o.Verdict+" "+strconv.FormatFloat(o.Score, 'f', 2, 64))
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", lineLabel(c), counts(c), strings.Join(parts, "; "))
	}
	if len(own) > 0 {
		fmt.Fprintf(tw, "\nown changes (%d: no origin carries them)\n", len(own))
		for _, c := range own {
			fmt.Fprintf(tw, "  %s:%s\t%s\n", c.File, lineLabel(c), counts(c))
		}
	}
	tw.Flush()
	return ew.err
}

func lineLabel(c TreeChange) string {
	if c.Lines == 0 {
		return "(file)"
	}
	return "line " + strconv.Itoa(c.Line)
}

func counts(c TreeChange) string {
	return fmt.Sprintf("+%d -%d", c.Added, c.Removed)
}

func plural(n int, s string) string {
	if n == 1 {
		return s
	}
	return s + "s"
}
