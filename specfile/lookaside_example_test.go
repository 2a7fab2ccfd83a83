package specfile_test

import (
	"fmt"
	"strings"

	"github.com/patchtrace/patchtrace/specfile"
)

func ExampleParseMetadata() {
	list := "3d5913d6a39bd22e68e34dff697fd6e4c3c81563f580c76fca2009315cd81891 SOURCES/curl-7.61.1.tar.xz\n" +
		"c2b1d2b4c3b6e1d9a8e5c4f1a2b3c4d5e6f7a8b9 SOURCES/curl-7.61.1.tar.xz.asc\n"
	entries, err := specfile.ParseMetadata(".curl.metadata", strings.NewReader(list))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range entries {
		fmt.Println(e.Line, e.Algo, e.File, e.Path)
	}
	// Output:
	// 1 sha256 curl-7.61.1.tar.xz SOURCES/curl-7.61.1.tar.xz
	// 2 sha1 curl-7.61.1.tar.xz.asc SOURCES/curl-7.61.1.tar.xz.asc
}

func ExampleParseSources() {
	_, err := specfile.ParseSources("sources", strings.NewReader(
		"SHA512 (a.tar.gz) = "+strings.Repeat("ab", 64)+"\n"+
			"SHA256 (b.tar.gz) = "+strings.Repeat("cd", 32)+"\n"))
	fmt.Println(err)
	// Output: sources:2: bad lookaside list: SHA256 entry in a list that uses SHA512 (line 1): one file must use one hash type
}
