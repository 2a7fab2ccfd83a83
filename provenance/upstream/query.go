package upstream

import (
	netmail "net/mail"
	"strings"
	"time"

	"github.com/patchtrace/patchtrace/patchset"
)

// Query is what [Index.Find] looks for: a change (the files of a patch, one
// hunk of it, the diff of two trees) and, when known, the metadata of the
// commit it may come from. Only Changes decide what matches; the metadata
// corroborates (see Find).
type Query struct {
	// Changes is the net change per file, as patchset computes it
	// (patchset.ChangesFromPatch, ChangeFromBlobs, FileChange.OnlyHunk).
	// Paths may carry prefixes (a/, pkg-1.0/): they are mapped to the
	// indexed upstream paths by suffix (see Index.UpstreamPaths).
	Changes []patchset.FileChange
	// Subject, Author (a name), Email and Date describe the change when
	// it came with a commit header (git format-patch, git log); zero
	// otherwise.
	Subject, Author, Email string
	Date                   time.Time
	// Hints are the provenance claims written with the change
	// (patchset.Header.Hints, spec comments): the commits they name are
	// reported, confirmed or contradicted by content.
	Hints []patchset.Hint
}

// QueryOf returns the query for patch p: its per-file changes (strip as
// for patchset.ChangesFromPatch; -1 detects it), its header's subject,
// author and date, and its hints (the From/commit line's id included).
func QueryOf(p *patchset.Patch, strip int) Query {
	if p == nil {
		return Query{}
	}
	q := HeaderQuery(p)
	q.Changes = patchset.ChangesFromPatch(p, strip)
	return q
}

// HeaderQuery returns the metadata part of QueryOf(p): subject, author,
// date and hints, no Changes (for a caller that has them already).
func HeaderQuery(p *patchset.Patch) Query {
	q := Query{Subject: p.Header.Subject, Hints: p.Header.Hints}
	q.Author, q.Email = splitAddress(p.Header.Author)
	q.Date = parseDate(p.Header.Date)
	if id := strings.ToLower(p.Header.CommitID); isHex(id) && len(id) == 40 {
		cited := false
		for _, h := range q.Hints {
			cited = cited || h.Value == id
		}
		if !cited {
			q.Hints = append(q.Hints[:len(q.Hints):len(q.Hints)], patchset.Hint{Kind: patchset.HintCommit, Value: id, Line: p.Line})
		}
	}
	return q
}

// splitAddress splits "Name <mail>" into its name and address; a value
// that is not an address is taken as a name.
func splitAddress(s string) (name, email string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", ""
	}
	if a, err := netmail.ParseAddress(s); err == nil {
		return a.Name, a.Address
	}
	if i := strings.LastIndexByte(s, '<'); i >= 0 && strings.HasSuffix(s, ">") {
		return strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1 : len(s)-1])
	}
	return s, ""
}

// dateLayouts are the date forms of mail headers and git log output.
var dateLayouts = []string{
	time.RFC1123Z,                    // Mon, 02 Jan 2006 15:04:05 -0700
	"Mon, 2 Jan 2006 15:04:05 -0700", // format-patch
	"Mon Jan 2 15:04:05 2006 -0700",  // git log
	"2 Jan 2006 15:04:05 -0700",
	time.RFC3339,
}

// parseDate parses a header date; the zero time when it cannot.
func parseDate(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	if t, err := netmail.ParseDate(s); err == nil {
		return t
	}
	s = strings.Join(strings.Fields(s), " ")
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// citedIDs returns the commit ids the hints claim as the change's origin,
// without duplicates: upstream-commit and cherry-picked-from claims, and
// the id of a From or commit line (often a downstream rebase: only a
// claim, confirmed by content or not).
func citedIDs(hs []patchset.Hint) []string {
	var out []string
	for _, h := range hs {
		switch h.Kind {
		case patchset.HintUpstreamCommit, patchset.HintCherryPick, patchset.HintCommit, patchset.HintCommitMention:
		default:
			continue
		}
		v := strings.ToLower(h.Value)
		if isHex(v) && len(v) >= 7 && len(v) <= 40 && !contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
