package patchset

import (
	"bytes"
	"context"
	"errors"
	"io"
	"runtime"
	"slices"
)

// maxWorkers bounds the scanning goroutines (and so the memory: about two
// segments of a few MiB each per worker).
const maxWorkers = 16

// defaultBlockSize is how much the parallel reader reads at a time; a
// segment is cut from about that much input.
const defaultBlockSize = 1 << 20

// parallelConfig are the knobs of a parallel run (small values in tests
// make cut points fall everywhere).
type parallelConfig struct {
	block   int // bytes read at a time
	workers int // scanning goroutines
	scanBuf int // each scanner's line buffer
}

// preState is the index object names a scanner keeps between patches.
type preState struct{ pre, post []byte }

type idPair struct{ id, commit [20]byte }

// segJob is one segment of the input: it starts with a line that starts a
// patch (or at the start of the input) and ends where the next one
// starts. A fixed number of jobs circulate, so memory stays bounded.
type segJob struct {
	data []byte
	err  error // read error after data (or after the stream)

	// A segment longer than the reader's limit is streamed: its data
	// comes in chunks over stream (each acknowledged on ack, as the
	// reader reuses its buffer) and its ids go out over out.
	stream chan []byte
	ack    chan struct{}
	out    chan idPair

	ids     []idPair
	done    chan struct{} // capacity 1: the worker is done with ids
	inherit chan preState // capacity 1: sent by the collector
	scanErr error
	ownPre  bool
	pre     []byte
	post    []byte
}

type parallelRun struct {
	cfg    parallelConfig
	maxSeg int
	free   chan *segJob
	work   chan *segJob
	order  chan *segJob
	stop   chan struct{}
}

// readBlock reads into b until it is full, the input ends or fails, or
// the reader makes no progress.
func readBlock(r io.Reader, b []byte) (int, error) {
	n := 0
	for zero := 0; n < len(b); {
		k, err := r.Read(b[n:])
		if k < 0 || k > len(b)-n {
			return n, errors.New("patchset: invalid Read count")
		}
		n += k
		if err != nil {
			return n, err
		}
		if k > 0 {
			zero = 0
		} else if zero++; zero >= 100 {
			return n, io.ErrNoProgress
		}
	}
	return n, nil
}

// errReader returns err after the data of its first reader.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func parallelPatchIDs(ctx context.Context, r io.Reader, mode PatchIDMode, fn func(id, commit [20]byte), cfg parallelConfig) error {
	first := make([]byte, cfg.block)
	n, err := readBlock(r, first)
	if err != nil {
		// A small input (or one that failed early): one scanner.
		var rd io.Reader = bytes.NewReader(first[:n])
		if err != io.EOF {
			rd = io.MultiReader(rd, errReader{err})
		}
		return scanIDs(ctx, newPatchIDScanner(rd, mode, min(n+1, cfg.scanBuf)), fn)
	}
	jobs := 2*cfg.workers + 2
	p := &parallelRun{
		cfg:    cfg,
		maxSeg: 4 * cfg.block,
		free:   make(chan *segJob, jobs),
		work:   make(chan *segJob, jobs),
		order:  make(chan *segJob, jobs),
		stop:   make(chan struct{}),
	}
	defer close(p.stop)
	for i := 0; i < jobs; i++ {
		p.free <- &segJob{
			done:    make(chan struct{}, 1),
			inherit: make(chan preState, 1),
		}
	}
	for i := 0; i < cfg.workers; i++ {
		go p.worker(newPatchIDScanner(nil, mode, cfg.scanBuf))
	}
	go p.reader(r, first)
	return p.collect(ctx, fn)
}

// collect calls fn with the ids of the segments in input order and gives
// each segment the index object names left by those before it.
func (p *parallelRun) collect(ctx context.Context, fn func(id, commit [20]byte)) error {
	var cur preState
	for j := range p.order {
		if err := ctx.Err(); err != nil {
			return err
		}
		j.inherit <- cur
		if j.out != nil {
			for id := range j.out {
				if err := ctx.Err(); err != nil {
					return err
				}
				fn(id.id, id.commit)
			}
		} else {
			<-j.done
			for _, id := range j.ids {
				if err := ctx.Err(); err != nil {
					return err
				}
				fn(id.id, id.commit)
			}
		}
		if j.scanErr != nil {
			return j.scanErr
		}
		if j.ownPre {
			cur.pre = append(cur.pre[:0], j.pre...)
			cur.post = append(cur.post[:0], j.post...)
		}
		select {
		case <-j.inherit: // not needed by the segment
		default:
		}
		j.data, j.err, j.ids, j.scanErr = j.data[:0], nil, j.ids[:0], nil
		j.stream, j.ack, j.out = nil, nil, nil
		p.free <- j
	}
	return ctx.Err()
}

