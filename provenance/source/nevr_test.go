package source

import (
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/patchtrace/patchtrace/internal/testenv"
)

func TestParseNEVR(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want NEVR
	}{
		{"curl-7.61.1-30.el8_8.3", NEVR{"curl", "", "7.61.1", "30.el8_8.3"}},
		{"openssl-1:3.0.7-28.el9_4", NEVR{"openssl", "1", "3.0.7", "28.el9_4"}},
		{"1:openssl-3.0.7-28.el9_4", NEVR{"openssl", "1", "3.0.7", "28.el9_4"}},
		{"python3-pip-wheel-21.2.3-7.el9.noarch.rpm", NEVR{"python3-pip-wheel", "", "21.2.3", "7.el9"}},
		{"curl-7.61.1-33.el8.src.rpm", NEVR{"curl", "", "7.61.1", "33.el8"}},
		{"kernel-5.14.0-362.8.1.el9_3", NEVR{"kernel", "", "5.14.0", "362.8.1.el9_3"}},
		{"foo-1.0-1.rpm", NEVR{"foo", "", "1.0", "1"}},
	} {
		got, err := ParseNEVR(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseNEVR(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "curl", "curl-7.61.1", "-1.0-1", "curl-1.0-", "curl--1", "a b-1-1", "x:curl-1-1", "1:curl-2:1-1", "curl-1.0-1:2"} {
		if n, err := ParseNEVR(bad); !errors.Is(err, ErrFormat) {
			t.Errorf("ParseNEVR(%q) = %+v, %v; want ErrFormat", bad, n, err)
		}
	}
}

func TestBaseRelease(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"30.el8_8.3", "30.el8_8.3"},
		{"30.el8_8.3.alma.1", "30.el8_8.3"},
		{"30.el8_8.3.alma", "30.el8_8.3"},
		{"1.el9_2.rocky.0.1", "1.el9_2"},
		{"28.el9_4.openela.0.1", "28.el9_4"},
		{"28.el9.openela.0.1", "28.el9"},
		{"30.el8_8.3.0.1", "30.el8_8.3"},  // Oracle
		{"14.el8_6.0.1", "14.el8_6"},      // Oracle, no z-stream
		{"30.el8_6.ciqlts.3", "30.el8_6"}, // CIQ
		{"11.el8_6.0.ciqlts", "11.el8_6"},
		{"30.el8_6.86ciq_lts.3", "30.el8_6"},
		{"23.el9_2.4", "23.el9_2.4"},
		{"362.8.1.el9_3", "362.8.1.el9_3"},
		{"1.module+el8.9.0+19496+23cdb03b.alma.1", "1.module+el8.9.0+19496+23cdb03b"},
		{"3.fc39", "3.fc39"},
		{"3.fc39.1", "3.fc39.1"},
		{"1", "1"},
		{"1.1.alma", "1.1.alma"}, // no dist tag: unchanged
		{"5.el7", "5.el7"},
		{"5.el7.centos", "5.el7"},
		{"5.el7.centos.1", "5.el7"},
		{"1.el10.alma.1", "1.el10"},
		{"2.el9.1.alma.1", "2.el9.1"},
	} {
		if got := BaseRelease(tc.in); got != tc.want {
			t.Errorf("BaseRelease(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	n, _ := ParseNEVR("curl-7.61.1-30.el8_8.3.alma.1")
	if n.RebuildSuffix() != "alma.1" {
		t.Errorf("RebuildSuffix %q", n.RebuildSuffix())
	}
}

func TestSameBuild(t *testing.T) {
	p := func(s string) NEVR {
		n, err := ParseNEVR(s)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"curl-7.61.1-30.el8_8.3", "curl-7.61.1-30.el8_8.3.alma.1", true},
		{"curl-7.61.1-30.el8_8.3", "curl-7.61.1-30.el8_8.3.0.1", true},
		{"openssl-1:3.0.7-28.el9_4", "openssl-3.0.7-28.el9_4.openela.0.1", false}, // epoch differs
		{"openssl-1:3.0.7-28.el9_4", "openssl-01:3.0.7-28.el9_4.rocky.0.1", true},
		{"openssl-0:3.0.7-28.el9_4", "openssl-3.0.7-28.el9_4", true},
		{"curl-7.61.1-30.el8_8.3", "curl-7.61.1-30.el8_8.2", false},
		{"curl-7.61.1-30.el8_8.3", "curl-minimal-7.61.1-30.el8_8.3", false},
		{"curl-7.61.1-30.el8_8.3", "curl-7.61.2-30.el8_8.3", false},
	} {
		if got := SameBuild(p(tc.a), p(tc.b)); got != tc.want {
			t.Errorf("SameBuild(%s, %s) = %v", tc.a, tc.b, got)
		}
	}
}

// vercmpCases are rpm's own test cases (rpm tests/rpmvercmp.at) and more.
var vercmpCases = []struct {
	a, b string
	want int
}{
	{"1.0", "1.0", 0}, {"1.0", "2.0", -1}, {"2.0", "1.0", 1},
	{"2.0.1", "2.0.1", 0}, {"2.0", "2.0.1", -1}, {"2.0.1", "2.0", 1},
	{"2.0.1a", "2.0.1a", 0}, {"2.0.1a", "2.0.1", 1}, {"2.0.1", "2.0.1a", -1},
	{"5.5p1", "5.5p1", 0}, {"5.5p1", "5.5p2", -1}, {"5.5p2", "5.5p1", 1},
	{"5.5p10", "5.5p10", 0}, {"5.5p1", "5.5p10", -1}, {"5.5p10", "5.5p1", 1},
	{"10xyz", "10.1xyz", -1}, {"10.1xyz", "10xyz", 1},
	{"xyz10", "xyz10", 0}, {"xyz10", "xyz10.1", -1}, {"xyz10.1", "xyz10", 1},
	{"xyz.4", "xyz.4", 0}, {"xyz.4", "8", -1}, {"8", "xyz.4", 1},
	{"xyz.4", "2", -1}, {"2", "xyz.4", 1},
	{"5.5p2", "5.6p1", -1}, {"5.6p1", "5.5p2", 1},
	{"5.6p1", "6.5p1", -1}, {"6.5p1", "5.6p1", 1},
	{"6.0.rc1", "6.0", 1}, {"6.0", "6.0.rc1", -1},
	{"10b2", "10a1", 1}, {"10a2", "10b2", -1},
	{"1.0aa", "1.0aa", 0}, {"1.0a", "1.0aa", -1}, {"1.0aa", "1.0a", 1},
	{"10.0001", "10.0001", 0}, {"10.0001", "10.1", 0}, {"10.1", "10.0001", 0},
	{"10.0001", "10.0039", -1}, {"10.0039", "10.0001", 1},
	{"4.999.9", "5.0", -1}, {"5.0", "4.999.9", 1},
	{"20101121", "20101121", 0}, {"20101121", "20101122", -1}, {"20101122", "20101121", 1},
	{"2_0", "2_0", 0}, {"2.0", "2_0", 0}, {"2_0", "2.0", 0},
	{"a", "a", 0}, {"a+", "a+", 0}, {"a+", "a_", 0}, {"a_", "a+", 0},
	{"+a", "+a", 0}, {"+a", "_a", 0}, {"_a", "+a", 0},
	{"+_", "+_", 0}, {"_+", "+_", 0}, {"_+", "_+", 0},
	{"+", "_", 0}, {"_", "+", 0},
	{"1.0~rc1", "1.0~rc1", 0}, {"1.0~rc1", "1.0", -1}, {"1.0", "1.0~rc1", 1},
	{"1.0~rc1", "1.0~rc2", -1}, {"1.0~rc2", "1.0~rc1", 1},
	{"1.0~rc1~git123", "1.0~rc1~git123", 0}, {"1.0~rc1~git123", "1.0~rc1", -1}, {"1.0~rc1", "1.0~rc1~git123", 1},
	{"1.0^", "1.0^", 0}, {"1.0^", "1.0", 1}, {"1.0", "1.0^", -1},
	{"1.0^git1", "1.0^git1", 0}, {"1.0^git1", "1.0", 1}, {"1.0", "1.0^git1", -1},
	{"1.0^git1", "1.0^git2", -1}, {"1.0^git2", "1.0^git1", 1},
	{"1.0^git1", "1.01", -1}, {"1.01", "1.0^git1", 1},
	{"1.0^20160101", "1.0^20160101", 0}, {"1.0^20160101", "1.0.1", -1}, {"1.0.1", "1.0^20160101", 1},
	{"1.0^20160101^git1", "1.0^20160101^git1", 0}, {"1.0^20160102", "1.0^20160101^git1", 1},
	{"1.0^20160101^git1", "1.0^20160102", -1},
	{"1.0~rc1^git1", "1.0~rc1^git1", 0}, {"1.0~rc1^git1", "1.0~rc1", 1}, {"1.0~rc1", "1.0~rc1^git1", -1},
	{"1.0^git1~pre", "1.0^git1~pre", 0}, {"1.0^git1", "1.0^git1~pre", 1}, {"1.0^git1~pre", "1.0^git1", -1},
	{"1.0.", "1.0", 0}, {"", "", 0}, {"", "1", -1}, {"a", "", 1},
	{"30.el8_8.3", "30.el8_8.3.alma.1", -1}, {"28.el9_4", "28.el9_4.openela.0.1", -1},
}

func TestCompare(t *testing.T) {
	for _, tc := range vercmpCases {
		if got := Compare(tc.a, tc.b); got != tc.want {
			t.Errorf("Compare(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestCompareAgainstRPM checks Compare against rpm's own rpm.vercmp.
func TestCompareAgainstRPM(t *testing.T) {
	rpmBin := testenv.Tool(t, "rpm", "apt-get install -y rpm")
	extra := []struct{ a, b string }{
		{"1.0", "1.0a"}, {"1.0a", "1.0"}, {"1..0", "1.0"}, {"1.0~", "1.0"}, {"1.0^", "1.0~"},
		{"0.9.8zh", "0.9.8zg"}, {"2.2.5", "2.2.05"}, {"2.a", "2.1"}, {"a1", "1a"}, {"~~", "~"},
		{"^^", "^"}, {"1^a", "1a"}, {"é1", "1"}, {"1é", "1"},
	}
	var pairs []struct{ a, b string }
	for _, tc := range vercmpCases {
		if tc.a != "" && tc.b != "" { // rpm.vercmp refuses empty versions
			pairs = append(pairs, struct{ a, b string }{tc.a, tc.b})
		}
	}
	pairs = append(pairs, extra...)
	// One rpm run for all pairs.
	var lua strings.Builder
	lua.WriteString("%{lua:")
	for _, p := range pairs {
		fmt.Fprintf(&lua, "io.write(rpm.vercmp(%q, %q), \" \") ", p.a, p.b)
	}
	lua.WriteString("}")
	out, err := exec.Command(rpmBin, "--eval", lua.String()).Output()
	if err != nil {
		t.Fatalf("rpm: %v", err)
	}
	lines := strings.Fields(string(out))
	if len(lines) != len(pairs) {
		t.Fatalf("rpm printed %d results for %d pairs", len(lines), len(pairs))
	}
	for i, p := range pairs {
		want, err := strconv.Atoi(lines[i])
		if err != nil {
			t.Fatal(err)
		}
		if got := Compare(p.a, p.b); got != want {
			t.Errorf("Compare(%q, %q) = %d, rpm says %d", p.a, p.b, got, want)
		}
	}
}

func TestCompareEVR(t *testing.T) {
	a, _ := ParseNEVR("openssl-1:1.0-1.el9")
	b, _ := ParseNEVR("openssl-3.0.7-28.el9")
	if CompareEVR(a, b) != 1 || CompareEVR(b, a) != -1 || CompareEVR(a, a) != 0 {
		t.Error("epoch must dominate")
	}
}
