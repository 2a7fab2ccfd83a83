// Package provenance answers, for a rebuilt RPM package, where every
// change in it came from.
//
// [Trace] loads a target package and candidate origins (dist-git
// directories, git refs, SRPMs; see package provenance/source) and
// upstream histories (package provenance/upstream), then attributes each
// patch, each hunk, the spec's own changes and the lookaside sources of the
// target to the origins they match. The result is a [Graph] of typed nodes
// (package, spec, patch, hunk, source, origin, commit, issue, change) and
// judged edges (applied-in, identical-to, rebased-from, backport-of,
// part-of, cites, no-origin), each with a verdict, a score and evidence.
//
// Matching goes from cheap and certain to expensive and fuzzy: identical
// bytes, then git patch-ids, then per-file content fingerprints and
// comparison (package patchset), then hunk-level containment for partial
// backports, splits and squashes. Paths are compared after the -pN strip
// the spec's %prep plan gives each patch, and by suffix, so that moved
// files and -p2 prefixes still meet. Hints in patch headers and spec
// comments (Upstream-commit:, cherry picked from, # upstream commit SHA,
// CVE ids) become cites edges, confirmed or contradicted by content.
//
// The graph has a stable, versioned JSON form ([Schema]), queries
// ([Graph.OriginsOf], [Graph.FromOrigin], [Graph.NoOrigin],
// [Graph.NotCarried]) and exports to CycloneDX, SPDX and DOT.
package provenance
