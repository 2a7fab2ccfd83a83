package provenance

import (
	"fmt"
	"io"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// CycloneDX returns a CycloneDX 1.6 BOM whose metadata component is the
// target source package, with its pedigree: the closest packaging origin
// as ancestor, the other packaging origins as variants, the upstream
// commits its patches backport as commits, and each patch with its type
// (cherry-pick: identical to an upstream commit; backport: a rebased or
// partial backport of one; unofficial: a downstream patch) and the CVE and
// bug ids it resolves. Each ancestor and variant carries
// evidence.identity: how many target patches matched it by hash and by
// content analysis.
//
// The BOM's serialNumber is a UUID of the graph's content and the
// creation time (opts.Time, now when zero), its metadata names patchtrace
// and its version as the tool, and findings (parse errors, missing or
// unreadable declared patches, empty upstream ranges) are metadata
// properties named "patchtrace:finding".
func (g *Graph) CycloneDX(opts ExportOptions) *cdx.BOM {
	bom := cdx.NewBOM()
	created := opts.created()
	bom.SerialNumber = "urn:uuid:" + g.documentUUID("cyclonedx", created).String()
	vendor := g.targetVendor(opts)
	tp := g.targetPackage()
	comp := &cdx.Component{Type: cdx.ComponentTypeApplication, BOMRef: "target", Name: g.Target}
	if tp != nil {
		comp.Name, comp.Version, comp.PackageURL = tp.Attrs["name"], tp.Attrs["version"]+"-"+tp.Attrs["release"], purl(tp, vendor)
	}
	tools := []cdx.Component{{Type: cdx.ComponentTypeApplication, Name: ToolName, Version: opts.toolVersion(),
		Description:        "traces where every change of a rebuilt RPM package came from",
		ExternalReferences: &[]cdx.ExternalReference{{Type: cdx.ERTypeVCS, URL: "https://" + modulePath}}}}
	bom.Metadata = &cdx.Metadata{Component: comp, Timestamp: created.Format(time.RFC3339),
		Tools: &cdx.ToolsChoice{Components: &tools}}
	var props []cdx.Property
	for _, f := range g.Findings() {
		props = append(props, cdx.Property{Name: "patchtrace:finding", Value: f.String()})
	}
	if len(props) > 0 {
		bom.Metadata.Properties = &props
	}
	ped := &cdx.Pedigree{}
	anc := g.ancestorOrigin()
	var ancestors, variants []cdx.Component
	for _, o := range g.packagingOrigins() {
		c := g.originComponent(o)
		if o == anc {
			ancestors = append(ancestors, c)
		} else {
			variants = append(variants, c)
		}
	}
	var commits []cdx.Commit
	seenCommit := map[string]bool{}
	var patches []cdx.Patch
	own, ident, backports := 0, 0, 0
	for _, p := range g.Patches() {
		if p.Attrs["missing"] != "" {
			continue // not in the package: a finding (metadata properties)
		}
		typ := cdx.PatchTypeUnofficial
		for _, e := range g.OriginsOf(p.ID) {
			to := g.nodes[e.To]
			if to.Kind != KindCommit {
				continue
			}
			if e.Verdict == VerdictIdentical || e.Verdict == VerdictEquivalent {
				typ = cdx.PatchTypeCherryPick
			} else if typ != cdx.PatchTypeCherryPick {
				typ = cdx.PatchTypeBackport
			}
			if !seenCommit[to.ID] {
				seenCommit[to.ID] = true
				c := cdx.Commit{UID: to.Name, Message: to.Attrs["subject"]}
				if to.Attrs["author"] != "" || to.Attrs["date"] != "" {
					c.Author = &cdx.IdentifiableAction{Name: to.Attrs["author"], Timestamp: to.Attrs["date"]}
				}
				commits = append(commits, c)
			}
		}
		switch {
		case len(g.Out(p.ID, EdgeNoOrigin)) > 0:
			own++
		case typ != cdx.PatchTypeUnofficial:
			backports++
		default:
			ident++
		}
		cp := cdx.Patch{Type: typ, Diff: &cdx.Diff{URL: p.Attrs["path"]}}
		var issues []cdx.Issue
		for _, e := range g.Out(p.ID, EdgeCites) {
			to := g.nodes[e.To]
			if to == nil {
				continue
			}
			if to.Kind != KindIssue {
				continue
			}
			issues = append(issues, issue(to.Name, p, e))
		}
		if len(issues) > 0 {
			cp.Resolves = &issues
		}
		patches = append(patches, cp)
	}
	if len(ancestors) > 0 {
		ped.Ancestors = &ancestors
	}
	if len(variants) > 0 {
		ped.Variants = &variants
	}
	if len(commits) > 0 {
		ped.Commits = &commits
	}
	if len(patches) > 0 {
		ped.Patches = &patches
	}
	ped.Notes = fmt.Sprintf("patchtrace: %d patches, %d from packaging origins, %d upstream backports or cherry-picks, %d the rebuild's own",
		len(patches), ident, backports, own)
	comp.Pedigree = ped
	return bom
}

// originComponent describes a packaging origin as a pedigree component.
func (g *Graph) originComponent(origin string) cdx.Component {
	n := g.packageOf(origin)
	c := cdx.Component{Type: cdx.ComponentTypeApplication, BOMRef: "origin:" + origin, Name: origin}
	if n != nil {
		v := vendorOf(n.Attrs["release"])
		if v == "" {
			v = origin
		}
		c.Name, c.Version, c.PackageURL = n.Attrs["name"], n.Attrs["version"]+"-"+n.Attrs["release"], purl(n, v)
	}
	c.Description = "packaging origin " + origin
	total, byHash, byContent := 0, 0, 0
	for _, p := range g.Patches() {
		total++
		for _, e := range g.OriginsOf(p.ID) {
			if to := g.nodes[e.To]; to.Origin == origin {
				if e.Verdict == VerdictIdentical {
					byHash++
				} else {
					byContent++
				}
				break
			}
		}
	}
	if total > 0 {
		conf := float32(byHash+byContent) / float32(total)
		hc := float32(1)
		sc := float32(0.8)
		methods := []cdx.EvidenceIdentityMethod{
			{Technique: cdx.EvidenceIdentityTechniqueHashComparison, Confidence: &hc, Value: fmt.Sprintf("%d of %d target patches identical", byHash, total)},
		}
		if byContent > 0 {
			methods = append(methods, cdx.EvidenceIdentityMethod{Technique: cdx.EvidenceIdentityTechniqueSourceCodeAnalysis, Confidence: &sc,
				Value: fmt.Sprintf("%d of %d target patches matched by content (rebased, partial, similar)", byContent, total)})
		}
		ids := []cdx.EvidenceIdentity{{Field: cdx.EvidenceIdentityFieldTypePURL, Confidence: &conf, Methods: &methods}}
		c.Evidence = &cdx.Evidence{Identity: &cdx.EvidenceIdentityChoice{Identities: &ids}}
	}
	return c
}

// issue describes a CVE or bug the patch p cites (edge e): where it is
// tracked, and a description saying which patch resolves it and where
// the patch names it.
func issue(id string, p *Node, e *Edge) cdx.Issue {
	desc := "resolved by " + p.Name
	if s := p.Attrs["subject"]; s != "" {
		desc += " (" + s + ")"
	}
	if len(e.Evidence) > 0 {
		desc += "; " + strings.Join(e.Evidence, "; ")
	}
	switch {
	case strings.HasPrefix(id, "CVE-"):
		return cdx.Issue{Type: cdx.IssueTypeSecurity, ID: id, Name: id, Description: "Security vulnerability " + id + " " + desc,
			Source: &cdx.Source{Name: "NVD", URL: "https://nvd.nist.gov/vuln/detail/" + id}}
	case strings.HasPrefix(id, "RHEL-"):
		return cdx.Issue{Type: cdx.IssueTypeDefect, ID: id, Name: id, Description: "Red Hat issue " + id + " " + desc,
			Source: &cdx.Source{Name: "Red Hat Jira", URL: "https://issues.redhat.com/browse/" + id}}
	case strings.HasPrefix(id, "rhbz#"):
		n := strings.TrimPrefix(id, "rhbz#")
		return cdx.Issue{Type: cdx.IssueTypeDefect, ID: id, Name: id, Description: "Red Hat Bugzilla bug " + n + " " + desc,
			Source: &cdx.Source{Name: "Red Hat Bugzilla", URL: "https://bugzilla.redhat.com/show_bug.cgi?id=" + n}}
	}
	return cdx.Issue{Type: cdx.IssueTypeDefect, ID: id, Name: id, Description: "Issue " + id + " " + desc}
}

// WriteCycloneDX writes the graph as a CycloneDX 1.6 JSON document (see
// [Graph.CycloneDX]).
func (g *Graph) WriteCycloneDX(w io.Writer, opts ExportOptions) error {
	return cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON).SetPretty(true).EncodeVersion(g.CycloneDX(opts), cdx.SpecVersion1_6)
}