// worker scans segments with its own scanner.
func (p *parallelRun) worker(s *PatchIDScanner) {
	for {
		var j *segJob
		select {
		case j = <-p.work:
		case <-p.stop:
			return
		}
		if j == nil {
			return
		}
		if j.stream != nil {
			s.restart(&chanReader{j: j, stop: p.stop}, j.inherit, p.stop)
		} else {
			s.restartWhole(j, p.stop)
		}
		for s.Scan() {
			if j.out != nil {
				select {
				case j.out <- idPair{s.ID(), s.Commit()}:
				case <-p.stop:
					return
				}
			} else {
				j.ids = append(j.ids, idPair{s.ID(), s.Commit()})
			}
		}
		j.scanErr = s.Err()
		j.ownPre = s.ownPre
		if s.ownPre {
			j.pre = append(j.pre[:0], s.pre...)
			j.post = append(j.post[:0], s.post...)
		}
		s.rd, s.inherit, s.whole, s.buf = nil, nil, nil, s.own
		if j.out != nil {
			close(j.out)
		} else {
			j.done <- struct{}{}
		}
	}
}

// leaveWhole reads the rest of the segment scanned in place through the
// line buffer.
func (s *PatchIDScanner) leaveWhole() {
	j := s.whole
	s.whole = nil
	s.br.Reset(s.buf[s.r:s.w])
	s.rd = &s.br
	if j.err != nil {
		s.rd = io.MultiReader(&s.br, errReader{j.err})
	}
	s.buf = s.own
	s.r, s.w, s.searched = 0, 0, 0
	s.nul = -1
}

// restartWhole prepares the scanner for the segment j.data, scanned in
// place, in the state of a new scanner.
func (s *PatchIDScanner) restartWhole(j *segJob, stop <-chan struct{}) {
	s.restart(nil, j.inherit, stop)
	s.whole = j
	s.buf = j.data
	s.w, s.searched = len(j.data), len(j.data)
	s.nul = bytes.IndexByte(j.data, 0)
}

// restart prepares the scanner for a new segment read from r, in the
// state of a new scanner.
func (s *PatchIDScanner) restart(r io.Reader, inherit <-chan preState, stop <-chan struct{}) {
	s.rd = r
	s.buf, s.whole = s.own, nil
	s.r, s.w, s.searched = 0, 0, 0
	s.rerr, s.err = nil, nil
	s.nul = -1
	s.eof = false
	s.rest = restDrop
	s.commit = [20]byte{}
	s.pre, s.post = s.pre[:0], s.post[:0]
	s.h.Reset()
	s.stage = s.stage[:0]
	s.inherit, s.stop, s.ownPre = inherit, stop, false
	s.reset()
}

// inheritPre waits for the index object names the segments before this
// one left.
func (s *PatchIDScanner) inheritPre() {
	select {
	case st := <-s.inherit:
		s.pre = append(s.pre[:0], st.pre...)
		s.post = append(s.post[:0], st.post...)
	case <-s.stop:
		runtime.Goexit()
	}
	s.inherit = nil
}

// chanReader reads a streamed segment.
type chanReader struct {
	j       *segJob
	cur     []byte
	pending bool // cur's chunk is not acknowledged yet
	stop    <-chan struct{}
}

func (c *chanReader) Read(b []byte) (int, error) {
	for len(c.cur) == 0 {
		if c.pending {
			c.pending = false
			select {
			case c.j.ack <- struct{}{}:
			case <-c.stop:
				runtime.Goexit()
			}
		}
		select {
		case chunk, ok := <-c.j.stream:
			if !ok {
				if c.j.err != nil {
					return 0, c.j.err
				}
				return 0, io.EOF
			}
			c.cur, c.pending = chunk, true
		case <-c.stop:
			runtime.Goexit()
		}
	}
	n := copy(b, c.cur)
	c.cur = c.cur[n:]
	return n, nil
}

// startsPatch reports whether the line at data[i:] starts a new patch in
// git (40 hex digits, optionally after "commit " or "From ", before any
// NUL) and whether that is decided by the bytes at hand.
func startsPatch(data []byte, i int, eof bool) (yes, decided bool) {
	line := data[i:]
	decided = eof || len(line) >= 47
	if len(line) > 47 {
		line = line[:47]
	}
	if k := bytes.IndexByte(line, '\n'); k >= 0 {
		line, decided = line[:k], true
	}
	if k := bytes.IndexByte(line, 0); k >= 0 {
		line, decided = line[:k], true
	}
	if !decided {
		return false, false
	}
	switch {
	case bytes.HasPrefix(line, []byte("commit ")):
		line = line[7:]
	case bytes.HasPrefix(line, []byte("From ")):
		line = line[5:]
	}
	var oid [20]byte
	return oidHex(line, &oid), true
}

