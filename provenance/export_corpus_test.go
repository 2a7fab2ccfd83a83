package provenance_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	spdxjson "github.com/spdx/tools-golang/json"

	"github.com/patchtrace/patchtrace/internal/testenv"
	"github.com/patchtrace/patchtrace/provenance"
	"github.com/patchtrace/patchtrace/provenance/source"
	"github.com/patchtrace/patchtrace/specfile"
)

// SPDXSchemaEnv names the variable that points at the SPDX project's
// official SPDX 2.3 JSON schema (spdx-spec, tag v2.3,
// schemas/spdx-schema.json). No npm or Debian package ships it, so CI
// cannot install it: the SPDX schema check runs where it is set and is
// skipped, with this reason, where it is not (CI included).
const SPDXSchemaEnv = "PATCHTRACE_SPDX_SCHEMA"

// spdxSchemaSHA256 is the digest of spdx-spec v2.3's schemas/spdx-schema.json.
const spdxSchemaSHA256 = "239208b7ac287b3cf5d9a9af23f9d69863971102a5e1587a27a398b43490b89b"

// exportCase is one real package traced against its origins.
type exportCase struct {
	name    string
	target  string // corpus path: a directory or an SRPM
	preset  string
	origins [][2]string // name, corpus path
}

// exportCases are the corpus packages of issue 12: curl, openssl and
// expat from OpenELA, CIQ, EuroLinux and Fedora, and the SRPMs.
var exportCases = []exportCase{
	{"curl-openela-el8", "openela/curl/el8", "el8", [][2]string{{"ciq", "ciq-rocky-lts/curl/el-8.6"}, {"euro7", "eurolinux/curl/el7"}, {"euro6", "eurolinux/curl/el6"}}},
	{"curl-srpm", "srpms/curl-7.61.1-33.el8.src.rpm", "el8", [][2]string{{"openela", "openela/curl/el8"}}},
	{"curl-openela-el9", "openela/curl/el9", "el9", [][2]string{{"el92", "openela/curl/el-9.2"}}},
	{"openssl-openela-el9", "openela/openssl/el9", "el9", [][2]string{{"ciq", "ciq-rocky-fips/openssl/dist-git"}, {"fedora", "fedora/openssl/rawhide"}}},
	{"openssl-srpm", "srpms/openssl-3.0.7-28.el9.openela.0.1.src.rpm", "el9", [][2]string{{"openela", "openela/openssl/el9"}, {"el8", "openela/openssl/el8"}}},
	{"openssl-fedora-f35", "fedora/openssl/f35", "f42", [][2]string{{"rawhide", "fedora/openssl/rawhide"}}},
	{"expat-openela-el8", "openela/expat/el8", "el8", [][2]string{{"ciq", "ciq-rocky-lts/expat/el-8.6"}, {"euro7", "eurolinux/expat/el7"}, {"euro6", "eurolinux/expat/el6"}}},
	{"expat-srpm", "srpms/expat-2.2.5-11.el8.src.rpm", "el8", [][2]string{{"openela", "openela/expat/el8"}}},
	{"expat-openela-el9", "openela/expat/el9", "el9", [][2]string{{"el8", "openela/expat/el8"}}},
}

