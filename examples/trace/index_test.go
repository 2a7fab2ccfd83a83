package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchtrace/patchtrace/provenance/store"
	"github.com/patchtrace/patchtrace/provenance/upstream"
)

// The tests keep their persistent index in a temporary directory, never
// in the user's cache.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "trace-index")
	if err != nil {
		panic(err)
	}
	os.Setenv(indexEnv, filepath.Join(dir, "index.db"))
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runCode runs trace and returns its exit code, stdout and stderr.
func runCode(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// A trace with a persistent index answers as one without; the second
// trace finds everything in the store; one NAME may take several ranges.
func TestPersistentIndex(t *testing.T) {
	dir, err := exampleDir()
	if err != nil {
		t.Fatal(err)
	}
	bare := greetBare(t)
	target := filepath.Join(dir, "target")
	from := "c9s=" + filepath.Join(dir, "c9s")
	loc := filepath.Join(t.TempDir(), "index.db")
	base := []string{"-json", "-target", "c9s", "-from", from}
	want := runTrace(t, append(base, "-index", "off", "-upstream", "greet="+bare+"@v1.0..main", target)...)

	code, cold, stderr := runCode(append(base, "-index", loc, "-upstream", "greet="+bare+"@v1.0..main", target)...)
	if code != 0 || cold != want {
		t.Fatalf("cold trace with -index: exit %d, output differs: %v\n%s", code, cold != want, stderr)
	}
	if !strings.Contains(stderr, "trace: index greet: fingerprint") {
		t.Errorf("no fingerprint progress on stderr (not a terminal: plain lines):\n%s", stderr)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, loc, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ix, err := db.Index(ctx, upstream.FingerprintName)
	if err != nil {
		t.Fatal(err)
	}
	st, err := ix.Stats(ctx)
	ix.Close()
	if err != nil || st.Indexed == 0 || st.Changes == 0 {
		t.Fatalf("the index holds %+v, %v", st, err)
	}

	code, warm, stderr := runCode(append(base, "-q", "-index", loc, "-upstream", "greet="+bare+"@v1.0..main", target)...)
	if code != 0 || warm != want {
		t.Errorf("warm trace: exit %d, output differs: %v\n%s", code, warm != want, stderr)
	}
	if stderr != "" && strings.Contains(stderr, "trace: index") {
		t.Errorf("-q still shows progress:\n%s", stderr)
	}

	// Two ranges of one history under one NAME: accepted, and the
	// attribution stays (the second range adds no commit here).
	code, two, stderr := runCode(append(base, "-index", loc, "-upstream", "greet="+bare+"@v1.0..main", "-upstream", "greet="+bare+"@v1.0..*", target)...)
	if code != 0 || len(decode(t, two).Patches) != len(decode(t, want).Patches) {
		t.Errorf("two ranges for one NAME: exit %d\n%s", code, stderr)
	}
	for _, bad := range [][]string{
		{"-index", "off", "-upstream", "greet=" + bare + "@v1.0..main", "-upstream", "greet=" + bare + "@main", target},
		{"-upstream", "greet=" + bare + "@v1.0..main", "-upstream", "greet=" + t.TempDir() + "@main", target},
	} {
		if code, _, stderr := runCode(bad...); code != 2 {
			t.Errorf("trace %v: exit %d, want 2 (usage)\n%s", bad, code, stderr)
		}
	}
	// A store of another program is refused with a clear error.
	foreign := filepath.Join(t.TempDir(), "other.db")
	os.WriteFile(foreign, []byte("not a database at all, but long enough to look"), 0o644)
	if code, _, stderr := runCode(append(base, "-index", foreign, "-upstream", "greet="+bare+"@v1.0..main", target)...); code == 0 || !strings.Contains(stderr, "corrupt") {
		t.Errorf("a junk -index file: exit %d\n%s", code, stderr)
	}
}