// lastCut returns the start of the last line at or after from that starts
// a patch, or -1, and where to look again once more data is appended.
func lastCut(data []byte, from int) (cut, next int) {
	next = max(from, bytes.LastIndexByte(data, '\n')+1)
	end := len(data)
	for {
		i := bytes.LastIndexByte(data[:end], '\n')
		ls := i + 1
		if ls < from || i < 0 {
			return -1, next
		}
		if yes, _ := startsPatch(data, ls, false); yes {
			return ls, next
		}
		end = i
	}
}

func (p *parallelRun) getJob() *segJob {
	select {
	case j := <-p.free:
		return j
	case <-p.stop:
		runtime.Goexit()
	}
	return nil
}

func (p *parallelRun) send(j *segJob) {
	select {
	case p.order <- j:
	case <-p.stop:
		runtime.Goexit()
	}
	select {
	case p.work <- j:
	case <-p.stop:
		runtime.Goexit()
	}
}

// grow reads the next block onto j.data.
func (p *parallelRun) grow(r io.Reader, buf []byte) ([]byte, error) {
	buf = slices.Grow(buf, p.cfg.block)
	n, err := readBlock(r, buf[len(buf):len(buf)+p.cfg.block])
	return buf[:len(buf)+n], err
}

// reader cuts the input into segments.
func (p *parallelRun) reader(r io.Reader, first []byte) {
	defer close(p.work)
	defer close(p.order)
	j := p.getJob()
	j.data = first
	from := 1 // line starts before from do not start a patch
	for {
		cut, next := lastCut(j.data, from)
		if cut > 0 {
			nj := p.getJob()
			nj.data = append(nj.data[:0], j.data[cut:]...)
			j.data = j.data[:cut]
			p.send(j)
			j, from = nj, 1
		} else if from = next; len(j.data) >= p.maxSeg {
			if j = p.streamSegment(r, j, from); j == nil {
				return
			}
			from = 1
		}
		var err error
		j.data, err = p.grow(r, j.data)
		if err != nil {
			if err != io.EOF {
				j.err = err
			}
			p.send(j)
			return
		}
	}
}

// streamSegment hands a long segment to a worker piece by piece until the
// next line that starts a patch; it returns a job holding the rest read so
// far, or nil at the end of the input. Line starts in j.data before from
// do not start a patch.
func (p *parallelRun) streamSegment(r io.Reader, j *segJob, from int) *segJob {
	j.stream = make(chan []byte)
	j.ack = make(chan struct{})
	j.out = make(chan idPair, 64)
	stream, ack := j.stream, j.ack
	p.send(j)
	push := func(b []byte) {
		if len(b) == 0 {
			return
		}
		select {
		case stream <- b:
		case <-p.stop:
			runtime.Goexit()
		}
		select {
		case <-ack:
		case <-p.stop:
			runtime.Goexit()
		}
	}
	// j.data is no longer j's: the worker reads the stream and the
	// collector waits for the stream's end before it reuses j.
	buf := j.data
	if bytes.IndexByte(buf, '\n') < 0 {
		from = -1 // the next line start is after the next newline
	}
	for {
		// Find the first line start at or after from that starts a
		// patch or cannot be decided yet.
		ls := from
		if ls < 0 {
			ls = bytes.IndexByte(buf, '\n') + 1
			if ls == 0 {
				ls = -1
			}
		}
		for ls >= 0 {
			yes, decided := startsPatch(buf, ls, false)
			if yes || !decided {
				break
			}
			k := bytes.IndexByte(buf[ls:], '\n')
			if k < 0 {
				ls = -1
				break
			}
			ls += k + 1
		}
		if ls >= 0 {
			if yes, _ := startsPatch(buf, ls, false); yes {
				push(buf[:ls])
				nj := p.getJob()
				nj.data = append(nj.data[:0], buf[ls:]...)
				close(stream)
				return nj
			}
			push(buf[:ls])
			buf = append(buf[:0], buf[ls:]...)
			from = 0
		} else {
			push(buf)
			buf, from = buf[:0], -1
		}
		var err error
		buf, err = p.grow(r, buf)
		if err != nil {
			push(buf)
			if err != io.EOF {
				j.err = err
			}
			close(stream)
			return nil
		}
	}
}
