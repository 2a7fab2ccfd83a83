package tree

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/patchtrace/patchtrace/patchset"
	"github.com/sergi/go-diff/diffmatchpatch"
)

// DiffOptions tune [Diff]. The zero value is usable.
type DiffOptions struct {
	// Context is the number of unchanged lines around each hunk (git's
	// -U); 0 means 3, a negative value none.
	Context int
	// Timeout bounds the line diff of one file (sergi/go-diff's
	// DiffTimeout); past it the diff is correct but coarser (reported in
	// Result.Coarse). 0 means 30s: far above what real files take, so
	// that results do not depend on the machine.
	Timeout time.Duration
	// Workers bounds parallel file diffs (0: GOMAXPROCS).
	Workers int
	// AllowUnrelated compares trees that share almost no file (by
	// default ErrUnrelated: a wrong base would attribute everything).
	AllowUnrelated bool
	// KeepCR compares lines with their carriage return. By default a CR
	// at the end of a line is ignored, like git diff --ignore-cr-at-eol:
	// git archive converts line endings by .gitattributes, so a tag and
	// its tarball differ in CRs only; such files are listed in
	// Result.LineEndings, not in Files.
	KeepCR bool
}

// ErrUnrelated is returned (wrapped) by Diff when the base and the target
// share too few files to be two versions of one tree.
var ErrUnrelated = errors.New("base and target are unrelated trees")

// Result is diff(base, target) file by file.
type Result struct {
	// Base and Target are the trees' names.
	Base, Target string
	// Files are the changed files sorted by path, as patchset's model: a/
	// and b/ prefixed names, /dev/null for an added or deleted side,
	// hunks with target (new) line numbers and Context lines of context.
	// A binary file has no hunks, IsBinary set and an index header line
	// with both blob ids; an identical file renamed has IsRename and no
	// hunks. Feed it to patchset.ChangesFromPatch (strip 1) for
	// fingerprints.
	Files []*patchset.File
	// Unchanged counts the files skipped because their blob ids are the
	// same on both sides.
	Unchanged int
	// BaseFiles and TargetFiles count the entries of each tree.
	BaseFiles, TargetFiles int
	// Coarse names the files whose line diff hit Timeout.
	Coarse []string
	// LineEndings names the files that differ only by carriage returns at
	// the end of lines (see DiffOptions.KeepCR).
	LineEndings []string
}

// Patch returns the result as one patch, for patchset.ChangesFromPatch.
func (r *Result) Patch() *patchset.Patch {
	return &patchset.Patch{Name: r.Base + ".." + r.Target, Files: r.Files}
}

// Lines returns the changed lines of the result: added plus removed.
func (r *Result) Lines() int {
	n := 0
	for _, f := range r.Files {
		for _, h := range f.Hunks {
			for _, l := range h.Lines {
				if l.Op != ' ' {
					n++
				}
			}
		}
	}
	return n
}

