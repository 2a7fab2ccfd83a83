package specfile

import (
	"errors"
	"io"
)

// Parse reads a spec for opts.Target. (Early version: the full reader is
// being committed next.)
func Parse(r io.Reader, opts Options) (*Spec, error) {
	if _, err := io.ReadAll(r); err != nil {
		return nil, &Error{File: opts.Name, Err: err}
	}
	return nil, &Error{File: opts.Name, Err: errors.New("not yet implemented")}
}
