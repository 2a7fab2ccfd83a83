// Package progress is the one way patchtrace's long work reports how far
// it has got: a producer calls a [Func] with a [Report] as it advances.
//
// Producers document their stages:
//
//   - provenance/source loaders: "read" (files of a directory or git tree;
//     Done and Total count files, Detail names the file), "payload" (an
//     SRPM; Done and Total count bytes of the file, Detail names the member)
//     and "history" (a first-parent walk; Done counts commits, Total is set
//     on the last report, Detail is the commit).
//   - provenance/upstream's Repo.Index: "commits" (listing the range),
//     "walk" (comparing trees along the tracked paths; Done counts commits),
//     "follow" (the same along paths tracked files were renamed from or
//     to), "fingerprint" (reading blob pairs; Done counts pairs) and "done".
//   - provenance/upstream's Repo.Update (persistent index): "graph"
//     (reading commits not stored yet; Done counts them), "fingerprint"
//     (Done counts commits fingerprinted out of Total) and "done".
//   - provenance.Trace: "load" (packages loaded; Detail names the package),
//     "index" (upstream indexing; Detail is "upstream: stage" of the index
//     report), "match" (target patches matched; Detail names the patch),
//     "spec", "sources" and "done".
//   - provenance.TraceTree: "diff" (the tree diff; Detail names the two
//     trees), "candidates" (candidate commits read per upstream; Detail
//     names it), "attribute" and "done".
package progress

// Report is one report of work's advance.
type Report struct {
	// Stage names the current stage of the work; producers document
	// theirs.
	Stage string
	// Detail names the current item (a file, commit, package or patch),
	// or is "".
	Detail string
	// Done counts the units of the stage finished so far, out of Total;
	// Total is 0 when unknown.
	Done, Total int64
}

// Func receives reports. A nil Func receives nothing.
type Func func(Report)

// Send calls f with r, unless f is nil.
func (f Func) Send(r Report) {
	if f != nil {
		f(r)
	}
}
