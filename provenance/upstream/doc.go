// Package upstream finds the upstream commits that downstream patches
// backport, by content.
//
// [Open] a git repository (bare or not) and build an [Index] over a
// revision range ("A..B", or one revision for its whole history) along the
// paths a set of patches touches; then [Index.Find] ranks, for each
// [Query] (the per-file changes of a patch, of one hunk, of a tree diff,
// with the commit metadata when known; [QueryOf] builds one from a
// patch), the commits whose changes it carries. [Index.Candidates],
// [Index.CommitChanges], [Index.CommitInfo] and [Index.Weight] give
// callers that attribute changes themselves the same data.
//
// # How the index is built
//
// The walk never diffs whole commits. For every commit of the range it
// compares, top-down, the tree entries along the followed paths with those
// of its first parent, so an untouched subtree costs one hash comparison;
// tree objects are parsed once per hash and only for the names followed.
// Merge commits are compared with their first parent: a merge then carries
// the net change its branch brought to the first-parent line, while the
// branch's own commits are indexed as well (on equal scores the non-merge
// commit ranks first).
//
// Each changed file is fingerprinted from its two blobs, with no diff
// (patchset.NetChange, the line fingerprint patches get too): the net
// change of a file (added lines minus removed lines, as a multiset of
// whitespace-stripped line hashes) does not depend on the diff algorithm,
// on context lines or on hunk offsets, so it is the same for an upstream
// commit and for a backport of it rebased elsewhere. Blob pairs are
// fingerprinted once, in parallel (runtime.GOMAXPROCS workers), only over
// the region between the blobs' common prefix and suffix. An inverted
// index maps each changed line (hash and direction) to the file changes
// that carry it.
//
// Objects are read straight from the pack files (delta chains resolved
// with a cache keyed by pack offset); go-git serves loose objects and
// in-memory repositories.
//
// # Paths
//
// Patch paths carry prefixes (a/, b/, pkg-1.0/) and may name a file that
// upstream has since moved. A patch path maps to the upstream paths present
// at the range's tip or base that share the longest suffix of path
// components with it, preferring a path matched whole; a path gone by the
// tip adds the files of the same name that appeared during the range; a
// path found at neither end is followed under each of its suffixes whose
// directory exists (a file that lived only inside the range).
//
// Renames are detected as git does, but only where they matter: when a
// commit adds or deletes a followed file whole, its trees are compared in
// full (pruned by subtree hash) and the file is paired with the deleted or
// added file of the same blob, the same name, or at least 50% of the same
// lines. The pair becomes one change (an exact rename changes nothing), and
// the other path is then followed too, its changes recorded under the
// followed path, like git log --follow (one level).
//
// # Matching
//
// Find scores candidates by the share of the patch's changed lines that a
// commit changes the same way (PatchCoverage) and the share of the
// commit's changed lines found in the patch (CommitCoverage), with lines
// weighted by rarity. Lines of a patch file are also credited against the
// commit's other files when the mapped file shares nothing (code that moved
// between files). When no commit explains the patch alone, a greedy set
// cover returns the commits it squashes. Hints written in the patch
// (Upstream-commit:, cherry picked from, From <sha>, ...) are reported in
// the evidence, confirmed or contradicted by content; they never change
// the ranking.
package upstream
