package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/patchtrace/patchtrace/progress"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progressView shows the advance of a trace on stderr: a bar per stage on a
// terminal (schollz/progressbar), plain lines otherwise (a line when a
// stage starts, then at most one every plainEvery, and one when it ends).
type progressView struct {
	w     io.Writer
	tty   bool
	key   string // stage and detail being shown
	bar   *progressbar.ProgressBar
	last  time.Time
	done  int64
	total int64
}

// plainEvery spaces the plain progress lines of one stage.
const plainEvery = 2 * time.Second

func newProgress(w io.Writer) *progressView {
	p := &progressView{w: w}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
	}
	return p
}

// report is the provenance.Options.Progress callback.
func (p *progressView) report(r progress.Report) {
	key := r.Stage
	if r.Detail != "" {
		key += " " + r.Detail
	}
	if key != p.key {
		p.finish()
		if r.Stage == "done" {
			return
		}
		p.key, p.total, p.last = key, r.Total, time.Now()
		if p.tty {
			max := r.Total
			if max <= 0 {
				max = -1 // a spinner
			}
			p.bar = progressbar.NewOptions64(max, progressbar.OptionSetWriter(p.w), progressbar.OptionSetDescription(key),
				progressbar.OptionShowCount(), progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionSetElapsedTime(true), progressbar.OptionClearOnFinish())
		} else {
			fmt.Fprintf(p.w, "trace: %s\n", p.line(r))
		}
	}
	p.done = r.Done
	if r.Total != p.total && r.Total > 0 {
		p.total = r.Total
		if p.bar != nil {
			p.bar.ChangeMax64(r.Total)
		}
	}
	if p.bar != nil {
		p.bar.Set64(r.Done)
		return
	}
	if time.Since(p.last) >= plainEvery {
		p.last = time.Now()
		fmt.Fprintf(p.w, "trace: %s\n", p.line(r))
	}
}

// line renders one plain progress line.
func (p *progressView) line(r progress.Report) string {
	switch {
	case r.Total > 0:
		return fmt.Sprintf("%s %d/%d", p.key, r.Done, r.Total)
	case r.Done > 0:
		return fmt.Sprintf("%s %d", p.key, r.Done)
	}
	return p.key
}

// finish ends the stage being shown.
func (p *progressView) finish() {
	if p.key == "" {
		return
	}
	if p.bar != nil {
		p.bar.Finish()
		p.bar = nil
	} else if p.done > 0 {
		fmt.Fprintf(p.w, "trace: %s\n", p.line(progress.Report{Done: p.done, Total: p.total}))
	}
	p.key = ""
}
