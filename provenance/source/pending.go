package source

import (
	"context"
	"errors"
)

// errPending is returned by loaders still being written.
var errPending = errors.New("source: not implemented yet")

type pendingSource struct{ name string }

func (p pendingSource) Name() string { return p.name }
func (p pendingSource) Load(context.Context) (*Package, error) {
	return nil, errPending
}

// SRPMFile returns a Source reading a source RPM file.
func SRPMFile(name, path string, opts ...Option) Source { return pendingSource{name} }

// GitDir returns a Source reading a git repository at ref.
func GitDir(name, dir, ref string, opts ...Option) (Source, error) { return pendingSource{name}, nil }

// FileCommit is the commit that introduced a file's content.
type FileCommit struct {
	Path, Commit string
}
