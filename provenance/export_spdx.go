package provenance

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"
)

var reSPDXID = regexp.MustCompile(`[^A-Za-z0-9.-]+`)

// spdxID turns a node ID into an SPDX element id.
func spdxID(id string) common.ElementID {
	return common.ElementID(strings.Trim(reSPDXID.ReplaceAllString(id, "-"), "-"))
}

// SPDX returns an SPDX 2.3 document: the target source package and each
// packaging origin's package and upstream history as packages; the
// target's patches as files; and relationships: the target DESCENDANT_OF
// its closest origin and VARIANT_OF the others, each patch PATCH_APPLIED
// to the target, COPY_OF the origin patch it is identical to,
// DESCENDANT_OF an origin patch it was rebased from, PATCH_FOR the
// upstream project whose commit it backports (the comment names the
// commit, verdict and score), and source files the same way.
func (g *Graph) SPDX(opts ExportOptions) *spdx.Document {
	ns := opts.Namespace
	if ns == "" {
		ns = "https://patchtrace.invalid/spdx/"
	}
	created := opts.Time
	if created.IsZero() {
		created = time.Unix(0, 0)
	}
	vendor := opts.Vendor
	if vendor == "" {
		vendor = g.Target
	}
	tp := g.targetPackage()
	name := g.Target
	if tp != nil {
		name = tp.Name
	}
	doc := &spdx.Document{
		SPDXVersion:       spdx.Version,
		DataLicense:       spdx.DataLicense,
		SPDXIdentifier:    "DOCUMENT",
		DocumentName:      name,
		DocumentNamespace: ns + name,
		CreationInfo: &spdx.CreationInfo{
			Creators: []common.Creator{{CreatorType: "Tool", Creator: "patchtrace"}},
			Created:  created.UTC().Format("2006-01-02T15:04:05Z"),
		},
	}
	rel := func(a, b common.ElementID, typ, comment string) {
		doc.Relationships = append(doc.Relationships, &spdx.Relationship{
			RefA: common.MakeDocElementID("", string(a)), RefB: common.MakeDocElementID("", string(b)),
			Relationship: typ, RelationshipComment: comment})
	}
	pkgIDs := map[string]common.ElementID{}
	addPkg := func(n *Node, origin, comment string) {
		p := &spdx.Package{PackageName: origin, PackageSPDXIdentifier: spdxID("package-" + origin),
			PackageDownloadLocation: "NOASSERTION", PackageComment: comment}
		if n != nil {
			p.PackageName = n.Attrs["name"]
			p.PackageVersion = n.Attrs["version"] + "-" + n.Attrs["release"]
			v := vendor
			if origin != g.Target {
				v = origin
			}
			p.PackageExternalReferences = []*spdx.PackageExternalReference{{Category: "PACKAGE-MANAGER", RefType: "purl", Locator: purl(n, v)}}
		}
		if o := g.nodes[NodeID(KindOrigin, "", origin)]; o != nil && o.Attrs["location"] != "" {
			p.PackageSourceInfo = "from " + o.Attrs["location"]
		}
		doc.Packages = append(doc.Packages, p)
		pkgIDs[origin] = p.PackageSPDXIdentifier
	}
	addPkg(tp, g.Target, "the traced (target) source package")
	rel("DOCUMENT", pkgIDs[g.Target], common.TypeRelationshipDescribe, "")
	anc := g.ancestorOrigin()
	for _, o := range g.packagingOrigins() {
		addPkg(g.packageOf(o), o, "packaging origin")
		if o == anc {
			rel(pkgIDs[g.Target], pkgIDs[o], common.TypeRelationshipDescendantOf, "closest packaging origin (spec compared against it)")
		} else {
			rel(pkgIDs[g.Target], pkgIDs[o], common.TypeRelationshipVariantOf, "")
		}
	}
	for _, n := range g.Nodes() {
		if n.Kind == KindOrigin && n.Attrs["type"] == "upstream" {
			addPkg(nil, n.Name, "upstream history "+n.Attrs["range"])
		}
	}
	fileIDs := map[string]common.ElementID{}
	addFile := func(n *Node) common.ElementID {
		if id, ok := fileIDs[n.ID]; ok {
			return id
		}
		f := &spdx.File{FileName: "./" + n.Attrs["path"], FileSPDXIdentifier: spdxID(n.ID), FileCopyrightText: "NOASSERTION"}
		if n.Attrs["path"] == "" {
			f.FileName = "./" + n.Name
		}
		if s := n.Attrs["sha1"]; s != "" {
			f.Checksums = append(f.Checksums, common.Checksum{Algorithm: common.SHA1, Value: s})
		}
		if s := n.Attrs["sha256"]; s != "" {
			f.Checksums = append(f.Checksums, common.Checksum{Algorithm: common.SHA256, Value: s})
		}
		if algo, h := n.Attrs["lookaside"], n.Attrs["hash"]; algo != "" && h != "" && algo != "sha256" {
			f.Checksums = append(f.Checksums, common.Checksum{Algorithm: common.ChecksumAlgorithm(strings.ToUpper(algo)), Value: h})
		}
		if n.Kind == KindPatch {
			f.FileTypes = []string{"SOURCE"}
		} else {
			f.FileTypes = []string{"ARCHIVE"}
		}
		doc.Files = append(doc.Files, f)
		fileIDs[n.ID] = f.FileSPDXIdentifier
		if pid, ok := pkgIDs[n.Origin]; ok {
			rel(pid, f.FileSPDXIdentifier, common.TypeRelationshipContains, "")
		}
		return f.FileSPDXIdentifier
	}
	items := g.Patches()
	for _, n := range g.Nodes() {
		if n.Kind == KindSource && n.Origin == g.Target {
			items = append(items, n)
		}
	}
	for _, p := range items {
		fid := addFile(p)
		if p.Kind == KindPatch {
			rel(fid, pkgIDs[g.Target], common.TypeRelationshipPatchApplied, "")
		}
		for _, e := range g.OriginsOf(p.ID) {
			to := g.nodes[e.To]
			comment := fmt.Sprintf("%s %s %.2f", e.Kind, e.Verdict, e.Score)
			switch {
			case to.Kind == KindCommit:
				comment = fmt.Sprintf("%s of commit %s (%s): %s %.2f", e.Kind, to.Name, shorten(to.Attrs["subject"], 80), e.Verdict, e.Score)
				if pid, ok := pkgIDs[to.Origin]; ok {
					rel(fid, pid, common.TypeRelationshipPatchFor, comment)
				}
			case e.Kind == EdgeIdenticalTo && e.Verdict == VerdictIdentical:
				rel(fid, addFile(to), common.TypeRelationshipCopyOf, comment)
			default:
				rel(fid, addFile(to), common.TypeRelationshipDescendantOf, comment)
			}
		}
	}
	return doc
}

// WriteSPDX writes the graph as an SPDX 2.3 JSON document (see
// [Graph.SPDX]).
func (g *Graph) WriteSPDX(w io.Writer, opts ExportOptions) error {
	return spdxjson.Write(g.SPDX(opts), w, spdxjson.Indent("  "))
}
