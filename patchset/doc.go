// Package patchset parses patch files as found in RPM packaging and
// computes fingerprints that identify a change independently of where it
// was copied.
//
// # Parsing
//
// [Parse] and [ParseBytes] read one patch file: a plain unified diff
// (`diff -Naur`, with or without timestamps), a context diff (`diff -c`,
// turned into unified hunks), a git diff (renames, copies,
// mode changes, new and deleted files, binary files), a `git format-patch`
// mbox holding one or many patches, or `git log -p` output. Nothing is
// lost: for every input, concatenating [Patch.Bytes] of all returned
// patches gives back the input byte for byte. CRLF line ends and
// "\ No newline at end of file" markers are understood. [ParseSeries]
// reads quilt series files. Parse functions take the input's name first
// (as golang.org/x/mod/modfile does); their errors are [input.Error]
// values that carry name:line and wrap this package's sentinels.
//
// Each [Patch] carries its mail or commit [Header] and the provenance
// [Hint] values found in it (DEP-3, SUSE, OpenEmbedded and kernel
// backport trailers, CVE and bug references). Hints are claims made by the
// patch's author; they can be wrong and must be confirmed by content.
//
// # Patch ids
//
// [PatchIDs] computes the same ids as `git patch-id` (default, --stable and
// --verbatim modes) over a stream of any size in constant memory, quirks
// included; [Patch.PatchID] does so for one parsed patch.
package patchset
