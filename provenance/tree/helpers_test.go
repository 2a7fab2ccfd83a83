package tree

import (
	"bytes"
	"context"
	"io"
	"testing"
)

// memTarball is a Tarball over bytes that counts how often it is opened.
func memTarball(name string, b []byte, lim Limits, opens *int) Tree {
	return Tarball(name, func() (io.ReadCloser, error) {
		if opens != nil {
			*opens++
		}
		return io.NopCloser(bytes.NewReader(b)), nil
	}, lim)
}

// entriesOf lists a tree's entries, failing the test on error.
func entriesOf(t testing.TB, tr Tree) []Entry {
	t.Helper()
	es, err := tr.Entries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// contents reads every regular file of tr.
func contents(t testing.TB, tr Tree) map[string]string {
	t.Helper()
	var ps []string
	for _, e := range entriesOf(t, tr) {
		if !e.IsLink() {
			ps = append(ps, e.Path)
		}
	}
	out := map[string]string{}
	if err := tr.Read(context.Background(), ps, func(p string, d []byte) error {
		out[p] = string(d)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}
