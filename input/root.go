package input

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ErrNotRegular is wrapped by the error for a file that is not a regular
// file (a FIFO, socket or device) where one was expected: such files are
// refused, never opened for reading, so that a FIFO cannot block a reader.
var ErrNotRegular = errors.New("not a regular file")

// Root is a directory opened for reading untrusted input. It is an
// fs.FS (with fs.StatFS and fs.ReadDirFS) whose names cannot leave the
// directory: it is an os.Root, so ".." and symbolic links that lead out
// of the directory are refused, whatever they point to. Open returns only
// regular files and directories: a name that is a FIFO, socket or device
// is refused with an error wrapping ErrNotRegular, without blocking (the
// kind is checked before opening, and again on the open descriptor, which
// is opened non-blocking).
//
// Root does not cap reads: read files with ReadFile, or wrap them with
// CapReader.
type Root struct {
	r *os.Root
}

var (
	_ fs.StatFS     = (*Root)(nil)
	_ fs.ReadDirFS  = (*Root)(nil)
	_ fs.ReadLinkFS = (*Root)(nil)
)

// OpenRoot opens the directory dir as a Root. Close releases it.
func OpenRoot(dir string) (*Root, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &Root{r: r}, nil
}

// Close releases the directory.
func (r *Root) Close() error { return r.r.Close() }

// Name returns the directory name given to OpenRoot.
func (r *Root) Name() string { return r.r.Name() }

// readable reports an error unless fi is a regular file or a directory.
func readable(op, name string, fi fs.FileInfo) error {
	if fi.Mode().IsRegular() || fi.IsDir() {
		return nil
	}
	return &fs.PathError{Op: op, Path: name, Err: fmt.Errorf("%w (%s)", ErrNotRegular, Kind(fi.Mode()))}
}

// Kind names the kind of file mode m describes: "regular file",
// "directory", "symbolic link", "named pipe", "socket", "device",
// "character device" or "irregular file".
func Kind(m fs.FileMode) string {
	switch t := m.Type(); {
	case t == 0:
		return "regular file"
	case t&fs.ModeDir != 0:
		return "directory"
	case t&fs.ModeSymlink != 0:
		return "symbolic link"
	case t&fs.ModeNamedPipe != 0:
		return "named pipe"
	case t&fs.ModeSocket != 0:
		return "socket"
	case t&fs.ModeCharDevice != 0:
		return "character device"
	case t&fs.ModeDevice != 0:
		return "device"
	}
	return "irregular file"
}

// Open opens name, a regular file or a directory inside the root.
func (r *Root) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	fi, err := r.r.Stat(name)
	if err != nil {
		return nil, err
	}
	if err := readable("open", name, fi); err != nil {
		return nil, err
	}
	// Non-blocking: should name have become a FIFO since the Stat, the
	// open returns at once and the check below refuses it.
	f, err := r.r.OpenFile(name, os.O_RDONLY|openNonBlock, 0)
	if err != nil {
		return nil, err
	}
	fi, err = f.Stat()
	if err == nil {
		err = readable("open", name, fi)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// Stat returns the file information of name, following symbolic links
// that stay inside the root.
func (r *Root) Stat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrInvalid}
	}
	return r.r.Stat(name)
}

// Lstat returns the file information of name without following a final
// symbolic link.
func (r *Root) Lstat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "lstat", Path: name, Err: fs.ErrInvalid}
	}
	return r.r.Lstat(name)
}

// ReadLink returns the target of the symbolic link name (without
// following it).
func (r *Root) ReadLink(name string) (string, error) {
	if !fs.ValidPath(name) {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fs.ErrInvalid}
	}
	return r.r.Readlink(name)
}

// ReadDir reads the directory name, sorted by file name.
func (r *Root) ReadDir(name string) ([]fs.DirEntry, error) {
	return fs.ReadDir(r.r.FS(), name)
}

// OpenFile opens the regular file name for reading (symbolic links in
// name are followed: it is a path the user gave, not a name from an
// input). Anything but a regular file is refused with an error wrapping
// ErrNotRegular, without blocking on a FIFO.
func OpenFile(name string) (*os.File, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fmt.Errorf("%w (%s)", ErrNotRegular, Kind(fi.Mode()))}
	}
	f, err := os.OpenFile(name, os.O_RDONLY|openNonBlock, 0)
	if err != nil {
		return nil, err
	}
	if fi, err = f.Stat(); err == nil && !fi.Mode().IsRegular() {
		err = &fs.PathError{Op: "open", Path: name, Err: fmt.Errorf("%w (%s)", ErrNotRegular, Kind(fi.Mode()))}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
