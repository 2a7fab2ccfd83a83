package provenance

import (
	"strings"

	"github.com/patchtrace/patchtrace/patchset"
)

// hint is a provenance claim about a target patch: a commit id or an issue.
type hint struct {
	commit string // lower-case hex, 7 to 40 digits
	issue  string // CVE-…, RHEL-…, rhbz#…
	where  string // "header", "spec comment", "From line"
	text   string // the line as written (trimmed, shortened)
}

func shorten(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// extractHints finds the provenance claims of a target patch file, with
// patchset's one hint extractor: in its headers (every part's
// Header.Hints), in the spec comment above its declaration (where a
// commit merely mentioned, "commit 1a2b3c4", is a claim too) and in its
// file name (CVE ids).
func extractHints(pf *patchFile) []hint {
	var out []hint
	seen := map[string]bool{}
	add := func(h hint) {
		k := h.commit + "|" + h.issue
		if seen[k] {
			return
		}
		seen[k] = true
		out = append(out, h)
	}
	take := func(hs []patchset.Hint, where string) {
		for _, h := range hs {
			v := strings.TrimSpace(h.Value)
			text := shorten(h.Text, 120)
			switch h.Kind {
			case patchset.HintUpstreamCommit, patchset.HintCherryPick, patchset.HintCommitMention:
				if isHex(v) && len(v) >= 7 && len(v) <= 40 {
					add(hint{commit: strings.ToLower(v), where: where, text: text})
				}
			case patchset.HintCVE:
				add(hint{issue: strings.ToUpper(v), where: where, text: text})
			case patchset.HintBug:
				if !strings.Contains(v, "/") {
					add(hint{issue: v, where: where, text: text})
				}
			case patchset.HintJIRA:
				if i := strings.LastIndex(v, "RHEL-"); i >= 0 {
					v = strings.TrimRight(v[i:], "/.,;")
				}
				add(hint{issue: v, where: where, text: text})
			}
			// HintCommit (the From line) is often a downstream rebase: it
			// becomes a citation only when content confirms it (see
			// headerCommits).
		}
	}
	for _, p := range pf.parts {
		take(p.Header.Hints, "header")
	}
	take(patchset.ExtractHints(pf.comment, 1), "spec comment")
	take(patchset.MentionedCommits(pf.comment, 1), "spec comment")
	take(patchset.HintsOf(patchset.ExtractHints(pf.name, 1), patchset.HintCVE), "file name")
	return out
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// headerCommits returns the commit ids named by the From/commit lines of
// the patch's parts: often a downstream rebase, sometimes upstream's.
func headerCommits(parts []*patchset.Patch) []string {
	var out []string
	for _, p := range parts {
		if id := strings.ToLower(p.Header.CommitID); len(id) == 40 && isHex(id) && strings.Trim(id, "0") != "" {
			out = append(out, id)
		}
	}
	return out
}
