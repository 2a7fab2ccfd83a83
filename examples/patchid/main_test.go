package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

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
		var got bytes.Buffer
		if err := run([]string{mode}, bytes.NewReader(in), &got); err != nil {
			t.Fatal(err)
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

func TestOptions(t *testing.T) {
	if err := run([]string{"--bogus"}, strings.NewReader(""), new(bytes.Buffer)); err == nil {
		t.Error("an unknown option was accepted")
	}
	if err := run([]string{"--stable", "--verbatim"}, strings.NewReader(""), new(bytes.Buffer)); err == nil {
		t.Error("--stable --verbatim was accepted")
	}
	var out bytes.Buffer
	in := "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"
	if err := run(nil, strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(out.String(), " 0000000000000000000000000000000000000000\n") || len(out.String()) != 82 {
		t.Errorf("output %q", out.String())
	}
}
