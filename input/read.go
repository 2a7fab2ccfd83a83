package input

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
)

// ReadFile reads the regular file name of fsys, refusing it before
// reading anything when it is larger than max bytes (the error wraps
// ErrTooLarge) or not a regular file (ErrNotRegular). The size is taken
// from fs.Stat first (so that a FIFO is never opened when fsys implements
// fs.StatFS, as Root and os.DirFS do) and checked again on the opened
// file; a file that grows past max while it is read is refused too. The
// buffer is allocated once, at the file's size.
func ReadFile(fsys fs.FS, name string, max int64) ([]byte, error) {
	fi, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, err
	}
	if err := checkRegular(name, fi, max); err != nil {
		return nil, err
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, err
	}
	if err := checkRegular(name, fi, max); err != nil {
		return nil, err
	}
	data, err := ReadSized(f, fi.Size(), max)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return data, nil
}

func checkRegular(name string, fi fs.FileInfo, max int64) error {
	if !fi.Mode().IsRegular() {
		return &fs.PathError{Op: "read", Path: name, Err: fmt.Errorf("%w (%s)", ErrNotRegular, Kind(fi.Mode()))}
	}
	if fi.Size() > max {
		return &fs.PathError{Op: "read", Path: name, Err: fmt.Errorf("%w: %d bytes (cap %d)", ErrTooLarge, fi.Size(), max)}
	}
	return nil
}

// ReadSized reads r, whose size is expected to be size bytes (or unknown
// when size < 0), and at most max bytes: the buffer is allocated once at
// min(size, max) and grows only when r holds more than size says. More
// than max bytes is an error wrapping ErrTooLarge, reported after reading
// max+1 bytes at most.
func ReadSized(r io.Reader, size, max int64) ([]byte, error) {
	if size < 0 {
		size = min(max, 64<<10)
	}
	buf := make([]byte, min(size, max))
	n, err := io.ReadFull(r, buf)
	buf = buf[:n]
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return buf, nil
	case err != nil:
		return buf, err
	}
	// r may hold more than size said: read on, within max+1.
	rest, err := io.ReadAll(io.LimitReader(r, max-int64(n)+1))
	if err != nil {
		return nil, err
	}
	if int64(n+len(rest)) > max {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, max)
	}
	if len(rest) == 0 {
		return buf, nil
	}
	return append(buf, rest...), nil
}

// ReadAll reads r to its end, at most max bytes; more is an error
// wrapping ErrTooLarge, reported after reading max+1 bytes at most.
func ReadAll(r io.Reader, max int64) ([]byte, error) { return ReadSized(r, -1, max) }

// CapReader returns a reader of r that fails with an error wrapping
// ErrTooLarge once r yields more than max bytes; what names the input in
// that error. Use it around any stream whose length is not known before
// reading: a decompressor, a hash of a file.
func CapReader(r io.Reader, max int64, what string) io.Reader {
	return &capReader{r: r, left: max, max: max, what: what}
}

type capReader struct {
	r         io.Reader
	left, max int64
	what      string
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left < 0 {
		return 0, c.err()
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return n - 1, c.err()
	}
	return n, err
}

func (c *capReader) err() error {
	return fmt.Errorf("%w: %s exceeds %d bytes", ErrTooLarge, c.what, c.max)
}