// Diff compares the trees base and target. Files whose blob ids are equal
// are skipped unread; an added, deleted or changed file is read from both
// sides and compared line by line (Myers' diff, sergi/go-diff's line
// mode); a deleted file whose exact content was added elsewhere is a
// rename. A link compares as a one-line file holding its target.
//
// When fewer than a tenth of the target's paths exist in the base, or no
// file is identical and fewer than half are shared, Diff fails with
// ErrUnrelated naming both trees, unless opts.AllowUnrelated.
func Diff(ctx context.Context, base, target Tree, opts DiffOptions) (*Result, error) {
	if opts.Context == 0 {
		opts.Context = 3
	}
	if opts.Context < 0 {
		opts.Context = 0
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	be, err := base.Entries(ctx)
	if err != nil {
		return nil, err
	}
	te, err := target.Entries(ctx)
	if err != nil {
		return nil, err
	}
	res := &Result{Base: base.Name(), Target: target.Name(), BaseFiles: len(be), TargetFiles: len(te)}

	// Pair entries by path; equal ids are skipped.
	type pair struct {
		old, new *Entry
	}
	var pairs []pair
	common := 0
	i, j := 0, 0
	for i < len(be) || j < len(te) {
		switch {
		case j == len(te) || i < len(be) && be[i].Path < te[j].Path:
			pairs = append(pairs, pair{old: &be[i]})
			i++
		case i == len(be) || te[j].Path < be[i].Path:
			pairs = append(pairs, pair{new: &te[j]})
			j++
		default:
			common++
			if be[i].ID == te[j].ID && be[i].Mode == te[j].Mode {
				res.Unchanged++
			} else {
				pairs = append(pairs, pair{old: &be[i], new: &te[j]})
			}
			i++
			j++
		}
	}
	if !opts.AllowUnrelated && len(te) > 0 && (common*10 < len(te) || res.Unchanged == 0 && common*2 < len(te)) {
		return nil, fmt.Errorf("%w: base %s and target %s share %d of the target's %d paths, %d of them identical",
			ErrUnrelated, base.Name(), target.Name(), common, len(te), res.Unchanged)
	}

	// Exact renames: a deleted file whose blob was added elsewhere.
	added := map[[20]byte][]int{}
	for k, p := range pairs {
		if p.old == nil && !p.new.IsLink() {
			added[p.new.ID] = append(added[p.new.ID], k)
		}
	}
	renamed := map[int]bool{}
	var files []*patchset.File
	for k, p := range pairs {
		if p.new != nil || p.old.IsLink() {
			continue
		}
		if ks := added[p.old.ID]; len(ks) > 0 {
			n := pairs[ks[0]].new
			added[p.old.ID] = ks[1:]
			renamed[k], renamed[ks[0]] = true, true
			files = append(files, renameFile(p.old, n))
		}
	}

	// Content of both sides, then line diffs in parallel.
	var oldPaths, newPaths []string
	for k, p := range pairs {
		if renamed[k] {
			continue
		}
		if p.old != nil && !p.old.IsLink() {
			oldPaths = append(oldPaths, p.old.Path)
		}
		if p.new != nil && !p.new.IsLink() {
			newPaths = append(newPaths, p.new.Path)
		}
	}
	oldData := map[string][]byte{}
	if err := base.Read(ctx, oldPaths, func(p string, d []byte) error {
		oldData[p] = d
		return nil
	}); err != nil {
		return nil, err
	}
	byNew := map[string]int{}
	for k, p := range pairs {
		if p.new != nil {
			byNew[p.new.Path] = k
		}
	}
	var mu sync.Mutex
	jobs := make(chan func() *patchset.File, opts.Workers)
	var wg sync.WaitGroup
	for range opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range jobs {
				if f := job(); f != nil {
					mu.Lock()
					files = append(files, f)
					mu.Unlock()
				}
			}
		}()
	}
	note := func(list *[]string, p string) {
		mu.Lock()
		*list = append(*list, p)
		mu.Unlock()
	}
	submit := func(p pair, od, nd []byte) {
		jobs <- func() *patchset.File {
			f := diffFile(p.old, p.new, od, nd, opts, func(path string) { note(&res.Coarse, path) })
			if f != nil && len(f.Hunks) == 0 && !f.IsBinary && !f.IsNew && !f.IsDelete && f.OldMode == f.NewMode {
				note(&res.LineEndings, f.Path(1))
				return nil
			}
			return f
		}
	}
	readErr := target.Read(ctx, newPaths, func(path string, nd []byte) error {
		p := pairs[byNew[path]]
		var od []byte
		if p.old != nil && !p.old.IsLink() {
			od = oldData[p.old.Path]
			delete(oldData, p.old.Path)
		} else if p.old != nil {
			od = []byte(p.old.Link)
		}
		submit(p, od, nd)
		return nil
	})
	if readErr == nil {
		// Deletions, links on the new side, and files whose new side is a link.
		for k, p := range pairs {
			if renamed[k] {
				continue
			}
			switch {
			case p.new == nil:
				od := []byte(p.old.Link)
				if !p.old.IsLink() {
					od = oldData[p.old.Path]
				}
				submit(p, od, nil)
			case p.new.IsLink():
				var od []byte
				if p.old != nil {
					od = []byte(p.old.Link)
					if !p.old.IsLink() {
						od = oldData[p.old.Path]
					}
				}
				submit(p, od, []byte(p.new.Link))
			}
		}
	}
	close(jobs)
	wg.Wait()
	if readErr != nil {
		return nil, readErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(files, func(a, b *patchset.File) int { return strings.Compare(a.Path(1), b.Path(1)) })
	slices.Sort(res.Coarse)
	slices.Sort(res.LineEndings)
	res.Files = files
	return res, nil
}

// gitMode is the mode git writes for an entry.
func gitMode(e *Entry) uint32 {
	switch {
	case e.IsLink():
		return 0o120000
	case e.Mode&0o111 != 0:
		return 0o100755
	}
	return 0o100644
}

func shortID(id [20]byte) string { return hex.EncodeToString(id[:])[:12] }

func renameFile(old, new *Entry) *patchset.File {
	return &patchset.File{OldName: "a/" + old.Path, NewName: "b/" + new.Path, IsRename: true,
		OldMode: gitMode(old), NewMode: gitMode(new),
		Header: []string{"diff --git a/" + old.Path + " b/" + new.Path, "similarity index 100%",
			"rename from " + old.Path, "rename to " + new.Path}}
}

// diffFile compares one file's two sides (nil: absent).
func diffFile(old, new *Entry, od, nd []byte, opts DiffOptions, coarse func(string)) *patchset.File {
	f := &patchset.File{OldName: "/dev/null", NewName: "/dev/null"}
	var p string
	if old != nil {
		f.OldName, f.OldMode, p = "a/"+old.Path, gitMode(old), old.Path
	} else {
		f.IsNew = true
	}
	if new != nil {
		f.NewName, f.NewMode, p = "b/"+new.Path, gitMode(new), new.Path
	} else {
		f.IsDelete = true
	}
	var oid, nid [20]byte
	if old != nil {
		oid = old.ID
	}
	if new != nil {
		nid = new.ID
	}
	f.Header = []string{"diff --git a/" + p + " b/" + p, "index " + shortID(oid) + ".." + shortID(nid)}
	if isBinary(od) || isBinary(nd) {
		f.IsBinary = true
		return f
	}
	start := time.Now()
	f.Hunks = lineHunks(od, nd, opts)
	if time.Since(start) >= opts.Timeout {
		coarse(p)
	}
	return f
}

