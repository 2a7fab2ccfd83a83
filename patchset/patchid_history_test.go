package patchset

import (
	"bytes"
	"os"
	"os/exec"
	"testing"
)

// TestCurlHistory runs on a real history when PATCHTRACE_CURL_GIT names a
// curl/curl git directory (with tags curl-7_19_7 and curl-8_5_0): the ids
// of `git log -p curl-7_19_7..curl-8_5_0` (about 111 MB) must equal git
// patch-id's in all modes, and the stream must parse and write back.
func TestCurlHistory(t *testing.T) {
	dir := os.Getenv("PATCHTRACE_CURL_GIT")
	if dir == "" {
		t.Skip("PATCHTRACE_CURL_GIT is not set")
	}
	git := gitForPatchID(t)
	stream, err := exec.Command(git, "-C", dir, "log", "-p", "curl-7_19_7..curl-8_5_0").Output()
	if err != nil {
		t.Fatal(err)
	}
	comparePatchIDs(t, "curl history", stream)
	ps, err := ParseBytes("curl log -p", stream)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(joinBytes(ps), stream) {
		t.Error("the parsed history does not write back")
	}
	withCommit := 0
	for _, p := range ps {
		if p.Header.CommitID != "" {
			withCommit++
		}
	}
	if withCommit < 19000 {
		t.Errorf("only %d commits parsed", withCommit)
	}
}

// TestHistoryVariants feeds other shapes of real history to both git and
// us: format-patch mboxes with binary patches and rename/copy detection,
// log -p with --binary, --full-index and --stat. It runs when
// PATCHTRACE_CURL_GIT or PATCHTRACE_EXPAT_GIT is set.
func TestHistoryVariants(t *testing.T) {
	type repo struct {
		env, rangeSpec string
		paths          []string
	}
	ran := false
	for _, r := range []repo{
		{"PATCHTRACE_CURL_GIT", "curl-8_0_0..curl-8_5_0", nil},
		// The local expat mirror lacks some large blobs outside these.
		{"PATCHTRACE_EXPAT_GIT", "R_2_2_5..R_2_6_2", []string{"expat/lib", "expat/tests"}},
	} {
		dir := os.Getenv(r.env)
		if dir == "" {
			continue
		}
		ran = true
		git := gitForPatchID(t)
		for _, args := range [][]string{
			{"format-patch", "--stdout", "--binary", "-M", "-C", r.rangeSpec},
			{"log", "-p", "--binary", "--full-index", "--stat", "-M", r.rangeSpec},
			{"log", "-p", "--no-prefix", "--no-renames", "-U1", r.rangeSpec},
		} {
			argv := append([]string{"-C", dir}, args...)
			if r.paths != nil {
				argv = append(append(argv, "--"), r.paths...)
			}
			out, err := exec.Command(git, argv...).Output()
			if err != nil {
				t.Fatalf("git %v: %v", args, err)
			}
			name := r.env + " " + args[0] + " " + args[2]
			comparePatchIDs(t, name, out)
			ps, err := ParseBytes(name, out)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(joinBytes(ps), out) {
				t.Errorf("%s: does not write back", name)
			}
		}
	}
	if !ran {
		t.Skip("neither PATCHTRACE_CURL_GIT nor PATCHTRACE_EXPAT_GIT is set")
	}
}