func traceCase(t *testing.T, c exportCase) *provenance.Graph {
	t.Helper()
	corpus := testenv.Corpus(t)
	open := func(name, rel string) source.Source {
		s, err := source.Open(name, filepath.Join(corpus, rel), source.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tg, err := specfile.Preset(c.preset)
	if err != nil {
		t.Fatal(err)
	}
	var origins []source.Source
	for _, o := range c.origins {
		origins = append(origins, open(o[0], o[1]))
	}
	g, err := provenance.Trace(context.Background(), open("target", c.target), origins, nil,
		provenance.Options{Target: tg, BaseDir: corpus})
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	return g
}

// validation is one line of scripts/validate-sbom.cjs's output.
type validation struct {
	File   string          `json:"file"`
	Format string          `json:"format"`
	Valid  *bool           `json:"valid"`
	Errors json.RawMessage `json:"errors"`
}

// validateSBOMs runs the independent validator (scripts/validate-sbom.cjs:
// @cyclonedx/cyclonedx-library's strict JSON validator, ajv with the SPDX
// schema) on files, in one node process.
func validateSBOMs(t *testing.T, files []string) map[string]validation {
	t.Helper()
	nodeModules, node := testenv.NodeModules(t, "@cyclonedx/cyclonedx-library", "ajv", "ajv-formats", "ajv-formats-draft2019")
	root := testenv.ModuleRoot()
	args := []string{filepath.Join(root, "scripts", "validate-sbom.cjs")}
	if schema := os.Getenv(SPDXSchemaEnv); schema != "" {
		data, err := os.ReadFile(schema)
		if err != nil {
			t.Fatal(err)
		}
		if sum := fmt.Sprintf("%x", sha256.Sum256(data)); sum != spdxSchemaSHA256 {
			t.Fatalf("$%s=%s has sha256 %s, not spdx-spec v2.3's schemas/spdx-schema.json (%s)", SPDXSchemaEnv, schema, sum, spdxSchemaSHA256)
		}
		args = append(args, "--spdx-schema", schema)
	}
	cmd := exec.Command(node, append(args, files...)...)
	cmd.Env = append(os.Environ(), "NODE_PATH="+nodeModules)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if code := cmd.ProcessState.ExitCode(); err != nil && code != 1 {
		t.Fatalf("validate-sbom: %v: %s", err, stderr.String())
	}
	res := map[string]validation{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var v validation
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("validate-sbom output %q: %v", sc.Text(), err)
		}
		res[v.File] = v
	}
	if len(res) != len(files) {
		t.Fatalf("validate-sbom reported %d of %d files: %s", len(res), len(files), stderr.String())
	}
	return res
}

// TestExportsValidOnCorpus exports every corpus package as CycloneDX 1.6
// and SPDX 2.3 and has them checked by an independent validator against
// the official JSON schemas (CycloneDX always; SPDX where its schema is
// available, see SPDXSchemaEnv), then checks the metadata a consumer
// relies on: creation time, versioned tool, unique namespace and serial
// number, descriptions of resolved issues, no local absolute paths.
func TestExportsValidOnCorpus(t *testing.T) {
	corpus := testenv.Corpus(t)
	dir := t.TempDir()
	at := time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC)
	opts := provenance.ExportOptions{Time: at}
	var files []string
	graphs := map[string]*provenance.Graph{}
	for _, c := range exportCases {
		g := traceCase(t, c)
		graphs[c.name] = g
		for _, f := range []struct {
			ext   string
			write func(*bytes.Buffer) error
		}{
			{"cdx.json", func(b *bytes.Buffer) error { return g.WriteCycloneDX(b, opts) }},
			{"spdx.json", func(b *bytes.Buffer) error { return g.WriteSPDX(b, opts) }},
		} {
			var b bytes.Buffer
			if err := f.write(&b); err != nil {
				t.Fatalf("%s %s: %v", c.name, f.ext, err)
			}
			for _, local := range []string{corpus, testenv.ModuleRoot()} {
				if bytes.Contains(b.Bytes(), []byte(local)) {
					t.Errorf("%s.%s records the local path %s", c.name, f.ext, local)
				}
			}
			p := filepath.Join(dir, c.name+"."+f.ext)
			if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			files = append(files, p)
		}
	}
	res := validateSBOMs(t, files)
	spdxChecked := 0
	for _, f := range files {
		v := res[f]
		switch {
		case v.Valid == nil:
			// SPDX without the official schema: not checked (see below).
		case !*v.Valid:
			t.Errorf("%s (%s) does not validate: %s", filepath.Base(f), v.Format, v.Errors)
		case strings.HasPrefix(v.Format, "SPDX"):
			spdxChecked++
		}
	}
	t.Logf("validated %d documents against the official schemas (%d of them SPDX)", len(files)-len(exportCases)+spdxChecked, spdxChecked)
	if spdxChecked == 0 {
		t.Logf("SPDX documents not checked against the SPDX 2.3 schema: $%s is unset (no npm or Debian package ships the schema; point it at spdx-spec v2.3 schemas/spdx-schema.json)", SPDXSchemaEnv)
	}
	var spdxFiles []string
	for _, f := range files {
		if strings.HasSuffix(f, ".spdx.json") {
			spdxFiles = append(spdxFiles, f)
		}
	}
	validateWithSPDXTools(t, spdxFiles)
	for _, c := range exportCases {
		checkCycloneDXMetadata(t, c.name, graphs[c.name], at)
		checkSPDXMetadata(t, c.name, graphs[c.name], at)
	}
}

