package specfile

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
)

// NoNumber is the Number of a patch or source that has none: a `Patch:`
// tag read with rpm 4.14 rules (a separate, numberless patch).
const NoNumber = -1

// Sentinel causes wrapped by the *input.Error values parsers return.
// Input beyond a size cap wraps input.ErrTooLarge.
var (
	// ErrDuplicatePatch: two Patch (or Source) tags with the same number.
	ErrDuplicatePatch = errors.New("duplicate number")
	// ErrRecursion: macro expansion went deeper than the limit (rpm: 64).
	ErrRecursion = errors.New("too many levels of recursion in macro expansion")
	// ErrConditional: a malformed %if/%else/%endif structure or a bad
	// condition.
	ErrConditional = errors.New("bad conditional")
	// ErrExpression: a syntax or type error in an rpm expression.
	ErrExpression = errors.New("bad expression")
	// ErrInclude: an %include that cannot be read from Options.FS.
	ErrInclude = errors.New("cannot include")
	// ErrPatch: a %patch line rpm rejects for the target's rpm version.
	ErrPatch = errors.New("bad %patch")
)

// Options tell Parse how to read a spec.
type Options struct {
	// Target is what the spec is read for (defines, arch, bconds, rpm
	// version). The zero Target behaves like rpm 4.18 on x86_64 Linux with
	// no extra defines.
	Target Target
	// FS serves %include files (and nothing else); nil forbids %include.
	FS fs.FS
	// MaxDepth caps macro recursion (0: 64, as rpm).
	MaxDepth int
	// MaxExpansion caps the total number of bytes macro expansion may
	// produce while parsing one spec (0: 64 MiB + 64 × the spec's size).
	MaxExpansion int
	// MaxSize caps the size of the spec and of each %include file
	// (0: DefaultMaxSize). Larger input is an error wrapping
	// input.ErrTooLarge, as is macro expansion beyond MaxExpansion.
	MaxSize int64
	// MaxEntries caps what the parse records, and so its memory: tags,
	// patch and source declarations, plan steps, references, unresolved
	// expansions, warnings, sections and macro definitions, together
	// (0: DefaultMaxEntries). Beyond it the parse fails with an error
	// wrapping input.ErrTooLarge at the line that crossed it.
	MaxEntries int
}

// DefaultMaxSize is the default cap on a spec's size: 64 MiB, thirty
// times Fedora's largest spec.
const DefaultMaxSize = 64 << 20

// DefaultMaxEntries is the default cap on the entries a parse records
// (Options.MaxEntries): 262,144, about thirty times what the largest
// Fedora specs record (texlive-collection-fontsextra, 540 kB: 8,300),
// at about 200 bytes each (measured: tags, declarations, plan steps and
// macro definitions of a 1e5-patch spec) some 50 MB.
const DefaultMaxEntries = 1 << 18

func (o Options) maxEntries() int {
	if o.MaxEntries > 0 {
		return o.MaxEntries
	}
	return DefaultMaxEntries
}

func (o Options) maxSize() int64 {
	if o.MaxSize > 0 {
		return o.MaxSize
	}
	return DefaultMaxSize
}

// Spec is a parsed spec file. Text fields are macro-expanded for the
// target; line numbers are 1-based lines of the input (or of the
// %include'd file named by the File fields).
type Spec struct {
	// File is the name the spec was parsed as (Parse's name).
	File string
	// Target is the target the spec was read for (after preset defaults).
	Target Target

	// Name, Epoch, Version and Release of the main package, expanded
	// (Epoch is "" when the spec has none).
	Name, Epoch, Version, Release string

	// Tags lists every preamble tag rpm reads for the target (tags in
	// false %if branches are absent), in input order, of the main package
	// and of sub-packages.
	Tags []Tag
	// Sections lists every section header (%prep, %build, %package,
	// %description, %files, %changelog, ...) in input order, plus the
	// implicit main preamble as "preamble" at line 1.
	Sections []Section
	// Packages lists the main package first, then every %package.
	Packages []Package

	// Patches are the declared patches in declaration order (Patch tags
	// and %patchlist entries that are read for the target).
	Patches []PatchDecl
	// Sources are the declared sources in declaration order.
	Sources []SourceDecl

	// Plan is the patch application plan in application order.
	Plan []Apply
	// Unapplied are declared patches that nothing applies.
	Unapplied []PatchDecl
	// Undeclared are references to patches that no tag declares.
	Undeclared []Ref
	// Unresolved lists the opaque expansions (%(...) shell, %{lua:...},
	// unsupported constructs) met while reading, with file and line.
	Unresolved []Unresolved
	// Warnings are non-fatal problems rpm would warn about.
	Warnings []Warning

	raw    []byte
	macros *macroTable
	eng    *engine
}

