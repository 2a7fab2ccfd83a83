package main

import (
	"bytes"
	"testing"
)

func TestUsage(t *testing.T) {
	var out, errb bytes.Buffer
	for _, args := range [][]string{{}, {"only=one@x"}, {"a=b", "c=d@e"}} {
		if rc := run(args, &out, &errb); rc != 2 {
			t.Errorf("%q: rc %d, want 2", args, rc)
		}
	}
	if rc := run([]string{"a=" + t.TempDir() + "@main", "b=" + t.TempDir() + "@main"}, &out, &errb); rc != 3 {
		t.Errorf("not a repository: rc %d, want 3", rc)
	}
	if rc := run([]string{"-h"}, &out, &errb); rc != 0 || !bytes.Contains(out.Bytes(), []byte("NAME=GITDIR@REF")) {
		t.Errorf("-h: rc %d\n%s", rc, out.String())
	}
}
