package provenance

import (
	"fmt"
	"strconv"
	"strings"
)

// traceSources matches the target's lookaside entries by hash and its
// small declared sources by SHA-256 across the origins.
func traceSources(g *Graph, tgt *pkgInfo, orgs []*pkgInfo) {
	// Origin lookaside entries are nodes, so that NotCarried lists those
	// the target lacks.
	for _, o := range orgs {
		for _, e := range o.lookaside {
			g.AddNode(Node{Kind: KindSource, Origin: o.name, Name: e.File, Attrs: map[string]string{
				"lookaside": e.Algo, "hash": e.Hash, "path": e.Path}})
		}
	}
	for _, e := range tgt.lookaside {
		id := g.AddNode(Node{Kind: KindSource, Origin: tgt.name, Name: e.File, Attrs: map[string]string{
			"lookaside": e.Algo, "hash": e.Hash, "path": e.Path, "line": strconv.Itoa(e.Line)}}).ID
		g.AddEdge(Edge{From: id, To: tgt.pkgID, Kind: EdgeAppliedIn, Verdict: VerdictApplied, Score: 1,
			Evidence: []string{"lookaside " + tgt.pkg.LookasideName}})
		matched := false
		var notes []string
		for _, o := range orgs {
			for _, oe := range o.lookaside {
				oid := NodeID(KindSource, o.name, oe.File)
				switch {
				case oe.Algo == e.Algo && strings.EqualFold(oe.Hash, e.Hash):
					ev := []string{fmt.Sprintf("same %s in %s", e.Algo, o.pkg.LookasideName)}
					if oe.File != e.File {
						ev = append(ev, "renamed: "+oe.File+" → "+e.File)
					}
					g.AddEdge(Edge{From: id, To: oid, Kind: EdgeIdenticalTo, Verdict: VerdictIdentical, Score: 1, Evidence: ev})
					matched = true
				case oe.File == e.File && oe.Algo == e.Algo:
					notes = append(notes, fmt.Sprintf("%s lists %s with another %s", o.name, e.File, e.Algo))
				case oe.File == e.File:
					notes = append(notes, fmt.Sprintf("%s lists %s with %s, not %s: cannot compare", o.name, e.File, oe.Algo, e.Algo))
				}
			}
			// A tarball an origin keeps in git rather than in the lookaside.
			if f := o.pkg.File(e.File); f != nil && e.Algo == "sha256" && strings.EqualFold(f.SHA256, e.Hash) {
				oid := g.AddNode(Node{Kind: KindSource, Origin: o.name, Name: f.Name, Attrs: map[string]string{"path": f.Path, "sha256": f.SHA256}}).ID
				g.AddEdge(Edge{From: id, To: oid, Kind: EdgeIdenticalTo, Verdict: VerdictIdentical, Score: 1,
					Evidence: []string{"same sha256 as " + f.Path}})
				matched = true
			}
		}
		if !matched {
			g.AddEdge(Edge{From: id, To: tgt.pkgID, Kind: EdgeNoOrigin, Verdict: VerdictOwn, Score: 1,
				Evidence: append([]string{"no origin lists this hash"}, notes...)})
		}
	}
	// Small sources kept beside the spec.
	inLookaside := map[string]bool{}
	for _, e := range tgt.lookaside {
		inLookaside[e.File] = true
	}
	for _, s := range tgt.sources {
		if inLookaside[s.name] || s.sha256 == "" {
			continue
		}
		attrs := map[string]string{"sha256": s.sha256, "sha1": s.sha1, "size": strconv.FormatInt(s.size, 10)}
		if s.number >= 0 {
			attrs["number"] = strconv.Itoa(s.number)
		}
		id := g.AddNode(Node{Kind: KindSource, Origin: tgt.name, Name: s.name, Attrs: attrs}).ID
		g.AddEdge(Edge{From: id, To: tgt.specID, Kind: EdgeAppliedIn, Verdict: VerdictApplied, Score: 1,
			Evidence: []string{"Source" + strconv.Itoa(s.number)}})
		matched := false
		for _, o := range orgs {
			for i := range o.pkg.Files {
				f := &o.pkg.Files[i]
				if f.SHA256 == "" || f.SHA256 != s.sha256 {
					continue
				}
				oid := g.AddNode(Node{Kind: KindSource, Origin: o.name, Name: f.Name, Attrs: map[string]string{"path": f.Path, "sha256": f.SHA256}}).ID
				ev := []string{"same sha256"}
				if f.Name != s.name {
					ev = append(ev, "renamed: "+f.Name+" → "+s.name)
				}
				g.AddEdge(Edge{From: id, To: oid, Kind: EdgeIdenticalTo, Verdict: VerdictIdentical, Score: 1, Evidence: ev})
				matched = true
				break
			}
		}
		// An SRPM carries the tarball an origin lists in its lookaside.
		var notes []string
		for _, o := range orgs {
			for _, oe := range o.lookaside {
				if oe.Algo == "sha256" && strings.EqualFold(oe.Hash, s.sha256) {
					ev := []string{fmt.Sprintf("sha256 listed in %s", o.pkg.LookasideName)}
					if oe.File != s.name {
						ev = append(ev, "renamed: "+oe.File+" → "+s.name)
					}
					g.AddEdge(Edge{From: id, To: NodeID(KindSource, o.name, oe.File), Kind: EdgeIdenticalTo, Verdict: VerdictIdentical, Score: 1, Evidence: ev})
					matched = true
				} else if oe.File == s.name {
					notes = append(notes, fmt.Sprintf("%s lists %s in its lookaside with another %s", o.name, s.name, oe.Algo))
				}
			}
		}
		if !matched {
			g.AddEdge(Edge{From: id, To: tgt.pkgID, Kind: EdgeNoOrigin, Verdict: VerdictOwn, Score: 1,
				Evidence: append([]string{"no origin has a file with this content"}, notes...)})
		}
	}
}
