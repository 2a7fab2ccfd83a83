package source

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchtrace/patchtrace/internal/testenv"
)

// TestSRPMFromRPMBuild builds SRPMs with rpm's own rpmbuild, one per
// payload compressor rpm 4.18 offers (w9.gzdio, w9.bzdio, w6.xzdio,
// w6.lzdio, w19.zstdio, w.ufdio: none), and reads them back.
func TestSRPMFromRPMBuild(t *testing.T) {
	rpmbuild := testenv.Tool(t, "rpmbuild", "apt-get install -y rpm")
	top := t.TempDir()
	for _, d := range []string{"SPECS", "SOURCES", "SRPMS", "BUILD", "RPMS", "tmp"} {
		if err := os.MkdirAll(filepath.Join(top, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	spec := `Name: demo
Epoch: 3
Version: 1.2
Release: 4%{?dist}.alma.1
Summary: demo
License: MIT
Source0: demo-1.2.tar.gz
Patch1: 0001-fix.patch
Patch2: 0002-more.patch

%description
demo

%prep
%autosetup -p1

%files
`
	files := map[string]string{
		"SPECS/demo.spec":         spec,
		"SOURCES/0001-fix.patch":  "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n",
		"SOURCES/0002-more.patch": strings.Repeat("more\n", 1000),
		"SOURCES/demo-1.2.tar.gz": strings.Repeat("tarball bytes ", 200000),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(top, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, payload := range []string{"w9.gzdio", "w9.bzdio", "w6.xzdio", "w6.lzdio", "w19.zstdio", "w.ufdio"} {
		t.Run(payload, func(t *testing.T) {
			out := filepath.Join(top, "out-"+payload)
			cmd := exec.Command(rpmbuild, "-bs", "--nodeps",
				"--define", "_topdir "+top, "--define", "_srcrpmdir "+out, "--define", "_tmppath "+filepath.Join(top, "tmp"),
				"--define", "dist .el9", "--define", "_source_payload "+payload,
				filepath.Join(top, "SPECS", "demo.spec"))
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("rpmbuild: %v\n%s", err, b)
			}
			path := filepath.Join(out, "demo-1.2-4.el9.alma.1.src.rpm")
			s, err := Open("demo", path, Options{MaxArchiveSize: 1024})
			if err != nil {
				t.Fatal(err)
			}
			p, err := s.Load(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if p.NEVR.String() != "demo-3:1.2-4.el9.alma.1" || p.NEVR.BaseRelease() != "4.el9" || p.SpecName != "demo.spec" || !p.SRPM.SpecFileFlag {
				t.Errorf("nevr %v spec %s", p.NEVR, p.SpecName)
			}
			if !strings.Contains(string(p.Spec), "Patch2: 0002-more.patch") {
				t.Error("spec content")
			}
			for _, name := range []string{"0001-fix.patch", "0002-more.patch"} {
				if f := p.File(name); f == nil || string(f.Data) != files["SOURCES/"+name] {
					t.Errorf("%s: %+v", name, f)
				}
			}
			tar := p.File("demo-1.2.tar.gz")
			if tar == nil || !tar.Omitted || tar.Size != int64(len(files["SOURCES/demo-1.2.tar.gz"])) {
				t.Errorf("tarball %+v", tar)
			}
			if strings.Join(p.SRPM.Patches, ",") != "0001-fix.patch,0002-more.patch" && strings.Join(p.SRPM.Patches, ",") != "0002-more.patch,0001-fix.patch" {
				t.Errorf("PATCH tags %v", p.SRPM.Patches)
			}
		})
	}
}