// spdxToolsCheck parses and validates SPDX documents with the SPDX
// project's own Python tools (spdx-tools, Debian's python3-spdx-tools),
// printing one "FILE<TAB>verdict<TAB>messages" line each.
const spdxToolsCheck = `import sys
from spdx_tools.spdx.parser.parse_anything import parse_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document
for f in sys.argv[1:]:
    try:
        msgs = [m.validation_message for m in validate_full_spdx_document(parse_file(f))]
        print(f, "valid" if not msgs else "invalid", " | ".join(msgs)[:2000], sep="\t")
    except Exception as e:
        print(f, "unparsable", str(e)[:2000].replace("\n", " "), sep="\t")
`

// validateWithSPDXTools runs the SPDX project's validator (spdx-tools, in
// the sid chroot that scripts/rpm-chroot.sh builds) on SPDX documents.
func validateWithSPDXTools(t *testing.T, files []string) {
	t.Helper()
	root := testenv.RPMChroot(t, "sid")
	if root == "" {
		return
	}
	if _, err := os.Stat(filepath.Join(root, "usr", "bin", "pyspdxtools")); err != nil {
		testenv.Tool(t, filepath.Join(root, "usr", "bin", "pyspdxtools"), "scripts/rpm-chroot.sh sid (it installs python3-spdx-tools)")
		return
	}
	outside, inside := testenv.ChrootTemp(t, root)
	args := []string{"-c", spdxToolsCheck}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(outside, filepath.Base(f)), data, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, inside+"/"+filepath.Base(f))
	}
	out, err := testenv.ChrootCommand(context.Background(), root, "python3", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("spdx-tools: %v\n%s", err, out)
	}
	valid := 0
	for _, l := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		f := strings.SplitN(l, "\t", 3)
		if len(f) != 3 {
			t.Errorf("spdx-tools printed %q", l)
			continue
		}
		if f[1] != "valid" {
			t.Errorf("spdx-tools: %s is %s: %s", filepath.Base(f[0]), f[1], f[2])
			continue
		}
		valid++
	}
	if valid != len(files) {
		t.Errorf("spdx-tools validated %d of %d SPDX documents", valid, len(files))
	}
	t.Logf("spdx-tools (the SPDX project's validator, Debian sid python3-spdx-tools) validated %d SPDX 2.3 documents", valid)
}

