package provenance

import (
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"
)

// ExportOptions tune the exports. The zero value gives deterministic output
// (no creation time).
type ExportOptions struct {
	// Time is the creation time written to CycloneDX metadata and SPDX
	// creation info; the zero Time writes none in CycloneDX and the Unix
	// epoch in SPDX (which requires one), so that outputs are reproducible.
	Time time.Time
	// Namespace is the SPDX document namespace prefix (default
	// "https://patchtrace.invalid/spdx/").
	Namespace string
	// Vendor is the purl namespace of the target package ("almalinux",
	// "rocky"); "" uses the target's origin name.
	Vendor string
}

// targetPackage returns the target's package node (nil when none).
func (g *Graph) targetPackage() *Node {
	for _, n := range g.Nodes() {
		if n.Kind == KindPackage && n.Origin == g.Target {
			return n
		}
	}
	return nil
}

// packageOf returns the package node of origin (nil when none).
func (g *Graph) packageOf(origin string) *Node {
	for _, n := range g.Nodes() {
		if n.Kind == KindPackage && n.Origin == origin {
			return n
		}
	}
	return nil
}

// purl returns the package URL of an RPM source package node.
func purl(n *Node, vendor string) string {
	if n == nil {
		return ""
	}
	evr := n.Attrs["version"] + "-" + n.Attrs["release"]
	q := "?arch=src"
	if e := n.Attrs["epoch"]; e != "" {
		q += "&epoch=" + url.QueryEscape(e)
	}
	ns := strings.ToLower(vendor)
	if ns == "" {
		ns = "unknown"
	}
	return "pkg:rpm/" + url.PathEscape(ns) + "/" + url.PathEscape(n.Attrs["name"]) + "@" + url.PathEscape(evr) + q
}

// ancestorOrigin is the packaging origin the target spec was compared with.
func (g *Graph) ancestorOrigin() string {
	tp := g.targetPackage()
	if tp == nil {
		return ""
	}
	for _, e := range g.edges {
		from, to := g.nodes[e.From], g.nodes[e.To]
		if from != nil && to != nil && from.Kind == KindSpec && from.Origin == g.Target && to.Kind == KindSpec &&
			(e.Kind == EdgeRebasedFrom || e.Kind == EdgeIdenticalTo) {
			return to.Origin
		}
	}
	return ""
}

// packagingOrigins lists the names of the packaging origins, sorted.
func (g *Graph) packagingOrigins() []string {
	var out []string
	for _, n := range g.Nodes() {
		if n.Kind == KindOrigin && n.Attrs["type"] == "packaging" {
			out = append(out, n.Name)
		}
	}
	return out
}

// WriteDOT writes the graph in Graphviz DOT form: target items on the
// left, origins as clusters, edges labelled with kind and verdict.
// Structural edges (applied-in, hunk part-of) are drawn light.
func (g *Graph) WriteDOT(w io.Writer) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "digraph provenance {\n\trankdir=LR;\n\tnode [shape=box, fontsize=10];\n\tedge [fontsize=9];\n")
	byOrigin := map[string][]*Node{}
	for _, n := range g.Nodes() {
		byOrigin[n.Origin] = append(byOrigin[n.Origin], n)
	}
	origins := make([]string, 0, len(byOrigin))
	for o := range byOrigin {
		origins = append(origins, o)
	}
	slices.Sort(origins)
	shape := map[NodeKind]string{KindPackage: "box3d", KindSpec: "note", KindPatch: "box", KindHunk: "box",
		KindSource: "cylinder", KindOrigin: "folder", KindCommit: "ellipse", KindIssue: "hexagon", KindChange: "cds"}
	for i, o := range origins {
		if o != "" {
			fmt.Fprintf(ew, "\tsubgraph cluster_%d {\n\t\tlabel=%s;\n", i, dotQuote(o))
		}
		for _, n := range byOrigin[o] {
			label := n.Name
			if n.Kind == KindCommit && len(label) > 12 {
				label = label[:12] + "\\n" + shorten(n.Attrs["subject"], 40)
			}
			style := ""
			if len(g.Out(n.ID, EdgeNoOrigin)) > 0 {
				style = ", style=filled, fillcolor=\"#ffd7d7\""
			}
			fmt.Fprintf(ew, "\t\t%s [label=%s, shape=%s%s];\n", dotQuote(n.ID), dotQuote(string(n.Kind)+": "+label), shape[n.Kind], style)
		}
		if o != "" {
			fmt.Fprintf(ew, "\t}\n")
		}
	}
	for _, e := range g.Edges() {
		attrs := fmt.Sprintf("label=%s", dotQuote(fmt.Sprintf("%s\n%s %.2f", e.Kind, e.Verdict, e.Score)))
		if e.Kind == EdgeAppliedIn || e.Verdict == VerdictApplied {
			attrs = "color=gray, arrowhead=none"
		} else if e.Kind == EdgeNoOrigin {
			attrs += ", style=dashed, color=red"
		}
		fmt.Fprintf(ew, "\t%s -> %s [%s];\n", dotQuote(e.From), dotQuote(e.To), attrs)
	}
	fmt.Fprintf(ew, "}\n")
	return ew.err
}

func dotQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
