package provenance

import (
	"crypto/sha1"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strings"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"
)

var reSPDXID = regexp.MustCompile(`[^A-Za-z0-9.-]+`)

// spdxID turns a node ID into an SPDX element id.
func spdxID(id string) common.ElementID {
	return common.ElementID(strings.Trim(reSPDXID.ReplaceAllString(id, "-"), "-"))
}

// spdxAlgorithms maps lookaside hash names to SPDX checksum algorithms.
var spdxAlgorithms = map[string]common.ChecksumAlgorithm{
	"sha1": common.SHA1, "sha224": common.SHA224, "sha256": common.SHA256, "sha384": common.SHA384,
	"sha512": common.SHA512, "md5": common.MD5,
}

// spdxChecksums lists the digests a file or source node records: its sha1
// and sha256 attributes and its lookaside entry's hash, each algorithm
// once, in a fixed order.
func spdxChecksums(n *Node) []common.Checksum {
	byAlgo := map[common.ChecksumAlgorithm]string{}
	if s := n.Attrs["sha1"]; s != "" {
		byAlgo[common.SHA1] = s
	}
	if s := n.Attrs["sha256"]; s != "" {
		byAlgo[common.SHA256] = s
	}
	if a, ok := spdxAlgorithms[strings.ToLower(n.Attrs["lookaside"])]; ok && n.Attrs["hash"] != "" {
		if _, dup := byAlgo[a]; !dup {
			byAlgo[a] = strings.ToLower(n.Attrs["hash"])
		}
	}
	var out []common.Checksum
	for _, a := range []common.ChecksumAlgorithm{common.SHA1, common.SHA224, common.SHA256, common.SHA384, common.SHA512, common.MD5} {
		if v, ok := byAlgo[a]; ok {
			out = append(out, common.Checksum{Algorithm: a, Value: v})
		}
	}
	return out
}