// Bytes returns the input exactly as it was given to Parse.
func (s *Spec) Bytes() []byte { return s.raw }

// Tag is one preamble tag line such as `Release: 1%{?dist}`.
type Tag struct {
	// Name is the tag name as rpm knows it, in canonical case ("Release",
	// "Patch", "Source", "BuildRequires", ...), without number.
	Name string
	// Written is the tag name exactly as written, with its number
	// ("patch0", "Source12").
	Written string
	// Number is the number written after Patch/Source ("Patch12" → 12),
	// NoNumber when none.
	Number int
	// Qualifier is the text in parentheses after the name, if any
	// (`Requires(post):` → "post").
	Qualifier string
	// Value is the expanded value (trimmed).
	Value string
	// Raw is the line as written in the input (without line terminator;
	// continuation lines joined with "\n").
	Raw string
	// File and Line locate the tag (first physical line).
	File string
	Line int
	// Package is "" for the main package, else the sub-package's full name.
	Package string
	// Conds is the %if nesting the tag sits in, outermost first.
	Conds []Cond
}

// Cond is one level of conditional nesting around a line.
type Cond struct {
	// Directive is the %if/%ifarch/... line as written.
	Directive string
	// Line is the line of that directive.
	Line int
	// Branch is the %else/%elif/%elifarch line that opened the branch the
	// line is in, as written ("" in the first branch).
	Branch string
	// BranchLine is the line of Branch (0 in the first branch).
	BranchLine int
	// EndLine is the line of the matching %endif.
	EndLine int
}

// Section is one section of the spec.
type Section struct {
	// Name is the section keyword without % ("prep", "build", "package",
	// "description", "files", "changelog", "patchlist", ...), or
	// "preamble" for the main preamble that starts the file.
	Name string
	// Args is the rest of the header line, expanded ("-n foo" for
	// `%package -n foo`).
	Args string
	// Package is the sub-package the section belongs to ("" for main).
	Package string
	// File, Line: where the header is (Line 1 for the main preamble, even
	// when it starts with comments).
	File string
	Line int
	// EndLine is the last line of the section (the line before the next
	// section header, or the last line of the file).
	EndLine int
}

// Package is the main package or one %package sub-package.
type Package struct {
	// Name is the package's full name (for the main package: Name).
	Name string
	// Line is the line of the %package header (0 for the main package).
	Line int
}

// PatchDecl is one Patch (or Source) declaration.
type PatchDecl struct {
	// Number is the patch number after rpm's numbering rules for the
	// target's rpm version, or NoNumber.
	Number int
	// File is the file name: the basename of Value (of the URL path when
	// Value is a URL).
	File string
	// Value is the tag's value as expanded.
	Value string
	// FromList is true for entries of %patchlist / %sourcelist.
	FromList bool
	// File and line of the declaration.
	DeclFile string
	Line     int
	// Comment is the block of comment lines directly above the
	// declaration, with the leading '#' and one following space removed,
	// lines joined by "\n" ("" when none).
	Comment string
	// CommentLine is the first line of Comment (0 when none).
	CommentLine int
	// Condition is a readable form of the conditionals around the
	// declaration ("" when none), e.g. "%if 0%{?rhel} && %ifarch x86_64".
	Condition string
	// Conds is the same nesting, structured.
	Conds []Cond
	// Package is the sub-package whose preamble holds the tag ("" main).
	Package string
}

