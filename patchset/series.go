package patchset

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/patchtrace/patchtrace/input"
)

// SeriesEntry is one patch of a quilt series file.
type SeriesEntry struct {
	// Name is the patch file name, relative to the patches directory.
	Name string
	// Strip is the -pN level; quilt's default is 1.
	Strip int
	// Reverse is set by -R.
	Reverse bool
	// Options are all options as written (for example "-p0", "-R",
	// "--fuzz=0").
	Options []string
	// Comment is the text of a trailing "# comment", without the "#".
	Comment string
	// Line is the 1-based line of the entry.
	Line int
}

// ParseSeries reads a quilt series file: one patch per line, optionally
// followed by options such as -p0 or -R, with "#" starting a comment and
// blank lines ignored. name is used in error messages. An unusable -p value
// is an error that carries name:line.
func ParseSeries(name string, r io.Reader) ([]SeriesEntry, error) {
	if name == "" {
		name = "series"
	}
	var out []SeriesEntry
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	ln := 0
	for sc.Scan() {
		ln++
		line := strings.TrimRight(sc.Text(), "\r")
		comment := ""
		// quilt treats "#" as a comment at the start of a line or after
		// white space.
		if i := commentStart(line); i >= 0 {
			comment = strings.TrimSpace(line[i+1:])
			line = line[:i]
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		e := SeriesEntry{Name: fields[0], Strip: 1, Comment: comment, Line: ln}
		for k := 1; k < len(fields); k++ {
			opt := fields[k]
			e.Options = append(e.Options, opt)
			switch {
			case opt == "-R" || opt == "--reverse":
				e.Reverse = true
			case opt == "-p":
				if k+1 >= len(fields) {
					return nil, &input.Error{Pos: input.Position{File: name, Line: ln}, Err: fmt.Errorf("-p without a number")}
				}
				k++
				e.Options = append(e.Options, fields[k])
				n, err := strconv.Atoi(fields[k])
				if err != nil || n < 0 {
					return nil, &input.Error{Pos: input.Position{File: name, Line: ln}, Err: fmt.Errorf("bad strip level %q", fields[k])}
				}
				e.Strip = n
			case strings.HasPrefix(opt, "-p") || strings.HasPrefix(opt, "--strip="):
				v := strings.TrimPrefix(strings.TrimPrefix(opt, "--strip="), "-p")
				n, err := strconv.Atoi(v)
				if err != nil || n < 0 {
					return nil, &input.Error{Pos: input.Position{File: name, Line: ln}, Err: fmt.Errorf("bad strip level %q", opt)}
				}
				e.Strip = n
			}
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, &input.Error{Pos: input.Position{File: name, Line: ln + 1}, Err: err}
	}
	return out, nil
}

func commentStart(line string) int {
	for i := 0; i < len(line); i++ {
		if line[i] == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
			return i
		}
	}
	return -1
}
