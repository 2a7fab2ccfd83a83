package patchset

import (
	"strings"
)

// Patch is one patch: a mail or commit header followed by the changes to
// one or more files. A patch file holds one patch, or several when it is an
// mbox written by `git format-patch` or the output of `git log -p`.
type Patch struct {
	// Header is the mail or commit header of the patch; zero when the
	// patch has none (a plain diff).
	Header Header
	// Files are the file sections of the diff, in order.
	Files []*File
	// Name is the name the patch was parsed under (for messages).
	Name string
	// Line is the 1-based line of the input where this patch starts.
	Line int

	raw []byte
}

// Bytes returns the exact bytes this patch was parsed from. Concatenating
// Bytes of all patches returned by one Parse call gives back the input.
// The returned slice must not be modified.
func (p *Patch) Bytes() []byte { return p.raw }

// Header is the mail (format-patch) or commit (git log) header of a patch,
// or the free-form text before the first diff of a plain patch.
type Header struct {
	// CommitID is the commit named by the "From <sha> ..." mbox line or the
	// "commit <sha>" line of git log output, if any. For RHEL patches this
	// is often the downstream rebased commit, not upstream's.
	CommitID string
	// Author is the From: / Author: value (decoded from MIME words).
	Author string
	// Date is the Date: value as written.
	Date string
	// Subject is the Subject: value, unfolded, with leading "[PATCH ...]"
	// tags removed. For DEP-3 patches it is the Description/Subject
	// field's first line.
	Subject string
	// Message is the text between the header fields and the diff, with
	// a format-patch diffstat (after the "---" separator) left out.
	Message string
	// Hints are the provenance claims found in the header and message.
	Hints []Hint
}

// File is one file section of a diff.
type File struct {
	// OldName and NewName are the names as written in the diff, prefixes
	// (a/, b/, libexpat-R_2_2_5/ ...) included and timestamps removed;
	// "/dev/null" when the file is absent on that side.
	OldName, NewName string
	// IsNew, IsDelete, IsRename and IsCopy tell what git's extended headers
	// (or /dev/null names, or an epoch timestamp with an empty side) say.
	IsNew, IsDelete, IsRename, IsCopy bool
	// IsBinary is set for "Binary files ... differ" and "GIT binary patch".
	IsBinary bool
	// OldMode and NewMode are the file modes git states; 0 when not stated.
	OldMode, NewMode uint32
	// Hunks are the text hunks, in order.
	Hunks []*Hunk
	// Line is the 1-based line of the file section's first line.
	Line int
	// Header holds the lines of the file header (diff, index, mode,
	// rename, ---, +++ lines) exactly as written.
	Header []string

	empty bool // a plain diff command line with nothing after it
}

// Path returns the file's path with strip leading components removed, like
// patch -pN: the new name, or the old name when the file is deleted. It
// returns "" when the name has no more than strip components. A negative
// strip chooses 1 when the names carry git's "a/" and "b/" prefixes and 0
// otherwise.
func (f *File) Path(strip int) string {
	name := f.NewName
	if f.IsDelete || name == "/dev/null" || name == "" {
		name = f.OldName
	}
	if strip < 0 {
		strip = 0
		if (strings.HasPrefix(f.OldName, "a/") || f.OldName == "/dev/null") &&
			(strings.HasPrefix(f.NewName, "b/") || f.NewName == "/dev/null") {
			strip = 1
		}
	}
	return stripPath(name, strip)
}

// stripPath removes n leading components, as patch(1) does: each component
// ends at a run of slashes.
func stripPath(name string, n int) string {
	for i := 0; i < n; i++ {
		j := strings.IndexByte(name, '/')
		if j < 0 {
			return ""
		}
		name = strings.TrimLeft(name[j:], "/")
	}
	return name
}

// Hunk is one "@@ -a,b +c,d @@" hunk.
type Hunk struct {
	// OldStart, OldLines, NewStart and NewLines are the hunk header's
	// numbers; a missing count is 1.
	OldStart, OldLines, NewStart, NewLines int
	// Section is the text after the closing "@@" (function context),
	// without the separating space.
	Section string
	// Lines are the hunk's lines in order.
	Lines []Line
	// Line is the 1-based line of the "@@" header.
	Line int
}

// Line is one line of a hunk.
type Line struct {
	// Op is ' ' (context), '+' (added) or '-' (removed).
	Op byte
	// Text is the line without its op byte and without the line
	// terminator ("\n" or "\r\n").
	Text string
	// NoNewline is set when the line is followed by
	// "\ No newline at end of file".
	NoNewline bool
}
