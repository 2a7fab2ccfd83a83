package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/patchtrace/patchtrace/internal/testenv"
)

// TestMatchesGitOnCorpus runs patchid and git patch-id on every patch
// file of the corpus, one file at a time and all of them as one stream.
func TestMatchesGitOnCorpus(t *testing.T) {
	git := testenv.Git(t)
	// patchset reproduces git 2.39-2.45; git 2.46 changed how hash-like
	// message lines are read.
	if v, err := exec.Command(git, "version").Output(); err == nil {
		var major, minor int
		if _, err := fmt.Sscanf(string(v), "git version %d.%d", &major, &minor); err == nil && (major != 2 || minor < 39 || minor > 45) {
			t.Skipf("%s: patchid reproduces git 2.39-2.45", strings.TrimSpace(string(v)))
		}
	}
	root := testenv.Corpus(t)
	var inputs [][]byte
	var all bytes.Buffer
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !(strings.HasSuffix(p, ".patch") || strings.HasSuffix(p, ".diff")) {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		inputs = append(inputs, data)
		all.Write(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(inputs) < 100 {
		t.Fatalf("only %d patch files in the corpus", len(inputs))
	}
	dir := t.TempDir()
	env := append(os.Environ(), "HOME="+dir, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
	check := func(name string, in []byte, mode string) {
		t.Helper()
		cmd := exec.Command(git, "patch-id", mode)
		cmd.Dir, cmd.Env, cmd.Stdin = dir, env, bytes.NewReader(in)
		want, err := cmd.Output()
		if err != nil {
			t.Fatalf("git patch-id %s: %v", mode, err)
		}
		var got, errb bytes.Buffer
		if code := run([]string{mode}, bytes.NewReader(in), &got, &errb); code != 0 {
			t.Fatalf("patchid %s: exit %d: %s", mode, code, errb.String())
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("%s %s:\n ours: %q\n  git: %q", name, mode, got.String(), want)
		}
	}
	for _, mode := range []string{"--stable", "--unstable", "--verbatim"} {
		check("whole corpus", all.Bytes(), mode)
	}
	for i, in := range inputs {
		if i%7 == 0 { // a sample, one git run each
			check("corpus file", in, "--stable")
		}
	}
}

// TestOptions checks the command line: every option, -h/--help on
// standard output with exit 0, and exit 2 for usage errors.
func TestOptions(t *testing.T) {
	in := "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"
	for _, c := range []struct {
		args     []string
		code     int
		out, err string
	}{
		{nil, 0, " 0000000000000000000000000000000000000000\n", ""},
		{[]string{"--stable"}, 0, " 0000000000000000000000000000000000000000\n", ""},
		{[]string{"-h"}, 0, "Exit status:", ""},
		{[]string{"--help"}, 0, "usage: patchid", ""},
		{[]string{"--bogus"}, 2, "", "flag provided but not defined: -bogus\nRun 'patchid -h' for usage."},
		{[]string{"--stable", "--verbatim"}, 2, "", "options --stable and --verbatim cannot be used together"},
		{[]string{"file.patch"}, 2, "", "patches are read from standard input"},
	} {
		var out, errb bytes.Buffer
		code := run(c.args, strings.NewReader(in), &out, &errb)
		if code != c.code || !strings.Contains(out.String(), c.out) || !strings.Contains(errb.String(), c.err) {
			t.Errorf("patchid %q: exit %d\nstdout %q\nstderr %q\nwant exit %d, stdout with %q, stderr with %q", c.args, code, out.String(), errb.String(), c.code, c.out, c.err)
		}
	}
}

// A read error on standard input is an input error (exit 3).
func TestReadError(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(nil, iotest.ErrReader(errors.New("disk on fire")), &out, &errb); code != 3 || !strings.Contains(errb.String(), "disk on fire") {
		t.Errorf("exit %d, stderr %q; want 3 and the read error", code, errb.String())
	}
}