// checkCycloneDXMetadata checks what issue 12 found missing: serial
// number, timestamp, a versioned tool entry, described resolved issues.
func checkCycloneDXMetadata(t *testing.T, name string, g *provenance.Graph, at time.Time) {
	t.Helper()
	bom := g.CycloneDX(provenance.ExportOptions{Time: at})
	again := g.CycloneDX(provenance.ExportOptions{Time: at.Add(time.Second)})
	if !strings.HasPrefix(bom.SerialNumber, "urn:uuid:") || len(bom.SerialNumber) != len("urn:uuid:")+36 || bom.SerialNumber == again.SerialNumber {
		t.Errorf("%s: serialNumber %q (a second later %q): want a urn:uuid unique per document", name, bom.SerialNumber, again.SerialNumber)
	}
	if same := g.CycloneDX(provenance.ExportOptions{Time: at}); same.SerialNumber != bom.SerialNumber {
		t.Errorf("%s: the same graph at the same time got serial numbers %s and %s", name, bom.SerialNumber, same.SerialNumber)
	}
	md := bom.Metadata
	if md == nil || md.Timestamp != at.Format(time.RFC3339) || md.Tools == nil || md.Tools.Components == nil ||
		(*md.Tools.Components)[0].Name != provenance.ToolName || (*md.Tools.Components)[0].Version == "" {
		t.Fatalf("%s: metadata %+v: want the timestamp and a versioned patchtrace tool", name, md)
	}
	if strings.HasPrefix(md.Component.PackageURL, "pkg:rpm/target/") {
		t.Errorf("%s: purl %s names the vendor \"target\"", name, md.Component.PackageURL)
	}
	issues := 0
	if ped := md.Component.Pedigree; ped != nil && ped.Patches != nil {
		for _, p := range *ped.Patches {
			if p.Resolves == nil {
				continue
			}
			for _, i := range *p.Resolves {
				issues++
				if i.Description == "" || !strings.Contains(i.Description, "resolved by") {
					t.Errorf("%s: issue %s has description %q", name, i.ID, i.Description)
				}
			}
		}
	}
	if strings.HasPrefix(name, "curl") && issues == 0 {
		t.Errorf("%s: no resolved issues (curl's patches cite CVEs)", name)
	}
}

// checkSPDXMetadata checks the SPDX creation info and namespace, and that
// every file has checksums (the schema's /files/N/checksums).
func checkSPDXMetadata(t *testing.T, name string, g *provenance.Graph, at time.Time) {
	t.Helper()
	var b bytes.Buffer
	if err := g.WriteSPDX(&b, provenance.ExportOptions{Time: at}); err != nil {
		t.Fatal(err)
	}
	doc, err := spdxjson.Read(&b)
	if err != nil {
		t.Fatalf("%s: reading the SPDX back: %v", name, err)
	}
	if doc.CreationInfo.Created != "2026-05-04T03:02:01Z" {
		t.Errorf("%s: created %q", name, doc.CreationInfo.Created)
	}
	tool := doc.CreationInfo.Creators[0]
	if tool.CreatorType != "Tool" || !strings.HasPrefix(tool.Creator, "patchtrace-") || len(tool.Creator) <= len("patchtrace-") {
		t.Errorf("%s: creator %s: %s, want Tool: patchtrace-VERSION", name, tool.CreatorType, tool.Creator)
	}
	other := g.SPDX(provenance.ExportOptions{Time: at.Add(time.Second)})
	if other.DocumentNamespace == doc.DocumentNamespace {
		t.Errorf("%s: namespace %s is the same for another document", name, doc.DocumentNamespace)
	}
	for _, f := range doc.Files {
		if len(f.Checksums) == 0 {
			t.Errorf("%s: file %s has no checksum", name, f.FileName)
		}
	}
	for _, p := range doc.Packages {
		if filepath.IsAbs(strings.TrimPrefix(p.PackageSourceInfo, "from ")) {
			t.Errorf("%s: package %s records the absolute path %s", name, p.PackageName, p.PackageSourceInfo)
		}
	}
}

// The CycloneDX and SPDX modules read their documents back (a fast check
// that needs no node; the schema check is TestExportsValidOnCorpus).
func TestExportsReadBack(t *testing.T) {
	for _, c := range exportCases[:2] {
		g := traceCase(t, c)
		var b bytes.Buffer
		if err := g.WriteCycloneDX(&b, provenance.ExportOptions{}); err != nil {
			t.Fatal(err)
		}
		bom := new(cdx.BOM)
		if err := cdx.NewBOMDecoder(&b, cdx.BOMFileFormatJSON).Decode(bom); err != nil {
			t.Fatal(err)
		}
		if bom.SpecVersion != cdx.SpecVersion1_6 {
			t.Errorf("%s: spec version %v", c.name, bom.SpecVersion)
		}
	}
}