// SPDX returns an SPDX 2.3 document: the target source package and each
// packaging origin's package and upstream history as packages; the
// target's lookaside and kept sources as packages it CONTAINS (with their
// checksums); its patches as files it CONTAINS; and relationships: the
// target DESCENDANT_OF its closest origin and VARIANT_OF the others, each
// patch PATCH_APPLIED to the target, COPY_OF the origin patch it is
// identical to, DESCENDANT_OF an origin patch it was rebased from,
// PATCH_FOR the upstream project whose commit it backports (the comment
// names the commit, verdict and score), and sources the same way.
// Findings (parse errors, declared patches that are missing or
// unreadable) are REVIEW annotations on the target package and the
// patches.
//
// The document is created at opts.Time (now when zero) by "Tool:
// patchtrace-VERSION", and its namespace ends in a UUID of the graph's
// content and that time.
func (g *Graph) SPDX(opts ExportOptions) *spdx.Document {
	ns := opts.Namespace
	if ns == "" {
		ns = "https://patchtrace.invalid/spdx/"
	}
	created := opts.created()
	stamp := created.Format("2006-01-02T15:04:05Z")
	tool := common.Creator{CreatorType: "Tool", Creator: ToolName + "-" + opts.toolVersion()}
	vendor := g.targetVendor(opts)
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
		DocumentNamespace: ns + url.PathEscape(name) + "-" + g.documentUUID("spdx", created).String(),
		CreationInfo: &spdx.CreationInfo{
			Creators:       []common.Creator{tool},
			Created:        stamp,
			CreatorComment: "provenance of every patch and source of the target package, traced by patchtrace",
		},
	}
	review := func(comment string) spdx.Annotation {
		return spdx.Annotation{Annotator: common.Annotator{AnnotatorType: "Tool", Annotator: tool.Creator},
			AnnotationDate: stamp, AnnotationType: "REVIEW", AnnotationComment: comment}
	}
	rel := func(a, b common.ElementID, typ, comment string) {
		doc.Relationships = append(doc.Relationships, &spdx.Relationship{
			RefA: common.MakeDocElementID("", string(a)), RefB: common.MakeDocElementID("", string(b)),
			Relationship: typ, RelationshipComment: comment})
	}
	pkgs := map[string]*spdx.Package{}
	pkgIDs := map[string]common.ElementID{}
	addPkg := func(n *Node, origin, comment string) {
		p := &spdx.Package{PackageName: origin, PackageSPDXIdentifier: spdxID("package-" + origin),
			PackageDownloadLocation: "NOASSERTION", PackageComment: comment, IsFilesAnalyzedTagPresent: true}
		if n != nil {
			p.PackageName = n.Attrs["name"]
			p.PackageVersion = n.Attrs["version"] + "-" + n.Attrs["release"]
			v := vendor
			if origin != g.Target {
				v = vendorOf(n.Attrs["release"])
				if v == "" {
					v = origin
				}
			}
			p.PackageExternalReferences = []*spdx.PackageExternalReference{{Category: "PACKAGE-MANAGER", RefType: "purl", Locator: purl(n, v)}}
		}
		if o := g.nodes[NodeID(KindOrigin, "", origin)]; o != nil && o.Attrs["location"] != "" {
			p.PackageSourceInfo = "from " + o.Attrs["location"]
		}
		doc.Packages = append(doc.Packages, p)
		pkgs[origin] = p
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
	// Patches are files, sources (tarballs and small files) packages;
	// both are contained in their origin's package.
	elemIDs := map[string]common.ElementID{}
	fileSHA1s := map[string][]string{}
	type containment struct {
		origin string
		id     common.ElementID
	}
	var contains []containment
	var withoutDigest []string
	addElem := func(n *Node) (common.ElementID, bool) {
		if id, ok := elemIDs[n.ID]; ok {
			return id, true
		}
		sums := spdxChecksums(n)
		if len(sums) == 0 {
			if n.Origin == g.Target {
				withoutDigest = append(withoutDigest, n.Name)
			}
			return "", false
		}
		id := spdxID(n.ID)
		if n.Kind == KindSource {
			p := &spdx.Package{PackageName: n.Name, PackageSPDXIdentifier: id, PackageDownloadLocation: "NOASSERTION",
				PackageFileName: n.Name, PackageChecksums: sums, IsFilesAnalyzedTagPresent: true, PrimaryPackagePurpose: "SOURCE"}
			if a := n.Attrs["lookaside"]; a != "" {
				p.PackageComment = "lookaside source (" + a + " listed in the lookaside file)"
			} else {
				p.PackageComment = "source file kept beside the spec"
			}
			doc.Packages = append(doc.Packages, p)
		} else {
			f := &spdx.File{FileName: "./" + n.Attrs["path"], FileSPDXIdentifier: id, FileCopyrightText: "NOASSERTION",
				Checksums: sums, FileTypes: []string{"SOURCE"}}
			if n.Attrs["path"] == "" {
				f.FileName = "./" + n.Name
			}
			if e := n.Attrs["error"]; e != "" {
				f.Annotations = append(f.Annotations, review("patchtrace could not read this patch fully: "+e))
			}
			doc.Files = append(doc.Files, f)
			if s := n.Attrs["sha1"]; s != "" {
				fileSHA1s[n.Origin] = append(fileSHA1s[n.Origin], s)
			} else {
				fileSHA1s[n.Origin] = append(fileSHA1s[n.Origin], "")
			}
		}
		elemIDs[n.ID] = id
		contains = append(contains, containment{n.Origin, id})
		return id, true
	}
	items := g.Patches()
	for _, n := range g.Nodes() {
		if n.Kind == KindSource && n.Origin == g.Target {
			items = append(items, n)
		}
	}
	for _, p := range items {
		fid, ok := addElem(p)
		if !ok {
			continue
		}
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
			default:
				tid, ok := addElem(to)
				if !ok {
					continue
				}
				if e.Kind == EdgeIdenticalTo && e.Verdict == VerdictIdentical {
					rel(fid, tid, common.TypeRelationshipCopyOf, comment)
				} else {
					rel(fid, tid, common.TypeRelationshipDescendantOf, comment)
				}
			}
		}
	}
	// A package whose listed files all have a SHA-1 is analysed: its
	// verification code covers them (SPDX 2.3 §7.9) and it CONTAINS them.
	// A package that is not analysed may contain no file (§7.8): its
	// files are related to it only through their other relationships.
	for origin, sums := range fileSHA1s {
		p := pkgs[origin]
		if p == nil || slices.Contains(sums, "") {
			continue
		}
		sorted := slices.Sorted(slices.Values(sums))
		p.FilesAnalyzed = true
		p.PackageVerificationCode = &common.PackageVerificationCode{Value: fmt.Sprintf("%x", sha1.Sum([]byte(strings.Join(sorted, ""))))}
	}
	for _, c := range contains {
		if p := pkgs[c.origin]; p != nil && (p.FilesAnalyzed || len(fileSHA1s[c.origin]) == 0) {
			rel(p.PackageSPDXIdentifier, c.id, common.TypeRelationshipContains, "")
		}
	}
	if tpkg := pkgs[g.Target]; tpkg != nil {
		for _, f := range g.Findings() {
			tpkg.Annotations = append(tpkg.Annotations, review(f.String()))
		}
		if len(withoutDigest) > 0 {
			tpkg.Annotations = append(tpkg.Annotations, review("not listed as files (no content to digest): "+strings.Join(withoutDigest, ", ")))
		}
	}
	return doc
}

// WriteSPDX writes the graph as an SPDX 2.3 JSON document (see
// [Graph.SPDX]).
func (g *Graph) WriteSPDX(w io.Writer, opts ExportOptions) error {
	return spdxjson.Write(g.SPDX(opts), w, spdxjson.Indent("  "))
}
