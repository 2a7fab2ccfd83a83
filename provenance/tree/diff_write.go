package tree

import (
	"bufio"
	"fmt"
	"io"
	"strconv"

	"github.com/patchtrace/patchtrace/patchset"
)

// WriteTo writes the result as a git-style unified diff (git apply reads
// it back; binary files are named, not carried) and returns the bytes
// written.
func (r *Result) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: bufio.NewWriter(w)}
	for _, f := range r.Files {
		writeFile(cw, f)
	}
	if cw.err == nil {
		cw.err = cw.w.(*bufio.Writer).Flush()
	}
	return cw.n, cw.err
}

type countWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countWriter) print(parts ...string) {
	for _, s := range parts {
		if c.err != nil {
			return
		}
		n, err := io.WriteString(c.w, s)
		c.n += int64(n)
		c.err = err
	}
}

func writeFile(w *countWriter, f *patchset.File) {
	w.print(f.Header[0], "\n")
	switch {
	case f.IsNew:
		w.print("new file mode ", strconv.FormatUint(uint64(f.NewMode), 8), "\n")
	case f.IsDelete:
		w.print("deleted file mode ", strconv.FormatUint(uint64(f.OldMode), 8), "\n")
	case f.OldMode != f.NewMode:
		w.print("old mode ", strconv.FormatUint(uint64(f.OldMode), 8), "\n", "new mode ", strconv.FormatUint(uint64(f.NewMode), 8), "\n")
	}
	for _, h := range f.Header[1:] {
		w.print(h, "\n")
	}
	if f.IsBinary {
		w.print("Binary files ", f.OldName, " and ", f.NewName, " differ\n")
		return
	}
	if len(f.Hunks) == 0 {
		return
	}
	w.print("--- ", f.OldName, "\n", "+++ ", f.NewName, "\n")
	for _, h := range f.Hunks {
		w.print(fmt.Sprintf("@@ -%s +%s @@\n", hunkRange(h.OldStart, h.OldLines), hunkRange(h.NewStart, h.NewLines)))
		for _, l := range h.Lines {
			w.print(string(l.Op), l.Text, "\n")
			if l.NoNewline {
				w.print("\\ No newline at end of file\n")
			}
		}
	}
}

func hunkRange(start, n int) string {
	if n == 1 {
		return strconv.Itoa(start)
	}
	return strconv.Itoa(start) + "," + strconv.Itoa(n)
}