// isBinary reports whether data looks binary (a NUL in its first 8000
// bytes), as git decides.
func isBinary(data []byte) bool {
	return bytes.IndexByte(data[:min(len(data), 8000)], 0) >= 0
}

// splitLines splits data into lines without their "\n" (a CR before it
// stays, so that WriteTo reproduces the file exactly; fingerprints ignore
// it); noEOL reports a last line without one.
func splitLines(data []byte) (lines []string, noEOL bool) {
	s := string(data)
	for len(s) > 0 {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			return append(lines, s), true
		}
		lines = append(lines, s[:i])
		s = s[i+1:]
	}
	return lines, false
}

// maxDiffLines bounds the lines go-diff's line mode may map to runes
// (about 1.1 million distinct values); longer files are diffed as one
// replaced region.
const maxDiffLines = 1 << 20

// edit is one run of an edit script: n lines kept, deleted or inserted.
type edit struct {
	op byte // ' ', '-', '+'
	n  int
}

// lineEdits returns the edit script turning a into b (lines compared
// without a CR at their end unless opts.KeepCR).
func lineEdits(a, b []byte, opts DiffOptions) []edit {
	if len(a)+len(b) == 0 {
		return nil
	}
	na, nb := bytes.Count(a, []byte("\n"))+1, bytes.Count(b, []byte("\n"))+1
	if na+nb > maxDiffLines {
		return []edit{{'-', countLines(a)}, {'+', countLines(b)}}
	}
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = opts.Timeout
	sa, sb := string(a), string(b)
	if !opts.KeepCR {
		sa, sb = strings.ReplaceAll(sa, "\r\n", "\n"), strings.ReplaceAll(sb, "\r\n", "\n")
	}
	ra, rb, _ := dmp.DiffLinesToRunes(sa, sb)
	var out []edit
	for _, d := range dmp.DiffMainRunes(ra, rb, false) {
		n := len([]rune(d.Text))
		op := byte(' ')
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			op = '-'
		case diffmatchpatch.DiffInsert:
			op = '+'
		}
		if n > 0 {
			out = append(out, edit{op, n})
		}
	}
	return out
}

func countLines(data []byte) int {
	n := bytes.Count(data, []byte("\n"))
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return n
}

// lineHunks turns the line diff of od and nd into unified-diff hunks with
// opts.Context lines of context.
func lineHunks(od, nd []byte, opts DiffOptions) []*patchset.Hunk {
	a, aNoEOL := splitLines(od)
	b, bNoEOL := splitLines(nd)
	edits := lineEdits(od, nd, opts)
	// Flatten into ops with their line indices.
	type op struct {
		op   byte
		i, j int // index in a (for ' ' and '-'), in b (for ' ' and '+')
	}
	var ops []op
	i, j := 0, 0
	for _, e := range edits {
		for range e.n {
			switch e.op {
			case ' ':
				ops = append(ops, op{' ', i, j})
				i++
				j++
			case '-':
				ops = append(ops, op{'-', i, j})
				i++
			case '+':
				ops = append(ops, op{'+', i, j})
				j++
			}
		}
	}
	var hunks []*patchset.Hunk
	ctx := opts.Context
	for k := 0; k < len(ops); {
		if ops[k].op == ' ' {
			k++
			continue
		}
		// A hunk: from ctx lines before the change to ctx lines after the
		// last change that is at most 2*ctx unchanged lines from the next.
		s := max(0, k-ctx)
		e := k
		for {
			for e < len(ops) && ops[e].op != ' ' {
				e++
			}
			run := 0
			for e+run < len(ops) && ops[e+run].op == ' ' {
				run++
			}
			if e+run < len(ops) && run <= 2*ctx {
				e += run
				continue
			}
			e += min(run, ctx)
			break
		}
		h := &patchset.Hunk{OldStart: ops[s].i + 1, NewStart: ops[s].j + 1}
		for _, o := range ops[s:e] {
			var l patchset.Line
			switch o.op {
			case ' ':
				l = patchset.Line{Op: ' ', Text: b[o.j], NoNewline: bNoEOL && o.j == len(b)-1}
				h.OldLines++
				h.NewLines++
			case '-':
				l = patchset.Line{Op: '-', Text: a[o.i], NoNewline: aNoEOL && o.i == len(a)-1}
				h.OldLines++
			case '+':
				l = patchset.Line{Op: '+', Text: b[o.j], NoNewline: bNoEOL && o.j == len(b)-1}
				h.NewLines++
			}
			h.Lines = append(h.Lines, l)
		}
		// git numbers an empty side from the line before it.
		if h.OldLines == 0 {
			h.OldStart--
		}
		if h.NewLines == 0 {
			h.NewStart--
		}
		hunks = append(hunks, h)
		k = e
	}
	return hunks
}
