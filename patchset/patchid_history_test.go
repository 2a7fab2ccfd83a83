package patchset

import (
	"bytes"
	"os"
	"os/exec"
	"testing"

	"github.com/patchtrace/patchtrace/internal/testenv"
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
	git := testenv.Git(t)
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
