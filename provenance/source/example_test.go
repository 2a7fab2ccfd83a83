package source_test

import (
	"context"
	"fmt"
	"testing/fstest"

	"github.com/patchtrace/patchtrace/provenance/source"
)

func ExampleFromFS() {
	fsys := fstest.MapFS{
		"SPECS/hello.spec":             {Data: []byte("Name: hello\nPatch1: fix.patch\n")},
		"SOURCES/fix.patch":            {Data: []byte("--- a/x\n+++ b/x\n")},
		".hello.metadata":              {Data: []byte("da39a3ee5e6b4b0d3255bfef95601890afd80709 SOURCES/hello-1.0.tar.gz\n")},
		"PATCHES/debrand.cfg":          {Data: []byte("add { file: \"PATCHES/0001-debrand.patch\" }\n")},
		"PATCHES/0001-debrand.patch":   {Data: []byte("--- a/y\n+++ b/y\n")},
		"SOURCES/hello-1.0.tar.gz.txt": {Data: []byte("notes")},
	}
	p, err := source.FromFS("hello", fsys, source.Options{}).Load(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Layout, p.SpecName, p.LookasideName)
	for _, f := range p.Files {
		fmt.Printf("%s (%s) %d bytes overlay=%v\n", f.Name, f.Path, f.Size, f.Overlay)
	}
	fmt.Println(p.Overlays[0].Add[0].File)
	// Output:
	// specs-sources SPECS/hello.spec .hello.metadata
	// 0001-debrand.patch (PATCHES/0001-debrand.patch) 16 bytes overlay=true
	// debrand.cfg (PATCHES/debrand.cfg) 43 bytes overlay=true
	// fix.patch (SOURCES/fix.patch) 16 bytes overlay=false
	// hello-1.0.tar.gz.txt (SOURCES/hello-1.0.tar.gz.txt) 5 bytes overlay=false
	// PATCHES/0001-debrand.patch
}

func ExampleNEVR_BaseRelease() {
	for _, s := range []string{
		"curl-7.61.1-30.el8_8.3.alma.1",
		"openssl-1:3.0.7-28.el9_4.openela.0.1",
		"curl-7.61.1-30.el8_8.3.0.1",
		"expat-2.2.5-11.el8_6.0.ciqlts",
	} {
		n, err := source.ParseNEVR(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s: base %s, rebuild %q\n", n, n.BaseRelease(), n.RebuildSuffix())
	}
	// Output:
	// curl-7.61.1-30.el8_8.3.alma.1: base 30.el8_8.3, rebuild "alma.1"
	// openssl-1:3.0.7-28.el9_4.openela.0.1: base 28.el9_4, rebuild "openela.0.1"
	// curl-7.61.1-30.el8_8.3.0.1: base 30.el8_8.3, rebuild "0.1"
	// expat-2.2.5-11.el8_6.0.ciqlts: base 11.el8_6, rebuild "0.ciqlts"
}

func ExampleSameBuild() {
	a, _ := source.ParseNEVR("curl-7.61.1-30.el8_8.3")
	b, _ := source.ParseNEVR("curl-7.61.1-30.el8_8.3.alma.1")
	c, _ := source.ParseNEVR("curl-7.61.1-30.el8_8.2")
	fmt.Println(source.SameBuild(a, b), source.SameBuild(a, c))
	// Output: true false
}

func ExampleCompare() {
	fmt.Println(source.Compare("1.0", "1.0a"), source.Compare("1.0~rc1", "1.0"), source.Compare("1.0^git1", "1.0"), source.Compare("10.0001", "10.1"))
	// Output: -1 -1 1 0
}

func ExampleParseOverlay() {
	cfg := `spec_change {
  append { field: "Release" value: ".openela.0.1" }
}`
	o, err := source.ParseOverlay("PATCHES/debrand.cfg", []byte(cfg))
	if err != nil {
		fmt.Println(err)
		return
	}
	a := o.SpecChange.Append[0]
	fmt.Printf("%s += %q (line %d)\n", a.Field, a.Value, a.Line)
	// Output: Release += ".openela.0.1" (line 2)
}
