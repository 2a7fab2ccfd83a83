package tree

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// Open returns the tree a command-line argument names: a tarball file
// (by its name: .tar, .tar.gz, .tgz, .tar.xz, .tar.bz2, .tar.zst, ...),
// a directory, or GITDIR@REF (a git repository, bare or not, at a
// revision). A directory that is itself a git repository is read as a
// directory (its work tree, .git skipped); name it DIR@HEAD for its
// commit. The returned tree may hold resources: close it with Close when
// it implements io.Closer.
func Open(arg string, lim Limits) (Tree, error) {
	fi, err := os.Stat(arg)
	if err == nil {
		switch {
		case fi.IsDir():
			return Dir(arg, lim)
		case fi.Mode().IsRegular():
			return TarballFile(arg, lim), nil
		}
		return nil, &PathError{Tree: arg, Err: fmt.Errorf("%w: not a directory or a tarball", ErrFormat)}
	}
	if i := strings.LastIndexByte(arg, '@'); i > 0 {
		if fi, err := os.Stat(arg[:i]); err == nil && fi.IsDir() {
			return GitDir(arg[:i], arg[i+1:], lim)
		}
	}
	return nil, &PathError{Tree: arg, Err: err}
}

// Close closes t when it holds resources (a directory root).
func Close(t Tree) error {
	if c, ok := t.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