// SourceDecl is a Source declaration; it has the shape of PatchDecl.
type SourceDecl = PatchDecl

// Apply is one application of a patch, in the order rpm applies them.
type Apply struct {
	// Number is the patch number (NoNumber for a 4.14 numberless patch or
	// a reference by a path that no tag declares).
	Number int
	// File is the patch's file name.
	File string
	// Strip is the -p level (0 when none was given, like patch(1)).
	Strip int
	// Reverse is true for -R.
	Reverse bool
	// Fuzz is the -F fuzz factor (-1 when not given: rpm's default,
	// %_default_patch_fuzz, applies).
	Fuzz int
	// Options is the rest of the options as written (-b .x, -E, -z, -d DIR).
	Options []string
	// Section is the section the application is in ("prep", "check", ...).
	Section string
	// Form is how the patch is applied: "%patch", "%autosetup",
	// "%autopatch", "%apply_patch", "shell" (a %{PATCHn} path in a shell
	// line), "ApplyPatch" or "ApplyOptionalPatch" (kernel).
	Form string
	// SCM is the %autosetup -S backend ("patch", "git", "git_am", ...), "".
	SCM string
	// File and line of the applying line.
	ApplyFile string
	Line      int
	// Text is the applying line as expanded.
	Text string
	// FromSource is true when a Source (not a Patch) is applied as a patch
	// (`patch -p1 < %{SOURCE14}`); Number and File are then the source's.
	FromSource bool
}

// Ref is a reference to a patch that no declaration matches.
type Ref struct {
	Number  int    // NoNumber when the reference is by name
	Name    string // the name or path used, when not a number
	Section string // the section the reference is in ("prep", ...)
	Form    string // how it applies the patch, as in Apply.Form
	File    string // file of the referring line
	Line    int    // line of the referring line
	Text    string // the referring line as expanded
}

// Unresolved is an expansion that was not performed.
type Unresolved struct {
	// File and Line locate the expansion.
	File string
	Line int
	// Kind is "shell" for %(...), "lua" for %{lua:...} and Lua-only
	// built-ins (%{gsub:...}, lua: functions in expressions), "env" for
	// %{getenv:...}, "fs" for %{exists:...} and %{load:...}, and
	// "condition" for an %if that could not be read after such an
	// expansion and was taken as false.
	Kind string
	// Text is the macro call as written (possibly shortened).
	Text string
}

// Warning is a non-fatal problem.
type Warning struct {
	File string // file the problem is in
	Line int    // 1-based line of the problem
	Msg  string // what is wrong
}

// String formats the warning as "file:line: message".
func (w Warning) String() string { return fmt.Sprintf("%s:%d: %s", w.File, w.Line, w.Msg) }

// Expand expands text with the macros as they stand at the end of the
// spec (after all its %define/%global and tags), for the spec's target.
// Like Parse it never runs shell or Lua; opaque parts expand to nothing.
func (s *Spec) Expand(text string) (string, error) {
	if s.eng == nil {
		return text, nil
	}
	e := *s.eng
	// a private overlay: definitions made by text do not change the spec
	e.tab = &macroTable{m: maps.Clone(s.eng.tab.m), base: s.eng.tab.base}
	e.fatal = nil
	e.depth, e.level, e.inCall, e.frames, e.free = 0, 0, nil, nil, nil
	e.budget = 16 << 20
	e.onUnresolved, e.onWarning, e.onRef, e.onAutopatch = nil, nil, nil, nil
	return e.expand(text)
}

// Macro returns the body of the macro name as defined at the end of the
// spec (unexpanded), and whether it is defined. Built-ins report false.
func (s *Spec) Macro(name string) (string, bool) {
	if s.macros == nil {
		return "", false
	}
	me := s.macros.get(name)
	if me == nil || me.flags&mFunc != 0 {
		return "", false
	}
	return me.body, true
}

// Patch returns the declared patch with number n.
func (s *Spec) Patch(n int) (PatchDecl, bool) {
	for _, p := range s.Patches {
		if p.Number == n {
			return p, true
		}
	}
	return PatchDecl{}, false
}
